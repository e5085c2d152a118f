"""Scenario files: strict schema, inheritance, overrides, hashing."""

from coexist.scenario.loader import (
    OverrideError,
    apply_calibrated,
    calibrated_overrides,
    calibration_priors,
    load_scenario,
    parse_override,
    scenario_hash,
    shipped_scenarios,
    to_toml,
)
from coexist.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "load_scenario",
    "parse_override",
    "scenario_hash",
    "shipped_scenarios",
    "to_toml",
    "apply_calibrated",
    "calibrated_overrides",
    "calibration_priors",
    "OverrideError",
]
