"""The engine fingerprint of a shipped calibration: does the engine still behave as when it was made?

A calibration's values are only worth what the engine that fitted them was. When it ships,
``coexist calibrate ... --ship`` records in ``japan.toml`` (section ``[fingerprint]``) a few
summary numbers of a small reference run made with the calibrated values: ``japan-history``
at scale 0.002, 2017-01 to 2017-12, seed 1 (:data:`REFERENCE_RUN`), and its persons in the host
at the end, entries, re-entries, returns, upgrades, absconders and earnings
(:data:`FINGERPRINT_NUMBERS`). A change of the code that leaves the engine's behaviour alone
(a reformat, a refactor) reproduces them bit for bit; a change of its dynamics, of the data
or of the values does not.

:class:`CalibrationCheck` reruns the recorded reference run once per process (about 0.1 s
once the kernels are compiled) and, when the numbers differ or the calibration has no
fingerprint, warns once with :class:`coexist.errors.CalibrationDriftWarning`, naming the
command that refreshes the calibration. :func:`coexist.api.run` and the other commands that
simulate a scenario with ``behaviour_defaults = "calibrated-japan"`` call it through their
engine (:class:`coexist.api.Engine`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from coexist.data import calibration as shipped_calibration_summary
from coexist.engine.simulate import simulate as engine_simulate
from coexist.errors import CalibrationDriftWarning
from coexist.scenario import apply_calibrated, load_scenario

__all__ = [
    "REFERENCE_RUN",
    "FINGERPRINT_NUMBERS",
    "REFRESH_COMMAND",
    "reference_fingerprint",
    "fingerprint_drift",
    "CalibrationCheck",
]

#: The reference run: small (about 0.1 s compiled) but long enough for the recruitment lag to bring entries.
REFERENCE_RUN: dict[str, Any] = {"scenario": "japan-history", "start": "2017-01", "end": "2017-12", "scale": 0.002,
                                 "seed": 1}
#: What the fingerprint records of the reference run (flows and earnings summed over the run).
FINGERPRINT_NUMBERS: tuple[str, ...] = ("persons_end", "entries", "reentries", "returns", "upgrades", "absconders",
                                        "earnings")
#: The command docs/calibration.md gives, named when a calibration does not record its own.
REFRESH_COMMAND = ("coexist calibrate japan-history --targets src/coexist/data/targets.csv --particles 60 "
                   "--budget 600 --scale 0.02 --seed 1 --workers 2 --out runs/calib-japan-2 --ship")
# Relative difference below which two numbers are the same (they are sums of the same floats in the same order).
_TOLERANCE = 1e-9
_FLOW_NUMBERS = {"entries": "entry", "reentries": "reentry", "returns": "return", "upgrades": "upgrade",
                 "absconders": "abscond"}
_NOT_IN_HOST = ("home", "returned", "abroad")


def _values(summary: Mapping[str, Any]) -> dict[str, float]:
    """The calibrated values a summary (japan.toml, or a best.toml) holds: behaviour and assumptions."""
    return {name: float(v) for table in ("behaviour", "assumptions") for name, v in summary.get(table, {}).items()}


def reference_fingerprint(
    values: Mapping[str, float],
    *,
    simulate: Callable[..., Any] = engine_simulate,
    run: Mapping[str, Any] = REFERENCE_RUN,
) -> dict[str, Any]:
    """The fingerprint of the engine with calibrated ``values``: ``run`` (the reference run's scenario,
    start, end, scale and seed) and the numbers of :data:`FINGERPRINT_NUMBERS` it gives.

    The scenario takes the embedded behavioural defaults and then ``values`` (behavioural parameters
    and the scenario's calibration priors), so the run depends on the values, not on the calibration
    shipped at the time. ``simulate`` is the engine's (or a stand-in with its signature).
    """
    scale = float(run["scale"])
    base = load_scenario(str(run["scenario"]), overrides=['behaviour_defaults="embedded"'], start=str(run["start"]),
                         end=str(run["end"]), scale=scale)
    result = simulate(apply_calibrated(base, dict(values)), seed=int(run["seed"]), scale=scale)
    stocks = result.stocks.to_pydict()
    last = max(stocks["month"])
    numbers = {"persons_end": math.fsum(p for m, s, p in zip(stocks["month"], stocks["status"], stocks["persons"],
                                                               strict=True) if m == last and s not in _NOT_IN_HOST)}
    flows = result.flows.to_pydict()
    for number, flow in _FLOW_NUMBERS.items():
        numbers[number] = math.fsum(p for f, p in zip(flows["flow"], flows["persons"], strict=True) if f == flow)
    measures = result.measures.to_pydict()
    numbers["earnings"] = math.fsum(v for n, v in zip(measures["measure"], measures["value"], strict=True)
                                    if n == "earnings")
    return {**{k: run[k] for k in REFERENCE_RUN}, **{k: float(numbers[k]) for k in FINGERPRINT_NUMBERS}}


def _same(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= _TOLERANCE * max(abs(a), abs(b))


def fingerprint_drift(summary: Mapping[str, Any], *, simulate: Callable[..., Any] = engine_simulate) -> str | None:
    """None when the engine reproduces the fingerprint recorded in ``summary`` (a shipped calibration's
    japan.toml, as a mapping), else what differs, in one sentence."""
    recorded = summary.get("fingerprint")
    if not isinstance(recorded, Mapping) or any(k not in recorded for k in (*REFERENCE_RUN, *FINGERPRINT_NUMBERS)):
        return "the shipped calibration records no engine fingerprint"
    current = reference_fingerprint(_values(summary), simulate=simulate,
                                    run={k: recorded[k] for k in REFERENCE_RUN})
    differ = [f"{k} {current[k]:.6g} against {float(recorded[k]):.6g}" for k in FINGERPRINT_NUMBERS
              if not _same(float(current[k]), float(recorded[k]))]
    if not differ:
        return None
    return ("the engine no longer reproduces the shipped calibration's fingerprint (reference run "
            f"{recorded['scenario']} {recorded['start']} to {recorded['end']}, scale {recorded['scale']}, seed "
            f"{recorded['seed']}: {', '.join(differ)} recorded): its values were fitted to another engine, "
            "or changed since")


class CalibrationCheck:
    """Checks once whether the engine reproduces the shipped calibration's fingerprint, and warns once.

    ``calibration`` returns the calibration summary to check (the shipped japan.toml by default) and
    ``simulate`` runs the engine; a test or a study passes its own. The first call runs the check
    and, on a difference, issues a :class:`~coexist.errors.CalibrationDriftWarning` naming the command
    that refreshes the calibration (the one its provenance records, else :data:`REFRESH_COMMAND`);
    later calls do nothing, so one process warns at most once.
    """

    def __init__(self, calibration: Callable[[], Mapping[str, Any]] = shipped_calibration_summary,
                 simulate: Callable[..., Any] = engine_simulate) -> None:
        self.calibration, self.simulate = calibration, simulate
        self.checked = False

    def __call__(self) -> None:
        if self.checked:
            return
        self.checked = True
        summary = self.calibration()
        drift = fingerprint_drift(summary, simulate=self.simulate)
        if drift is not None:
            command = str(summary.get("provenance", {}).get("command") or REFRESH_COMMAND)
            warnings.warn(CalibrationDriftWarning(drift, command), stacklevel=3)
