"""The metric registry: every metric declared once, with its actor, unit and direction.

The report, the dashboard, sensitivity analysis and policy search all read this one
registry. Each metric is a pure function of the result tables (see
:mod:`coexist.metrics.tables`). A metric whose denominator is zero is ``nan``
(written as ``null`` in metrics.json).

Directions: ``maximise`` and ``minimise`` are scored; ``info`` is reported but not
scored (turnover and re-migration: circulation raises them by design).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from coexist.codes import HOST_STATUSES, PROGRAMME_STATUSES, SECTORS
from coexist.metrics.tables import (
    Tables,
    arrivals_mask,
    as_tables,
    departures_mask,
    reentry_mask,
)

__all__ = ["Metric", "METRICS", "ACTORS", "DIRECTIONS", "compute_metrics", "format_value", "metric_definitions", "headline_metrics"]

ACTORS = ("host", "migrants", "origin")
DIRECTIONS = ("maximise", "minimise", "info")

# Statuses that mean a worker has settled in the host for the long term (brain drain).
LONG_TERM_STATUSES = ("ssw2", "professional", "status_based")


@dataclass(frozen=True)
class Metric:
    """One declared metric.

    Attributes
    ----------
    name : str
        Stable key in metrics.json, ``<actor>.<what>``.
    actor : {"host", "migrants", "origin"}
    unit : str
    direction : {"maximise", "minimise", "info"}
    description : str
        How it is computed (the docstring of the function).
    compute : callable
        ``compute(tables) -> float``.
    headline : bool
        Shown in the summary table of the report.
    label : str
        Short human label for tables and charts.
    """

    name: str
    actor: str
    unit: str
    direction: str
    description: str
    compute: Callable[[Tables], float]
    headline: bool = False
    label: str = ""

    def definition(self) -> dict[str, str]:
        return {
            "actor": self.actor,
            "unit": self.unit,
            "direction": self.direction,
            "label": self.label or self.name,
            "description": self.description,
        }


METRICS: dict[str, Metric] = {}


def _register(name: str, *, actor: str, unit: str, direction: str, label: str, headline: bool = False, doc: str | None = None):
    if actor not in ACTORS:
        raise ValueError(f"actor must be one of {ACTORS}. Got {actor!r} instead.")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}. Got {direction!r} instead.")

    def wrap(fn: Callable[[Tables], float]) -> Callable[[Tables], float]:
        if name in METRICS:
            raise ValueError(f"metric {name!r} is declared twice")
        description = doc or inspect.cleandoc(fn.__doc__ or "")
        if not description:
            raise ValueError(f"metric {name!r} needs a docstring saying how it is computed")
        METRICS[name] = Metric(name, actor, unit, direction, " ".join(description.split()), fn, headline, label)
        return fn

    return wrap


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else math.nan


# ---------------------------------------------------------------------------- host society
@_register("host.fill_rate", actor="host", unit="share of demand", direction="maximise", label="Demand fill rate", headline=True)
def _fill_rate(t: Tables) -> float:
    """Filled demand over labour demand for foreign workers, summed over all months and
    sectors of the horizon. Filled = min(employed, demand) in each sector-month, so
    surplus workers in one sector do not hide a shortage in another."""
    demand, filled = t.demand_by_month()
    return _ratio(filled.sum(), demand.sum())


def _sector_fill(sector: str) -> Callable[[Tables], float]:
    def fn(t: Tables) -> float:
        demand, filled = t.demand_by_month(sector)
        return _ratio(filled.sum(), demand.sum())

    return fn


for _sector in SECTORS:
    _register(
        f"host.fill_rate.{_sector}",
        actor="host",
        unit="share of demand",
        direction="maximise",
        label=f"Fill rate, {_sector.replace('_', ' ')}",
        doc=f"Filled demand over demand in sector {_sector}, summed over the months of the horizon "
        "(filled = min(employed, demand) per month). nan when the sector has no demand.",
    )(_sector_fill(_sector))


@_register("host.fill_rate_volatility", actor="host", unit="share of demand per month", direction="minimise", label="Fill-rate volatility", headline=True)
def _fill_volatility(t: Tables) -> float:
    """Standard deviation (population, ddof=0) of the month-on-month change of the total
    fill rate F_t = sum_s min(employed, demand) / sum_s demand. Months without demand are
    left out."""
    demand, filled = t.demand_by_month()
    ok = demand > 0
    rate = filled[ok] / demand[ok]
    if rate.size < 2:
        return math.nan
    return float(np.std(np.diff(rate)))


@_register("host.experienced_share", actor="host", unit="share of workers", direction="maximise", label="Experienced-worker share", headline=True)
def _experienced_share(t: Tables) -> float:
    """Person-months of workers with 36+ months of cumulative work in the host over all
    person-months in the host: sum of measure experienced_workers over sum of
    workers_in_host, over the horizon."""
    return _ratio(t.measure_total("experienced_workers"), t.measure_total("workers_in_host"))


@_register("host.irregular_end", actor="host", unit="persons", direction="minimise", label="Irregular population at end", headline=True)
def _irregular_end(t: Tables) -> float:
    """Persons in status irregular in the last month of the horizon (stocks table)."""
    series = t.stock_by_month(statuses=("irregular",))
    return float(series[-1]) if series.size else math.nan


@_register("host.irregular_mean", actor="host", unit="persons", direction="minimise", label="Irregular population, average")
def _irregular_mean(t: Tables) -> float:
    """Persons in status irregular, averaged over the months of the horizon."""
    series = t.stock_by_month(statuses=("irregular",))
    return float(series.mean()) if series.size else math.nan


@_register("host.turnover_annual", actor="host", unit="share of host stock per year", direction="info", label="Annual turnover")
def _turnover(t: Tables) -> float:
    """Half the sum of arrivals (flows from outside into a host status) and departures
    (flows from a host status to outside), per year, over the average number of persons
    in host statuses. Information only: circulation raises it by design."""
    moves = t.flow_by_month(arrivals_mask(t)).sum() + t.flow_by_month(departures_mask(t)).sum()
    stock = t.stock_by_month(statuses=HOST_STATUSES)
    if t.years <= 0 or stock.size == 0:
        return math.nan
    return _ratio(moves / 2.0 / t.years, stock.mean())


# ---------------------------------------------------------------------------- migrants
@_register("migrants.net_income_gain", actor="migrants", unit="money per person-month (host currency)", direction="maximise", label="Net income gain over staying home", headline=True)
def _net_gain(t: Tables) -> float:
    """(Sum of earnings minus sum of home_wage_counterfactual) over the sum of
    workers_in_host, over the horizon: the monthly income gain of a worker in the host
    over what the same person would earn at home."""
    gain = t.measure_total("earnings") - t.measure_total("home_wage_counterfactual")
    return _ratio(gain, t.measure_total("workers_in_host"))


@_register("migrants.debt_burden", actor="migrants", unit="months of earnings", direction="minimise", label="Debt burden", headline=True)
def _debt_burden(t: Tables) -> float:
    """Recruitment debt per worker over monthly earnings per worker (the SDG indicator
    10.7.1 idea): sum over months of debt over sum over months of earnings. Reads as the
    number of months of host earnings the average worker owes."""
    return _ratio(t.measure_total("debt"), t.measure_total("earnings"))


@_register("migrants.job_mobility_share", actor="migrants", unit="share of regular time", direction="maximise", label="Time with job mobility")
def _mobility(t: Tables) -> float:
    """Share of the time in a regular status during which the worker may change employer:
    sum of mobility_months over sum of regular_months."""
    return _ratio(t.measure_total("mobility_months"), t.measure_total("regular_months"))


@_register("migrants.skill_mean", actor="migrants", unit="skill (0..1)", direction="maximise", label="Mean skill in host")
def _skill_mean(t: Tables) -> float:
    """Mean skill of workers in the host, weighted by person-months: sum of skill_sum_host
    over sum of workers_in_host."""
    return _ratio(t.measure_total("skill_sum_host"), t.measure_total("workers_in_host"))


@_register("migrants.skill_growth", actor="migrants", unit="skill (0..1)", direction="info", label="Skill growth (last minus first month)")
def _skill_growth(t: Tables) -> float:
    """Mean skill in the host in the last month minus mean skill in the first month
    (skill_sum_host / workers_in_host). Information: it mixes learning with who arrives
    and who leaves."""
    skill = t.measure_by_month("skill_sum_host")
    workers = t.measure_by_month("workers_in_host")
    if skill.size == 0 or workers[0] <= 0 or workers[-1] <= 0:
        return math.nan
    return float(skill[-1] / workers[-1] - skill[0] / workers[0])


@_register("migrants.family_unity", actor="migrants", unit="share of workers", direction="maximise", label="Family unity")
def _family(t: Tables) -> float:
    """Person-months living with family in the host over person-months in the host: sum
    of family_in_host over sum of workers_in_host."""
    return _ratio(t.measure_total("family_in_host"), t.measure_total("workers_in_host"))


# ---------------------------------------------------------------------------- origin countries
@_register("origin.returnee_employment_12m", actor="origin", unit="share of returnees", direction="maximise", label="Returnees employed within 12 months", headline=True)
def _returnee_employment(t: Tables) -> float:
    """Returnees who found a job at home within 12 months of their return over returnees
    who reached 12 months since return: sum of returnees_employed_12m over sum of
    returnees_reaching_12m, over the horizon."""
    return _ratio(t.measure_total("returnees_employed_12m"), t.measure_total("returnees_reaching_12m"))


@_register("origin.skill_years_home_per_year", actor="origin", unit="skill-years per year", direction="maximise", label="Skill-years brought home per year", headline=True)
def _skill_years(t: Tables) -> float:
    """Skill times years abroad of the workers who returned home, summed over the horizon
    (measure skill_years_home) and divided by the length of the horizon in years."""
    return _ratio(t.measure_total("skill_years_home"), t.years)


@_register("origin.remittances_per_year", actor="origin", unit="money per year (host currency)", direction="maximise", label="Remittances per year", headline=True)
def _remittances(t: Tables) -> float:
    """Money sent home (measure remittances), summed over the horizon and divided by its
    length in years."""
    return _ratio(t.measure_total("remittances"), t.years)


@_register("origin.long_term_loss", actor="origin", unit="persons", direction="minimise", label="Long-term loss of workers", headline=True)
def _long_term_loss(t: Tables) -> float:
    """Brain drain: persons in a long-term status (ssw2, professional, status_based) in the
    last month, counting only programme origins (origins with anyone in a programme status
    titp, esd, ssw1 or ssw2 at any month of the horizon)."""
    s = t._stocks
    origins = np.unique(s["origin"][np.isin(s["status"], list(PROGRAMME_STATUSES)) & (s["persons"] > 0)])
    series = t.stock_by_month(statuses=LONG_TERM_STATUSES, origins=tuple(origins.tolist()))
    return float(series[-1]) if series.size else math.nan


@_register("origin.remigration_per_year", actor="origin", unit="persons per year", direction="info", label="Re-migration per year")
def _remigration(t: Tables) -> float:
    """Re-entries per year: flows from returned (a former worker at home) into a host
    status, summed over the horizon and divided by its length in years. Information
    only."""
    return _ratio(t.flow_by_month(reentry_mask(t)).sum(), t.years)


def format_value(value: float | None, unit: str) -> str:
    """Human text for a metric value in its unit ("n/a" when undefined).

    >>> format_value(0.9312, "share of demand")
    '93.1%'
    >>> format_value(float("nan"), "persons")
    'n/a'
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit.startswith("share"):
        return f"{value:.1%}"
    sign = "-" if value < 0 else ""
    if unit.startswith("money per year"):
        return f"{sign}{abs(value) / 1e9:,.1f} bn"
    if unit.startswith("money"):
        return f"{sign}{abs(value):,.0f}"
    if unit.startswith("persons"):
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def compute_metrics(result: Any) -> dict[str, float]:
    """Compute every registered metric for one run.

    Parameters
    ----------
    result : SimulationResult, loaded run or Tables

    Returns
    -------
    dict
        Metric name to value (float, nan when undefined); always the same keys, in
        registry order.
    """
    tables = as_tables(result)
    return {name: float(m.compute(tables)) for name, m in METRICS.items()}


def metric_definitions() -> dict[str, dict[str, str]]:
    """Actor, unit, direction, label and description of every metric."""
    return {name: m.definition() for name, m in METRICS.items()}


def headline_metrics() -> list[Metric]:
    return [m for m in METRICS.values() if m.headline]
