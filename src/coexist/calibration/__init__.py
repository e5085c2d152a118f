"""Calibration and validation against official statistics.

``targets`` reads the declared targets table (``coexist/data/targets.csv``): every
official number a historical run is judged against, with the model statuses it
counts and whether it is used to fit (2017-2022) or to validate (2023-2024).
``measures`` computes the simulated value of each target from a run's tables, the
averaged relative difference (ARD) per series, and two naive forecasts to beat.
``abc`` fits behavioural parameters to the fit rows by ABC-SMC (``abc_smc``,
``calibrate``). docs/validation.md describes all three.
"""

from __future__ import annotations

from coexist.calibration.abc import ABCResult, abc_smc, calibrate, identified_parameters
from coexist.calibration.measures import (
    ard,
    ard_by_series,
    compare_forecasts,
    linear_trend_forecast,
    persistence_forecast,
    simulated_targets,
)
from coexist.calibration.targets import MEASURE_KINDS, TARGET_COLUMNS, load_targets

__all__ = [
    "load_targets",
    "TARGET_COLUMNS",
    "MEASURE_KINDS",
    "simulated_targets",
    "ard",
    "ard_by_series",
    "persistence_forecast",
    "linear_trend_forecast",
    "compare_forecasts",
    "abc_smc",
    "ABCResult",
    "calibrate",
    "identified_parameters",
]
