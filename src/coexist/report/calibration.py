"""fit.html of a calibration: each target series, observed against the best particle.

One plotly chart per series (plotly.js inline once, in the first chart): the observed
values of the fit rows (circles) and of the validation rows (diamonds), and the best
particle's simulated values. Returns the HTML text; ``coexist.store.calibration`` writes it.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pyarrow as pa

__all__ = ["render_fit_report"]


def render_fit_report(table: pa.Table) -> str:
    """The page of fit.html.

    Parameters
    ----------
    table : pyarrow.Table
        The best particle measured on the target rows
        (:attr:`coexist.calibration.abc.Calibration.best_table`).
    """
    rows = table.to_pylist()
    series = sorted({r["series"] for r in rows})
    parts = []
    for k, name in enumerate(series):
        rs = sorted((r for r in rows if r["series"] == name), key=lambda r: r["reference_date"])
        fig = go.Figure()
        for split, symbol in (("fit", "circle"), ("validate", "diamond")):
            sel = [r for r in rs if r["split"] == split]
            if sel:
                fig.add_scatter(x=[r["reference_date"] for r in sel], y=[r["observed"] for r in sel], mode="markers",
                                marker_symbol=symbol, name=f"observed ({split})")
        fig.add_scatter(x=[r["reference_date"] for r in rs], y=[r["simulated"] for r in rs], mode="lines+markers",
                        name="simulated (best particle)")
        fig.update_layout(title=name, yaxis_title=rs[0]["unit"] if rs else "", height=360)
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(k == 0)))
    body = "\n".join(parts) or "<p>No target rows.</p>"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Calibration fit</title></head>"
            f"<body><h1>Calibration fit: observed vs best particle</h1>\n{body}\n</body></html>\n")
