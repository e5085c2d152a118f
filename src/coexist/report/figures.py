"""Figures of the comparison report: pure functions of run tables to plotly figures.

Each function takes ``runs``, a list of ``(scenario name, tables)`` pairs (tables: a
:class:`coexist.store.RunData`, a ``SimulationResult`` or anything with the four
tables), or one tables object, and returns a ``plotly.graph_objects.Figure``. No I/O.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from coexist.codes import HOST_STATUSES, ORIGIN_NAMES, ORIGINS, SECTORS, STATUSES
from coexist.metrics.tables import Tables, absconding_mask, as_tables

__all__ = [
    "stocks_by_status",
    "stocks_by_origin",
    "stocks_by_sector",
    "band",
    "paired_series",
    "difference_band",
    "intervals",
    "fill_rate",
    "irregular_population",
    "absconding",
    "returnee_employment",
    "skill_years_home",
    "remittances",
    "validation_series",
    "fit_series",
    "VALIDATION_STYLE",
]

Runs = Sequence[tuple[str, Any]]

# A colour-blind-safe palette (Okabe-Ito plus greys), fixed per category so charts
# of different scenarios read the same.
_PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#666666",
]
_STATUS_COLOURS = {s: _PALETTE[i % len(_PALETTE)] for i, s in enumerate(HOST_STATUSES)}
_ORIGIN_COLOURS = {o: _PALETTE[i % len(_PALETTE)] for i, o in enumerate(ORIGINS)}
_SECTOR_COLOURS = {s: _PALETTE[i % len(_PALETTE)] for i, s in enumerate(SECTORS)}
_HEIGHT = 380


def _layout(fig: go.Figure, title: str, yaxis: str, *, xaxis: str = "") -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        template="plotly_white",
        height=_HEIGHT,
        margin={"l": 60, "r": 40, "t": 60 if "<br>" in title else 50, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        hovermode="x unified",
        modebar={"orientation": "v"},  # beside the plot, not over a long title
        yaxis_title=yaxis,
        xaxis_title=xaxis,
    )
    return fig


def _scenario_colour(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]


def _annual(t: Tables, monthly: np.ndarray, how: str = "sum") -> tuple[list[int], np.ndarray]:
    """Calendar-year totals (or means) of a monthly series."""
    years = t.calendar_years
    unique = sorted(set(years.tolist()))
    out = []
    for y in unique:
        values = monthly[years == y]
        out.append(values.sum() if how == "sum" else values.mean())
    return unique, np.asarray(out, dtype=np.float64)


def stocks_by_status(name: str, tables: Any) -> go.Figure:
    """Stacked persons in each host status over time, for one scenario."""
    t = as_tables(tables)
    series = t.stock_by("status", statuses=HOST_STATUSES)
    fig = go.Figure()
    for status in [s for s in STATUSES if s in series]:
        fig.add_trace(
            go.Scatter(
                x=t.months,
                y=series[status],
                name=status,
                stackgroup="one",
                mode="lines",
                line={"width": 0.5, "color": _STATUS_COLOURS.get(status)},
            )
        )
    return _layout(fig, f"<b>{name}</b><br><sup>persons in the host by status</sup>", "persons")


def stocks_by_origin(name: str, tables: Any) -> go.Figure:
    """Stacked persons in a host status by origin country over time, for one scenario."""
    t = as_tables(tables)
    series = t.stock_by("origin", statuses=HOST_STATUSES)
    order = [o for o in ORIGINS if o in series] + sorted(o for o in series if o not in ORIGINS)
    fig = go.Figure()
    for origin in order:
        fig.add_trace(
            go.Scatter(
                x=t.months,
                y=series[origin],
                name=ORIGIN_NAMES.get(origin, origin),
                stackgroup="one",
                mode="lines",
                line={"width": 0.5, "color": _ORIGIN_COLOURS.get(origin)},
            )
        )
    return _layout(fig, f"<b>{name}</b><br><sup>persons in the host by origin</sup>", "persons")


def stocks_by_sector(name: str, tables: Any) -> go.Figure:
    """Stacked persons in a host status by host sector over time, for one scenario
    (persons without a sector, e.g. students, are left out)."""
    t = as_tables(tables)
    series = t.stock_by("sector", statuses=HOST_STATUSES)
    order = [s for s in SECTORS if s in series]
    fig = go.Figure()
    for sector in order:
        fig.add_trace(
            go.Scatter(
                x=t.months,
                y=series[sector],
                name=sector.replace("_", " "),
                stackgroup="one",
                mode="lines",
                line={"width": 0.5, "color": _SECTOR_COLOURS.get(sector)},
            )
        )
    fig = _layout(fig, f"<b>{name}</b><br><sup>persons in the host by sector</sup>", "persons")
    fig.update_layout(height=_HEIGHT + 80)  # eight sectors: a long legend under a narrow chart
    return fig


def _add_band(fig: go.Figure, x: Any, lo: Any, hi: Any, fillcolor: str, names: tuple[str, str], **common: Any) -> None:
    """A shaded band from `lo` to `hi`: an invisible upper line, then the lower one filled up to it."""
    edge = {"mode": "lines", "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip", **common}
    fig.add_trace(go.Scatter(x=x, y=hi, name=names[0], **edge))
    fig.add_trace(go.Scatter(x=x, y=lo, name=names[1], fill="tonexty", fillcolor=fillcolor, **edge))


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"rgba({r},{g},{b},{alpha})"


def band(
    runs: Sequence[tuple[str, Sequence[dict]]],
    key: str,
    title: str,
    yaxis: str,
    tickformat: str = "",
    *,
    first_colour: int = 0,
) -> go.Figure:
    """Median and 90% band (5th to 95th percentile over replicates) of a yearly series.

    Parameters
    ----------
    runs : sequence of (scenario name, list of series dicts, one per replicate)
        Each dict has ``"years"`` and ``key`` (see :func:`coexist.experiments.series.annual_series`).
    key, title, yaxis, tickformat :
        Which series, and how to label it.
    first_colour : int
        The palette position of the first run's colour (the next runs take the next ones).
    """
    fig = go.Figure()
    for i, (name, reps) in enumerate(runs):
        if not reps:
            continue
        years = list(reps[0]["years"])
        values = np.array([[np.nan if v is None else v for v in r[key]] for r in reps], dtype=np.float64)
        colour = _scenario_colour(first_colour + i)
        with np.errstate(all="ignore"):
            ok = np.isfinite(values).any(axis=0)
            lo = np.full(len(years), np.nan)
            mid = np.full(len(years), np.nan)
            hi = np.full(len(years), np.nan)
            if ok.any():
                lo[ok] = np.nanpercentile(values[:, ok], 5, axis=0)
                mid[ok] = np.nanmedian(values[:, ok], axis=0)
                hi[ok] = np.nanpercentile(values[:, ok], 95, axis=0)
        if len(reps) > 1:
            _add_band(fig, years, lo, hi, _rgba(colour, 0.18), (f"{name} 95th", f"{name} 5th"), legendgroup=name)
        fig.add_trace(
            go.Scatter(x=years, y=mid, name=name, mode="lines", line={"color": colour, "width": 2}, legendgroup=name)
        )
    fig = _layout(fig, title, yaxis)
    fig.update_yaxes(tickformat=tickformat or ",~f", rangemode="tozero")
    _year_ticks(fig, [y for _, reps in runs for r in reps[:1] for y in r["years"]])
    return fig


def _year_ticks(fig: go.Figure, years: Sequence[int]) -> None:
    """Whole calendar years on the x axis (at most about ten ticks), not 2,025.5."""
    if years:
        first, last = min(years), max(years)
        fig.update_xaxes(tickmode="linear", tick0=first, dtick=max(1, math.ceil((last - first + 1) / 10)),
                         tickformat="d")


def paired_series(reps: Sequence[dict], base_reps: Sequence[dict], key: str) -> list[dict]:
    """Replicate by replicate (replicate r of both: the same seed and parameters), the
    series ``key`` of ``reps`` minus that of ``base_reps``, over the years both have; each
    as a series dict (``"years"`` and ``key``) that :func:`band` draws."""
    out = []
    for rep, base in zip(reps, base_reps, strict=False):
        theirs = dict(zip(base["years"], base[key], strict=True))
        years = [y for y in rep["years"] if y in theirs]
        mine = dict(zip(rep["years"], rep[key], strict=True))
        values = [
            np.nan if mine[y] is None or theirs[y] is None else float(mine[y]) - float(theirs[y]) for y in years
        ]
        out.append({"years": years, key: values})
    return out


def difference_band(
    comparisons: Sequence[tuple[str, Sequence[dict], Sequence[dict]]],
    key: str,
    title: str,
    yaxis: str,
    tickformat: str = "",
) -> go.Figure:
    """The paired difference of a yearly series against a baseline, median and 90% band
    over replicates, one line per comparison, with the zero line.

    Parameters
    ----------
    comparisons : sequence of (label, series dicts of the scenario, series dicts of the baseline)
        One series dict per replicate, in replicate order (see :func:`paired_series`).
    """
    runs = [(label, paired_series(reps, base, key)) for label, reps, base in comparisons]
    fig = band(runs, key, title, yaxis, tickformat, first_colour=1)  # colour 0 is the baseline's
    fig.add_hline(y=0, line={"color": "#5b6475", "width": 1, "dash": "dot"})
    return fig


def intervals(
    rows: Sequence[tuple[str, str, float, float, float]],
    title: str,
    yaxis: str,
    *,
    tickformat: str = "",
    yrange: tuple[float, float] | None = None,
) -> go.Figure:
    """Medians with 90% intervals as dots and error bars: one group per category, one
    colour per scenario.

    Parameters
    ----------
    rows : sequence of (category, scenario, lo, median, hi)
    """
    scenarios: list[str] = []
    for _, name, *_ in rows:
        if name not in scenarios:
            scenarios.append(name)
    fig = go.Figure()
    for i, name in enumerate(scenarios):
        mine = [r for r in rows if r[1] == name]
        cats = [r[0] for r in mine]
        med = np.array([r[3] for r in mine], dtype=np.float64)
        lo = np.array([r[2] for r in mine], dtype=np.float64)
        hi = np.array([r[4] for r in mine], dtype=np.float64)
        fig.add_trace(
            go.Scatter(
                x=cats,
                y=med,
                name=name,
                mode="markers",
                marker={"size": 10, "color": _scenario_colour(i)},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": np.nan_to_num(hi - med),
                    "arrayminus": np.nan_to_num(med - lo),
                    "thickness": 2,
                    "width": 6,
                },
                offsetgroup=str(i),
            )
        )
    fig = _layout(fig, title, yaxis)
    fig.update_layout(
        scattermode="group",
        hovermode="closest",
        height=420,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0.0},
        # three or more scenario names take two legend rows in a half-width chart: room above the plot
        margin={"l": 60, "r": 40, "t": 80 if len(scenarios) <= 2 else 104, "b": 60},
    )
    fig.update_xaxes(automargin=True)
    if tickformat:
        fig.update_yaxes(tickformat=tickformat)
    if yrange is not None:
        fig.update_yaxes(range=list(yrange))
    return fig


def fill_rate(runs: Runs) -> go.Figure:
    """Share of labour demand filled (all sectors, min(employed, demand) per sector) by month."""
    fig = go.Figure()
    for i, (name, tables) in enumerate(runs):
        t = as_tables(tables)
        demand, filled = t.demand_by_month()
        rate = np.divide(filled, demand, out=np.full_like(filled, np.nan), where=demand > 0)
        fig.add_trace(go.Scatter(x=t.months, y=rate, name=name, mode="lines", line={"color": _scenario_colour(i)}))
    fig = _layout(fig, "Demand fill rate, all sectors", "share of demand filled")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def irregular_population(runs: Runs) -> go.Figure:
    """Persons in irregular stay at each month end."""
    fig = go.Figure()
    for i, (name, tables) in enumerate(runs):
        t = as_tables(tables)
        fig.add_trace(
            go.Scatter(
                x=t.months,
                y=t.stock_by_month(statuses=("irregular",)),
                name=name,
                mode="lines",
                line={"color": _scenario_colour(i)},
            )
        )
    return _layout(fig, "Irregular population", "persons")


def absconding(runs: Runs) -> go.Figure:
    """Absconding (flow abscond, from a regular host status into irregular stay), per calendar year."""
    fig = go.Figure()
    for i, (name, tables) in enumerate(runs):
        t = as_tables(tables)
        years, values = _annual(t, t.flow_by_month(absconding_mask(t)))
        fig.add_trace(go.Bar(x=years, y=values, name=name, marker={"color": _scenario_colour(i)}))
    fig = _layout(fig, "Absconding (regular to irregular) per year", "persons per year")
    fig.update_layout(barmode="group")
    _year_ticks(fig, as_tables(runs[0][1]).calendar_years.tolist() if runs else [])
    return fig


def returnee_employment(runs: Runs) -> go.Figure:
    """Share of returnees employed at home within 12 months of return, by calendar year."""
    fig = go.Figure()
    for i, (name, tables) in enumerate(runs):
        t = as_tables(tables)
        years, employed = _annual(t, t.measure_by_month("returnees_employed_12m"))
        _, reaching = _annual(t, t.measure_by_month("returnees_reaching_12m"))
        share = np.divide(employed, reaching, out=np.full_like(employed, np.nan), where=reaching > 0)
        fig.add_trace(
            go.Scatter(x=years, y=share, name=name, mode="lines+markers", line={"color": _scenario_colour(i)})
        )
    fig = _layout(fig, "Returnees employed at home within 12 months", "share of returnees")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    _year_ticks(fig, as_tables(runs[0][1]).calendar_years.tolist() if runs else [])
    return fig


def skill_years_home(runs: Runs) -> go.Figure:
    """Skill times years abroad of the workers who returned home, per calendar year."""
    fig = go.Figure()
    for i, (name, tables) in enumerate(runs):
        t = as_tables(tables)
        years, values = _annual(t, t.measure_by_month("skill_years_home"))
        fig.add_trace(
            go.Scatter(x=years, y=values, name=name, mode="lines+markers", line={"color": _scenario_colour(i)})
        )
    _year_ticks(fig, as_tables(runs[0][1]).calendar_years.tolist() if runs else [])
    return _layout(fig, "Skill-years brought home", "skill-years per year")


def remittances(runs: Runs) -> go.Figure:
    """Money sent home per calendar year, in billions of the host currency."""
    fig = go.Figure()
    for i, (name, tables) in enumerate(runs):
        t = as_tables(tables)
        years, values = _annual(t, t.measure_by_month("remittances"))
        fig.add_trace(
            go.Scatter(x=years, y=values / 1e9, name=name, mode="lines+markers", line={"color": _scenario_colour(i)})
        )
    _year_ticks(fig, as_tables(runs[0][1]).calendar_years.tolist() if runs else [])
    return _layout(fig, "Remittances", "billions (host currency) per year")


#: Colours and line styles of the validation charts (also drawn in the report's key).
VALIDATION_STYLE = {
    "model": "#0072B2",
    "observed": "#1d2433",
    "held_out": "#D55E00",
    "persistence": "#E69F00",
    "trend": "#009E73",
    "region": "rgba(213,94,0,0.07)",
}


def _axis_format(unit: str) -> str:
    if unit.startswith("share"):
        return ".0%"
    if unit.startswith("persons"):
        return ",.3~s"
    return ""


def validation_series(series: str, data: dict, unit: str, *, subtitle: str = "", replicates: int = 1) -> go.Figure:
    """One target series: observed points, the simulated median with its 5-95% band over
    replicates, persistence and trend dashed over the held-out dates, the held-out period shaded.

    Parameters
    ----------
    series : str
        Series name (the chart title).
    data : dict
        ``ValidationSummary.points[series]`` (see :func:`coexist.calibration.validation.summarise`).
    unit : str
        The series' unit (y axis).
    subtitle : str
        A line under the title (the ARDs).
    replicates : int
        Number of replicates (the band is drawn for two or more).
    """
    s = VALIDATION_STYLE
    pts = data["points"]
    dates = [p["reference_date"] for p in pts]
    med = np.array([p["simulated_median"] for p in pts], dtype=np.float64)
    lo = np.array([p["simulated_p05"] for p in pts], dtype=np.float64)
    hi = np.array([p["simulated_p95"] for p in pts], dtype=np.float64)
    fig = go.Figure()
    if replicates > 1 and np.isfinite(lo).any():
        _add_band(fig, dates, lo, hi, _rgba(s["model"], 0.2), ("model 95th", "model 5-95%"), connectgaps=True)
    if np.isfinite(med).any():
        fig.add_trace(_model_line(dates, med, "model (median)"))
    _add_observed(fig, pts, "observed (fit)")
    start = data.get("forecast_from")
    val = [p for p in pts if p["split"] == "validate" and np.isfinite(p["persistence"])]
    if start is not None and val:
        x = [start["reference_date"], *(p["reference_date"] for p in val)]
        yp = [start["persistence"], *(p["persistence"] for p in val)]
        yt = [start["trend"], *(p["trend"] for p in val)]
        same = np.allclose(yp, yt, equal_nan=True)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=yp,
                mode="lines",
                name="persistence = trend" if same else "persistence",
                line={"color": s["persistence"], "dash": "dash", "width": 2},
            )
        )
        if not same:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=yt,
                    mode="lines",
                    name="linear trend",
                    line={"color": s["trend"], "dash": "dashdot", "width": 2},
                )
            )
    if dates:
        pad = _dt.timedelta(days=120)
        x0, x1 = min(dates) - pad, max(dates) + pad
        boundary = data.get("boundary")
        if boundary is not None:
            fig.add_vrect(x0=boundary, x1=x1, fillcolor=s["region"], line_width=0, layer="below")
            fig.add_vline(x=boundary, line={"color": s["held_out"], "width": 1, "dash": "dot"})
            fig.add_annotation(
                x=boundary,
                y=1.0,
                xref="x",
                yref="paper",
                text="held out",
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font={"size": 10, "color": s["held_out"]},
            )
        fig.update_xaxes(range=[x0, x1])
    title = f"<b>{series}</b>" + (f"<br><sup>{subtitle}</sup>" if subtitle else "")
    fig = _layout(fig, title, unit)
    fig.update_layout(height=300, showlegend=False, hovermode="closest", margin={"l": 60, "r": 40, "t": 58, "b": 36})
    fmt = _axis_format(unit)
    if fmt:
        fig.update_yaxes(tickformat=fmt)
    fig.update_yaxes(rangemode="tozero")
    return fig


def _model_line(dates: Sequence[Any], values: Sequence[float], name: str) -> go.Scatter:
    """The model's values as a line with markers, across missing values, in the model colour."""
    colour = VALIDATION_STYLE["model"]
    return go.Scatter(
        x=dates,
        y=values,
        mode="lines+markers",
        name=name,
        connectgaps=True,
        line={"color": colour, "width": 2},
        marker={"size": 5, "color": colour},
    )


def _add_observed(fig: go.Figure, rows: Sequence[Mapping[str, Any]], fit_name: str) -> None:
    """The observed values of ``rows`` (``reference_date``, ``split``, ``observed``): circles
    named ``fit_name`` for the fit rows, diamonds for the held-out ones."""
    s = VALIDATION_STYLE
    for split, name, colour, symbol in (
        ("fit", fit_name, s["observed"], "circle"),
        ("validate", "observed (held out)", s["held_out"], "diamond"),
    ):
        sel = [r for r in rows if r["split"] == split]
        if sel:
            fig.add_trace(
                go.Scatter(
                    x=[r["reference_date"] for r in sel],
                    y=[r["observed"] for r in sel],
                    mode="markers",
                    name=name,
                    marker={"size": 9, "color": colour, "symbol": symbol, "line": {"width": 1, "color": "white"}},
                )
            )


def fit_series(series: str, rows: Sequence[dict]) -> go.Figure:
    """One target series of a calibration: observed values (circles fitted, diamonds held
    out) and the best particle's simulated values (line), in the colours of the validation
    charts.

    Parameters
    ----------
    series : str
        The chart title.
    rows : sequence of dict
        The series' rows of the best particle's table (``reference_date``, ``split``,
        ``unit``, ``observed``, ``simulated``), in date order.
    """
    fig = go.Figure()
    fig.add_trace(
        _model_line([r["reference_date"] for r in rows], [r["simulated"] for r in rows], "simulated (best particle)")
    )
    _add_observed(fig, rows, "observed (fitted)")
    unit = rows[0]["unit"] if rows else ""
    fig = _layout(fig, f"<b>{series}</b>", unit)
    fig.update_layout(height=320, hovermode="closest", margin={"l": 60, "r": 40, "t": 50, "b": 40})
    fmt = _axis_format(unit)
    if fmt:
        fig.update_yaxes(tickformat=fmt)
    fig.update_yaxes(rangemode="tozero")
    return fig
