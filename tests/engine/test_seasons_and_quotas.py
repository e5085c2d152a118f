"""Seasonal calendars (demand by month of the year, hired for ahead) and entry quotas per
quota year by sector and origin, on tiny worlds."""

import numpy as np
import pytest

from coexist.engine import simulate
from coexist.engine.simulate import _Run
from coexist.errors import ScenarioError
from coexist.periods import parse_month
from coexist.scenario import load_scenario
from coexist.testing import tiny_world

PROGRAMME = ["titp", "esd"]


def _admissions_by_month(scenario, seed=1):
    """New entries into the programme statuses by the month they were admitted (arrival less
    the recruitment lag), after the recruits admitted before the start have arrived."""
    lag = _Run(scenario, seed, scenario.population.scale).lag
    flows = simulate(scenario, seed=seed).flows.to_pandas()
    entries = flows[(flows.flow == "entry") & flows.status_to.isin(PROGRAMME)]
    arrived = entries.month.astype(str).str[:7].map(parse_month)
    admitted = arrived - lag
    keep = admitted >= parse_month(scenario.horizon.start)
    return entries[keep].assign(admitted=admitted[keep])


def test_an_origin_quota_bounds_the_entries_of_each_quota_year():
    quota = 400.0
    scenario = tiny_world("japan-temporary", [f"statuses.titp.entry_quota={{VNM={quota}}}",
                                              f"statuses.esd.entry_quota={{VNM={quota}}}",
                                              "statuses.esd.quota_year_start_month=4"])
    admitted = _admissions_by_month(scenario)
    esd_from = parse_month("2027-04")
    for status, first_month in (("titp", 1), ("esd", 4)):
        rows = admitted[admitted.status_to == status]
        quota_year = (rows.admitted - (first_month - 1)) // 12
        per_year = rows.groupby(quota_year).persons.sum()
        assert per_year.max() <= quota
        if status == "esd":
            assert rows.admitted.min() >= esd_from
    # without the quota, more come
    unlimited = _admissions_by_month(tiny_world("japan-temporary"))
    assert unlimited.persons.sum() > admitted.persons.sum() * 1.2


def test_a_sector_quota_bounds_that_sector_only():
    scenario = tiny_world("japan-temporary", ["statuses.titp.entry_quota={construction=200.0}"])
    admitted = _admissions_by_month(scenario)
    titp = admitted[admitted.status_to == "titp"]
    construction = titp[titp.sector == "construction"].groupby(titp.admitted // 12).persons.sum()
    manufacturing = titp[titp.sector == "manufacturing"].groupby(titp.admitted // 12).persons.sum()
    assert construction.max() <= 200
    assert manufacturing.max() > 200


def test_a_seasonal_calendar_brings_recruits_for_the_season():
    season = "[0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]"  # April to September
    scenario = tiny_world("japan-temporary", [f"demand.season={{construction={season}}}"])
    flows = simulate(scenario, seed=1).flows.to_pandas()
    entries = flows[(flows.flow == "entry") & (flows.sector == "construction") & (flows.month.astype(str) >= "2026")]
    month_of_year = entries.month.astype(str).str[5:7].astype(int)
    in_season = entries[(month_of_year >= 4) & (month_of_year <= 9)].persons.sum()
    assert in_season > 0.8 * entries.persons.sum()
    # the stock follows the season: more construction workers in the summer than in the winter
    stocks = simulate(scenario, seed=1).stocks.to_pandas()
    workers = stocks[(stocks.sector == "construction") & stocks.status.isin(PROGRAMME)]
    by_month = workers.groupby(workers.month.astype(str).str[:7]).persons.sum()
    assert by_month["2027-08"] > by_month["2027-02"]


@pytest.mark.parametrize("override, words", [
    ("demand.season={construction=[1, 1]}", "must be 12 factors in [0, 10], January to December"),
    ("demand.season={construction=[1,1,1,1,1,1,1,1,1,1,1,-1]}", "must be 12 factors"),
    ("statuses.titp.entry_quota={XYZ=10.0}", "is neither a sector"),
    ("statuses.titp.quota_year_start_month=13", "quota_year_start_month"),
])
def test_bad_calendars_and_quotas_are_refused(override, words):
    with pytest.raises(ScenarioError, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_scenario("japan-temporary", overrides=[override])


def test_quotas_are_scaled_with_the_run():
    scenario = tiny_world("japan-temporary", ["statuses.titp.entry_quota={VNM=400.0}"])
    run = _Run(scenario, 1, 0.5)
    assert np.isclose(run._quota_left(0, int(run.T.months[0]))[1][run.T.code("titp"), 0], 200.0)
