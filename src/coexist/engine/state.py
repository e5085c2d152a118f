"""The population as a struct of compact typed arrays, one entry per person ever admitted."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

__all__ = ["State", "FIELDS", "new_state", "initial_capacity", "grow", "compact", "copy_rows", "GONE"]

GONE = -1  # status of a person who left the modelled population (aged out, died, emigrated)
_EMPTY = {"status": GONE, "employer": -1, "prev_status": -1}  # the values of rows that hold nobody

FIELDS: dict[str, type] = {
    "pid": np.int32,  # stable person id: keys the random stream, survives compaction
    "status": np.int8,
    "origin": np.int8,
    "sector": np.int8,
    "employer": np.int32,
    "months_in_status": np.int16,  # since entering the current status (reset on arrival)
    "months_in_stay": np.int16,  # since the last arrival in the host
    "months_abroad": np.int16,  # cumulative months in the host, all stays
    "status_total": np.int16,  # cumulative months in the current status, all stays
    "prev_status": np.int8,
    "entries": np.int8,
    "skill": np.float32,
    "cert": np.int8,  # 0 none, 1 SSW-i level, 2 SSW-ii level
    "language": np.int8,  # 0 none .. 3 (N3/B1)
    "debt": np.float32,
    "savings": np.float32,
    "family": np.int8,
    "target_earner": np.int8,
    "age": np.int16,  # months
    "months_home": np.int16,
    "employed_home": np.int8,  # 0 looking, 1 found a job, 2 placed by bilateral matching
    "ban_until": np.int32,
    "applying": np.int8,  # 0 no, 1 applied, 2 admitted and waiting to travel
    "apply_status": np.int8,
    "arrival": np.int32,
    "overstay": np.int8,
    "forfeited": np.int8,  # left an irregular stay: the rights earned in the last status are gone
    "recognised": np.int8,  # 1: the certificate brought home at the last return is recognised there
    "job_changes": np.int8,  # changes of employer in the current status (reset when entering one)
}


# One array per field, in the order of FIELDS (the compiled passes take it whole).
State = NamedTuple("State", [(name, np.ndarray) for name in FIELDS])


def initial_capacity(people: int) -> int:
    """Rows to reserve for a run that starts with `people`.

    Everyone who enters stays in the arrays until the next yearly compaction, and the
    returnees stay for good, so the rows used grow several-fold over a horizon of decades
    (2.7 to 10.9 million in `japan-circular` at full scale, 0.1 to 0.47 million in the
    reduced model at 100,000 agents over ten years). The reserve is mostly address space:
    the system provides a page only when it is first written, which for unused rows
    happens only in the three fields whose empty value is not zero; growing (a
    reallocation and a fill of every field) is then rarely needed."""
    return 5 * people + 65_536


def new_state(capacity: int) -> State:
    arrays = {name: np.zeros(capacity, dtype=dtype) for name, dtype in FIELDS.items()}
    for name, value in _EMPTY.items():
        arrays[name][:] = value
    return State(**arrays)


def grow(arrays: dict[str, np.ndarray], used: int, needed: int) -> None:
    """Make room for `needed` people, keeping the first `used`.

    Each field is enlarged in place where nothing else refers to it (a reallocation that
    the system can do without copying), otherwise copied; one field at a time, so that
    at most one old field is held beside the new ones."""
    capacity = arrays["status"].shape[0]
    if needed <= capacity:
        return
    new_capacity = max(needed, int(capacity * 1.5) + 1024)
    for name, dtype in FIELDS.items():
        array = arrays.pop(name)
        try:
            array.resize(new_capacity, refcheck=True)
        except ValueError:  # a view or another reference to it is alive: copy instead
            bigger = np.empty(new_capacity, dtype=dtype)
            _gather_range(array, used, bigger)
            array = bigger
        array[used:] = _EMPTY.get(name, 0)
        arrays[name] = array


def compact(state: State, used: int, returned: int, spares: dict) -> tuple[State, int]:
    """Drop people who left the modelled population, and order the rest by status with the
    people at origin last; returns the new arrays and the new count.

    Each status keeps its order and every person keeps their `pid`, so random streams do
    not change. Grouping the returnees keeps each monthly pass on memory that holds the
    people it works on (most people are returnees late in a run).

    Each field is gathered into a spare array of its type, which becomes the field; the
    old field becomes the spare for the next field of that type. `spares` (type: array)
    is kept between compactions, so that no memory is newly allocated (fresh pages cost
    more than the gather) and nothing is copied twice. Rows from the new count on hold
    nobody (status GONE), whatever else they hold.
    """
    keep = _by_status(state.status, used, returned)
    k = keep.size
    fields = {}
    for name, dtype in FIELDS.items():
        array = getattr(state, name)
        spare = spares.pop(dtype, None)
        if spare is None or spare.shape != array.shape:
            spare = np.empty_like(array)  # the first compaction, or the first after growth
        _gather(array, keep, spare)
        fields[name] = spare
        spares[dtype] = array
    del state, array
    compacted = State(**fields)
    compacted.status[k:] = GONE
    return compacted, k


def copy_rows(state: State, rows: np.ndarray, first: int) -> None:
    """Copy every field of the people in `rows` to rows `first`, `first` + 1, ...

    Many rows are copied on all threads: they are scattered, and reading them waits on
    memory, which two threads do side by side; a few are copied by NumPy, which starts
    faster."""
    for name in FIELDS:
        field = getattr(state, name)
        if rows.size >= _MANY_ROWS:
            _gather(field, rows, field[first:first + rows.size])
        else:
            field[first:first + rows.size] = field[rows]


_MANY_ROWS = 4096  # 600 rows: 38 µs by NumPy, 81 µs on two threads; 10,000 rows: 308 and 160 µs


@njit(parallel=True, cache=True)
def _gather(source, rows, out):
    """out[j] = source[rows[j]] for every j < rows.size, on all threads."""
    for j in prange(rows.shape[0]):
        out[j] = source[rows[j]]


@njit(parallel=True, cache=True)
def _gather_range(source, used, out):
    """out[:used] = source[:used], on all threads."""
    for j in prange(used):
        out[j] = source[j]


@njit(parallel=True, cache=True)
def _by_status(status, used, returned):
    """Rows of the people still in the model, by status (a counting sort that keeps row
    order within a status), the people at origin last.

    Counted and placed on all threads, each over its own stretch of rows: the rows of
    one status from an earlier stretch go before those of a later one."""
    n_codes = 128
    n_parts = 64
    part = (used + n_parts - 1) // n_parts
    counts = np.zeros((n_parts, n_codes), dtype=np.int64)
    for p in prange(n_parts):
        for i in range(p * part, min(used, (p + 1) * part)):
            code = status[i]
            if code != GONE:
                counts[p, n_codes - 1 if code == returned else code] += 1
    start = np.empty((n_parts, n_codes), dtype=np.int64)
    total = 0
    for code in range(n_codes):
        for p in range(n_parts):
            start[p, code] = total
            total += counts[p, code]
    rows = np.empty(total, dtype=np.int32)  # half the memory traffic of int64 in the gathers
    for p in prange(n_parts):
        at = start[p]
        for i in range(p * part, min(used, (p + 1) * part)):
            code = status[i]
            if code != GONE:
                slot = n_codes - 1 if code == returned else code
                rows[at[slot]] = i
                at[slot] += 1
    return rows
