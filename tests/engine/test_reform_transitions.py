"""Reforms of a status's holder rules and the people already in the status (docs/scenarios.md,
"Reforms and the people already in a status"): each transition on hand-built cases, in the
rules and in a run of a tiny world, and `at_once` as the engine was before transitions."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from coexist.engine import simulate
from coexist.explain import explain
from coexist.testing import tiny_world
from coexist.testing.summaries import departures_by_month

# SSW-i, with no limit an entry in japan-temporary, gets 12 months an entry from 2026-01
REFORM = 'statuses.ssw1.max_stay_months={"2025-01"=0, "2026-01"=12}'


def _reformed(transition: str, *more: str):
    return tiny_world("japan-temporary", [REFORM, f'statuses.ssw1.reform_transition.max_stay_months="{transition}"',
                                          *more])


def _months_left(transition: str, month: str, months_in_status: int, status_total: int | None = None) -> int | None:
    total = months_in_status if status_total is None else status_total
    person = {"status": "ssw1", "sector": "construction", "months_in_status": months_in_status, "status_total": total}
    return explain(_reformed(transition), person, month)["months_left"]


def test_at_once_binds_everyone_from_the_reform_month():
    # in the host since 2025-02: 23 months in SSW-i in 2026-06, over the new 12
    assert _months_left("at_once", "2026-06", 16) == -4
    assert _months_left("at_once", "2025-12", 16) == 44  # before the reform: the 60-month total binds


def test_from_reform_counts_the_months_of_people_already_there_from_the_reform_date():
    assert _months_left("from_reform", "2026-06", 16) == 12 - 5  # 5 months counted since 2026-01
    assert _months_left("from_reform", "2026-06", 3) == 12 - 3  # a permit of 2026-03: all its months count
    # the lifetime limit still counts every month: 58 of 60 used leaves 2, fewer than the 7 of the new limit
    assert _months_left("from_reform", "2026-06", 16, status_total=58) == 2


def test_new_permits_keep_the_value_in_force_when_the_permit_was_granted():
    assert _months_left("new_permits", "2026-06", 16) == 60 - 16  # granted 2025-02: no limit an entry, 60 in total
    assert _months_left("new_permits", "2026-06", 5) == 12 - 5  # granted 2026-01, the reform month: the new limit
    assert _months_left("new_permits", "2026-06", 6) == 60 - 6  # granted 2025-12: the old rules
    # entering the status anew after the reform is a new permit, whatever the months of earlier stays
    assert _months_left("new_permits", "2026-06", 2, status_total=40) == 12 - 2


def test_explain_names_the_rule_that_binds_a_holder_from_before_the_reform():
    person = {"status": "ssw1", "sector": "construction", "months_in_status": 16, "status_total": 16}
    answer = explain(_reformed("new_permits"), person, "2026-06")
    (reform,) = answer["reforms"]
    assert reform["rule"] == "statuses.ssw1.max_stay_months"
    assert (reform["transition"], reform["reform"], reform["permit_granted"]) == ("new_permits", "2026-01", "2025-02")
    assert (reform["in_force"], reform["applies"]) == (12, 0)
    assert "reforms" not in explain(_reformed("at_once"), person, "2026-06")


def test_a_job_change_reform_for_new_permits_leaves_holders_their_old_rule():
    more = ['statuses.ssw1.job_change={"2025-01"="within_field", "2026-01"="after"}',
            "statuses.ssw1.job_change_after_months=12"]
    old = {"status": "ssw1", "sector": "construction", "months_in_status": 16, "status_total": 16}
    new = {**old, "months_in_status": 4, "status_total": 4}
    for transition, old_allowed in (("new_permits", True), ("at_once", True), ("from_reform", False)):
        sc = tiny_world("japan-temporary", [*more, f'statuses.ssw1.reform_transition.job_change="{transition}"'])
        assert explain(sc, old, "2026-06")["job_change"]["allowed"] is old_allowed, transition
        assert explain(sc, new, "2026-06")["job_change"] == {"allowed": False, "rule": "after",
                                                                 "after_months": 12, "from_month": "2027-02"}


def _ssw1_departures(transition: str) -> dict[str, float]:
    """SSW-i departures (return and overstay) by month "YYYY-MM", 2025-01 to 2027-06."""
    result = simulate(_reformed(transition, 'horizon.end="2027-06"'), seed=3)
    by_month = departures_by_month(result, ("ssw1",))
    return {f"{y}-{m:02d}": by_month.get(dt.date(y, m, 1), 0.0) for y in (2025, 2026, 2027) for m in range(1, 13)
            if (y, m) <= (2027, 6)}


@pytest.fixture(scope="module")
def departures():
    return {transition: _ssw1_departures(transition) for transition in ("at_once", "from_reform", "new_permits")}


def test_in_a_run_each_transition_sends_holders_home_when_its_rule_says(departures):
    usual = statistics.median(v for k, v in departures["at_once"].items() if k.startswith("2025"))
    # the year before the reform is the same under every transition
    before = {transition: by_month["2025-06"] for transition, by_month in departures.items()}
    assert before["at_once"] == before["new_permits"] == before["from_reform"]
    # at once: everyone past 12 months leaves in the reform month
    assert departures["at_once"]["2026-01"] > 5 * usual
    # counted from the reform date: they leave 12 months later, not in the reform month
    assert departures["from_reform"]["2026-01"] < 2 * usual
    assert departures["from_reform"]["2027-01"] > 5 * usual
    # new permits only: no month of 2026 sends home more than 3 times the usual month
    assert max(v for k, v in departures["new_permits"].items() if k.startswith("2026")) < 3 * usual
    assert departures["new_permits"]["2027-01"] < departures["from_reform"]["2027-01"] / 3


def test_every_transition_at_once_runs_as_rules_without_transitions():
    """A reform declared at once, with the values dated from a reform date, is the engine as it
    was before transitions: the same scenario with plain values gives the same tables."""
    plain = tiny_world("japan-circular", ['horizon.end="2026-12"'])
    for rules in plain.statuses.values():
        rules.reform_transition = None
    ssw1 = plain.statuses["ssw1"]
    for field in ("max_stay_months", "max_total_months", "job_change", "job_change_after_months"):
        setattr(ssw1, field, list(getattr(ssw1, field).values())[-1])  # the value from 2025-01, the first month
    at_once = tiny_world("japan-circular", ['horizon.end="2026-12"', *(
        f'statuses.ssw1.reform_transition.{field}="at_once"'
        for field in ("max_stay_months", "max_total_months", "job_change", "job_change_after_months"))])
    assert isinstance(at_once.statuses["ssw1"].max_stay_months, dict)
    a, b = simulate(plain, seed=5), simulate(at_once, seed=5)
    assert a.stocks.equals(b.stocks) and a.flows.equals(b.flows)
    # and the shipped rule (new permits) does change the run
    assert not simulate(tiny_world("japan-circular", ['horizon.end="2026-12"']), seed=5).flows.equals(b.flows)
