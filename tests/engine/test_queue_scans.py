"""The compiled scans that find the re-entry queue and the job changers, and the compiled
employer draw, against NumPy."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coexist.engine import kernels

RETURNED = 10


def _blocks(rng, n, flagged):
    """Random flags per block of rows (all raised when `flagged` is False)."""
    count = (n + kernels.BLOCK - 1) // kernels.BLOCK + 1
    return (rng.random(count) < 0.6).astype(np.uint8) if flagged else np.ones(count, dtype=np.uint8)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 20_000), seed=st.integers(0, 2**32 - 1), month=st.integers(0, 3), flagged=st.booleans())
def test_applicants_match_numpy(n, seed, month, flagged):
    rng = np.random.default_rng(seed)
    size = n + int(rng.integers(0, 50))  # arrays longer than the population, as in the engine
    applying = rng.choice(np.array([0, 0, 1, 2], dtype=np.int8), size)
    status = rng.choice(np.array([-1, 1, RETURNED, RETURNED], dtype=np.int8), size)
    arrival = rng.integers(0, 4, size).astype(np.int32)
    blocks = _blocks(rng, n, flagged)
    arrive, wait, applied = kernels.applicants(n, applying, status, arrival, month, RETURNED, blocks)
    a, s, m = applying[:n], status[:n], arrival[:n]
    scanned = blocks[np.arange(n) // kernels.BLOCK] != 0
    travelling = (a == 2) & (m == month) & (s == RETURNED) & scanned
    np.testing.assert_array_equal(arrive, np.flatnonzero(travelling))
    np.testing.assert_array_equal(wait, np.flatnonzero((a == 2) & ~travelling & scanned))
    np.testing.assert_array_equal(applied, np.flatnonzero((a == 1) & (s == RETURNED) & scanned))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 20_000), seed=st.integers(0, 2**32 - 1), flagged=st.booleans())
def test_job_changers_match_numpy(n, seed, flagged):
    rng = np.random.default_rng(seed)
    employer = rng.choice(np.array([-2, -1, 0, 7], dtype=np.int32), n + 10)
    blocks = _blocks(rng, n, flagged)
    scanned = blocks[np.arange(n) // kernels.BLOCK] != 0
    np.testing.assert_array_equal(kernels.job_changers(n, employer, blocks),
                                  np.flatnonzero((employer[:n] == -2) & scanned))


def _pick_employers_numpy(sector, u, weights, first, count):
    """The employer draw written with NumPy, one sector at a time."""
    chosen = np.full(sector.size, -1, dtype=np.int64)
    for s, (start, size) in enumerate(zip(first, count, strict=True)):
        pick = sector == s
        cdf = np.cumsum(weights[start:start + size])
        chosen[pick] = start + np.minimum(np.searchsorted(cdf, u[pick] * cdf[-1]), size - 1)
    return chosen


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6),
       people=st.integers(0, 300), zero_share=st.floats(0.0, 1.0))
def test_pick_employers_matches_numpy(seed, sizes, people, zero_share):
    rng = np.random.default_rng(seed)
    count = np.array(sizes, dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    weights = rng.exponential(1.0, count.sum()) * (rng.random(count.sum()) >= zero_share) + 1e-9
    sector = rng.integers(0, count.size, people).astype(np.int8)
    u = rng.random(people)
    chosen = kernels.pick_employers(sector, u, weights, first, count)
    np.testing.assert_array_equal(chosen, _pick_employers_numpy(sector, u, weights, first, count))
    assert np.all((chosen >= first[sector]) & (chosen < first[sector] + count[sector]))


def test_pick_employers_follows_the_weights():
    rng = np.random.default_rng(3)
    weights = np.array([1.0, 0.0, 3.0, 1e-9, 6.0])
    chosen = kernels.pick_employers(np.zeros(200_000, dtype=np.int8), rng.random(200_000), weights,
                                    np.array([0]), np.array([5]))
    shares = np.bincount(chosen, minlength=5) / chosen.size
    np.testing.assert_allclose(shares, weights / weights.sum(), atol=0.005)
