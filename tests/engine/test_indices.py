"""Indices that compiled code reads as constants agree with the names they stand for.

The kernels index parameters, measures and flows by module-level integers (P_*, M_*,
F_*) derived from PARAM_NAMES, MEASURE_NAMES and FLOW_TYPES; status kinds and job-change
rules by KIND_* and JOB_* derived from the scenario schema's names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from coexist.data import parameters
from coexist.engine import kernels
from coexist.policy import rules
from coexist.scenario.schema import JOB_CHANGE_RULES, STATUS_KINDS

KERNELS_SOURCE = Path(kernels.__file__).read_text(encoding="utf-8")


def _constants(module, prefix: str) -> dict[str, int]:
    return {name: value for name, value in vars(module).items()
            if name.startswith(prefix) and name[len(prefix):].isupper() and isinstance(value, int)}


def _bindings(source: str, prefix: str, table: str) -> dict[str, str]:
    """The constants of `source` bound as `PREFIX_X = TABLE["name"]`: constant -> name."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
            if target.startswith(prefix):
                assert isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name), (
                    f"{target} must be looked up from its name in {table}")
                assert value.value.id == table and isinstance(value.slice, ast.Constant), target
                found[target] = value.slice.value
    return found


@pytest.mark.parametrize("prefix, names, table", [
    ("P_", kernels.PARAM_NAMES, "PARAM_INDEX"),
    ("M_", kernels.MEASURE_NAMES, "MEASURE_INDEX"),
    ("F_", kernels.FLOW_TYPES, "FLOW_INDEX"),
])
def test_every_index_is_the_position_of_its_name(prefix, names, table):
    constants = _constants(kernels, prefix)
    bound = _bindings(KERNELS_SOURCE, prefix, table)
    assert set(bound) == set(constants)  # every constant is bound from a name, none by counting
    for constant, name in bound.items():
        assert names[constants[constant]] == name, constant
    # one constant per name: none is left out, none is used twice
    assert sorted(constants.values()) == list(range(len(names)))
    assert len(set(names)) == len(names)


def test_kernel_parameters_are_declared_parameters():
    assert set(kernels.PARAM_NAMES) <= set(parameters())


def test_kind_and_job_change_codes_follow_the_schema_names():
    for name in STATUS_KINDS:
        assert STATUS_KINDS[getattr(rules, f"KIND_{name.upper()}")] == name
    for constant, name in (("JOB_NEVER", "never"), ("JOB_AFTER", "after"), ("JOB_WITHIN", "within_field"),
                           ("JOB_FREE", "free")):
        assert JOB_CHANGE_RULES[getattr(rules, constant)] == name
