"""No reform of the shipped scenarios sends the people already in a programme status home at
once: no month of the first forward year, and no month around the ESD start of 2027-04,
sends home from TITP, ESD, SSW-i and SSW-ii more than 3 times the median month of its year
(the transitions the scenarios cite, docs/scenarios.md section 7)."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest

from coexist.engine import simulate
from coexist.scenario import load_scenario
from coexist.testing import tiny_world
from coexist.testing.summaries import PROGRAMME_STATUSES, departures_by_month, programme_departures

AT_MOST = 3.0  # times the median month of the year
# a status is held to the rule on its own where its median month has this many persons (at
# scale 0.02, 20 simulated people: fewer leave the ratio to sampling noise)
STATUS_MEDIAN = 1000.0


@pytest.mark.parametrize("name", ["japan-temporary", "japan-circular", "japan-circular-unconnected"])
def test_no_month_of_2025_sends_programme_holders_home_at_once(name):
    result = simulate(load_scenario(name, end="2025-12"), seed=0, scale=0.02)
    months = programme_departures(result, 2025)
    assert max(months) <= AT_MOST * statistics.median(months), months
    # and each programme status with enough departures to tell (TITP and SSW-i in 2025): before the
    # reform transitions, japan-circular sent 4 times SSW-i's median month home in 2025-01
    checked = 0
    for status in PROGRAMME_STATUSES:
        by_month = departures_by_month(result, (status,))
        year = [by_month.get(dt.date(2025, m, 1), 0.0) for m in range(1, 13)]
        if statistics.median(year) >= STATUS_MEDIAN:
            checked += 1
            assert max(year) <= AT_MOST * statistics.median(year), (status, year)
    assert checked >= 2


@pytest.mark.parametrize("name", ["japan-temporary", "japan-circular"])
def test_interns_in_titp_when_esd_starts_leave_at_the_end_of_their_plan(name):
    """From 2027-04 TITP admits no one and ESD admits new entrants; interns already in TITP keep
    its rules (2024 amendment, transitional measures), so TITP departures do not jump in 2027-04."""
    by_month = departures_by_month(simulate(tiny_world(name, ['horizon.end="2027-12"']), seed=2), ("titp",))
    year = [by_month.get(dt.date(2027, m, 1), 0.0) for m in range(1, 13)]
    assert year[3] <= AT_MOST * statistics.median(year), year
    assert max(year) <= AT_MOST * statistics.median(year), year
