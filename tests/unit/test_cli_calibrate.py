"""``coexist calibrate``: bad input is exit 2 and one line on stderr, before anything runs or is written."""

from __future__ import annotations

import pytest

from coexist.calibration.targets import TARGET_COLUMNS
from coexist.cli.main import main

_HEADER = ",".join(TARGET_COLUMNS) + "\n"


def _one_line(text: str) -> str:
    lines = text.strip("\n").split("\n")
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


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
def test_bad_input_is_one_line(args, fragment, tmp_path, monkeypatch, capsys):
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
    assert fragment in _one_line(captured.err)
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no calibration folder
