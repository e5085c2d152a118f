"""Sourced values and raw-table access for the embedded data."""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from importlib import resources

from coexist.errors import DataError

__all__ = ["FLAGS", "Sourced", "load_table", "table_names"]

#: Allowed values of :attr:`Sourced.flag`.
FLAGS: tuple[str, ...] = ("reported", "derived", "uncertain", "assumption")

_PACKAGE = "coexist.data"


@dataclass(frozen=True)
class Sourced:
    """A number that carries its source, reference date and reliability flag.

    Parameters
    ----------
    value : float
        The number, in the unit stated by the function that returns it.
    source : str
        URL it was read from, or ``"assumption"``.
    ref_date : str
        Date or period the number refers to (``"2024-10"``, ``"FY2022"``...).
    flag : str
        One of ``reported``, ``derived``, ``uncertain``, ``assumption``.
    note : str, optional
        How it was derived, or why it is assumed.
    low, high : float, optional
        Plausible range (always given for assumptions).

    Examples
    --------
    >>> Sourced(0.5, "assumption", "2024", "assumption", low=0.2, high=0.8).flag
    'assumption'
    """

    value: float
    source: str
    ref_date: str
    flag: str
    note: str = ""
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if self.flag not in FLAGS:
            raise DataError(f"Sourced flag must be one of {', '.join(FLAGS)}. Got {self.flag!r} instead.")
        if not self.source:
            raise DataError(f"Sourced value {self.value!r} must name a source (URL or 'assumption').")
        if not self.ref_date:
            raise DataError(f"Sourced value {self.value!r} must have a reference date.")
        if not math.isfinite(float(self.value)):
            raise DataError(f"Sourced value must be finite. Got {self.value!r} instead.")
        if self.flag == "assumption" and (self.low is None or self.high is None):
            raise DataError(f"An assumption must give a range (low, high). Got none for {self.note or self.value!r}.")
        if self.low is not None and self.high is not None:
            if not self.low <= self.value <= self.high:
                raise DataError(
                    f"Sourced value {self.value!r} must lie in its range [{self.low}, {self.high}] ({self.note})."
                )


@functools.cache
def table_names() -> tuple[str, ...]:
    """Stems of the CSV files shipped in ``coexist/data``.

    Returns
    -------
    tuple of str
        Sorted file stems, e.g. ``"mhlw_by_status"``.
    """
    root = resources.files(_PACKAGE)
    return tuple(sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".csv")))


@functools.cache
def _read_table(name: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    if name not in table_names():
        raise DataError(f"data table must be one of {', '.join(table_names())}. Got {name!r} instead.")
    text = (resources.files(_PACKAGE) / f"{name}.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return tuple(tuple((k, v if v is not None else "") for k, v in row.items()) for row in reader)


def load_table(name: str) -> list[dict[str, str]]:
    """Read one embedded CSV by its file stem.

    Parameters
    ----------
    name : str
        File stem, e.g. ``"mhlw_by_status"`` (see :func:`table_names`).

    Returns
    -------
    list of dict
        One dict per row, every cell a string (empty string for a gap). A
        fresh copy on every call, so callers may modify it.

    Raises
    ------
    DataError
        If no such table is shipped.

    Examples
    --------
    >>> rows = load_table("mhlw_foreign_workers_total")
    >>> rows[-1]["year_end_october"]
    '2024'
    """
    return [dict(row) for row in _read_table(name)]


def _pick(name: str, **match: str) -> dict[str, str]:
    """The single row of ``name`` whose columns equal ``match``; DataError otherwise."""
    rows = [r for r in load_table(name) if all(r.get(k) == v for k, v in match.items())]
    if len(rows) != 1:
        raise DataError(f"{name}.csv must have exactly one row with {match}. Found {len(rows)}.")
    return rows[0]


def _num(row: dict[str, str], column: str) -> float:
    text = row.get(column, "")
    try:
        return float(text)
    except ValueError:
        raise DataError(f"column {column!r} must be a number in row {row}. Got {text!r} instead.") from None


def _url(row: dict[str, str]) -> str:
    url = row.get("source_url", "")
    if not url:
        raise DataError(f"row {row} has no source_url.")
    return url
