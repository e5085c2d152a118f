"""The compiled scans that find the re-entry queue and the job changers, against NumPy."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coexist.engine import kernels

RETURNED = 10


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 5000), seed=st.integers(0, 2**32 - 1), month=st.integers(0, 3))
def test_applicants_match_numpy(n, seed, month):
    rng = np.random.default_rng(seed)
    size = n + int(rng.integers(0, 50))  # arrays longer than the population, as in the engine
    applying = rng.choice(np.array([0, 0, 1, 2], dtype=np.int8), size)
    status = rng.choice(np.array([-1, 1, RETURNED, RETURNED], dtype=np.int8), size)
    arrival = rng.integers(0, 4, size).astype(np.int32)
    arrive, wait, applied = kernels.applicants(n, applying, status, arrival, month, RETURNED)
    a, s, m = applying[:n], status[:n], arrival[:n]
    travelling = (a == 2) & (m == month) & (s == RETURNED)
    np.testing.assert_array_equal(arrive, np.flatnonzero(travelling))
    np.testing.assert_array_equal(wait, np.flatnonzero((a == 2) & ~travelling))
    np.testing.assert_array_equal(applied, np.flatnonzero((a == 1) & (s == RETURNED)))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 5000), seed=st.integers(0, 2**32 - 1))
def test_job_changers_match_numpy(n, seed):
    rng = np.random.default_rng(seed)
    employer = rng.choice(np.array([-2, -1, 0, 7], dtype=np.int32), n + 10)
    np.testing.assert_array_equal(kernels.job_changers(n, employer), np.flatnonzero(employer[:n] == -2))
