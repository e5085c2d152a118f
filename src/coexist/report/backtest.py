"""The backtest report: one self-contained HTML file (plotly.js inline, no CDN), in the style
of the validation report.

Per origin: a plain verdict on the 12 months after it (the model against persistence and
the linear trend fitted on what was known at the origin) and the headline checks; the table
of ARDs per series, the best in green; one chart per series with the origin marked. The
numbers come from :func:`coexist.calibration.backtest.run_backtest`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from coexist.calibration.backtest import HORIZON_MONTHS, Backtest, OriginScores
from coexist.calibration.validation import ValidationSummary
from coexist.report.validation import (
    _charts,
    _key,
    _list,
    _num,
    _plural,
    _provenance_table,
    _seeds_row,
    _table,
    _verdict,
    report_page,
)

__all__ = ["render_backtest_report"]


def _check_lines(scored: OriginScores) -> str:
    e = html.escape
    total, by_status = scored.checks["total"], scored.checks["by_status"]
    items = []
    if total is None:
        items.append("<li>Total foreign workers: no held-out row of <code>mhlw_workers_total</code>.</li>")
    else:
        observed = ", ".join(f"{v:,.0f}" for v in total["observed"])
        simulated = ", ".join(f"{v:,.0f}" for v in total["simulated_median"])
        mark = "v-sup" if total["passed"] else "v-con"
        word = "within" if total["passed"] else "not within"
        items.append(
            f"<li><span class='verdict {mark}'>Total foreign workers {word} {total['tolerance']:.0%}</span> "
            f"MHLW total {e(observed)} ({e(', '.join(total['reference_dates']))}), model {e(simulated)} (median): "
            f"ARD {_num(total['ard_model'])}.</li>"
        )
    if by_status is None:
        items.append("<li>By status: no status series with held-out rows and a trend.</li>")
    else:
        mark = "v-sup" if by_status["passed"] else "v-con"
        word = "no worse than" if by_status["passed"] else "worse than"
        per = ", ".join(
            f"<code>{e(s['series'])}</code> {_num(s['ard_model'])} vs {_num(s['ard_trend'])}"
            for s in by_status["series"]
        )
        items.append(
            f"<li><span class='verdict {mark}'>ARD by status {word} the trend</span> mean over "
            f"{_plural(len(by_status['series']), 'status series')}: model {_num(by_status['ard_model'])}, linear trend "
            f"{_num(by_status['ard_trend'])} ({per}). The model is worse than the trend on: "
            f"{_list(by_status['worse_than_trend'])}.</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _origin_summary(origin: str, scored: OriginScores) -> str:
    e = html.escape
    o = scored.summary.overall
    n = o["n_series"]
    head = f"<h3>From {e(origin)} ({e(scored.horizon)})</h3>"
    if n == 0:
        return head + "<p>No series could be scored by the model and both naive forecasts.</p>" + _check_lines(scored)
    model, pers, trend = o["ard_validate_model"], o["ard_validate_persistence"], o["ard_validate_trend"]
    verdict, cls = _verdict(model, pers, trend)
    R = scored.summary.replicates
    spread = f" (5-95%: {_num(o['ard_validate_model_p05'])} to {_num(o['ard_validate_model_p95'])})" if R > 1 else ""
    return (
        head + f"<p><span class='verdict {cls}'>{e(verdict)}</span></p>"
        f"<p class='big'>Over the {_plural(n, 'series')} scored by all three, the ARD on the {HORIZON_MONTHS} months "
        f"after the origin is <b>{_num(model)}</b> for the model{spread}, <b>{_num(pers)}</b> for persistence and "
        f"<b>{_num(trend)}</b> for the linear trend. The model is closer than persistence on "
        f"<b>{len(o['beats_persistence'])} of {n}</b> series and closer than the trend on "
        f"<b>{len(o['beats_trend'])} of {n}</b>; it beats both on {_list(o['beats_both'])} and loses to both on "
        f"{_list(o['loses_to_both'])}.</p>" + _check_lines(scored)
    )


def _held_out(summary: ValidationSummary) -> ValidationSummary:
    """The summary with only the series that have held-out rows (the others are not scored)."""
    rows = [r for r in summary.rows if r["n_validate"]]
    return ValidationSummary(summary.replicates, rows, summary.overall, summary.points)


_SCORING = f"""
<p>Each origin is the end of a month with official initial stocks, built and raked as the December 2024 start is
(docs/data-audit.md). The scenario's rules run from the month after the origin for {HORIZON_MONTHS} months, from
those stocks, with demand starting from them (the employed plus the initial vacancy rate), and the behavioural
parameters of the scenario (the shipped calibration's for <code>japan-history</code>).</p>
<p>A target row is <b>held out</b> when every model month it measures falls in the {HORIZON_MONTHS} months after the
origin (a stock at its month end; a stock dated 1 January counts as the December before), and <b>known at the
origin</b> when they all end at or before it; other rows are left out, as are measures that count from the run's
start. Per series, with s the simulated and o the observed value at each held-out date t,
<code>ARD = mean over t of |s<sub>t</sub> − o<sub>t</sub>| / o<sub>t</sub></code>, computed in each replicate and
averaged (the bracket is the 5th to 95th percentile over replicates). <b>Persistence</b> carries the last value known
at the origin forward; the <b>linear trend</b> is the least-squares line through the (date, value) points known at
the origin, extrapolated. The overall figure is the unweighted mean over the series all three are scored on.</p>
<p>Headline checks: total foreign workers (<code>mhlw_workers_total</code>) within 3% of the official figure; and the
model's mean ARD over the MHLW status series (<code>mhlw_workers_&lt;status&gt;</code>) no worse than the linear
trend's from the same origin. docs/validation.md, "Rolling-origin backtests", describes all of it.</p>
"""


def _provenance(prov: Mapping[str, Any]) -> str:
    e = html.escape
    t = prov.get("targets") or {}
    rows = [
        ("scenario", f"<code>{e(str(prov.get('scenario', '')))}</code> ({e(str(prov.get('scenario_ref', '')))})"),
    ]
    for origin, info in (prov.get("origins") or {}).items():
        rows.append((
            f"origin {origin}",
            f"<code>{e(info['population_initial'])}</code>, {e(info['horizon'])}; {info['history_rows']} rows known, "
            f"{info['held_out_rows']} held out; scenario hash <code>{e(info['scenario_hash'][:16])}</code>",
        ))
    rows += [
        ("scale", e(f"{prov.get('scale', float('nan')):g}")),
        ("replicates per origin", e(str(prov.get("replicates", "")))),
        _seeds_row(prov),
        ("targets", f"<code>{e(str(t.get('path', '')))}</code>, {t.get('rows', '')} rows; sha256 "
                    f"<code>{e(str(t.get('sha256', ''))[:16])}</code>"),
    ]
    return (
        "<p><code>backtest.csv</code> holds the tables above, <code>backtest.json</code> the overall figures, the "
        "checks and this provenance, <code>simulated_targets.csv</code> every target row of every origin in every "
        "replicate.</p>" + _provenance_table(rows, prov)
    )


def render_backtest_report(backtest: Backtest, provenance: Mapping[str, Any], *, title: str | None = None) -> str:
    """The backtest report as one HTML string (pure: no file is written).

    Parameters
    ----------
    backtest : coexist.calibration.backtest.Backtest
    provenance : mapping
        What was run, as :func:`coexist.api.backtest` writes it in backtest.json.
    title : str, optional
    """
    e = html.escape
    title = title or f"coexist: rolling-origin backtests of {provenance.get('scenario', 'the model')}"
    summary = "".join(_origin_summary(origin, scored) for origin, scored in backtest.origins.items())
    tables = "".join(
        f"<h3>From {e(origin)}</h3>"
        + _table(_held_out(scored.summary).rows, scored.summary.overall, scored.summary.replicates, fit_column=False,
                 counts_head="rows known / held out", best_head="best", no_history="no row known at the origin")
        for origin, scored in backtest.origins.items()
    )
    charts = "".join(
        f"<h3>From {e(origin)}</h3>" + _charts(_held_out(scored.summary))
        for origin, scored in backtest.origins.items()
    )
    R = max((s.summary.replicates for s in backtest.origins.values()), default=1)
    sections = [
        ("summary", "Summary", "Summary", summary),
        (
            "table",
            "ARD per series",
            "Table",
            "<p>Averaged relative difference per series on the held-out months (lower is better); only the series "
            "with a held-out row are listed. The best is in bold green; the model's cell is green where it beats "
            "both naive forecasts and red where it loses to both.</p>" + tables,
        ),
        (
            "charts",
            "Observed and simulated, per series",
            "Charts",
            f"<p>One chart per series and origin. The shaded period starts the day after the origin. The model line "
            f"is the median over the {_plural(R, 'replicate')}"
            + (", the band their 5th to 95th percentile" if R > 1 else "")
            + "; the naive forecasts start at the last value known at the origin.</p>"
            + _key("observed, known at the origin") + charts,
        ),
        ("scoring", "How the scores are computed", "Scoring", _SCORING),
        ("provenance", "What was run", "What was run", _provenance(provenance)),
    ]
    origins = ", ".join(backtest.origins)
    lead = (
        f"The model started from the official stocks at each origin ({e(origins)}) and run {HORIZON_MONTHS} months, "
        "scored on the official figures of those months beside two naive forecasts built from what was known at the "
        "origin: persistence and a linear trend."
    )
    return report_page(title, lead, sections, provenance)
