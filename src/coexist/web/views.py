"""What the dashboard shows of finished work, as JSON the page draws: the run store's
runs and comparisons, their charts (the report's own figures, as plotly JSON) and tables.

The page gets charts as plotly figure specifications built by :mod:`coexist.report.figures`,
so the dashboard and the HTML report draw the same thing; plotly.js draws them in the page.
Nothing here writes a file.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from coexist import api
from coexist.errors import CoexistError
from coexist.experiments.series import SERIES
from coexist.metrics import INDEX_KEYS, format_value, headline_metrics, interval90, metric_definitions
from coexist.report import figures
from coexist.store import RunData, read_run
from coexist.store.compare import is_compare_folder
from coexist.store.run_folder import TABLES

__all__ = ["RunStore", "NotFound", "run_view", "compare_view", "table_bytes", "TABLE_FORMATS"]

TABLE_FORMATS = ("parquet", "csv")
_BAND_SERIES = ("fill_rate", "irregular", "host_stock", "returnee_employment", "skill_years_home", "remittances")


class NotFound(CoexistError):
    """No run or comparison in the store has this id."""


def _figure(fig: Any) -> dict[str, Any]:
    """A plotly figure as the JSON plotly.js takes (numpy arrays become lists)."""
    return json.loads(fig.to_json())


def _number(value: Any) -> float | None:
    """A value JSON can carry: None for NaN and infinities."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class RunStore:
    """The folder the dashboard writes its runs into and lists past runs from.

    Runs and comparisons are named by their path inside ``root`` (``"dashboard/run-..."``),
    and a name is looked up among the folders found there, never joined onto a path: a
    name that is not one of them is unknown, whatever it holds.
    """

    root: Path

    def runs(self) -> list[dict[str, Any]]:
        """Every run folder under the root (the catalogue's rows, newest first), each with its
        ``id`` and, when it belongs to a comparison, the comparison's ``compare`` id."""
        if not self.root.is_dir():
            return []
        rows = api.runs([self.root])
        for row in rows:
            folder = Path(row["folder"])
            row["id"] = folder.relative_to(self.root).as_posix()
            parent = folder.parent
            row["compare"] = parent.relative_to(self.root).as_posix() if parent != self.root and \
                is_compare_folder(parent) else None
            row["folder"] = row["id"]  # the page shows paths inside the store only
            for key, value in list(row.items()):
                if isinstance(value, float):
                    row[key] = _number(value)
                elif not isinstance(value, (str, int, type(None))):
                    row[key] = str(value)
        return rows

    def compares(self) -> list[dict[str, Any]]:
        """The comparisons under the root: id, scenarios, replicates, scale, created."""
        seen: dict[str, dict[str, Any]] = {}
        for row in self.runs():
            if row["compare"] and row["compare"] not in seen:
                settings = _claims_doc(self.root / row["compare"]).get("settings", {})
                seen[row["compare"]] = {
                    "id": row["compare"], "scenarios": settings.get("scenarios", []),
                    "replicates": settings.get("replicates"), "scale": settings.get("scale"),
                    "created": row.get("created"),
                }
        return list(seen.values())

    def run_folder(self, run_id: Any) -> Path:
        """The run folder named ``run_id`` (a NotFound unless the store lists it)."""
        if isinstance(run_id, str) and run_id:
            for row in self.runs():
                if row["id"] == run_id:
                    return self.root / row["id"]
        raise NotFound(f"no run in the store has the id {str(run_id)[:80]!r}. Pick one from the list of runs.")

    def compare_folder(self, compare_id: Any) -> Path:
        """The comparison folder named ``compare_id`` (a NotFound unless the store lists it)."""
        if isinstance(compare_id, str) and compare_id:
            for row in self.compares():
                if row["id"] == compare_id:
                    return self.root / row["id"]
        raise NotFound(
            f"no comparison in the store has the id {str(compare_id)[:80]!r}. Pick one from the list of runs.")


def _claims_doc(folder: Path) -> dict[str, Any]:
    try:
        doc = json.loads((folder / "claims.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _metric_keys() -> list[str]:
    return [m.name for m in headline_metrics()] + list(INDEX_KEYS)


def _definition(key: str, definitions: Mapping[str, Any]) -> dict[str, str]:
    found = definitions.get(key) or metric_definitions().get(key) or {}
    return {"label": found.get("label", key), "unit": found.get("unit", ""), "actor": found.get("actor", ""),
            "direction": found.get("direction", ""), "description": found.get("description", "")}


def _stock_figures(loaded: Sequence[tuple[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per run, the stacked stocks by status, origin and sector, on one y range per kind so heights compare."""
    out = {}
    for kind, fn in (("status", figures.stocks_by_status), ("origin", figures.stocks_by_origin),
                     ("sector", figures.stocks_by_sector)):
        figs = [fn(name, data) for name, data in loaded]
        top = max((sum(max((v or 0.0) for v in trace.y) for trace in fig.data if len(trace.y)) for fig in figs),
                  default=0.0)
        if top > 0:
            for fig in figs:
                fig.update_yaxes(range=[0, top * 1.05])
        out[kind] = [_figure(fig) for fig in figs]
    return out


def _outcome_figures(loaded: Sequence[tuple[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        "fill_rate": _figure(figures.fill_rate(loaded)),
        "irregular": _figure(figures.irregular_population(loaded)),
        "absconding": _figure(figures.absconding(loaded)),
        "returnee_employment": _figure(figures.returnee_employment(loaded)),
        "skill_years_home": _figure(figures.skill_years_home(loaded)),
        "remittances": _figure(figures.remittances(loaded)),
    }


def _label(run: RunData, run_id: str, names: Sequence[str]) -> str:
    """A run's label: its scenario name, with its id where two runs shown share it."""
    name = str(run.run.get("scenario", {}).get("name", "") or run_id)
    return name if list(names).count(name) == 1 else f"{name} ({run_id.rsplit('/', 1)[-1]})"


def run_view(store: RunStore, run_ids: Sequence[str]) -> dict[str, Any]:
    """One run, or several side by side: their charts and headline metrics.

    Returns ``{"runs": [{id, label, scenario, seed, scale, start, end}], "metrics": [{key,
    label, unit, actor, values: [text per run], numbers: [...]}], "figures": {"stocks":
    {status|origin|sector: [figure per run]}, fill_rate, irregular, ...}}``.
    """
    folders = [store.run_folder(run_id) for run_id in run_ids]
    runs = [read_run(folder) for folder in folders]
    names = [str(r.run.get("scenario", {}).get("name", "")) for r in runs]
    labels = [_label(r, i, names) for r, i in zip(runs, run_ids, strict=True)]
    loaded = list(zip(labels, runs, strict=True))
    metrics = []
    for key in _metric_keys():
        info = _definition(key, runs[0].definitions)
        values = [r.metrics.get(key, math.nan) for r in runs]
        currency = [str(r.run.get("scenario", {}).get("currency", "JPY") or "JPY") for r in runs]
        metrics.append({"key": key, **info, "numbers": [_number(v) for v in values],
                        "values": [format_value(v, info["unit"], c) for v, c in zip(values, currency, strict=True)]})
    return {
        "runs": [
            {"id": i, "label": label, "scenario": r.run.get("scenario", {}).get("name"), "seed": r.run.get("seed"),
             "scale": r.run.get("scale"), "start": r.run.get("start"), "end": r.run.get("end")}
            for i, label, r in zip(run_ids, labels, runs, strict=True)
        ],
        "metrics": metrics,
        "figures": {"stocks": _stock_figures(loaded), **_outcome_figures(loaded)},
    }


def _samples(folder: Path) -> dict[str, dict[str, list[float]]]:
    """``samples[scenario][metric]``: values over replicates, replicate r at index r."""
    table = pq.read_table(folder / "replicates.parquet").sort_by([("replicate", "ascending")])
    samples: dict[str, dict[str, list[float]]] = {}
    for row in table.to_pylist():
        samples.setdefault(row["scenario"], {}).setdefault(row["metric"], []).append(row["value"])
    return samples


def _series(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """``series[scenario][r]``: the annual series of replicate r, as :func:`figures.band` takes them."""
    path = folder / "series.parquet"
    if not path.is_file():
        return {}
    nested: dict[str, dict[int, dict[str, dict[int, float]]]] = {}
    for row in pq.read_table(path).to_pylist():
        by_series = nested.setdefault(row["scenario"], {}).setdefault(row["replicate"], {})
        by_series.setdefault(row["series"], {})[row["year"]] = row["value"]
    out: dict[str, list[dict[str, Any]]] = {}
    for scenario, replicates in nested.items():
        out[scenario] = []
        for r in sorted(replicates):
            years = sorted({y for values in replicates[r].values() for y in values})
            entry: dict[str, Any] = {"years": years}
            for key, values in replicates[r].items():
                entry[key] = [values.get(y, math.nan) for y in years]
            out[scenario].append(entry)
    return out


def compare_view(store: RunStore, compare_id: str) -> dict[str, Any]:
    """A comparison: the three actor scores and the index with their 90% intervals, the
    headline metrics with intervals, the claims with their verdicts, the yearly bands over
    replicates and replicate 0's charts of each scenario."""
    folder = store.compare_folder(compare_id)
    doc = _claims_doc(folder)
    settings = doc.get("settings", {})
    samples = _samples(folder)
    names = [n for n in settings.get("scenarios", []) if n in samples] or list(samples)
    metrics = []
    for key in _metric_keys():
        info = _definition(key, {})
        cells = []
        for name in names:
            lo, med, hi = interval90(samples[name].get(key, []))
            bounds = [format_value(v, info["unit"], with_unit=False) for v in (lo, hi)]
            cells.append({"median": _number(med), "p05": _number(lo), "p95": _number(hi),
                          "text": f"{format_value(med, info['unit'])} [{bounds[0]} to {bounds[1]}]"})
        metrics.append({"key": key, **info, "cells": cells})
    score_rows = []
    for key in INDEX_KEYS:
        for name in names:
            lo, med, hi = interval90(samples[name].get(key, []))
            score_rows.append((_definition(key, {})["label"], name, lo, med, hi))
    series = _series(folder)
    bands = {}
    for key in _BAND_SERIES:
        title, yaxis, fmt = SERIES[key]
        bands[key] = _figure(figures.band([(n, series.get(n, [])) for n in names], key,
                                          f"{title} (median, 90% band)", yaxis, fmt))
    runs = [(name, read_run(folder / name)) for name in names if (folder / name / "run.json").is_file()]
    claims = [
        {"claim": c.get("claim"), "statement": c.get("statement"), "scenario": c.get("scenario"),
         "baseline": c.get("baseline"), "verdict": c.get("verdict"), "note": c.get("note", "")}
        for c in doc.get("claims", []) if isinstance(c, dict)
    ]
    return {
        "id": compare_id,
        "scenarios": names,
        "replicates": settings.get("replicates"),
        "scale": settings.get("scale"),
        "seed": settings.get("seed"),
        "runs": [{"id": (folder / name).relative_to(store.root).as_posix(), "label": name} for name, _ in runs],
        "metrics": metrics,
        "claims": claims,
        "figures": {
            "scores": _figure(figures.intervals(score_rows, "Actor scores and index (median, 90% interval)",
                                                "score (0 to 1)", yrange=(0, 1.02))),
            "bands": bands,
            "stocks": _stock_figures(runs),
        },
        "report": (folder / "report.html").is_file(),
    }


def table_bytes(folder: Path, table: str, fmt: str) -> bytes:
    """A run's table (one of :data:`coexist.store.run_folder.TABLES`) as Parquet or CSV bytes."""
    if table not in TABLES or fmt not in TABLE_FORMATS:
        raise NotFound(f"must be one of {', '.join(TABLES)} as {' or '.join(TABLE_FORMATS)}. Got {table}.{fmt} "
                       "instead.")
    path = folder / f"{table}.parquet"
    if fmt == "parquet":
        return path.read_bytes()
    data: pa.Table = pq.read_table(path)
    sink = io.BytesIO()
    pa_csv.write_csv(data, sink)
    return sink.getvalue()

