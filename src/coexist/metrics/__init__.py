"""Metrics for the three actors (host society, migrants, origin countries), declared once.

>>> from coexist.metrics import METRICS
>>> METRICS["host.fill_rate"].direction
'maximise'
"""

from __future__ import annotations

from coexist.metrics.registry import (
    ACTORS,
    DIRECTIONS,
    METRICS,
    Metric,
    compute_metrics,
    format_value,
    headline_metrics,
    metric_definitions,
)
from coexist.metrics.tables import Tables, as_tables

__all__ = [
    "ACTORS",
    "DIRECTIONS",
    "METRICS",
    "Metric",
    "Tables",
    "as_tables",
    "compute_metrics",
    "format_value",
    "headline_metrics",
    "metric_definitions",
]
