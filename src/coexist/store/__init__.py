"""Everything coexist writes: run folders (Parquet tables, metrics.json, scenario.toml,
run.json), comparisons (store/compare.py), and the catalogue that reads them back."""

from __future__ import annotations

from coexist.store import catalogue
from coexist.store.catalogue import CatalogueError, find_runs, list_runs
from coexist.store.run_folder import (
    TABLES,
    RunData,
    StoreError,
    is_run_folder,
    package_version,
    read_run,
    write_run,
)

__all__ = [
    "TABLES",
    "CatalogueError",
    "RunData",
    "StoreError",
    "catalogue",
    "find_runs",
    "is_run_folder",
    "list_runs",
    "package_version",
    "read_run",
    "write_run",
]
