"""The folder of an experiment (``coexist sweep``, ``sensitivity``, ``search``).

Layout::

    runs/<run id>/      one run folder per run (coexist.store.run_folder), written by the
                        worker that ran it, so ``coexist runs DIR`` lists every run
    runs.parquet        one row per run: run_id, point, replicate, seed, each factor, each metric
    sensitivity.parquet metric, parameter, index, value, conf     (sensitivity)
    pareto.parquet      one column per lever, per objective, and index.balance   (search)
    design.toml         the design as it ran (samples, replicates and method included)
    experiment.json     settings, timings and the runs that failed
    <command>.html      the report

An experiment folder may be written again by the same experiment (or a larger one): the run
folders already there are the runs that finished, and are not run again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coexist.errors import ScenarioError
from coexist.store.files import json_text, write_text_atomic
from coexist.store.run_folder import StoreError

__all__ = ["EXPERIMENT_FILE", "RUNS_FOLDER", "check_experiment_folder", "run_folder", "finished_runs",
           "write_experiment"]

EXPERIMENT_FILE = "experiment.json"
RUNS_FOLDER = "runs"


def check_experiment_folder(out: str | Path) -> Path:
    """``out`` as a Path, refused (naming the argument ``out``) when it is a file or a non-empty
    folder that holds no experiment."""
    folder = Path(out)
    if folder.exists():
        if not folder.is_dir():
            raise ScenarioError(f"must be a folder. Got {folder}, a file, instead.", field="out")
        if any(folder.iterdir()) and not ((folder / EXPERIMENT_FILE).is_file() or (folder / RUNS_FOLDER).is_dir()):
            raise ScenarioError(
                f"must be a new or empty folder, or an experiment's folder (to resume it). Got {folder}, which "
                "holds other files, instead. Choose another folder.", field="out")
    return folder


def run_folder(out: Path, run_id: str) -> Path:
    """Where the run ``run_id`` of the experiment in ``out`` is written."""
    return Path(out) / RUNS_FOLDER / run_id


def _recorded_metrics(folder: Path) -> dict[str, float] | None:
    if not (folder / "run.json").is_file():
        return None
    try:
        doc = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        values = doc["metrics"]
        return {str(k): (math.nan if v is None else float(v)) for k, v in values.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # damaged: run it again


def finished_runs(out: Path, run_ids: Sequence[str]) -> dict[str, dict[str, float]]:
    """The metrics of the runs among ``run_ids`` whose run folders in ``out`` are complete."""
    found = {}
    for rid in dict.fromkeys(run_ids):
        metrics = _recorded_metrics(run_folder(out, rid))
        if metrics is not None:
            found[rid] = metrics
    return found


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> pa.Table:
    if rows:
        return pa.Table.from_pylist(list(rows))
    return pa.table({c: pa.array([], pa.float64()) for c in columns or ()})


def write_experiment(out: Path, *, tables: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str]]],
                     document: Mapping[str, Any], design_toml: str, report_name: str,
                     report_html: str) -> dict[str, Path]:
    """Write an experiment's tables (``name -> (rows, columns)``, each to ``name.parquet``),
    ``design.toml``, ``experiment.json`` (``document``) and the report into ``out``, the report
    last. Returns the paths by file name."""
    out = Path(out)
    files: dict[str, Path] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, (rows, columns) in tables.items():
            path = out / f"{name}.parquet"
            tmp = path.with_name(f".{path.name}.partial")
            pq.write_table(_table(rows, columns), tmp)
            tmp.replace(path)
            files[path.name] = path
        for name, text in (("design.toml", design_toml), (EXPERIMENT_FILE, json_text(dict(document))),
                           (report_name, report_html)):
            write_text_atomic(out / name, text)
            files[name] = out / name
    except OSError as exc:
        raise StoreError(f"cannot write the experiment folder {out}: {exc.strerror or exc}.") from None
    return files
