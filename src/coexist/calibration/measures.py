"""Simulated values of the declared targets, the ARD, and the naive forecasts to beat.

Definitions (docs/validation.md):

* A **stock** target with reference date d is the run's end-of-month stock of the
  month that contains d minus one day: end of October for MHLW (31 October), end
  of June/December for ISA, end of December for an overstayer count "at 1 January".
* A **flow** target sums the run's recorded flows over the calendar year (or the
  Japanese fiscal year, April-March) that ends on the reference date, or over the
  months from the row's ``period_start`` to its reference date (``flow_period``).
  Arrivals (``entry``, ``reentry``) are counted into the target's statuses, every
  other flow out of them.
* **ARD** (averaged relative difference, as the Flee migration model reports it):
  for a set of rows with dates t and, at each date, entries i,
  ``ARD = mean_t( sum_i |s_it - o_it| / sum_i o_it )``. Per series there is one
  entry per date, so ``ARD_series = mean_t |s_t - o_t| / o_t``. The overall ARD is
  the unweighted mean of the per-series ARDs (series have different units, so
  they are not pooled).
* **Persistence**: the value at the last fitted date, carried forward.
  **Linear trend**: the least-squares line through the fitted (date, value)
  points, with time in years, extrapolated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from coexist.periods import format_month, month_indices

__all__ = [
    "simulated_targets",
    "ard",
    "ard_by_series",
    "persistence_forecast",
    "linear_trend_forecast",
    "compare_forecasts",
    "stock_month",
    "target_months",
    "SIMULATED_SCHEMA",
    "ARRIVAL_FLOWS",
    "FLOW_MEASURES",
]

#: Flows counted into a target's statuses (the others are counted out of them).
ARRIVAL_FLOWS: tuple[str, ...] = ("entry", "reentry")
#: Measures that sum engine flows over a period.
FLOW_MEASURES: tuple[str, ...] = ("flow_calendar_year", "flow_fiscal_year", "flow_period")

SIMULATED_SCHEMA = pa.schema(
    [
        ("series", pa.string()),
        ("reference_date", pa.date32()),
        ("split", pa.string()),
        ("unit", pa.string()),
        ("measure", pa.string()),
        ("observed", pa.float64()),
        ("simulated", pa.float64()),
        ("model_period", pa.string()),
    ]
)

_EPOCH = dt.date(2017, 1, 1)


def _years(dates: Sequence[dt.date]) -> np.ndarray:
    return np.array([(d - _EPOCH).days / 365.25 for d in dates], dtype=np.float64)


def stock_month(reference: dt.date) -> str:
    """The month whose end-of-month stock stands for a stock at ``reference``.

    >>> stock_month(dt.date(2017, 10, 31)), stock_month(dt.date(2024, 1, 1))
    ('2017-10', '2023-12')
    """
    day = reference - dt.timedelta(days=1)
    return f"{day.year:04d}-{day.month:02d}"


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _period(measure: str, reference: dt.date, start: dt.date | None = None) -> list[str]:
    end = f"{reference.year:04d}-{reference.month:02d}"
    if measure.endswith("fiscal_year"):
        start_year = reference.year - 1 if reference.month <= 3 else reference.year
        return _months(f"{start_year:04d}-04", end)
    if measure == "flow_calendar_year":
        return _months(f"{reference.year:04d}-01", end)
    if measure == "flow_period" and start is not None:
        return _months(f"{start.year:04d}-{start.month:02d}", end)
    raise ValueError(f"measure {measure!r} with period start {start!r}")


def target_months(measure: str, reference: dt.date, start: dt.date | None = None) -> tuple[str, str] | None:
    """The first and last model month a target row measures: its stock month, or the months
    of its flow or share period (`start`: the first day of a ``flow_period``); None for a
    measure that counts from the run's start
    (``share_changed_status_cumulative``), which no window of months fixes.

    >>> target_months("stock", dt.date(2024, 1, 1)), target_months("flow_fiscal_year", dt.date(2024, 3, 31))
    (('2023-12', '2023-12'), ('2023-04', '2024-03'))
    """
    if measure in ("stock", "mean_elapsed_tenure_years"):
        month = stock_month(reference)
        return month, month
    if measure == "share_changed_status_cumulative":
        return None
    months = _period(measure, reference, start)
    return months[0], months[-1]


def _with_month_text(table: pa.Table) -> dict[str, list]:
    """The table's columns as lists, its months as "YYYY-MM" (the targets' periods are written so)."""
    columns = table.to_pydict()
    columns["month"] = [format_month(m) for m in month_indices(table.column("month"))]
    return columns


class _Index:
    """Sums of a run's tables keyed the way targets ask for them."""

    def __init__(self, result):
        st = _with_month_text(result.stocks)
        self.months = sorted(set(st["month"]))
        self.stock: dict[tuple[str, str, str], float] = defaultdict(float)
        for m, s, o, p in zip(st["month"], st["status"], st["origin"], st["persons"], strict=True):
            self.stock[(m, s, o)] += p
        fl = _with_month_text(result.flows)
        self.flow: dict[tuple[str, str, str, str, str], float] = defaultdict(float)
        for m, f, a, b, o, p in zip(fl["month"], fl["flow"], fl["status_from"], fl["status_to"], fl["origin"],
                                    fl["persons"], strict=True):
            self.flow[(m, f, a, b, o)] += p
        me = _with_month_text(result.measures)
        self.measure: dict[tuple[str, str, str], float] = defaultdict(float)
        for m, o, name, v in zip(me["month"], me["origin"], me["measure"], me["value"], strict=True):
            self.measure[(m, name, o)] += v
        self.flow_keys = list(self.flow)
        self.measure_names = set(me["measure"])

    def covers(self, months: list[str]) -> bool:
        return bool(months) and months[0] in self.months and months[-1] in self.months

    def stock_sum(self, month: str, statuses: set[str], origins: set[str] | None) -> float:
        return sum(v for (m, s, o), v in self.stock.items()
                   if m == month and s in statuses and (origins is None or o in origins))

    def flow_sum(self, months: set[str], flows: set[str], match) -> float:
        return sum(v for (m, f, a, b, o), v in self.flow.items() if m in months and f in flows and match(a, b, o))

    def measure_sum(self, months: set[str], name: str, origins: set[str] | None) -> float:
        return sum(v for (m, n, o), v in self.measure.items()
                   if m in months and n == name and (origins is None or o in origins))


def _simulate_one(index: _Index, row: dict) -> tuple[float, str]:
    measure = row["measure"]
    statuses = set(row["statuses"].split("+"))
    origins = set(row["origins"].split("+")) if row["origins"] else None
    in_origin = (lambda o: True) if origins is None else (lambda o: o in origins)
    ref: dt.date = row["reference_date"]
    if measure == "stock":
        month = stock_month(ref)
        if month not in index.months:
            return float("nan"), month
        return index.stock_sum(month, statuses, origins), month
    if measure in FLOW_MEASURES:
        months = _period(measure, ref, row.get("period_start"))
        if not index.covers(months):
            return float("nan"), f"{months[0]}..{months[-1]}"
        flows = set(row["flow"].split("+"))
        if flows <= set(ARRIVAL_FLOWS):  # arrivals from abroad or from home, into the statuses
            match = lambda a, b, o: b in statuses and in_origin(o)  # noqa: E731
        else:
            match = lambda a, b, o: a in statuses and in_origin(o)  # noqa: E731
        return index.flow_sum(set(months), flows, match), f"{months[0]}..{months[-1]}"
    if measure == "share_not_employed_12m_fiscal_year":
        months = _period(measure, ref)
        label = f"{months[0]}..{months[-1]}"
        if not index.covers(months):
            return float("nan"), label
        reaching = index.measure_sum(set(months), "returnees_reaching_12m", origins)
        employed = index.measure_sum(set(months), "returnees_employed_12m", origins)
        return (1.0 - employed / reaching if reaching > 0 else float("nan")), label
    if measure == "share_changed_status_cumulative":
        end = stock_month(ref)
        if end not in index.months:
            return float("nan"), end
        months = {m for m in index.months if m <= end}
        into = lambda a, b, o: b in statuses and a not in statuses and in_origin(o)  # noqa: E731
        changed = index.flow_sum(months, {"upgrade"}, into)
        arrived = index.flow_sum(months, {"entry", "reentry"}, into)
        total = changed + arrived
        return (changed / total if total > 0 else float("nan")), f"{index.months[0]}..{end}"
    if measure == "mean_elapsed_tenure_years":
        # the engine's month-end sums of months in status, per status ("tenure_months_sum:<status>")
        month = stock_month(ref)
        names = [f"tenure_months_sum:{s}" for s in statuses]
        if month not in index.months or not all(n in index.measure_names for n in names):
            return float("nan"), month
        months_sum = sum(index.measure_sum({month}, n, origins) for n in names)
        persons = index.stock_sum(month, statuses, origins)
        return (months_sum / persons / 12.0 if persons > 0 else float("nan")), month
    raise ValueError(f"unknown measure {measure!r}")


def simulated_targets(result, targets: pa.Table) -> pa.Table:
    """The simulated value of every target row, next to the observed one.

    Parameters
    ----------
    result : coexist.engine.result.SimulationResult
        A run (its stocks, flows and measures tables, in persons).
    targets : pyarrow.Table
        From :func:`coexist.calibration.targets.load_targets`.

    Returns
    -------
    pyarrow.Table
        :data:`SIMULATED_SCHEMA`: series, reference_date, split, unit, measure,
        observed, simulated (NaN where the run does not cover the period or the
        engine does not record what the measure needs), and the model month or
        period used.
    """
    index = _Index(result)
    out = []
    for row in targets.to_pylist():
        value, period = _simulate_one(index, row)
        out.append(
            {
                "series": row["series"],
                "reference_date": row["reference_date"],
                "split": row["split"],
                "unit": row["unit"],
                "measure": row["measure"],
                "observed": row["value"],
                "simulated": value,
                "model_period": period,
            }
        )
    return pa.Table.from_pylist(out, schema=SIMULATED_SCHEMA)


def ard(simulated: Sequence[float], observed: Sequence[float], dates: Sequence | None = None) -> float:
    """Averaged relative difference: ``mean_t( sum_i |s_it - o_it| / sum_i o_it )``.

    Parameters
    ----------
    simulated, observed : sequences of float, same length
        Entries i at dates t; pairs with a NaN are left out.
    dates : sequence, optional
        The date of each entry; entries that share a date are summed before
        dividing. None: every entry is its own date.

    Returns
    -------
    float
        NaN when no pair is left.

    Examples
    --------
    >>> round(ard([110.0, 40.0], [100.0, 50.0]), 6)  # two dates: (0.1 + 0.2) / 2
    0.15
    >>> round(ard([110.0, 40.0], [100.0, 50.0], dates=["t", "t"]), 6)  # one date: 20 / 150
    0.133333
    """
    s = np.asarray(simulated, dtype=np.float64)
    o = np.asarray(observed, dtype=np.float64)
    if s.shape != o.shape:
        raise ValueError(f"simulated and observed must have the same length. Got {s.shape} and {o.shape}.")
    keys = list(range(len(s))) if dates is None else list(dates)
    num: dict = defaultdict(float)
    den: dict = defaultdict(float)
    for k, si, oi in zip(keys, s, o, strict=True):
        if np.isnan(si) or np.isnan(oi):
            continue
        num[k] += abs(si - oi)
        den[k] += oi
    terms = [num[k] / den[k] for k in num if den[k] > 0]
    return float(np.mean(terms)) if terms else float("nan")


def ard_by_series(table: pa.Table, column: str = "simulated", split: str | None = None) -> dict[str, float]:
    """ARD of ``column`` against ``observed`` per series, and ``"overall"`` (mean of the series).

    ``split`` keeps only the rows of that split (``"fit"`` or ``"validate"``).
    """
    rows = table.to_pylist()
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if split is None or r["split"] == split:
            groups[r["series"]].append(r)
    out = {}
    for series, rs in sorted(groups.items()):
        out[series] = ard([r[column] for r in rs], [r["observed"] for r in rs], [r["reference_date"] for r in rs])
    finite = [v for v in out.values() if not np.isnan(v)]
    out["overall"] = float(np.mean(finite)) if finite else float("nan")
    return out


def capped_ard_by_series(table: pa.Table, split: str | None = None, cap: float = 1.0) -> dict[str, float]:
    """As :func:`ard_by_series`, with each date's relative difference capped at ``cap``.

    The calibration's distance: a date the model cannot come near (a programme's first
    months, where it is off many times over) then weighs no more than a plain miss, so it
    cannot decide the fit alone.

    >>> import pyarrow as pa
    >>> t = pa.table({"series": ["a", "a", "b"], "split": ["fit"] * 3, "reference_date": ["2019", "2020", "2020"],
    ...               "observed": [10.0, 100.0, 50.0], "simulated": [130.0, 90.0, 45.0]})
    >>> capped_ard_by_series(t)
    {'a': 0.55, 'b': 0.1, 'overall': 0.325}
    """
    rows = table.to_pylist()
    groups: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if split is None or r["split"] == split:
            groups[r["series"]][r["reference_date"]].append(r)
    out = {}
    for series, by_date in sorted(groups.items()):
        errors = [ard([r["simulated"] for r in rs], [r["observed"] for r in rs]) for rs in by_date.values()]
        errors = [min(e, cap) for e in errors if not np.isnan(e)]
        out[series] = float(np.mean(errors)) if errors else float("nan")
    finite = [v for v in out.values() if not np.isnan(v)]
    out["overall"] = float(np.mean(finite)) if finite else float("nan")
    return out


def persistence_forecast(fit_dates: Sequence[dt.date], fit_values: Sequence[float],
                         new_dates: Sequence[dt.date]) -> np.ndarray:
    """The value at the last fitted date, for every new date (NaN without fitted points).

    >>> persistence_forecast([dt.date(2021, 10, 31), dt.date(2022, 10, 31)], [5.0, 7.0], [dt.date(2024, 10, 31)])
    array([7.])
    """
    if len(fit_dates) == 0:
        return np.full(len(new_dates), np.nan)
    last = int(np.argmax(_years(fit_dates)))
    return np.full(len(new_dates), float(fit_values[last]))


def linear_trend_forecast(fit_dates: Sequence[dt.date], fit_values: Sequence[float],
                          new_dates: Sequence[dt.date]) -> np.ndarray:
    """Least-squares line value = a + b * years through the fitted points, at the new dates.

    With one fitted point (or all at one date) the line is flat: persistence.
    """
    if len(fit_dates) == 0:
        return np.full(len(new_dates), np.nan)
    t = _years(fit_dates)
    y = np.asarray(fit_values, dtype=np.float64)
    if len(t) < 2 or np.ptp(t) == 0:
        return persistence_forecast(fit_dates, fit_values, new_dates)
    b, a = np.polyfit(t, y, 1)
    return a + b * _years(new_dates)


def compare_forecasts(table: pa.Table) -> pa.Table:
    """Per series, the ARD on the validation rows of the model and of the two naive forecasts.

    Parameters
    ----------
    table : pyarrow.Table
        From :func:`simulated_targets` (the naive forecasts use only its
        ``observed`` values on the ``fit`` rows).

    Returns
    -------
    pyarrow.Table
        series, n_fit, n_validate, ard_fit_model (the model on the fitting
        years), ard_model, ard_persistence, ard_trend (validation years); a last
        row ``overall`` holds the mean of each column over the series where all
        three validation ARDs exist.
    """
    rows = table.to_pylist()
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r["series"]].append(r)
    out = []
    for series, rs in sorted(groups.items()):
        fit = [r for r in rs if r["split"] == "fit"]
        val = [r for r in rs if r["split"] == "validate"]
        fit_dates = [r["reference_date"] for r in fit]
        fit_values = [r["observed"] for r in fit]
        new_dates = [r["reference_date"] for r in val]
        observed = [r["observed"] for r in val]
        pers = persistence_forecast(fit_dates, fit_values, new_dates)
        trend = linear_trend_forecast(fit_dates, fit_values, new_dates)
        out.append(
            {
                "series": series,
                "n_fit": len(fit),
                "n_validate": len(val),
                "ard_fit_model": ard([r["simulated"] for r in fit], fit_values, fit_dates),
                "ard_model": ard([r["simulated"] for r in val], observed, new_dates),
                "ard_persistence": ard(pers, observed, new_dates),
                "ard_trend": ard(trend, observed, new_dates),
            }
        )
    complete = [r for r in out if not any(np.isnan(r[k]) for k in ("ard_model", "ard_persistence", "ard_trend"))]
    summary = {"series": "overall", "n_fit": sum(r["n_fit"] for r in complete),
               "n_validate": sum(r["n_validate"] for r in complete)}
    for k in ("ard_fit_model", "ard_model", "ard_persistence", "ard_trend"):
        vals = [r[k] for r in complete if not np.isnan(r[k])]
        summary[k] = float(np.mean(vals)) if vals else float("nan")
    out.append(summary)
    return pa.Table.from_pylist(out)
