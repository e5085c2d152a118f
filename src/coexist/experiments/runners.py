"""Where an experiment's runs execute: a local process pool, or Dask distributed.

A runner takes a module-level callable and keyed argument tuples and returns the results by
key, whatever order the runs finish in; it knows nothing of scenarios or files. Each run is
a pure function of its arguments (its seed is among them), so the results are the same
whatever the runner and the number of workers.

A run that raises is reported as a :class:`RunFailure` with its key and the rest go on. A
worker process that dies (a crash, a kill, memory) is reported the same way, with the run it
was on: the local pool runs each of the runs that were in flight again, alone in a fresh
process, to find the one that kills its worker; Dask reschedules the runs of a dead worker
and gives up on a run that has killed workers (``KilledWorker``).

- :class:`ProcessPoolRunner` (``workers`` processes, started with ``spawn`` like the
  replicate runner's, each with ``cpus // workers`` engine threads);
- :class:`DaskRunner` (``local_workers=N`` starts a ``LocalCluster`` of N single-threaded
  worker processes; ``scheduler=ADDRESS`` joins a running cluster).

>>> with ProcessPoolRunner(1) as runner:
...     runner.run(divmod, [("a", (7, 2)), ("b", (9, 4))]).results
{'a': (3, 1), 'b': (2, 1)}
"""

from __future__ import annotations

import collections
import functools
import multiprocessing
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numba

from coexist.errors import ScenarioError
from coexist.experiments.ensemble import default_workers, init_worker

__all__ = ["RunFailure", "RunnerOutput", "ProcessPoolRunner", "DaskRunner", "make_runner"]

Progress = Callable[[int, int], None]
Keyed = Sequence[tuple[str, tuple]]


@dataclass(frozen=True)
class RunFailure:
    """A run that did not finish: its key and what happened."""

    key: str
    error: str


@dataclass
class RunnerOutput:
    """Results by key (the runs that finished) and the runs that failed, in the order they failed."""

    results: dict[str, Any] = field(default_factory=dict)
    failures: list[RunFailure] = field(default_factory=list)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _with_threads(threads: int, fn: Callable[..., Any], args: tuple) -> Any:
    """``fn(*args)`` with the engine's kernels on ``threads`` threads (0: as the worker has them)."""
    if threads > 0:
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    return fn(*args)


class ProcessPoolRunner:
    """Runs on ``workers`` local processes (1: in this process, where a crash ends everything).

    The processes start at the first run and serve every call of :meth:`run` until
    :meth:`close` (or the end of a ``with`` block)."""

    name = "process pool"

    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else int(workers)
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1. Got {workers!r} instead.")
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessPoolRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (they are kept between calls of :meth:`run` until then)."""
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True)

    def _shared_pool(self) -> ProcessPoolExecutor:
        # one pool for every call of run(): a worker starts (and loads the engine) once per experiment
        if self._executor is None:
            self._executor = self._pool(self.workers)
        return self._executor

    def _drop_pool(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            _stop(executor)

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        threads = max(1, default_workers() // workers)
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_worker, initargs=(threads,))

    def run(self, fn: Callable[..., Any], tasks: Keyed, progress: Progress | None = None, *,
            fail_fast: bool = False) -> RunnerOutput:
        """``fn(*args)`` for every ``(key, args)`` of ``tasks``; ``progress(done, total)`` after each.
        With ``fail_fast``, the first error a run raises is raised here and the other runs are dropped."""
        out, total = RunnerOutput(), len(tasks)

        def finished(key: str, value: Any = None, failure: str | None = None) -> None:
            if failure is None:
                out.results[key] = value
            else:
                out.failures.append(RunFailure(key, failure))
            if progress is not None:
                progress(len(out.results) + len(out.failures), total)

        def settle(key: str, result: Callable[[], Any]) -> None:
            """Record what ``result()`` returns, or the error it raises (raised again with ``fail_fast``;
            a broken pool always is, for the caller to find the run that broke it)."""
            try:
                value = result()
            except BrokenProcessPool:
                raise
            except Exception as exc:
                if fail_fast:
                    raise
                finished(key, failure=_describe(exc))
            else:
                finished(key, value)

        if self.workers == 1 or total <= 1:
            for key, args in tasks:
                settle(key, functools.partial(fn, *args))
            return out
        used = min(self.workers, total)
        queue = collections.deque(tasks)
        pool = self._shared_pool()
        in_flight: dict[Any, tuple[str, tuple]] = {}
        try:
            while queue or in_flight:
                # at most one run per worker in flight, so a dead worker leaves few suspects
                while queue and len(in_flight) < used:
                    key, args = queue.popleft()
                    in_flight[pool.submit(fn, *args)] = (key, args)
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                suspects = []
                for fut in done:
                    key, args = in_flight.pop(fut)
                    try:
                        settle(key, fut.result)
                    except BrokenProcessPool:
                        suspects.append((key, args))
                if suspects:  # a worker died: every run in flight was lost with the pool
                    suspects += list(in_flight.values())
                    in_flight.clear()
                    self._drop_pool()
                    for key, args in suspects:
                        self._alone(fn, key, args, finished)
                    pool = self._shared_pool()
        except BaseException:
            self._drop_pool()  # an error or Ctrl-C: drop the queued runs and stop the workers now
            raise
        return out

    def _alone(self, fn: Callable[..., Any], key: str, args: tuple, finished: Callable[..., None]) -> None:
        """Run one suspect of a broken pool in a fresh process of its own."""
        pool = self._pool(1)
        future = pool.submit(fn, *args)
        procs = list((getattr(pool, "_processes", None) or {}).values())  # the pool forgets them when it breaks
        try:
            value = future.result()
        except BrokenProcessPool:
            for proc in procs:
                proc.join(timeout=5)
            codes = [proc.exitcode for proc in procs if proc.exitcode]
            code = f" (exit code {codes[0]})" if codes else ""
            finished(key, failure=f"the worker process running it died{code}")
        except Exception as exc:
            finished(key, failure=_describe(exc))
        else:
            finished(key, value)
        finally:
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()


class DaskRunner:
    """Runs on Dask distributed: a ``LocalCluster`` of ``local_workers`` processes, or the
    cluster whose scheduler listens at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``). Its
    workers must have coexist installed (the same version) to import the run's callable."""

    name = "dask"

    def __init__(self, *, local_workers: int | None = None, scheduler: str | None = None):
        if (local_workers is None) == (scheduler is None):
            raise ValueError("give either local_workers or scheduler.")
        self.local_workers = local_workers
        self.scheduler = scheduler
        self.client: Any = None
        self.cluster: Any = None
        self.workers = int(local_workers or 0)

    def __enter__(self) -> DaskRunner:
        # distributed takes half a second to import: only an experiment on Dask pays for it
        from distributed import Client, LocalCluster  # noqa: PLC0415

        if self.local_workers is not None:
            self.cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ScenarioError(f"must be the address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786. "
                                    f"Got {self.scheduler!r}, which cannot be reached ({exc}), instead.",
                                    field="scheduler") from None
            self.workers = len(self.client.scheduler_info().get("workers", {}))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def run(self, fn: Callable[..., Any], tasks: Keyed, progress: Progress | None = None, *,
            fail_fast: bool = False) -> RunnerOutput:
        """As :meth:`ProcessPoolRunner.run`."""
        from distributed import as_completed  # noqa: PLC0415 - see __enter__

        if self.client is None:
            raise RuntimeError("use the DaskRunner in a with block.")
        out, total = RunnerOutput(), len(tasks)
        threads = max(1, default_workers() // max(1, self.workers)) if self.local_workers else 0
        call = uuid.uuid4().hex[:12]  # Dask keeps results by task key: a key is never reused across calls
        futures = {self.client.submit(_with_threads, threads, fn, args, key=f"coexist-run-{key}-{call}", pure=False):
                   key for key, args in tasks}
        try:
            for fut in as_completed(futures):
                key = futures[fut]
                try:
                    out.results[key] = fut.result()
                except Exception as exc:
                    text = _describe(exc)
                    died = type(exc).__name__ == "KilledWorker"
                    if fail_fast and not died:
                        raise
                    if died:
                        text = f"the worker process running it died ({text})"
                    out.failures.append(RunFailure(key, text))
                if progress is not None:
                    progress(len(out.results) + len(out.failures), total)
        except BaseException:
            self.client.cancel(list(futures))
            raise
        return out


def make_runner(workers: int | None = None, dask_local: int | None = None,
                scheduler: str | None = None) -> ProcessPoolRunner | DaskRunner:
    """The runner an experiment asked for: Dask when ``dask_local`` or ``scheduler`` is given, else the pool."""
    if dask_local is not None:
        return DaskRunner(local_workers=dask_local)
    if scheduler is not None:
        return DaskRunner(scheduler=scheduler)
    return ProcessPoolRunner(workers)
