"""Status spells of every person, recorded from the month loop when a run asks for them.

A spell is a stretch of months in one status (and, in the host, with one employer and
sector). The recorder keeps each person's open spell in arrays indexed by the person id
`pid` (rows move at compaction and re-entry; ids do not), and compares the population
with it at the points where people change state: after the arrivals (entries and
re-entries), around the two compiled passes (host and home, whose changes are deduced
from the state they leave) and after the entries from abroad. Everything is done with
NumPy over whole arrays; the kernels are not touched, so a run gives the same results
with and without recording.

Which flow ended a spell is deduced from the state (docs/outputs.md, people.parquet):

* to irregular: ``overstay`` if the person's overstay flag is set, else ``abscond``;
* irregular to at origin: ``removal`` if the person's detection draw of the month (their
  counter-based stream, slot "detect") is under the month's detection rate, else
  ``voluntary_departure``;
* another host status to at origin: ``return``; at origin to a host status: ``reentry``;
* host status to host status: ``upgrade``;
* out of the model: ``age_out`` at the retirement age, else ``death`` if the person's
  death draw of the month is under the death table's chance at their age, else ``exit``;
* a change of employer inside a status (the engine's job changers): ``job_change``.
  A job change drawn in the month the worker also leaves the status (absconds,
  overstays or returns) never takes effect: the flows table counts it, the spells do not.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from coexist.engine.kernels import FLOW_INDEX
from coexist.engine.rng import SLOT, uniforms
from coexist.engine.state import GONE, State
from coexist.periods import format_month

__all__ = ["SpellRecorder", "PEOPLE_SCHEMA", "SPELL_REASONS"]

# The flows that end a spell, as end_reason writes them (names of kernels.FLOW_TYPES).
SPELL_REASONS = ("reentry", "return", "job_change", "abscond", "overstay", "removal", "voluntary_departure",
                 "upgrade", "age_out", "death", "exit")
_CODE = {name: FLOW_INDEX[name] for name in SPELL_REASONS}
_OPEN = -1  # end month and reason of a spell still open at the horizon

# Text columns are dictionary-encoded (a few distinct values over millions of rows): Parquet
# stores them so anyway, and DuckDB, pandas and polars read them as text.
_TEXT = pa.dictionary(pa.int16(), pa.string())
PEOPLE_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("origin", _TEXT),
        ("status", _TEXT),
        ("sector", _TEXT),
        ("employer_id", pa.int32()),
        ("start", _TEXT),
        ("end", _TEXT),
        ("end_reason", _TEXT),
        ("visit", pa.int16()),
    ]
)


class SpellRecorder:
    """The open spell of each person, by person id, and the spells closed so far.

    Parameters
    ----------
    S : State
        The population; rows ``0 .. n - 1`` are the initial population, whose first spell
        starts at the horizon's first month (their earlier history is not known).
    n : int
    month : int
        The horizon's first month (month index).
    returned, irregular : int
        The status codes of people at origin and of irregular stay.
    """

    def __init__(self, S: State, n: int, month: int, returned: int, irregular: int):
        self.returned = returned
        self.irregular = irregular
        capacity = max(2 * n, 1024)
        self.status = np.full(capacity, GONE, dtype=np.int8)  # GONE: no open spell (left the model)
        self.origin = np.zeros(capacity, dtype=np.int8)
        self.sector = np.zeros(capacity, dtype=np.int8)
        self.employer = np.full(capacity, -1, dtype=np.int32)
        self.start = np.zeros(capacity, dtype=np.int32)
        self.visit = np.zeros(capacity, dtype=np.int8)
        self.known = 0  # person ids below it have been seen
        self.closed: list[tuple[np.ndarray, ...]] = []
        self.before: np.ndarray | None = None
        self.arrived(S, 0, n, month)

    # ----- events ------------------------------------------------------------------------
    def arrived(self, S: State, first: int, stop: int, month: int) -> None:
        """People in rows ``first .. stop - 1`` arrived in the host this month: new people
        open their first spell; returnees who came back close their spell at origin
        (``reentry``) and open one in the status they were admitted to."""
        rows = np.arange(first, stop)
        rows = rows[S.status[rows] != GONE]
        if not rows.size:
            return
        pids = S.pid[rows].astype(np.int64)
        back = pids < self.known
        self._close(pids[back], month, _CODE["reentry"])
        self._grow(int(pids.max()) + 1)
        self.origin[pids] = S.origin[rows]
        self._open(S, rows, pids, month)
        self.known = max(self.known, int(pids.max()) + 1)

    def before_passes(self, S: State, n: int) -> None:
        """Keep the statuses of rows ``0 .. n - 1`` before the month's passes."""
        self.before = S.status[:n].copy()

    def after_passes(self, S: State, movers: np.ndarray, month: int, seed: int, detection: float,
                     death_by_age: np.ndarray, retire_months: float) -> None:
        """Close and open the spells the host pass, the job changers and the home pass
        changed this month. ``movers`` are the rows the job changers gave a new employer;
        ``detection``, ``death_by_age`` and ``retire_months`` are what the passes read (the
        month's detection rate, the monthly chance of death by age in months, the
        retirement age in months)."""
        before = self.before
        self.before = None
        changed = np.flatnonzero(S.status[: before.size] != before)
        moved = np.zeros(before.size, dtype=np.bool_)
        moved[movers] = True
        # job changes first (the host pass draws them before any change of status)
        if movers.size:
            pids = S.pid[movers].astype(np.int64)
            self._close(pids, month, _CODE["job_change"])
            also = S.status[movers] != before[movers]  # changed status too: an upgrade (any other change
            # of status empties the employer, and the person is then no job changer)
            if also.any():
                # with the new employer, still in the old status, until the upgrade of the same month
                rows = movers[also]
                self.sector[pids[also]] = S.sector[rows]
                self.employer[pids[also]] = S.employer[rows]
                self.start[pids[also]] = month
                self._close(pids[also], month, _CODE["upgrade"])
            self._open(S, movers, pids, month)
        changed = changed[~moved[changed]]
        if not changed.size:
            return
        pids = S.pid[changed].astype(np.int64)
        old, new = before[changed], S.status[changed]
        reason = np.full(changed.size, _CODE["upgrade"], dtype=np.int8)
        gone = new == GONE
        if gone.any():
            age = S.age[changed[gone]]
            u = uniforms(seed, pids[gone], month, SLOT["death"])
            died = u < death_by_age[np.minimum(age, death_by_age.shape[0] - 1)]
            reason[gone] = np.where(age >= retire_months, _CODE["age_out"],
                                    np.where(died, _CODE["death"], _CODE["exit"]))
        lapsed = new == self.irregular
        reason[lapsed] = np.where(S.overstay[changed[lapsed]] == 1, _CODE["overstay"], _CODE["abscond"])
        home = new == self.returned
        from_irregular = home & (old == self.irregular)
        if from_irregular.any():
            u = uniforms(seed, pids[from_irregular], month, SLOT["detect"])
            reason[from_irregular] = np.where(u < detection, _CODE["removal"], _CODE["voluntary_departure"])
        reason[home & ~from_irregular] = _CODE["return"]
        for code in np.unique(reason):
            self._close(pids[reason == code], month, int(code))
        stays = ~gone
        self._open(S, changed[stays], pids[stays], month)
        self.status[pids[gone]] = GONE

    # ----- the table ---------------------------------------------------------------------
    def table(self, status_names, sector_names, origin_names) -> pa.Table:
        """Every spell, one row each (PEOPLE_SCHEMA), by person and in time order; the spells
        still open have no end. The closed spells are handed over: the recorder is empty after."""
        open_pids = np.flatnonzero(self.status[: self.known] != GONE)
        self.closed.append(self._spells(open_pids, _OPEN, _OPEN))
        # columns one at a time, each part freed once gathered (a full run has tens of millions of spells)
        parts = [list(column) for column in zip(*self.closed, strict=True)]
        self.closed = []

        def column(k: int) -> np.ndarray:
            whole = np.concatenate(parts[k])
            parts[k] = None
            return whole

        pid = column(0)
        order = np.argsort(pid, kind="stable")  # spells were closed in time order
        pid = pid[order]

        def ordered(k: int) -> np.ndarray:
            return column(k)[order]

        start, end = ordered(5), ordered(6)
        months = np.unique(np.concatenate((start, end[end != _OPEN])))
        month_names = [format_month(int(m)) for m in months]
        flow_names = {code: name for name, code in _CODE.items()}
        reason_codes = np.array(sorted(flow_names))
        reason = ordered(7)
        employer = ordered(4)
        columns = {
            "person_id": pa.array(pid.astype(np.int64)),
            "origin": _labels(ordered(1), list(origin_names)),
            "status": _labels(ordered(2), list(status_names)),
            "sector": _labels(ordered(3), list(sector_names)),
            "employer_id": pa.array(employer, mask=employer < 0),
            "start": _labels(np.searchsorted(months, start), month_names),
            "end": _labels(np.searchsorted(months, end), month_names, missing=end == _OPEN),
            "end_reason": _labels(np.searchsorted(reason_codes, reason), [flow_names[int(c)] for c in reason_codes],
                                  missing=reason == _OPEN),
            "visit": pa.array(ordered(8).astype(np.int16)),
        }
        return pa.table(columns, schema=PEOPLE_SCHEMA)

    # ----- helpers -----------------------------------------------------------------------
    def _grow(self, needed: int) -> None:
        capacity = self.status.shape[0]
        if needed <= capacity:
            return
        size = max(needed, 2 * capacity)
        for name, empty in (("status", GONE), ("origin", 0), ("sector", 0), ("employer", -1), ("start", 0),
                            ("visit", 0)):
            old = getattr(self, name)
            new = np.full(size, empty, dtype=old.dtype)
            new[:capacity] = old
            setattr(self, name, new)

    def _open(self, S: State, rows: np.ndarray, pids: np.ndarray, month: int) -> None:
        """Open a spell in the current state of `rows` (persons `pids`): at origin and in
        irregular stay no employer; the visit is the person's count of entries to the host."""
        status = S.status[rows]
        self.status[pids] = status
        self.sector[pids] = S.sector[rows]
        worker = (status != self.returned) & (status != self.irregular)
        self.employer[pids] = np.where(worker, S.employer[rows], -1)
        self.start[pids] = month
        self.visit[pids] = S.entries[rows]

    def _close(self, pids: np.ndarray, month: int, reason: int) -> None:
        if pids.size:
            self.closed.append(self._spells(pids, month, reason))

    def _spells(self, pids: np.ndarray, end: int, reason: int) -> tuple[np.ndarray, ...]:
        k = pids.size
        return (pids.astype(np.int32), self.origin[pids], self.status[pids], self.sector[pids], self.employer[pids],
                self.start[pids], np.full(k, end, dtype=np.int32), np.full(k, reason, dtype=np.int8),
                self.visit[pids])


def _labels(codes: np.ndarray, labels: list[str], missing: np.ndarray | None = None) -> pa.Array:
    """A dictionary-encoded text column from integer codes into `labels` (null where `missing`)."""
    dictionary = pa.array([str(label) for label in labels], type=pa.string())
    indices = pa.array(np.asarray(codes, dtype=np.int16), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, dictionary)
