"""Samplers against known designs, Sobol indices on the Ishigami function, and the search on a
problem with a known Pareto front."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from coexist.experiments.sampling import runs_needed, sensitivity_rows, unit_sample
from coexist.experiments.search import nsga3_search


def test_latin_hypercube_puts_one_point_in_each_stratum_of_every_column_and_is_seeded():
    x = unit_sample("latin", samples=10, factors=3, seed=7)
    for column in x.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))
    assert np.array_equal(x, unit_sample("latin", samples=10, factors=3, seed=7))
    assert not np.array_equal(x, unit_sample("latin", samples=10, factors=3, seed=8))


def test_full_factorial_is_every_combination_of_the_levels_and_choices():
    x = unit_sample("factorial", samples=1, factors=3, seed=0, levels=3, choices=[None, 2, None])
    expected = list(itertools.product([0.0, 0.5, 1.0], [0.25, 0.75], [0.0, 0.5, 1.0]))
    assert [tuple(row) for row in x] == expected
    assert runs_needed("factorial", 1, 3, levels=3, choices=[None, 2, None]) == len(expected)


def test_morris_trajectories_move_one_factor_a_step_at_a_time():
    levels, factors, trajectories = 4, 3, 5
    x = unit_sample("morris", samples=trajectories, factors=factors, seed=2, levels=levels)
    assert x.shape == (runs_needed("morris", trajectories, factors), factors)
    delta = levels / (2 * (levels - 1))
    for t in range(trajectories):
        steps = np.diff(x[t * (factors + 1):(t + 1) * (factors + 1)], axis=0)
        moved = np.abs(steps) > 1e-12
        assert (moved.sum(axis=1) == 1).all() and sorted(np.argmax(moved, axis=1)) == list(range(factors))
        assert np.allclose(np.abs(steps[moved]), delta)


def test_saltelli_sample_has_its_size_and_the_same_seed_gives_the_same_points():
    x = unit_sample("sobol", samples=8, factors=2, seed=3)
    assert x.shape == (runs_needed("sobol", 8, 2), 2) == (32, 2)
    assert np.array_equal(x, unit_sample("sobol", samples=8, factors=2, seed=3))
    assert ((0 <= x) & (x <= 1)).all()


def test_sobol_indices_of_the_ishigami_function_match_the_known_values():
    x = unit_sample("sobol", samples=2048, factors=3, seed=1)
    z = -np.pi + 2 * np.pi * x
    y = np.sin(z[:, 0]) + 7 * np.sin(z[:, 1]) ** 2 + 0.1 * z[:, 2] ** 4 * np.sin(z[:, 0])
    rows = sensitivity_rows("sobol", x, y, metric="ishigami", parameters=["x1", "x2", "x3"], seed=1)
    got = {(r["index"], r["parameter"]): r for r in rows}
    # analytic values (Ishigami and Homma 1990, a = 7, b = 0.1)
    known = {("S1", "x1"): 0.3139, ("S1", "x2"): 0.4424, ("S1", "x3"): 0.0,
             ("ST", "x1"): 0.5576, ("ST", "x2"): 0.4424, ("ST", "x3"): 0.2437}
    for key, value in known.items():
        assert got[key]["value"] == pytest.approx(value, abs=0.05), key
        assert 0 < got[key]["conf"] < 0.1
    assert {r["metric"] for r in rows} == {"ishigami"}


def test_a_metric_with_missing_points_gets_undefined_indices():
    x = unit_sample("morris", samples=2, factors=2, seed=0)
    y = np.arange(len(x), dtype=float)
    y[1] = np.nan
    rows = sensitivity_rows("morris", x, y, metric="m", parameters=["a", "b"], seed=0)
    assert rows and all(np.isnan(r["value"]) for r in rows)


def _dtlz2(x):
    g = ((x[:, 2:] - 0.5) ** 2).sum(axis=1)
    a, b = x[:, 0] * np.pi / 2, x[:, 1] * np.pi / 2
    return np.c_[(1 + g) * np.cos(a) * np.cos(b), (1 + g) * np.cos(a) * np.sin(b), (1 + g) * np.sin(a)], None


def test_search_finds_the_known_front_of_dtlz2_and_depends_only_on_its_seed():
    front = nsga3_search(_dtlz2, variables=5, objectives=3, population=28, generations=60, seed=3)
    radius = np.sqrt((front.objectives ** 2).sum(axis=1))
    assert len(radius) >= 10
    assert np.all(np.abs(radius - 1.0) < 0.05)  # the front of DTLZ2 is the unit sphere's positive octant
    assert front.objectives.min(axis=0).max() < 0.2  # and spread towards each corner
    again = nsga3_search(_dtlz2, variables=5, objectives=3, population=28, generations=60, seed=3)
    assert np.array_equal(front.unit, again.unit)


def test_search_keeps_to_a_constraint():
    def evaluate(x):
        f, _ = _dtlz2(x)
        return f, (0.5 - f[:, 2])[:, None]  # f3 >= 0.5

    front = nsga3_search(evaluate, variables=4, objectives=3, population=16, generations=30, seed=0, constraints=1)
    assert front.feasible and np.all(front.objectives[:, 2] >= 0.5)
