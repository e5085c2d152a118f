"""Checks on simulation outputs, shared by the test suite and debugging sessions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["stock_matrix", "flow_balance", "conservation_gap"]


def stock_matrix(stocks: pa.Table) -> tuple[list[str], list[str], np.ndarray]:
    """Persons by month and status: (months, statuses, array [month, status])."""
    months = sorted(set(stocks.column("month").to_pylist()))
    statuses = sorted(set(stocks.column("status").to_pylist()))
    out = np.zeros((len(months), len(statuses)))
    m_index = {m: i for i, m in enumerate(months)}
    s_index = {s: i for i, s in enumerate(statuses)}
    for m, s, p in zip(
        stocks.column("month").to_pylist(),
        stocks.column("status").to_pylist(),
        stocks.column("persons").to_pylist(),
        strict=True,
    ):
        out[m_index[m], s_index[s]] += p
    return months, statuses, out


def flow_balance(flows: pa.Table, months: list[str], statuses: list[str]) -> np.ndarray:
    """Net recorded flow into each status per month (flows within a status move nobody)."""
    out = np.zeros((len(months), len(statuses)))
    m_index = {m: i for i, m in enumerate(months)}
    s_index = {s: i for i, s in enumerate(statuses)}
    cols = [flows.column(c).to_pylist() for c in ("month", "status_from", "status_to", "persons")]
    for m, a, b, p in zip(*cols, strict=True):
        if a == b:
            continue
        if b in s_index:
            out[m_index[m], s_index[b]] += p
        if a in s_index:
            out[m_index[m], s_index[a]] -= p
    return out


def conservation_gap(stocks: pa.Table, flows: pa.Table) -> float:
    """Largest absolute difference between the change in a stock and its recorded net flow."""
    months, statuses, stock = stock_matrix(stocks)
    net = flow_balance(flows, months, statuses)
    change = np.diff(stock, axis=0)
    return float(np.abs(change - net[1:]).max()) if len(months) > 1 else 0.0
