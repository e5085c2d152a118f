"""Run scenarios over replicates on a local process pool, with common random numbers.

Every (scenario, replicate) pair is one task: the scenario with the replicate's drawn
parameters, simulated with the replicate's seed; the task returns the run's metrics (and,
for the replicates asked to be kept, the run's tables). Results are stored by (scenario,
replicate), never by completion order, and every task is a pure function of its inputs,
so the samples are identical whatever the number of worker processes.

Workers are started with the ``spawn`` method (the engine's compiled kernels use OpenMP
threads, which do not survive ``fork``); each worker gets ``cpus // workers`` engine
threads, so a pool does not oversubscribe the cores.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numba

from coexist.data.calibrated import SHIPPED, CalibratedSource
from coexist.engine import simulate as simulate_scenario
from coexist.errors import ScenarioError
from coexist.experiments.replicates import Replicate, distribution, replicate_plan, with_parameters
from coexist.experiments.series import annual_series
from coexist.metrics import compute_metrics

__all__ = [
    "EnsembleResult", "run_ensemble", "run_tasks", "default_workers", "init_worker", "uses_calibration", "sample_rows",
    "series_rows",
]

Progress = Callable[[int, int], None]
Simulate = Callable[[Any, int, float | None], Any]


def default_workers() -> int:
    """Number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class TaskResult:
    scenario: int
    replicate: int
    seed: int
    metrics: dict[str, float]
    engine_seconds: float
    series: dict[str, Any] = field(default_factory=dict)
    result: Any = None  # the SimulationResult, when kept
    scenario_obj: Any = None  # the scenario with the drawn parameters, when kept
    compile_seconds: float = 0.0


@dataclass
class EnsembleResult:
    """Samples of every metric over replicates, per scenario.

    Attributes
    ----------
    names : list of str
        Scenario names (unique), in the order given.
    plan : list of Replicate
        Seed and parameter set of each replicate (the same in every scenario).
    samples : dict
        ``samples[name][metric]`` is the list of values over replicates, replicate r at
        index r.
    series : dict
        ``series[name]`` is the list over replicates of :func:`annual_series` of each run
        (every replicate's, replicate r at index r; :meth:`series_rows` in long form).
    kept : dict
        ``kept[name]`` is the :class:`TaskResult` of replicate 0 (with its tables).
    engine_seconds : float
        Seconds spent in the engine over all tasks (summed over workers), compiling excluded.
    compile_seconds : float
        Seconds the engine spent compiling its kernels or loading them from the cache, summed
        over workers (each worker process does it once).
    wall_seconds : float
    workers : int
    calibrated : bool
        Whether the parameters were drawn from the shipped calibration's posterior (the
        compared scenarios use ``behaviour_defaults = "calibrated-japan"``).
    """

    names: list[str]
    plan: list[Replicate]
    samples: dict[str, dict[str, list[float]]]
    series: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    kept: dict[str, TaskResult] = field(default_factory=dict)
    engine_seconds: float = 0.0
    wall_seconds: float = 0.0
    workers: int = 1
    calibrated: bool = False
    compile_seconds: float = 0.0

    @property
    def distribution(self) -> str:
        """How the replicates' parameters were drawn (for the comparison's settings)."""
        return distribution(self.calibrated)

    @property
    def seeds(self) -> list[int]:
        """The engine seed of each replicate, replicate r at index r."""
        return [rep.seed for rep in self.plan]

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows of the samples: scenario, replicate, seed, metric, value."""
        return sample_rows(self.samples, self.seeds)

    def series_rows(self) -> list[dict[str, Any]]:
        """Tidy rows of every replicate's annual series: scenario, replicate, seed, year, series, value."""
        return series_rows(self.series, self.seeds)


def sample_rows(samples: Mapping[str, Mapping[str, Sequence[float]]], seeds: Sequence[int]) -> list[dict[str, Any]]:
    """``samples[scenario][metric][r]`` as tidy rows (scenario, replicate r, ``seeds[r]``, metric, value).

    >>> sample_rows({"a": {"m": [1.0, 2.0]}}, [5, 6])[1]
    {'scenario': 'a', 'replicate': 1, 'seed': 6, 'metric': 'm', 'value': 2.0}
    """
    out = []
    for name, metrics in samples.items():
        for metric, values in metrics.items():
            for replicate, (seed, value) in enumerate(zip(seeds, values, strict=True)):
                out.append({"scenario": name, "replicate": replicate, "seed": seed, "metric": metric,
                            "value": float(value)})
    return out


def series_rows(series: Mapping[str, Sequence[Mapping[str, Any]]], seeds: Sequence[int]) -> list[dict[str, Any]]:
    """``series[scenario][r]`` (an :func:`annual_series` of replicate r) as tidy rows:
    scenario, replicate, seed, year, series, value (``nan`` where a year has no value).

    >>> series_rows({"a": [{"years": [2025], "host_stock": [3.0]}]}, [9])
    [{'scenario': 'a', 'replicate': 0, 'seed': 9, 'year': 2025, 'series': 'host_stock', 'value': 3.0}]
    """
    out = []
    for name, replicates in series.items():
        for replicate, (seed, annual) in enumerate(zip(seeds, replicates, strict=True)):
            years = annual["years"]
            for key, values in annual.items():
                if key == "years":
                    continue
                for year, value in zip(years, values, strict=True):
                    out.append({"scenario": name, "replicate": replicate, "seed": seed, "year": int(year),
                                "series": key, "value": float("nan") if value is None else float(value)})
    return out


def uses_calibration(scenarios: Sequence[tuple[str, Any]]) -> bool:
    """Whether the replicates of a comparison draw from the shipped calibration's posterior.

    True when every scenario has ``behaviour_defaults = "calibrated-japan"``, False when none
    has (an object without the field counts as ``"embedded"``).

    Raises
    ------
    coexist.errors.ScenarioError
        When some do and some do not: the scenarios of one comparison share each
        replicate's parameters, so they must share their defaults.
    """
    kinds = {name: str(getattr(sc, "behaviour_defaults", "embedded") or "embedded") for name, sc in scenarios}
    calibrated = [name for name, kind in kinds.items() if kind == "calibrated-japan"]
    if not calibrated:
        return False
    if len(calibrated) == len(kinds):
        return True
    groups: dict[str, list[str]] = {}
    for name, kind in kinds.items():
        groups.setdefault(kind, []).append(name)
    detail = "; ".join(f"{', '.join(names)}: {kind!r}" for kind, names in groups.items())
    raise ScenarioError(
        f"the compared scenarios must share behaviour_defaults (they share each replicate's parameters). Got {detail}."
    )


def _engine_simulate(scenario: Any, seed: int, scale: float | None) -> Any:
    return simulate_scenario(scenario, seed=seed, scale=scale)


def _task(simulate: Simulate, index: int, scenario: Any, rep: Replicate, scale: float | None, keep: bool) -> TaskResult:
    sc = with_parameters(scenario, rep.parameters)
    started = time.perf_counter()
    result = simulate(sc, rep.seed, scale)
    seconds = float(getattr(result, "wall_seconds", time.perf_counter() - started))
    metrics = {k: float(v) for k, v in compute_metrics(result, sc).items()}
    series = annual_series(result)
    kept = (result, sc) if keep else (None, None)
    compiling = float(getattr(result, "compile_seconds", 0.0))
    return TaskResult(index, rep.replicate, rep.seed, metrics, seconds, series, *kept, compile_seconds=compiling)


def init_worker(threads: int) -> None:
    """Set up a worker process of a local pool: Ctrl-C left to the parent, ``threads`` engine threads."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def run_tasks(
    fn: Callable[..., Any], tasks: Sequence[tuple], *, workers: int, progress: Progress | None = None
) -> tuple[list[Any], int]:
    """``[fn(*task) for task in tasks]`` on a local process pool; results in task order.

    Parameters
    ----------
    fn : callable
        A module-level function (worker processes import it by name).
    tasks : sequence of argument tuples
        Picklable when more than one worker is used.
    workers : int
        Worker processes, >= 1; 1 (or a single task) runs in this process.
    progress : callable(done, total), optional
        Called after each task finishes (in completion order).

    Returns
    -------
    (results, workers used)
        The first error of a task is raised here; the queued tasks are dropped and the
        workers stopped at once, as on Ctrl-C. Workers start with ``spawn`` and get
        ``cpus // workers`` engine threads each.
    """
    if int(workers) < 1:
        raise ValueError(f"workers must be >= 1. Got {workers!r}.")
    total = len(tasks)
    results: list[Any] = [None] * total
    if workers == 1 or total <= 1:
        for done, task in enumerate(tasks, start=1):
            results[done - 1] = fn(*task)
            if progress is not None:
                progress(done, total)
        return results, 1
    used = min(int(workers), total)
    threads = max(1, default_workers() // used)
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=used, mp_context=ctx, initializer=init_worker, initargs=(threads,))
    try:
        pending = {pool.submit(fn, *task): k for k, task in enumerate(tasks)}
        waiting = set(pending)
        done_count = 0
        while waiting:
            # each finished run is counted (and its error raised) as soon as it ends
            finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for fut in finished:
                results[pending[fut]] = fut.result()  # re-raises a task's error here
                done_count += 1
                if progress is not None:
                    progress(done_count, total)
    except BaseException:
        # an error or Ctrl-C: drop the queued runs and stop the workers now, do not wait for them
        procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()
        raise
    pool.shutdown(wait=True)
    return results, used


def run_ensemble(
    scenarios: Sequence[tuple[str, Any]],
    *,
    seed: int,
    replicates: int,
    scale: float | None,
    workers: int | None = None,
    keep: Sequence[int] = (0,),
    progress: Progress | None = None,
    simulate: Simulate | None = None,
    calibration: CalibratedSource = SHIPPED,
) -> EnsembleResult:
    """Simulate every scenario over ``replicates`` replicates and collect the metrics.

    Parameters
    ----------
    scenarios : sequence of (name, Scenario)
        Loaded scenarios; names must be unique.
    seed : int
        Base seed; replicate r uses :func:`~coexist.experiments.replicate_seed` ``(seed, r)``
        and :func:`~coexist.experiments.draw_parameters` ``(seed, r, calibrated)`` in every
        scenario, ``calibrated`` being :func:`uses_calibration` of the scenarios (a mix of
        embedded and calibrated defaults raises :class:`~coexist.errors.ScenarioError`).
    replicates : int
        Number of replicates, >= 1.
    scale : float or None
        Scale of every run (the scenario's when None).
    workers : int, optional
        Worker processes (default: the number of CPUs). 1 runs in this process.
    keep : sequence of int
        Replicates whose tables are kept (returned in ``kept``); replicate 0 by default.
    progress : callable(done_runs, total_runs), optional
    simulate : callable(scenario, seed, scale) -> SimulationResult, optional
        The engine (default ``coexist.engine.simulate``); must be picklable when workers > 1.
    calibration : CalibratedSource
        Where calibrated scenarios' parameter sets are drawn from (default: the shipped calibration).
    """
    started = time.perf_counter()
    names = [n for n, _ in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique. Got {names}.")
    if int(replicates) < 1:
        raise ValueError(f"replicates must be >= 1. Got {replicates!r}.")
    calibrated = uses_calibration(scenarios)
    plan = replicate_plan(seed, int(replicates), calibrated, calibration)
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be >= 1. Got {workers!r}.")
    simulate = simulate or _engine_simulate
    keep_set = set(keep)
    tasks = [
        (simulate, i, sc, rep, scale, rep.replicate in keep_set) for rep in plan for i, (_, sc) in enumerate(scenarios)
    ]
    done_results, used = run_tasks(_task, tasks, workers=workers, progress=progress)
    results: dict[tuple[int, int], TaskResult] = {(r.scenario, r.replicate): r for r in done_results}

    samples: dict[str, dict[str, list[float]]] = {}
    kept: dict[str, TaskResult] = {}
    series: dict[str, list[dict[str, Any]]] = {}
    for i, name in enumerate(names):
        per_rep = [results[(i, rep.replicate)] for rep in plan]
        keys = list(per_rep[0].metrics)
        samples[name] = {k: [r.metrics.get(k, float("nan")) for r in per_rep] for k in keys}
        series[name] = [r.series for r in per_rep]
        for r in per_rep:
            if keep_set and r.result is not None and r.replicate == min(keep_set):
                kept[name] = r
    engine = sum(r.engine_seconds for r in results.values())
    compiling = sum(r.compile_seconds for r in results.values())
    return EnsembleResult(names, plan, samples, series, kept, engine, time.perf_counter() - started, used, calibrated,
                          compiling)
