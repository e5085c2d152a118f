"""Sampling the unit cube of a design's factors, and the sensitivity indices of what was measured.

Every sampler works on the unit cube ``[0, 1]^d`` (one column per factor); a factor maps
its column to its own values (:meth:`coexist.experiments.design.Factor.value`), so ranges,
whole numbers and choices are all handled in one place. Each sampler is seeded: the same
seed gives the same points.

- ``latin``: a Latin hypercube of ``samples`` points (SciPy's ``qmc.LatinHypercube``):
  each column has exactly one point in each of ``samples`` equal strata.
- ``sobol``: Saltelli's extension of a scrambled Sobol sequence (SALib's ``sobol`` sampler,
  first and total order only): ``samples x (d + 2)`` points, ``samples`` a power of 2.
- ``morris``: ``samples`` trajectories of ``d + 1`` points on a ``levels``-level grid
  (SALib's ``morris`` sampler), each step moving one factor.
- ``factorial``: every combination of ``levels`` evenly spaced values of each ranged factor
  (both ends included) and of every choice of each factor with choices.

:func:`sensitivity_rows` turns the points and one metric's values into the indices of SALib
(Sobol: ``S1`` and ``ST``; Morris: ``mu``, ``mu_star`` and ``sigma``), each with the
half-width of its 95% confidence interval where SALib gives one.

>>> unit_sample("latin", samples=4, factors=2, seed=0).shape
(4, 2)
>>> unit_sample("factorial", samples=1, factors=2, seed=0, levels=3, choices=[None, 2]).tolist()
[[0.0, 0.25], [0.0, 0.75], [0.5, 0.25], [0.5, 0.75], [1.0, 0.25], [1.0, 0.75]]
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import qmc

# SALib is imported where it is used: it takes a second to import (it loads pandas), which
# every command of the command line would otherwise pay.

__all__ = ["unit_sample", "sensitivity_rows", "SENSITIVITY_METHODS", "SENSITIVITY_COLUMNS", "runs_needed"]

SENSITIVITY_METHODS = ("sobol", "morris")
SENSITIVITY_COLUMNS = ("metric", "parameter", "index", "value", "conf")
CONFIDENCE = 0.95


def _problem(factors: int) -> dict[str, Any]:
    return {"num_vars": factors, "names": [f"x{i}" for i in range(factors)], "bounds": [[0.0, 1.0]] * factors}


def runs_needed(method: str, samples: int, factors: int, levels: int = 4,
                choices: Sequence[int | None] | None = None) -> int:
    """Points a sampler gives: what an experiment runs per replicate."""
    if method == "sobol":
        return samples * (factors + 2)
    if method == "morris":
        return samples * (factors + 1)
    if method == "factorial":
        counts = [(k or levels) for k in (choices or [None] * factors)]
        return math.prod(counts)
    return samples


def unit_sample(method: str, *, samples: int, factors: int, seed: int, levels: int = 4,
                choices: Sequence[int | None] | None = None) -> np.ndarray:
    """Points of the unit cube, one row per point, one column per factor.

    Parameters
    ----------
    method : "latin", "sobol", "morris" or "factorial"
    samples : points (latin), base samples (sobol: a power of 2), trajectories (morris);
        a full factorial ignores it.
    factors : columns, >= 1.
    seed : the sampler's seed.
    levels : grid levels of Morris, and values of each ranged factor in a full factorial.
    choices : per factor, its number of choices (None for a ranged factor): a full factorial
        takes each choice once, at the middle of its share of [0, 1].
    """
    if method == "latin":
        return qmc.LatinHypercube(d=factors, rng=np.random.default_rng(seed)).random(samples)
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample  # noqa: PLC0415 - start-up cost, see the imports

        with warnings.catch_warnings():  # SALib warns (and works) when samples is no power of 2; the docs say so
            warnings.simplefilter("ignore")
            return sobol_sample.sample(_problem(factors), samples, calc_second_order=False, scramble=True,
                                       seed=int(seed) % 2**32)
    if method == "morris":
        from SALib.sample import morris as morris_sample  # noqa: PLC0415 - start-up cost, see the imports

        return morris_sample.sample(_problem(factors), samples, num_levels=levels, seed=int(seed) % 2**32)
    if method == "factorial":
        columns = []
        for k in choices or [None] * factors:
            if k:
                columns.append([(i + 0.5) / k for i in range(k)])
            else:
                columns.append([i / (levels - 1) for i in range(levels)])
        return np.array(list(itertools.product(*columns)), dtype=np.float64).reshape(-1, factors)
    raise ValueError(f"method must be one of latin, sobol, morris, factorial. Got {method!r} instead.")


def sensitivity_rows(method: str, unit_points: np.ndarray, values: np.ndarray, *, metric: str,
                     parameters: Sequence[str], seed: int, levels: int = 4) -> list[dict[str, Any]]:
    """SALib's indices of one metric, as rows (metric, parameter, index, value, conf).

    ``unit_points`` are the points of :func:`unit_sample` (method ``sobol`` or ``morris``),
    ``values`` the metric at each point (the mean over replicates); ``conf`` is the half-width
    of the 95% interval (bootstrap), NaN where SALib gives none (Morris' ``mu`` and ``sigma``).
    A metric that is NaN at some point gives NaN indices.
    """
    problem = _problem(len(parameters))
    y = np.asarray(values, dtype=np.float64)
    rows: list[dict[str, Any]] = []

    def add(index: str, value: Sequence[float], conf: Sequence[float] | None) -> None:
        for j, name in enumerate(parameters):
            c = math.nan if conf is None else float(conf[j])
            rows.append({"metric": metric, "parameter": name, "index": index, "value": float(value[j]), "conf": c})

    nan = [math.nan] * len(parameters)
    if not np.all(np.isfinite(y)):
        keys = ("S1", "ST") if method == "sobol" else ("mu", "mu_star", "sigma")
        for key in keys:
            add(key, nan, nan)
        return rows
    from SALib.analyze import morris as morris_analyze  # noqa: PLC0415 - start-up cost, see the imports
    from SALib.analyze import sobol as sobol_analyze  # noqa: PLC0415

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")  # a constant metric divides by a zero variance: its indices are NaN
        if method == "sobol":
            s = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=CONFIDENCE,
                                      print_to_console=False, seed=int(seed) % 2**32)
            add("S1", s["S1"], s["S1_conf"])
            add("ST", s["ST"], s["ST_conf"])
        elif method == "morris":
            s = morris_analyze.analyze(problem, np.asarray(unit_points), y, conf_level=CONFIDENCE,
                                       print_to_console=False, num_levels=levels, seed=int(seed) % 2**32)
            add("mu", s["mu"], None)
            add("mu_star", s["mu_star"], s["mu_star_conf"])
            add("sigma", s["sigma"], None)
        else:
            raise ValueError(f"method must be sobol or morris. Got {method!r} instead.")
    return rows
