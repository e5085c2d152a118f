"""The dashboard's job queue: order, bounded concurrency, queueing, cancelling, failures."""

from __future__ import annotations

import threading

import pytest

from coexist.errors import ScenarioError
from coexist.web.jobs import JobCancelled, JobQueue, QueueFull, UnknownJob


@pytest.fixture
def queue():
    q = JobQueue(max_running=1, max_waiting=2)
    yield q
    q.close()


def _blocked(release: threading.Event, started: threading.Event | None = None):
    def work(control):
        control.progress(1, 2)
        if started is not None:
            started.set()
        while not release.wait(0.01):
            control.progress(1, 2)
        return "released"
    return work


def test_one_job_runs_at_a_time_and_the_next_waits_in_order(queue):
    release, started = threading.Event(), threading.Event()
    first = queue.submit(_blocked(release, started), label="first")
    assert started.wait(5)
    second = queue.submit(lambda c: "second", label="second")
    third = queue.submit(lambda c: "third", label="third")
    assert queue.status(first)["state"] == "running"
    assert [queue.status(j)["position"] for j in (second, third)] == [1, 2]
    assert queue.status(second)["state"] == "queued"
    release.set()
    assert queue.wait(third)["state"] == "done"
    assert [queue.result(j) for j in (first, second, third)] == ["released", "second", "third"]
    assert queue.status(first)["done"] == 1 and queue.status(first)["total"] == 2


def test_more_jobs_than_the_queue_holds_are_refused(queue):
    release, started = threading.Event(), threading.Event()
    queue.submit(_blocked(release, started))
    assert started.wait(5)
    queue.submit(lambda c: 1)
    queue.submit(lambda c: 2)
    with pytest.raises(QueueFull, match="at most 2 jobs may wait"):
        queue.submit(lambda c: 3)
    release.set()


def test_a_cancelled_running_job_stops_at_its_next_progress_report_and_a_queued_one_never_starts(queue):
    release, started = threading.Event(), threading.Event()
    running = queue.submit(_blocked(release, started))
    assert started.wait(5)
    ran = []
    waiting = queue.submit(lambda c: ran.append(1))
    assert queue.cancel(waiting)["state"] == "cancelled"
    queue.cancel(running)
    assert queue.wait(running)["state"] == "cancelled"
    follow = queue.submit(lambda c: "after")
    assert queue.wait(follow)["state"] == "done"
    assert ran == [] and not release.is_set()


def test_a_failing_job_reports_its_error_and_the_queue_goes_on(queue):
    def bad_input(control):
        raise ScenarioError("must be in [0.0, 1.0]. Got 1.5 instead.", field="programme.recognition_coverage")

    def bug(control):
        raise ZeroDivisionError("division by zero")

    failed = queue.submit(bad_input)
    crashed = queue.submit(bug)
    assert queue.wait(failed)["error"] == "'programme.recognition_coverage' must be in [0.0, 1.0]. Got 1.5 instead."
    assert queue.wait(crashed)["error"] == "ZeroDivisionError: division by zero"
    assert queue.wait(queue.submit(lambda c: 7))["state"] == "done"


def test_check_raises_once_cancelled_and_unknown_ids_are_refused(queue):
    seen = []

    def work(control):
        control.check()
        seen.append("checked")
        control.notice("compiling")
        while True:
            try:
                control.check()
            except JobCancelled:
                seen.append("cancelled")
                raise
    job = queue.submit(work)
    while queue.status(job)["notice"] != "compiling":
        pass
    queue.cancel(job)
    assert queue.wait(job)["state"] == "cancelled" and seen == ["checked", "cancelled"]
    for bad in ("../../etc/passwd", "", 12, None):
        with pytest.raises(UnknownJob, match="no job has the id"):
            queue.status(bad)


def test_two_jobs_run_at_once_when_allowed():
    q = JobQueue(max_running=2, max_waiting=2)
    both = threading.Barrier(2, timeout=5)
    try:
        jobs = [q.submit(lambda c: both.wait()) for _ in range(2)]
        assert [q.wait(j)["state"] for j in jobs] == ["done", "done"]
    finally:
        q.close()
