"""Read-only helpers over the four result tables (stocks, flows, demand, measures).

Every metric and figure is a pure function of these tables. The helpers turn the tidy
pyarrow tables into small NumPy aggregates (totals per month, per group) with
``numpy`` group sums, so no metric loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coexist.codes import HOST_STATUSES
from coexist.periods import month_dates, month_indices

__all__ = ["Tables", "as_tables", "arrivals_mask", "departures_mask", "reentry_mask", "absconding_mask"]


def _col(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


@dataclass(frozen=True, eq=False)
class Tables:
    """The four tables of one run, with cached NumPy views.

    Parameters
    ----------
    stocks, flows, demand, measures : pyarrow.Table
        Tables with the schemas of :mod:`coexist.engine.result`.
    """

    stocks: pa.Table
    flows: pa.Table
    demand: pa.Table
    measures: pa.Table

    # -- months -------------------------------------------------------------------------
    @cached_property
    def month_numbers(self) -> np.ndarray:
        """Month index (:mod:`coexist.periods`) of every month of the horizon, sorted."""
        found: set[int] = set()
        for table in (self.stocks, self.demand, self.measures):
            if table.num_rows:
                found.update(month_indices(table.column("month").unique()).tolist())
        return np.array(sorted(found), dtype=np.int64)

    @cached_property
    def months(self) -> list[dt.date]:
        """Every month of the horizon, sorted, as the date of its first day (the x axis of charts)."""
        return month_dates(self.month_numbers).to_pylist()

    @cached_property
    def calendar_years(self) -> np.ndarray:
        """The calendar year of every month of the horizon."""
        return self.month_numbers // 12

    @property
    def n_months(self) -> int:
        return len(self.month_numbers)

    @property
    def years(self) -> float:
        """Length of the horizon in years (months / 12)."""
        return self.n_months / 12.0

    def month_index(self, months: pa.ChunkedArray | pa.Array) -> np.ndarray:
        """Position of each month in `months` (-1 for a month outside the horizon)."""
        numbers = month_indices(months)
        horizon = self.month_numbers
        if not horizon.size:
            return np.full(numbers.shape, -1, dtype=np.int64)
        position = np.searchsorted(horizon, numbers).clip(0, horizon.size - 1)
        return np.where(horizon[position] == numbers, position, -1).astype(np.int64)

    def for_origin(self, origin: str) -> Tables:
        """The tables of the persons from one origin (stocks, flows and measures filtered;
        demand, which has no origin, kept whole, so the horizon stays the run's)."""

        def mine(table: pa.Table) -> pa.Table:
            return table.filter(pc.equal(table.column("origin"), origin))

        return Tables(mine(self.stocks), mine(self.flows), self.demand, mine(self.measures))

    # -- columns ------------------------------------------------------------------------
    @cached_property
    def _stocks(self) -> dict[str, np.ndarray]:
        t = self.stocks
        return {
            "month": self.month_index(t.column("month")),
            "status": _col(t, "status").astype(str),
            "origin": _col(t, "origin").astype(str),
            "sector": _col(t, "sector").astype(str),
            "persons": _col(t, "persons").astype(np.float64),
        }

    @cached_property
    def _flows(self) -> dict[str, np.ndarray]:
        t = self.flows
        return {
            "month": self.month_index(t.column("month")),
            "flow": _col(t, "flow").astype(str),
            "status_from": _col(t, "status_from").astype(str),
            "status_to": _col(t, "status_to").astype(str),
            "origin": _col(t, "origin").astype(str),
            "sector": _col(t, "sector").astype(str),
            "persons": _col(t, "persons").astype(np.float64),
        }

    @cached_property
    def _demand(self) -> dict[str, np.ndarray]:
        t = self.demand
        return {
            "month": self.month_index(t.column("month")),
            "sector": _col(t, "sector").astype(str),
            "demand": _col(t, "demand").astype(np.float64),
            "employed": _col(t, "employed").astype(np.float64),
        }

    @cached_property
    def _measures(self) -> dict[str, np.ndarray]:
        t = self.measures
        return {
            "month": self.month_index(t.column("month")),
            "origin": _col(t, "origin").astype(str),
            "measure": _col(t, "measure").astype(str),
            "value": _col(t, "value").astype(np.float64),
        }

    # -- aggregates -----------------------------------------------------------------------
    def _by_month(self, month: np.ndarray, weights: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        if mask is not None:
            month, weights = month[mask], weights[mask]
        ok = month >= 0
        return np.bincount(month[ok], weights=weights[ok], minlength=self.n_months)[: self.n_months]

    def measure_by_month(self, name: str, origin: str | None = None) -> np.ndarray:
        """Monthly series of one measure, summed over origins (or for one origin)."""
        m = self._measures
        mask = m["measure"] == name
        if origin is not None:
            mask &= m["origin"] == origin
        return self._by_month(m["month"], m["value"], mask)

    def measure_total(self, name: str) -> float:
        return float(self.measure_by_month(name).sum())

    def stock_by_month(
        self, *, statuses: tuple[str, ...] | None = None, origins: tuple[str, ...] | None = None
    ) -> np.ndarray:
        """Persons per month, optionally restricted to some statuses and origins."""
        s = self._stocks
        mask = np.ones(len(s["persons"]), dtype=bool)
        if statuses is not None:
            mask &= np.isin(s["status"], list(statuses))
        if origins is not None:
            mask &= np.isin(s["origin"], list(origins))
        return self._by_month(s["month"], s["persons"], mask)

    def stock_by(self, key: str, *, statuses: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """Persons per month for each value of ``key`` (status, origin or sector)."""
        s = self._stocks
        out: dict[str, np.ndarray] = {}
        base = np.ones(len(s["persons"]), dtype=bool)
        if statuses is not None:
            base &= np.isin(s["status"], list(statuses))
        for value in np.unique(s[key][base]):
            out[str(value)] = self._by_month(s["month"], s["persons"], base & (s[key] == value))
        return out

    def flow_by_month(self, mask: np.ndarray) -> np.ndarray:
        f = self._flows
        return self._by_month(f["month"], f["persons"], mask)

    @property
    def flow_columns(self) -> dict[str, np.ndarray]:
        return self._flows

    def demand_by_month(self, sector: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(demand, filled) per month, where filled = min(employed, demand) per sector-month."""
        d = self._demand
        mask = np.ones(len(d["demand"]), dtype=bool) if sector is None else d["sector"] == sector
        filled = np.minimum(d["employed"], d["demand"])
        return self._by_month(d["month"], d["demand"], mask), self._by_month(d["month"], filled, mask)

    @property
    def sectors(self) -> list[str]:
        return sorted(set(self._demand["sector"].tolist()))


def as_tables(source: Any) -> Tables:
    """Accept a :class:`Tables`, a ``SimulationResult``, a loaded run or anything with the
    four table attributes."""
    if isinstance(source, Tables):
        return source
    try:
        return Tables(source.stocks, source.flows, source.demand, source.measures)
    except AttributeError:
        raise TypeError(
            "metrics need an object with stocks, flows, demand and measures tables "
            f"(a SimulationResult or a loaded run). Got {type(source).__name__} instead."
        ) from None


_HOST = list(HOST_STATUSES)


def arrivals_mask(t: Tables) -> np.ndarray:
    """Flows that bring a person into a host status from outside (entries and re-entries)."""
    f = t.flow_columns
    return ~np.isin(f["status_from"], _HOST) & np.isin(f["status_to"], _HOST)


def departures_mask(t: Tables) -> np.ndarray:
    """Flows that take a person from a host status to outside (returns, removals, deaths...)."""
    f = t.flow_columns
    return np.isin(f["status_from"], _HOST) & ~np.isin(f["status_to"], _HOST)


def reentry_mask(t: Tables) -> np.ndarray:
    """Flows from ``returned`` (a former worker at home) back into a host status."""
    f = t.flow_columns
    return (f["status_from"] == "returned") & np.isin(f["status_to"], _HOST)


def absconding_mask(t: Tables) -> np.ndarray:
    """Absconding: flows labelled ``abscond`` from a regular host status into ``irregular``
    (overstaying after a status lapses is a separate flow, ``overstay``)."""
    f = t.flow_columns
    regular = [s for s in _HOST if s != "irregular"]
    return (f["flow"] == "abscond") & np.isin(f["status_from"], regular) & (f["status_to"] == "irregular")
