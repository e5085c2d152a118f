"""Ctrl-C during a comparison or a validation: the worker pool stops, the interrupt reaches
the caller, and the command ends with status 130 and no traceback."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time

import pyarrow as pa
import pytest

from coexist import api
from coexist.calibration.targets import TARGET_COLUMNS
from coexist.cli.main import main
from coexist.codes import HOST_STATUSES, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA, SimulationResult
from coexist.experiments import replicate_seed


class StandInScenario:
    def __init__(self, name: str):
        self.name, self.description, self.start, self.end = name, name, "2025-01", "2025-12"
        self.scale, self.assumptions = 1.0, []


def load(ref, overrides, start, end):
    return StandInScenario(ref)


def slow_simulate(scenario, seed, scale, progress):
    """A module-level stand-in for the engine (worker processes import it by name); scenario
    "b" runs long, so a worker left running after Ctrl-C would still be alive below."""
    time.sleep(30.0 if scenario.name == "b" else 0.3)
    return _result(seed, scale)


def slow_after_the_first_replicate(scenario, seed, scale, progress):
    """As slow_simulate, for a validation of the real scenario: replicate 0 (of base seed 0)
    is quick, the others run long."""
    time.sleep(0.3 if seed == replicate_seed(0, 0) else 30.0)
    return _result(seed, scale)


def _result(seed, scale):
    months = [dt.date(2025, i, 1) for i in range(1, 13)]
    return SimulationResult(
        stocks=pa.Table.from_pylist(
            [
                {"month": m, "status": s, "origin": "VNM", "sector": "construction", "persons": 5.0}
                for m in months
                for s in HOST_STATUSES
            ],
            schema=STOCK_SCHEMA,
        ),
        flows=FLOW_SCHEMA.empty_table(),
        demand=pa.Table.from_pylist(
            [{"month": m, "sector": s, "demand": 10.0, "employed": 9.0} for m in months for s in SECTORS],
            schema=DEMAND_SCHEMA,
        ),
        measures=pa.Table.from_pylist(
            [{"month": m, "origin": "VNM", "measure": k, "value": 1.0} for m in months for k in MEASURES],
            schema=MEASURE_SCHEMA,
        ),
        agents=5,
        agent_months=60,
        wall_seconds=0.3,
        seed=seed,
        scale=scale or 1.0,
    )


def describe(scenario):
    return f'name = "{scenario.name}"\n', f"{scenario.name}-hash"


ENGINE = api.Engine(load=load, simulate=slow_simulate, describe=describe)


def interrupt_after_first(done, total):
    raise KeyboardInterrupt


def test_ctrl_c_stops_the_worker_pool_and_reaches_the_caller(tmp_path):
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        api.compare(
            ["a", "b"], out=tmp_path / "cmp", replicates=4, workers=2, progress=interrupt_after_first, engine=ENGINE
        )
    assert time.perf_counter() - started < 25  # the long run was stopped, the queued ones dropped
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert multiprocessing.active_children() == []
    assert not (tmp_path / "cmp").exists()


def test_ctrl_c_during_compare_is_status_130_without_traceback(tmp_path, capsys):
    engine = api.Engine(
        load=load,
        simulate=lambda sc, seed, scale, progress: (_ for _ in ()).throw(KeyboardInterrupt),
        describe=describe,
    )
    args = ["compare", "a", "b", "--replicates", "2", "--workers", "1", "--out", str(tmp_path / "cmp")]
    assert main(args, engine=engine) == 130
    captured = capsys.readouterr()
    assert captured.err == "coexist: interrupted\n"
    assert not (tmp_path / "cmp").exists()


def _targets(path):
    rows = (
        "titp_stock,test,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n"
        "titp_stock,test,,2025-10-01,1800,persons,stock,,titp,,,reported,validate,\n"
    )
    path.write_text(",".join(TARGET_COLUMNS) + "\n" + rows, encoding="utf-8")
    return path


def test_ctrl_c_during_validate_stops_the_worker_pool_and_reaches_the_caller(tmp_path):
    engine = api.Engine(simulate=slow_after_the_first_replicate)
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        api.validate(
            "japan-temporary",
            targets=_targets(tmp_path / "t.csv"),
            replicates=4,
            workers=2,
            scale=0.01,
            out=tmp_path / "val",
            progress=interrupt_after_first,
            engine=engine,
        )
    assert time.perf_counter() - started < 25  # the long runs were stopped, the queued ones dropped
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert multiprocessing.active_children() == []
    assert not (tmp_path / "val").exists()


def test_ctrl_c_during_validate_is_status_130_without_traceback(tmp_path, capsys):
    engine = api.Engine(simulate=lambda sc, seed, scale, progress: (_ for _ in ()).throw(KeyboardInterrupt))
    args = [
        "validate",
        "japan-temporary",
        "--targets",
        str(_targets(tmp_path / "t.csv")),
        "--replicates",
        "2",
        "--workers",
        "1",
        "--scale",
        "0.01",
        "--out",
        str(tmp_path / "val"),
    ]
    assert main(args, engine=engine) == 130
    captured = capsys.readouterr()
    assert captured.err == "coexist: interrupted\n"
    assert not (tmp_path / "val").exists()
