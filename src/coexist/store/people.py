"""A run folder's people.parquet (every person's status spells) and the questions asked of it
with DuckDB: where a cohort was at a date, how many stays people made in the host.

>>> from coexist.store.people import people_table_of, cohort_shares
>>> table = people_table_of("runs/japan-circular-1a2b3c4d-0")                        # doctest: +SKIP
>>> cohort_shares(table, status="ssw1", ended_from="2030-01", ended_to="2030-12", at="2031-12")  # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coexist.store.run_folder import PEOPLE_FILE, StoreError, is_run_folder

__all__ = ["PEOPLE_FILE", "PeopleTable", "NoPeopleError", "CohortShares", "people_table_of", "cohort_shares",
           "visit_counts", "LEFT_MODEL", "NOT_YET_ARRIVED"]

# where a cohort member may be at a date besides a status
LEFT_MODEL = "left_model"  # aged out, died or left the modelled population before the date
NOT_YET_ARRIVED = "not_yet_arrived"  # first arrived after the date


class NoPeopleError(StoreError):
    """A run folder written without the people's spells."""

    def __init__(self, folder: Path):
        self.folder = folder
        super().__init__(f"run folder must hold {PEOPLE_FILE}. Got {folder} instead, which has none: run the "
                         "scenario again asking for the people's spells (coexist.api.run(..., people=True)).")


@dataclass(frozen=True)
class PeopleTable:
    """A run folder's people.parquet and what its run.json says about the run."""

    path: Path
    scale: float
    start: str
    end: str
    statuses: tuple[str, ...]


@dataclass
class CohortShares:
    """Where the people who left a status in a window of months were at a later (or earlier) date.

    Attributes
    ----------
    status, ended_from, ended_to, at : the question.
    agents : int
        People in the cohort (at the run's scale).
    persons : float
        The same re-inflated to persons (agents / scale).
    rows : list of dict
        One per place, most people first: ``state`` (a status, ``left_model`` or
        ``not_yet_arrived``), ``agents``, ``persons``, ``share`` (of the cohort, 0..1).
    """

    status: str
    ended_from: str
    ended_to: str
    at: str
    agents: int
    persons: float
    scale: float
    rows: list[dict[str, Any]] = field(default_factory=list)


def people_table_of(folder: str | Path) -> PeopleTable:
    """The people.parquet of a run folder, with the run's scale, horizon and statuses.

    Raises
    ------
    StoreError
        The folder is not a run folder; :class:`NoPeopleError` when it has no people.parquet.
    """
    folder = Path(folder)
    if not is_run_folder(folder):
        raise StoreError(f"must be a coexist run folder (a folder holding run.json). Got {folder} instead.")
    path = folder / PEOPLE_FILE
    if not path.is_file():
        raise NoPeopleError(folder)
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        pq.read_schema(path)  # fails here, with the file named, when it is not Parquet
        names = tuple((run.get("extra") or {}).get("status_names") or ())
        return PeopleTable(path=path, scale=float(run["scale"]), start=str(run["start"]), end=str(run["end"]),
                           statuses=names)
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise StoreError(f"cannot read {path} or its run.json: {exc}.") from None


def _connection() -> Any:
    import duckdb  # third-party and slow to import: only the questions asked of people.parquet need it

    return duckdb.connect(":memory:")


_COHORT = """
WITH spells AS (SELECT * FROM read_parquet($path)),
cohort AS (
    SELECT DISTINCT person_id FROM spells
    WHERE status = $status AND end_reason <> 'job_change' AND "end" BETWEEN $ended_from AND $ended_to
),
placed AS (
    SELECT s.person_id, s.status FROM spells AS s JOIN cohort USING (person_id)
    WHERE s.start <= $at AND (s."end" IS NULL OR s."end" > $at)
),
first_start AS (
    SELECT person_id, min(start) AS first FROM spells JOIN cohort USING (person_id) GROUP BY person_id
)
SELECT CASE WHEN p.status IS NOT NULL THEN p.status
            WHEN f.first > $at THEN $not_yet_arrived
            ELSE $left_model END AS state,
       count(*) AS agents
FROM cohort AS c
JOIN first_start AS f USING (person_id)
LEFT JOIN placed AS p USING (person_id)
GROUP BY state
ORDER BY agents DESC, state
"""


def cohort_shares(table: PeopleTable, *, status: str, ended_from: str, ended_to: str, at: str) -> CohortShares:
    """The people whose spell in `status` ended in [`ended_from`, `ended_to`] (months
    "YYYY-MM", a change of employer inside the status not counted), and where they were at
    the end of month `at`: the arguments are taken as checked (coexist.api.cohort checks them).

    Each person counts once, however many such spells they had."""
    con = _connection()
    try:
        rows = con.execute(_COHORT, {"path": str(table.path), "status": status, "ended_from": ended_from,
                                     "ended_to": ended_to, "at": at, "left_model": LEFT_MODEL,
                                     "not_yet_arrived": NOT_YET_ARRIVED}).fetchall()
    finally:
        con.close()
    total = sum(int(agents) for _, agents in rows)
    return CohortShares(
        status=status, ended_from=ended_from, ended_to=ended_to, at=at, agents=total, persons=total / table.scale,
        scale=table.scale,
        rows=[{"state": state, "agents": int(agents), "persons": int(agents) / table.scale,
               "share": int(agents) / total} for state, agents in rows],
    )


_VISITS = """
SELECT visits, count(*) AS agents
FROM (SELECT person_id, max(visit) AS visits FROM read_parquet($path) GROUP BY person_id)
GROUP BY visits ORDER BY visits
"""


def visit_counts(table: PeopleTable) -> list[dict[str, Any]]:
    """How many stays in the host people made by the end of the run: one row per number of
    stays (``visits``), with ``agents``, ``persons`` (re-inflated) and ``share`` of everyone
    in the file. The initial population's stays count from the horizon's start."""
    con = _connection()
    try:
        rows = con.execute(_VISITS, {"path": str(table.path)}).fetchall()
    finally:
        con.close()
    total = sum(int(agents) for _, agents in rows)
    return [{"visits": int(visits), "agents": int(agents), "persons": int(agents) / table.scale,
             "share": int(agents) / total} for visits, agents in rows]
