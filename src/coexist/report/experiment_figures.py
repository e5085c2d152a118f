"""Figures of the experiment reports: sensitivity indices, the Pareto front, a sweep's points.

Pure functions of rows to plotly figures, in the look of :mod:`coexist.report.figures`. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from coexist.report.figures import _PALETTE, _layout

__all__ = ["indices_bars", "pareto_front", "sweep_coordinates"]


def indices_bars(rows: Sequence[Mapping[str, Any]], metric: str, indices: Sequence[str], title: str) -> go.Figure:
    """One horizontal bar per parameter and index (with its 95% interval where known) for one metric,
    parameters ordered by the first index, largest on top."""
    mine = [r for r in rows if r["metric"] == metric]
    first = {r["parameter"]: r["value"] for r in mine if r["index"] == indices[0]}
    order = sorted(first, key=lambda p: (-1e300 if not math.isfinite(first[p]) else first[p]))
    fig = go.Figure()
    for i, index in enumerate(indices):
        by_param = {r["parameter"]: r for r in mine if r["index"] == index}
        xs = [by_param[p]["value"] if p in by_param else math.nan for p in order]
        conf = [by_param[p]["conf"] if p in by_param else math.nan for p in order]
        error = {"type": "data", "array": [0.0 if not math.isfinite(c) else c for c in conf], "thickness": 1.5}
        fig.add_trace(go.Bar(x=xs, y=order, orientation="h", name=index, marker={"color": _PALETTE[i]},
                             error_x=error if any(math.isfinite(c) for c in conf) else None))
    fig = _layout(fig, title, "")
    fig.update_layout(barmode="group", hovermode="closest", height=max(320, 60 + 34 * len(order)),
                      margin={"l": 220, "r": 30, "t": 50, "b": 40})
    return fig


def pareto_front(rows: Sequence[Mapping[str, Any]], objectives: Sequence[str], colour: str) -> go.Figure:
    """The front in the space of the three objectives, coloured by ``colour`` (the index)."""
    x, y, z = ([r[o] for r in rows] for o in objectives[:3])
    hover = ["<br>".join(f"{k}: {v:.3g}" if isinstance(v, float) else f"{k}: {v}" for k, v in r.items())
             for r in rows]
    fig = go.Figure(go.Scatter3d(
        x=x, y=y, z=z, mode="markers", text=hover, hoverinfo="text",
        marker={"size": 5, "color": [r[colour] for r in rows], "colorscale": "Viridis", "showscale": True,
                "colorbar": {"title": {"text": colour}}},
    ))
    fig = _layout(fig, "The Pareto front of the three actors", "")
    fig.update_layout(height=620, hovermode="closest", margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      scene={"xaxis_title": objectives[0],
                                                              "yaxis_title": objectives[1],
                                                              "zaxis_title": objectives[2]})
    return fig


def sweep_coordinates(rows: Sequence[Mapping[str, Any]], factors: Sequence[str], metrics: Sequence[str],
                      colour: str) -> go.Figure:
    """Parallel coordinates: one line per point (the mean over its replicates), factors then metrics."""
    dims = []
    for name in [*factors, *metrics]:
        values = [r[name] for r in rows]
        if values and isinstance(values[0], str):
            labels = sorted(set(values))
            dims.append({"label": name, "values": [labels.index(v) for v in values],
                         "tickvals": list(range(len(labels))), "ticktext": labels})
        else:
            dims.append({"label": name, "values": [v if v is not None and math.isfinite(v) else None for v in values]})
    colours = [r.get(colour) for r in rows]
    fig = go.Figure(go.Parcoords(dimensions=dims, line={"color": colours, "colorscale": "Viridis",
                                                        "showscale": True}))
    fig = _layout(fig, f"Each point of the sweep (colour: {colour})", "")
    fig.update_layout(height=520, margin={"l": 80, "r": 80, "t": 90, "b": 40})
    return fig
