"""A small job queue for the dashboard: runs and comparisons in background threads.

The interface is three calls, so that another runner (a Dask cluster, a process pool)
can stand in later: :meth:`JobQueue.submit` takes a callable and returns the job's id,
:meth:`JobQueue.status` says where a job stands, :meth:`JobQueue.cancel` stops it.

A job's callable gets a :class:`JobControl`: it reports progress through it, and each
report raises :class:`JobCancelled` once the job was cancelled, so a run stops at its
next month and a comparison at its next finished run (the api's progress callbacks are
the points where the work can be stopped cleanly). At most ``max_running`` jobs run at
once; the others wait in order, at most ``max_waiting`` of them; more are refused.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coexist.errors import CoexistError

__all__ = ["JobQueue", "JobControl", "JobCancelled", "QueueFull", "UnknownJob", "JOB_STATES"]

#: Where a job can stand; the last three are final.
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
_FINAL = ("done", "failed", "cancelled")


class JobCancelled(Exception):
    """Raised inside a job, at its next progress report, once it was cancelled."""


class QueueFull(CoexistError):
    """Too many jobs are waiting already."""


class UnknownJob(CoexistError):
    """No job has this id."""


@dataclass
class _Job:
    id: str
    label: str
    work: Callable[[JobControl], Any]
    state: str = "queued"
    done: int = 0
    total: int = 0
    unit: str = ""
    notice: str = ""
    error: str = ""
    result: Any = None
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False


class JobControl:
    """What a running job sees of the queue: ``progress(done, total)`` (the api's progress
    callback) and ``notice(line)`` (the api's notice callback)."""

    def __init__(self, job: _Job, lock: threading.Lock):
        self._job = job
        self._lock = lock

    def progress(self, done: int, total: int) -> None:
        with self._lock:
            self._job.done, self._job.total = int(done), int(total)
            cancelled = self._job.cancel_requested
        if cancelled:
            raise JobCancelled()

    def notice(self, line: str) -> None:
        with self._lock:
            self._job.notice = str(line)

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job was cancelled (a point to stop between steps)."""
        with self._lock:
            if self._job.cancel_requested:
                raise JobCancelled()


class JobQueue:
    """Background jobs, ``max_running`` at a time, at most ``max_waiting`` waiting.

    >>> q = JobQueue(max_running=1, max_waiting=2)
    >>> job = q.submit(lambda control: 6 * 7, label="answer")
    >>> q.wait(job)["state"], q.result(job)
    ('done', 42)
    >>> q.close()
    """

    def __init__(self, *, max_running: int = 1, max_waiting: int = 8, keep_finished: int = 200):
        if max_running < 1 or max_waiting < 0:
            raise ValueError(f"max_running must be >= 1 and max_waiting >= 0. Got {max_running}, {max_waiting}.")
        self.max_running = max_running
        self.max_waiting = max_waiting
        self._keep_finished = keep_finished
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._jobs: dict[str, _Job] = {}
        self._waiting: deque[str] = deque()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._serve, name=f"coexist-job-{i}", daemon=True) for i in range(max_running)
        ]
        for thread in self._threads:
            thread.start()

    # -- the interface ---------------------------------------------------------------------
    def submit(self, work: Callable[[JobControl], Any], *, label: str = "", unit: str = "") -> str:
        """Queue ``work(control)``; return the job's id (generated, 32 hex digits)."""
        with self._lock:
            if self._closed:
                raise QueueFull("the job queue is closed: the server is stopping.")
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull(
                    f"at most {self.max_waiting} jobs may wait. Got one more instead: wait for a job to finish "
                    "or cancel one."
                )
            job = _Job(uuid.uuid4().hex, label, work, unit=unit)
            self._jobs[job.id] = job
            self._waiting.append(job.id)
            self._forget_old()
            self._wakeup.notify()
            return job.id

    def status(self, job_id: str) -> dict[str, Any]:
        """The job as a dict: id, label, state, done, total, unit, notice, error, position
        (1 for the next to start, while queued), times."""
        with self._lock:
            job = self._get(job_id)
            position = self._waiting.index(job.id) + 1 if job.state == "queued" else None
            return {
                "id": job.id, "label": job.label, "state": job.state, "done": job.done, "total": job.total,
                "unit": job.unit, "notice": job.notice, "error": job.error, "position": position,
                "submitted": job.submitted, "started": job.started, "finished": job.finished,
            }

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a job: a queued one never starts, a running one stops at its next progress report."""
        with self._lock:
            job = self._get(job_id)
            if job.state == "queued":
                self._waiting.remove(job.id)
                job.state, job.finished = "cancelled", time.time()
            elif job.state == "running":
                job.cancel_requested = True
        return self.status(job_id)

    # -- helpers -----------------------------------------------------------------------------
    def jobs(self) -> list[dict[str, Any]]:
        """Every job known, newest first."""
        with self._lock:
            ids = sorted(self._jobs, key=lambda k: -self._jobs[k].submitted)
        return [self.status(k) for k in ids]

    def result(self, job_id: str) -> Any:
        """What a finished job's callable returned (None until it is done)."""
        with self._lock:
            return self._get(job_id).result

    def wait(self, job_id: str, timeout: float = 600.0) -> dict[str, Any]:
        """Block until the job is final (or ``timeout`` seconds pass); return its status."""
        deadline = time.monotonic() + timeout
        with self._lock:
            job = self._get(job_id)
            while job.state not in _FINAL and time.monotonic() < deadline:
                self._wakeup.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
        return self.status(job_id)

    def close(self) -> None:
        """Refuse new jobs, cancel the waiting and running ones."""
        with self._lock:
            self._closed = True
            while self._waiting:
                job = self._jobs[self._waiting.popleft()]
                job.state, job.finished = "cancelled", time.time()
            for job in self._jobs.values():
                if job.state == "running":
                    job.cancel_requested = True
            self._wakeup.notify_all()

    def _get(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise UnknownJob(f"no job has the id {str(job_id)[:40]!r}. Pick one from the list of jobs.")
        return job

    def _forget_old(self) -> None:
        """Drop the oldest finished jobs beyond ``keep_finished`` (called with the lock held)."""
        finished = sorted((j for j in self._jobs.values() if j.state in _FINAL), key=lambda j: j.submitted)
        for job in finished[: max(0, len(finished) - self._keep_finished)]:
            del self._jobs[job.id]

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._closed:
                    self._wakeup.wait()
                if not self._waiting:
                    return
                job = self._jobs[self._waiting.popleft()]
                job.state, job.started = "running", time.time()
            control = JobControl(job, self._lock)
            try:
                result = job.work(control)
            except JobCancelled:
                outcome = ("cancelled", None, "")
            except CoexistError as exc:
                outcome = ("failed", None, " ".join(str(exc).split()))
            except Exception as exc:  # a job's bug must not take the queue down; the page shows what happened
                outcome = ("failed", None, f"{type(exc).__name__}: {' '.join(str(exc).split())}")
            else:
                outcome = ("done", result, "")  # it finished before it saw the cancel: keep what it made
            with self._lock:
                job.state, job.result, job.error = outcome
                job.finished = time.time()
                self._wakeup.notify_all()
