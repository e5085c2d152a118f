"""People at the end of a run as a table, and a new population drawn from such a table.

A forward scenario that starts where the calibrated history ended takes its people's
attributes that no official table holds (months in status and abroad, skill, tests,
language, debt, savings, family, age, the returnees at origin) from the history's last
month, while the numbers of people by status, nationality and sector stay those of the
official December 2024 marginals: each new person in the host copies a person of the
same status, origin and sector at the end of the history (the nearest group when that one
is empty), and the returnees at origin are carried over at the new scale.

Statuses are stored by name, so the two scenarios may number their statuses differently.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from coexist.codes import ORIGINS, SECTORS
from coexist.engine.rng import SLOT, uniforms
from coexist.engine.state import GONE, State, initial_capacity, new_state
from coexist.errors import DataError

__all__ = ["end_state_table", "populate_from_end_state", "ATTRIBUTES"]

# Person attributes carried over as they are (months, levels and money in the host currency).
ATTRIBUTES = (
    "months_in_status", "months_in_stay", "months_abroad", "status_total", "entries", "skill", "cert", "language",
    "debt", "savings", "family", "target_earner", "age", "months_home", "employed_home", "overstay", "forfeited",
)


def end_state_table(S: State, n: int, status_names: tuple[str, ...], last_month: int, scale: float) -> pa.Table:
    """Everyone alive at the end of a run (in the host or at origin), one row each.

    Re-entry bans are stored as the months still barred after `last_month` (the run's last
    simulated month); pending re-entry applications are not carried over. `scale` is kept in
    the table's metadata so that a population at another scale can weight the rows.
    """
    alive = np.flatnonzero(S.status[:n] != GONE)
    names = np.array(status_names, dtype=object)
    prev = S.prev_status[alive].astype(np.int64)
    columns = {
        "status": pa.array(names[S.status[alive].astype(np.int64)].astype(str)),
        "origin": pa.array(np.array(ORIGINS)[S.origin[alive].astype(np.int64)]),
        "sector": pa.array(np.array(SECTORS)[S.sector[alive].astype(np.int64)]),
        "prev_status": pa.array(np.where(prev >= 0, names[np.maximum(prev, 0)], "").astype(str)),
        **{name: pa.array(getattr(S, name)[alive]) for name in ATTRIBUTES},
        "ban_months_left": pa.array(
            np.maximum(S.ban_until[alive].astype(np.int64) - last_month - 1, 0).astype(np.int32)
        ),
    }
    return pa.table(columns).replace_schema_metadata({"scale": repr(float(scale))})


def _codes(values: np.ndarray, names: tuple[str, ...], what: str) -> np.ndarray:
    lookup = {name: k for k, name in enumerate(names)}
    unknown = sorted(set(values.tolist()) - set(lookup) - {""})
    if unknown:
        raise DataError(
            f"the end-state table has {what} {', '.join(map(repr, unknown))}, which the scenario does not declare."
        )
    return np.array([lookup.get(v, -1) for v in values.tolist()], dtype=np.int64)


def populate_from_end_state(
    counts: np.ndarray,
    table: pa.Table,
    status_names: tuple[str, ...],
    returned: int,
    first_month: int,
    seed: int,
    scale: float,
    rng: np.random.Generator,
) -> tuple[State, int]:
    """A population with the people of `counts` [status, origin, sector] (people in the
    host, at the run's scale), their attributes copied from `table`, then the returnees of
    `table` at the run's scale. Returns the state and the number of people in it; employers
    are left to the caller (-1)."""
    status = _codes(table.column("status").to_numpy(zero_copy_only=False), status_names, "statuses")
    prev = _codes(table.column("prev_status").to_numpy(zero_copy_only=False), status_names, "previous statuses")
    origin = np.array([ORIGINS.index(o) for o in table.column("origin").to_pylist()], dtype=np.int64)
    sector = np.array([SECTORS.index(s) for s in table.column("sector").to_pylist()], dtype=np.int64)
    table_scale = float((table.schema.metadata or {}).get(b"scale", b"1.0"))

    # people in the host: one donor each, from the same status, origin and sector, else
    # the same status and sector, else the same status
    status_idx, origin_idx, sector_idx = np.nonzero(counts)
    reps = counts[status_idx, origin_idx, sector_idx]
    group = np.repeat(np.arange(status_idx.size), reps)  # each new person's (status, origin, sector) group
    new_status = status_idx[group]
    new_origin = origin_idx[group]
    new_sector = sector_idx[group]
    n_host = new_status.size
    u = uniforms(seed, np.arange(n_host, dtype=np.int64), -1, SLOT["attr_d"])
    donor = np.full(n_host, -1, dtype=np.int64)
    n_o, n_s = len(ORIGINS), len(SECTORS)
    in_host = status != returned
    for keys_new, keys_old in (
        (status_idx * n_o * n_s + origin_idx * n_s + sector_idx, status * n_o * n_s + origin * n_s + sector),
        (status_idx * n_s + sector_idx, status * n_s + sector),
        (status_idx, status),
    ):
        rows = np.flatnonzero(in_host)
        order = rows[np.argsort(keys_old[rows], kind="stable")]
        sorted_keys = keys_old[order]
        # the donors' range in the sorted table, searched once per group rather than per person
        first = np.searchsorted(sorted_keys, keys_new, side="left")
        count = np.searchsorted(sorted_keys, keys_new, side="right") - first
        missing = np.flatnonzero(donor < 0)
        lo, size = first[group[missing]], count[group[missing]]
        found = size > 0
        pick = lo + np.floor(u[missing] * size).astype(np.int64)
        donor[missing[found]] = order[np.minimum(pick[found], order.size - 1)]
    lacking = sorted({status_names[s] for s in new_status[donor < 0].tolist()})
    if lacking:
        raise DataError(
            f"the end-state table has nobody in status {', '.join(map(repr, lacking))} to copy attributes from."
        )

    # returnees at origin, each row weighted from the table's scale to this run's
    at_origin = np.flatnonzero(~in_host)
    weight = np.full(at_origin.size, scale / table_scale)
    copies = (np.floor(weight) + (rng.random(at_origin.size) < weight - np.floor(weight))).astype(np.int64)
    home_rows = np.repeat(at_origin, copies)

    rows = np.concatenate([donor, home_rows])
    n = rows.size
    state = new_state(initial_capacity(n))
    state.pid[:n] = np.arange(n)
    state.status[:n] = np.concatenate([new_status, status[home_rows]]).astype(np.int8)
    state.origin[:n] = np.concatenate([new_origin, origin[home_rows]]).astype(np.int8)
    state.sector[:n] = np.concatenate([new_sector, sector[home_rows]]).astype(np.int8)
    state.prev_status[:n] = prev[rows].astype(np.int8)
    for name in ATTRIBUTES:
        getattr(state, name)[:n] = table.column(name).to_numpy()[rows]
    state.ban_until[:n] = first_month + table.column("ban_months_left").to_numpy()[rows]
    state.applying[:n] = 0
    return state, n
