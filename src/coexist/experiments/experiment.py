"""An experiment's runs: the points of a design, their replicates, their ids, and what they measured.

A **point** is one value per varied factor; a **run** is a point simulated with one
replicate's seed (:func:`coexist.experiments.replicate_seed` of the design's base seed and
the replicate number, the same at every point: common random numbers). Each run has an id,
:func:`run_id`, a hash of the resolved scenario (the point's values are in it), the seed and
the point's values, so an experiment that stopped resumes where it stopped: a run whose id
has finished is not run again, and two points that resolve to the same scenario (choices,
whole numbers) run once.

This module plans and collects; it runs nothing itself (:mod:`coexist.experiments.runners`)
and writes nothing (``coexist.store``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coexist.experiments.design import Design, Factor
from coexist.experiments.replicates import replicate_seed
from coexist.experiments.runners import RunFailure
from coexist.experiments.sampling import sensitivity_rows, unit_sample

__all__ = ["PlannedRun", "Point", "points", "run_id", "plan_runs", "ExperimentResults", "point_means",
           "sensitivity_table", "RUN_ID_LENGTH"]

RUN_ID_LENGTH = 16


@dataclass(frozen=True)
class Point:
    """One point of a design: its number, its place in the unit cube and its factors' values."""

    index: int
    unit: tuple[float, ...]
    values: Mapping[str, Any]

    def overrides(self, factors: Sequence[Factor]) -> list[str]:
        """The scenario overrides that put the point's values in."""
        return [text for f in factors for text in f.overrides(self.values[f.name])]


def points(factors: Sequence[Factor], unit_points: np.ndarray) -> list[Point]:
    """The points of a sample of the unit cube (one row per point, one column per factor)."""
    out = []
    for i, row in enumerate(np.asarray(unit_points, dtype=np.float64)):
        values = {f.name: f.value(u) for f, u in zip(factors, row, strict=True)}
        out.append(Point(i, tuple(float(u) for u in row), values))
    return out


def design_points(design: Design, method: str, factors: Sequence[Factor]) -> tuple[np.ndarray, list[Point]]:
    """The design's sample (with ``method``) of the given factors: the unit points and the points."""
    s = design.sampler
    choices = [len(f.choices) if f.choices is not None else None for f in factors]
    unit = unit_sample(method, samples=s.samples, factors=len(factors), seed=s.seed, levels=s.levels,
                       choices=choices)
    return unit, points(factors, unit)


def run_id(scenario_hash: str, seed: int, values: Mapping[str, Any], scale: float | None = None) -> str:
    """The id of a run: a hash of the resolved scenario's hash, the seed, the point's values and
    the scale the engine runs at (None: the scenario's own, which its hash covers).

    >>> run_id("abc", 1, {"x": 0.5}) == run_id("abc", 1, {"x": 0.5}) != run_id("abc", 2, {"x": 0.5})
    True
    """
    payload = json.dumps({"scenario": scenario_hash, "seed": int(seed), "draw": dict(values), "scale": scale},
                         sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:RUN_ID_LENGTH]


@dataclass(frozen=True)
class PlannedRun:
    """One run of an experiment: its id, point, replicate, seed and scenario (with the point's values)."""

    run_id: str
    point: int
    replicate: int
    seed: int
    scenario: Any = field(repr=False, compare=False)


def plan_runs(pts: Sequence[Point], replicates: int, seed: int,
              scenario_of: Callable[[Point], tuple[Any, str]], scale: float | None = None) -> list[PlannedRun]:
    """Every (point, replicate) run, point by point; ``scenario_of(point)`` gives the point's
    loaded scenario and its hash; ``scale`` is the engine's."""
    seeds = [replicate_seed(seed, r) for r in range(replicates)]
    runs = []
    for p in pts:
        scenario, digest = scenario_of(p)
        for r, s in enumerate(seeds):
            runs.append(PlannedRun(run_id(digest, s, p.values, scale), p.index, r, s, scenario))
    return runs


@dataclass
class ExperimentResults:
    """What an experiment's runs measured.

    Attributes
    ----------
    runs : list of PlannedRun
    metrics : dict
        ``metrics[run_id]``: the recorded metrics of every run that finished (now or before).
    failures : list of RunFailure
        The runs that did not finish, with what happened.
    resumed : int
        Runs found finished in the output folder and not run again.
    """

    runs: list[PlannedRun]
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[RunFailure] = field(default_factory=list)
    resumed: int = 0

    def rows(self, pts: Sequence[Point], factors: Sequence[Factor], metric_names: Sequence[str]) -> list[dict]:
        """One row per run: run_id, point, replicate, seed, each factor (a choice as its value's text), each
        metric (NaN for a run that failed)."""
        by_index = {p.index: p for p in pts}
        out = []
        for run in self.runs:
            values = self.metrics.get(run.run_id, {})
            p = by_index[run.point]
            row: dict[str, Any] = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
                                   "seed": run.seed}
            for f in factors:
                v = p.values[f.name]
                row[f.name] = str(v) if f.choices is not None else float(v)
            for m in metric_names:
                row[m] = float(values.get(m, math.nan))
            out.append(row)
        return out


def point_means(results: ExperimentResults, n_points: int, metric: str) -> np.ndarray:
    """The mean of ``metric`` over each point's replicates (NaN where a replicate is missing)."""
    sums, counts, missing = np.zeros(n_points), np.zeros(n_points), np.zeros(n_points, dtype=bool)
    for run in results.runs:
        value = results.metrics.get(run.run_id, {}).get(metric, math.nan)
        if not math.isfinite(value):
            missing[run.point] = True
            continue
        sums[run.point] += value
        counts[run.point] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    means[missing] = math.nan
    return means


def sensitivity_table(method: str, unit_points: np.ndarray, results: ExperimentResults,
                      factors: Sequence[Factor], metric_names: Sequence[str], seed: int,
                      levels: int) -> list[dict[str, Any]]:
    """The sensitivity indices of every metric (rows: metric, parameter, index, value, conf)."""
    rows: list[dict[str, Any]] = []
    names = [f.name for f in factors]
    for metric in metric_names:
        y = point_means(results, len(unit_points), metric)
        rows += sensitivity_rows(method, unit_points, y, metric=metric, parameters=names, seed=seed, levels=levels)
    return rows
