"""Reading reform transitions: `reform_transition` per status, and a `reform_date` that keeps
the base scenario's values before the date (docs/scenarios.md)."""

from __future__ import annotations

import pytest

from coexist.errors import ScenarioError
from coexist.scenario import load_scenario, scenario_hash, to_toml


def _child(tmp_path, body: str, extends: str | None = "japan-temporary") -> str:
    path = tmp_path / "reform.toml"
    head = 'name = "reform"\n' + (f'extends = "{extends}"\n' if extends else "")
    path.write_text(head + body, encoding="utf-8")
    return str(path)


def _error(ref: str, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(ref, overrides=overrides)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_reform_date_keeps_the_base_values_before_it(tmp_path):
    sc = load_scenario(_child(tmp_path, """
[statuses.ssw1]
max_stay_months = 24
job_change = { "2031-01" = "free" }
family_allowed = true

[statuses.ssw1.reform_transition]
reform_date = "2030-01"
max_stay_months = "from_reform"
"""))
    ssw1 = sc.statuses["ssw1"]
    assert ssw1.max_stay_months == {"2029-12": 0, "2030-01": 24}
    # a dated value of the child holds from the reform date, its first value until its first date
    assert ssw1.job_change == {"2029-12": "within_field", "2030-01": "free", "2031-01": "free"}
    # the base's lifetime limit is not written by the child: it stays the base's
    assert ssw1.max_total_months == 60
    assert ssw1.family_allowed is True  # not a holder rule: replaced as written
    assert ssw1.reform_transition.max_stay_months == "from_reform"
    assert ssw1.reform_transition.max_total_months == "at_once"


def test_the_base_dated_value_is_kept_up_to_the_reform_date(tmp_path):
    sc = load_scenario(_child(tmp_path, """
[statuses.esd]
max_total_months = 48
[statuses.esd.reform_transition]
reform_date = "2030-01"
max_total_months = "new_permits"
""", extends="japan-temporary"))
    assert sc.statuses["esd"].max_total_months == {"2029-12": 36, "2030-01": 48}


def test_a_resolved_reformed_scenario_reads_back_the_same(tmp_path):
    sc = load_scenario("japan-circular")
    path = tmp_path / "resolved.toml"
    path.write_text(to_toml(sc), encoding="utf-8")
    again = load_scenario(str(path))
    assert scenario_hash(again) == scenario_hash(sc)
    assert again.statuses["ssw1"].reform_transition == sc.statuses["ssw1"].reform_transition


def test_an_unknown_transition_is_refused_with_the_choices(tmp_path):
    message = _error(_child(tmp_path, '[statuses.ssw1.reform_transition]\nmax_stay_months = "later"\n'))
    for part in ("statuses.ssw1.reform_transition.max_stay_months", "'at_once'", "'from_reform'", "'new_permits'",
                 'Got "later" instead'):
        assert part in message, message


def test_a_transition_for_a_rule_without_one_is_refused(tmp_path):
    message = _error(_child(tmp_path, '[statuses.ssw1.reform_transition]\nwage = "new_permits"\n'))
    assert "statuses.ssw1.reform_transition.wage" in message and "max_stay_months" in message, message


def test_a_reform_date_needs_a_base(tmp_path):
    message = _error(_child(tmp_path, """
[statuses.ssw1]
wage = 1.0
[statuses.ssw1.reform_transition]
reform_date = "2030-01"
""", extends=None))
    assert "statuses.ssw1.reform_transition.reform_date" in message and "extends" in message, message
    assert "Got '2030-01' instead" in message, message


def test_a_reform_date_must_be_a_month(tmp_path):
    message = _error(_child(tmp_path, '[statuses.ssw1.reform_transition]\nreform_date = "2030-13"\n'))
    assert "must be a month written" in message and "Got '2030-13' instead" in message, message


def test_a_reform_date_needs_a_status_of_the_base(tmp_path):
    message = _error(_child(tmp_path, """
[statuses.seasonal]
wage = 1.0
[statuses.seasonal.reform_transition]
reform_date = "2030-01"
"""))
    assert "statuses.seasonal.reform_transition.reform_date" in message and "'japan-temporary'" in message, message


def test_a_child_value_dated_before_the_reform_date_is_refused(tmp_path):
    message = _error(_child(tmp_path, """
[statuses.ssw1]
max_stay_months = { "2029-01" = 24 }
[statuses.ssw1.reform_transition]
reform_date = "2030-01"
"""))
    assert "statuses.ssw1.max_stay_months" in message and "Got '2029-01' instead" in message, message


def test_an_override_sets_a_transition():
    sc = load_scenario("japan-circular", overrides=['statuses.ssw1.reform_transition.max_stay_months="at_once"'])
    assert sc.statuses["ssw1"].reform_transition.max_stay_months == "at_once"
    assert sc.statuses["ssw1"].reform_transition.max_total_months == "new_permits"


def test_scenarios_without_transitions_hash_as_before():
    # no reform_transition written: nothing added to the resolved scenario
    assert "reform_transition" not in to_toml(load_scenario("japan-temporary"))
