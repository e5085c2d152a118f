"""Rule cases in YAML that an analyst can read and extend (tests/rules/*.yaml).

A case gives a `person` and a `month` (the answer of coexist.explain), or a `history` (the
pathways of coexist.explain.pathways: the person read from it, `now`, and the `options` by name).
"""

from pathlib import Path

import pytest
import yaml

from coexist.explain import explain, history_for, pathways
from coexist.policy.tables import compile_regime
from coexist.scenario import load_scenario, shipped_scenarios

CASES = [case for path in sorted(Path(__file__).parent.glob("*.yaml")) for case in yaml.safe_load(path.read_text())]
# the reform dates of the law as it stands that the cases must cover
REFORM_MONTHS = ("2027-04", "2030-03")


def _answer(case) -> dict:
    scenario = load_scenario(case["scenario"])
    if "history" in case:
        # the options come from the rules alone; a few copies keep the Monte Carlo part quick
        result = pathways(scenario, history_for(scenario, case["history"], case.get("month")), copies=10,
                          horizon_months=12)
        options = {o["option"]: o for o in result["options"]}
        return {"person": result["person"], "now": result["now"], "options": options}
    return explain(scenario, case["person"], str(case["month"]))


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
    problems = _matches(case["expect"], _answer(case))
    assert not problems, "\n".join([case["case"], *problems])


def test_the_matcher_can_fail():
    assert _matches({"a": {"b": 1}}, {"a": {"b": 2}})
    assert _matches({"a": 1}, {})


def _statuses_of(case) -> set[str]:
    if "history" in case:
        return {s["status"] for s in case["history"]["statuses"]}
    person = case["person"]
    return {person["status"], person.get("previous_status")} - {None}


@pytest.mark.parametrize("name", [name for name, _ in shipped_scenarios()])
def test_the_cases_cover_every_status_of_every_shipped_regime(name):
    statuses = set(compile_regime(load_scenario(name)).status_names) - {"home"}
    covered = set().union(*(_statuses_of(c) for c in CASES if c["scenario"] == name))
    assert not statuses - covered, f"{name}: no rule case for {sorted(statuses - covered)}"


def test_the_cases_cover_the_reform_dates():
    asked = {str(c.get("month") or c["history"]["as_of"]) for c in CASES if c["scenario"] == "japan-temporary"}
    assert set(REFORM_MONTHS) <= asked
