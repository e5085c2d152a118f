"""The files of ``coexist calibrate``, ``coexist validate`` and of a shipped calibration.

* a calibration folder: posterior.parquet, best.toml, best-scenario.toml,
  distance_history.json, prior_posterior.csv, fit.html, and abc_state.json, the state of
  the ABC-SMC run after its last generation (:class:`StateFile`, read back to resume);
* a validation folder: validation.html, validation.csv, validation.json, simulated_targets.csv;
* the package's shipped calibration: japan.toml, japan-posterior.parquet, japan-2024-12.parquet.

Text files are written atomically (a reader never sees half a file).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from coexist.calibration.abc import Calibration
from coexist.calibration.ship import ShippedCalibration
from coexist.calibration.validation import Validation, simulated_csv, validation_csv
from coexist.errors import DataError
from coexist.store import StoreError
from coexist.store.files import json_text, write_text_atomic, write_text_files

__all__ = [
    "STATE_FILE",
    "CALIBRATION_FILES",
    "VALIDATION_FILES",
    "StateFile",
    "check_output_folder",
    "write_calibration",
    "write_validation",
    "write_shipped_calibration",
    "write_shipped_summary",
]

#: The resumable state of a calibration, in its folder.
STATE_FILE = "abc_state.json"
#: What :func:`write_calibration` writes, by key.
CALIBRATION_FILES = {
    "posterior": "posterior.parquet",
    "best": "best.toml",
    "best_scenario": "best-scenario.toml",
    "history": "distance_history.json",
    "prior_posterior": "prior_posterior.csv",
    "fit": "fit.html",
}
#: What :func:`write_validation` writes.
VALIDATION_FILES = ("validation.html", "validation.csv", "validation.json", "simulated_targets.csv")


class StateFile:
    """The ABC-SMC state as a JSON file (a :class:`coexist.calibration.abc.Checkpoint`).

    ``load`` gives None when the file does not exist yet; ``save`` replaces it atomically
    (creating its folder), so an interrupted run resumes from its last whole generation.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __str__(self) -> str:
        return f"state file {self.path}"

    def load(self) -> dict | None:
        if not self.path.exists():
            return None
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"{self} must be the JSON a calibration saved. Got unreadable content instead ({exc}): "
                            "remove it to start the calibration afresh.") from None
        if not isinstance(state, dict):
            raise DataError(f"{self} must hold a JSON object. Got {type(state).__name__} instead: "
                            "remove it to start the calibration afresh.")
        return state

    def save(self, state: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, json.dumps(state, indent=1, allow_nan=True))


def check_output_folder(folder: str | Path) -> Path:
    """``folder`` as a Path, refused when it exists and is not a folder (nothing is written)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"output folder {folder} must be a folder. Got a file instead: choose another output folder.")
    return folder


def _csv_text(rows: list[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))  # the csv module's own line ends, \r\n
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_calibration(folder: str | Path, calibration: Calibration, fit_html: str) -> dict[str, Path]:
    """Write the files of a finished calibration (:data:`CALIBRATION_FILES`) into ``folder``;
    ``fit_html`` is the rendered fit.html. Returns their paths by key."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {key: folder / name for key, name in CALIBRATION_FILES.items()}
    pq.write_table(calibration.posterior_table(), files["posterior"])
    write_text_atomic(files["best"], calibration.best_toml())
    write_text_atomic(files["best_scenario"], calibration.best_scenario_toml(folder))
    write_text_atomic(files["history"], json.dumps(calibration.distance_history(), indent=1))
    write_text_atomic(files["prior_posterior"], _csv_text(calibration.prior_posterior()))
    write_text_atomic(files["fit"], fit_html)
    return files


def write_validation(folder: str | Path, validation: Validation, provenance: Mapping[str, Any],
                     report_html: str) -> dict[str, Path]:
    """Write the files of a validation (:data:`VALIDATION_FILES`) into ``folder``: the rendered
    ``report_html``, the tables of ``validation`` and, in validation.json, its scores with
    ``provenance``. Returns their paths by name."""
    summary = validation.summary
    document = {
        "overall": dict(summary.overall),
        "series": [{k: v for k, v in r.items() if k != "what"} for r in summary.rows],
        "provenance": dict(provenance),
    }
    written = write_text_files(Path(folder), {
        "simulated_targets.csv": simulated_csv(validation.tables, validation.seeds),
        "validation.csv": validation_csv(summary),
        "validation.json": json_text(document),
        "validation.html": report_html,
    })
    return {name: written[name] for name in VALIDATION_FILES}


def write_shipped_calibration(dest: str | Path, shipped: ShippedCalibration) -> dict[str, Path]:
    """Write the shipped calibration files into ``dest`` (the package's ``coexist/data/calibrated``
    as a rule). Returns their paths: ``summary``, ``posterior``, ``end_state``."""
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "summary": out / "japan.toml",
        "posterior": out / "japan-posterior.parquet",
        "end_state": out / "japan-2024-12.parquet",
    }
    write_shipped_summary(out, shipped.summary_toml)
    shutil.copyfile(shipped.posterior, files["posterior"])
    pq.write_table(shipped.end_state, files["end_state"], compression="zstd")
    return files


def write_shipped_summary(dest: str | Path, summary_toml: str) -> Path:
    """Write the shipped calibration's japan.toml (``summary_toml``, from
    :func:`coexist.calibration.ship.summary_toml`) into ``dest``. Returns its path."""
    path = Path(dest) / "japan.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, summary_toml)
    return path
