"""The reports of ``coexist sweep``, ``sensitivity`` and ``search``, in the house style of the
comparison report: the settings, the factors (uncertainties apart from levers), the result
(the sweep's points, the sensitivity indices per metric, or the Pareto front), the runs that
failed, each table with its CSV. Returns the HTML text; ``coexist.store.experiments`` writes it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from coexist.metrics import METRICS
from coexist.report import experiment_figures
from coexist.report.html import CsvTables, _fig, page

__all__ = ["render_experiment_report"]

_TITLES = {"sweep": "Sweep", "sensitivity": "Global sensitivity", "search": "Policy search"}
_MAIN_INDEX = {"sobol": ("ST", "S1"), "morris": ("mu_star", "sigma")}
_INDEX_WORDS = {
    "S1": "first-order Sobol index: the share of the metric's variance that the factor explains alone",
    "ST": "total Sobol index: the share it explains with all its interactions",
    "mu": "mean elementary effect (signed), per the factor's whole range",
    "mu_star": "mean absolute elementary effect, per the factor's whole range: how much the factor moves the metric",
    "sigma": "spread of the elementary effects: interactions and non-linearity",
}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "<td class='num'>n/a</td>" if not math.isfinite(value) else f"<td class='num'>{value:.4g}</td>"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"<td class='num'>{value}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], csvs: CsvTables, name: str, *,
           limit: int | None = None) -> str:
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{html.escape(c).replace('.', '.<wbr>')}</th>" for c in columns)  # long dotted names wrap
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in shown)
    more = (f"<p class='small'>The first {limit} of {len(rows)} rows; the CSV has them all.</p>"
            if limit is not None and len(rows) > limit else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}" + csvs.link(name, columns, rows)


def _settings(settings: Mapping[str, Any], csvs: CsvTables) -> str:
    rows = [(k.replace("_", " "), ", ".join(map(str, v)) if isinstance(v, list) else str(v))
            for k, v in settings.items() if not isinstance(v, dict)]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table class='kv'><tbody>{body}</tbody></table>" + csvs.link("settings", ("setting", "value"), rows)


def _factors(factors: Sequence[Mapping[str, Any]], csvs: CsvTables) -> str:
    columns = ("factor", "kind", "range or choices", "reason")
    rows = []
    for f in factors:
        span = ", ".join(map(str, f["choices"])) if f.get("choices") else f"{f['low']:g} to {f['high']:g}"
        if f.get("integer"):
            span += " (whole numbers)"
        rows.append((f["name"], f["kind"], span, f.get("reason", "")))
    return ("<p>Uncertainties (behavioural parameters and dated assumptions: what no policy chooses) and levers "
            "(scenario values a policy sets) are kept apart; each is varied over its range.</p>"
            + _table(columns, rows, csvs, "factors"))


def _failures(failures: Sequence[Mapping[str, Any]], csvs: CsvTables) -> str:
    if not failures:
        return "<p>Every run finished.</p>"
    return ("<p class='warning'>These runs did not finish; the others are kept, and running the same command "
            "again runs only these.</p>"
            + _table(("run_id", "point", "replicate", "error"),
                     [(f["run_id"], f.get("point", ""), f.get("replicate", ""), f["error"]) for f in failures],
                     csvs, "failures"))


def _title(metric: str) -> str:
    m = METRICS.get(metric)
    return f"{m.label} ({metric})" if m is not None and m.label else metric


def _sensitivity(rows: Sequence[Mapping[str, Any]], method: str, metrics: Sequence[str], csvs: CsvTables) -> str:
    indices = _MAIN_INDEX[method]
    words = "".join(f"<li><code>{k}</code>: {html.escape(v)}</li>" for k, v in _INDEX_WORDS.items()
                    if k in indices or (method == "morris" and k == "mu"))
    charts = "".join(_fig(experiment_figures.indices_bars(rows, m, indices, _title(m))) for m in metrics)
    top = []
    for m in metrics:
        ranked = sorted((r for r in rows if r["metric"] == m and r["index"] == indices[0]
                         and math.isfinite(r["value"])), key=lambda r: -r["value"])[:5]
        top.append((m, "; ".join(f"{r['parameter']} ({r['value']:.3g})" for r in ranked) or "n/a"))
    return (f"<ul>{words}</ul><p>Intervals are 95% bootstrap intervals (SALib). The factors that matter most, by "
            f"<code>{indices[0]}</code>:</p>"
            + _table(("metric", f"top five by {indices[0]}"), top, csvs, "top-factors")
            + f"<div class='grid'>{charts}</div>"
            + "<details><summary>Every index</summary>"
            + _table(("metric", "parameter", "index", "value", "conf"),
                     [(r["metric"], r["parameter"], r["index"], r["value"], r["conf"]) for r in rows],
                     csvs, "sensitivity")
            + "</details>")


def _front(rows: Sequence[Mapping[str, Any]], levers: Sequence[str], objectives: Sequence[str],
           csvs: CsvTables) -> str:
    if not rows:
        return "<p>The search found no point.</p>"
    columns = [*levers, *objectives, "index.balance"]
    ranked = sorted(rows, key=lambda r: -(r["index.balance"] if math.isfinite(r["index.balance"]) else -1e300))
    return (f"<p>{len(rows)} non-dominated point(s): no other point found scores higher for one actor without "
            "scoring lower for another. Sorted by the Balanced Coexistence Index.</p>"
            + _fig(experiment_figures.pareto_front(rows, objectives, "index.balance"))
            + _table(columns, [[r[c] for c in columns] for r in ranked], csvs, "pareto"))


def _points(rows: Sequence[Mapping[str, Any]], factors: Sequence[str], metrics: Sequence[str],
            csvs: CsvTables) -> str:
    colour = "index.balance" if "index.balance" in metrics else metrics[0]
    columns = ["point", *factors, *metrics]
    return (_fig(experiment_figures.sweep_coordinates(rows, factors, metrics, colour))
            + "<p>Each point's metrics are the means over its replicates.</p>"
            + _table(columns, [[r[c] for c in columns] for r in rows], csvs, "points", limit=200))


def render_experiment_report(kind: str, *, settings: Mapping[str, Any], factors: Sequence[Mapping[str, Any]],
                             metrics: Sequence[str], failures: Sequence[Mapping[str, Any]],
                             points: Sequence[Mapping[str, Any]] = (), sensitivity: Sequence[Mapping[str, Any]] = (),
                             method: str = "", front: Sequence[Mapping[str, Any]] = (),
                             levers: Sequence[str] = (), objectives: Sequence[str] = ()) -> str:
    """The page of a sweep (``points``: one row per point with the factor values and the mean metrics),
    a sensitivity analysis (``sensitivity`` rows and the ``method``) or a search (``front`` rows over
    ``levers`` and ``objectives``)."""
    csvs = CsvTables()  # the report travels alone: each table's CSV rides in its link
    design = settings.get("design", "")
    lead = (f"<p class='lead'>{_TITLES[kind]} of design <code>{html.escape(str(design))}</code> on scenario "
            f"<code>{html.escape(str(settings.get('scenario', '')))}</code>: {settings.get('runs', 0)} run(s), "
            f"{len(failures)} failed. Every run's folder is under <code>runs/</code>.</p>")
    if kind == "sensitivity":
        result = ("sensitivity", f"Which factors matter ({method})", "Indices",
                  _sensitivity(sensitivity, method, metrics, csvs))
    elif kind == "search":
        result = ("front", "The Pareto front of the three actors", "Front", _front(front, levers, objectives, csvs))
    else:
        factor_names = [f["name"] for f in factors]
        result = ("points", "The points of the sweep", "Points", _points(points, factor_names, metrics, csvs))
    sections = [
        result,
        ("factors", "What was varied", "Factors", _factors(factors, csvs)),
        ("failures", "Runs that did not finish", "Failures", _failures(failures, csvs)),
        ("settings", "Settings", "Settings", _settings(settings, csvs)),
    ]
    return page(f"coexist {kind}: {design}", lead, sections)
