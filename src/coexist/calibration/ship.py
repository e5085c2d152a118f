"""Ship a finished calibration of ``japan-history`` as the default of the Japan scenarios.

``shipped_calibration(folder)`` reads what ``coexist calibrate`` wrote in ``folder`` and
returns the contents of the package's ``coexist/data/calibrated/`` files
(coexist.data.calibrated describes them); :func:`coexist.api.ship_calibration` writes them
(``coexist.store.calibration``):

* ``japan.toml``: the best particle's behavioural values (``[behaviour]``) and history
  assumptions (``[assumptions]``), the prior-versus-posterior table, the provenance
  (the calibration's scenario, targets file and its SHA-256, the package's data files'
  combined SHA-256, particles, generations, simulations, scale, seeds, the date and the
  command that reproduces it) and the engine fingerprint of the values
  (``[fingerprint]``, coexist.calibration.fingerprint);
* ``japan-posterior.parquet``: the last ABC-SMC population;
* ``japan-2024-12.parquet``: everyone alive at the end of the history run with the best
  particle (one more run, at ``end_state_scale`` and ``seed``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import tomli_w

from coexist.calibration.fingerprint import reference_fingerprint
from coexist.data import calibrated
from coexist.engine.simulate import simulate as engine_simulate
from coexist.errors import DataError
from coexist.scenario import apply_calibrated, scenario_hash
from coexist.version import __version__

__all__ = [
    "ShippedCalibration",
    "shipped_calibration",
    "package_calibrated_folder",
    "data_fingerprint",
    "forget_cached_calibration",
    "summary_toml",
]


def package_calibrated_folder() -> Path:
    """``coexist/data/calibrated`` of the package in use (an editable install: the source tree)."""
    return Path(str(resources.files("coexist.data"))) / "calibrated"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_fingerprint() -> str:
    """SHA-256 over the embedded official data and parameters (CSV and TOML files, by name)."""
    digest = hashlib.sha256()
    root = Path(str(resources.files("coexist.data")))
    for path in sorted([*root.glob("*.csv"), *root.glob("*.toml")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise DataError(f"{str(folder)!r} has no {name}: run `coexist calibrate` into it first.")
    return path


@dataclass
class ShippedCalibration:
    """The contents of the shipped calibration files.

    ``summary_toml``: japan.toml; ``posterior``: the calibration's posterior.parquet, shipped
    as it is (japan-posterior.parquet); ``end_state``: everyone alive at the end of the
    history run with the best particle (japan-2024-12.parquet).
    """

    summary_toml: str
    posterior: Path
    end_state: pa.Table


def shipped_calibration(
    folder: str | Path,
    *,
    targets: str | Path,
    command: Sequence[str] = (),
    end_state_scale: float = 0.02,
    seed: int = 0,
    simulate: Callable[..., Any] = engine_simulate,
) -> ShippedCalibration:
    """The shipped calibration made from the finished calibration in ``folder``.

    ``targets`` is the targets file the calibration fitted, ``command`` the command line
    that produced it (recorded); ``simulate`` runs the end state (the engine by default).
    """
    folder = Path(folder)
    best_doc = tomllib.loads(_read(folder, "best.toml").read_text(encoding="utf-8"))
    history = json.loads(_read(folder, "distance_history.json").read_text(encoding="utf-8"))
    state = json.loads(_read(folder, "abc_state.json").read_text(encoding="utf-8"))
    with open(_read(folder, "prior_posterior.csv"), newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    posterior = _read(folder, "posterior.parquet")
    scenario_ref = best_doc.get("scenario", "japan-history")

    scenario = apply_calibrated(scenario_ref, folder / "best.toml", scale=end_state_scale)
    result = simulate(scenario, seed=seed, scale=end_state_scale, end_state=True)

    generations = history.get("generations", [])
    summary = {
        "behaviour": {k: float(v) for k, v in best_doc.get("behaviour", {}).items()},
        "assumptions": {k: float(v) for k, v in best_doc.get("assumptions", {}).items()},
        "parameters": [
            {k: (float(v) if k.startswith(("prior_", "posterior_", "width")) else v) for k, v in row.items()}
            for row in table
        ],
        "provenance": {
            "scenario": scenario_ref,
            "scenario_hash": scenario_hash(apply_calibrated(scenario_ref, folder / "best.toml")),
            "overrides": list(best_doc.get("overrides", [])),
            "targets": Path(targets).name,
            "targets_sha256": _sha256(Path(targets)),
            "data_sha256": data_fingerprint(),
            "coexist_version": __version__,
            "particles": int(state["particles"]),
            "generations": len(generations),
            "simulations": int(sum(g.get("simulations", 0) for g in generations)),
            "calibration_seed": int(state["seed"]),
            "best_fit_ard": float(best_doc.get("best_fit_distance", min(g["min_distance"] for g in generations))),
            "scale": _scale_of(best_doc, folder),
            "end_state_scale": float(end_state_scale),
            "end_state_seed": int(seed),
            "end_state_people": int(result.end_state.num_rows),
            "date": dt.date.today().isoformat(),
            "command": " ".join(command),
        },
    }
    return ShippedCalibration(summary_toml(summary, simulate=simulate), posterior, result.end_state)


def summary_toml(summary: Mapping[str, Any], *, simulate: Callable[..., Any] = engine_simulate) -> str:
    """japan.toml for a calibration ``summary`` (behaviour, assumptions, parameters, provenance), with the
    engine fingerprint of its values computed now by ``simulate`` (any recorded one is replaced)."""
    values = {name: float(v) for table in ("behaviour", "assumptions") for name, v in summary.get(table, {}).items()}
    document = {k: v for k, v in summary.items() if k != "fingerprint"}
    document["fingerprint"] = reference_fingerprint(values, simulate=simulate)
    header = ("# The shipped calibration of the Japan scenarios, written by `coexist calibrate ... --ship`\n"
              "# (coexist.calibration.ship); docs/calibration.md says how it was made and what it fits.\n")
    return header + tomli_w.dumps(document)


def forget_cached_calibration() -> None:
    """Drop this process's cached copy of the shipped calibration, so the next use reads the files again."""
    for cached in (calibrated.calibration, calibrated.calibrated_end_state, calibrated.posterior_samples):
        cached.cache_clear()


def _scale_of(best_doc: dict, folder: Path) -> float:
    """The scale the calibration ran at (recorded in best.toml by calibrate), or NaN."""
    value = best_doc.get("scale")
    return float(value) if isinstance(value, (int, float)) else float("nan")
