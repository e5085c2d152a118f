"""Assemble the comparison report: one self-contained HTML file (plotly.js inline, no CDN).

The figures come from :mod:`coexist.report.figures`; this module only lays them out with
the summary table, the provenance of each run and the dated assumptions.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coexist.metrics import METRICS, compute_metrics, format_value, headline_metrics
from coexist.report import figures
from coexist.store import RunData, read_run

__all__ = ["write_compare_report", "render_compare_report"]

_CSS = """
:root { --fg:#1d2433; --muted:#5b6475; --line:#dde1e8; --bg:#ffffff; --accent:#0072B2; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 64px; }
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
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: 700; color: #006644; }
.tag { display: inline-block; font-size: 0.75rem; color: var(--muted); border: 1px solid var(--line);
       border-radius: 10px; padding: 0 6px; margin-left: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 10px 18px; }
.figure { min-height: 380px; }
code { background: var(--soft); padding: 1px 4px; border-radius: 3px; font-size: 0.88em; }
details { margin: 8px 0; }
footer { margin-top: 48px; color: var(--muted); font-size: 0.85rem; }
"""

_ARROW = {"maximise": "higher is better", "minimise": "lower is better", "info": "information, not scored"}


def _load(item: Any) -> tuple[str, RunData | Any]:
    name, source = item
    if isinstance(source, (str, os.PathLike)):
        source = read_run(source)
    return str(name), source


def _metrics_of(source: Any) -> dict[str, float]:
    values = getattr(source, "metrics", None)
    return dict(values) if values else compute_metrics(source)


def _metric_table(runs: list[tuple[str, Any]], values: list[dict[str, float]], names: list[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(name)}</th>" for name, _ in runs)
    rows = []
    for key in names:
        m = METRICS.get(key)
        if m is None:
            continue
        cells = [v.get(key, math.nan) for v in values]
        finite = [c for c in cells if c is not None and math.isfinite(c)]
        best = None
        if len(finite) > 1 and m.direction != "info" and max(finite) != min(finite):
            best = max(finite) if m.direction == "maximise" else min(finite)
        tds = "".join(
            f'<td class="num{" best" if best is not None and c == best else ""}">{e(format_value(c, m.unit))}</td>' for c in cells
        )
        rows.append(
            f'<tr><td title="{e(m.description)}">{e(m.label or key)}<span class="tag">{e(m.actor)}</span>'
            f'<br><code>{e(key)}</code> <small>{e(m.unit)}; {e(_ARROW[m.direction])}</small></td>{tds}</tr>'
        )
    return f"<table><thead><tr><th>metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _provenance_table(runs: list[tuple[str, Any]]) -> str:
    e = html.escape
    rows = []
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
    head = "".join(
        f"<th>{h}</th>"
        for h in ("scenario", "hash", "seed", "scale", "horizon", "version", "agents", "agent-months", "wall time (engine / total)", "created (UTC)")
    )
    descr = []
    for name, source in runs:
        text = (getattr(source, "run", None) or {}).get("scenario", {}).get("description", "")
        if text:
            descr.append(f"<li><b>{e(name)}</b>: {e(text)}</li>")
    return (f"<ul>{''.join(descr)}</ul>" if descr else "") + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _assumptions(runs: list[tuple[str, Any]]) -> str:
    e = html.escape
    parts = []
    for name, source in runs:
        items = (getattr(source, "run", None) or {}).get("assumptions", []) or []
        parts.append(f"<h3>{e(name)}</h3>")
        if not items:
            parts.append("<p>No dated assumptions were recorded for this scenario.</p>")
            continue
        rows = [a if isinstance(a, dict) else {"assumption": a} for a in items]
        keys: list[str] = []
        for r in rows:
            keys.extend(k for k in r if k not in keys)
        head = "".join(f"<th>{e(k)}</th>" for k in keys)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(_plain(r.get(k, '')))}</td>" for k in keys) + "</tr>" for r in rows
        )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "".join(parts)


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
        + fig.to_html(full_html=False, include_plotlyjs=False, default_height="380px",
                      config={"displaylogo": False, "responsive": True})
        + "</div>"
    )


def render_compare_report(runs: Sequence[tuple[str, Any]], *, title: str = "coexist: scenario comparison", note: str | None = None) -> str:
    """The report as one HTML string (pure: no file is written).

    Parameters
    ----------
    runs : sequence of (scenario name, run folder or loaded run)
    title : str
    note : str, optional
        A sentence shown under the title (e.g. the scale the runs used).
    """
    from plotly.offline import get_plotlyjs

    loaded = [_load(item) for item in runs]
    if not loaded:
        raise ValueError("a comparison report needs at least one run")
    values = [_metrics_of(src) for _, src in loaded]
    e = html.escape
    names = ", ".join(name for name, _ in loaded)

    scales = sorted({float((getattr(s, "run", None) or {}).get("scale", getattr(s, "scale", 1.0)) or 1.0) for _, s in loaded})
    seeds = sorted({str((getattr(s, "run", None) or {}).get("seed", getattr(s, "seed", ""))) for _, s in loaded})
    scale_text = ", ".join(f"{s:g}" for s in scales)
    lead = (
        f"Scenarios compared: <b>{e(names)}</b>. Each ran at scale {e(scale_text)} "
        f"(one agent for every {e(', '.join(f'{1 / s:g}' for s in scales))} persons; every count below is "
        f"re-inflated to persons) with seed {e(', '.join(seeds))}, the same random numbers for every scenario, "
        "so differences come from the policies, not from chance."
    )

    sections: list[tuple[str, str, str]] = []  # (id, heading, body)
    sections.append((
        "summary", "Summary: headline metrics",
        "<p>One row per metric, one column per scenario. The best value in each scored row is in bold green; "
        "hover a metric name for how it is computed. Host, migrants and origin countries each get their own metrics.</p>"
        + _metric_table(loaded, values, [m.name for m in headline_metrics()])
        + "<details><summary>All metrics</summary>"
        + _metric_table(loaded, values, list(METRICS))
        + "</details>",
    ))
    sections.append((
        "stocks", "Who is in the host",
        "<p>Persons in each host status over time (stacked), then by country of origin. "
        "The statuses are the same in every scenario, so the charts compare directly.</p>"
        + "<h3>By status</h3><div class='grid'>" + "".join(_fig(figures.stocks_by_status(n, s)) for n, s in loaded) + "</div>"
        + "<h3>By origin</h3><div class='grid'>" + "".join(_fig(figures.stocks_by_origin(n, s)) for n, s in loaded) + "</div>",
    ))
    sections.append((
        "host", "Host society: filling demand, irregular stay",
        "<p>The fill rate is the share of labour demand for foreign workers that is filled (employment above "
        "demand in one sector does not count towards another). Irregular stay counts persons whose status lapsed "
        "or who absconded; absconding counts workers who left their employer for irregular work (overstaying after a status lapses is counted in the irregular population, not as absconding).</p>"
        + "<div class='grid'>" + _fig(figures.fill_rate(loaded)) + _fig(figures.irregular_population(loaded))
        + _fig(figures.absconding(loaded)) + "</div>",
    ))
    sections.append((
        "origin", "Countries of origin: returnees, skills, remittances",
        "<p>Returnee employment counts returnees who found a job at home within 12 months of return, among those who "
        "reached 12 months at home that year. Skill-years brought home sum skill times years abroad of those who "
        "returned.</p>"
        + "<div class='grid'>" + _fig(figures.returnee_employment(loaded)) + _fig(figures.skill_years_home(loaded))
        + _fig(figures.remittances(loaded)) + "</div>",
    ))
    sections.append((
        "provenance", "What was run",
        "<p>Each run folder holds the fully resolved <code>scenario.toml</code>; running it again with the same seed "
        "and scale gives the same tables. The hash identifies the resolved scenario.</p>" + _provenance_table(loaded),
    ))
    sections.append((
        "assumptions", "Dated assumptions",
        "<p>Beyond the dates that data or law covers, every input is a named, dated scenario assumption. "
        "These are the ones behind the results above.</p>" + _assumptions(loaded),
    ))

    nav = "".join(f'<a href="#{sid}">{e(head)}</a>' for sid, head, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{e(head)}</h2>{content}</section>' for sid, head, content in sections)
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    note_html = f"<p class='lead'>{e(note)}</p>" if note else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(title)}</title><style>{_CSS}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body><main>"
        f"<h1>{e(title)}</h1><p class='lead'>{lead}</p>{note_html}<nav>{nav}</nav>{body}"
        f"<footer>Written by coexist on {e(created)}. This file is self-contained and works offline.</footer>"
        "</main></body></html>\n"
    )


def write_compare_report(
    path: str | os.PathLike,
    runs: Sequence[tuple[str, Any]],
    *,
    title: str = "coexist: scenario comparison",
    note: str | None = None,
) -> Path:
    """Write the comparison report to ``path`` (atomically) and return the path.

    Parameters
    ----------
    path : path of the HTML file
    runs : sequence of (scenario name, run folder or loaded run / SimulationResult)
    title, note : see :func:`render_compare_report`
    """
    text = render_compare_report(runs, title=title, note=note)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
