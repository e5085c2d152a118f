"""The metric registry: every metric declared once, with its actor, unit and direction.

The report, the comparison's claims and the catalogue of runs all read this one
registry. Each metric is a pure function of the result tables (see
:mod:`coexist.metrics.tables`). A metric whose denominator is zero is ``nan``
(written as ``null`` in metrics.json).

Directions: ``maximise`` and ``minimise`` say which way is better and are scored in the
Balanced Coexistence Index against the fixed reference values of
``coexist/data/reference_values.toml`` (:mod:`coexist.metrics.index`); ``info`` is reported
but not scored (turnover and re-migration: circulation raises them by design).
:func:`coexist.metrics.compute.compute_metrics` returns every metric followed by ``index.host``,
``index.migrants``, ``index.origin`` and ``index.balance``. docs/metrics.md is generated
from this registry (:mod:`coexist.metrics.docs`).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from coexist.codes import HOST_STATUSES, SECTORS
from coexist.metrics.tables import (
    Tables,
    arrivals_mask,
    departures_mask,
    reentry_mask,
)

__all__ = ["Metric", "METRICS", "ACTORS", "DIRECTIONS", "format_value", "headline_metrics"]

ACTORS = ("host", "migrants", "origin")
DIRECTIONS = ("maximise", "minimise", "info")

# Brain drain: a move by upgrade from a temporary programme status into a status that lets
# the worker settle in the host for the long term.
TEMPORARY_PROGRAMME_STATUSES = ("titp", "esd", "ssw1")
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


def _register(
    name: str, *, actor: str, unit: str, direction: str, label: str, headline: bool = False, doc: str | None = None
):
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
@_register(
    "host.fill_rate",
    actor="host",
    unit="share of demand",
    direction="maximise",
    label="Demand fill rate",
    headline=True,
)
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


@_register(
    "host.fill_rate_volatility",
    actor="host",
    unit="share of demand per month",
    direction="minimise",
    label="Fill-rate volatility",
    headline=True,
)
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


@_register(
    "host.experienced_share",
    actor="host",
    unit="share of workers",
    direction="maximise",
    label="Experienced-worker share",
    headline=True,
)
def _experienced_share(t: Tables) -> float:
    """Person-months of workers with 36+ months of cumulative work in the host over all
    person-months in the host: sum of measure experienced_workers over sum of
    workers_in_host, over the horizon."""
    return _ratio(t.measure_total("experienced_workers"), t.measure_total("workers_in_host"))


@_register(
    "host.irregular_end",
    actor="host",
    unit="persons",
    direction="minimise",
    label="Irregular population at end",
    headline=True,
)
def _irregular_end(t: Tables) -> float:
    """Persons in status irregular in the last month of the horizon (stocks table). Not in
    the index (weight 0 in the reference file): host.irregular_mean scores the same
    stock over the whole horizon, and one month is noisy."""
    series = t.stock_by_month(statuses=("irregular",))
    return float(series[-1]) if series.size else math.nan


@_register(
    "host.irregular_mean", actor="host", unit="persons", direction="minimise", label="Irregular population, average"
)
def _irregular_mean(t: Tables) -> float:
    """Persons in status irregular (absconders, overstayers and the irregular stock at the
    start), summed over the months of the horizon in the stocks table and divided by the
    number of months."""
    series = t.stock_by_month(statuses=("irregular",))
    return float(series.mean()) if series.size else math.nan


@_register(
    "host.turnover_annual", actor="host", unit="share of host stock per year", direction="info", label="Annual turnover"
)
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
@_register(
    "migrants.net_income_gain",
    actor="migrants",
    unit="money per person-month (host currency)",
    direction="maximise",
    label="Net income gain over staying home",
    headline=True,
)
def _net_gain(t: Tables) -> float:
    """(Sum of earnings minus sum of home_wage_counterfactual) over the sum of
    workers_in_host, over the horizon: the monthly income gain of a worker in the host
    over what the same person would earn at home. Gross of living costs and debt
    repayment (the measures carry gross wages only); the debt is scored separately in
    migrants.debt_burden."""
    gain = t.measure_total("earnings") - t.measure_total("home_wage_counterfactual")
    return _ratio(gain, t.measure_total("workers_in_host"))


@_register(
    "migrants.debt_burden",
    actor="migrants",
    unit="months of earnings",
    direction="minimise",
    label="Debt burden",
    headline=True,
)
def _debt_burden(t: Tables) -> float:
    """Recruitment debt per worker over monthly earnings per worker (the SDG indicator
    10.7.1 idea: cost borne by the worker over monthly earnings abroad): sum over months
    of the outstanding debt (measure debt) over sum over months of earnings. Reads as the
    number of months of host earnings the average person in a host status owes. The
    measures are per origin, not per status, so the denominator includes every person in
    a host status (status-based residents carry no debt); it is lower than the SDG
    10.7.1 value for new recruits, which would need the fee paid at entry."""
    return _ratio(t.measure_total("debt"), t.measure_total("earnings"))


@_register(
    "migrants.job_mobility_share",
    actor="migrants",
    unit="share of regular time",
    direction="maximise",
    label="Time with job mobility",
)
def _mobility(t: Tables) -> float:
    """Share of the time in a regular status during which the worker may change employer:
    sum of mobility_months over sum of regular_months. The measures are per origin, not
    per status, so this covers every regular host status, not only the programme
    statuses titp, esd, ssw1 and ssw2: status-based, professional, student and designated
    residents count as mobile or not by their own rules. A programme-only share needs the
    engine to emit the two measures for programme statuses only."""
    return _ratio(t.measure_total("mobility_months"), t.measure_total("regular_months"))


@_register(
    "migrants.skill_mean", actor="migrants", unit="skill (0..1)", direction="maximise", label="Skill of workers in host"
)
def _skill_mean(t: Tables) -> float:
    """Skill growth, measured as the mean skill of the people in the host, weighted by
    person-months: sum of skill_sum_host over sum of workers_in_host. Skill rises with
    each month worked (learning by doing), so designs that keep or bring back workers
    longer score higher. A per-person gain (skill now minus skill at entry) is not in the
    measures; the difference between the last and the first month's mean is not used
    because it compares different people (arrivals and departures change who is there)."""
    return _ratio(t.measure_total("skill_sum_host"), t.measure_total("workers_in_host"))


@_register(
    "migrants.family_unity", actor="migrants", unit="share of workers", direction="maximise", label="Family unity"
)
def _family(t: Tables) -> float:
    """Person-months living with family in the host over person-months in the host: sum
    of family_in_host over sum of workers_in_host."""
    return _ratio(t.measure_total("family_in_host"), t.measure_total("workers_in_host"))


# ---------------------------------------------------------------------------- origin countries
@_register(
    "origin.returnee_employment_12m",
    actor="origin",
    unit="share of returnees",
    direction="maximise",
    label="Returnees employed within 12 months",
    headline=True,
)
def _returnee_employment(t: Tables) -> float:
    """Returnees who found a job at home within 12 months of their return over returnees
    who reached 12 months since return: sum of returnees_employed_12m over sum of
    returnees_reaching_12m, over the horizon."""
    return _ratio(t.measure_total("returnees_employed_12m"), t.measure_total("returnees_reaching_12m"))


@_register(
    "origin.returnee_income_ratio",
    actor="origin",
    unit="times the home wage",
    direction="maximise",
    label="Returnees' income at home",
)
def _returnee_income(t: Tables) -> float:
    """Returnees' income at home in their first 36 months back, over the home wage of the same
    returnee-months: sum of returnee_home_income over sum of returnee_home_wage. Above 1 when
    jobs pay the premium of skills gained abroad; the fallback share while looking pulls it
    down."""
    return _ratio(t.measure_total("returnee_home_income"), t.measure_total("returnee_home_wage"))


@_register(
    "origin.skills_in_use_home",
    actor="origin",
    unit="share of returnees' skill",
    direction="maximise",
    label="Skills in use at home",
)
def _skills_in_use(t: Tables) -> float:
    """Share of the skill returnees brought home that is in use in their first 36 months back
    (in a job through a placement, or with a recognised certificate): sum of
    returnee_skill_in_use over sum of returnee_skill."""
    return _ratio(t.measure_total("returnee_skill_in_use"), t.measure_total("returnee_skill"))


@_register(
    "origin.skill_years_home_per_year",
    actor="origin",
    unit="skill-years per year",
    direction="maximise",
    label="Skill-years brought home per year",
    headline=True,
)
def _skill_years(t: Tables) -> float:
    """Skill times years abroad of the workers who returned home, summed over the horizon
    (measure skill_years_home) and divided by the length of the horizon in years."""
    return _ratio(t.measure_total("skill_years_home"), t.years)


@_register(
    "origin.remittances_per_year",
    actor="origin",
    unit="money per year (host currency)",
    direction="maximise",
    label="Remittances per year",
    headline=True,
)
def _remittances(t: Tables) -> float:
    """Money sent home (measure remittances), summed over the horizon and divided by its
    length in years."""
    return _ratio(t.measure_total("remittances"), t.years)


@_register(
    "origin.long_term_loss_per_year",
    actor="origin",
    unit="persons per year",
    direction="minimise",
    label="Long-term loss of workers per year",
    headline=True,
)
def _long_term_loss(t: Tables) -> float:
    """Brain drain: flows labelled upgrade from a temporary programme status (titp, esd,
    ssw1) into a status that allows long-term settlement (ssw2, professional,
    status_based), summed over the horizon and divided by its length in years. Counts the
    persons the programmes turned into settlers during the run, once each (a later move
    from ssw2 to status_based is not counted again); the settled stock at the start is
    not a loss caused by the design and is left out."""
    f = t.flow_columns
    mask = (
        (f["flow"] == "upgrade")
        & np.isin(f["status_from"], list(TEMPORARY_PROGRAMME_STATUSES))
        & np.isin(f["status_to"], list(LONG_TERM_STATUSES))
    )
    return _ratio(t.flow_by_month(mask).sum(), t.years)


@_register(
    "origin.remigration_per_year",
    actor="origin",
    unit="persons per year",
    direction="info",
    label="Re-migration per year",
)
def _remigration(t: Tables) -> float:
    """Re-entries per year: flows from returned (a former worker at home) into a host
    status, summed over the horizon and divided by its length in years. Information
    only."""
    return _ratio(t.flow_by_month(reentry_mask(t)).sum(), t.years)


# Money is in the host currency (the scenario's ``currency``, ISO 4217); yen has a sign.
_CURRENCY_SIGNS = {"JPY": "¥"}
_RATES = (" per month", " per year")


def _number(value: float) -> str:
    """Three significant digits, thousands separated; a magnitude under 0.001 (not 0) prints as
    a bound rather than in scientific notation.

    >>> _number(0.0652), _number(3.61e-05), _number(-2e-06), _number(0.0)
    ('0.0652', '<0.001', '>-0.001', '0')
    """
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    if 0 < abs(value) < 0.001:
        return "<0.001" if value > 0 else ">-0.001"
    return f"{value:.3g}"


def format_value(value: float | None, unit: str, currency: str = "JPY", *, with_unit: bool = True) -> str:
    """Human text for a metric value with its unit ("n/a" when undefined).

    Shares print as percentages (with their rate, "per month" or "per year", when the unit
    has one), money in ``currency`` ("¥" for yen, else the ISO code; "bn" for yearly
    sums), and every other value with its unit
    after the number; an empty unit prints the number alone. With ``with_unit=False`` the
    number is printed as the same value would be, without the unit's words (for the bounds of
    an interval, or a column whose header gives the unit).

    >>> format_value(0.9312, "share of demand")
    '93.1%'
    >>> format_value(189489.4, "persons")
    '189,489 persons'
    >>> format_value(0.0652, "months of earnings")
    '0.0652 months of earnings'
    >>> format_value(2.5326e12, "money per year (host currency)")
    '¥2,532.6 bn per year'
    >>> format_value(125_000.0, "money per year (host currency)", currency="AUD")
    'AUD 125,000 per year'
    >>> format_value(0.0652, "months of earnings", with_unit=False)
    '0.0652'
    >>> format_value(float("nan"), "persons")
    'n/a'
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit.startswith("share"):
        rate = next((r for r in _RATES if unit.endswith(r)), "") if with_unit else ""
        return f"{value:.1%}{rate}"
    sign = "-" if value < 0 else ""
    if unit.startswith("money"):
        money = _CURRENCY_SIGNS.get(currency, f"{currency} ")
        # "money per year (host currency)" -> "per year"
        per = unit.removeprefix("money").split("(")[0].strip()
        per = f" {per}" if per and with_unit else ""
        if abs(value) >= 1e9:
            return f"{sign}{money}{abs(value) / 1e9:,.1f} bn{per}"
        return f"{sign}{money}{abs(value):,.0f}{per}"
    if unit.startswith("persons"):
        return f"{value:,.0f} {unit}" if with_unit else f"{value:,.0f}"
    return f"{_number(value)} {unit}" if unit and with_unit else _number(value)


def headline_metrics() -> list[Metric]:
    return [m for m in METRICS.values() if m.headline]
