"""Many-objective policy search: NSGA-III (pymoo) over the levers, on the three actor scores.

Why NSGA-III: the search has three objectives (the host, migrant and origin scores, each to
maximise). NSGA-II ranks a front by crowding distance, which spreads points poorly from
three objectives up; NSGA-III keeps one niche per reference direction (Das and Dennis'
simplex lattice), so the front it returns covers the trade-offs between the three actors
evenly. Constraints (a metric kept below or above a bound) use pymoo's feasibility-first
ranking.

The search runs in generations: pymoo asks for a population of points of the unit cube, the
caller evaluates them all at once (on a runner, in parallel) and tells the objectives back,
so the search depends only on its seed and on the values, never on which run finished first.

>>> import numpy as np
>>> front = nsga3_search(lambda x: (np.c_[x[:, 0], 1 - x[:, 0], (x[:, 1] - 0.5) ** 2], None), variables=2,
...                      objectives=3, population=12, generations=5, seed=1)
>>> front.unit.shape[1]
2
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.core.evaluator import Evaluator
from pymoo.core.problem import Problem
from pymoo.problems.static import StaticProblem
from pymoo.util.ref_dirs import get_reference_directions

__all__ = ["Front", "nsga3_search", "reference_directions"]

# evaluate(unit points, one row each) -> (objectives to minimise, constraints <= 0 or None), one row per point
Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]


@dataclass
class Front:
    """The non-dominated feasible points found (all points when none is feasible: ``feasible`` False)."""

    unit: np.ndarray
    objectives: np.ndarray
    constraints: np.ndarray | None
    feasible: bool
    evaluations: int


def reference_directions(objectives: int, population: int) -> np.ndarray:
    """The Das-Dennis lattice with the most directions not above ``population`` (at least 1 partition)."""
    partitions = 1
    while len(get_reference_directions("das-dennis", objectives, n_partitions=partitions + 1)) <= population:
        partitions += 1
    return get_reference_directions("das-dennis", objectives, n_partitions=partitions)


def nsga3_search(evaluate: Evaluate, *, variables: int, objectives: int, population: int, generations: int,
                 seed: int, constraints: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> Front:
    """Minimise ``objectives`` functions of ``variables`` unit-cube variables with NSGA-III.

    ``evaluate`` gets a whole generation (rows of the unit cube) and returns its objectives
    (rows x objectives, to minimise) and its constraints (rows x constraints, feasible when
    <= 0; None when there are none). ``progress(generation, generations)`` follows each.
    """
    problem = Problem(n_var=variables, n_obj=objectives, n_ieq_constr=constraints, xl=0.0, xu=1.0)
    algorithm = NSGA3(ref_dirs=reference_directions(objectives, population), pop_size=population)
    algorithm.setup(problem, termination=("n_gen", generations), seed=int(seed) % 2**32, verbose=False)
    evaluations, generation = 0, 0
    while algorithm.has_next():
        pop = algorithm.ask()
        f, g = evaluate(np.asarray(pop.get("X"), dtype=np.float64))
        evaluations += len(pop)
        kwargs = {"F": np.asarray(f, dtype=np.float64)}
        if constraints:
            kwargs["G"] = np.asarray(g, dtype=np.float64)
        Evaluator().eval(StaticProblem(problem, **kwargs), pop)
        algorithm.tell(infills=pop)
        generation += 1
        if progress is not None:
            progress(generation, generations)
    opt = algorithm.opt
    g = opt.get("G") if constraints else None
    feasible = bool(np.all(opt.get("feasible"))) if constraints else True
    return Front(np.asarray(opt.get("X")), np.asarray(opt.get("F")), None if g is None else np.asarray(g), feasible,
                 evaluations)
