"""A comparison on disk: the tables over replicates, claims.json and report.html beside
the run folders of replicate 0 (written by :mod:`coexist.store.run_folder`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coexist.store.files import json_safe, write_text_atomic
from coexist.store.run_folder import StoreError

__all__ = [
    "COMPARE_FILES", "is_compare_folder", "check_compare_destination", "write_compare", "write_series", "write_report",
]

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


def write_compare(
    folder: str | Path,
    *,
    replicate_rows: Sequence[Mapping[str, Any]],
    parameter_rows: Sequence[Mapping[str, Any]],
    claims_doc: Mapping[str, Any],
) -> None:
    """Write replicates.parquet, parameters.parquet and claims.json into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(replicate_rows), schema=REPLICATES_SCHEMA), folder / "replicates.parquet")
    pq.write_table(pa.Table.from_pylist(list(parameter_rows), schema=PARAMETERS_SCHEMA), folder / "parameters.parquet")
    (folder / "claims.json").write_text(json.dumps(json_safe(dict(claims_doc)), indent=2) + "\n", encoding="utf-8")


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


def write_report(path: str | Path, html: str) -> Path:
    """Write an HTML report (rendered by :mod:`coexist.report`) atomically; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, html)
    return path
