"""Metrics for the three actors (host society, migrants, origin countries), declared once;
the Balanced Coexistence Index; and the claims the comparison tests.

>>> from coexist.metrics import METRICS
>>> METRICS["host.fill_rate"].direction
'maximise'
"""

from __future__ import annotations

from coexist.metrics.claims import (
    CLAIMS,
    Claim,
    ClaimPart,
    ClaimResult,
    PartResult,
    evaluate_claims,
    interval90,
    paired_differences,
    verdict,
)
from coexist.metrics.compute import compute_metrics, metric_definitions
from coexist.metrics.index import (
    EQUAL_WEIGHTS,
    INDEX_KEYS,
    MetricReference,
    Reference,
    actor_scores,
    balance_index,
    index_definitions,
    index_values,
    load_reference,
    metric_scores,
    normalise,
)
from coexist.metrics.origins import ORIGIN_METRICS, metrics_by_origin, origin_definitions, origin_key
from coexist.metrics.registry import (
    ACTORS,
    DIRECTIONS,
    METRICS,
    Metric,
    format_value,
    headline_metrics,
)
from coexist.metrics.tables import Tables, as_tables

__all__ = [
    "ACTORS",
    "CLAIMS",
    "Claim",
    "ClaimPart",
    "ClaimResult",
    "DIRECTIONS",
    "EQUAL_WEIGHTS",
    "INDEX_KEYS",
    "METRICS",
    "ORIGIN_METRICS",
    "Metric",
    "MetricReference",
    "PartResult",
    "Reference",
    "Tables",
    "actor_scores",
    "as_tables",
    "balance_index",
    "compute_metrics",
    "evaluate_claims",
    "format_value",
    "headline_metrics",
    "index_definitions",
    "index_values",
    "interval90",
    "load_reference",
    "metric_definitions",
    "metric_scores",
    "metrics_by_origin",
    "normalise",
    "origin_definitions",
    "origin_key",
    "paired_differences",
    "verdict",
]
