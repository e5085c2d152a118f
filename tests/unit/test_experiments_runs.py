"""Experiments end to end on a tiny world: the same numbers on one process, two processes and a
two-worker Dask LocalCluster; a worker that dies is reported with its run and the rest kept; a
second call resumes and runs only what did not finish; sensitivity and search write their tables."""

from __future__ import annotations

import os

import pyarrow.parquet as pq
import pytest

from coexist import api
from coexist.cli.main import main
from coexist.engine import simulate as engine_simulate
from coexist.testing import TINY_OVERRIDES

TINY = [*TINY_OVERRIDES, 'horizon.end="2025-06"']
DESIGN = """
name = "tiny-levers"
scenario = "japan-circular"
metrics = ["index.host", "host.fill_rate"]
[sampler]
method = "latin"
samples = 4
seed = 0
[uncertainties.behaviour.nu_option]
[levers."programme.recognition_coverage"]
low = 0.0
high = 1.0
"""
PLAIN = api.Engine()  # the model, without the compile notice and the calibration check


def dies_when_matching_is_high(scenario, seed, scale, progress):
    """The engine, except that the worker process dies on the point with the highest matching share
    (module level: worker processes import it by name)."""
    if scenario.programme.recognition_coverage > 0.75:
        os._exit(3)
    return engine_simulate(scenario, seed=seed, scale=scale)


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    path = tmp_path_factory.mktemp("design") / "tiny.toml"
    path.write_text(DESIGN)
    return path


@pytest.fixture(scope="module")
def straight(design, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "sweep"
    return api.sweep(design, out=out, overrides=TINY, scale=1.0, workers=1, engine=PLAIN)


def _table(result):
    return pq.read_table(result.folder / "runs.parquet")


def test_sweep_writes_a_run_folder_per_run_and_a_row_per_run_in_the_catalogue(straight):
    assert straight.runs == 4 and not straight.failures
    assert sorted(p.name for p in (straight.folder / "runs").iterdir()) == sorted(r["run_id"] for r in straight.table)
    assert len(api.runs(straight.folder)) == 4
    assert (straight.folder / "sweep.html").read_text().count("<section") == 4
    assert _table(straight).column_names == ["run_id", "point", "replicate", "seed", "nu_option",
                                             "programme.recognition_coverage", "index.host", "host.fill_rate"]


def test_a_dead_worker_is_reported_with_its_run_and_a_second_call_runs_only_that_one(design, straight, tmp_path):
    out = tmp_path / "sweep"
    crashing = api.Engine(simulate=dies_when_matching_is_high)
    first = api.sweep(design, out=out, overrides=TINY, scale=1.0, workers=2, engine=crashing)
    assert len(first.failures) == 1
    failed = first.failures[0]
    assert "died" in failed["error"] and "exit code 3" in failed["error"]
    row = next(r for r in first.table if r["run_id"] == failed["run_id"])
    assert row["programme.recognition_coverage"] > 0.75 and row["host.fill_rate"] != row["host.fill_rate"]  # NaN
    # the others are kept (a run stopped with the broken pool may leave a hidden partial folder, never a run folder)
    assert len([p for p in (out / "runs").iterdir() if not p.name.startswith(".")]) == 3

    progress = []
    second = api.sweep(design, out=out, overrides=TINY, scale=1.0, workers=2, engine=PLAIN,
                       progress=lambda done, total: progress.append((done, total)))
    assert (second.resumed, second.failures) == (3, [])
    assert progress == [(3, 4), (4, 4)]  # only the failed run ran
    assert _table(second).equals(_table(straight))


def test_a_local_dask_cluster_gives_the_numbers_of_the_process_pool(design, straight, tmp_path):
    on_dask = api.sweep(design, out=tmp_path / "dask", overrides=TINY, scale=1.0, dask_local=2, engine=PLAIN)
    assert (on_dask.runner, on_dask.workers) == ("dask", 2)
    assert _table(on_dask).equals(_table(straight))


def test_sensitivity_writes_its_indices_and_search_its_front(design, tmp_path):
    sens = api.sensitivity(design, method="morris", samples=2, out=tmp_path / "sens", overrides=TINY, scale=1.0,
                           workers=1, engine=PLAIN)
    table = pq.read_table(tmp_path / "sens" / "sensitivity.parquet")
    assert table.column_names == ["metric", "parameter", "index", "value", "conf"]
    assert set(table.column("index").to_pylist()) == {"mu", "mu_star", "sigma"}
    assert sens.runs == 2 * 3  # two trajectories of two factors
    found = api.search(design, generations=2, population=4, out=tmp_path / "search", overrides=TINY, scale=1.0,
                       workers=1, engine=PLAIN)
    front = pq.read_table(tmp_path / "search" / "pareto.parquet")
    assert front.column_names == ["programme.recognition_coverage", "index.host", "index.migrants", "index.origin",
                                  "index.balance"]
    assert 1 <= front.num_rows == len(found.front) <= 8
    assert (tmp_path / "search" / "search.html").is_file()


def test_cli_runs_a_sweep_and_names_the_flag_of_a_bad_option(design, tmp_path, capsys):
    tiny = [arg for text in TINY for arg in ("--set", text)]
    code = main(["sweep", str(design), "--out", str(tmp_path / "s"), "--scale", "1", "--samples", "2",
                 "--workers", "1", *tiny], engine=PLAIN)
    assert code == 0 and "sweep of tiny-levers: 2 run(s)" in capsys.readouterr().out
    code = main(["sweep", str(design), "--out", str(tmp_path / "s2"), "--workers", "2", "--dask-local", "2"],
                engine=PLAIN)
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("coexist: error: --dask-local must be given alone") and err.count("\n") == 1
