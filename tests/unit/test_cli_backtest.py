"""``coexist backtest``: a real run at a tiny scale, and its input errors."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from coexist import api
from coexist.calibration.backtest import CSV_COLUMNS, backtest_scenario
from coexist.cli.main import build_parser, main
from coexist.errors import CoexistError
from coexist.experiments import replicate_seed
from coexist.scenario import scenario_hash
from coexist.testing.cli import one_line, run_cli


@pytest.fixture(scope="module")
def backtested(tmp_path_factory):
    """japan-history from both default origins at scale 0.002, two replicates."""
    root = tmp_path_factory.mktemp("backtest")
    proc = run_cli("backtest", "--scale", "0.002", "--replicates", "2", "--workers", "1", "--seed", "3",
                   "--set", "programme.detection_rate=0.03", "--out", "bt", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root, proc


def test_backtest_writes_the_report_the_table_and_the_provenance(backtested):
    root, proc = backtested
    folder = root / "bt"
    assert sorted(p.name for p in folder.iterdir()) == ["backtest.csv", "backtest.html", "backtest.json",
                                                        "simulated_targets.csv"]
    assert "from 2022-12 (2023-01 to 2023-12)" in proc.stdout and "from 2023-12 (2024-01 to 2024-12)" in proc.stdout
    assert "total within 3%" in proc.stdout and f"wrote {Path('bt')}/" in proc.stdout
    rows = list(csv.DictReader((folder / "backtest.csv").open(encoding="utf-8")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["origin"] for r in rows if r["series"] == "overall"] == ["2022-12", "2023-12"]
    by_key = {(r["origin"], r["series"]): r for r in rows}
    assert float(by_key[("2022-12", "mhlw_workers_total")]["ard_model"]) >= 0
    assert by_key[("2022-12", "mhlw_workers_total")]["n_held_out"] == "1"
    assert ("2022-12", "mhlw_workers_ssw") not in by_key  # SSW workers: 2022 and 2024 only
    assert ("2023-12", "mhlw_workers_ssw") in by_key
    doc = json.loads((folder / "backtest.json").read_text(encoding="utf-8"))
    prov = doc["provenance"]
    assert prov["replicate_seeds"] == [replicate_seed(3, 0), replicate_seed(3, 1)]
    assert prov["scale"] == 0.002 and prov["replicates"] == 2 and prov["overrides"] == ["programme.detection_rate=0.03"]
    for origin in ("2022-12", "2023-12"):
        ran = backtest_scenario("japan-history", origin, overrides=["programme.detection_rate=0.03"], scale=0.002)
        assert prov["origins"][origin]["scenario_hash"] == scenario_hash(ran)
        assert doc["origins"][origin]["checks"]["total"]["tolerance"] == 0.03
        assert len(doc["origins"][origin]["overall"]["ard_validate_model_by_replicate"]) == 2
    html = (folder / "backtest.html").read_text(encoding="utf-8")
    assert html.count('class="plotly-graph-div"') == len(rows) - 2  # one chart per origin and series
    assert "Total foreign workers" in html
    sim = list(csv.DictReader((folder / "simulated_targets.csv").open(encoding="utf-8")))
    assert {r["replicate"] for r in sim} == {"0", "1"} and {r["origin"] for r in sim} == {"2022-12", "2023-12"}
    assert all(r["simulated"] == "" for r in sim if r["role"] == "history")


def test_help():
    proc = run_cli("backtest", "--help", timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: coexist backtest")
    assert "--origin YYYY-MM" in proc.stdout and "japan-history" in proc.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--origin", "2021-12"], "--origin must be a month with official initial stocks"),
        (["--origin", "2022-1x"], "--origin must be a month written YYYY-MM"),
        (["--origin", "2024-12"], "--origin must be a month with a target row in the 12 months after it"),
        (["--origin", "2022-12", "--origin", "2022-12"], "--origin must name each month once"),
        (["nope-scenario"], "no such scenario file or shipped scenario: 'nope-scenario'"),
        (["--replicates", "0"], "--replicates"),
        (["--scale", "2"], "--scale"),
        (["--set", "population.nonsense=1"], "nonsense"),
    ],
)
def test_bad_input_is_one_line_and_runs_nothing(args, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["backtest", *args, "--out", "out"]) == 2
    captured = capsys.readouterr()
    assert fragment in one_line(captured.err)
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # no output folder
    if args[0] in ("--replicates", "--scale"):
        return  # refused by the argument parser, before the api

    def no_engine(scenario, seed, scale, progress):
        raise AssertionError("the engine ran before the input was checked")

    parsed = build_parser().parse_args(["backtest", *args])
    library = fragment.replace("--origin ", "'origins' ")
    with pytest.raises(CoexistError, match=re.escape(library)):
        api.backtest(parsed.scenario, origins=parsed.origins, overrides=parsed.overrides, workers=1, out="out",
                     engine=api.Engine(simulate=no_engine))
    assert list(tmp_path.iterdir()) == []
