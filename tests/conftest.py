"""Test-session settings shared by every test directory."""

import os

# The suite runs in parallel processes (pytest -n 2); compiled passes on more threads than
# the machine has cores wait on each other at every parallel region. One thread per test
# process keeps the cores busy without that; the thread-count test (tests/engine/
# test_determinism.py) starts its own processes with 1 and 2 threads.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
