"""``coexist calibrate``: bad input is exit 2 and one line on stderr, before anything runs or is written; the
summary it prints."""

from __future__ import annotations

from types import SimpleNamespace

import pyarrow as pa
import pytest

from coexist import api
from coexist.calibration.targets import TARGET_COLUMNS
from coexist.cli.main import main
from coexist.data import parameters
from coexist.testing.cli import one_line

_HEADER = ",".join(TARGET_COLUMNS) + "\n"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--targets", "missing.csv"], "targets file 'missing.csv' does not exist"),
        (["--targets", "folder"], "targets file 'folder' must be a file. Got a folder instead"),
        (["--targets", "binary.bin"], "targets file 'binary.bin' must be UTF-8 text"),
        (["--targets", "latin1.csv"], "targets file 'latin1.csv' must be UTF-8 text"),
        (["--targets", "bad_column.csv"], "unknown column(s) colour"),
        (
            ["--targets", "t.csv", "--particles", "8", "--budget", "4"],
            "error: --budget must be at least particles (8). Got 4",
        ),
        (["--targets", "t.csv", "--particles", "1"], "error: --particles must be at least 2. Got 1 instead."),
        (["--targets", "t.csv", "--param", "stranded_intern_hazard"], "unknown parameter(s) 'stranded_intern_hazard'"),
        (["--targets", "t.csv", "--workers", "0"], "--workers"),
        (["--targets", "t.csv", "--out", "taken"], "output folder taken must be a folder. Got a file instead"),
        (["--targets", "t.csv", "--set", "population.nonsense=1"], "nonsense"),
    ],
)
def test_bad_input_isone_line(args, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.csv").write_text(
        _HEADER + "titp_stock,test,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n", encoding="utf-8"
    )
    (tmp_path / "folder").mkdir()
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)))
    (tmp_path / "latin1.csv").write_bytes(
        (_HEADER + "titp_stock,Ministère,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n").encode("latin-1")
    )
    (tmp_path / "bad_column.csv").write_text(_HEADER.replace("notes", "colour"), encoding="utf-8")
    (tmp_path / "taken").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["calibrate", "japan-temporary", *args]) == 2
    captured = capsys.readouterr()
    assert fragment in one_line(captured.err)
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no calibration folder


def _tiny_engine_run(scenario, seed, scale, progress):
    """A stand-in for the engine: a run with one month of 1,000 interns (enough for the fit row)."""
    empty = {"month": pa.array([], pa.string()), "origin": pa.array([], pa.string())}
    return SimpleNamespace(
        stocks=pa.table({"month": ["2025-06"], "status": ["titp"], "origin": ["VNM"], "persons": [1000.0]}),
        flows=pa.table({**empty, "flow": pa.array([], pa.string()), "status_from": pa.array([], pa.string()),
                        "status_to": pa.array([], pa.string()), "persons": pa.array([], pa.float64())}),
        measures=pa.table({**empty, "measure": pa.array([], pa.string()), "value": pa.array([], pa.float64())}),
    )


def test_the_summary_counts_the_parameters_left_at_their_priors(tmp_path, capsys):
    targets = tmp_path / "t.csv"
    targets.write_text(_HEADER + "titp_stock,test,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n",
                       encoding="utf-8")
    args = ["calibrate", "japan-temporary", "--targets", str(targets), "--param", "abscond_base", "--particles", "2",
            "--budget", "2", "--workers", "1", "--out", str(tmp_path / "cal")]
    assert main(args, engine=api.Engine(simulate=_tiny_engine_run)) == 0
    printed = capsys.readouterr().out
    others = len(parameters()) - 1
    assert f"not fitted (prior only, listed in prior_posterior.csv): {others} behavioural parameter(s)" in printed
