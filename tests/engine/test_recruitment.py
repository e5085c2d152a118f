"""The structure of recruitment: demand by sector and by channel, the border at arrival,
the pipeline at the start, capacities of routes and of entries from abroad, and the
recruitment channels of origins (docs/model.md 3.3 and 3.5)."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from coexist.codes import ORIGINS
from coexist.data import entry_history, recent_entries
from coexist.engine import simulate
from coexist.engine.world import build_world
from coexist.policy.tables import compile_regime
from coexist.scenario import load_scenario
from coexist.testing import tiny_world

PROGRAMME = ("titp", "esd", "ssw1", "ssw2")
SHORT = ('horizon.end="2027-12"',)


def _monthly(result, flow: str, to=PROGRAMME, sector: str | None = None, source: str | None = None) -> dict:
    """Persons of `flow` into the statuses `to` per month (YYYY-MM), optionally of one sector
    or from one status."""
    f = result.flows
    keep = pc.and_(pc.equal(f["flow"], flow), pc.is_in(f["status_to"], value_set=pc.cast(to, "string")))
    if sector is not None:
        keep = pc.and_(keep, pc.equal(f["sector"], sector))
    if source is not None:
        keep = pc.and_(keep, pc.equal(f["status_from"], source))
    rows = f.filter(keep).group_by("month").aggregate([("persons", "sum")]).to_pylist()
    return {str(r["month"])[:7]: r["persons_sum"] for r in rows}


def _months(scenario) -> list[str]:
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in compile_regime(scenario).months]


def _total(by_month: dict, first: str = "", last: str = "9999") -> float:
    return sum(v for m, v in by_month.items() if first <= m <= last)


def test_a_sectors_demand_moves_its_own_entries():
    # candidates in plenty: demand, not supply, decides the entries
    plenty = (*SHORT, "origins.VNM.pool_size=2000000.0")
    base = tiny_world(overrides=plenty)
    grown = tiny_world(overrides=(*plenty, "demand.growth.construction=0.3"))
    before, after = simulate(base, seed=2), simulate(grown, seed=2)
    construction = [_total(_monthly(r, "entry", sector="construction"), "2026-01") for r in (before, after)]
    manufacturing = [_total(_monthly(r, "entry", sector="manufacturing"), "2026-01") for r in (before, after)]
    assert construction[1] > 1.3 * construction[0]
    assert abs(manufacturing[1] - manufacturing[0]) < 0.1 * manufacturing[0]


def test_entries_of_other_statuses_do_not_use_up_programme_vacancies():
    base = tiny_world(overrides=SHORT)
    crowded = tiny_world(overrides=(*SHORT, "statuses.professional.inflow_per_month=300.0"))
    entries = [_total(_monthly(simulate(s, seed=2), "entry")) for s in (base, crowded)]
    assert abs(entries[1] - entries[0]) < 0.05 * entries[0]
    # counted against the same demand, the professionals would crowd the programmes out
    filling = tiny_world(overrides=(*SHORT, "statuses.professional.inflow_per_month=300.0",
                                    "statuses.professional.fills_vacancies=true"))
    assert _total(_monthly(simulate(filling, seed=2), "entry")) < 0.8 * entries[0]


def test_a_closed_border_holds_arrivals_and_reopening_releases_them():
    closed = tiny_world(overrides=(*SHORT, 'programme.entry_openness={"2025-01"=1.0, "2026-01"=0.0, "2027-01"=1.0}'))
    result = simulate(closed, seed=3)
    entries, reentries = _monthly(result, "entry"), _monthly(result, "reentry")
    assert _total(entries, "2026-01", "2026-12") == 0 and _total(reentries, "2026-01", "2026-12") == 0
    # admissions went on while it was closed: the recruits waiting at the border arrive at once
    before = _total(entries, "2025-01", "2025-12") / 12
    assert entries["2027-01"] > 3 * before
    # half open: arrivals go on, at a lower rate
    half = tiny_world(overrides=(*SHORT, 'programme.entry_openness={"2025-01"=1.0, "2026-01"=0.5, "2027-01"=1.0}'))
    slowed = _monthly(simulate(half, seed=3), "entry")
    assert 0 < _total(slowed, "2026-01", "2026-12") < _total(_monthly(simulate(tiny_world(overrides=SHORT), seed=3),
                                                                      "entry"), "2026-01", "2026-12")


@pytest.mark.parametrize("base", ["japan-temporary", "reduced-model"])
def test_a_start_has_no_empty_months_and_no_burst(base):
    scenario = tiny_world(overrides=SHORT) if base == "japan-temporary" else load_scenario(base)
    entries = _monthly(simulate(scenario, seed=4, scale=0.2 if base == "reduced-model" else None), "entry",
                       to=("titp", "ssw1", "worker"))
    first_year = np.array([entries.get(m, 0.0) for m in _months(scenario)[:12]])
    assert (first_year > 0).all(), first_year
    assert (first_year <= 2 * first_year.mean()).all() and (first_year >= first_year.mean() / 2).all(), first_year


def test_the_pipeline_at_a_japan_start_holds_a_month_of_the_years_entries():
    scenario = load_scenario("japan-temporary", overrides=['population.attributes="assumed"'])
    scale = 0.01
    world = build_world(scenario, compile_regime(scenario), seed=1, scale=scale)
    names = compile_regime(scenario).status_names
    known = recent_entries("2024-12")
    for status in ("titp", "ssw1"):
        per_month = world.pipeline0[:, :, names.index(status)].sum(axis=(1, 2))
        assert per_month.mean() == pytest.approx(known[status].value * scale, rel=0.02)
    assert world.pipeline0.shape[0] == world.lag


def test_the_initial_stock_keeps_the_cohorts_of_the_years_before_the_start():
    # End of 2023: 23,000 interns entered in 2021 (the closure), 179,032 in 2022 and 183,030 in
    # 2023, so few of the stock are in their third year, against a third of an even spread.
    start = ['population.initial="japan-2023-12"', 'horizon.start="2024-01"']
    scenario = load_scenario("japan-history", overrides=start)
    tables = compile_regime(scenario)
    world = build_world(scenario, tables, seed=1, scale=0.01)
    state, titp = world.state, tables.status_names.index("titp")
    months = state.months_in_status[: world.n][state.status[: world.n] == titp]
    third_year = np.mean(months >= 24)
    entries = entry_history("2023-12", 36)["titp"]
    assert third_year == pytest.approx(entries[24:].sum() / entries.sum(), abs=0.01)
    assert third_year < 0.1
    # a start without an entry series keeps the even spread
    ssw1 = state.months_in_status[: world.n][state.status[: world.n] == tables.status_names.index("ssw1")]
    assert "ssw1" not in entry_history("2023-12", int(ssw1.max()) + 1)
    assert 0.3 < np.mean(ssw1 >= ssw1.max() / 2) < 0.7


def test_a_route_capacity_rations_changes_of_status():
    free = tiny_world(overrides=SHORT)
    rationed = tiny_world(overrides=(*SHORT, 'statuses.titp.transitions=[{to="ssw1", min_months_in_status=34,'
                                             " capacity=4.0}]"))
    upgrades = [_monthly(simulate(s, seed=5), "upgrade", to=("ssw1",), source="titp") for s in (free, rationed)]
    months = _months(free)[1:]
    limited = np.array([upgrades[1].get(m, 0.0) for m in months])
    assert 0 < limited.mean() <= 4.0 * 1.25  # the share follows last month's demand for the route
    assert _total(upgrades[0]) > 3 * _total(upgrades[1])


def test_an_entry_capacity_caps_admissions_from_abroad():
    capped = tiny_world(overrides=(*SHORT, "statuses.ssw1.entry_capacity=3.0"))
    result = simulate(capped, seed=6)
    lag = build_world(capped, compile_regime(capped), seed=6, scale=1.0).lag
    entries = _monthly(result, "entry", to=("ssw1",))
    after_the_pipeline = [entries.get(m, 0.0) for m in _months(capped)[lag + 1:]]
    assert max(after_the_pipeline) <= 3.0 + 2  # rounding: one a sector at most
    assert sum(after_the_pipeline) > 0


def test_recruitment_channels_follow_the_programme_stock_at_the_start():
    scenario = tiny_world(overrides=(
        "origins.PHL.active=true",
        "population.initial_counts={titp={VNM={construction=3000}, PHL={construction=1000}}}",
    ))
    weight = build_world(scenario, compile_regime(scenario), seed=1, scale=1.0).origin_weight[0]
    assert weight[ORIGINS.index("VNM")] == pytest.approx(1.5) and weight[ORIGINS.index("PHL")] == pytest.approx(0.5)
    # an origin with no one at the start keeps a small channel; a weight the scenario sets wins
    none = tiny_world(overrides=("origins.PHL.active=true", "origins.IDN.active=true",
                                 "origins.IDN.recruitment_weight=0.7"))
    weight = build_world(none, compile_regime(none), seed=1, scale=1.0).origin_weight[0]
    assert weight[ORIGINS.index("PHL")] == pytest.approx(0.1) and weight[ORIGINS.index("IDN")] == pytest.approx(0.7)
