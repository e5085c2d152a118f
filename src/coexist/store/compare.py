"""A comparison on disk: the tables over replicates, claims.json, report.html and the CSV
of the report's tables (in tables/) beside the run folders of replicate 0 (written by
:mod:`coexist.store.run_folder`), one per scenario, named after it. A comparison folder
holds one comparison: writing a new one removes the run folders of the previous one that
the new one does not have."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coexist.store.files import json_safe, write_text_atomic
from coexist.store.run_folder import StoreError, is_run_folder, safe_folder_name

__all__ = [
    "COMPARE_FILES",
    "is_compare_folder",
    "check_compare_destination",
    "scenario_folder_names",
    "write_compare",
    "write_series",
    "write_report",
    "REPORT_TABLES_FOLDER",
]

#: The folder beside report.html that holds the CSV of each of its tables (the report links them there).
REPORT_TABLES_FOLDER = "tables"

COMPARE_FILES: tuple[str, ...] = (
    "replicates.parquet", "parameters.parquet", "series.parquet", "claims.json", "report.html",
)

REPLICATES_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("replicate", pa.int32()), ("seed", pa.int64()), ("metric", pa.string()),
    ("value", pa.float64()),
])
PARAMETERS_SCHEMA = pa.schema([
    ("replicate", pa.int32()), ("seed", pa.int64()), ("parameter", pa.string()), ("value", pa.float64()),
])


def is_compare_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a comparison (its claims.json)."""
    return (Path(folder) / "claims.json").is_file()


def check_compare_destination(folder: str | Path) -> None:
    """Refuse a destination that is a file, or a non-empty folder that is not a comparison
    (a comparison's files are replaced; anything else is never overwritten)."""
    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise StoreError(
            f"output folder must be a folder. Got {folder}, a file, instead. Choose another output folder."
        )
    if any(folder.iterdir()) and not is_compare_folder(folder):
        raise StoreError(
            f"output folder {folder} exists, is not empty and holds no comparison (no claims.json); refusing to "
            "write into it. Choose another output folder or empty it."
        )


def scenario_folder_names(scenario_names: Sequence[str]) -> list[str]:
    """The folder (and label) of each scenario in a comparison: its name made safe for a
    path, with ``-2``, ``-3``... added to a name an earlier scenario already has."""
    names: list[str] = []
    for scenario_name in scenario_names:
        base = safe_folder_name(scenario_name)
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names


def _listed_scenarios(folder: Path) -> list[str]:
    """The scenario folders the comparison in ``folder`` lists in its claims.json (none when unreadable)."""
    try:
        claims = json.loads((folder / "claims.json").read_text(encoding="utf-8"))
        names = claims["settings"]["scenarios"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _remove_stale_runs(folder: Path, previous: Sequence[str], current: Sequence[str]) -> None:
    """Delete the run folders of the previous comparison that the current one has not: only
    folders that claims.json listed, directly inside ``folder``, that hold a run."""
    for name in set(previous) - set(current):
        stale = folder / name
        if name == safe_folder_name(name) and is_run_folder(stale):
            shutil.rmtree(stale)


def write_compare(
    folder: str | Path,
    *,
    scenarios: Sequence[str],
    replicate_rows: Sequence[Mapping[str, Any]],
    parameter_rows: Sequence[Mapping[str, Any]],
    claims_doc: Mapping[str, Any],
) -> None:
    """Write replicates.parquet, parameters.parquet and claims.json into ``folder``, which
    already holds the run folders of ``scenarios`` (their folder names); the run folders of an
    earlier comparison there that are not among ``scenarios`` are removed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    previous = _listed_scenarios(folder)
    pq.write_table(pa.Table.from_pylist(list(replicate_rows), schema=REPLICATES_SCHEMA), folder / "replicates.parquet")
    pq.write_table(pa.Table.from_pylist(list(parameter_rows), schema=PARAMETERS_SCHEMA), folder / "parameters.parquet")
    write_text_atomic(folder / "claims.json", json.dumps(json_safe(dict(claims_doc)), indent=2) + "\n")
    _remove_stale_runs(folder, previous, scenarios)


SERIES_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("replicate", pa.int32()), ("seed", pa.int64()), ("year", pa.int32()),
    ("series", pa.string()), ("value", pa.float64()),
])


def write_series(folder: str | Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """Write series.parquet (scenario, replicate, seed, year, series, value: every replicate's
    annual series) into ``folder``; return its path."""
    path = Path(folder) / "series.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows), schema=SERIES_SCHEMA), path)
    return path


def write_report(path: str | Path, html: str, tables: Mapping[str, str] | None = None) -> Path:
    """Write an HTML report (rendered by :mod:`coexist.report`) atomically; return its path.

    ``tables`` maps a CSV file name to its text (what the report's table links point to):
    they are written into :data:`REPORT_TABLES_FOLDER` beside the report, which then holds
    only them (the tables of an earlier report there are removed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tables is not None:
        folder = path.parent / REPORT_TABLES_FOLDER
        if folder.is_dir():
            shutil.rmtree(folder)
        folder.mkdir()
        for name, text in tables.items():
            if Path(name).name != name or not name.endswith(".csv"):
                raise StoreError(
                    f"a report table's file name must be a plain name ending in .csv. Got {name!r} instead."
                )
            write_text_atomic(folder / name, text)
    write_text_atomic(path, html)
    return path
