"""The non-Japan example (example-seasonal.toml) loads and runs with no code change, and its
seasonal scheme circulates: 7-month stays, home for at least the cooldown, back again."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from coexist.engine import simulate
from coexist.engine.simulate import _Run
from coexist.scenario import load_scenario

NAME = "example-seasonal"
STAY = 7


def reentries(result, status: str = "seasonal") -> float:
    f = result.flows
    mask = pc.and_(pc.equal(f["flow"], "reentry"), pc.equal(f["status_to"], status))
    return float(pc.sum(f.filter(mask)["persons"]).as_py() or 0.0)


def flow_total(result, flow: str, status_from: str) -> float:
    f = result.flows
    mask = pc.and_(pc.equal(f["flow"], flow), pc.equal(f["status_from"], status_from))
    return float(pc.sum(f.filter(mask)["persons"]).as_py() or 0.0)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(NAME)


@pytest.fixture(scope="module")
def result(scenario):
    return simulate(scenario, seed=1)


def test_loads_as_its_own_host(scenario):
    assert scenario.extends is None
    assert scenario.currency == "AUD" and scenario.host != "Japan"
    assert list(scenario.statuses) == ["seasonal", "employer_permit"]
    assert scenario.statuses["seasonal"].max_stay_months == STAY
    assert scenario.statuses["seasonal"].leaving_ends_right is False
    assert scenario.statuses["seasonal"].reentry_cooldown_months == 5
    assert scenario.statuses["employer_permit"].max_total_months == 60
    assert scenario.statuses["employer_permit"].reentry_cooldown_months == 1
    assert scenario.programme.former_employer_rehire is True
    assert scenario.population.initial == "empty"
    assert set(scenario.demand.initial) == {"agriculture", "food_manufacturing"}
    assert (scenario.horizon.start, scenario.horizon.end) == ("2025-01", "2034-12")
    active = {code for code, o in scenario.origins.items() if o.active}
    assert active == {"PHL", "IDN", "VNM", "OTH"}
    assert scenario.assumptions and all("illustrative" in (a.basis + a.value).lower() for a in scenario.assumptions)


def test_runs_with_its_own_status_names(scenario):
    result = simulate(scenario, seed=1)
    statuses = set(result.stocks.column("status").to_pylist())
    assert {"seasonal", "employer_permit", "returned", "home"} <= statuses
    assert statuses <= {"seasonal", "employer_permit", "returned", "home", "irregular"}
    origins = set(result.stocks.filter(pc.not_equal(result.stocks["status"], "home"))["origin"].to_pylist())
    assert origins <= {"PHL", "IDN", "VNM", "OTH"}
    sectors = set(result.stocks.filter(pc.equal(result.stocks["status"], "seasonal"))["sector"].to_pylist())
    assert sectors == {"agriculture"}


def test_no_seasonal_stay_exceeds_seven_months():
    run = _Run((load_scenario(NAME)), 1, 1.0)
    code = run.T.code("seasonal")
    longest = 0
    for t in range(len(run.T.months)):
        run.step(t)
        here = run._view("status") == code
        if here.any():
            longest = max(longest, int(run._view("months_in_stay")[here].max()))
    # month-end tenure: someone at 6 works a 7th month and leaves at its end
    assert 5 <= longest < STAY


def test_seasonal_workers_go_home_and_come_back(result):
    returns = flow_total(result, "return", "seasonal")
    back = reentries(result)
    assert returns > 1000
    assert back >= 0.2 * returns, f"only {back:.0f} re-entries into 'seasonal' for {returns:.0f} returns"


def test_cooldown_changes_the_number_of_reentries():
    counts = {}
    for months in (1, 5, 11):
        sc = load_scenario(NAME, overrides=[f"statuses.seasonal.reentry_cooldown_months={months}"])
        counts[months] = reentries(simulate((sc), seed=1))
    assert counts[1] > counts[5] > counts[11] > 0, counts


def test_former_employers_rehire_their_seasonal_workers():
    run = _Run((load_scenario(NAME)), 3, 1.0)
    code = run.T.code("seasonal")
    kept = moved = 0
    for t in range(len(run.T.months)):
        due = np.nonzero((run._view("applying") == 2) & (run._view("arrival") == int(run.T.months[t])))[0]
        before = run.S.employer[due].copy()
        target = run.S.apply_status[due].copy()
        run.step(t)
        seasonal = target == code
        after = run.S.employer[due]
        kept += int(((after == before) & (before >= 0) & seasonal).sum())
        moved += int(((after != before) & seasonal).sum())
    assert kept > 0 and kept > 4 * moved, (kept, moved)
