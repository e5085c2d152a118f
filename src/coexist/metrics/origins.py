"""The migrants' and origin countries' metrics for each country of origin.

A registered metric that sums measures or flows (both carry an ``origin`` column) is
computed again on the tables of one origin (:meth:`coexist.metrics.Tables.for_origin`),
so the definition stays the registry's. Keys read ``<metric>.<ORIGIN>``, e.g.
``origin.remittances_per_year.VNM``; they are information beside the registry, not
scored in the index.

>>> origin_key("origin.remittances_per_year", "VNM")
'origin.remittances_per_year.VNM'
"""

from __future__ import annotations

from typing import Any

from coexist.codes import ORIGIN_NAMES, ORIGINS
from coexist.metrics.registry import METRICS
from coexist.metrics.tables import as_tables

__all__ = ["ORIGIN_METRICS", "origin_key", "metrics_by_origin", "origin_definitions"]

#: The metrics of the migrants and of the origin countries that have a value per origin
#: (their measures and flows are recorded per origin; the fill rate, mobility and the
#: host's metrics are not).
ORIGIN_METRICS: tuple[str, ...] = (
    "migrants.net_income_gain",
    "migrants.debt_burden",
    "origin.returnee_employment_12m",
    "origin.remittances_per_year",
    "origin.skill_years_home_per_year",
    "origin.long_term_loss_per_year",
)


def origin_key(metric: str, origin: str) -> str:
    """The key of ``metric`` for one origin."""
    return f"{metric}.{origin}"


def metrics_by_origin(result: Any) -> dict[str, float]:
    """Every metric of :data:`ORIGIN_METRICS` for every origin, keyed by :func:`origin_key`
    (origin by origin, in the order of :data:`coexist.codes.ORIGINS`); nan where an origin
    has nothing to count (e.g. no returnee reached 12 months at home)."""
    tables = as_tables(result)
    values: dict[str, float] = {}
    for origin in ORIGINS:
        mine = tables.for_origin(origin)
        for name in ORIGIN_METRICS:
            values[origin_key(name, origin)] = float(METRICS[name].compute(mine))
    return values


def origin_definitions() -> dict[str, dict[str, str]]:
    """Definitions of the per-origin keys, in the layout of ``metric_definitions()``."""
    definitions = {}
    for origin in ORIGINS:
        for name in ORIGIN_METRICS:
            base = METRICS[name].definition()
            definitions[origin_key(name, origin)] = {
                **base,
                "direction": "info",
                "label": f"{base['label']}, {ORIGIN_NAMES.get(origin, origin)}",
                "description": f"{base['description']} Counted for persons from {origin} only.",
            }
    return definitions
