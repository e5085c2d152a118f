"""Rolling-origin backtests: the stocks at the origins, the backtest scenario, the split at the
origin and the scores (with a stand-in engine), and the headline checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from coexist.calibration.backtest import (
    HORIZON_MONTHS,
    TOTAL_TOLERANCE,
    backtest_csv,
    backtest_scenario,
    check_origins,
    run_backtest,
    simulated_csv,
    split_at_origin,
)
from coexist.calibration.measures import target_months
from coexist.calibration.targets import read_targets
from coexist.data import initial_stocks, load_table
from coexist.engine.world import check_scale_gives_agents
from coexist.errors import ScenarioError
from coexist.periods import format_month, parse_month

ORIGINS = ("2022-12", "2023-12")


def _mhlw(table: str, key: str, year: str, name: str) -> float:
    return float(next(r for r in load_table(table) if r["year_end_october"] == year and r[key] == name)["workers"])


# ----- the stocks at the origins ----------------------------------------------------------------


@pytest.mark.parametrize("origin", ORIGINS)
def test_origin_stocks_reproduce_their_status_and_nationality_margins(origin):
    st = initial_stocks(origin)
    assert st.reference_date == origin and not st.counts.flags.writeable
    by_status = st.by_status()
    for status, margin in st.margins["status"].items():
        assert by_status[status] == margin.value, status
    raked = tuple(st.margins["status"])
    by_origin = st.by_origin(raked)
    for code, margin in st.margins["nationality"].items():
        assert by_origin[code] == round(margin.value), code
    for family, got in (("ssw_by_field", st.by_sector(("ssw1", "ssw2"))),
                        ("ssw_by_nationality", st.by_origin(("ssw1", "ssw2")))):
        for key, margin in st.margins[family].items():
            assert got[key] == pytest.approx(margin.value, rel=0.005, abs=2), (family, key)
    assert by_status["irregular"] == st.margins["irregular"]["total"].value
    assert by_status["esd"] == by_status["home"] == by_status["returned"] == 0
    # no MHLW industry rows for these years: no industry margin, and the seed assumption says so
    assert "industry" not in st.margins
    assert "sector split" in st.assumptions["raking_seed_structure"].note
    for name, value in st.assumptions.items():
        assert value.flag == "assumption" and value.low <= value.value <= value.high and value.note, name


@pytest.mark.parametrize("origin", ORIGINS)
def test_origin_stocks_match_the_mhlw_rows_of_their_year(origin):
    year = origin[:4]
    st = initial_stocks(origin)
    by_status = st.by_status()
    assert by_status["titp"] == _mhlw("mhlw_by_status", "status_category", year, "technical_intern_TITP")
    assert by_status["status_based"] == _mhlw("mhlw_by_status", "status_category", year, "status_based")
    assert by_status["student"] == _mhlw("mhlw_by_status", "status_category", year, "activity_outside_status")
    assert by_status["designated"] == _mhlw("mhlw_by_status", "status_category", year, "designated_activities")
    professional = _mhlw("mhlw_by_status", "status_category", year, "professional_technical")
    assert by_status["professional"] + by_status["ssw1"] + by_status["ssw2"] == professional
    for code, name in (("VNM", "Vietnam"), ("CHN", "China"), ("PHL", "Philippines")):
        assert st.margins["nationality"][code].value == _mhlw("mhlw_by_nationality", "nationality", year, name)
    # the regular statuses add up to the MHLW total but for workers of unknown status
    total = float(next(r for r in load_table("mhlw_foreign_workers_total")
                       if r["year_end_october"] == year)["foreign_workers_total"])
    regular = sum(by_status[s] for s in st.margins["status"])
    assert abs(regular - total) < 100


def test_origin_stocks_fill_each_gap_with_a_stated_assumption():
    end_2022, end_2023 = initial_stocks("2022-12"), initial_stocks("2023-12")
    # SSW workers are given for October 2022, not for October 2023
    assert end_2022.by_status()["ssw1"] + end_2022.by_status()["ssw2"] == _mhlw(
        "mhlw_by_status", "status_category", "2022", "of_which_SSW")
    assert "ssw_workers_2023" in end_2023.assumptions and "ssw_workers_2022" not in end_2022.assumptions
    assert end_2023.by_status()["ssw1"] + end_2023.by_status()["ssw2"] == end_2023.assumptions["ssw_workers_2023"].value
    # nationalities with no row of the year
    assert {"workers_nepal_2022", "workers_indonesia_2022", "workers_myanmar_2022", "workers_brazil_2022"} <= set(
        end_2022.assumptions)
    assert {"workers_nepal_2023", "workers_brazil_2023"} <= set(end_2023.assumptions)
    assert "workers_indonesia_2023" not in end_2023.assumptions  # 2023 has an Indonesia row
    # Brazil is held at its last reported value (2020)
    assert end_2022.margins["nationality"]["BRA"].value == _mhlw("mhlw_by_nationality", "nationality", "2020", "Brazil")
    # former-TITP overstayers: the 1 January 2024 count closes 2023; 2022's is assumed
    assert end_2023.by_status()["irregular"] == 11_210 and end_2023.margins["irregular"]["total"].flag == "reported"
    assert end_2022.margins["irregular"]["total"].flag == "assumption"


@pytest.mark.parametrize("origin", ORIGINS)
def test_origin_stocks_read_nothing_dated_after_their_year(origin):
    year = int(origin[:4])
    st = initial_stocks(origin)
    for family, margins in st.margins.items():
        for key, value in margins.items():
            # a count "at 1 January" of the next year is the stock at the end of the origin's year
            assert value.ref_date <= f"{year + 1}-01-01", (family, key, value.ref_date)


def test_unknown_reference_month_is_refused():
    with pytest.raises(Exception, match="2021-12"):
        initial_stocks("2021-12")


# ----- the backtest scenario ---------------------------------------------------------------------


@pytest.mark.parametrize("origin", ORIGINS)
def test_backtest_scenario_starts_the_month_after_the_origin_from_its_stocks(origin):
    s = backtest_scenario("japan-history", origin, scale=0.01)
    first = format_month(parse_month(origin) + 1)
    last = format_month(parse_month(origin) + HORIZON_MONTHS)
    assert (s.horizon.start, s.horizon.end, s.horizon.earliest_start) == (first, last, first)
    assert s.population.initial == f"japan-{origin}" and s.population.scale == 0.01
    assert s.demand.initial == {}  # demand starts from the stocks at the origin
    assert s.behaviour_defaults == "calibrated-japan"  # the shipped calibration applies as in japan-history
    assert s.demand.growth == backtest_scenario("japan-history", origin).demand.growth
    # the user's overrides go in first; the backtest's own win
    s = backtest_scenario("japan-history", origin, overrides=['horizon.end="2030-12"', "programme.detection_rate=0.03"])
    assert s.horizon.end == last and s.programme.detection_rate == 0.03
    # the scale check sees the origin's stocks
    with pytest.raises(ScenarioError, match=f"{initial_stocks(origin).total:,}"):
        check_scale_gives_agents(s, 1e-8)


def test_origins_are_checked():
    assert check_origins(None) == ORIGINS
    assert check_origins("2023-12") == ("2023-12",)
    for bad, fragment in (("2021-12", "official initial stocks"), ("2022-1x", "YYYY-MM"), ("2022-13", "YYYY-MM"),
                          (["2022-12", "2022-12"], "once"), ([], "at least one")):
        with pytest.raises(ScenarioError, match=fragment) as info:
            check_origins(bad)
        assert info.value.field == "origins"


# ----- the split at the origin ---------------------------------------------------------------------


@pytest.mark.parametrize("origin", ORIGINS)
def test_split_holds_out_only_the_twelve_months_after_the_origin(origin):
    targets = read_targets().table
    split = split_at_origin(targets, origin)
    last = format_month(parse_month(origin) + HORIZON_MONTHS)
    rows = split.to_pylist()
    assert rows and {r["split"] for r in rows} == {"fit", "validate"}
    for r in rows:
        first_month, last_month = target_months(r["measure"], r["reference_date"], r.get("period_start"))
        if r["split"] == "validate":
            assert origin < first_month and last_month <= last, r
        else:
            assert last_month <= origin, r
    # every row left out straddles the origin, ends after the 12 months or counts from the run's start
    kept = {(r["series"], r["reference_date"]) for r in rows}
    for r in targets.to_pylist():
        if (r["series"], r["reference_date"]) in kept:
            continue
        span = target_months(r["measure"], r["reference_date"], r.get("period_start"))
        assert span is None or span[0] <= origin < span[1] or span[1] > last, r


def test_a_count_at_1_january_belongs_to_the_december_before():
    targets = read_targets().table
    jan_2024 = ("overstayers_former_titp", dt.date(2024, 1, 1))
    roles = {o: {(r["series"], r["reference_date"]): r["split"] for r in split_at_origin(targets, o).to_pylist()}
             for o in ORIGINS}
    assert roles["2022-12"][jan_2024] == "validate"  # the end of 2023: the last of the 12 months
    assert roles["2023-12"][jan_2024] == "fit"  # the stock at the origin itself: known


# ----- the scores, with a stand-in engine ---------------------------------------------------------


class _Result:
    """A run of the stand-in engine: 1,000 interns from Vietnam every month of the horizon."""

    def __init__(self, scenario):
        first, last = parse_month(scenario.horizon.start), parse_month(scenario.horizon.end)
        months = [format_month(m) for m in range(first, last + 1)]
        n = len(months)
        self.stocks = pa.table({"month": months, "status": ["titp"] * n, "origin": ["VNM"] * n,
                                "persons": [1000.0] * n})
        self.flows = pa.table({"month": pa.array([], pa.string()), "flow": pa.array([], pa.string()),
                               "status_from": pa.array([], pa.string()), "status_to": pa.array([], pa.string()),
                               "origin": pa.array([], pa.string()), "persons": pa.array([], pa.float64())})
        self.measures = pa.table({"month": pa.array([], pa.string()), "origin": pa.array([], pa.string()),
                                  "measure": pa.array([], pa.string()), "value": pa.array([], pa.float64())})


def _stand_in(started: list):
    def simulate(scenario, seed, scale):
        started.append((scenario.horizon.start, scenario.population.initial, seed, scale))
        return _Result(scenario)

    return simulate


def test_naive_forecasts_use_only_the_rows_known_at_the_origin():
    started: list = []
    b = run_backtest(None, read_targets(), replicates=2, scale=0.01, seed=5, simulate=_stand_in(started))
    assert sorted({s[:2] for s in started}) == [("2023-01", "japan-2022-12"), ("2024-01", "japan-2023-12")]
    assert len(started) == 4 and {s[3] for s in started} == {0.01}
    totals = {r["year_end_october"]: float(r["foreign_workers_total"])
              for r in load_table("mhlw_foreign_workers_total")}
    for origin, year in (("2022-12", 2023), ("2023-12", 2024)):
        row = next(r for r in b.origins[origin].summary.rows if r["series"] == "mhlw_workers_total")
        observed = totals[str(year)]
        assert row["n_validate"] == 1 and row["n_fit"] == year - 2017
        # persistence: the value of the October before the origin, never a later one
        assert row["ard_validate_persistence"] == pytest.approx(abs(totals[str(year - 1)] - observed) / observed)
        # the trend: the least-squares line through 2017 .. the year of the origin only
        t = np.array([(dt.date(y, 10, 31) - dt.date(2017, 1, 1)).days / 365.25 for y in range(2017, year)])
        b1, b0 = np.polyfit(t, [totals[str(y)] for y in range(2017, year)], 1)
        at = (dt.date(year, 10, 31) - dt.date(2017, 1, 1)).days / 365.25
        assert row["ard_validate_trend"] == pytest.approx(abs(b0 + b1 * at - observed) / observed)
        # the model: the stand-in's 1,000 persons
        assert row["ard_validate_model"] == pytest.approx(abs(1000.0 - observed) / observed)
        checks = b.origins[origin].checks
        assert checks["total"]["passed"] is False and checks["total"]["tolerance"] == TOTAL_TOLERANCE
        assert checks["by_status"]["passed"] is False and "mhlw_workers_titp" in checks["by_status"]["worse_than_trend"]
        assert all(s["series"].startswith("mhlw_workers_") for s in checks["by_status"]["series"])
        assert not {"mhlw_workers_total", "mhlw_workers_vnm"} & {s["series"] for s in checks["by_status"]["series"]}
        # the charts shade the months after the origin
        first = dt.date.fromisoformat(format_month(parse_month(origin) + 1) + "-01")
        assert b.origins[origin].summary.points["mhlw_workers_total"]["boundary"] == first
    lines = backtest_csv(b).splitlines()
    assert lines[0].startswith("origin,series,unit,n_history,n_held_out,ard_model")
    assert sum(line.startswith("2022-12,overall,") for line in lines) == 1
    sim = simulated_csv(b).splitlines()
    assert sim[0].startswith("origin,replicate,seed,series,reference_date,role,")
    assert {line.split(",")[5] for line in sim[1:]} == {"history", "held_out"}


def test_an_origin_with_nothing_held_out_is_refused_before_any_run():
    started: list = []
    with pytest.raises(ScenarioError, match="2025-01 to 2025-12") as info:
        run_backtest(None, read_targets(), origins=["2023-12", "2024-12"], simulate=_stand_in(started))
    assert info.value.field == "origins" and started == []
