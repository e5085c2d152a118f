"""A run's metrics: the registry's values, then the actor scores and the index.

This module owns what needs both the registry (:mod:`coexist.metrics.registry`) and the
index (:mod:`coexist.metrics.index`), so neither imports the other's caller.
"""

from __future__ import annotations

from typing import Any

from coexist.metrics.index import index_definitions, index_values, run_weights
from coexist.metrics.origins import metrics_by_origin, origin_definitions
from coexist.metrics.registry import METRICS
from coexist.metrics.tables import as_tables

__all__ = ["compute_metrics", "metric_definitions"]


def compute_metrics(result: Any, scenario: Any = None, *, reference: Any = None) -> dict[str, float]:
    """Compute every registered metric for one run, then its three actor scores and the
    Balanced Coexistence Index.

    Parameters
    ----------
    result : SimulationResult, loaded run or Tables
    scenario : Scenario, optional
        Gives the ``balance_weights`` of the index. When omitted, the weights written in a
        loaded run's ``scenario_toml`` are used, else equal weights.
    reference : Reference, optional
        Reference values (:func:`coexist.metrics.load_reference`); the shipped file when
        omitted.

    Returns
    -------
    dict
        Metric name to value (float, nan when undefined); always the same keys: the
        registry in order, then ``index.host``, ``index.migrants``, ``index.origin`` and
        ``index.balance``, then the migrants' and origin metrics per origin
        (:func:`coexist.metrics.origins.metrics_by_origin`). A pure function of the run,
        its weights and the reference file.
    """
    tables = as_tables(result)
    values = {name: float(m.compute(tables)) for name, m in METRICS.items()}
    values.update(index_values(values, run_weights(result, scenario), reference))
    values.update(metrics_by_origin(tables))
    return values


def metric_definitions() -> dict[str, dict[str, str]]:
    """Actor, unit, direction, label and description of every metric, index and per-origin key."""
    return {**{name: m.definition() for name, m in METRICS.items()}, **index_definitions(), **origin_definitions()}
