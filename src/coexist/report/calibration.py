"""fit.html of a calibration, in the house style of the comparison and validation reports:
how near the best particle comes to each target series (ARD per series, on the fitted and
on the held-out rows), one chart per series (observed against simulated) and every target
row, each table with its CSV. Returns the HTML text; ``coexist.store.calibration`` writes it.
"""

from __future__ import annotations

import html
import math

import pyarrow as pa

from coexist.calibration.measures import ard_by_series
from coexist.report import figures
from coexist.report.html import CsvTables, _fig, page

__all__ = ["render_fit_report"]


def _ard(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.3f}"


def _summary(table: pa.Table, rows: list[dict], series: list[str], csvs: CsvTables) -> str:
    e = html.escape
    fit, held_out = ard_by_series(table, split="fit"), ard_by_series(table, split="validate")
    body, csv_rows = [], []
    for name in series:
        mine = [r for r in rows if r["series"] == name]
        n_fit = sum(r["split"] == "fit" for r in mine)
        n_held = sum(r["split"] == "validate" for r in mine)
        a_fit, a_held = fit.get(name, math.nan), held_out.get(name, math.nan)
        body.append(
            f"<tr><td><code>{e(name)}</code></td><td>{e(mine[0]['unit'])}</td><td class='num'>{n_fit}</td>"
            f"<td class='num'>{n_held}</td><td class='num'>{_ard(a_fit)}</td><td class='num'>{_ard(a_held)}</td></tr>"
        )
        csv_rows.append((name, mine[0]["unit"], n_fit, n_held, a_fit, a_held))
    body.append(
        f"<tr><th colspan='4'>mean over the series</th><td class='num'><b>{_ard(fit['overall'])}</b></td>"
        f"<td class='num'><b>{_ard(held_out['overall'])}</b></td></tr>"
    )
    csv_rows.append(("overall", "", "", "", fit["overall"], held_out["overall"]))
    return (
        "<p>The averaged relative difference (ARD) between the best particle's simulated values and the observed "
        "ones, per series: on the rows the calibration fitted, and on the rows held out for validation "
        "(<code>coexist validate</code> reports them over replicates, with naive forecasts beside them). "
        "0 is a perfect fit; 0.1 is 10% off on average.</p>"
        "<table><thead><tr><th>series</th><th>unit</th><th>fitted rows</th><th>held-out rows</th>"
        "<th>ARD, fitted</th><th>ARD, held out</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
        + csvs.link("fit-by-series", ("series", "unit", "fitted_rows", "held_out_rows", "ard_fit", "ard_held_out"),
                   csv_rows)
    )


def _points(rows: list[dict], csvs: CsvTables) -> str:
    e = html.escape
    columns = ("series", "reference_date", "split", "unit", "observed", "simulated", "model_period")

    def cell(value) -> str:
        if isinstance(value, float):
            return f"<td class='num'>{'n/a' if not math.isfinite(value) else f'{value:,.4g}'}</td>"
        return f"<td>{e(str(value))}</td>"

    body = "".join("<tr>" + "".join(cell(r[c]) for c in columns) + "</tr>" for r in rows)
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in columns)
    return (
        "<details><summary>Every target row</summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
        + csvs.link("fit-rows", columns, [[r[c] for c in columns] for r in rows])
    )


def render_fit_report(table: pa.Table) -> str:
    """The page of fit.html.

    Parameters
    ----------
    table : pyarrow.Table
        The best particle measured on the target rows
        (:attr:`coexist.calibration.abc.Calibration.best_table`).
    """
    rows = sorted(table.to_pylist(), key=lambda r: (r["series"], r["reference_date"]))
    series = sorted({r["series"] for r in rows})
    csvs = CsvTables()  # fit.html travels alone: each table's CSV rides in its link
    lead = (
        "<p class='lead'>Each target series of the calibration: the observed values (circles: rows the "
        "calibration fits; diamonds: rows held out for validation) against the best particle, run once more "
        "with the calibration's seed (line).</p>"
    )
    if not rows:
        return page("Calibration fit", lead, [("series", "Series", "Series", "<p>No target rows.</p>")])
    charts = "".join(
        _fig(figures.fit_series(name, [r for r in rows if r["series"] == name])) for name in series
    )
    sections = [
        ("summary", "How near the best particle comes, per series", "Summary", _summary(table, rows, series, csvs)),
        ("series", "Each series, observed against simulated", "Series",
         f"<div class='grid'>{charts}</div>" + _points(rows, csvs)),
    ]
    return page("Calibration fit: observed against the best particle", lead, sections)
