"""The run catalogue: run folders written by the real store, listed, sorted and queried with DuckDB."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from coexist.cli.main import main
from coexist.engine import simulate
from coexist.store import CatalogueError, catalogue, list_runs, write_run
from coexist.testing import tiny_world

SHORT = ['horizon.end="2026-06"']

# (folder under the root, base scenario, seed, created time written into run.json)
RUNS = [
    ("runs/temporary-1", "japan-temporary", 1, "2026-01-01T10:00:00+00:00"),
    ("runs/temporary-2", "japan-temporary", 2, "2026-01-03T10:00:00+00:00"),
    ("results/cmp/circular", "japan-circular", 3, "2026-01-02T10:00:00+00:00"),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Three real (short, tiny) runs under one root, with distinct creation times."""
    base = tmp_path_factory.mktemp("catalogue")
    for rel, scenario_name, seed, created in RUNS:
        scenario = tiny_world(scenario_name, overrides=SHORT)
        result = simulate(scenario, seed=seed)
        folder = write_run(base / rel, result, scenario, wall_seconds_total=result.wall_seconds + 0.5)
        run = json.loads((folder / "run.json").read_text())
        run["created"] = created  # the writer stamps "now"; give each run its own time
        (folder / "run.json").write_text(json.dumps(run))
    # Not runs: a stray file, a folder without run.json, a half-written folder of the store.
    (base / "results" / "cmp" / "report.html").write_text("<html></html>")
    (base / "results" / "notes").mkdir()
    partial = base / "runs" / ".temporary-9.partial-abcd1234"
    partial.mkdir()
    (partial / "run.json").write_text("{}")
    return base


def _by_seed(rows):
    return {row["seed"]: row for row in rows}


def test_find_runs_lists_run_folders_only(root):
    found = sorted(p.relative_to(root).as_posix() for p in catalogue.find_runs([root]))
    assert found == sorted(rel for rel, *_ in RUNS)
    # the same run reached through two roots is listed once
    assert len(catalogue.find_runs([root, root / "runs"])) == 3
    # a root that is itself a run folder
    assert catalogue.find_runs(root / "runs" / "temporary-1") == [root / "runs" / "temporary-1"]


def test_list_runs_reads_provenance_and_metrics(root):
    rows = _by_seed(list_runs([root]))
    assert sorted(rows) == [1, 2, 3]
    for rel, scenario_name, seed, created in RUNS:
        row = rows[seed]
        folder = root / rel
        run = json.loads((folder / "run.json").read_text())
        metrics = json.loads((folder / "metrics.json").read_text())["metrics"]
        assert row["folder"] == str(folder)
        assert row["scenario"] == scenario_name == run["scenario"]["name"]
        assert row["scenario_hash"] == run["scenario"]["hash"]
        assert row["hash"] == run["scenario"]["hash"][:12] and len(row["hash"]) == 12
        assert (row["start"], row["end"]) == ("2025-01", "2026-06")
        assert row["scale"] == run["scale"]
        assert row["created"] == created.replace("+00:00", "Z")
        assert row["engine_seconds"] == pytest.approx(run["wall_seconds"]["engine"])
        assert row["total_seconds"] == pytest.approx(run["wall_seconds"]["engine"] + 0.5)
        assert row["agents"] == run["agents"] > 0
        for name in ("host.fill_rate", "host.irregular_end", "origin.returnee_employment_12m"):
            expected = metrics[name]
            assert (row[name] is None) if expected is None else row[name] == pytest.approx(expected), name
    assert rows[1]["scenario_hash"] == rows[2]["scenario_hash"] != rows[3]["scenario_hash"]
    assert rows[1]["host.fill_rate"] != rows[2]["host.fill_rate"]  # different seeds, different runs


def test_sort_and_limit(root):
    assert [r["seed"] for r in list_runs([root])] == [2, 3, 1]  # default: newest first
    assert [r["seed"] for r in list_runs([root], sort="created")] == [1, 3, 2]
    assert [r["seed"] for r in list_runs([root], sort="seed")] == [1, 2, 3]
    assert [r["seed"] for r in list_runs([root], sort="-seed", limit=2)] == [3, 2]
    fill = [r["host.fill_rate"] for r in list_runs([root], sort="-host.fill_rate")]
    assert fill == sorted(fill, reverse=True) and len(fill) == 3
    assert [r["scenario"] for r in list_runs([root], sort="scenario", limit=1)] == ["japan-circular"]


def test_missing_metrics_are_empty_and_index_balance_is_listed(tmp_path, root):
    import shutil

    for rel, *_ in RUNS[:2]:
        shutil.copytree(root / rel, tmp_path / rel)
    doc_path = tmp_path / RUNS[0][0] / "metrics.json"
    doc = json.loads(doc_path.read_text())
    doc["metrics"]["index.balance"] = 0.42
    del doc["metrics"]["host.fill_rate"]
    doc_path.write_text(json.dumps(doc))
    other_path = tmp_path / RUNS[1][0] / "metrics.json"
    other = json.loads(other_path.read_text())
    other["metrics"].pop("index.balance", None)
    other_path.write_text(json.dumps(other))

    rows = _by_seed(list_runs([tmp_path], sort="-host.fill_rate"))
    assert rows[1]["index.balance"] == pytest.approx(0.42)
    assert rows[2]["index.balance"] is None
    assert rows[1]["host.fill_rate"] is None and rows[2]["host.fill_rate"] is not None
    # missing values sort last in either direction
    assert [r["seed"] for r in list_runs([tmp_path], sort="-host.fill_rate")] == [2, 1]
    assert [r["seed"] for r in list_runs([tmp_path], sort="host.fill_rate")] == [2, 1]


def test_duckdb_views_match_the_parquet_files(root):
    con = catalogue.connect([root])
    try:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
        sums = dict(con.execute("SELECT run, sum(persons) FROM stocks GROUP BY run").fetchall())
        assert len(sums) == 3
        for rel, *_ in RUNS:
            folder = root / rel
            expected = pc.sum(pq.read_table(folder / "stocks.parquet")["persons"]).as_py()
            assert sums[str(folder)] == pytest.approx(expected, rel=1e-12)
            assert expected > 0
        n_flows = con.execute("SELECT count(*) FROM flows").fetchone()[0]
        assert n_flows == sum(pq.read_metadata(root / rel / "flows.parquet").num_rows for rel, *_ in RUNS)
        # stocks join runs on run = folder; the columns of the files are kept, filename is not
        joined = dict(con.execute(
            "SELECT r.seed, sum(s.persons) FROM stocks s JOIN runs r ON s.run = r.folder GROUP BY r.seed"
        ).fetchall())
        assert joined[3] == pytest.approx(sums[str(root / RUNS[2][0])])
        cols = [c[0] for c in con.execute("DESCRIBE stocks").fetchall()]
        assert cols == ["month", "status", "origin", "sector", "persons", "run"]
        # the long metrics view holds every metric of every run
        value = con.execute(
            "SELECT value FROM metrics WHERE run = ? AND metric = 'host.fill_rate'", [str(root / RUNS[0][0])]
        ).fetchone()[0]
        written = json.loads((root / RUNS[0][0] / "metrics.json").read_text())["metrics"]
        assert value == pytest.approx(written["host.fill_rate"])
    finally:
        con.close()


def test_empty_catalogue_views_exist(tmp_path):
    con = catalogue.connect([tmp_path])
    try:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM stocks").fetchone()[0] == 0
        assert "run" in [c[0] for c in con.execute("DESCRIBE flows").fetchall()]
    finally:
        con.close()
    assert list_runs([tmp_path]) == []


def test_default_roots_are_runs_and_results(root, monkeypatch):
    monkeypatch.chdir(root)
    rows = list_runs()
    assert sorted(r["folder"] for r in rows) == sorted(str(Path(rel)) for rel, *_ in RUNS)


def test_bad_input_raises(root, tmp_path):
    with pytest.raises(CatalogueError, match="does not exist"):
        list_runs([tmp_path / "nowhere"])
    with pytest.raises(CatalogueError, match="unknown sort field 'colour'"):
        list_runs([root], sort="colour")
    with pytest.raises(CatalogueError, match="limit"):
        list_runs([root], limit=0)
    with pytest.raises(CatalogueError, match="does not exist"):
        catalogue.connect([tmp_path / "nowhere"])


# -- the command -------------------------------------------------------------------------------
def test_cli_table(root, capsys):
    assert main(["runs", str(root), "--sort", "seed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["folder", "scenario", "hash", "seed"]
    assert "host.fill_rate" in lines[0]
    assert set(lines[1]) <= {"-", " "}
    body = lines[2:]
    assert len(body) == 3
    assert [line.split()[1] for line in body] == ["japan-temporary", "japan-temporary", "japan-circular"]
    assert [line.split()[3] for line in body] == ["1", "2", "3"]
    assert body[0].startswith(str(root / RUNS[0][0]))
    assert "2026-01-01 10:00" in body[0]


def test_cli_json_and_csv(root, capsys):
    assert main(["runs", str(root), "--format", "json", "--sort=-seed", "--limit", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["seed"] for r in rows] == [3, 2]
    assert rows[0]["scenario"] == "japan-circular"
    assert isinstance(rows[0]["host.fill_rate"], float) and not math.isnan(rows[0]["host.fill_rate"])

    assert main(["runs", str(root), "--format", "csv", "--sort", "seed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    assert header[:5] == ["folder", "scenario", "hash", "scenario_hash", "seed"]
    assert len(lines) == 4
    assert [line.split(",")[header.index("seed")] for line in lines[1:]] == ["1", "2", "3"]


def test_cli_empty_catalogue(tmp_path, capsys, monkeypatch):
    assert main(["runs", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"no runs found under {tmp_path}/"
    assert out.err == ""
    assert main(["runs", str(tmp_path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    monkeypatch.chdir(tmp_path)  # neither runs/ nor results/ exists: still not an error
    assert main(["runs"]) == 0
    assert capsys.readouterr().out.strip() == "no runs found under runs/, results/"


@pytest.mark.parametrize(
    "args, message",
    [
        (["runs", "{missing}"], "does not exist"),
        (["runs", "{root}", "--sort", "colour"], "unknown sort field 'colour'"),
        (["runs", "{root}", "--limit", "0"], "--limit"),
        (["runs", "{root}", "--format", "xml"], "--format"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(root, tmp_path, capsys, args, message):
    argv = [a.format(root=root, missing=tmp_path / "missing") for a in args]
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert len(out.err.strip().splitlines()) == 1
    assert message in out.err
