"""Run folders on disk: Parquet tables, metrics.json, scenario.toml and run.json."""

from __future__ import annotations

from coexist.store.run_folder import (
    TABLES,
    RunData,
    StoreError,
    is_run_folder,
    package_version,
    read_run,
    write_run,
)

__all__ = ["TABLES", "RunData", "StoreError", "is_run_folder", "package_version", "read_run", "write_run"]
