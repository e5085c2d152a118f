"""Small summaries of a run used by tests and quick looks."""

from __future__ import annotations

import pyarrow.compute as pc

__all__ = ["flow_total", "stock_mean", "measure_total", "returnee_employment_12m"]


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
