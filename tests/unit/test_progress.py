"""What the long commands say while they work: progress as each run ends, a notice before the
kernels compile for the first time on a machine, and compile time apart from engine time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from importlib import resources

import numba
import pytest
from test_interrupt import _result, describe, load

from coexist import api
from coexist.cli.main import main
from coexist.engine.compiling import COMPILE_NOTICE, compile_timer, kernels_need_compiling
from coexist.errors import ScenarioError
from coexist.testing import TINY_OVERRIDES

SHORT = ('horizon.end="2025-06"',)
SLOW_SECONDS = 4.0


def uneven_simulate(scenario, seed, scale, progress):
    """A module-level stand-in for the engine (worker processes import it by name): scenario
    "slow" runs for seconds, "quick" for a moment."""
    time.sleep(SLOW_SECONDS if scenario.name == "slow" else 0.05)
    return _result(seed, scale)


def test_compare_counts_each_run_as_it_ends_with_workers(tmp_path):
    stamps = []
    engine = api.Engine(load=load, simulate=uneven_simulate, describe=describe)
    api.compare(["quick", "slow"], out=tmp_path / "cmp", replicates=2, workers=2, engine=engine,
                progress=lambda done, total: stamps.append((time.perf_counter(), done, total)))
    assert [(done, total) for _, done, total in stamps] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # the quick runs are counted while a slow one still runs, not all at the end
    first, last = stamps[0][0], stamps[-1][0]
    assert last - first > SLOW_SECONDS / 2
    settings = json.loads((tmp_path / "cmp" / "claims.json").read_text())["settings"]
    assert settings["compile_seconds"] == 0.0  # recorded apart; the stand-in compiles nothing


class Recorder:
    """Notices and engine calls in the order they came; the engine stops at its first call."""

    class Stop(Exception):
        pass

    def __init__(self):
        self.events = []

    def notice(self, line):
        self.events.append(("notice", line))

    def simulate(self, scenario, seed, scale, progress):
        self.events.append(("run", scenario.name))
        raise Recorder.Stop


def _cold(recorder: Recorder, **engine) -> api.Engine:
    return api.Engine(simulate=recorder.simulate, needs_compiling=lambda: True, **engine)


def test_run_sends_the_compile_notice_once_before_the_engine_runs(tmp_path):
    seen = []
    summary = api.run("toy", engine=api.Engine(load=load, simulate=uneven_simulate, describe=describe,
                                               needs_compiling=lambda: True), notice=seen.append)
    assert seen == [COMPILE_NOTICE] and summary.name == "toy"
    seen.clear()
    api.run("toy", engine=api.Engine(load=load, simulate=uneven_simulate, describe=describe), notice=seen.append)
    assert seen == []  # the kernels are cached (a stand-in engine compiles nothing)


@pytest.mark.parametrize("command", ["compare", "validate", "calibrate"])
def test_the_notice_comes_after_the_input_is_checked_and_before_the_first_run(command, tmp_path):
    targets = resources.files("coexist.data") / "targets.csv"
    calls = {
        "compare": lambda ref, engine, notice: api.compare(
            [ref], out=tmp_path / "cmp", replicates=1, workers=1, overrides=TINY_OVERRIDES, notice=notice,
            engine=engine),
        "validate": lambda ref, engine, notice: api.validate(
            ref, replicates=1, workers=1, out=tmp_path / "val", overrides=TINY_OVERRIDES, notice=notice, engine=engine),
        "calibrate": lambda ref, engine, notice: api.calibrate(
            ref, targets, particles=2, budget=2, workers=1, out=tmp_path / "cal", overrides=TINY_OVERRIDES,
            notice=notice, engine=engine),
    }
    recorder = Recorder()
    with pytest.raises(ScenarioError):
        calls[command]("no-such-scenario", _cold(recorder), recorder.notice)
    assert recorder.events == []  # bad input: its one line, no notice
    with pytest.raises(Recorder.Stop):
        calls[command]("japan-temporary", _cold(recorder), recorder.notice)
    assert recorder.events == [("notice", COMPILE_NOTICE), ("run", "japan-temporary")]


def test_cli_prints_the_notice_on_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cold = api.Engine(load=load, simulate=uneven_simulate, describe=describe, needs_compiling=lambda: True)
    assert main(["run", "toy", "--out", "run"], engine=cold) == 0
    captured = capsys.readouterr()
    assert captured.err == COMPILE_NOTICE + "\n"
    assert "s compiling or loading its kernels" in captured.out


def test_compile_timer_counts_compiling_only():
    @numba.njit(cache=False)
    def twice(x):
        return 2 * x

    with compile_timer() as first:
        assert twice(3) == 6  # compiled on this first call
    with compile_timer() as second:
        assert twice(4) == 8
    assert first.seconds > 0.0
    assert second.seconds == 0.0


def test_engine_reports_compile_time_apart_and_a_second_run_compiles_nothing():
    overrides = [*TINY_OVERRIDES, *SHORT]
    api.run("japan-temporary", overrides=overrides, scale=1.0)  # compiles or loads the kernels
    seen = []
    again = api.run("japan-temporary", overrides=overrides, scale=1.0, notice=seen.append)
    assert again.compile_seconds == 0.0 and again.engine_seconds > 0.0
    assert again.result.compile_seconds == 0.0
    assert seen == [] and not kernels_need_compiling()


def test_an_empty_kernel_cache_is_seen_as_cold(tmp_path):
    """A fresh process with numba's cache pointed at an empty folder would compile; with the
    package's own cache (written by the run above, or earlier) it would not."""
    code = "from coexist.engine.compiling import kernels_need_compiling; print(kernels_need_compiling())"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    api.run("japan-temporary", overrides=[*TINY_OVERRIDES, *SHORT], scale=1.0)  # the package's cache is written
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    cold = subprocess.run([sys.executable, "-c", code], env={**env, "NUMBA_CACHE_DIR": str(tmp_path)},
                          capture_output=True, text=True, check=True)
    assert (warm.stdout.strip(), cold.stdout.strip()) == ("False", "True")
