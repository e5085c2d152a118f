"""The passes and the queue and job-changer scans skip blocks of rows flagged empty: a flag
may be raised needlessly, but a block that holds someone they work on must never be
flagged empty."""

from __future__ import annotations

import numpy as np

from coexist.engine import kernels
from coexist.engine.simulate import COMPILED_PASSES, _Run
from coexist.scenario import load_scenario


def _blocks_holding(rows: np.ndarray, n_blocks: int) -> np.ndarray:
    held = np.zeros(n_blocks, dtype=bool)
    held[rows // kernels.BLOCK] = True
    return held


def test_no_block_with_people_is_skipped():
    real_host, real_home = COMPILED_PASSES.host_month, COMPILED_PASSES.home_month
    checked = {"host": 0, "home": 0, "skipped": 0}

    def host(S, R, E, P, M, out):
        n, host_blocks = M.n, M.host_blocks
        status = S.status[:n]
        held = _blocks_holding(np.flatnonzero((status > 0) & (status != R.returned)), host_blocks.size)
        assert not np.any(held & (host_blocks == 0))
        checked["host"] += 1
        checked["skipped"] += int(np.count_nonzero(host_blocks[: -(-n // kernels.BLOCK)] == 0))
        return real_host(S, R, E, P, M, out)

    def home(S, R, E, P, M, out):
        n, home_blocks = M.n, M.home_blocks
        held = _blocks_holding(np.flatnonzero(S.status[:n] == R.returned), home_blocks.size)
        assert not np.any(held & (home_blocks == 0))
        checked["home"] += 1
        checked["skipped"] += int(np.count_nonzero(home_blocks[: -(-n // kernels.BLOCK)] == 0))
        return real_home(S, R, E, P, M, out)

    real_applicants, real_job_changers = COMPILED_PASSES.applicants, COMPILED_PASSES.job_changers

    def applicants(n, applying, status, arrival, month, returned, blocks):
        found = real_applicants(n, applying, status, arrival, month, returned, blocks)
        for flagged, every in zip(found, real_applicants(n, applying, status, arrival, month, returned), strict=True):
            np.testing.assert_array_equal(flagged, every)  # the scanned blocks hold the whole queue
        return found

    def job_changers(n, employer, blocks):
        found = real_job_changers(n, employer, blocks)
        np.testing.assert_array_equal(found, np.flatnonzero(employer[:n] == -2))
        checked["movers"] += found.size
        return found

    checked["movers"] = 0
    checking = COMPILED_PASSES._replace(host_month=host, home_month=home, applicants=applicants,
                                        job_changers=job_changers)
    # enough rows for blocks of returnees only
    run = _Run(load_scenario("japan-circular", end="2028-06"), 3, 0.05, passes=checking)
    for t in range(run.T.months.size):
        run.step(t)
    assert checked["host"] == checked["home"] == run.T.months.size
    assert checked["skipped"] > 0  # the flags do save work in this run
    assert checked["movers"] > 0


def test_returnees_rows_stay_free_of_people_in_the_host(monkeypatch):
    """A returnee who re-enters moves to a new row: until the next compaction, the rows that
    it left to the returnees hold returnees and empty rows only, and their blocks are skipped
    by the host pass."""
    real_host = COMPILED_PASSES.host_month
    region = {"rows": slice(0, 0)}
    checked = {"months": 0, "reentries": 0}

    def host(S, R, E, P, M, out):
        status = S.status[region["rows"]]
        assert np.all((status == R.returned) | (status == -1))
        checked["months"] += region["rows"].stop > region["rows"].start
        return real_host(S, R, E, P, M, out)

    run = _Run(
        load_scenario("japan-circular", end="2028-06"), 3, 0.05, passes=COMPILED_PASSES._replace(host_month=host)
    )
    real_compact, real_reenter = run._compact, run._reenter

    def compact():
        real_compact()
        status = run.S.status[: run.n]
        returnees = np.flatnonzero(status == run.T.returned)
        assert returnees.size == 0 or np.all(status[returnees[0] :] == run.T.returned)  # the returnees come last
        region["rows"] = slice(returnees[0], run.n) if returnees.size else slice(0, 0)

    def reenter(*args):
        checked["reentries"] += args[-1].size
        return real_reenter(*args)

    # the run's own steps are wrapped on this run object only (no module is patched)
    monkeypatch.setattr(run, "_compact", compact)
    monkeypatch.setattr(run, "_reenter", reenter)
    for t in range(run.T.months.size):
        run.step(t)
    assert checked["months"] > 12 and checked["reentries"] > 0
