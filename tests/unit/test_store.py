"""Run folders: round trip, provenance, and no partial output when writing fails."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pyarrow as pa
import pytest
from pydantic import BaseModel

from coexist.codes import HOST_STATUSES, ORIGINS, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA, SimulationResult
from coexist.periods import month_dates, parse_month
from coexist.store import StoreError, read_run, run_folder, write_run


def fake_result(n_months: int = 24, seed: int = 3, scale: float = 0.5) -> SimulationResult:
    rng = np.random.default_rng(seed)
    months = month_dates(parse_month("2025-01") + np.arange(n_months)).to_pylist()
    stocks = [
        {"month": m, "status": s, "origin": o, "sector": "manufacturing", "persons": float(rng.integers(0, 100))}
        for m in months for s in HOST_STATUSES + ("returned",) for o in ORIGINS[:3]
    ]
    flows = [
        {
            "month": m,
            "flow": f,
            "status_from": a,
            "status_to": b,
            "origin": "VNM",
            "sector": "construction",
            "persons": float(rng.integers(0, 10)),
        }
        for m in months
        for f, a, b in [("entry", "home", "titp"), ("abscond", "titp", "irregular"), ("return", "esd", "returned")]
    ]
    demand = [
        {"month": m, "sector": s, "demand": 100.0, "employed": float(rng.integers(50, 120))}
        for m in months
        for s in SECTORS
    ]
    measures = [
        {"month": m, "origin": o, "measure": k, "value": float(rng.integers(1, 1000))}
        for m in months
        for o in ORIGINS[:2]
        for k in MEASURES
    ]
    return SimulationResult(
        stocks=pa.Table.from_pylist(stocks, schema=STOCK_SCHEMA),
        flows=pa.Table.from_pylist(flows, schema=FLOW_SCHEMA),
        demand=pa.Table.from_pylist(demand, schema=DEMAND_SCHEMA),
        measures=pa.Table.from_pylist(measures, schema=MEASURE_SCHEMA),
        agents=1234,
        agent_months=5678,
        wall_seconds=1.5,
        seed=seed,
        scale=scale,
    )


class Assumption(BaseModel):
    name: str
    value: float
    date: dt.date
    source: str


class FakeScenario(BaseModel):
    name: str = "toy-circular"
    description: str = "a toy scenario"
    start: str = "2025-01"
    end: str = "2026-12"
    scale: float = 1.0
    assumptions: list[Assumption] = [
        Assumption(
            name="caps_after_fy2028", value=1.0, date=dt.date(2029, 4, 1), source="held at the last cabinet value"
        )
    ]


@pytest.fixture
def fake_scenario():
    return FakeScenario()


def described(scenario) -> tuple[str, str]:
    """What write_run records of a scenario (its TOML and hash), for a stand-in scenario."""
    return f'name = "{scenario.name}"\n', "ab12" * 16


def _leftovers(parent):
    return [p.name for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_round_trip(tmp_path, fake_scenario):
    result = fake_result()
    folder = write_run(
        tmp_path / "run", result, fake_scenario, described=described(fake_scenario), wall_seconds_total=2.25
    )
    loaded = read_run(folder)
    for name in ("stocks", "flows", "demand", "measures"):
        assert getattr(loaded, name).equals(getattr(result, name)), name
    assert loaded.name == "toy-circular"
    assert loaded.scenario_toml == 'name = "toy-circular"\n'
    run = loaded.run
    assert run["seed"] == 3 and run["scale"] == 0.5
    assert run["scenario"]["hash"] == "ab12" * 16
    assert run["start"] == "2025-01" and run["end"] == "2026-12"
    assert run["wall_seconds"] == {"engine": 1.5, "total": 2.25}
    assert run["agents"] == 1234 and run["agent_months"] == 5678
    assert run["package"]["version"]
    assert run["numpy"] == np.__version__ and run["python"].count(".") == 2
    assert run["assumptions"] == [
        {"name": "caps_after_fy2028", "value": 1.0, "date": "2029-04-01", "source": "held at the last cabinet value"}
    ]
    assert dt.datetime.fromisoformat(run["created"]).tzinfo is not None
    assert set(loaded.definitions) == set(loaded.metrics)
    assert loaded.metrics["host.fill_rate"] > 0
    assert _leftovers(tmp_path) == []


def test_metrics_json_writes_nan_as_null(tmp_path, fake_scenario):
    folder = write_run(
        tmp_path / "run",
        fake_result(),
        fake_scenario,
        described=described(fake_scenario),
        wall_seconds_total=1.0,
        metrics={"host.fill_rate": math.nan, "host.irregular_end": 3.0},
    )
    doc = json.loads((folder / "metrics.json").read_text())
    assert doc["metrics"] == {"host.fill_rate": None, "host.irregular_end": 3.0}
    assert doc["definitions"]["host.fill_rate"]["actor"] == "host"
    assert math.isnan(read_run(folder).metrics["host.fill_rate"])


def test_failed_write_leaves_no_partial_output(tmp_path, fake_scenario, monkeypatch):
    calls = []
    real = run_folder.pq.write_table

    def failing(table, where, **kw):
        calls.append(where)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(table, where, **kw)

    monkeypatch.setattr(run_folder.pq, "write_table", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_run(
            tmp_path / "run", fake_result(), fake_scenario, described=described(fake_scenario), wall_seconds_total=1.0
        )
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []


def test_failed_rewrite_keeps_previous_run(tmp_path, fake_scenario, monkeypatch):
    folder = write_run(
        tmp_path / "run", fake_result(seed=1), fake_scenario, described=described(fake_scenario), wall_seconds_total=1.0
    )
    monkeypatch.setattr(run_folder, "_write_json", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(StoreError, match="No space left"):
        write_run(
            folder, fake_result(seed=2), fake_scenario, described=described(fake_scenario), wall_seconds_total=1.0
        )
    assert read_run(folder).run["seed"] == 1
    assert _leftovers(tmp_path) == []


def test_rewrite_replaces_previous_run(tmp_path, fake_scenario):
    folder = write_run(
        tmp_path / "run", fake_result(seed=1), fake_scenario, described=described(fake_scenario), wall_seconds_total=1.0
    )
    write_run(folder, fake_result(seed=2), fake_scenario, described=described(fake_scenario), wall_seconds_total=1.0)
    assert read_run(folder).run["seed"] == 2
    assert _leftovers(tmp_path) == []


def test_refuses_to_replace_a_folder_that_is_not_a_run(tmp_path, fake_scenario):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("precious")
    with pytest.raises(StoreError, match="not a coexist run folder"):
        write_run(target, fake_result(), fake_scenario, described=described(fake_scenario), wall_seconds_total=1.0)
    assert (target / "thesis.docx").read_text() == "precious"


def test_read_run_of_incomplete_folder(tmp_path):
    (tmp_path / "run.json").write_text("{}")
    with pytest.raises(StoreError, match="missing stocks.parquet"):
        read_run(tmp_path)
