"""The validation report: one self-contained HTML file (plotly.js inline, no CDN), in the
style of the comparison report.

A summary of the model against persistence and the linear trend on the held-out years,
the table of ARDs per series, one chart per series, how the scores are computed and what
was run. The numbers come from :func:`coexist.calibration.validation.summarise`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from coexist.report import figures
from coexist.report.html import _fig, page

__all__ = ["render_validation_report"]

_EXTRA_CSS = """
.key { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; font-size: 0.88rem; margin: 8px 0 12px; }
.key span { display: inline-flex; align-items: center; gap: 6px; }
.key svg { vertical-align: middle; }
table.val td:first-child { min-width: 15em; }
table.val tr.overall td { border-top: 2px solid var(--fg); font-weight: 600; }
.big { font-size: 1.05rem; }
.vgrid .figure { min-height: 300px; }
"""

_NAMES = {"model": "model", "persistence": "persistence", "trend": "linear trend"}


def _num(value: Any, digits: int = 3) -> str:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word.endswith('s') else 's'}"


def _list(names: Sequence[str]) -> str:
    e = html.escape
    return ", ".join(f"<code>{e(n)}</code>" for n in names) if names else "none"


def _key(known: str = "observed, fit years") -> str:
    s = figures.VALIDATION_STYLE

    def line(colour: str, dash: str) -> str:
        return (f"<svg width='30' height='10'><line x1='1' y1='5' x2='29' y2='5' stroke='{colour}' stroke-width='2' "
                f"stroke-dasharray='{dash}'/></svg>")

    band = (
        f"<svg width='30' height='12'><rect x='1' y='1' width='28' height='10' fill='{s['model']}' fill-opacity='0.2'/>"
        f"<line x1='1' y1='6' x2='29' y2='6' stroke='{s['model']}' stroke-width='2'/></svg>"
    )
    dot = f"<svg width='14' height='14'><circle cx='7' cy='7' r='4.5' fill='{s['observed']}'/></svg>"
    diamond = f"<svg width='14' height='14'><polygon points='7,1 13,7 7,13 1,7' fill='{s['held_out']}'/></svg>"
    region = (
        f"<svg width='30' height='14'><rect x='1' y='1' width='28' height='12' fill='{s['region']}'/>"
        f"<line x1='1' y1='0' x2='1' y2='14' stroke='{s['held_out']}' stroke-dasharray='2,2'/></svg>"
    )
    items = [
        (dot, known),
        (diamond, "observed, held out"),
        (band, "model: median and 5-95% over replicates"),
        (line(s["persistence"], "6,3"), "persistence"),
        (line(s["trend"], "7,3,2,3"), "linear trend"),
        (region, "held-out period"),
    ]
    return "<div class='key'>" + "".join(f"<span>{icon}{html.escape(text)}</span>" for icon, text in items) + "</div>"


def _what_text(what: Mapping[str, str]) -> str:
    e = html.escape
    parts = []
    measure = what.get("measure", "")
    if measure:
        thing = measure.replace("_", " ")
        if what.get("flow") and measure.startswith("flow_"):
            thing = f"{what['flow']} flow per {measure[len('flow_') :].replace('_', ' ')}"
        parts.append(thing)
    statuses = [t for t in what.get("statuses", "").split("+") if t]
    if len(statuses) >= 5:
        parts.append(f"{len(statuses)} statuses")
    elif statuses:
        parts.append("+".join(statuses))
    if what.get("origins"):
        parts.append(what["origins"])
    if what.get("flags"):
        parts.append(what["flags"])
    full = f"statuses: {what.get('statuses', '')}" if len(statuses) >= 5 else ""
    return f"<br><small title='{e(full)}'>{e(' · '.join(parts))}</small>" if parts else ""


def _table(rows: Sequence[Mapping[str, Any]], overall: Mapping[str, Any], replicates: int, *,
           fit_column: bool = True, counts_head: str = "rows fit / held out",
           best_head: str = "best on held-out years", no_history: str = "no fitted row") -> str:
    """The table of ARDs per series and the overall row; ``fit_column`` adds the model's ARD
    on the fit rows."""
    e = html.escape
    body = []
    for r in rows:
        best = set(r["best"].split(" = ")) if r["best"] else set()
        model, pers, trend = r["ard_validate_model"], r["ard_validate_persistence"], r["ard_validate_trend"]
        cls = ""
        if r["beats_persistence"] is not None and r["beats_trend"] is not None:
            if r["beats_persistence"] and r["beats_trend"]:
                cls = " better"
            elif not r["beats_persistence"] and not r["beats_trend"]:
                cls = " worse"
        spread = ""
        if replicates > 1 and math.isfinite(r["ard_validate_model_p05"]):
            spread = (
                f" <span class='ci'>[{_num(r['ard_validate_model_p05'])} to {_num(r['ard_validate_model_p95'])}]</span>"
            )
        cells = [
            f"<td><code>{e(r['series'])}</code>{_what_text(r.get('what') or {})}</td>",
            f"<td>{e(r['unit'])}</td>",
            f"<td class='num'>{r['n_fit']} / {r['n_validate']}</td>",
            *([f"<td class='num'>{_num(r['ard_fit_model'])}</td>"] if fit_column else []),
            f"<td class='num{cls}{' best' if 'model' in best else ''}'>{_num(model)}{spread}</td>",
            f"<td class='num{' best' if 'persistence' in best else ''}'>{_num(pers)}</td>",
            f"<td class='num{' best' if 'trend' in best else ''}'>{_num(trend)}</td>",
            f"<td>{e(' = '.join(_NAMES[b] for b in r['best'].split(' = ')))}</td>" if r["best"]
            else f"<td>{_why_no_best(r, no_history)}</td>",
        ]
        body.append(f"<tr id='row-{e(r['series'])}'>{''.join(cells)}</tr>")
    o = overall
    spread = ""
    if replicates > 1 and math.isfinite(o["ard_validate_model_p05"]):
        spread = (
            f" <span class='ci'>[{_num(o['ard_validate_model_p05'])} to {_num(o['ard_validate_model_p95'])}]</span>"
        )
    best = set(o["best"].split(" = ")) if o["best"] else set()
    body.append(
        "<tr class='overall'>"
        f"<td>overall <small>(mean over the {o['n_series']} series scored by all three)</small></td><td></td>"
        f"<td class='num'>{o['n_fit']} / {o['n_validate']}</td>"
        + (f"<td class='num'>{_num(o['ard_fit_model'])}</td>" if fit_column else "")
        +
        f"<td class='num{' best' if 'model' in best else ''}'>{_num(o['ard_validate_model'])}{spread}</td>"
        f"<td class='num{' best' if 'persistence' in best else ''}'>{_num(o['ard_validate_persistence'])}</td>"
        f"<td class='num{' best' if 'trend' in best else ''}'>{_num(o['ard_validate_trend'])}</td>"
        f"<td>{e(' = '.join(_NAMES[b] for b in o['best'].split(' = '))) if o['best'] else ''}</td></tr>"
    )
    head = (
        f"<tr><th>series</th><th>unit</th><th>{html.escape(counts_head)}</th>"
        + ("<th>model, fit years</th>" if fit_column else "")
        + f"<th>model, held out{' [5-95%]' if replicates > 1 else ''}</th><th>persistence</th><th>linear trend</th>"
        f"<th>{html.escape(best_head)}</th></tr>"
    )
    return f"<table class='val'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _why_no_best(r: Mapping[str, Any], no_history: str = "no fitted row") -> str:
    if r["n_validate"] == 0:
        return "<small>no held-out row</small>"
    if not math.isfinite(r["ard_validate_model"]):
        return "<small>not simulated</small>"
    return f"<small>no naive forecast ({html.escape(no_history)})</small>"


def _verdict(model: float, pers: float, trend: float) -> tuple[str, str]:
    """The plain verdict on the overall ARDs, and its CSS class."""
    if model < pers and model < trend:
        return "The model beats both naive forecasts overall", "v-sup"
    if model >= pers and model >= trend:
        return "The model does not beat the naive forecasts overall", "v-con"
    worse = "persistence" if model >= pers else "the linear trend"
    return f"The model beats one naive forecast overall, not {worse}", "v-not"


def _summary(summary: Any, prov: Mapping[str, Any]) -> str:
    e = html.escape
    o = summary.overall
    R = summary.replicates
    n = o["n_series"]
    if n == 0:
        return (
            "<p class='big'><b>No series could be scored by the model and both naive forecasts.</b> The run may not "
            "cover the held-out dates (its horizon is " + e(str(prov.get("horizon", "?"))) + "), or no series has "
            "both fitted and held-out rows.</p>"
        )
    model, pers, trend = o["ard_validate_model"], o["ard_validate_persistence"], o["ard_validate_trend"]
    spread = (
        f" (5-95% over the {R} replicates: {_num(o['ard_validate_model_p05'])} to {_num(o['ard_validate_model_p95'])})"
        if R > 1
        else ""
    )
    beats_p, beats_t = len(o["beats_persistence"]), len(o["beats_trend"])
    verdict, cls = _verdict(model, pers, trend)
    text = (
        f"<p><span class='verdict {cls}'>{e(verdict)}</span></p>"
        f"<p class='big'>On the held-out rows (never used in a fit), over the {_plural(n, 'series')} that the model, "
        f"persistence and the linear trend can all be scored on, the averaged relative difference (ARD) is "
        f"<b>{_num(model)}</b> for the model{spread}, <b>{_num(pers)}</b> for persistence and <b>{_num(trend)}</b> for "
        f"the linear trend (lower is better). The model is closer than persistence on <b>{beats_p} of {n}</b> series "
        f"and closer than the trend on <b>{beats_t} of {n}</b>.</p>"
        "<ul>"
        f"<li>The model beats both on: {_list(o['beats_both'])}.</li>"
        f"<li>It loses to both on: {_list(o['loses_to_both'])}.</li>"
    )
    if o["no_naive_forecast"]:
        text += (
            "<li>No naive forecast (no fitted row), model scored alone: "
            + ", ".join(
                f"<code>{e(r['series'])}</code> {_num(r['ard_validate_model'])}"
                for r in summary.rows
                if r["series"] in o["no_naive_forecast"]
            )
            + ".</li>"
        )
    if o["not_simulated"]:
        text += (
            f"<li>Held-out rows the run does not measure (left out of every score): {_list(o['not_simulated'])}.</li>"
        )
    text += "</ul>"
    params = prov.get("params")
    if params:
        counts = [_plural(len(params.get("behaviour") or {}), "behavioural parameter")]
        if params.get("assumptions"):
            counts.append(_plural(len(params["assumptions"]), "scenario assumption"))
        if params.get("overrides"):
            counts.append(_plural(len(params["overrides"]), "recorded override"))
        what = f"with the parameter values of <code>{e(str(params['path']))}</code> ({', '.join(counts)})"
    else:
        what = (
            "with every behavioural parameter at the scenario's values (the shipped calibration's where the "
            "scenario uses it, as the shipped Japan scenarios do)"
        )
    scale = prov.get("scale")
    scale_text = f"{scale:g}" if isinstance(scale, (int, float)) else str(scale)
    text += (
        f"<p class='small'>Scenario <code>{e(str(prov.get('scenario', '')))}</code> {what}, at scale "
        f"{e(scale_text)}, {_plural(R, 'replicate')} (seeds differ, parameters do "
        "not: the spread is the model's own randomness). The fit-years column is the model's ARD on the rows a "
        "calibration may use.</p>"
    )
    return text


def _charts(summary: Any) -> str:
    parts = []
    for r in summary.rows:
        data = summary.points.get(r["series"])
        if data is None:
            continue
        if not r["n_validate"]:
            subtitle = "no held-out row"
        elif not math.isfinite(r["ard_validate_model"]):
            subtitle = "held-out rows not simulated by the model"
        elif not math.isfinite(r["ard_validate_persistence"]):
            subtitle = f"held-out ARD: model {_num(r['ard_validate_model'])} · no fitted row, no naive forecast"
        else:
            subtitle = (
                f"held-out ARD: model {_num(r['ard_validate_model'])} · persistence "
                f"{_num(r['ard_validate_persistence'])} · trend {_num(r['ard_validate_trend'])}"
            )
        fig = figures.validation_series(r["series"], data, r["unit"], subtitle=subtitle, replicates=summary.replicates)
        parts.append(_fig(fig))
    return "<div class='grid3 vgrid'>" + "".join(parts) + "</div>"


_SCORING = """
<p>For each series, with s the simulated and o the observed value at each reference date t,
<code>ARD = mean over t of |s<sub>t</sub> − o<sub>t</sub>| / o<sub>t</sub></code>
(Suleimenova, Bell and Groen 2017; entries that share a date are summed first; a pair with a missing value is
left out). The model's ARD is computed in each replicate and averaged; the bracket is its 5th to 95th percentile
over replicates. The overall figure is the unweighted mean over the series that the model and both naive forecasts
can be scored on: series have different units (persons, persons per year, shares), so they are not pooled.</p>
<p>The naive forecasts use only the observed values of the series' fit rows: <b>persistence</b> carries the last
fitted value forward; the <b>linear trend</b> is the least-squares line through the fitted (date, value) points,
extrapolated (with one fitted point it is persistence). A model worth using should beat both on the held-out
years. docs/validation.md describes the targets, how the model measures each one and the split.</p>
"""


def _provenance(prov: Mapping[str, Any]) -> str:
    e = html.escape
    t = prov.get("targets") or {}
    params = prov.get("params")
    rows = [
        (
            "scenario",
            f"<code>{e(str(prov.get('scenario', '')))}</code> ({e(str(prov.get('scenario_ref', '')))}), "
            f"{e(str(prov.get('horizon', '')))}",
        ),
        ("scenario hash", f"<code>{e(str(prov.get('scenario_hash', '')))}</code>"),
        ("scale", e(f"{prov.get('scale', float('nan')):g}")),
        ("replicates", e(str(prov.get("replicates", "")))),
        _seeds_row(prov),
        (
            "targets",
            f"<code>{e(str(t.get('path', '')))}</code>, {t.get('rows', '')} rows ({t.get('fit_rows', '')} fit, "
            f"{t.get('validate_rows', '')} held out); sha256 <code>{e(str(t.get('sha256', ''))[:16])}</code>",
        ),
    ]
    if params:
        named = {**(params.get("behaviour") or {}), **(params.get("assumptions") or {})}
        values = ", ".join(f"{k} = {v:.4g}" for k, v in named.items()) or "no values"
        rows.append(
            (
                "params file",
                f"<code>{e(str(params['path']))}</code>; sha256 <code>{e(str(params['sha256'])[:16])}</code>"
                f"<br><small>{e(values)}</small>"
                + (
                    f"<br><small>{e('; '.join(params.get('overrides') or []))}</small>"
                    if params.get("overrides")
                    else ""
                ),
            )
        )
    else:
        rows.append(("params file", "none: the scenario's own parameter values"))
    return (
        "<p>Every replicate runs the same resolved scenario (the hash) with its own seed. "
        "<code>validation.csv</code> holds the table above, <code>validation.json</code> the overall figures and "
        "this provenance, <code>simulated_targets.csv</code> every target row in every replicate.</p>"
        + _provenance_table(rows, prov)
    )


def _seeds_row(prov: Mapping[str, Any]) -> tuple[str, str]:
    """The provenance row of the base seed and the first ten replicate seeds."""
    seeds = prov.get("replicate_seeds") or []
    seeds_text = ", ".join(str(s) for s in seeds[:10]) + (f", ... ({len(seeds)} in all)" if len(seeds) > 10 else "")
    return "base seed; replicate seeds", html.escape(f"{prov.get('seed', '')}; {seeds_text}")


def _provenance_table(rows: list[tuple[str, str]], prov: Mapping[str, Any]) -> str:
    """The provenance table: ``rows`` (name, HTML), then the overrides, worker processes, wall
    time, version and creation time of ``prov``."""
    e = html.escape
    rows = list(rows)
    if prov.get("overrides"):
        rows.append(("overrides", e("; ".join(prov["overrides"]))))
    rows += [
        ("worker processes", e(str(prov.get("workers", "")))),
        ("wall time", e(f"{prov.get('wall_seconds', float('nan')):.0f} s")),
        ("coexist version", e(str(prov.get("version", "")))),
        ("created (UTC)", e(str(prov.get("created", "")))),
    ]
    body = "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='kv'><tbody>{body}</tbody></table>"


def render_validation_report(summary: Any, provenance: Mapping[str, Any], *, title: str | None = None) -> str:
    """The validation report as one HTML string (pure: no file is written).

    Parameters
    ----------
    summary : coexist.calibration.validation.ValidationSummary
    provenance : mapping
        What was run (scenario, scenario_hash, horizon, scale, seed, replicates, replicate_seeds,
        targets, params, overrides, workers, wall_seconds, version, created), as
        :func:`coexist.api.validate` writes it in validation.json.
    title : str, optional
    """
    title = title or f"coexist: validation of {provenance.get('scenario', 'the model')} on held-out years"
    R = summary.replicates
    sections = [
        ("summary", "Summary", "Summary", _summary(summary, provenance)),
        (
            "table",
            "ARD per series",
            "Table",
            "<p>Averaged relative difference per series (lower is better). The best on the held-out years is in bold "
            "green; the model's cell is green where it beats both naive forecasts and red where it loses to both.</p>"
            + _table(summary.rows, summary.overall, R),
        ),
        (
            "charts",
            "Observed and simulated, per series",
            "Charts",
            f"<p>One chart per series. The model line is the median over the {_plural(R, 'replicate')} at each target "
            "date"
            + (", the band their 5th to 95th percentile" if R > 1 else "")
            + ". The naive forecasts start at the "
            "last fitted value.</p>" + _key() + _charts(summary),
        ),
        ("scoring", "How the scores are computed", "Scoring", _SCORING),
        ("provenance", "What was run", "What was run", _provenance(provenance)),
    ]
    t = provenance.get("targets") or {}
    lead = (
        f"The model against the official figures on the held-out target rows ({t.get('validate_rows', '?')} of "
        f"{t.get('rows', '?')}; 2023-2024 in the shipped targets), side by side with two naive forecasts built "
        "from the same fitting data: persistence and a linear trend."
    )
    return report_page(title, lead, sections, provenance)


def report_page(title: str, lead: str, sections: Sequence[tuple[str, str, str, str]],
                provenance: Mapping[str, Any]) -> str:
    """A validation or backtest report page: :func:`coexist.report.html.page` with this
    module's styles, ``lead`` as the lead paragraph and the footer dated when ``provenance``
    was created."""
    return page(title, f"<p class='lead'>{lead}</p>", sections, _EXTRA_CSS, created=str(provenance.get("created", "")))
