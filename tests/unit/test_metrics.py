"""Metrics on a tiny hand-built result whose every value is computed by hand below."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pyarrow as pa
import pytest

from coexist.codes import ORIGINS, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, STOCK_SCHEMA, SimulationResult
from coexist.metrics import (
    ACTORS,
    DIRECTIONS,
    INDEX_KEYS,
    METRICS,
    ORIGIN_METRICS,
    compute_metrics,
    format_value,
    metric_definitions,
    origin_key,
)
from coexist.metrics.docs import metrics_markdown

M = (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))  # 3 months (first days): the horizon is 0.25 years


def tiny_result() -> SimulationResult:
    stocks = []
    for status, origin, values in [
        ("titp", "VNM", (100, 90, 80)),
        ("irregular", "VNM", (5, 10, 15)),
        ("ssw2", "VNM", (20, 25, 30)),
        ("status_based", "VNM", (5, 5, 5)),
        ("status_based", "BRA", (40, 40, 40)),  # BRA sends no programme workers
        ("home", "VNM", (1000, 1000, 1000)),
        ("returned", "VNM", (10, 15, 20)),
    ]:
        for month, v in zip(M, values, strict=True):
            stocks.append(
                {"month": month, "status": status, "origin": origin, "sector": "manufacturing", "persons": float(v)}
            )
    flows = [
        (dt.date(2025, 2, 1), "entry", "home", "titp", 4),
        (dt.date(2025, 2, 1), "reentry", "returned", "titp", 2),
        (dt.date(2025, 2, 1), "return", "titp", "returned", 6),
        (dt.date(2025, 2, 1), "abscond", "titp", "irregular", 5),
        (dt.date(2025, 2, 1), "upgrade", "titp", "ssw2", 5),
        (dt.date(2025, 3, 1), "reentry", "returned", "ssw2", 1),
        (dt.date(2025, 3, 1), "return", "titp", "returned", 3),
        (dt.date(2025, 3, 1), "removal", "irregular", "returned", 2),
        (dt.date(2025, 3, 1), "upgrade", "esd", "professional", 1),
        (dt.date(2025, 3, 1), "upgrade", "ssw2", "status_based", 2),  # already settled: not a new loss
        (dt.date(2025, 3, 1), "job_change", "ssw1", "ssw1", 4),
    ]
    flow_rows = [
        {
            "month": m,
            "flow": f,
            "status_from": a,
            "status_to": b,
            "origin": "VNM",
            "sector": "manufacturing",
            "persons": float(p),
        }
        for m, f, a, b, p in flows
    ]
    demand = []
    for sector, d, e in [("manufacturing", (100, 100, 100), (80, 90, 120)), ("caregiving", (50, 50, 50), (50, 40, 20))]:
        for month, dd, ee in zip(M, d, e, strict=True):
            demand.append({"month": month, "sector": sector, "demand": float(dd), "employed": float(ee)})
    measures = []
    per_month = {
        "earnings": (20e6, 20e6, 20e6),
        "home_wage_counterfactual": (5e6, 5e6, 5e6),
        "debt": (20e6, 15e6, 10e6),
        "regular_months": (95, 90, 85),
        "mobility_months": (27, 27, 27),
        "skill_sum_host": (40, 50, 60),
        "family_in_host": (10, 20, 30),
        "experienced_workers": (30, 30, 30),
        "skill_years_home": (1, 2, 3),
        "returnees_reaching_12m": (10, 10, 0),
        "returnees_employed_12m": (6, 8, 0),
        "remittances": (1e6, 1e6, 1e6),
    }
    for name, values in per_month.items():
        for month, v in zip(M, values, strict=True):
            measures.append({"month": month, "origin": "VNM", "measure": name, "value": float(v)})
    # workers_in_host split over two origins: the metrics must sum over origins.
    for month, (vnm, phl) in zip(M, [(60, 40), (100, 0), (70, 30)], strict=True):
        measures.append({"month": month, "origin": "VNM", "measure": "workers_in_host", "value": float(vnm)})
        measures.append({"month": month, "origin": "PHL", "measure": "workers_in_host", "value": float(phl)})
    return SimulationResult(
        stocks=pa.Table.from_pylist(stocks, schema=STOCK_SCHEMA),
        flows=pa.Table.from_pylist(flow_rows, schema=FLOW_SCHEMA),
        demand=pa.Table.from_pylist(demand, schema=DEMAND_SCHEMA),
        measures=pa.Table.from_pylist(measures, schema=MEASURE_SCHEMA),
        agents=200,
        agent_months=600,
        wall_seconds=0.1,
        seed=7,
        scale=1.0,
    )


# Hand computation (see tiny_result):
EXPECTED = {
    # filled = min(employed, demand): manufacturing 80+90+100, caregiving 50+40+20; demand 450
    "host.fill_rate": 380 / 450,
    "host.fill_rate.manufacturing": 270 / 300,
    "host.fill_rate.caregiving": 110 / 150,
    # monthly rates 130/150, 130/150, 120/150 -> changes 0, -1/15 -> population std 1/30
    "host.fill_rate_volatility": 1 / 30,
    "host.experienced_share": 90 / 300,
    "host.irregular_end": 15.0,
    "host.irregular_mean": 10.0,
    # arrivals 4+2+1, departures 6+3+2 -> 18/2 = 9 per 0.25 y = 36 per year; host stock 170 each month
    "host.turnover_annual": 36 / 170,
    "migrants.net_income_gain": (60e6 - 15e6) / 300,
    "migrants.debt_burden": 45e6 / 60e6,
    "migrants.job_mobility_share": 81 / 270,
    "migrants.skill_mean": 150 / 300,
    "migrants.family_unity": 60 / 300,
    "origin.returnee_employment_12m": 14 / 20,
    "origin.skill_years_home_per_year": 6 / 0.25,
    "origin.remittances_per_year": 3e6 / 0.25,
    # upgrades titp->ssw2 (5) and esd->professional (1); ssw2->status_based (2) not counted; per 0.25 y
    "origin.long_term_loss_per_year": 6 / 0.25,
    "origin.remigration_per_year": 3 / 0.25,
}


def test_metrics_match_hand_computation():
    values = compute_metrics(tiny_result())
    for key, expected in EXPECTED.items():
        assert values[key] == pytest.approx(expected, rel=1e-12), key


def test_per_origin_metrics_count_each_origin_alone():
    values = compute_metrics(tiny_result())
    # every measure but workers_in_host is VNM's; PHL has 40 + 30 worker-months and nothing else
    assert values["migrants.net_income_gain.VNM"] == pytest.approx((60e6 - 15e6) / 230)
    assert values["migrants.net_income_gain.PHL"] == 0.0
    assert values["migrants.debt_burden.VNM"] == pytest.approx(45e6 / 60e6)
    assert math.isnan(values["migrants.debt_burden.PHL"])  # no earnings: no ratio
    for name in ("origin.returnee_employment_12m", "origin.remittances_per_year", "origin.long_term_loss_per_year"):
        assert values[origin_key(name, "VNM")] == pytest.approx(EXPECTED[name]), name
    assert values["origin.remittances_per_year.BRA"] == 0.0
    assert math.isnan(values["origin.returnee_employment_12m.CHN"])
    definition = metric_definitions()["origin.remittances_per_year.VNM"]
    assert definition["label"] == "Remittances per year, Vietnam" and definition["direction"] == "info"


def test_sector_without_demand_is_nan_and_keys_are_stable():
    values = compute_metrics(tiny_result())
    assert math.isnan(values["host.fill_rate.construction"])
    per_origin = [origin_key(name, o) for o in ORIGINS for name in ORIGIN_METRICS]
    assert list(values) == list(METRICS) + list(INDEX_KEYS) + per_origin
    assert set(metric_definitions()) == set(values)
    assert {f"host.fill_rate.{s}" for s in SECTORS} <= set(values)
    assert set(EXPECTED) <= set(values)


def test_registry_declarations_are_complete():
    for name, m in METRICS.items():
        assert m.actor in ACTORS and m.direction in DIRECTIONS, name
        assert name.startswith(m.actor + "."), name
        assert len(m.description) > 30 and m.unit, name
    assert METRICS["host.turnover_annual"].direction == "info"
    assert METRICS["origin.remigration_per_year"].direction == "info"
    defs = metric_definitions()
    json.dumps(defs)  # serialisable
    assert defs["migrants.debt_burden"]["direction"] == "minimise"
    assert set(defs) == set(METRICS) | set(INDEX_KEYS) | {origin_key(n, o) for o in ORIGINS for n in ORIGIN_METRICS}
    assert defs["index.balance"]["actor"] == "all" and defs["index.origin"]["actor"] == "origin"


def test_registry_covers_the_three_actors_list():
    # DESIGN.md "Metrics for the three actors": at least these, each under one actor.
    wanted = {
        "host": [
            "host.fill_rate",
            "host.fill_rate_volatility",
            "host.experienced_share",
            "host.irregular_mean",
            "host.turnover_annual",
        ],
        "migrants": [
            "migrants.net_income_gain",
            "migrants.debt_burden",
            "migrants.job_mobility_share",
            "migrants.skill_mean",
            "migrants.family_unity",
        ],
        "origin": [
            "origin.returnee_employment_12m",
            "origin.skill_years_home_per_year",
            "origin.remittances_per_year",
            "origin.long_term_loss_per_year",
            "origin.remigration_per_year",
        ],
    }
    for actor, names in wanted.items():
        for name in names:
            assert METRICS[name].actor == actor, name
    assert {f"host.fill_rate.{s}" for s in SECTORS} <= set(METRICS)
    assert [n for n, m in METRICS.items() if m.direction == "info"] == [
        "host.turnover_annual",
        "origin.remigration_per_year",
    ]
    # the old last-minus-first skill change compared different people and is gone
    assert "migrants.skill_growth" not in METRICS


def test_long_term_loss_ignores_the_settled_stock_at_the_start():
    r = tiny_result()
    values = compute_metrics(r)
    # 40 status_based BRA and 25-30 ssw2 VNM in the stocks change nothing: only upgrade flows count
    assert values["origin.long_term_loss_per_year"] == pytest.approx(24.0)
    no_flows = SimulationResult(
        stocks=r.stocks,
        flows=r.flows.slice(0, 0),
        demand=r.demand,
        measures=r.measures,
        agents=0,
        agent_months=0,
        wall_seconds=0.0,
        seed=0,
        scale=1.0,
    )
    assert compute_metrics(no_flows)["origin.long_term_loss_per_year"] == 0.0


def test_docs_metrics_md_is_up_to_date():
    path = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
    assert path.read_text(encoding="utf-8") == metrics_markdown(), (
        "docs/metrics.md is stale; regenerate it with "
        "python -c \"from coexist.metrics.docs import metrics_markdown; print(metrics_markdown(), end='')\" > "
        "docs/metrics.md"
    )


def test_zero_denominators_give_nan_not_errors():
    r = tiny_result()
    empty = SimulationResult(
        stocks=r.stocks.slice(0, 0),
        flows=r.flows.slice(0, 0),
        demand=r.demand.slice(0, 0),
        measures=r.measures.slice(0, 0),
        agents=0,
        agent_months=0,
        wall_seconds=0.0,
        seed=0,
        scale=1.0,
    )
    values = compute_metrics(empty)
    assert all(math.isnan(v) for v in values.values())
    assert set(INDEX_KEYS) <= set(values)


def test_compute_metrics_rejects_wrong_input():
    with pytest.raises(TypeError, match="stocks, flows, demand and measures"):
        compute_metrics({"stocks": None})


def test_format_value_prints_the_unit():
    assert format_value(0.8444, "share of demand") == "84.4%"
    assert format_value(0.004, "share of demand per month") == "0.4% per month"
    assert format_value(0.12, "share of host stock per year") == "12.0% per year"
    assert format_value(12e9, "money per year (host currency)") == "¥12.0 bn per year"
    assert format_value(2.5326e12, "money per year (host currency)") == "¥2,532.6 bn per year"
    assert format_value(150000, "money per person-month (host currency)") == "¥150,000 per person-month"
    assert format_value(-2500.4, "money per person-month (host currency)") == "-¥2,500 per person-month"
    assert format_value(185.0, "persons") == "185 persons"
    assert format_value(189489.4, "persons") == "189,489 persons"
    assert format_value(25000.0, "persons per year") == "25,000 persons per year"
    assert format_value(0.0652, "months of earnings") == "0.0652 months of earnings"
    assert format_value(512345.0, "skill-years per year") == "512,345 skill-years per year"
    assert format_value(0.45, "skill (0..1)") == "0.45 skill (0..1)"
    aud = format_value(1800.0, "money per person-month (host currency)", currency="AUD")
    assert aud == "AUD 1,800 per person-month"
    assert format_value(3.0, "") == "3"
    assert format_value(math.nan, "persons") == "n/a"
    assert format_value(None, "persons") == "n/a"


def test_every_metric_prints_with_a_unit():
    for m in METRICS.values():
        text = format_value(1234.5, m.unit)
        assert any(ch in text for ch in "%¥") or text.endswith(m.unit), (m.name, text)
