"""The shipped calibration of the Japan scenarios (``coexist/data/calibrated/``).

Written by ``coexist calibrate ... --ship`` (coexist.calibration.ship) from an ABC-SMC
calibration of ``japan-history`` against the fit rows of the targets table:

* ``japan.toml``: the best particle's behavioural values (the defaults of every scenario
  with ``behaviour_defaults = "calibrated-japan"``), the history assumptions it fitted, a
  prior-versus-posterior table and the provenance (targets and data versions, budget,
  scale, seed, date, command);
* ``japan-posterior.parquet``: the last ABC-SMC population (samples, weights, distances),
  from which ``compare --replicates`` draws the calibrated parameters;
* ``japan-2024-12.parquet``: everyone alive at the end of the calibrated history run
  (engine/end_state.py), from which ``population.attributes = "calibrated-history"``
  takes the initial people's attributes.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import pyarrow as pa
import pyarrow.parquet as pq

from coexist.errors import DataError

__all__ = ["calibration", "calibrated_behaviour", "calibrated_end_state", "posterior_samples", "CALIBRATED_FILES",
           "CalibratedSource", "SHIPPED"]

CALIBRATED_FILES = {
    "summary": "japan.toml",
    "posterior": "japan-posterior.parquet",
    "end_state": "japan-2024-12.parquet",
}


def _path(kind: str):
    path = resources.files("coexist.data") / "calibrated" / CALIBRATED_FILES[kind]
    if not path.is_file():
        raise DataError(
            f"the shipped calibration has no {CALIBRATED_FILES[kind]} (coexist/data/calibrated/); "
            "write it with coexist.api.ship_calibration from a finished calibration (docs/calibration.md)."
        )
    return path


@functools.cache
def calibration() -> dict:
    """The shipped calibration summary: ``behaviour``, ``assumptions``, ``parameters`` (prior
    versus posterior) and ``provenance``."""
    with _path("summary").open("rb") as handle:
        return tomllib.load(handle)


def calibrated_behaviour() -> dict[str, float]:
    """Behavioural parameter values of the shipped calibration (its best particle)."""
    return {name: float(value) for name, value in calibration().get("behaviour", {}).items()}


@functools.cache
def calibrated_end_state() -> pa.Table:
    """Everyone alive at the end of the calibrated history run (December 2024)."""
    with _path("end_state").open("rb") as handle:
        return pq.read_table(handle)


@functools.cache
def posterior_samples() -> pa.Table:
    """The last ABC-SMC population: one column per fitted parameter, ``weight``, ``distance``."""
    with _path("posterior").open("rb") as handle:
        return pq.read_table(handle)


@dataclass(frozen=True)
class CalibratedSource:
    """Where the replicate draws read a calibration: :data:`SHIPPED` (the files above), or a
    stand-in that a test or a study passes as ``calibration=``."""

    posterior_samples: Callable[[], pa.Table]
    calibrated_behaviour: Callable[[], dict[str, float]]


SHIPPED = CalibratedSource(posterior_samples=posterior_samples, calibrated_behaviour=calibrated_behaviour)
