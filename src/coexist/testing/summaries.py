"""Small summaries of a run used by tests and quick looks."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["flow_total", "stock_mean", "measure_total", "returnee_employment_12m", "departures_by_month",
           "programme_departures"]


def flow_total(result, flow: str, status_from: str | None = None, status_to: str | None = None) -> float:
    table = result.flows
    mask = pc.equal(table["flow"], flow)
    if status_from is not None:
        mask = pc.and_(mask, pc.equal(table["status_from"], status_from))
    if status_to is not None:
        mask = pc.and_(mask, pc.equal(table["status_to"], status_to))
    return float(pc.sum(table.filter(mask)["persons"]).as_py() or 0.0)


def stock_mean(result, status: str) -> float:
    table = result.stocks
    months = len(set(table["month"].to_pylist()))
    chosen = table.filter(pc.equal(table["status"], status))
    return float(pc.sum(chosen["persons"]).as_py() or 0.0) / max(months, 1)


def measure_total(result, measure: str) -> float:
    table = result.measures
    return float(pc.sum(table.filter(pc.equal(table["measure"], measure))["value"]).as_py() or 0.0)


def returnee_employment_12m(result) -> float:
    reached = measure_total(result, "returnees_reaching_12m")
    return measure_total(result, "returnees_employed_12m") / reached if reached else float("nan")


# the statuses of the temporary programmes, and the flows by which their holders leave for home or irregularity
PROGRAMME_STATUSES = ("titp", "esd", "ssw1", "ssw2")
DEPARTURE_FLOWS = ("return", "overstay")


def departures_by_month(result, statuses=PROGRAMME_STATUSES) -> dict:
    """Persons who left any of `statuses` for home or irregular stay, by returning or
    overstaying, in each month of the run (month as a date -> persons; months with none absent)."""
    table = result.flows
    mask = pc.and_(pc.is_in(table["flow"], pa.array(DEPARTURE_FLOWS)),
                   pc.is_in(table["status_from"], pa.array(list(statuses))))
    chosen = table.filter(mask)
    out: dict = {}
    for month, persons in zip(chosen["month"].to_pylist(), chosen["persons"].to_pylist(), strict=True):
        out[month] = out.get(month, 0.0) + persons
    return out


def programme_departures(result, year: int) -> list[float]:
    """Departures from the programme statuses (TITP, ESD, SSW-i, SSW-ii; see `departures_by_month`)
    in each month of `year`, January first."""
    by_month = [0.0] * 12
    for month, persons in departures_by_month(result).items():
        if month.year == year:
            by_month[month.month - 1] += persons
    return by_month
