"""The dashboard's lever form: generated from the scenario schema, and turned back into
overrides that the loader checks as it checks --set."""

from __future__ import annotations

import pytest

from coexist.errors import ScenarioError
from coexist.scenario import load_scenario, scenario_hash, shipped_scenarios
from coexist.scenario.schema import Programme, StatusRules
from coexist.web.levers import lever_form, lever_overrides, lever_rule


@pytest.mark.parametrize("name", [name for name, _ in shipped_scenarios()])
def test_the_form_of_every_shipped_scenario_gives_back_the_same_scenario(name):
    scenario = load_scenario(name)
    form = lever_form(scenario)
    assert form and all(lever["label"] and lever["unit"] and lever["allowed"] for lever in form)
    again = load_scenario(name, overrides=lever_overrides({lever["path"]: lever["value"] for lever in form}))
    assert scenario_hash(again) == scenario_hash(scenario)


def test_the_form_shows_ranges_units_choices_and_dated_values():
    form = {lever["path"]: lever for lever in lever_form(load_scenario("japan-temporary"))}
    matching = form["programme.recognition_coverage"]
    assert (matching["kind"], matching["min"], matching["max"], matching["dated"]) == ("float", 0.0, 1.0, False)
    assert form["statuses.ssw1.job_change"]["choices"] == ["never", "after", "within_field", "free", "for_cause"]
    assert form["statuses.ssw1.renewable"]["kind"] == "bool"
    dated = [lever for lever in form.values() if lever["dated"]]
    assert dated and all(all(len(month) == 7 for month in lever["value"]) for lever in dated)
    caps = form["statuses.ssw1.caps.construction"]
    assert caps["kind"] == "int" and caps["unit"] == "persons per sector" and caps["dated"]


@pytest.mark.parametrize(("model", "field"), [(Programme, "detection_rate"), (StatusRules, "max_stay_months"),
                                              (StatusRules, "fee_cap_months"), (StatusRules, "caps")])
def test_the_rule_read_from_the_schema_is_the_rule_the_loader_applies(model, field):
    rule = lever_rule(model, field)
    path = {"detection_rate": "programme.detection_rate", "max_stay_months": "statuses.ssw1.max_stay_months",
            "fee_cap_months": "statuses.ssw1.fee_cap_months", "caps": "statuses.ssw1.caps.construction"}[field]
    load_scenario("japan-temporary", overrides=lever_overrides({path: rule.hi}))
    load_scenario("japan-temporary", overrides=lever_overrides({path: rule.lo}))
    over = rule.hi + (1 if rule.kind == "int" else 0.5)
    with pytest.raises(ScenarioError, match=rf"must be in \[{rule.lo}, {rule.hi}\]. Got {over} instead"):
        load_scenario("japan-temporary", overrides=lever_overrides({path: over}))


def test_a_dated_lever_becomes_a_dated_override():
    overrides = lever_overrides({"programme.recognition_coverage": {"2025-01": 0.0, "2030-01": 0.5}})
    assert overrides == ['programme.recognition_coverage={"2025-01" = 0.0, "2030-01" = 0.5}']
    assert load_scenario("japan-temporary", overrides=overrides).programme.recognition_coverage == {
        "2025-01": 0.0, "2030-01": 0.5}


@pytest.mark.parametrize("levers", [
    {"population.scale": 1.0},
    {"statuses.ssw1.wage": 1},
    {"statuses.../../etc.max_stay_months": 1},
    {"programme.recognition_coverage.x": 1},
    {"__proto__": 1},
    {"programme": {"recognition_coverage": 0.3}},
    ["programme.recognition_coverage", 0.3],
])
def test_only_the_form_s_levers_are_accepted(levers):
    with pytest.raises(ScenarioError, match="must (name a lever of the form|be a table of lever path)"):
        lever_overrides(levers)


@pytest.mark.parametrize(("value", "words"), [
    ({"2030-13": 0.5}, "dates written YYYY-MM"),
    ({"2030-01\" = 1, x = \"": 0.5}, "dates written YYYY-MM"),
    ({}, "must have 1 to 60 dates"),
    ({f"{2025 + i // 12}-{i % 12 + 1:02d}": 0.1 for i in range(61)}, "must have 1 to 60 dates"),
    ([0.3], "must be a number, true/false"),
    (None, "must be a number, true/false"),
    (float("inf"), "must be a number, true/false"),
    ("x" * 100, "must be a number, true/false"),
])
def test_values_that_cannot_be_written_as_an_override_are_refused(value, words):
    with pytest.raises(ScenarioError, match=words):
        lever_overrides({"programme.recognition_coverage": value})


def test_a_string_value_cannot_inject_another_override():
    overrides = lever_overrides({"statuses.ssw1.job_change": 'free"\nprogramme.recognition_coverage=1'})
    with pytest.raises(ScenarioError, match="job_change"):
        load_scenario("japan-temporary", overrides=overrides)
