"""Rule cases in YAML that an analyst can read and extend (tests/rules/*.yaml)."""

from pathlib import Path

import pytest
import yaml

from coexist.explain import explain
from coexist.scenario import load_scenario

CASES = [case for path in sorted(Path(__file__).parent.glob("*.yaml")) for case in yaml.safe_load(path.read_text())]


def _matches(expected, actual, where="") -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a table, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing in the answer")
            else:
                problems += _matches(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list) and expected and isinstance(expected[0], dict):
        if len(expected) != len(actual):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [
            p for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for p in _matches(e, a, f"{where}[{i}]")
        ]
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("case", CASES, ids=[c["case"][:60] for c in CASES])
def test_rule_case(case):
    answer = explain(load_scenario(case["scenario"]), case["person"], str(case["month"]))
    problems = _matches(case["expect"], answer)
    assert not problems, "\n".join([case["case"], *problems])


def test_the_matcher_can_fail():
    assert _matches({"a": {"b": 1}}, {"a": {"b": 2}})
    assert _matches({"a": 1}, {})
