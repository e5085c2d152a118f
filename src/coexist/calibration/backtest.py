"""Rolling-origin backtests: the forward model from the official stocks at an origin, 12 months on.

For each origin (the end of a month with official initial stocks, by default December 2022
and December 2023) :func:`backtest_scenario` builds the run: the historical rules of a
scenario (``japan-history``), started the month after the origin from
``population.initial = "japan-<origin>"`` (:func:`coexist.data.initial_stocks`), demand
starting from those stocks, 12 months long. :func:`split_at_origin` re-splits the targets
table at the origin: the rows whose months end at or before it are what was known
(``fit``: the naive forecasts are fitted on them), the rows whose months all fall in the 12
months after it are held out (``validate``); the others are left out. The scoring is then
the validation's (:func:`coexist.calibration.validation.summarise`: the model's ARD per
series next to persistence and the linear trend), plus the headline checks of
:func:`checks`. :func:`run_backtest` runs every origin and replicate on one process pool;
:func:`coexist.api.backtest` writes the files. docs/validation.md, "Rolling-origin
backtests", describes it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from coexist.calibration.measures import target_months
from coexist.calibration.targets import TargetsFile
from coexist.calibration.validation import (
    SIMULATED_COLUMNS,
    ValidationSummary,
    csv_text,
    replicate_targets,
    simulated_rows,
    summarise,
)
from coexist.data.stocks import REFERENCES
from coexist.engine.simulate import simulate as engine_simulate
from coexist.errors import ScenarioError
from coexist.experiments import replicate_seed
from coexist.experiments.ensemble import run_tasks
from coexist.periods import format_month, parse_month
from coexist.scenario import Scenario, load_scenario, scenario_hash

__all__ = [
    "DEFAULT_SCENARIO",
    "DEFAULT_ORIGINS",
    "HORIZON_MONTHS",
    "TOTAL_SERIES",
    "TOTAL_TOLERANCE",
    "CSV_COLUMNS",
    "OriginScores",
    "Backtest",
    "check_origins",
    "backtest_overrides",
    "backtest_scenario",
    "split_at_origin",
    "checks",
    "run_backtest",
    "backtest_csv",
    "simulated_csv",
]

DEFAULT_SCENARIO = "japan-history"
DEFAULT_ORIGINS: tuple[str, ...] = ("2022-12", "2023-12")
#: Months forecast from each origin.
HORIZON_MONTHS = 12
#: The series of the headline check on the total, and its tolerance (relative difference).
TOTAL_SERIES = "mhlw_workers_total"
TOTAL_TOLERANCE = 0.03
#: The series of the check by status: MHLW workers of one status group (no origin named).
_STATUS_PREFIX = "mhlw_workers_"
#: Columns of backtest.csv.
CSV_COLUMNS: tuple[str, ...] = (
    "origin",
    "series",
    "unit",
    "n_history",
    "n_held_out",
    "ard_model",
    "ard_model_p05",
    "ard_model_p95",
    "ard_persistence",
    "ard_trend",
    "best",
)
# backtest.csv column -> the validation summary's key it comes from
_FROM_SUMMARY = {
    "n_history": "n_fit",
    "n_held_out": "n_validate",
    "ard_model": "ard_validate_model",
    "ard_model_p05": "ard_validate_model_p05",
    "ard_model_p95": "ard_validate_model_p95",
    "ard_persistence": "ard_validate_persistence",
    "ard_trend": "ard_validate_trend",
}
# What the split labels mean in a backtest (simulated_targets.csv writes these words).
_ROLES = {"fit": "history", "validate": "held_out"}


def _shift(month: str, months: int) -> str:
    return format_month(parse_month(month) + months)


def check_origins(origins: str | Sequence[str] | None) -> tuple[str, ...]:
    """The origins to run, checked: months ``YYYY-MM`` that have official initial stocks
    (:data:`coexist.data.stocks.REFERENCES`), each once. None: :data:`DEFAULT_ORIGINS`.

    Raises ScenarioError (field ``origins``) naming the months that have stocks.
    """
    if origins is None:
        return DEFAULT_ORIGINS
    items = [origins] if isinstance(origins, str) else list(origins)
    known = ", ".join(sorted(REFERENCES))
    if not items:
        raise ScenarioError(f"must name at least one month, e.g. {DEFAULT_ORIGINS[0]}. Got none.", field="origins")
    out: list[str] = []
    for item in items:
        try:
            month = format_month(parse_month(item))
        except (TypeError, ValueError):
            raise ScenarioError(
                f"must be a month written YYYY-MM with official initial stocks ({known}). Got {item!r} instead.",
                field="origins",
            ) from None
        if month not in REFERENCES:
            raise ScenarioError(
                f"must be a month with official initial stocks ({known}). Got {item!r} instead.", field="origins"
            )
        if month in out:
            raise ScenarioError(f"must name each month once. Got {item!r} twice.", field="origins")
        out.append(month)
    return tuple(out)


def backtest_overrides(origin: str) -> list[str]:
    """The scenario overrides that turn a scenario into the backtest from ``origin``: the
    official stocks at the origin, the 12 months after it, and demand starting from those
    stocks (``demand.initial`` cleared, so the engine's employed x (1 + initial vacancy rate)
    applies)."""
    first, last = _shift(origin, 1), _shift(origin, HORIZON_MONTHS)
    return [
        f'population.initial="japan-{origin}"',
        f'horizon.earliest_start="{first}"',
        f'horizon.start="{first}"',
        f'horizon.end="{last}"',
        "demand.initial={}",
    ]


def backtest_scenario(scenario_ref: str, origin: str, *, overrides: Sequence[str] = (),
                      scale: float | None = None) -> Scenario:
    """The scenario ``scenario_ref`` (a shipped name or a TOML path) as run from ``origin``:
    the user's ``overrides`` first, then :func:`backtest_overrides`, through the loader (so a
    shipped calibration's values apply as in the scenario itself)."""
    return load_scenario(scenario_ref, overrides=[*overrides, *backtest_overrides(origin)], scale=scale)


def split_at_origin(targets: pa.Table, origin: str, months: int = HORIZON_MONTHS) -> pa.Table:
    """The targets re-split at ``origin``: ``fit`` for the rows whose model months end at or
    before it (known at the origin), ``validate`` for those whose months all fall in the
    ``months`` after it (held out); every other row is left out, and so is a measure that
    counts from the run's start (:func:`~coexist.calibration.measures.target_months`)."""
    last = _shift(origin, months)
    rows = []
    for row in targets.to_pylist():
        span = target_months(row["measure"], row["reference_date"], row.get("period_start"))
        if span is None:
            continue
        first_month, last_month = span
        if last_month <= origin:
            rows.append({**row, "split": "fit"})
        elif first_month > origin and last_month <= last:
            rows.append({**row, "split": "validate"})
    return pa.Table.from_pylist(rows, schema=targets.schema)


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def checks(summary: ValidationSummary) -> dict[str, Any]:
    """The headline checks of one origin.

    ``total``: the model's ARD on the held-out rows of :data:`TOTAL_SERIES` (mean over
    replicates), with the observed and median simulated values; passed when within
    :data:`TOTAL_TOLERANCE`. ``by_status``: per MHLW status series (``mhlw_workers_<status>``),
    the model's held-out ARD against the linear trend's from the same origin, and their means
    over the series where both exist; passed when the model's mean is no worse. A check
    with nothing to score is None.
    """
    rows = {r["series"]: r for r in summary.rows}
    total = None
    r = rows.get(TOTAL_SERIES)
    if r is not None and math.isfinite(r["ard_validate_model"]):
        held = [p for p in summary.points[TOTAL_SERIES]["points"] if p["split"] == "validate"]
        total = {
            "series": TOTAL_SERIES,
            "reference_dates": [p["reference_date"].isoformat() for p in held],
            "observed": [p["observed"] for p in held],
            "simulated_median": [p["simulated_median"] for p in held],
            "ard_model": r["ard_validate_model"],
            "ard_model_by_replicate": r["ard_validate_model_by_replicate"],
            "tolerance": TOTAL_TOLERANCE,
            "passed": bool(r["ard_validate_model"] <= TOTAL_TOLERANCE),
        }
    statuses = [
        {"series": s, "ard_model": rows[s]["ard_validate_model"], "ard_trend": rows[s]["ard_validate_trend"],
         "no_worse": rows[s]["ard_validate_model"] <= rows[s]["ard_validate_trend"]}
        for s in sorted(rows)
        if s.startswith(_STATUS_PREFIX) and s != TOTAL_SERIES and not (rows[s].get("what") or {}).get("origins")
        and math.isfinite(rows[s]["ard_validate_model"]) and math.isfinite(rows[s]["ard_validate_trend"])
    ]
    by_status = None
    if statuses:
        model, trend = _mean([s["ard_model"] for s in statuses]), _mean([s["ard_trend"] for s in statuses])
        by_status = {
            "series": statuses,
            "ard_model": model,
            "ard_trend": trend,
            "worse_than_trend": [s["series"] for s in statuses if not s["no_worse"]],
            "passed": bool(model <= trend),
        }
    return {"total": total, "by_status": by_status}


@dataclass
class OriginScores:
    """One origin's backtest: the scores (as a validation's, the split at the origin), the
    per-replicate ``simulated_targets`` tables, the re-split targets, the scenario that ran
    (its hash and horizon) and the headline :func:`checks`."""

    origin: str
    summary: ValidationSummary
    tables: list[pa.Table]
    targets: pa.Table
    scenario_hash: str
    horizon: str
    checks: dict[str, Any]


@dataclass
class Backtest:
    """What :func:`run_backtest` returns: the scores per origin (in the order asked), the
    replicate seeds and the provenance."""

    origins: dict[str, OriginScores]
    seeds: list[int]
    provenance: dict[str, Any]


def _mark_origin(summary: ValidationSummary, origin: str) -> None:
    """The held-out period on the charts starts on the day after the origin."""
    first = parse_month(_shift(origin, 1))
    day = dt.date.fromisoformat(f"{format_month(first)}-01")
    for data in summary.points.values():
        if data["boundary"] is not None:
            data["boundary"] = day


def run_backtest(
    scenario_ref: str | None,
    targets: TargetsFile,
    *,
    origins: str | Sequence[str] | None = None,
    replicates: int = 5,
    scale: float | None = 0.05,
    seed: int = 0,
    workers: int = 1,
    overrides: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    simulate: Callable[..., Any] = engine_simulate,
    before_runs: Callable[[Scenario], None] | None = None,
) -> Backtest:
    """Run a scenario from each origin over replicate seeds and score the 12 months after it.

    Writes nothing: :func:`coexist.api.backtest` checks the input and writes the files.

    Parameters
    ----------
    scenario_ref : shipped scenario name or TOML path (None: :data:`DEFAULT_SCENARIO`); its
        rules must cover the 12 months after each origin.
    targets : the targets table with its label and SHA-256
        (:func:`~coexist.calibration.targets.read_targets`); each origin needs a row in the
        12 months after it.
    origins : months ``YYYY-MM`` with official initial stocks (default :data:`DEFAULT_ORIGINS`).
    replicates : runs per origin, >= 1; replicate r uses seed
        :func:`~coexist.experiments.replicate_seed` ``(seed, r)`` from every origin.
    scale : share of the population simulated (default 0.05; None: the scenario's).
    seed : base seed.
    workers : worker processes; results do not depend on it.
    overrides : "dotted.path=value" scenario overrides, applied before the backtest's own.
    progress : callable(done_runs, total_runs), optional.
    simulate : the engine (``coexist.engine.simulate.simulate``) or a stand-in with its signature.
    before_runs : called with the first origin's scenario once every origin's scenario is checked, before the
        first run.
    """
    scenario_ref = DEFAULT_SCENARIO if scenario_ref is None else scenario_ref
    months = check_origins(origins)
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    plan = []
    for origin in months:
        scenario = backtest_scenario(scenario_ref, origin, overrides=overrides, scale=scale)
        split = split_at_origin(targets.table, origin)
        if "validate" not in split.column("split").to_pylist():
            raise ScenarioError(
                f"must be a month with a target row in the {HORIZON_MONTHS} months after it (the targets, "
                f"{targets.label}, have none from {_shift(origin, 1)} to {_shift(origin, HORIZON_MONTHS)}). "
                f"Got {origin!r} instead.",
                field="origins",
            )
        plan.append((origin, scenario, split))
    tasks = [(scenario, s, scale, split, simulate) for _, scenario, split in plan for s in seeds]
    if before_runs is not None:
        before_runs(plan[0][1])
    tables, used = run_tasks(replicate_targets, tasks, workers=workers, progress=progress)
    scores: dict[str, OriginScores] = {}
    for k, (origin, scenario, split) in enumerate(plan):
        mine = list(tables[k * replicates : (k + 1) * replicates])
        summary = summarise(mine, split)
        _mark_origin(summary, origin)
        scores[origin] = OriginScores(origin, summary, mine, split, scenario_hash(scenario),
                                      f"{scenario.start} to {scenario.end}", checks(summary))
    first = plan[0][1]
    provenance = {
        "scenario": str(first.name),
        "scenario_ref": str(scenario_ref),
        "origins": {
            origin: {
                "population_initial": f"japan-{origin}",
                "horizon": scores[origin].horizon,
                "scenario_hash": scores[origin].scenario_hash,
                "history_rows": split.column("split").to_pylist().count("fit"),
                "held_out_rows": split.column("split").to_pylist().count("validate"),
                "overrides": backtest_overrides(origin),
            }
            for origin, _, split in plan
        },
        "horizon_months": HORIZON_MONTHS,
        "scale": float(first.population.scale) if scale is None else float(scale),
        "seed": seed,
        "replicates": replicates,
        "replicate_seeds": seeds,
        "workers": used,
        "overrides": list(overrides),
        "targets": {"path": targets.label, "sha256": targets.sha256, "rows": targets.table.num_rows},
    }
    return Backtest(scores, seeds, provenance)


def backtest_csv(backtest: Backtest) -> str:
    """backtest.csv: per origin, one row per series with held-out rows, then an ``overall`` row
    (the means over the series that the model and both naive forecasts are scored on)."""
    rows = []
    for origin, scored in backtest.origins.items():
        summary = scored.summary
        for r in summary.rows:
            if r["n_validate"]:
                rows.append({"origin": origin, "series": r["series"], "unit": r["unit"], "best": r["best"],
                             **{k: r[v] for k, v in _FROM_SUMMARY.items()}})
        o = summary.overall
        rows.append({"origin": origin, "series": "overall", "unit": "", "best": o["best"],
                     **{k: o[v] for k, v in _FROM_SUMMARY.items()}})
    return csv_text(CSV_COLUMNS, rows)


def simulated_csv(backtest: Backtest) -> str:
    """simulated_targets.csv: every target row of every origin in every replicate, its role
    ``history`` (at or before the origin; not simulated) or ``held_out``."""
    rows = [{"origin": origin, **r, "role": _ROLES[r["split"]]}
            for origin, scored in backtest.origins.items() for r in simulated_rows(scored.tables, backtest.seeds)]
    return csv_text(("origin", *("role" if c == "split" else c for c in SIMULATED_COLUMNS)), rows)
