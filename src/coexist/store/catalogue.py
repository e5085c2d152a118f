"""A catalogue of past runs: every run folder under some roots, as DuckDB views.

>>> from coexist.store import catalogue
>>> con = catalogue.connect(["runs", "results"])                       # doctest: +SKIP
>>> con.sql('SELECT scenario, seed, "host.fill_rate" FROM runs ORDER BY created').show()   # doctest: +SKIP
>>> con.sql("SELECT r.scenario, s.month, sum(s.persons) FROM stocks s JOIN runs r ON s.run = r.folder "
...         "WHERE s.status = 'irregular' GROUP BY ALL ORDER BY ALL").fetchall()  # doctest: +SKIP
>>> catalogue.list_runs(["runs"], sort="-created", limit=5)            # doctest: +SKIP

Views of the connection returned by :func:`connect`:

``runs``
    One row per run folder: ``folder`` (the path as found under its root), ``scenario``,
    ``hash`` (first 12 characters of the scenario hash), ``scenario_hash`` (all of it),
    ``seed``, ``scale``, ``start``, ``end``, ``created`` (UTC timestamp), ``engine_seconds``,
    ``total_seconds``, ``agents``, ``version`` (of coexist), ``problem`` (NULL, or what is
    wrong with the folder's run.json or metrics.json: missing, not JSON...), then one column per headline
    metric (``coexist.metrics.headline_metrics()``, plus ``index.balance`` when some run
    has it), named as in metrics.json (quote them in SQL: ``"host.fill_rate"``). A value
    a run lacks is NULL.
``metrics``
    Every metric of every run, long: ``run``, ``metric``, ``value``.
``stocks``, ``flows``, ``demand``, ``measures``
    The Parquet tables of all runs, read in place, with a ``run`` column equal to
    ``runs.folder``.

A run folder is any folder holding ``run.json``; folders whose name starts with a dot
(the store's temporary ``.x.partial-...`` folders, ``.git``) are not searched.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, STOCK_SCHEMA
from coexist.metrics import METRICS, format_value, headline_metrics
from coexist.store.run_folder import TABLES, StoreError

__all__ = [
    "DEFAULT_ROOTS",
    "DEFAULT_SORT",
    "CatalogueError",
    "find_runs",
    "connect",
    "list_runs",
    "run_columns",
    "render",
    "FORMATS",
]

DEFAULT_ROOTS: tuple[str, ...] = ("runs", "results")
DEFAULT_SORT = "-created"
SHORT_HASH = 12
# Metrics listed when present even if the registry does not mark them headline.
EXTRA_METRICS: tuple[str, ...] = ("index.balance",)

_BASE_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("folder", pa.string()),
    ("scenario", pa.string()),
    ("hash", pa.string()),
    ("scenario_hash", pa.string()),
    ("seed", pa.int64()),
    ("scale", pa.float64()),
    ("start", pa.string()),
    ("end", pa.string()),
    ("created", pa.timestamp("s")),
    ("engine_seconds", pa.float64()),
    ("total_seconds", pa.float64()),
    ("agents", pa.int64()),
    ("version", pa.string()),
    ("problem", pa.string()),
)


class CatalogueError(StoreError):
    """The catalogue cannot be built: a missing root, an unknown sort field, unreadable files."""


# -- discovery ---------------------------------------------------------------------------------
def _roots(roots: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None) -> tuple[list[Path], bool]:
    """(roots, explicit). Default roots that do not exist are skipped; given ones are errors."""
    if roots is None:
        return [Path(r) for r in DEFAULT_ROOTS], False
    if isinstance(roots, (str, os.PathLike)):
        roots = [roots]
    paths = [Path(r) for r in roots]
    if not paths:
        return [Path(r) for r in DEFAULT_ROOTS], False
    return paths, True


def find_runs(roots: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None) -> list[Path]:
    """Run folders (holding run.json) under ``roots``, searched recursively, each once.

    Parameters
    ----------
    roots : path or paths, optional
        Folders to search; default ``runs/`` and ``results/`` (those that exist).

    Raises
    ------
    CatalogueError
        When a root given explicitly does not exist or is not a folder.
    """
    paths, explicit = _roots(roots)
    found: list[Path] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            if explicit:
                raise CatalogueError(f"run folder root {root} does not exist. Give a folder that holds run folders.")
            continue
        if not root.is_dir():
            raise CatalogueError(f"run folder root {root} is not a folder.")
        for dirpath, dirnames, filenames in os.walk(root, onerror=None):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if "run.json" in filenames:
                folder = Path(dirpath)
                key = folder.resolve()
                if key not in seen:
                    seen.add(key)
                    found.append(folder)
                dirnames[:] = []  # a run folder holds no other runs
    return found


# -- reading one run ---------------------------------------------------------------------------
def _read_json(path: Path) -> tuple[dict[str, Any], str | None]:
    """(the JSON object in ``path``, None) or ({}, what is wrong with the file)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, f"{path.name} is missing"
    except OSError as exc:
        return {}, f"{path.name} cannot be read ({exc.strerror or exc})"
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        return {}, f"{path.name} is not valid JSON ({exc})"
    if not isinstance(doc, dict):
        return {}, f"{path.name} does not hold a JSON object"
    return doc, None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _int(value: Any) -> int | None:
    v = _num(value)
    return int(v) if v is not None and v == int(v) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _created(value: Any) -> _dt.datetime | None:
    """run.json's ISO time as a naive UTC datetime."""
    if not isinstance(value, str):
        return None
    try:
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(_dt.UTC).replace(tzinfo=None)
    return t.replace(microsecond=0)


def _describe(folder: Path) -> tuple[dict[str, Any], dict[str, float | None]]:
    run, run_problem = _read_json(folder / "run.json")
    scen = run.get("scenario") if isinstance(run.get("scenario"), dict) else {}
    wall = run.get("wall_seconds") if isinstance(run.get("wall_seconds"), dict) else {}
    package = run.get("package") if isinstance(run.get("package"), dict) else {}
    digest = _text(scen.get("hash"))
    row = {
        "folder": str(folder),
        "scenario": _text(scen.get("name")),
        "hash": digest[:SHORT_HASH] if digest else None,
        "scenario_hash": digest,
        "seed": _int(run.get("seed")),
        "scale": _num(run.get("scale")),
        "start": _text(run.get("start") or scen.get("start")),
        "end": _text(run.get("end") or scen.get("end")),
        "created": _created(run.get("created")),
        "engine_seconds": _num(wall.get("engine")),
        "total_seconds": _num(wall.get("total")),
        "agents": _int(run.get("agents")),
        "version": _text(package.get("version")),
    }
    doc, metrics_problem = _read_json(folder / "metrics.json")
    values = doc.get("metrics")
    if not isinstance(values, dict):
        metrics_problem = metrics_problem or "metrics.json holds no \"metrics\" table"
        values = {}
    problems = [p for p in (run_problem, metrics_problem) if p]
    row["problem"] = "; ".join(problems) if problems else None
    return row, {str(k): _num(v) for k, v in values.items()}


def _headline_names() -> list[str]:
    return [m.name for m in headline_metrics()]


def run_columns(metric_names: Iterable[str] = ()) -> list[str]:
    """Columns of the ``runs`` view, given the metric names found in the runs."""
    present = set(metric_names)
    headline = _headline_names()
    extra = [m for m in EXTRA_METRICS if m in present and m not in headline]
    return [name for name, _ in _BASE_FIELDS] + extra + headline


# -- the connection ----------------------------------------------------------------------------
def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _runs_tables(folders: Sequence[Path]) -> tuple[pa.Table, pa.Table]:
    rows, metric_rows, names = [], [], []
    for folder in folders:
        row, metrics = _describe(folder)
        rows.append((row, metrics))
        for name, value in metrics.items():
            metric_rows.append({"run": row["folder"], "metric": name, "value": value})
            names.append(name)
    columns = run_columns(names)
    metric_cols = columns[len(_BASE_FIELDS):]
    schema = pa.schema(list(_BASE_FIELDS) + [(m, pa.float64()) for m in metric_cols])
    data = [{**row, **{m: metrics.get(m) for m in metric_cols}} for row, metrics in rows]
    runs = pa.Table.from_pylist(data, schema=schema)
    metrics_table = pa.Table.from_pylist(
        metric_rows, schema=pa.schema([("run", pa.string()), ("metric", pa.string()), ("value", pa.float64())])
    )
    return runs, metrics_table


def _empty_schema(name: str) -> pa.Schema:
    return {"stocks": STOCK_SCHEMA, "flows": FLOW_SCHEMA, "demand": DEMAND_SCHEMA, "measures": MEASURE_SCHEMA}[name]


def _connect(folders: Sequence[Path], *, tables: bool) -> Any:
    import duckdb  # third-party and slow to import; only the catalogue's connection needs it

    runs, metrics = _runs_tables(folders)
    con = duckdb.connect(":memory:")
    con.register("_coexist_runs_arrow", runs)
    con.register("_coexist_metrics_arrow", metrics)
    con.execute("CREATE TABLE _coexist_runs AS SELECT * FROM _coexist_runs_arrow")
    con.execute("CREATE TABLE _coexist_metrics AS SELECT * FROM _coexist_metrics_arrow")
    con.unregister("_coexist_runs_arrow")
    con.unregister("_coexist_metrics_arrow")
    con.execute("CREATE VIEW runs AS SELECT * FROM _coexist_runs")
    con.execute("CREATE VIEW metrics AS SELECT * FROM _coexist_metrics")
    if not tables:
        return con
    for name in TABLES:
        files = [folder / f"{name}.parquet" for folder in folders if (folder / f"{name}.parquet").is_file()]
        if not files:
            con.register(f"_coexist_{name}_empty", _empty_schema(name).empty_table())
            con.execute(f"CREATE VIEW {name} AS SELECT *, CAST(NULL AS VARCHAR) AS run FROM _coexist_{name}_empty")
            continue
        # read_parquet's filename is the path exactly as listed; a small table maps it to runs.folder.
        con.register(f"_coexist_{name}_files_arrow", pa.table({"filename": [str(f) for f in files],
                                                                "run": [str(f.parent) for f in files]}))
        con.execute(f"CREATE TABLE _coexist_{name}_files AS SELECT * FROM _coexist_{name}_files_arrow")
        con.unregister(f"_coexist_{name}_files_arrow")
        listing = ", ".join(_sql_text(str(f)) for f in files)
        try:
            con.execute(
                f"CREATE VIEW {name} AS SELECT t.* EXCLUDE (filename), f.run "
                f"FROM read_parquet([{listing}], filename = true, union_by_name = true) AS t "
                f"JOIN _coexist_{name}_files AS f ON t.filename = f.filename"
            )
        except duckdb.Error as exc:
            con.close()
            raise CatalogueError(f"cannot read the {name} tables of the runs: {exc}") from None
    return con


def connect(roots: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None) -> Any:
    """A DuckDB connection (in memory) with the views ``runs``, ``metrics``, ``stocks``,
    ``flows``, ``demand`` and ``measures`` over the run folders under ``roots``.

    Parameters
    ----------
    roots : path or paths, optional
        Folders searched recursively for run folders; default ``runs/`` and ``results/``.

    Returns
    -------
    duckdb.DuckDBPyConnection
        Query it with SQL: ``con.sql("SELECT * FROM runs").fetchall()`` (or ``.arrow()``).

    Raises
    ------
    CatalogueError
        A root given explicitly does not exist, or a Parquet table cannot be read.
    """
    return _connect(find_runs(roots), tables=True)


def _order(sort: str, columns: Sequence[str]) -> str:
    text = (sort or DEFAULT_SORT).strip()
    descending = text.startswith("-")
    field = text[1:] if descending else text
    if field not in columns:
        raise CatalogueError(
            f"unknown sort field {field!r}. Choose one of: {', '.join(columns)} (prefix '-' for descending)."
        )
    return f"{_quote(field)} {'DESC' if descending else 'ASC'} NULLS LAST, folder ASC"


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def list_runs(
    roots: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    *,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The runs under ``roots``, one dict per run with the columns of the ``runs`` view.

    Parameters
    ----------
    roots : path or paths, optional
        Default ``runs/`` and ``results/``.
    sort : str
        A column of the ``runs`` view, ascending; prefix ``-`` for descending
        (default ``-created``, newest first). Missing values come last.
    limit : int, optional
        At most this many runs (after sorting).

    Returns
    -------
    list of dict
        ``created`` as ISO text in UTC ("...Z"), missing values as None.

    Raises
    ------
    CatalogueError
        A root given explicitly does not exist, the sort field is unknown or the limit
        is not a whole number >= 1.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise CatalogueError(f"limit must be a whole number >= 1. Got {limit!r} instead.")
    folders = find_runs(roots)
    con = _connect(folders, tables=False)
    try:
        columns = [row[0] for row in con.execute("DESCRIBE runs").fetchall()]
        query = f"SELECT * FROM runs ORDER BY {_order(sort, columns)}"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        return [{k: _plain(v) for k, v in zip(names, row, strict=True)} for row in cursor.fetchall()]
    finally:
        con.close()


# -- text output (the ``coexist runs`` command) ---------------------------------------------------
FORMATS: tuple[str, ...] = ("table", "csv", "json")
# Metrics shown in the table format, when the runs have them (csv and json carry every column).
TABLE_METRICS: tuple[str, ...] = (
    "index.balance", "host.fill_rate", "host.irregular_end", "origin.returnee_employment_12m"
)


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "created":
        return str(value).replace("T", " ")[:16]
    if name in ("engine_seconds", "total_seconds"):
        return f"{value:.1f}"
    if name == "scale":
        return f"{value:g}"
    if isinstance(value, float):
        m = METRICS.get(name)
        return format_value(value, m.unit if m else "")
    return str(value)


def render(rows: Sequence[dict[str, Any]], fmt: str = "table", *, roots: Sequence[str] | None = None) -> str:
    """Text of :func:`list_runs` rows as an aligned table, CSV or JSON.

    An empty table is one line naming where runs were looked for; empty CSV is the header
    alone and empty JSON ``[]``.
    """
    if fmt not in FORMATS:
        raise CatalogueError(f"unknown format {fmt!r}. Choose one of: {', '.join(FORMATS)}.")
    if fmt == "json":
        return json.dumps(list(rows), indent=2, ensure_ascii=False)
    columns = list(rows[0]) if rows else run_columns()
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        return buf.getvalue().rstrip("\n")
    if not rows:
        where = ", ".join(f"{r}/" for r in (roots if roots else DEFAULT_ROOTS))
        return f"no runs found under {where}"
    shown = ["folder", "scenario", "hash", "seed", "scale", "start", "end", "created", "engine_seconds"]
    shown += [m for m in TABLE_METRICS if m in columns]
    headers = {"engine_seconds": "engine s"}
    cells = [[headers.get(c, c) for c in shown]] + [[_cell(c, row.get(c)) for c in shown] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(shown))]
    right = {i for i, c in enumerate(shown) if c in ("seed", "scale", "engine_seconds") or c in TABLE_METRICS}
    lines = []
    for line in cells:
        parts = [v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    # a damaged run is listed, and said to be damaged: blank metrics alone would read as "not computed"
    lines += [
        f"warning: {row.get('folder')}: {row['problem']}; the values it should give are blank"
        for row in rows
        if row.get("problem")
    ]
    return "\n".join(lines)
