"""A run's end state as a table, and a new population drawn from one (engine/end_state.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from coexist.codes import ORIGINS, SECTORS
from coexist.engine.end_state import ATTRIBUTES, populate_from_end_state
from coexist.engine.simulate import simulate
from coexist.errors import DataError
from coexist.policy.tables import compile_regime
from coexist.testing import tiny_world

STATUSES = ("home", "titp", "ssw1", "irregular", "returned")
RETURNED = STATUSES.index("returned")


def _table(rows: list[dict], scale: float = 0.5) -> pa.Table:
    columns = {name: [] for name in ("status", "origin", "sector", "prev_status", *ATTRIBUTES, "ban_months_left")}
    for row in rows:
        for name in columns:
            columns[name].append(row.get(name, "" if name == "prev_status" else 0))
    types = {"skill": pa.float32(), "debt": pa.float32(), "savings": pa.float32(), "ban_months_left": pa.int32()}
    table = pa.table(
        {
            k: pa.array(
                v, type=types.get(k, pa.string() if k in ("status", "origin", "sector", "prev_status") else pa.int16())
            )
            for k, v in columns.items()
        }
    )
    return table.replace_schema_metadata({"scale": repr(scale)})


def _counts(cells: dict[tuple[str, str, str], int]) -> np.ndarray:
    counts = np.zeros((len(STATUSES), len(ORIGINS), len(SECTORS)), dtype=np.int64)
    for (status, origin, sector), k in cells.items():
        counts[STATUSES.index(status), ORIGINS.index(origin), SECTORS.index(sector)] = k
    return counts


DONORS = [
    # two TITP donors in (VNM, construction), told apart by months in status
    {"status": "titp", "origin": "VNM", "sector": "construction", "months_in_status": 5, "debt": 100.0},
    {"status": "titp", "origin": "VNM", "sector": "construction", "months_in_status": 30, "debt": 0.0},
    # an SSW-i donor of another origin and sector only
    {
        "status": "ssw1",
        "origin": "PHL",
        "sector": "caregiving",
        "months_in_status": 12,
        "cert": 1,
        "prev_status": "titp",
    },
    # returnees at origin, one barred for 3 more months
    {
        "status": "returned",
        "origin": "VNM",
        "sector": "construction",
        "months_home": 7,
        "prev_status": "titp",
        "ban_months_left": 3,
    },
    {"status": "returned", "origin": "NPL", "sector": "agriculture", "months_home": 20, "prev_status": "ssw1"},
]


def _populate(counts, table, scale=0.5, seed=3):
    return populate_from_end_state(counts, table, STATUSES, RETURNED, 24300, seed, scale, np.random.default_rng(0))


def test_host_people_follow_the_counts_and_copy_donors_of_their_group():
    counts = _counts({("titp", "VNM", "construction"): 400, ("ssw1", "VNM", "manufacturing"): 50})
    state, n = _populate(counts, _table(DONORS))
    host = state.status[:n] != RETURNED
    assert host.sum() == 450
    titp = state.status[:n] == STATUSES.index("titp")
    assert titp.sum() == 400
    assert set(state.months_in_status[:n][titp].tolist()) == {5, 30}  # only donors of the same group
    assert 0.35 < np.mean(state.months_in_status[:n][titp] == 5) < 0.65  # both, about equally
    assert np.all(state.debt[:n][titp][state.months_in_status[:n][titp] == 5] == 100.0)
    # no SSW-i donor in (VNM, manufacturing) nor in manufacturing: the nearest group is the status
    ssw = state.status[:n] == STATUSES.index("ssw1")
    assert np.all(state.months_in_status[:n][ssw] == 12) and np.all(state.cert[:n][ssw] == 1)
    assert np.all(state.origin[:n][ssw] == ORIGINS.index("VNM"))  # the group is the counts', not the donor's
    assert np.all(state.prev_status[:n][ssw] == STATUSES.index("titp"))
    assert np.all(state.employer[:n] == -1) and np.all(state.applying[:n] == 0)
    np.testing.assert_array_equal(state.pid[:n], np.arange(n))


def test_returnees_are_carried_over_at_the_new_scale_with_their_bans():
    table = _table(DONORS, scale=0.01)
    state, n = _populate(_counts({("titp", "VNM", "construction"): 1}), table, scale=0.05)  # 5 copies each
    home = state.status[:n] == RETURNED
    assert home.sum() == 10
    vnm = home & (state.origin[:n] == ORIGINS.index("VNM"))
    assert vnm.sum() == 5
    assert np.all(state.months_home[:n][vnm] == 7)
    assert np.all(state.ban_until[:n][vnm] == 24300 + 3)
    assert np.all(state.ban_until[:n][home & ~vnm] == 24300)


def test_same_seed_same_population_and_another_seed_differs():
    counts = _counts({("titp", "VNM", "construction"): 300})
    a, n = _populate(counts, _table(DONORS))
    b, _ = _populate(counts, _table(DONORS))
    c, _ = _populate(counts, _table(DONORS), seed=4)
    np.testing.assert_array_equal(a.months_in_status[:n], b.months_in_status[:n])
    assert not np.array_equal(a.months_in_status[:n], c.months_in_status[:n])


def test_bad_tables_are_refused():
    with pytest.raises(DataError, match="'esd'"):
        _populate(
            _counts({("titp", "VNM", "construction"): 1}),
            _table([*DONORS, {"status": "esd", "origin": "VNM", "sector": "construction"}]),
        )
    with pytest.raises(DataError, match="nobody in status 'irregular'"):
        _populate(_counts({("irregular", "VNM", "construction"): 2}), _table(DONORS))


def test_a_run_hands_back_everyone_alive_and_a_new_run_can_start_from_it():
    scenario = tiny_world("japan-temporary", ['horizon.end="2026-12"'])
    result = simulate(scenario, seed=2, end_state=True)
    table = result.end_state
    last = result.stocks.filter(pa.compute.equal(result.stocks["month"], pa.scalar(dt.date(2026, 12, 1))))
    people = sum(r["persons"] for r in last.to_pylist() if r["status"] != "home")
    assert table.num_rows == round(people)
    assert set(table.column("status").to_pylist()) >= {"titp", "returned"}
    assert float(table.schema.metadata[b"scale"]) == scenario.population.scale
    statuses = compile_regime(scenario).status_names
    assert set(table.column("status").to_pylist()) <= set(statuses) - {"home"}
