"""The population arrays: yearly compaction and growth keep every person's fields."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coexist.engine.state import FIELDS, GONE, compact, copy_rows, grow, new_state

RETURNED = 10


def _random_state(rng, size, used):
    state = new_state(size)
    state.status[:used] = rng.choice(np.array([GONE, 1, 2, 5, 9, RETURNED], dtype=np.int8), used)
    for name, dtype in FIELDS.items():
        if name != "status":
            getattr(state, name)[:used] = rng.integers(0, 100, used).astype(dtype)
    state.pid[:used] = np.arange(used)
    return state


@settings(max_examples=30, deadline=None)
@given(used=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1))
def test_compaction_orders_by_status_with_returnees_last(used, seed):
    rng = np.random.default_rng(seed)
    state = _random_state(rng, used + 100, used)
    before = {name: getattr(state, name)[:used].copy() for name in FIELDS}
    spares = {}
    state, k = compact(state, used, RETURNED, spares)
    status = before["status"]
    alive = np.flatnonzero(status != GONE)
    rank = np.where(status[alive] == RETURNED, 127, status[alive])
    expected = alive[np.argsort(rank, kind="stable")]
    assert k == expected.size
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(state, name)[:k], before[name][expected], err_msg=name)
    assert np.all(state.status[k:] == GONE)
    # the old arrays are the spares of the next compaction, one of each type
    assert sorted(np.dtype(t).name for t in spares) == sorted({np.dtype(t).name for t in FIELDS.values()})
    again, k_again = compact(state, k, RETURNED, spares)
    assert k_again == k
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(again, name)[:k], before[name][expected], err_msg=name)


@pytest.mark.parametrize("view_alive", [False, True])  # enlarged in place, or copied
def test_growth_keeps_the_people_and_marks_new_rows_empty(view_alive):
    rng = np.random.default_rng(1)
    state = _random_state(rng, 500, 400)
    before = {name: getattr(state, name)[:400].copy() for name in FIELDS}
    arrays = state._asdict()
    del state
    view = arrays["pid"][:10] if view_alive else None
    grow(arrays, 400, 2000)
    assert arrays["status"].shape[0] >= 2000
    for name in FIELDS:
        np.testing.assert_array_equal(arrays[name][:400], before[name], err_msg=name)
    assert np.all(arrays["status"][400:] == GONE)
    assert np.all(arrays["employer"][400:] == -1)
    if view is not None:
        np.testing.assert_array_equal(view, before["pid"][:10])


@pytest.mark.parametrize("moved", [0, 150, 5000])  # both sides of the size copied on all threads
@pytest.mark.parametrize("seed", [1, 2])
def test_copy_rows_copies_every_field_of_scattered_rows(moved, seed):
    rng = np.random.default_rng(seed)
    used = 9000
    state = _random_state(rng, used + moved, used)
    rows = np.sort(rng.choice(used, min(moved, used), replace=False)).astype(np.int64)
    before = {name: getattr(state, name)[:used].copy() for name in FIELDS}
    copy_rows(state, rows, used)
    for name in FIELDS:
        field = getattr(state, name)
        np.testing.assert_array_equal(field[used:used + rows.size], before[name][rows], err_msg=name)
        np.testing.assert_array_equal(field[:used], before[name], err_msg=name)  # the rows copied from stay
