"""Simulated targets, the ARD and the naive forecasts, on hand-computed cases."""

import datetime as dt
import math
from types import SimpleNamespace

import pyarrow as pa
import pytest

from coexist.calibration import (
    ard,
    ard_by_series,
    compare_forecasts,
    linear_trend_forecast,
    load_targets,
    persistence_forecast,
    simulated_targets,
)
from coexist.calibration.measures import SIMULATED_SCHEMA, stock_month
from coexist.engine.result import FLOW_SCHEMA, MEASURE_SCHEMA, STOCK_SCHEMA
from coexist.engine.simulate import simulate
from coexist.testing import tiny_world

D = dt.date


# ----- ARD -----------------------------------------------------------------------------


def test_ard_one_entry_per_date_is_the_mean_relative_error():
    assert ard([110.0, 40.0], [100.0, 50.0]) == pytest.approx((10 / 100 + 10 / 50) / 2)  # 0.15


def test_ard_sums_entries_that_share_a_date_before_dividing():
    # date a: |110-100| + |40-50| over 100 + 50 = 20/150; date b: |30-20| / 20 = 0.5
    value = ard([110.0, 40.0, 30.0], [100.0, 50.0, 20.0], dates=["a", "a", "b"])
    assert value == pytest.approx((20 / 150 + 0.5) / 2)


def test_ard_leaves_out_missing_pairs_and_is_nan_when_nothing_is_left():
    assert ard([float("nan"), 90.0], [100.0, 100.0]) == pytest.approx(0.1)
    assert math.isnan(ard([float("nan")], [1.0]))
    assert math.isnan(ard([], []))
    with pytest.raises(ValueError):
        ard([1.0], [1.0, 2.0])


def _table(rows):
    return pa.Table.from_pylist(
        [
            {"series": s, "reference_date": d, "split": sp, "unit": "persons", "measure": "stock", "observed": o,
             "simulated": m, "model_period": ""}
            for s, d, sp, o, m in rows
        ],
        schema=SIMULATED_SCHEMA,
    )


def test_ard_by_series_and_overall():
    table = _table(
        [
            ("a", D(2020, 10, 31), "fit", 100.0, 120.0),  # 0.2
            ("a", D(2021, 10, 31), "fit", 200.0, 180.0),  # 0.1
            ("b", D(2020, 10, 31), "fit", 10.0, 10.0),  # 0.0
            ("b", D(2023, 10, 31), "validate", 10.0, 15.0),  # 0.5, validation only
        ]
    )
    out = ard_by_series(table, split="fit")
    assert out["a"] == pytest.approx(0.15)
    assert out["b"] == pytest.approx(0.0)
    assert out["overall"] == pytest.approx(0.075)
    assert ard_by_series(table)["b"] == pytest.approx(0.25)


def test_capped_ard_caps_each_date_not_the_series():
    from coexist.calibration.measures import capped_ard_by_series

    table = _table(
        [
            ("a", D(2019, 12, 31), "fit", 1000.0, 13000.0),  # 12.0, capped at 1
            ("a", D(2021, 12, 31), "fit", 100.0, 80.0),  # 0.2
            ("b", D(2020, 10, 31), "fit", 10.0, 13.0),  # 0.3
            ("b", D(2023, 10, 31), "validate", 10.0, 50.0),  # validation only
        ]
    )
    out = capped_ard_by_series(table, split="fit")
    assert out["a"] == pytest.approx(0.6)  # not min(6.1, 1)
    assert out["b"] == pytest.approx(0.3)
    assert out["overall"] == pytest.approx(0.45)
    assert ard_by_series(table, split="fit")["a"] == pytest.approx(6.1)  # the plain ARD is not capped
    assert capped_ard_by_series(table, split="fit", cap=0.25)["a"] == pytest.approx(0.225)


# ----- naive forecasts -----------------------------------------------------------------


def test_persistence_carries_the_last_fitted_date_forward_whatever_the_order():
    out = persistence_forecast(
        [D(2022, 10, 31), D(2020, 10, 31), D(2021, 10, 31)], [3.0, 1.0, 2.0], [D(2023, 10, 31), D(2024, 10, 31)]
    )
    assert out.tolist() == [3.0, 3.0]
    assert math.isnan(persistence_forecast([], [], [D(2024, 1, 1)])[0])


def test_linear_trend_is_the_least_squares_line_extrapolated():
    # time in years since 2017-01-01 (365.25-day years): 2017-01-01 = 0, 2021-01-01 = 4, 2025-01-01 = 8,
    # 2029-01-01 = 12. Points (0, 10), (4, 30), (8, 44): slope 136/32 = 4.25, intercept 28 - 17 = 11.
    fit = [D(2017, 1, 1), D(2021, 1, 1), D(2025, 1, 1)]
    out = linear_trend_forecast(fit, [10.0, 30.0, 44.0], [D(2029, 1, 1)])
    assert out[0] == pytest.approx(11.0 + 4.25 * 12.0)  # 62
    # one fitted point: flat, the same as persistence
    assert linear_trend_forecast([D(2022, 10, 31)], [7.0], [D(2024, 10, 31)]).tolist() == [7.0]


def test_compare_forecasts_hand_case():
    table = _table(
        [
            ("a", D(2017, 1, 1), "fit", 10.0, 12.0),
            ("a", D(2021, 1, 1), "fit", 30.0, 27.0),
            ("a", D(2025, 1, 1), "validate", 55.0, 50.0),
        ]
    )
    row = compare_forecasts(table).to_pylist()[0]
    assert row["series"] == "a" and (row["n_fit"], row["n_validate"]) == (2, 1)
    assert row["ard_fit_model"] == pytest.approx((2 / 10 + 3 / 30) / 2)  # 0.15
    assert row["ard_model"] == pytest.approx(5 / 55)
    assert row["ard_persistence"] == pytest.approx(25 / 55)  # 30 carried forward
    assert row["ard_trend"] == pytest.approx(5 / 55)  # line 10 + 5 t, at t = 8: 50
    overall = compare_forecasts(table).to_pylist()[-1]
    assert overall["series"] == "overall" and overall["ard_persistence"] == pytest.approx(25 / 55)


# ----- simulated values ----------------------------------------------------------------


def test_stock_month_rule():
    assert stock_month(D(2017, 10, 31)) == "2017-10"
    assert stock_month(D(2019, 7, 1)) == "2019-06"
    assert stock_month(D(2024, 1, 1)) == "2023-12"


def _fake_result():
    months = [D(y, m, 1) for y in (2017, 2018) for m in range(1, 13)]
    stocks = [
        {"month": m, "status": "titp", "origin": o, "sector": "construction", "persons": p}
        for m in months
        for o, p in (("VNM", 100.0), ("CHN", 50.0))
    ]
    stocks += [{"month": D(2017, 10, 1), "status": "ssw1", "origin": "VNM", "sector": "construction", "persons": 7.0}]
    flows = []
    for m in months:  # 2 absconders a month from titp, 1 from ssw1 (not counted)
        flows.append(
            {
                "month": m,
                "flow": "abscond",
                "status_from": "titp",
                "status_to": "irregular",
                "origin": "VNM",
                "sector": "construction",
                "persons": 2.0,
            }
        )
        flows.append(
            {
                "month": m,
                "flow": "abscond",
                "status_from": "ssw1",
                "status_to": "irregular",
                "origin": "VNM",
                "sector": "construction",
                "persons": 1.0,
            }
        )
    flows.append(
        {
            "month": D(2018, 2, 1),
            "flow": "upgrade",
            "status_from": "titp",
            "status_to": "ssw1",
            "origin": "VNM",
            "sector": "construction",
            "persons": 30.0,
        }
    )
    flows.append(
        {
            "month": D(2018, 2, 1),
            "flow": "upgrade",
            "status_from": "ssw1",
            "status_to": "ssw2",
            "origin": "VNM",
            "sector": "construction",
            "persons": 5.0,
        }
    )
    flows.append(
        {
            "month": D(2018, 3, 1),
            "flow": "entry",
            "status_from": "home",
            "status_to": "ssw1",
            "origin": "CHN",
            "sector": "construction",
            "persons": 10.0,
        }
    )
    measures = []
    for m in months:
        fy17 = D(2017, 4, 1) <= m <= D(2018, 3, 1)
        measures.append(
            {"month": m, "origin": "VNM", "measure": "returnees_reaching_12m", "value": 10.0 if fy17 else 0.0}
        )
        measures.append(
            {"month": m, "origin": "VNM", "measure": "returnees_employed_12m", "value": 7.0 if fy17 else 0.0}
        )
    return SimpleNamespace(
        stocks=pa.Table.from_pylist(stocks, schema=STOCK_SCHEMA),
        flows=pa.Table.from_pylist(flows, schema=FLOW_SCHEMA),
        measures=pa.Table.from_pylist(measures, schema=MEASURE_SCHEMA),
    )


def _targets(rows):
    base = {
        "source": "x",
        "source_url": "",
        "unit": "",
        "flow": "",
        "origins": "",
        "flags": "",
        "data_flag": "reported",
        "split": "fit",
        "notes": "",
    }
    from coexist.calibration.targets import TARGET_SCHEMA

    return pa.Table.from_pylist([{**base, **r} for r in rows], schema=TARGET_SCHEMA)


def test_simulated_targets_on_a_hand_built_run():
    targets = _targets(
        [
            {
                "series": "titp",
                "reference_date": D(2017, 10, 31),
                "value": 140.0,
                "measure": "stock",
                "statuses": "titp",
            },
            {
                "series": "titp_vnm",
                "reference_date": D(2017, 10, 31),
                "value": 90.0,
                "measure": "stock",
                "statuses": "titp",
                "origins": "VNM",
            },
            {
                "series": "ssw_and_titp",
                "reference_date": D(2017, 11, 1),
                "value": 150.0,
                "measure": "stock",
                "statuses": "titp+ssw1",
            },
            {"series": "late", "reference_date": D(2019, 10, 31), "value": 1.0, "measure": "stock", "statuses": "titp"},
            {
                "series": "absc",
                "reference_date": D(2018, 12, 31),
                "value": 20.0,
                "measure": "flow_calendar_year",
                "flow": "abscond",
                "statuses": "titp",
            },
            {
                "series": "absc_fy",
                "reference_date": D(2018, 3, 31),
                "value": 20.0,
                "measure": "flow_fiscal_year",
                "flow": "abscond",
                "statuses": "titp",
            },
            {
                "series": "absc_fy_early",
                "reference_date": D(2017, 3, 31),
                "value": 20.0,
                "measure": "flow_fiscal_year",
                "flow": "abscond",
                "statuses": "titp",
            },
            {
                "series": "seeking",
                "reference_date": D(2018, 3, 31),
                "value": 0.3,
                "measure": "share_not_employed_12m_fiscal_year",
                "statuses": "returned",
            },
            {
                "series": "route",
                "reference_date": D(2018, 12, 31),
                "value": 0.8,
                "measure": "share_changed_status_cumulative",
                "statuses": "ssw1+ssw2",
            },
            {
                "series": "tenure",
                "reference_date": D(2018, 6, 30),
                "value": 1.7,
                "measure": "mean_elapsed_tenure_years",
                "statuses": "titp",
            },
        ]
    )
    out = {r["series"]: r for r in simulated_targets(_fake_result(), targets).to_pylist()}
    assert out["titp"]["simulated"] == 150.0 and out["titp"]["model_period"] == "2017-10"
    assert out["titp_vnm"]["simulated"] == 100.0
    assert out["ssw_and_titp"]["simulated"] == 157.0  # end of October, ssw1 included
    assert math.isnan(out["late"]["simulated"])  # after the run
    assert out["absc"]["simulated"] == 24.0  # 12 months x 2, ssw1 absconders left out
    assert out["absc_fy"]["simulated"] == 24.0 and out["absc_fy"]["model_period"] == "2017-04..2018-03"
    assert math.isnan(out["absc_fy_early"]["simulated"])  # FY2016 starts before the run
    assert out["seeking"]["simulated"] == pytest.approx(1 - 7 / 10)
    assert out["route"]["simulated"] == pytest.approx(30 / 40)  # ssw1 -> ssw2 is inside the group
    assert math.isnan(out["tenure"]["simulated"])  # the engine does not record tenure yet


def test_entries_count_arrivals_into_the_statuses_over_the_row_s_period():
    months = [D(2019, m, 1) for m in range(1, 13)]
    flow = {"status_to": "titp", "sector": "construction"}
    flows = [{**flow, "month": m, "flow": "entry", "status_from": "home", "origin": "VNM", "persons": 10.0}
             for m in months]
    flows += [{**flow, "month": m, "flow": "entry", "status_from": "home", "origin": "CHN", "persons": 1.0}
              for m in months]
    flows += [{**flow, "month": D(2019, 3, 1), "flow": "reentry", "status_from": "returned", "origin": "VNM",
               "persons": 5.0},
              {**flow, "month": D(2019, 8, 1), "flow": "upgrade", "status_from": "titp", "status_to": "ssw1",
               "origin": "VNM", "persons": 7.0}]
    result = SimpleNamespace(
        stocks=pa.Table.from_pylist([{"month": m, "status": "titp", "origin": "VNM", "sector": "construction",
                                      "persons": 1.0} for m in months], schema=STOCK_SCHEMA),
        flows=pa.Table.from_pylist(flows, schema=FLOW_SCHEMA),
        measures=pa.Table.from_pylist([], schema=MEASURE_SCHEMA),
    )
    year = {"reference_date": D(2019, 12, 31), "value": 1.0, "measure": "flow_calendar_year", "statuses": "titp"}
    half = {"reference_date": D(2019, 6, 30), "period_start": D(2019, 1, 1), "value": 1.0, "measure": "flow_period",
            "statuses": "titp"}
    targets = _targets([
        {**year, "series": "first", "flow": "entry"},
        {**year, "series": "all_stages", "flow": "entry+reentry"},
        {**year, "series": "vnm", "flow": "entry", "origins": "VNM"},
        {**half, "series": "h1", "flow": "entry+reentry"},
        {**half, "series": "q3", "flow": "entry", "reference_date": D(2019, 9, 30), "period_start": D(2019, 7, 1)},
        {**year, "series": "upgrades_out", "flow": "upgrade"},
        {**year, "series": "no_arrivals_into_ssw", "flow": "entry", "statuses": "ssw1"},
    ])
    out = {r["series"]: r for r in simulated_targets(result, targets).to_pylist()}
    assert out["first"]["simulated"] == 132.0  # 11 a month, the re-entry left out
    assert out["all_stages"]["simulated"] == 137.0
    assert out["vnm"]["simulated"] == 120.0
    assert out["h1"]["simulated"] == 71.0 and out["h1"]["model_period"] == "2019-01..2019-06"
    assert out["q3"]["simulated"] == 33.0 and out["q3"]["model_period"] == "2019-07..2019-09"
    assert out["upgrades_out"]["simulated"] == 7.0  # other flows count out of the statuses
    assert out["no_arrivals_into_ssw"]["simulated"] == 0.0


@pytest.fixture(scope="module")
def tiny_history():
    scenario = tiny_world("japan-history", ['horizon.start="2017-01"', 'horizon.end="2018-12"'])
    return simulate(scenario, seed=3)


def test_simulated_targets_on_a_tiny_run_match_its_stocks_and_flows(tiny_history):
    result = tiny_history
    table = simulated_targets(result, load_targets())
    rows = {(r["series"], r["reference_date"]): r for r in table.to_pylist()}
    st = result.stocks.to_pydict()

    def stock(month, statuses, origin=None):
        return sum(
            p
            for m, s, o, p in zip(st["month"], st["status"], st["origin"], st["persons"], strict=True)
            if m == D(int(month[:4]), int(month[5:]), 1) and s in statuses and (origin is None or o == origin)
        )

    regular = {"titp", "ssw1", "ssw2", "professional", "student", "status_based", "designated"}
    for year in (2017, 2018):
        ref = D(year, 10, 31)
        assert rows[("mhlw_workers_titp", ref)]["simulated"] == pytest.approx(stock(f"{year}-10", {"titp"}))
        assert rows[("mhlw_workers_total", ref)]["simulated"] == pytest.approx(stock(f"{year}-10", regular))
        assert rows[("mhlw_workers_vnm", ref)]["simulated"] == pytest.approx(stock(f"{year}-10", regular, "VNM"))
        assert rows[("mhlw_workers_chn", ref)]["simulated"] == 0.0  # the tiny world has only Vietnam
    assert rows[("mhlw_workers_total", D(2017, 10, 31))]["simulated"] > 0
    fl = result.flows.to_pydict()
    absc = sum(
        p
        for m, f, a, p in zip(fl["month"], fl["flow"], fl["status_from"], fl["persons"], strict=True)
        if m.year == 2018 and f == "abscond" and a == "titp"
    )
    assert rows[("titp_absconders", D(2018, 12, 31))]["simulated"] == pytest.approx(absc)
    assert math.isnan(rows[("mhlw_workers_titp", D(2019, 10, 31))]["simulated"])
    assert math.isnan(rows[("titp_holders", D(2019, 6, 30))]["simulated"])
