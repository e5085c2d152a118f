"""The comparison report: self-contained HTML with every scenario, its provenance and assumptions."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pytest
from pydantic import BaseModel

from coexist.codes import HOST_STATUSES, ORIGINS, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA, SimulationResult
from coexist.report import figures, render_compare_report, write_compare_report
from coexist.store import read_run, run_folder, write_run


def fake_result(seed: int, n_months: int = 24) -> SimulationResult:
    rng = np.random.default_rng(seed)
    months = [f"{2025 + i // 12}-{i % 12 + 1:02d}" for i in range(n_months)]
    stocks = [
        {"month": m, "status": s, "origin": o, "sector": "construction", "persons": float(rng.integers(0, 100))}
        for m in months for s in HOST_STATUSES + ("returned",) for o in ORIGINS[:3]
    ]
    flows = [
        {"month": m, "flow": f, "status_from": a, "status_to": b, "origin": "PHL", "sector": "construction",
         "persons": float(rng.integers(0, 10))}
        for m in months for f, a, b in [("entry", "home", "esd"), ("abscond", "esd", "irregular")]
    ]
    demand = [{"month": m, "sector": s, "demand": 100.0, "employed": float(rng.integers(50, 120))} for m in months for s in SECTORS]
    measures = [{"month": m, "origin": "PHL", "measure": k, "value": float(rng.integers(1, 1000))} for m in months for k in MEASURES]
    return SimulationResult(
        stocks=pa.Table.from_pylist(stocks, schema=STOCK_SCHEMA),
        flows=pa.Table.from_pylist(flows, schema=FLOW_SCHEMA),
        demand=pa.Table.from_pylist(demand, schema=DEMAND_SCHEMA),
        measures=pa.Table.from_pylist(measures, schema=MEASURE_SCHEMA),
        agents=10, agent_months=240, wall_seconds=0.5, seed=0, scale=0.1,
    )


class Assumption(BaseModel):
    name: str
    date: dt.date
    note: str


class FakeScenario(BaseModel):
    name: str
    description: str = "toy"
    start: str = "2025-01"
    end: str = "2026-12"
    scale: float = 1.0
    assumptions: list[Assumption] = []


@pytest.fixture
def two_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(run_folder, "describe_scenario", lambda sc: ("", f"hash-of-{sc.name}-0123456789"))
    runs = []
    for i, name in enumerate(["toy-temporary", "toy-circular"]):
        sc = FakeScenario(name=name, assumptions=[Assumption(name=f"wage_growth_{name}", date=dt.date(2030, 1, 1), note="1% a year")])
        runs.append((name, write_run(tmp_path / name, fake_result(i), sc, wall_seconds_total=1.0)))
    return runs


def test_report_is_self_contained(tmp_path, two_runs):
    from plotly.offline import get_plotlyjs

    path = write_compare_report(tmp_path / "out" / "report.html", two_runs)
    text = path.read_text(encoding="utf-8")
    assert get_plotlyjs() in text
    assert not re.search(r"<script[^>]+src=", text)
    assert "https://cdn" not in text.replace(get_plotlyjs(), "")
    assert text.count('class="plotly-graph-div"') == 2 * 2 + 6  # status and origin per scenario, 6 shared charts
    for name in ("toy-temporary", "toy-circular"):
        assert name in text
        assert f"wage_growth_{name}" in text
    assert "2030-01-01" in text and "1% a year" in text
    assert "hash-of-toy-circular" in text
    assert "scale 0.1" in text and "one agent for every 10 persons" in text
    assert "Demand fill rate" in text
    assert not list((tmp_path / "out").glob(".*partial*"))


def test_report_accepts_loaded_runs_and_results(two_runs):
    loaded = [(name, read_run(folder)) for name, folder in two_runs]
    text = render_compare_report(loaded + [("in-memory", fake_result(5))])
    assert "in-memory" in text and "toy-temporary" in text


def test_report_needs_runs():
    with pytest.raises(ValueError, match="at least one run"):
        render_compare_report([])


def test_figures_have_one_trace_per_scenario():
    runs = [("a", fake_result(1)), ("b", fake_result(2))]
    for fn in (figures.fill_rate, figures.irregular_population, figures.absconding,
               figures.returnee_employment, figures.skill_years_home, figures.remittances):
        fig = fn(runs)
        assert [t.name for t in fig.data] == ["a", "b"], fn.__name__
    status = figures.stocks_by_status("a", runs[0][1])
    assert [t.name for t in status.data] == list(HOST_STATUSES)
    assert "returned" not in [t.name for t in status.data]
    origin = figures.stocks_by_origin("a", runs[0][1])
    assert [t.name for t in origin.data] == ["Vietnam", "China", "Philippines"]
    # the stacked total equals the host stock of the table
    t = runs[0][1]
    first = t.stocks.filter(pa.compute.and_(pa.compute.equal(t.stocks["month"], "2025-01"),
                                            pa.compute.is_in(t.stocks["status"], pa.array(list(HOST_STATUSES)))))
    assert sum(tr.y[0] for tr in origin.data) == pytest.approx(pa.compute.sum(first["persons"]).as_py())
