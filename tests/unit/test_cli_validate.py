"""``coexist validate``: a real run at a tiny scale, and its input errors."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from coexist import api
from coexist.calibration.validation import CSV_COLUMNS, _with_params
from coexist.cli.main import build_parser, main
from coexist.errors import CoexistError, ScenarioError
from coexist.experiments import replicate_seed
from coexist.scenario import load_scenario, scenario_hash
from coexist.testing.cli import one_line, run_cli


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """japan-history at scale 0.002 to the end of 2023, two replicates, with a params file."""
    root = tmp_path_factory.mktemp("validate")
    params = root / "best.toml"
    params.write_text("# as written by coexist calibrate\n[behaviour]\nabscond_base = 0.0015\n", encoding="utf-8")
    proc = run_cli("validate", "--scale", "0.002", "--replicates", "2", "--workers", "1", "--seed", "3",
                   "--params", str(params), "--set", 'horizon.end="2023-12"', "--out", "val", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root, proc, params


def test_validate_writes_the_report_the_table_and_the_provenance(validated):
    root, proc, params = validated
    folder = root / "val"
    assert sorted(p.name for p in folder.iterdir()) == ["simulated_targets.csv", "validation.csv", "validation.html",
                                                        "validation.json"]
    assert "held-out ARD over" in proc.stdout and f"wrote {Path('val')}/" in proc.stdout
    rows = list(csv.DictReader((folder / "validation.csv").open(encoding="utf-8")))
    assert tuple(rows[0]) == CSV_COLUMNS and rows[-1]["series"] == "overall"
    by_name = {r["series"]: r for r in rows}
    # the run ends in 2023-12: 2023 rows are scored, the 2024 ones are left out
    assert float(by_name["mhlw_workers_total"]["ard_validate_model"]) >= 0
    assert by_name["ssw2_holders"]["ard_validate_model"] == ""  # 2024-06 and 2024-12 only
    assert by_name["mhlw_workers_total"]["best"] in ("model", "persistence", "trend")
    doc = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    prov = doc["provenance"]
    assert prov["replicate_seeds"] == [replicate_seed(3, 0), replicate_seed(3, 1)]
    assert prov["scale"] == 0.002 and prov["replicates"] == 2 and prov["horizon"] == "2017-01 to 2023-12"
    assert prov["params"]["behaviour"] == {"abscond_base": 0.0015} and len(prov["params"]["sha256"]) == 64
    assert prov["targets"]["path"].endswith("(shipped)") and prov["targets"]["validate_rows"] == 64
    expected = load_scenario("japan-history", overrides=['horizon.end="2023-12"', "behaviour.abscond_base=0.0015"],
                             scale=0.002)
    assert prov["scenario_hash"] == scenario_hash(expected)  # the params are in the scenario that ran
    assert doc["overall"]["n_series"] > 10 and len(doc["overall"]["ard_validate_model_by_replicate"]) == 2
    html = (folder / "validation.html").read_text(encoding="utf-8")
    assert html.count('class="plotly-graph-div"') == len(rows) - 1
    assert "best.toml" in html
    sim = list(csv.DictReader((folder / "simulated_targets.csv").open(encoding="utf-8")))
    assert {r["replicate"] for r in sim} == {"0", "1"} and len(sim) == 2 * 183


def test_help():
    proc = run_cli("validate", "--help", timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: coexist validate")
    assert "--params FILE" in proc.stdout and "japan-history" in proc.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["nope-scenario"], "no such scenario file or shipped scenario: 'nope-scenario'"),
        (["--targets", "missing.csv"], "targets file 'missing.csv' does not exist"),
        (["--targets", "folder"], "targets file 'folder' must be a file. Got a folder instead"),
        (["--targets", "binary.bin"], "targets file 'binary.bin' must be UTF-8 text"),
        (["--params", "missing.toml"], "params file 'missing.toml' does not exist"),
        (["--params", "folder"], "params file 'folder' must be a file. Got a folder instead"),
        (["--params", "binary.bin"], "params file 'binary.bin' must be UTF-8 text"),
        (["--params", "typo.toml"], "unknown parameter(s) 'abscond_bas'"),
        (["--params", "typo.toml"], "params file 'typo.toml'"),
        (["--params", "broken.toml"], "not valid TOML"),
        (["--params", "recorded.toml"], "'nope-recorded'"),  # no SCENARIO: the one best.toml records
        (["--targets", "fit_only.csv"], "no row with split 'validate'"),
        (["--replicates", "0"], "--replicates"),
        (["--scale", "2"], "--scale"),
        (["--set", "population.nonsense=1"], "nonsense"),
    ],
)
def test_bad_input_is_one_line_and_runs_nothing(args, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)))
    (tmp_path / "typo.toml").write_text("[behaviour]\nabscond_bas = 0.01\n", encoding="utf-8")
    (tmp_path / "broken.toml").write_text("[behaviour\n", encoding="utf-8")
    (tmp_path / "recorded.toml").write_text('scenario = "nope-recorded"\n[behaviour]\nabscond_base = 0.001\n',
                                            encoding="utf-8")
    from importlib import resources

    shipped = (resources.files("coexist.data") / "targets.csv").read_text(encoding="utf-8").splitlines()
    reader = list(csv.reader(shipped))
    split = reader[0].index("split")
    fit_only = [reader[0]] + [r for r in reader[1:] if r[split] == "fit"]
    with (tmp_path / "fit_only.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(fit_only)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["validate", *args, "--out", "out"]) == 2
    captured = capsys.readouterr()
    assert fragment in one_line(captured.err)
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output folder
    if args[0] in ("--replicates", "--scale"):
        return  # refused by the argument parser, before the api
    # the api checks it before anything runs: the same through the library, with a stand-in engine

    def no_engine(scenario, seed, scale, progress):
        raise AssertionError("the engine ran before the input was checked")

    parsed = build_parser().parse_args(["validate", *args])
    with pytest.raises(CoexistError, match=re.escape(fragment)):
        api.validate(parsed.scenario, targets=parsed.targets, params=parsed.params, overrides=parsed.overrides,
                     workers=1, out="out", engine=api.Engine(simulate=no_engine))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_output_into_a_file_isone_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("x")
    assert main(["validate", "--out", "taken"]) == 2
    assert "output folder taken must be a folder. Got a file instead" in one_line(capsys.readouterr().err)


def test_params_file_values_are_put_in_as_calibrate_puts_them(tmp_path):
    params = tmp_path / "best.toml"
    params.write_text("[behaviour]\nabscond_base = 0.0015\napplication_rate = 0.02\n", encoding="utf-8")
    base = load_scenario("japan-history", scale=0.01)
    scenario, record = _with_params(base, params)
    assert scenario.behaviour["abscond_base"] == 0.0015 and scenario.behaviour["application_rate"] == 0.02
    assert scenario.population.scale == 0.01
    assert record["behaviour"] == {"abscond_base": 0.0015, "application_rate": 0.02}
    # a calibration's best.toml also holds the scenario's assumptions and the overrides it ran with
    params.write_text('overrides = ["population.employers_per_sector=500"]\n[behaviour]\nabscond_base = 0.001\n'
                      "[assumptions]\ndemand_growth = 0.08\n", encoding="utf-8")
    scenario, record = _with_params(base, params)
    assert scenario.demand.growth["retail"]["2017-01"] == 0.08 and scenario.population.employers_per_sector == 500
    assert record["assumptions"] == {"demand_growth": 0.08}
    assert record["overrides"] == ["population.employers_per_sector=500"]
    params.write_text("[behaviour]\nabscond_base = 'high'\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="behaviour"):
        _with_params(base, params)
