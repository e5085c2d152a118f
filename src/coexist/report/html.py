"""Assemble the comparison report: one self-contained HTML file (plotly.js inline, no CDN).

The figures come from :mod:`coexist.report.figures`; this module only lays them out with
the summary table, the provenance of each run and the dated assumptions.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import math
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from plotly.offline import get_plotlyjs

from coexist.codes import ORIGIN_NAMES, ORIGINS, SECTORS
from coexist.data import parameters
from coexist.experiments.series import SERIES
from coexist.metrics import (
    INDEX_KEYS,
    METRICS,
    ORIGIN_METRICS,
    compute_metrics,
    format_value,
    headline_metrics,
    interval90,
    origin_definitions,
    origin_key,
    paired_differences,
)
from coexist.report import figures
from coexist.store import RunData, read_run
from coexist.store.compare import REPORT_TABLES_FOLDER

__all__ = ["render_compare_report"]

_CSS = """
:root { --fg:#1d2433; --muted:#5b6475; --line:#dde1e8; --bg:#ffffff; --accent:#0072B2; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; line-height: 1.5; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 1.7rem; margin: 0.2em 0 0.2em; }
h2 { font-size: 1.25rem; margin: 2.2em 0 0.4em; padding-bottom: 0.2em; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4em 0 0.3em; }
p, li { max-width: 75ch; }
.lead { color: var(--muted); }
nav { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 16px 0; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; font-size: 0.93rem; }
table { border-collapse: collapse; margin: 10px 0 16px; font-size: 0.9rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
/* a median and its interval stay whole, but the interval may go under the median in a narrow column */
td.num b, td.num .ci { white-space: nowrap; }
td.best { font-weight: 700; color: #006644; }
.tag { display: inline-block; font-size: 0.75rem; color: var(--muted); border: 1px solid var(--line);
       border-radius: 10px; padding: 0 6px; margin-left: 4px; }
/* auto-fill, not auto-fit: a chart drawn before its neighbours exist must get its final column width */
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 10px 18px; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fill, minmax(370px, 1fr)); gap: 10px 14px; }
.figure { min-height: 380px; }
code { background: var(--soft); padding: 1px 4px; border-radius: 3px; font-size: 0.88em; }
details { margin: 8px 0; }
.ci { color: var(--muted); font-size: 0.85em; white-space: nowrap; }
td.better { background: #e8f5ee; }
td.worse { background: #fbeaea; }
td.idx { background: #eef4fb; }
.verdict { display: inline-block; font-weight: 700; font-size: 0.8rem; border-radius: 4px; padding: 1px 7px;
           white-space: nowrap; }
.v-sup { background: #d6f0e0; color: #0b5d2a; }
.v-con { background: #f8d7d7; color: #8a1111; }
.v-not { background: #eceef2; color: #444c5c; }
.prior { display: inline-block; font-size: 0.72rem; color: #8a4b00; background: #fff1dd; border-radius: 3px;
         padding: 0 5px; }
ul.verdicts li { margin: 4px 0; }
.small, small { font-size: 0.85rem; color: var(--muted); }
table.kv th { width: 28%; }
table.claims td:nth-child(1) { width: 26%; }
table.claims td:nth-child(2) { width: 22%; }
table.claims td:nth-child(3) { width: 20%; }
table.claims td:nth-child(5) { width: 24%; }
table.claims td.num .ci { white-space: normal; }  /* long money differences wrap within 1280 px */
.nw { white-space: nowrap; }
footer { margin-top: 48px; color: var(--muted); font-size: 0.85rem; }
.warning { border: 1px solid #e0a800; background: #fff8e1; color: #5c4400; border-radius: 6px; padding: 8px 14px;
           margin: 12px 0; max-width: 100%; }
p.csv { margin: -8px 0 14px; font-size: 0.82rem; }
p.csv a { color: var(--accent); }
th small { font-weight: 400; }
"""

_ARROW = {"maximise": "higher is better", "minimise": "lower is better", "info": "information, not scored"}

#: Below this many replicates the intervals and rank correlations are flagged as unreliable.
FEW_REPLICATES = 10


class CsvTables:
    """The CSV of each table of a report. With a ``sink`` (a dict), each table's CSV text is
    put there under its file name and the report links it relatively, in
    :data:`coexist.store.compare.REPORT_TABLES_FOLDER`, where the store writes it; without
    one, the link carries the CSV itself (a ``data:`` URL), so a report kept in memory or
    moved alone still offers its tables."""

    def __init__(self, sink: dict[str, str] | None = None):
        self.sink = sink

    def link(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        """The CSV of one table (``name`` without .csv) and the HTML link to it."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        file_name = f"{name}.csv"
        if self.sink is not None:
            self.sink[file_name] = buffer.getvalue()
            href = f"{REPORT_TABLES_FOLDER}/{file_name}"
        else:
            href = "data:text/csv;charset=utf-8," + urllib.parse.quote(buffer.getvalue())
        return (
            f'<p class="csv"><a href="{html.escape(href)}" download="{html.escape(file_name)}">'
            f"this table as CSV</a> <small>({html.escape(file_name)})</small></p>"
        )


def _csv_cell(value: Any) -> Any:
    """Numbers in full precision, empty for nan; text as it is."""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    return "" if value is None else value


def _few_replicates_warning(replicates: int) -> str:
    if replicates >= FEW_REPLICATES:
        return ""
    return (
        f"<p class='warning'><b>Only {replicates} replicate{'s' if replicates != 1 else ''}.</b> With fewer than "
        f"{FEW_REPLICATES} replicates the 90% intervals rest on a handful of values and the rank correlations "
        "(&rho;) are unreliable (with 3 replicates they can only be &plusmn;1.00 or &plusmn;0.50). Read the verdicts "
        f"as a first look, and run the comparison again with {FEW_REPLICATES} or more replicates before relying on "
        "them.</p>"
    )


def _load(item: Any) -> tuple[str, RunData | Any]:
    name, source = item
    if isinstance(source, (str, os.PathLike)):
        source = read_run(source)
    return str(name), source


def _metrics_of(source: Any) -> dict[str, float]:
    values = getattr(source, "metrics", None)
    return dict(values) if values else compute_metrics(source)


def _metric_table(
    runs: list[tuple[str, Any]], values: list[dict[str, float]], names: list[str], csvs: CsvTables, csv_name: str
) -> str:
    e = html.escape
    head = "".join(f"<th>{e(name)}</th>" for name, _ in runs)
    rows = []
    csv_rows = []
    for key in names:
        m = METRICS.get(key)
        if m is None:
            continue
        cells = [v.get(key, math.nan) for v in values]
        csv_rows += [(key, m.label or key, m.actor, m.unit, name, c) for (name, _), c in zip(runs, cells, strict=True)]
        finite = [c for c in cells if c is not None and math.isfinite(c)]
        best = None
        if len(finite) > 1 and m.direction != "info" and max(finite) != min(finite):
            best = max(finite) if m.direction == "maximise" else min(finite)
        tds = "".join(
            f'<td class="num{" best" if best is not None and c == best else ""}">'
            f"{e(format_value(c, m.unit, with_unit=False))}</td>"
            for c in cells
        )
        rows.append(
            f'<tr><td title="{e(m.description)}">{e(m.label or key)}<span class="tag">{e(m.actor)}</span>'
            f"<br><code>{e(key)}</code> <small>{e(m.unit)}; {e(_ARROW[m.direction])}</small></td>{tds}</tr>"
        )
    return f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>" + csvs.link(
        csv_name, ("metric", "label", "actor", "unit", "scenario", "value"), csv_rows
    )


def _provenance_table(runs: list[tuple[str, Any]], csvs: CsvTables, *, descriptions: bool = True) -> str:
    e = html.escape
    rows = []
    csv_rows = []
    for name, source in runs:
        run = getattr(source, "run", None) or {}
        sc = run.get("scenario", {})
        wall = run.get("wall_seconds", {})
        digest = str(sc.get("hash", ""))
        scale = run.get("scale", getattr(source, "scale", None))
        cells = [
            e(name),
            f'<code title="{e(digest)}">{e(digest[:12])}</code>',
            e(str(run.get("seed", getattr(source, "seed", "")))),
            e(f"{scale:g}" if isinstance(scale, (int, float)) else str(scale)),
            e(f"{run.get('start', '')} to {run.get('end', '')}"),
            e(str(run.get("package", {}).get("version", ""))),
            e(f"{run.get('agents', 0):,}"),
            e(f"{run.get('agent_months', 0):,}"),
            e(f"{wall.get('engine', float('nan')):.1f} s / {wall.get('total', float('nan')):.1f} s"),
            e(str(run.get("created", ""))),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        csv_rows.append([
            name, digest, run.get("seed", getattr(source, "seed", "")), scale, run.get("start", ""), run.get("end", ""),
            run.get("package", {}).get("version", ""), run.get("agents", ""), run.get("agent_months", ""),
            wall.get("engine", math.nan), wall.get("total", math.nan), run.get("created", ""),
        ])
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "scenario",
            "hash",
            "seed",
            "scale",
            "horizon",
            "version",
            "agents",
            "agent-months",
            "wall time (engine / total)",
            "created (UTC)",
        )
    )
    descr = []
    for name, source in runs:
        text = (getattr(source, "run", None) or {}).get("scenario", {}).get("description", "")
        if text and descriptions:
            descr.append(f"<li><b>{e(name)}</b>: {e(text)}</li>")
    columns = (
        "scenario", "hash", "seed", "scale", "start", "end", "version", "agents", "agent_months", "engine_seconds",
        "total_seconds", "created",
    )
    return (
        (f"<ul>{''.join(descr)}</ul>" if descr else "")
        + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + csvs.link("runs", columns, csv_rows)
    )


def _assumption_table(items: list[Any], csvs: CsvTables, csv_name: str) -> str:
    e = html.escape
    rows = [a if isinstance(a, dict) else {"assumption": a} for a in items]
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    head = "".join(f"<th>{e(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{e(_plain(r.get(k, '')))}</td>" for k in keys) + "</tr>" for r in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return table + csvs.link(csv_name, keys, [[_plain(r.get(k, "")) for k in keys] for r in rows])


def _assumptions(runs: list[tuple[str, Any]], csvs: CsvTables) -> str:
    """The dated assumptions: those shared by every scenario once, then each scenario's own."""
    e = html.escape
    per = [(name, list((getattr(source, "run", None) or {}).get("assumptions", []) or [])) for name, source in runs]
    keyed = [(name, [(json.dumps(a, sort_keys=True, default=str), a) for a in items]) for name, items in per]
    shared_keys = set.intersection(*(set(k for k, _ in items) for _, items in keyed)) if len(keyed) > 1 else set()
    parts = []
    if shared_keys:
        shared = [a for k, a in keyed[0][1] if k in shared_keys]
        parts.append(f"<h3>All scenarios ({len(shared)})</h3>" + _assumption_table(shared, csvs, "assumptions-shared"))
    for name, items in keyed:
        own = [a for k, a in items if k not in shared_keys]
        heading = f"Only in {name}" if shared_keys else name
        parts.append(f"<h3>{e(heading)}</h3>")
        if not own:
            parts.append(
                "<p>No further dated assumptions.</p>"
                if shared_keys
                else "<p>No dated assumptions were recorded for this scenario.</p>"
            )
            continue
        parts.append(_assumption_table(own, csvs, f"assumptions-{_file_part(name)}"))
    return "".join(parts)


def _file_part(name: str) -> str:
    """A scenario name as part of a file name."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "scenario"


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _fig(fig: Any) -> str:
    return (
        '<div class="figure">'
        + fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            default_height=f"{int(fig.layout.height or 380)}px",
            config={"displaylogo": False, "responsive": True},
        )
        + "</div>"
    )


def _fmt_interval(lo: float, med: float, hi: float, unit: str, *, with_unit: bool = True) -> str:
    e = html.escape
    if med is None or not math.isfinite(med):
        return "n/a"
    # the unit once, after the median (scores are 0..1, said in the column header), unless the header says it
    text = f"<b>{e(format_value(med, unit, with_unit=with_unit and not unit.startswith('score')))}</b>"
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        bounds = (format_value(v, unit, with_unit=False) for v in (lo, hi))
        text += f' <span class="ci">[{" to ".join(e(b) for b in bounds)}]</span>'
    return text


def _fmt_diff(value: float, unit: str, with_unit: bool = True) -> str:
    """A paired difference: shares in percentage points, others in the metric's unit, signed."""
    if value is None or not math.isfinite(value):
        return "n/a"
    sign = "" if _shows_as_zero(value, unit) else ("+" if value > 0 else ("-" if value < 0 else ""))
    if unit.startswith("share"):
        return f"{sign}{abs(value) * 100:.1f}" + (" pp" if with_unit else "")
    if unit.startswith("score"):
        return f"{sign}{abs(value):.3f}"
    return sign + format_value(abs(value), unit, with_unit=with_unit)


def _magnitude(value: float, unit: str) -> str:
    """How |value| prints as a difference (without sign or unit)."""
    if unit.startswith("share"):
        return f"{abs(value) * 100:.1f}"
    if unit.startswith("score"):
        return f"{abs(value):.3f}"
    return format_value(abs(value), unit, with_unit=False)


def _shows_as_zero(value: float, unit: str) -> bool:
    """Whether a difference prints as zero (e.g. 0.0 pp), however small its sign."""
    return _magnitude(value, unit) == _magnitude(0.0, unit)


def _difference_class(lo: float, hi: float, unit: str, direction: str) -> str:
    """" better" or " worse" when the interval excludes zero, as printed, on one side; ""
    (neutral) otherwise, e.g. for "+0.0 pp [+0.0 to +0.0]" or an information metric."""
    if direction == "info" or not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    above = lo > 0 and not _shows_as_zero(lo, unit)
    below = hi < 0 and not _shows_as_zero(hi, unit)
    if not (above or below):
        return ""
    return " better" if above == (direction == "maximise") else " worse"


def _diff_interval(lo: float, med: float, hi: float, unit: str) -> str:
    e = html.escape
    if med is None or not math.isfinite(med):
        return "n/a"
    text = f"<b>{e(_fmt_diff(med, unit))}</b>"
    if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
        text += f' <span class="ci">[{e(_fmt_diff(lo, unit, False))} to {e(_fmt_diff(hi, unit, False))}]</span>'
    return text


_ORIGIN_DEFINITIONS = origin_definitions()


def _unit(key: str) -> str:
    if key in METRICS:
        return METRICS[key].unit
    if key in _ORIGIN_DEFINITIONS:
        return _ORIGIN_DEFINITIONS[key]["unit"]
    return "score (0..1)"


def _label(key: str) -> str:
    if key in METRICS:
        return METRICS[key].label or key
    if key in _ORIGIN_DEFINITIONS:
        return _ORIGIN_DEFINITIONS[key]["label"]
    return _INDEX_LABELS.get(key, key)


_INDEX_LABELS = {
    "index.host": "Host society score",
    "index.migrants": "Migrants score",
    "index.origin": "Origin countries score",
    "index.balance": "Balanced Coexistence Index",
}
_VERDICT_CLASS = {"supported": "v-sup", "contradicted": "v-con", "not shown": "v-not"}


def _verdict(v: str) -> str:
    return f'<span class="verdict {_VERDICT_CLASS.get(v, "v-not")}">{html.escape(v)}</span>'


def _interval_rows(names: list[str], samples: dict, keys: Sequence[str]) -> list[tuple]:
    """(metric, label, unit, scenario, median, p05, p95, n) of every metric and scenario, for a CSV."""
    rows = []
    for key in keys:
        for n in names:
            values = samples[n].get(key, [])
            lo, med, hi = interval90(values)
            finite = int(np.isfinite(np.asarray(values, dtype=np.float64)).sum())
            rows.append((key, _label(key), _unit(key), n, med, lo, hi, finite))
    return rows


_INTERVAL_COLUMNS = ("metric", "label", "unit", "scenario", "median", "p05", "p95", "replicates")


def _interval_table(names: list[str], samples: dict, keys: list[str], csvs: CsvTables, csv_name: str) -> str:
    e = html.escape
    head = "".join(f"<th>{e(n)}</th>" for n in names)
    rows = []
    for key in keys:
        m = METRICS.get(key)
        direction = m.direction if m is not None else "maximise"
        cells = []
        for n in names:
            lo, med, hi = interval90(samples[n].get(key, []))
            cells.append(f'<td class="num">{_fmt_interval(lo, med, hi, _unit(key))}</td>')
        tag = m.actor if m is not None else "index"
        descr = m.description if m is not None else ""
        rows.append(
            f'<tr><td title="{e(descr)}">{e(_label(key))}<span class="tag">{e(tag)}</span>'
            f"<br><code>{e(key)}</code> <small>{e(_unit(key))}; "
            f"{e(_ARROW[direction])}</small></td>{''.join(cells)}</tr>"
        )
    table = f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return table + csvs.link(csv_name, _INTERVAL_COLUMNS, _interval_rows(names, samples, keys))


def _paired_table(names: list[str], samples: dict, keys: list[str], csvs: CsvTables) -> str:
    e = html.escape
    base = names[0]
    others = names[1:]
    head = "".join(f"<th>{e(n)} minus {e(base)}</th>" for n in others)
    rows = []
    csv_rows = []
    for key in keys:
        m = METRICS.get(key)
        direction = m.direction if m is not None else "maximise"
        cells = []
        for n in others:
            d = paired_differences(samples[n].get(key, []), samples[base].get(key, []))
            lo, med, hi = interval90(d)
            cls = _difference_class(lo, hi, _unit(key), direction)
            cells.append(f'<td class="num{cls}">{_diff_interval(lo, med, hi, _unit(key))}</td>')
            csv_rows.append((key, _label(key), _unit(key), n, base, med, lo, hi, len(d)))
        rows.append(f"<tr><td>{e(_label(key))}<br><code>{e(key)}</code></td>{''.join(cells)}</tr>")
    table = f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    columns = ("metric", "label", "unit", "scenario", "baseline", "median", "p05", "p95", "pairs")
    return table + csvs.link("paired-differences", columns, csv_rows)


def _claims_table(claims: list[dict], csvs: CsvTables) -> str:
    e = html.escape
    if not claims:
        return (
            "<p>No claim compares two of the scenarios run here. The claims compare the shipped scenarios "
            "<code>japan-circular</code>, <code>japan-temporary</code> and <code>japan-circular-unconnected</code> "
            "by name.</p>"
        )
    rows = []
    for c in claims:
        parts = c["parts"]
        metric_cells = "<br>".join(
            f"{e(_label(p['metric']))} <code>{e(p['metric'])}</code> ({e(p['direction'])} expected)" for p in parts
        )
        diff_cells = "<br>".join(
            f"{_diff_interval(p['lo'], p['median'], p['hi'], _unit(p['metric']))} <small>n={p['n']}, "
            f"{e(p['verdict'])}</small>"
            for p in parts
        )
        corr = c.get("parameter_correlation", {}) or {}
        params = []
        for name in c["parameters"]:
            flag = ' <span class="prior">prior only</span>' if name in c["prior_only"] else ""
            rho = corr.get(name)
            rho_text = f" <small>&rho;={rho:+.2f}</small>" if isinstance(rho, float) and math.isfinite(rho) else ""
            params.append(f"<span class='nw'><code>{e(name)}</code>{flag}{rho_text}</span>")
        rows.append(
            f"<tr><td><b>{e(c['claim'])}</b><br>{e(c['statement'])}<br><small>{e(c['scenario'])} minus "
            f"{e(c['baseline'])}</small></td><td>{metric_cells}</td><td class='num'>{diff_cells}</td>"
            f"<td>{_verdict(c['verdict'])}</td><td>{'<br>'.join(params)}</td></tr>"
        )
    csv_rows = [
        (c["claim"], c["scenario"], c["baseline"], c["verdict"], p["metric"], p["direction"], p["n"], p["median"],
         p["lo"], p["hi"], p["verdict"], c["statement"])
        for c in claims
        for p in c["parts"]
    ]
    columns = (
        "claim", "scenario", "baseline", "verdict", "metric", "direction", "n", "median", "p05", "p95",
        "part_verdict", "statement",
    )
    return (
        "<table class='claims'><thead><tr><th>claim</th><th>metric</th><th>median paired difference "
        "[90% interval]</th><th>verdict</th><th>parameters it rests on</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + csvs.link("claims", columns, csv_rows)
    )


def _sensitivity_section(sens: dict, names: list[str], csvs: CsvTables) -> str:
    e = html.escape
    if not sens or not sens.get("variants"):
        return "<p>No reference sensitivity was computed.</p>"
    shift = float(sens.get("shift", 0.2))
    head = "".join(f"<th>{e(n)}: index</th>" for n in names)
    rows = []
    csv_rows = []
    has_balance = any(v.get("balance") for v in sens["variants"])
    for v in sens["variants"]:
        cells = []
        bal = v.get("balance")
        for n in names:
            lo, med, hi = v["index"][n]["index.balance"]
            cells.append(f"<td class='num'>{_fmt_interval(lo, med, hi, 'score (0..1)')}</td>")
            claim = (bal["median"], bal["lo"], bal["hi"], bal["verdict"]) if bal else ("",) * 4
            csv_rows.append((v["label"], n, med, lo, hi, *claim))
        if has_balance:
            if bal:
                cells.append(
                    f"<td class='num'>{_diff_interval(bal['lo'], bal['median'], bal['hi'], 'score (0..1)')}</td>"
                    f"<td>{_verdict(bal['verdict'])}</td>"
                )
            else:
                cells.append("<td>n/a</td><td>n/a</td>")
        rows.append(f"<tr><td><b>{e(v['label'])}</b><br><small>{e(v['description'])}</small></td>{''.join(cells)}</tr>")
    extra = "<th>balance claim: paired difference</th><th>verdict</th>" if has_balance else ""
    table = (
        f"<table><thead><tr><th>reference values</th>{head}{extra}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    ) + csvs.link(
        "reference-sensitivity",
        ("reference_values", "scenario", "index_median", "index_p05", "index_p95", "balance_claim_median",
         "balance_claim_p05", "balance_claim_p95", "balance_claim_verdict"),
        csv_rows,
    )
    rnd = sens.get("random")
    rnd_text = ""
    if rnd:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(rnd["verdicts"].items()))
        rnd_text = (
            f"<p>In {rnd['draws']} further draws, each metric's worst and best points moved independently and "
            f"uniformly within &plusmn;{shift:.0%} of its span, the balance claim kept its verdict "
            f"(<b>{e(rnd['shipped_verdict'])}</b>) in <b>{rnd['same_verdict_share']:.0%}</b> of draws "
            f"({e(counts)}).</p>"
        )
    return (
        "<p>The index scores each metric between fixed reference points (worst = 0, best = 1; "
        "<code>coexist/data/reference_values.toml</code>). Those points are judgements. Here the index and the "
        f"balance claim are recomputed from the same replicate metrics with every point moved by &plusmn;{shift:.0%} "
        "of its worst-to-best span: if a verdict changes, it depends on where the reference points sit, not only on "
        "the simulation.</p>" + table + rnd_text
    )


def _scores_rows(names: list[str], samples: dict) -> list[tuple[str, str, float, float, float]]:
    rows = []
    for key in ("index.host", "index.migrants", "index.origin", "index.balance"):
        for n in names:
            lo, med, hi = interval90(samples[n].get(key, []))
            rows.append((_INDEX_LABELS[key].replace(" score", ""), n, lo, med, hi))
    return rows


def _sector_rows(names: list[str], samples: dict) -> list[tuple[str, str, float, float, float]]:
    rows = []
    for sector in SECTORS:
        key = f"host.fill_rate.{sector}"
        for n in names:
            if key not in samples[n]:
                continue
            lo, med, hi = interval90(samples[n][key])
            if math.isfinite(med):
                rows.append((sector.replace("_", " "), n, lo, med, hi))
    return rows


def _index_table(names: list[str], samples: dict, csvs: CsvTables) -> str:
    e = html.escape
    keys = ("index.host", "index.migrants", "index.origin", "index.balance")
    head = "".join(f"<th>{e(_INDEX_LABELS[k])}</th>" for k in keys)
    rows = []
    for n in names:
        cells = "".join(
            f"<td class='num{' idx' if k == 'index.balance' else ''}'>"
            f"{_fmt_interval(*interval90(samples[n].get(k, [])), 'score (0..1)')}</td>"
            for k in keys
        )
        rows.append(f"<tr><td><b>{e(n)}</b></td>{cells}</tr>")
    table = f"<table><thead><tr><th>scenario</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return table + csvs.link("index", _INTERVAL_COLUMNS, _interval_rows(names, samples, keys))


def _settings_table(settings: dict, csvs: CsvTables) -> str:
    e = html.escape
    seeds = settings.get("replicate_seeds", [])
    seeds_text = ", ".join(str(s) for s in seeds[:8]) + (f", ... ({len(seeds)} in all)" if len(seeds) > 8 else "")
    rows = [
        ("scenarios", ", ".join(settings.get("scenarios", []))),
        ("replicates per scenario", str(settings.get("replicates", ""))),
        ("base seed", str(settings.get("seed", ""))),
        ("replicate seeds (same in every scenario)", seeds_text),
        ("scale", f"{settings.get('scale', float('nan')):g}"),
        ("parameter draws", str(settings.get("parameter_distribution", ""))),
        (
            "reference values",
            f"version {settings.get('reference_version', '')} of {settings.get('reference_date', '')}",
        ),
        ("coexist version", str(settings.get("version", ""))),
        ("worker processes", str(settings.get("workers", ""))),
        (
            "wall time",
            f"{settings.get('wall_seconds', float('nan')):.0f} s in all; "
            f"{settings.get('engine_seconds', float('nan')):.0f} s in the engine, summed over runs",
        ),
    ]
    hashes = [(f"hash of {name} (before the parameter draws)", str(digest))
              for name, digest in (settings.get("scenario_hashes", {}) or {}).items()]
    body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    body += "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in hashes)
    every_seed = {"replicate seeds (same in every scenario)": ", ".join(str(s) for s in seeds)}  # the CSV has all
    plain = [(k, every_seed.get(k, v)) for k, v in rows + hashes]
    return f"<table class='kv'><tbody>{body}</tbody></table>" + csvs.link("settings", ("setting", "value"), plain)


def _calibrated_draws(settings: Mapping[str, Any]) -> bool:
    """Whether a comparison drew its calibrated parameters from the shipped posterior."""
    return "posterior" in str(settings.get("parameter_distribution", ""))


def _parameters_table(draws: list[dict], claims: list[dict], csvs: CsvTables, calibrated: bool = False) -> str:
    e = html.escape
    used = {p for c in claims for p in c["parameters"]}
    rows = []
    csv_rows = []
    for name, spec in parameters().items():
        values = [d[name] for d in draws if name in d]
        lo, med, hi = interval90(values) if values else (math.nan, math.nan, math.nan)
        flag = ' <span class="prior">prior only</span>' if spec.identification == "prior only" else ""
        star = " <span class='tag'>claims</span>" if name in used else ""
        rows.append(
            f"<tr><td><code>{e(name)}</code>{flag}{star}</td><td>{e(spec.unit)}</td><td class='num'>{spec.low:g}</td>"
            f"<td class='num'>{spec.default:g}</td><td class='num'>{spec.high:g}</td>"
            f"<td class='num'>{'' if not math.isfinite(lo) else f'{lo:.3g} to {hi:.3g}'}</td>"
            f"<td>{e(spec.identification)}</td></tr>"
        )
        csv_rows.append((name, spec.unit, spec.low, spec.default, spec.high, lo, hi, spec.identification, name in used))
    return (
        "<table><thead><tr><th>parameter</th><th>unit</th><th>low</th>"
        + ("<th>default (triangular mode when not calibrated)</th>" if calibrated else "<th>default (mode)</th>")
        + "<th>high</th>"
        "<th>drawn, 5th to 95th pct</th><th>identification</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + csvs.link(
            "parameters",
            ("parameter", "unit", "low", "default", "high", "drawn_p05", "drawn_p95", "identification", "in_claims"),
            csv_rows,
        )
    )


def render_compare_report(
    runs: Sequence[tuple[str, Any]],
    *,
    title: str = "coexist: scenario comparison",
    note: str | None = None,
    ensemble: Mapping[str, Any] | None = None,
    tables: dict[str, str] | None = None,
) -> str:
    """The report as one HTML string (pure: no file is written).

    Parameters
    ----------
    runs : sequence of (scenario name, run folder or loaded run)
        One run per scenario (replicate 0 of a comparison): its tables give the stock charts.
    title : str
    note : str, optional
        A sentence shown under the title.
    ensemble : mapping, optional
        What :func:`coexist.api.compare` collected over replicates: ``settings`` (scenarios,
        hashes, seed, replicates, replicate_seeds, scale, workers, parameter_distribution,
        version, wall_seconds, ...), ``samples`` (scenario -> metric -> values over replicates),
        ``series`` (scenario -> yearly series per replicate), ``claims`` (as in claims.json),
        ``sensitivity`` (reference sensitivity) and ``draws`` (parameter set per replicate).
        Without it the report shows the single runs only.
    tables : dict, optional
        Filled with the CSV of every table of the report (file name to text), which the
        report then links in ``tables/`` beside it, for the store to write there
        (:func:`coexist.store.compare.write_report`). Without it, each link carries its CSV
        inside the page.
    """
    csvs = CsvTables(tables)
    loaded = [_load(item) for item in runs]
    if not loaded:
        raise ValueError("a comparison report needs at least one run")
    e = html.escape
    run_names = [name for name, _ in loaded]
    names = ", ".join(run_names)

    if ensemble is None:
        values = [_metrics_of(src) for _, src in loaded]
        scales = sorted(
            {float((getattr(s, "run", None) or {}).get("scale", getattr(s, "scale", 1.0)) or 1.0) for _, s in loaded}
        )
        seeds = sorted({str((getattr(s, "run", None) or {}).get("seed", getattr(s, "seed", ""))) for _, s in loaded})
        scale_text = ", ".join(f"{s:g}" for s in scales)
        lead = (
            f"Scenarios compared: <b>{e(names)}</b>. Each ran at scale {e(scale_text)} "
            f"(one agent for every {e(', '.join(f'{1 / s:g}' for s in scales))} persons; every count below is "
            f"re-inflated to persons) with seed {e(', '.join(seeds))}, the same random numbers for every scenario, "
            "so differences come from the policies, not from chance. One run per scenario: no intervals."
        )
        sections = _single_sections(loaded, values, csvs)
        warning = ""
    else:
        lead, sections = _ensemble_sections(loaded, ensemble, csvs)
        warning = _few_replicates_warning(_replicates(ensemble))
    note_html = f"<p class='lead'>{e(note)}</p>" if note else ""
    return page(title, f"<p class='lead'>{lead}</p>{note_html}{warning}", sections)


def page(title: str, lead_html: str, sections: Sequence[tuple[str, str, str, str]], extra_css: str = "", *,
         created: str | None = None) -> str:
    """A whole report page in the house style: title, lead, a bar of links to the sections,
    the sections (id, heading, short name for the bar, HTML) and the footer with ``created``
    (default: now, UTC); plotly.js inline once, so the file works offline."""
    e = html.escape
    nav = "".join(f'<a href="#{sid}">{e(short)}</a>' for sid, _, short, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{e(head)}</h2>{content}</section>' for sid, head, _, content in sections)
    if created is None:
        created = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{_CSS}{extra_css}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body><main>'
        f"<h1>{e(title)}</h1>{lead_html}<nav>{nav}</nav>{body}"
        f"<footer>Written by coexist on {e(created)}. This file is self-contained and works offline.</footer>"
        "</main></body></html>\n"
    )


def _replicates(ens: Mapping[str, Any]) -> int:
    """Replicates per scenario of a comparison (from its settings, else from its samples)."""
    settings = ens.get("settings", {}) or {}
    if "replicates" in settings:
        return int(settings["replicates"])
    first = next(iter(ens["samples"].values()), {})
    return len(next(iter(first.values()), []))


def _stock_charts(loaded: list[tuple[str, Any]]) -> str:
    """Per-scenario stacked charts, side by side on one shared y axis so heights compare."""
    grid = "grid3" if len(loaded) >= 3 else "grid"
    out = []
    for heading, fn in (
        ("By status", figures.stocks_by_status),
        ("By origin", figures.stocks_by_origin),
        ("By sector", figures.stocks_by_sector),
    ):
        figs = [fn(n, s) for n, s in loaded]
        top = 0.0
        for fig in figs:
            total = None
            for tr in fig.data:
                y = np.asarray(tr.y, dtype=np.float64)
                total = y if total is None else total + y
            if total is not None and total.size:
                top = max(top, float(np.nanmax(total)))
        if top > 0:
            for fig in figs:
                fig.update_yaxes(range=[0, top * 1.05])
        out.append(f"<h3>{heading}</h3><div class='{grid}'>" + "".join(_fig(f) for f in figs) + "</div>")
    return "".join(out)


_HOST_TEXT = (
    "<p>The fill rate is the share of labour demand for foreign workers that is filled (employment above "
    "demand in one sector does not count towards another). Irregular stay counts persons whose status lapsed "
    "or who absconded; absconding counts workers who left their employer for irregular work (overstaying after a "
    "status lapses is counted in the irregular population, not as absconding).</p>"
)
_ORIGIN_TEXT = (
    "<p>Returnee employment counts returnees who found a job at home within 12 months of return, among those who "
    "reached 12 months at home that year. Skill-years brought home sum skill times years abroad of those who "
    "returned.</p>"
)


#: The yearly series whose paired difference against the baseline is drawn over time: the
#: host's stock of workers, the migrants' main flow out of the programmes (absconding) and
#: the origin countries' main flow back (remittances).
DIFFERENCE_SERIES = ("host_stock", "absconding", "remittances")


def _differences_over_time(names: list[str], series: Mapping[str, Sequence[dict]], replicates: int) -> str:
    base = names[0]
    charts = []
    for key in DIFFERENCE_SERIES:
        title, yaxis, fmt = SERIES[key]
        comparisons = [(f"{n} minus {base}", series.get(n, []), series.get(base, [])) for n in names[1:]]
        charts.append(
            _fig(figures.difference_band(comparisons, key, f"{title}: difference (median, 90% band)", yaxis, fmt))
        )
    return (
        f"<p>Each scenario minus {html.escape(base)}, replicate by replicate (the same seed and parameters in both), "
        f"by calendar year: the line is the median of the {replicates} paired differences, the shaded band their "
        "5th to 95th percentile. A band that stays off the dotted zero line is a difference that chance and the "
        "parameter draws do not explain; yearly means of stocks, yearly sums of flows and money.</p>"
        + "<div class='grid'>"
        + "".join(charts)
        + "</div>"
    )


def _has_persons(samples: Mapping[str, Mapping[str, Sequence[float]]], names: list[str], origin: str) -> bool:
    """Whether some replicate of some scenario counted anything for ``origin``."""
    values = [v for n in names for m in ORIGIN_METRICS for v in samples[n].get(origin_key(m, origin), [])]
    return any(math.isfinite(v) and v != 0 for v in values)


def _origin_name(origin: str) -> str:
    return ORIGIN_NAMES.get(origin, origin)


def _by_origin_section(names: list[str], samples: Mapping[str, Mapping[str, Sequence[float]]], replicates: int,
                       csvs: CsvTables) -> str:
    """Per origin, the migrants' and origin countries' metrics that have a value per origin:
    a table per actor (origin by origin, scenario by scenario) and one chart per metric."""
    e = html.escape
    present = [o for o in ORIGINS if _has_persons(samples, names, o)]
    if not present:
        return "<p>These runs carry no metrics per origin (they were written by an older coexist).</p>"
    tables = []
    for actor, heading in (("migrants", "Migrants"), ("origin", "Countries of origin")):
        metrics = [m for m in ORIGIN_METRICS if METRICS[m].actor == actor]
        head = "".join(
            f"<th>{e(_label(m))}<br><small>{e(_unit(m))}; {e(_ARROW[METRICS[m].direction])}</small></th>"
            for m in metrics
        )
        rows = []
        for origin in present:
            for k, n in enumerate(names):
                first = f"<td rowspan='{len(names)}'><b>{e(_origin_name(origin))}</b></td>" if k == 0 else ""
                cells = "".join(  # the unit is in the column header
                    f"<td class='num'>{_fmt_interval(*interval, _unit(m), with_unit=False)}</td>"
                    for m in metrics
                    for interval in [interval90(samples[n].get(origin_key(m, origin), []))]
                )
                rows.append(f"<tr>{first}<td>{e(n)}</td>{cells}</tr>")
        csv_rows = [
            (origin, _origin_name(origin), *row)
            for origin in present
            for row in _interval_rows(names, samples, [origin_key(m, origin) for m in metrics])
        ]
        tables.append(
            f"<h3>{heading}</h3><table><thead><tr><th>origin</th><th>scenario</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            + csvs.link(f"by-origin-{actor}", ("origin", "origin_name", *_INTERVAL_COLUMNS), csv_rows)
        )
    charts = []
    for m in ORIGIN_METRICS:
        chart_rows = []
        for origin in present:
            for n in names:
                lo, med, hi = interval90(samples[n].get(origin_key(m, origin), []))
                if math.isfinite(med):
                    chart_rows.append((_origin_name(origin), n, lo, med, hi))
        unit = _unit(m)
        charts.append(
            _fig(
                figures.intervals(
                    chart_rows,
                    f"{_label(m)} by origin (median, 90% interval)",
                    unit,
                    tickformat=".0%" if unit.startswith("share") else "",
                )
            )
        )
    return (
        "<p>The migrants' and origin countries' metrics that are counted per origin, for the persons of each origin "
        f"alone: median [90% interval] over {replicates} replicates. Origins with no persons in the runs are left "
        "out; n/a where an origin has nothing to count (e.g. no returnee reached 12 months at home).</p>"
        + "".join(tables)
        + "<div class='grid'>"
        + "".join(charts)
        + "</div>"
    )


def _provenance_and_assumptions(
    loaded: list[tuple[str, Any]], intro: str, csvs: CsvTables, *, descriptions: bool = True
) -> list[tuple[str, str, str, str]]:
    return [
        (
            "assumptions",
            "Dated assumptions",
            "Assumptions",
            "<p>Beyond the dates that data or law covers, every input is a named, dated scenario assumption. "
            "These are the ones behind the results above.</p>" + _assumptions(loaded, csvs),
        ),
        (
            "provenance",
            "What was run",
            "What was run",
            intro + _provenance_table(loaded, csvs, descriptions=descriptions),
        ),
    ]


def _single_sections(
    loaded: list[tuple[str, Any]], values: list[dict[str, float]], csvs: CsvTables
) -> list[tuple[str, str, str, str]]:
    sections = [
        (
            "summary",
            "Summary: headline metrics",
            "Summary",
            "<p>One row per metric, one column per scenario. The best value in each scored row is in bold green; "
            "hover a metric name for how it is computed. Host, migrants and origin countries each get their own "
            "metrics.</p>"
            + _metric_table(loaded, values, [m.name for m in headline_metrics()] + list(INDEX_KEYS), csvs, "headline")
            + "<details><summary>All metrics</summary>"
            + _metric_table(loaded, values, list(METRICS), csvs, "metrics")
            + "</details>",
        ),
        (
            "stocks",
            "Who is in the host",
            "Stocks",
            "<p>Persons in each host status over time (stacked), then by country of origin and by sector. "
            "The statuses are the same in every scenario, so the charts compare directly.</p>" + _stock_charts(loaded),
        ),
        (
            "host",
            "Host society: filling demand, irregular stay",
            "Host",
            _HOST_TEXT
            + "<div class='grid'>"
            + _fig(figures.fill_rate(loaded))
            + _fig(figures.irregular_population(loaded))
            + _fig(figures.absconding(loaded))
            + "</div>",
        ),
        (
            "origin",
            "Countries of origin: returnees, skills, remittances",
            "Origin",
            _ORIGIN_TEXT
            + "<div class='grid'>"
            + _fig(figures.returnee_employment(loaded))
            + _fig(figures.skill_years_home(loaded))
            + _fig(figures.remittances(loaded))
            + "</div>",
        ),
    ]
    return sections + _provenance_and_assumptions(
        loaded,
        "<p>Each run folder holds the fully resolved <code>scenario.toml</code>; running it again with the same seed "
        "and scale gives the same tables. The hash identifies the resolved scenario.</p>",
        csvs,
    )


def _ensemble_sections(
    loaded: list[tuple[str, Any]], ens: Mapping[str, Any], csvs: CsvTables
) -> tuple[str, list[tuple[str, str, str, str]]]:
    e = html.escape
    settings = dict(ens.get("settings", {}))
    samples = ens["samples"]
    names = [n for n in settings.get("scenarios", []) if n in samples] or list(samples)
    claims = list(ens.get("claims", []))
    series = ens.get("series", {}) or {}
    R = int(settings.get("replicates", len(next(iter(samples[names[0]].values())))))
    scale = float(settings.get("scale", float("nan")))
    rep0_seed = (settings.get("replicate_seeds") or ["?"])[0]
    calibrated = _calibrated_draws(settings)
    draws_text = (
        "the calibrated ones taken together from one particle of the shipped ABC-SMC posterior of the Japan "
        "calibration, chosen with probability equal to its weight; the others from triangular distributions over "
        "their documented plausible ranges, with the mode at the default"
        if calibrated
        else "triangular distributions over the documented plausible ranges, with the mode at the default"
    )

    uncertainty = (
        f"Every figure with an interval is the <b>median and 90% interval over {R} replicates</b>. "
        "The intervals include parameter uncertainty: each replicate draws its own random seed and its own set of "
        f"behavioural parameters ({draws_text}), and uses the same seed and parameters in every scenario, so "
        "differences between scenarios are paired and come from the policies."
    )
    lead = (
        f"Scenarios compared: <b>{e(', '.join(names))}</b>. Runs at <b>scale {scale:g}</b> (one agent for every "
        f"{1 / scale:g} persons; every count is re-inflated to persons). {uncertainty}"
    )
    if R < 2:
        lead += " <b>With one replicate there are no intervals and every claim is 'not shown'.</b>"

    descr = []
    for name, source in loaded:
        text = (getattr(source, "run", None) or {}).get("scenario", {}).get("description", "")
        descr.append(f"<li><b>{e(name)}</b>{': ' + e(text) if text else ''}</li>")
    verdicts = (
        "".join(
            f"<li>{_verdict(c['verdict'])} {e(c['statement'])} <small>({e(c['scenario'])} vs "
            f"{e(c['baseline'])})</small></li>"
            for c in claims
        )
        or "<li>No claim compares two of these scenarios.</li>"
    )
    summary = (
        f"<h3>What was compared</h3><ul>{''.join(descr)}</ul>"
        f"<h3>Headline verdicts</h3><ul class='verdicts'>{verdicts}</ul>"
        "<p class='small'>Decision rule, declared before running: a claim is <i>supported</i> when the 90% interval of "
        "the paired differences (scenario minus baseline, replicate by replicate) excludes zero in the claimed "
        "direction, "
        "<i>contradicted</i> when it excludes zero the other way, <i>not shown</i> otherwise. Nothing was tuned "
        "to make a "
        "claim come out supported.</p>"
        "<h3>The three actors and the Balanced Coexistence Index</h3>"
        "<p>Each actor's score is 0..1 against fixed reference values; the index is their weighted geometric mean, so "
        "serving one actor at another's expense lowers it. The three scores are always shown beside the index. "
        "Median [5th to 95th percentile] over replicates.</p>"
        + _index_table(names, samples, csvs)
        + _fig(
            figures.intervals(
                _scores_rows(names, samples),
                "Actor scores and index (median, 90% interval)",
                "score (0 to 1)",
                yrange=(0, 1.02),
            )
        )
    )
    claims_html = (
        "<p>Each claim of the essay, tested on the paired differences between two scenarios. <b>Parameters it rests "
        "on</b> are the behavioural parameters the result mostly depends on; <span class='prior'>prior "
        "only</span> marks "
        "those that nothing in the 2012-2024 Japan record pins down, so the verdict holds only over their stated "
        "range. &rho; is the rank correlation, over replicates, between the drawn parameter and the paired difference "
        "(first metric): a large |&rho;| means the difference moves with that parameter in this ensemble.</p>"
        + _few_replicates_warning(R)
        + _claims_table(claims, csvs)
        + "".join(
            f"<p class='small'><b>{e(c['claim'])}</b>: {e(c.get('note', ''))}</p>" for c in claims if c.get("note")
        )
    )
    headline = [m.name for m in headline_metrics()]
    metrics_html = (
        f"<p>Median [90% interval] over {R} replicates. Hover a metric name for how it is computed.</p>"
        + _interval_table(names, samples, headline + list(INDEX_KEYS), csvs, "headline")
        + "<details><summary>All metrics</summary>"
        + _interval_table(names, samples, list(METRICS), csvs, "metrics")
        + "</details>"
    )
    if len(names) > 1:
        metrics_html += (
            f"<h3>Paired differences against {e(names[0])}</h3><p>Replicate by replicate (same seed, same parameters), "
            "median [90% interval]; green where the interval excludes zero in the better direction, red in the worse. "
            "Shares are in percentage points.</p>" + _paired_table(names, samples, headline + list(INDEX_KEYS), csvs)
        )

    def bands(keys: list[str]) -> str:
        out = []
        for key in keys:
            title, yaxis, fmt = SERIES[key]
            runs = [(n, series.get(n, [])) for n in names]
            out.append(_fig(figures.band(runs, key, f"{title} (median, 90% band)", yaxis, fmt)))
        return "".join(out)

    chart_note = (
        f"<p class='small'>Lines are medians over the {R} replicates by calendar year; shaded bands the 5th to 95th "
        "percentile.</p>"
    )
    host_html = (
        _HOST_TEXT
        + chart_note
        + "<div class='grid'>"
        + bands(["fill_rate", "irregular", "absconding", "host_stock"])
        + "</div>"
        + _fig(
            figures.intervals(
                _sector_rows(names, samples),
                "Fill rate by sector over the horizon (median, 90% interval)",
                "share of demand filled",
                tickformat=".0%",
            )
        )
    )
    origin_html = (
        _ORIGIN_TEXT
        + chart_note
        + "<div class='grid'>"
        + bands(["returnee_employment", "skill_years_home", "remittances"])
        + "</div>"
    )
    stocks_html = (
        f"<p>Persons in each host status over time (stacked), then by country of origin and by sector, in replicate 0 "
        f"(seed {e(str(rep0_seed))}, one parameter draw; its full run folder is next to this report). One replicate "
        "shows the composition; the bands in the next sections show the uncertainty.</p>" + _stock_charts(loaded)
    )
    run_intro = (
        "<p>Each scenario's replicate-0 run folder holds the fully resolved <code>scenario.toml</code> (with that "
        "replicate's drawn parameters); <code>replicates.parquet</code> holds every metric of every replicate, "
        "<code>parameters.parquet</code> the drawn parameter sets and <code>claims.json</code> the verdicts.</p>"
        + _settings_table(settings, csvs)
        + "<h3>Replicate-0 runs</h3><p class='small'>The hash here is of the resolved scenario with replicate 0's "
        "drawn parameters, as written in its <code>scenario.toml</code>.</p>"
    )
    prov = _provenance_and_assumptions(loaded, run_intro, csvs, descriptions=False)
    prov[1] = (
        prov[1][0],
        prov[1][1],
        prov[1][2],
        prov[1][3]
        + "<details><summary>Behavioural parameters and their draws</summary>"
        + _parameters_table(list(ens.get("draws", [])), claims, csvs, calibrated)
        + "</details>",
    )
    differences = (
        [(
            "differences",
            f"Differences over time against {names[0]}",
            "Differences",
            _differences_over_time(names, series, R),
        )]
        if len(names) > 1
        else []
    )
    sections = [
        ("summary", "Summary", "Summary", summary),
        ("claims", "The claims", "Claims", claims_html),
        ("metrics", "Metrics for the three actors", "Metrics", metrics_html),
        *differences,
        ("stocks", "Who is in the host", "Stocks", stocks_html),
        ("host", "Host society: filling demand, irregular stay", "Host", host_html),
        ("origin", "Countries of origin: returnees, skills, remittances", "Origin", origin_html),
        (
            "by-origin",
            "Migrants and countries of origin, by origin",
            "By origin",
            _by_origin_section(names, samples, R, csvs),
        ),
        (
            "sensitivity",
            "How the verdicts move with the index's reference values",
            "Reference sensitivity",
            _sensitivity_section(ens.get("sensitivity", {}), names, csvs),
        ),
    ] + prov
    return lead, sections
