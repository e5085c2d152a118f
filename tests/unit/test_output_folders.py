"""Output folders never lose or mix a user's work.

A run folder's default name is unique to the resolved scenario and a run never replaces a
run of another scenario; a comparison refuses the same scenario twice, states a rename
when two scenarios share a name and holds only the latest comparison; every command writes
under runs/ or results/ by default; benchmarks write to an untracked file. The engine is a
fake passed as an ``api.Engine`` (as in test_cli.py), whose scenarios are files that differ
by a ``variant`` under a shared ``name``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import subprocess
from pathlib import Path

import pytest
from test_cli import FakeScenario, fake_simulate

import coexist
from coexist import api
from coexist.cli.main import build_parser, main
from coexist.errors import ScenarioError
from coexist.store import read_run
from coexist.store.run_folder import check_destination, expand_out

ROOT = Path(__file__).resolve().parents[2]

# ref -> (scenario name, variant): a copy of a scenario file that keeps its name resolves
# to another scenario; "same.toml" is another path to the scenario of "orig.toml".
FILES = {
    "orig.toml": ("toy", 1),
    "copy.toml": ("toy", 2),
    "same.toml": ("toy", 1),
    "other.toml": ("other", 1),
    "third.toml": ("third", 1),
}


def load(ref, overrides, start, end):
    if ref not in FILES:
        raise ScenarioError(f"unknown scenario {ref!r}.")
    name, variant = FILES[ref]
    scenario = FakeScenario(name, start or "2025-01", end or "2025-12")
    scenario.variant = variant
    return scenario


def describe(scenario) -> tuple[str, str]:
    text = f'name = "{scenario.name}"\nvariant = {scenario.variant}\n'
    return text, hashlib.sha256(text.encode()).hexdigest()


def short_hash(ref: str) -> str:
    return describe(load(ref, (), None, None))[1][:8]


class Engine(list):
    """The runs the fake engine made (a list), and the engine to pass (``.engine``)."""

    def __init__(self):
        super().__init__()
        self.engine = api.Engine(load=load, simulate=fake_simulate(self), describe=describe)


@pytest.fixture
def engine(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    return Engine()


def _error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip("\n").split("\n")
    assert len(lines) == 1, lines
    return lines[0]


# -- run ------------------------------------------------------------------------------------------
def test_default_run_folder_is_unique_to_the_resolved_scenario(engine, tmp_path, capsys):
    assert main(["run", "orig.toml"], engine=engine.engine) == 0
    assert main(["run", "copy.toml"], engine=engine.engine) == 0
    out = capsys.readouterr().out
    orig, copy = (Path("runs") / f"toy-{short_hash(ref)}-0" for ref in ("orig.toml", "copy.toml"))
    assert orig != copy
    assert f"wrote {orig}/" in out and f"wrote {copy}/" in out
    assert read_run(tmp_path / orig).run["scenario"]["hash"].startswith(short_hash("orig.toml"))
    assert read_run(tmp_path / copy).run["scenario"]["hash"].startswith(short_hash("copy.toml"))


def test_rerunning_the_same_scenario_and_seed_replaces_its_own_folder(engine, tmp_path):
    assert main(["run", "orig.toml", "--out", "runs/mine"], engine=engine.engine) == 0
    assert main(["run", "same.toml", "--out", "runs/mine", "--seed", "5"], engine=engine.engine) == 0
    assert read_run(tmp_path / "runs" / "mine").run["seed"] == 5
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["mine"]  # no leftovers beside it


def test_run_refuses_the_folder_of_another_scenario_before_simulating(engine, tmp_path, capsys):
    assert main(["run", "orig.toml", "--out", "runs/mine"], engine=engine.engine) == 0
    capsys.readouterr()
    assert main(["run", "copy.toml", "--out", "runs/mine"], engine=engine.engine) == 2
    line = _error_line(capsys)
    assert line.startswith(f"coexist: error: --out must be a new folder or a run of this scenario "
                           f"(hash {short_hash('copy.toml')}). Got {Path('runs/mine')} instead")
    assert f"hash {short_hash('orig.toml')}" in line
    assert len(engine) == 1
    assert read_run(tmp_path / "runs" / "mine").run["scenario"]["hash"].startswith(short_hash("orig.toml"))
    with pytest.raises(ScenarioError, match="^'out' must be a new folder") as caught:
        coexist.run("copy.toml", out="runs/mine", engine=engine.engine)
    assert caught.value.field == "out"


def test_a_run_folder_whose_run_json_is_unreadable_is_not_replaced(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "run.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ScenarioError, match="no readable hash"):
        check_destination(folder, scenario_hash="ab" * 32)
    check_destination(folder)  # without a hash, any run folder may be replaced (a comparison's own)


def test_output_path_placeholders():
    path = expand_out("runs/{name}/{hash}-s{seed}", name="my scenario/../x", scenario_hash="0123456789abcdef", seed=7)
    assert path == Path("runs/my_scenario_.._x/01234567-s7")


# -- compare --------------------------------------------------------------------------------------
COMPARE = ["--replicates", "2", "--workers", "1"]


def test_the_same_scenario_twice_is_an_error(engine, tmp_path, capsys):
    assert main(["compare", "orig.toml", "other.toml", "orig.toml", "--out", "cmp", *COMPARE],
                engine=engine.engine) == 2
    assert _error_line(capsys) == ("coexist: error: SCENARIO must name each scenario once. Got 'orig.toml' more "
                                   "than once instead: remove the repeats.")
    assert main(["compare", "orig.toml", "same.toml", "--out", "cmp", *COMPARE], engine=engine.engine) == 2
    assert "'orig.toml' and 'same.toml', the same resolved scenario" in _error_line(capsys)
    with pytest.raises(ScenarioError, match="^'scenario_refs' must name each scenario once"):
        coexist.compare(["other.toml", "other.toml"], out="cmp", workers=1, engine=engine.engine)
    assert engine == []
    assert list(tmp_path.iterdir()) == []


def test_two_scenarios_with_one_name_are_a_stated_rename(engine, tmp_path, capsys):
    assert main(["compare", "orig.toml", "copy.toml", "--out", "cmp", *COMPARE], engine=engine.engine) == 0
    out = capsys.readouterr().out
    assert f"note: copy.toml has the name of an earlier scenario; its results are labelled 'toy-2', in " \
           f"{Path('cmp') / 'toy-2'}/" in out
    assert read_run(tmp_path / "cmp" / "toy").run["scenario"]["hash"].startswith(short_hash("orig.toml"))
    assert read_run(tmp_path / "cmp" / "toy-2").run["scenario"]["hash"].startswith(short_hash("copy.toml"))
    summary = coexist.compare(["orig.toml", "copy.toml", "other.toml"], out="cmp", replicates=1, workers=1,
                              engine=engine.engine)
    assert summary.renamed == {"copy.toml": "toy-2"}
    assert [s.folder.name for s in summary.runs] == ["toy", "toy-2", "other"]


def test_a_comparison_folder_holds_only_the_latest_comparison(engine, tmp_path, capsys):
    assert main(["compare", "orig.toml", "other.toml", "--out", "cmp", *COMPARE], engine=engine.engine) == 0
    (tmp_path / "cmp" / "notes").mkdir()
    (tmp_path / "cmp" / "notes" / "run.json").write_text("{}")  # a user's folder, not listed in claims.json
    assert main(["compare", "orig.toml", "third.toml", "--out", "cmp", *COMPARE], engine=engine.engine) == 0
    folders = sorted(p.name for p in (tmp_path / "cmp").iterdir() if p.is_dir())
    assert folders == ["notes", "tables", "third", "toy"]  # tables: the CSV of the report's tables
    claims = json.loads((tmp_path / "cmp" / "claims.json").read_text())
    assert claims["settings"]["scenarios"] == ["toy", "third"]
    listed = {row["scenario"] for row in api.runs(["cmp"]) if row["problem"] is None}
    assert listed == {"toy", "third"}


# -- defaults under runs/ and results/ ----------------------------------------------------------
@pytest.mark.parametrize(
    "argv, default",
    [
        (["run", "x"], "runs/{name}-{hash}-{seed}"),
        (["compare", "x"], "results/compare"),
        (["validate"], "runs/validation"),
        (["calibrate", "x", "--targets", "t.csv"], "runs/calibration"),
    ],
)
def test_every_command_writes_under_runs_or_results_by_default(argv, default):
    assert build_parser().parse_args(argv).out == default


@pytest.mark.parametrize("function, default", [(api.validate, "runs/validation"), (api.calibrate, "runs/calibration")])
def test_library_defaults_are_under_runs(function, default):
    assert inspect.signature(function).parameters["out"].default == default


# -- benchmarks -----------------------------------------------------------------------------------
def _benchmark_runner():
    spec = importlib.util.spec_from_file_location("benchmark_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)


def test_benchmarks_write_to_an_untracked_file_unless_recording():
    runner = _benchmark_runner()
    local, recorded = runner.results_file(record=False), runner.results_file(record=True)
    assert local == ROOT / "benchmarks" / "results" / "local.jsonl"
    assert _git("check-ignore", "-q", str(local)).returncode == 0  # ignored by git
    assert recorded == ROOT / "benchmarks" / "results.jsonl"
    assert _git("ls-files", "--error-unmatch", str(recorded)).returncode == 0  # the tracked history
