"""Validation on the held-out years: the model against the official figures and two naive forecasts.

``validate`` runs a scenario (by default ``japan-history``) for a few replicate seeds,
with the behavioural parameters at their defaults or as a calibration wrote them
(``best.toml``), measures every target row in every replicate
(:func:`~coexist.calibration.measures.simulated_targets`) and scores, per series, the
averaged relative difference (ARD) on the fit rows and on the validation rows, next to
the ARD of the two naive forecasts built from the same fit rows (persistence and linear
trend, :func:`~coexist.calibration.measures.compare_forecasts`): ``run_validation``.
:func:`coexist.api.validate` checks the input and has ``validation.html`` rendered
(:mod:`coexist.report.validation`) and the files written (``coexist.store.calibration``):
``validation.csv`` (one row per series and an ``overall`` row, :func:`validation_csv`),
``validation.json`` (the overall figures and the provenance) and ``simulated_targets.csv``
(every target row in every replicate, :func:`simulated_csv`).

``summarise`` is the pure part: from the per-replicate tables to the per-series rows,
the overall figures and the points of the charts. docs/validation.md describes both.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from coexist.calibration.measures import (
    compare_forecasts,
    linear_trend_forecast,
    persistence_forecast,
    simulated_targets,
)
from coexist.calibration.targets import TargetsFile
from coexist.data.text_files import read_text_file
from coexist.engine.simulate import simulate as engine_simulate
from coexist.errors import ScenarioError
from coexist.experiments import replicate_seed
from coexist.experiments.ensemble import run_tasks
from coexist.scenario import Scenario, apply_calibrated, load_scenario, scenario_hash

__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_REPLICATES",
    "DEFAULT_SCALE",
    "CSV_COLUMNS",
    "ValidationSummary",
    "Validation",
    "summarise",
    "run_validation",
    "validation_csv",
    "simulated_csv",
    "simulated_rows",
    "csv_text",
    "replicate_targets",
    "SIMULATED_COLUMNS",
    "recorded_scenario",
]

DEFAULT_SCENARIO = "japan-history"
DEFAULT_REPLICATES = 5
DEFAULT_SCALE = 0.05
#: Forecasts in the order they are named in ``best`` when they tie.
FORECASTS: tuple[str, ...] = ("model", "persistence", "trend")
#: Columns of validation.csv.
CSV_COLUMNS: tuple[str, ...] = (
    "series",
    "unit",
    "n_fit",
    "n_validate",
    "ard_fit_model",
    "ard_validate_model",
    "ard_validate_model_p05",
    "ard_validate_model_p95",
    "ard_validate_persistence",
    "ard_validate_trend",
    "best",
)
SIMULATED_COLUMNS = ("replicate", "seed", "series", "reference_date", "split", "unit", "measure", "observed",
                      "simulated", "model_period")


# ---------------------------------------------------------------------------------------------
# the pure part: per-replicate tables -> rows, overall figures, chart points


@dataclass
class ValidationSummary:
    """Scores and chart points of a validation over replicates.

    Attributes
    ----------
    replicates : int
    rows : list of dict
        One per series (sorted by name), with the keys of :data:`CSV_COLUMNS` plus
        ``beats_persistence`` / ``beats_trend`` (bool, None where either ARD is NaN),
        ``ard_validate_model_by_replicate`` (list) and ``what`` (measure, statuses,
        origins, flags, source, from the targets table when given).
    overall : dict
        Over the series where the model (mean over replicates), persistence and the trend
        all have a validation ARD (``series``): the mean ARD of each (the model's also per
        replicate, with its 5-95% range), the model's mean fit ARD over the same series,
        and how many of them the model beats each naive forecast on.
    points : dict
        ``points[series]``: one dict per target date (reference_date, split, observed,
        simulated median / p05 / p95 over replicates, persistence, trend (validation
        dates only), simulated by replicate), plus ``forecast_from`` (the last fitted
        date: the dashed naive lines start there) and ``boundary`` (where the held-out
        period starts on the chart).
    """

    replicates: int
    rows: list[dict[str, Any]]
    overall: dict[str, Any]
    points: dict[str, dict[str, Any]] = field(default_factory=dict)


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def _quantiles(values: Sequence[float]) -> tuple[float, float, float]:
    """5th percentile, median, 95th percentile of the finite values (NaN when none)."""
    v = np.asarray([x for x in values if _finite(x)], dtype=np.float64)
    if v.size == 0:
        return math.nan, math.nan, math.nan
    lo, med, hi = np.percentile(v, [5, 50, 95])
    return float(lo), float(med), float(hi)


def _mean(values: Sequence[float]) -> float:
    v = [x for x in values if _finite(x)]
    return float(np.mean(v)) if v else math.nan


def _best(values: Mapping[str, float]) -> str:
    """The forecast with the smallest ARD ('a = b' on a tie); '' unless two can be compared."""
    finite = {k: v for k, v in values.items() if _finite(v)}
    if len(finite) < 2 or "model" not in finite:
        return ""
    low = min(finite.values())
    return " = ".join(k for k in FORECASTS if k in finite and abs(finite[k] - low) <= 1e-12 * max(1.0, abs(low)))


def _beats(model: float, other: float) -> bool | None:
    if not (_finite(model) and _finite(other)):
        return None
    return bool(model < other)


def _what(targets: pa.Table | None) -> dict[str, dict[str, str]]:
    if targets is None:
        return {}
    out: dict[str, dict[str, str]] = {}
    for r in targets.to_pylist():
        if r["series"] not in out:
            out[r["series"]] = {k: r.get(k) or ""
                                for k in ("measure", "flow", "statuses", "origins", "flags", "source", "unit")}
    return out


def _boundary(fit_dates: list[dt.date], val_dates: list[dt.date]) -> dt.date | None:
    """Where the held-out period starts on a chart: the day after the last fitted date, or
    1 January of the first validation year when the series has no fitted row."""
    if not val_dates:
        return None
    if fit_dates:
        return max(fit_dates) + dt.timedelta(days=1)
    return dt.date(min(val_dates).year, 1, 1)


def summarise(tables: Sequence[pa.Table], targets: pa.Table | None = None) -> ValidationSummary:
    """Score the replicates of a validation.

    Parameters
    ----------
    tables : sequence of pyarrow.Table
        One :func:`~coexist.calibration.measures.simulated_targets` table per replicate,
        over the same target rows.
    targets : pyarrow.Table, optional
        The targets table, for what each series counts (shown in the report).

    Returns
    -------
    ValidationSummary
        Per series: the model's ARD on the fit rows (mean over replicates) and on the
        validation rows (mean, 5th and 95th percentile over replicates), the ARD of
        persistence and of the linear trend, and which is best. See
        :class:`ValidationSummary` for the overall figures.
    """
    if not tables:
        raise ValueError("summarise needs at least one replicate table.")
    keys = [(r["series"], r["reference_date"]) for r in tables[0].to_pylist()]
    for k, t in enumerate(tables[1:], start=1):
        if [(r["series"], r["reference_date"]) for r in t.to_pylist()] != keys:
            raise ValueError(f"replicate {k} measured other target rows than replicate 0.")
    per_rep = [{r["series"]: r for r in compare_forecasts(t).to_pylist()} for t in tables]
    what = _what(targets)
    base_rows = tables[0].to_pylist()
    by_series: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(base_rows):
        by_series[r["series"]].append(i)
    columns = [t.column("simulated").to_pylist() for t in tables]

    rows: list[dict[str, Any]] = []
    points: dict[str, dict[str, Any]] = {}
    for series in sorted(by_series):
        first = per_rep[0][series]
        val_reps = [p[series]["ard_model"] for p in per_rep]
        lo, _, hi = _quantiles(val_reps)
        model = _mean(val_reps)
        pers, trend = first["ard_persistence"], first["ard_trend"]
        idx = by_series[series]
        unit = base_rows[idx[0]]["unit"]
        rows.append({
            "series": series,
            "unit": unit,
            "n_fit": int(first["n_fit"]),
            "n_validate": int(first["n_validate"]),
            "ard_fit_model": _mean([p[series]["ard_fit_model"] for p in per_rep]),
            "ard_validate_model": model,
            "ard_validate_model_p05": lo,
            "ard_validate_model_p95": hi,
            "ard_validate_persistence": pers,
            "ard_validate_trend": trend,
            "best": _best({"model": model, "persistence": pers, "trend": trend}),
            "beats_persistence": _beats(model, pers),
            "beats_trend": _beats(model, trend),
            "ard_validate_model_by_replicate": [float(v) for v in val_reps],
            "what": what.get(series, {"unit": unit, "measure": base_rows[idx[0]]["measure"]}),
        })
        # chart points
        ordered = sorted(idx, key=lambda i: base_rows[i]["reference_date"])
        fit = [base_rows[i] for i in ordered if base_rows[i]["split"] == "fit"]
        val = [base_rows[i] for i in ordered if base_rows[i]["split"] == "validate"]
        fit_dates = [r["reference_date"] for r in fit]
        fit_values = [r["observed"] for r in fit]
        val_dates = [r["reference_date"] for r in val]
        anchor = [max(fit_dates)] if fit_dates else []
        pers_line = persistence_forecast(fit_dates, fit_values, anchor + val_dates)
        trend_line = linear_trend_forecast(fit_dates, fit_values, anchor + val_dates)
        naive = {d: (float(p), float(t)) for d, p, t in zip(anchor + val_dates, pers_line, trend_line, strict=True)}
        pts = []
        for i in ordered:
            r = base_rows[i]
            sims = [float("nan") if c[i] is None else float(c[i]) for c in columns]
            p05, med, p95 = _quantiles(sims)
            no_line = (math.nan, math.nan)
            p, t = naive.get(r["reference_date"], no_line) if r["split"] == "validate" else no_line
            pts.append({
                "reference_date": r["reference_date"], "split": r["split"], "observed": r["observed"],
                "simulated_median": med, "simulated_p05": p05, "simulated_p95": p95,
                "persistence": p, "trend": t, "simulated": sims,
            })
        start = None
        if anchor:
            p, t = naive[anchor[0]]
            start = {"reference_date": anchor[0], "persistence": p, "trend": t}
        points[series] = {"points": pts, "forecast_from": start, "boundary": _boundary(fit_dates, val_dates)}

    scored = ("ard_validate_model", "ard_validate_persistence", "ard_validate_trend")
    compared = [r for r in rows if all(_finite(r[k]) for k in scored)]
    names = [r["series"] for r in compared]
    by_rep = [_mean([p[s]["ard_model"] for s in names]) for p in per_rep] if names else []
    lo, _, hi = _quantiles(by_rep)
    overall = {
        "series": names,
        "n_series": len(names),
        "n_fit": sum(r["n_fit"] for r in compared),
        "n_validate": sum(r["n_validate"] for r in compared),
        "ard_fit_model": _mean([r["ard_fit_model"] for r in compared]),
        "ard_validate_model": _mean([r["ard_validate_model"] for r in compared]),
        "ard_validate_model_p05": lo,
        "ard_validate_model_p95": hi,
        "ard_validate_model_by_replicate": by_rep,
        "ard_validate_persistence": _mean([r["ard_validate_persistence"] for r in compared]),
        "ard_validate_trend": _mean([r["ard_validate_trend"] for r in compared]),
        "beats_persistence": [r["series"] for r in compared if r["beats_persistence"]],
        "beats_trend": [r["series"] for r in compared if r["beats_trend"]],
        "beats_both": [r["series"] for r in compared if r["beats_persistence"] and r["beats_trend"]],
        "loses_to_both": [r["series"] for r in compared if not r["beats_persistence"] and not r["beats_trend"]],
        "no_naive_forecast": [r["series"] for r in rows if _finite(r["ard_validate_model"])
                              and not _finite(r["ard_validate_persistence"]) and not _finite(r["ard_validate_trend"])],
        "not_simulated": [r["series"] for r in rows if r["n_validate"] and not _finite(r["ard_validate_model"])],
        "no_validation_rows": [r["series"] for r in rows if r["n_validate"] == 0],
    }
    overall["best"] = _best({"model": overall["ard_validate_model"], "persistence": overall["ard_validate_persistence"],
                             "trend": overall["ard_validate_trend"]})
    return ValidationSummary(len(tables), rows, overall, points)


# ---------------------------------------------------------------------------------------------
# files


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.6g}"
    return value


def csv_text(header: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([_cell(r.get(k, "")) for k in header])
    return buf.getvalue()


def validation_csv(summary: ValidationSummary) -> str:
    """validation.csv: one row per series, then an ``overall`` row (the means over the
    series where the model and both naive forecasts have a validation ARD)."""
    o = summary.overall
    overall_row = {"series": "overall", "unit": "", **{k: o[k] for k in CSV_COLUMNS if k in o and k != "series"}}
    return csv_text(CSV_COLUMNS, [*summary.rows, overall_row])


def simulated_rows(tables: Sequence[pa.Table], seeds: Sequence[int]) -> list[dict[str, Any]]:
    """Every target row in every replicate (long form), as simulated_targets.csv writes them."""
    rows = []
    for rep, (table, seed) in enumerate(zip(tables, seeds, strict=True)):
        for r in table.to_pylist():
            rows.append({"replicate": rep, "seed": seed, **r, "reference_date": r["reference_date"].isoformat()})
    return rows


def simulated_csv(tables: Sequence[pa.Table], seeds: Sequence[int]) -> str:
    """simulated_targets.csv: every target row in every replicate (long form)."""
    return csv_text(SIMULATED_COLUMNS, simulated_rows(tables, seeds))


# ---------------------------------------------------------------------------------------------
# the run


@dataclass
class Validation:
    """What :func:`run_validation` returns: the scores, the per-replicate tables, their seeds
    and the provenance (what ran: scenario, parameters, seeds, targets)."""

    summary: ValidationSummary
    tables: list[pa.Table]
    seeds: list[int]
    provenance: dict[str, Any]


def replicate_targets(scenario: Any, seed: int, scale: float | None, targets: pa.Table,
               simulate: Callable[..., Any]) -> pa.Table:
    """One replicate measured on the targets (module level: a worker process imports it)."""
    return simulated_targets(simulate(scenario, seed=seed, scale=scale), targets)


def _with_params(scenario: Scenario, path: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The scenario with the values of a params file put in, as ``coexist calibrate`` puts a
    particle's (:func:`coexist.scenario.apply_calibrated`), and what the file held."""
    path = Path(path)
    text = read_text_file(path, "params file")
    try:
        resolved = apply_calibrated(scenario, path)
    except ScenarioError as exc:
        message = str(exc)
        raise ScenarioError(message if str(path) in message else f"params file {str(path)!r}: {message}") from None
    doc = tomllib.loads(text)
    record = {
        "path": str(path),
        "sha256": _sha256(path.read_bytes()),
        "behaviour": {k: float(v) for k, v in (doc.get("behaviour") or {}).items()},
        "assumptions": {k: float(v) for k, v in (doc.get("assumptions") or {}).items()},
        "overrides": list(doc.get("overrides") or []),
    }
    return resolved, record


def recorded_scenario(params: str | Path | None) -> str | None:
    """The scenario a calibration's best.toml says it calibrated (``scenario = "..."``), if any."""
    if params is None or not Path(params).is_file():
        return None
    try:
        value = tomllib.loads(Path(params).read_text(encoding="utf-8")).get("scenario")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # reported by _with_params
    return value if isinstance(value, str) and value else None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_validation(
    scenario_ref: str | None,
    targets: TargetsFile,
    *,
    params: str | Path | None = None,
    replicates: int = DEFAULT_REPLICATES,
    scale: float | None = DEFAULT_SCALE,
    seed: int = 0,
    workers: int = 1,
    overrides: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    simulate: Callable[..., Any] = engine_simulate,
    before_runs: Callable[[Scenario], None] | None = None,
) -> Validation:
    """Run a scenario over replicate seeds and score it on the held-out target rows.

    Writes nothing: :func:`coexist.api.validate` checks the input and writes the files.

    Parameters
    ----------
    scenario_ref : shipped scenario name or TOML path (None: the ``scenario`` a params
        file records, else ``japan-history``).
    targets : the targets table with its label and SHA-256
        (:func:`~coexist.calibration.targets.read_targets`); needs rows with split ``validate``.
    params : a params TOML, the ``best.toml`` of ``coexist calibrate``: its recorded
        ``overrides``, then its ``[behaviour]`` and ``[assumptions]`` values are put into the
        scenario as the calibration put a particle's (:func:`coexist.scenario.apply_calibrated`).
        Default: the scenario's own values.
    replicates : runs, >= 1; replicate r uses seed
        :func:`~coexist.experiments.replicate_seed` ``(seed, r)`` and the same parameters.
    scale : share of the population simulated (default 0.05; None: the scenario's).
    seed : base seed.
    workers : worker processes; results do not depend on it.
    overrides : "dotted.path=value" scenario overrides, applied before the params file (as in
        ``coexist calibrate``).
    progress : callable(done_runs, total_runs), optional.
    simulate : the engine (``coexist.engine.simulate.simulate``) or a stand-in with its signature.
    before_runs : called with the scenario that will run once it and the params file are checked, before the
        first run.
    """
    if scenario_ref is None:
        scenario_ref = recorded_scenario(params) or DEFAULT_SCENARIO
    scenario = load_scenario(scenario_ref, overrides=list(overrides), scale=scale)
    params_info: dict[str, Any] | None = None
    if params is not None:
        scenario, params_info = _with_params(scenario, params)
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    tasks = [(scenario, s, scale, targets.table, simulate) for s in seeds]
    if before_runs is not None:
        before_runs(scenario)
    tables, used = run_tasks(replicate_targets, tasks, workers=workers, progress=progress)
    summary = summarise(tables, targets.table)

    splits = targets.table.column("split").to_pylist()
    n_fit = splits.count("fit")
    provenance = {
        "scenario": str(scenario.name),
        "scenario_ref": str(scenario_ref),
        "scenario_hash": scenario_hash(scenario),
        "horizon": f"{scenario.start} to {scenario.end}",
        "scale": float(scenario.population.scale) if scale is None else float(scale),
        "seed": seed,
        "replicates": replicates,
        "replicate_seeds": seeds,
        "workers": used,
        "params": params_info,
        "overrides": list(overrides),
        "targets": {"path": targets.label, "sha256": targets.sha256, "rows": len(splits), "fit_rows": n_fit,
                    "validate_rows": len(splits) - n_fit},
    }
    return Validation(summary, list(tables), seeds, provenance)
