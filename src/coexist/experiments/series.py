"""Yearly series of one run, small enough to keep for every replicate (for bands in charts).

Each series is a pure function of the run's tables: calendar years and one value per
year. Rates are ratios of yearly sums; stocks are yearly means of month-end stocks; flows
and money are yearly sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coexist.codes import HOST_STATUSES
from coexist.metrics.tables import absconding_mask, as_tables

__all__ = ["SERIES", "annual_series"]

#: name -> (title, y-axis label, tick format or "")
SERIES: dict[str, tuple[str, str, str]] = {
    "fill_rate": ("Demand fill rate, all sectors", "share of demand filled", ".0%"),
    "host_stock": ("Persons in a host status", "persons (yearly mean)", ""),
    "irregular": ("Irregular population", "persons (yearly mean)", ""),
    "absconding": ("Absconding (regular to irregular)", "persons per year", ""),
    "returnee_employment": ("Returnees employed at home within 12 months", "share of returnees", ".0%"),
    "skill_years_home": ("Skill-years brought home", "skill-years per year", ""),
    "remittances": ("Remittances", "billions (host currency) per year", ""),
}


def _years(t: Any) -> tuple[np.ndarray, list[int]]:
    years = t.calendar_years
    return years, sorted(set(years.tolist()))


def _per_year(years: np.ndarray, unique: list[int], monthly: np.ndarray, how: str) -> np.ndarray:
    out = []
    for y in unique:
        v = np.asarray(monthly, dtype=np.float64)[years == y]
        out.append(v.sum() if how == "sum" else (v.mean() if v.size else np.nan))
    return np.asarray(out, dtype=np.float64)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.full_like(a, np.nan), where=b > 0)


def annual_series(tables: Any) -> dict[str, Any]:
    """``{"years": [...], name: [value per year], ...}`` for every name in :data:`SERIES`."""
    t = as_tables(tables)
    years, unique = _years(t)
    demand, filled = t.demand_by_month()
    out: dict[str, Any] = {"years": unique}
    out["fill_rate"] = _ratio(_per_year(years, unique, filled, "sum"), _per_year(years, unique, demand, "sum"))
    out["host_stock"] = _per_year(years, unique, t.stock_by_month(statuses=HOST_STATUSES), "mean")
    out["irregular"] = _per_year(years, unique, t.stock_by_month(statuses=("irregular",)), "mean")
    out["absconding"] = _per_year(years, unique, t.flow_by_month(absconding_mask(t)), "sum")
    out["returnee_employment"] = _ratio(
        _per_year(years, unique, t.measure_by_month("returnees_employed_12m"), "sum"),
        _per_year(years, unique, t.measure_by_month("returnees_reaching_12m"), "sum"),
    )
    out["skill_years_home"] = _per_year(years, unique, t.measure_by_month("skill_years_home"), "sum")
    out["remittances"] = _per_year(years, unique, t.measure_by_month("remittances"), "sum") / 1e9
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in out.items()}
