"""The coexist command and the api behind it.

The engine and the scenario loader are replaced by fakes here (passed as an
``api.Engine`` to ``main`` and the api), so these tests
check the CLI and api behaviour on their own: exit statuses, one-line errors, no partial
output, common random numbers. Argument errors are checked in a real subprocess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import coexist
from coexist import api
from coexist.cli.main import main
from coexist.codes import HOST_STATUSES, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA, SimulationResult
from coexist.errors import ScenarioError
from coexist.scenario import load_scenario, scenario_hash
from coexist.store import read_run

SRC = str(Path(coexist.__file__).resolve().parents[1])


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "coexist.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


# -- fakes -------------------------------------------------------------------------------------
class FakeScenario:
    def __init__(self, name: str, start: str = "2025-01", end: str = "2025-12"):
        self.name, self.description, self.start, self.end = name, f"{name} (fake)", start, end
        self.scale, self.assumptions = 1.0, []


def fake_simulate(calls: list):
    def simulate(scenario, seed, scale, progress):
        calls.append((scenario.name, seed, scale))
        rng = np.random.default_rng(seed)
        months = [dt.date(2025, i, 1) for i in range(1, 13)]
        for i in range(len(months)):
            if progress:
                progress(i + 1, len(months))
        stocks = [
            {"month": m, "status": s, "origin": "VNM", "sector": "construction", "persons": float(rng.integers(1, 50))}
            for m in months
            for s in HOST_STATUSES
        ]
        demand = [{"month": m, "sector": s, "demand": 10.0, "employed": 9.0} for m in months for s in SECTORS]
        measures = [{"month": m, "origin": "VNM", "measure": k, "value": 1.0} for m in months for k in MEASURES]
        return SimulationResult(
            stocks=pa.Table.from_pylist(stocks, schema=STOCK_SCHEMA),
            flows=FLOW_SCHEMA.empty_table(),
            demand=pa.Table.from_pylist(demand, schema=DEMAND_SCHEMA),
            measures=pa.Table.from_pylist(measures, schema=MEASURE_SCHEMA),
            agents=5,
            agent_months=60,
            wall_seconds=0.01,
            seed=seed,
            scale=scale or 1.0,
        )

    return simulate


def fake_load(ref, overrides, start, end):
    if ref not in ("toy-temporary", "toy-circular"):
        raise ScenarioError(
            f"unknown scenario {ref!r}. Shipped scenarios: toy-temporary, toy-circular.\nRun 'coexist scenarios'."
        )
    for item in overrides:
        if not item.startswith("levers."):
            raise ScenarioError("is not a scenario field", field=item.split("=")[0])
    return FakeScenario(ref, start or "2025-01", end or "2025-12")


def fake_describe(scenario) -> tuple[str, str]:
    return f'name = "{scenario.name}"\n', f"{scenario.name}-hash"


class FakeEngine(list):
    """The calls the fake engine received (a list), and the engine to pass (``.engine``)."""

    def __init__(self):
        super().__init__()
        self.engine = api.Engine(load=fake_load, simulate=fake_simulate(self), describe=fake_describe)


@pytest.fixture
def fake_engine(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    return FakeEngine()


def _one_line_error(text: str) -> str:
    lines = text.strip("\n").split("\n")
    assert len(lines) == 1, text
    assert "Traceback" not in text
    assert lines[0].startswith("coexist")
    return lines[0]


# -- help and argument errors (real subprocess) -------------------------------------------------
@pytest.mark.parametrize("command", [[], ["scenarios"], ["run"], ["compare"]])
def test_help_of_every_command(command):
    proc = _cli(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: coexist" + (" " + command[0] if command else ""))
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "japan-circular", "--scale", "0"], "--scale"),
        (["run", "japan-circular", "--scale", "-1"], "--scale"),
        (["run", "japan-circular", "--scale", "abc"], "--scale"),
        (["compare", "a", "b", "--scale", "nan"], "--scale"),
        (["run", "japan-circular", "--seed", "-3"], "--seed"),
        (["run", "japan-circular", "--start", "2025-13"], "--start"),
        (["run", "japan-circular", "--set", "no-equals-sign"], "--set"),
        (["run"], "SCENARIO"),
        (["frobnicate"], "frobnicate"),
        ([], "COMMAND"),
        (["run", "japan-circular", "--bogus"], "--bogus"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, fragment, tmp_path):
    proc = _cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert fragment in _one_line_error(proc.stderr)
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_real_loader_rejects_missing_file(tmp_path):
    proc = _cli("run", str(tmp_path / "missing.toml"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "missing.toml" in _one_line_error(proc.stderr)
    assert list(tmp_path.iterdir()) == []


# -- in-process with a fake engine ---------------------------------------------------------------
def test_unknown_scenario_is_one_line_and_writes_nothing(fake_engine, tmp_path, capsys):
    assert main(["run", "nope"], engine=fake_engine.engine) == 2
    captured = capsys.readouterr()
    line = _one_line_error(captured.err)
    assert "unknown scenario 'nope'" in line and "coexist scenarios" in line
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []
    assert fake_engine == []


def test_bad_override_names_the_field(fake_engine, capsys):
    assert main(["run", "toy-circular", "--set", "lever.typo=1"], engine=fake_engine.engine) == 2
    assert "'lever.typo'" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("override", ["nonsense.key=1", "programme.recognition_coverage.x=3", "behaviour.foo=3"])
def test_bad_override_of_the_real_loader_names_its_set(override, tmp_path, capsys):
    assert main(["run", "japan-circular", "--set", override, "--out", str(tmp_path / "run")]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith("coexist: error: scenario 'japan-circular': ")
    assert line.endswith(f"(from --set {override})")
    assert list(tmp_path.iterdir()) == []


def test_run_writes_default_folder_and_says_where(fake_engine, tmp_path, capsys):
    assert (
        main(["run", "toy-circular", "--seed", "4", "--scale", "0.5", "--set", "levers.x=1"], engine=fake_engine.engine)
        == 0
    )
    out = capsys.readouterr().out
    folder = tmp_path / "runs" / "toy-circular-toy-circ-4"  # {name}-{hash}-{seed}, the fake hash "toy-circular-hash"
    assert f"wrote {Path('runs') / 'toy-circular-toy-circ-4'}/" in out
    assert "Demand fill rate" in out
    loaded = read_run(folder)
    assert loaded.run["seed"] == 4 and loaded.run["scale"] == 0.5
    assert fake_engine == [("toy-circular", 4, 0.5)]


def test_run_into_a_file_is_one_line_error(fake_engine, tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    assert main(["run", "toy-circular", "--out", "taken"], engine=fake_engine.engine) == 2
    assert "a file" in _one_line_error(capsys.readouterr().err)
    assert fake_engine == []  # checked before simulating


def test_compare_uses_common_random_numbers_and_writes_report(fake_engine, tmp_path, capsys):
    from coexist.experiments import replicate_seed

    assert (
        main(
            [
                "compare",
                "toy-temporary",
                "toy-circular",
                "--seed",
                "9",
                "--replicates",
                "3",
                "--out",
                "cmp",
                "--workers",
                "1",
            ],
            engine=fake_engine.engine,
        )
        == 0
    )
    out = capsys.readouterr().out
    seeds = [replicate_seed(9, r) for r in range(3)]
    assert fake_engine == [(n, s, 0.05) for s in seeds for n in ("toy-temporary", "toy-circular")]
    assert f"wrote {Path('cmp') / 'report.html'}" in out
    text = (tmp_path / "cmp" / "report.html").read_text()
    assert "toy-temporary" in text and "toy-circular" in text and "scale 0.05" in text
    assert read_run(tmp_path / "cmp" / "toy-circular").run["seed"] == seeds[0]


def test_compare_with_a_bad_scenario_runs_nothing(fake_engine, tmp_path, capsys):
    assert main(["compare", "toy-temporary", "nope", "--out", "cmp", "--workers", "1"], engine=fake_engine.engine) == 2
    _one_line_error(capsys.readouterr().err)
    assert fake_engine == []
    assert not (tmp_path / "cmp").exists()


def test_compare_failing_midway_leaves_no_output(fake_engine, tmp_path, capsys):
    real = fake_engine.engine.simulate

    def flaky(scenario, seed, scale, progress):
        if scenario.name == "toy-circular":
            raise ScenarioError("must be in (0, 1]. Got 7 instead.", field="scale")
        return real(scenario, seed, scale, progress)

    engine = dataclasses.replace(fake_engine.engine, simulate=flaky)
    assert main(["compare", "toy-temporary", "toy-circular", "--out", "cmp", "--workers", "1"], engine=engine) == 2
    assert "--scale must be in" in _one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "cmp").exists()


def test_compare_of_embedded_and_calibrated_scenarios_is_refused(fake_engine, tmp_path, capsys):
    def load(ref, overrides, start, end):
        sc = fake_load(ref, overrides, start, end)
        sc.behaviour_defaults = "calibrated-japan" if ref == "toy-circular" else "embedded"
        return sc

    engine = dataclasses.replace(fake_engine.engine, load=load)
    assert main(["compare", "toy-temporary", "toy-circular", "--out", "cmp", "--workers", "1"], engine=engine) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "must share behaviour_defaults" in err and "toy-temporary" in err and "toy-circular" in err
    assert fake_engine == []
    assert not (tmp_path / "cmp").exists()


def test_api_run_without_out_writes_nothing(fake_engine, tmp_path):
    summary = coexist.run("toy-temporary", seed=2, engine=fake_engine.engine)
    assert summary.folder is None and summary.name == "toy-temporary"
    assert summary.metrics["host.fill_rate"] == pytest.approx(0.9)
    assert list(tmp_path.iterdir()) == []


def test_api_compare_progress_counts_all_runs(fake_engine, tmp_path):
    seen = []
    result = coexist.compare(
        ["toy-temporary", "toy-circular"],
        out=tmp_path / "c",
        replicates=2,
        workers=1,
        progress=lambda d, t: seen.append((d, t)),
        engine=fake_engine.engine,
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    folders = sorted(p.name for p in (tmp_path / "c").iterdir() if p.is_dir())
    assert folders == ["tables", "toy-circular", "toy-temporary"]
    assert (tmp_path / "c" / "tables" / "headline.csv").is_file()  # the report's tables beside it
    assert result.report == tmp_path / "c" / "report.html"


@pytest.mark.parametrize("scale", [0, -1, float("nan"), 1.5, "abc"])
def test_api_rejects_bad_scale(fake_engine, scale):
    with pytest.raises(ScenarioError, match="'scale' must be a number in"):
        coexist.run("toy-temporary", scale=scale, engine=fake_engine.engine)
    assert fake_engine == []


def test_api_rejects_bad_seed(fake_engine):
    with pytest.raises(ScenarioError, match="'seed'"):
        coexist.run("toy-temporary", seed=-1, engine=fake_engine.engine)


def test_compare_into_a_folder_that_is_not_a_comparison_is_refused(fake_engine, tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    args = ["compare", "toy-temporary", "toy-circular", "--replicates", "1", "--workers", "1"]
    assert main([*args, "--out", "mine"], engine=fake_engine.engine) == 2
    assert "holds no comparison" in _one_line_error(capsys.readouterr().err)
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
    assert fake_engine == []
    # an earlier comparison is replaced
    assert main([*args, "--out", "cmp"], engine=fake_engine.engine) == 0
    assert main([*args, "--out", "cmp"], engine=fake_engine.engine) == 0


def test_library_errors_name_the_flag_on_the_command_line(fake_engine, capsys):
    def refuse(scenario, seed, scale, progress):
        raise ScenarioError("must be larger. Got 1e-09 instead.", field="scale")

    engine = dataclasses.replace(fake_engine.engine, simulate=refuse)
    assert main(["run", "toy-circular", "--scale", "1e-9"], engine=engine) == 2
    assert _one_line_error(capsys.readouterr().err) == "coexist: error: --scale must be larger. Got 1e-09 instead."


def test_seed_beyond_the_engine_range_is_one_line(tmp_path, capsys):
    assert main(["run", "japan-circular", "--seed", str(2**63), "--out", str(tmp_path / "r")]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "--seed" in line and str(2**63) in line and str(2**63 - 1) in line
    with pytest.raises(ScenarioError, match="'seed'"):
        coexist.run("japan-circular", seed=2**63)
    assert list(tmp_path.iterdir()) == []


def test_scale_that_gives_no_agent_is_one_line(tmp_path, capsys):
    # even on a machine whose kernels are still to compile, the error comes before any notice
    cold = dataclasses.replace(api.ENGINE, needs_compiling=lambda: True)
    assert main(["run", "japan-circular", "--scale", "1e-9", "--out", str(tmp_path / "r")], engine=cold) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith("coexist: error: --scale is too small") and "gives no agent" in line
    assert list(tmp_path.iterdir()) == []


def test_scenario_file_that_is_not_utf8_or_a_folder_is_one_line(tmp_path, capsys):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    assert main(["run", str(binary), "--out", str(tmp_path / "r1")]) == 2
    assert "must be UTF-8 text" in _one_line_error(capsys.readouterr().err)
    assert main(["run", str(tmp_path), "--out", str(tmp_path / "r2")]) == 2
    assert _one_line_error(capsys.readouterr().err).startswith("coexist: error: scenario file")
    assert not (tmp_path / "r1").exists() and not (tmp_path / "r2").exists()


def test_runs_reports_a_corrupt_metrics_file(fake_engine, tmp_path, capsys):
    assert main(["run", "toy-circular", "--out", "runs/good"], engine=fake_engine.engine) == 0
    assert main(["run", "toy-temporary", "--out", "runs/bad"], engine=fake_engine.engine) == 0
    (tmp_path / "runs" / "bad" / "metrics.json").write_text("{not json", encoding="utf-8")
    capsys.readouterr()
    assert main(["runs", "runs"]) == 0
    out = capsys.readouterr().out
    assert "warning: runs/bad: metrics.json is not valid JSON" in out
    assert "runs/good" not in "".join(line for line in out.splitlines() if line.startswith("warning"))
    rows = {row["scenario"]: row for row in api.runs(["runs"])}
    assert rows["toy-circular"]["problem"] is None
    assert rows["toy-temporary"]["problem"].startswith("metrics.json is not valid JSON")


def test_scenarios_lists_whole_descriptions(capsys):
    assert main(["scenarios"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name, description in api.scenarios():
        assert name in text
        assert " ".join(description.split()) in text  # not cut after its first line
    assert "reintegration support." in text  # the last words of japan-circular's description


def test_scenarios_show_prints_the_resolved_scenario_as_toml(tmp_path, capsys):
    assert main(["scenarios", "show", "japan-circular", "--set", "programme.recognition_coverage=0.3"]) == 0
    shown = capsys.readouterr().out
    path = tmp_path / "shown.toml"
    path.write_text(shown, encoding="utf-8")
    again = load_scenario(str(path))
    assert again.programme.recognition_coverage == 0.3
    wanted = load_scenario("japan-circular", overrides=["programme.recognition_coverage=0.3"])
    assert scenario_hash(again) == scenario_hash(wanted)


def test_scenarios_show_of_an_unknown_scenario_is_one_line(capsys):
    assert main(["scenarios", "show", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such scenario file or shipped scenario: 'nope'" in err
