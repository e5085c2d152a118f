"""Results as pandas DataFrames, for notebooks: pandas is an optional extra
(``pip install 'coexist[pandas]'``), so it is imported only when a frame is asked for.

The containers below are the plain values the api has always returned (a dict, a list)
that also answer a call with their DataFrame: ``summary.metrics["host.fill_rate"]`` is a
number, ``summary.metrics()`` the table of every metric with its unit and actor.

>>> values = MetricValues({"host.fill_rate": 0.9})
>>> values["host.fill_rate"]
0.9
>>> values()[["metric", "value", "unit", "actor"]].to_dict("records")
[{'metric': 'host.fill_rate', 'value': 0.9, 'unit': 'share of demand', 'actor': 'host'}]
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from coexist.errors import CoexistError
from coexist.experiments.ensemble import sample_rows, series_rows
from coexist.metrics import interval90, metric_definitions

__all__ = [
    "PandasMissing",
    "require_pandas",
    "table_frame",
    "MetricValues",
    "ReplicateSamples",
    "ReplicateSeries",
    "ClaimVerdicts",
    "interval_frame",
]

Importer = Callable[[str], ModuleType]

METRIC_COLUMNS = ("metric", "value", "unit", "actor", "label", "direction")
SAMPLE_COLUMNS = ("scenario", "replicate", "seed", "metric", "value")
SERIES_COLUMNS = ("scenario", "replicate", "seed", "year", "series", "value")
INTERVAL_COLUMNS = ("scenario", "metric", "median", "lo", "hi", "n", "unit", "actor", "label")
CLAIM_COLUMNS = (
    "claim", "scenario", "baseline", "verdict", "metric", "direction", "n", "median", "lo", "hi", "part_verdict",
    "statement",
)


class PandasMissing(CoexistError, ImportError):
    """A DataFrame was asked for and pandas is not installed."""


def require_pandas(what: str, import_module: Importer = importlib.import_module) -> ModuleType:
    """The pandas module, or :class:`PandasMissing` saying that ``what`` needs it.

    >>> def without_pandas(name):
    ...     raise ImportError(name)
    >>> try:
    ...     require_pandas(".stocks()", without_pandas)
    ... except PandasMissing as error:
    ...     print(error)
    pandas is needed for .stocks(); install it with pip install 'coexist[pandas]'
    """
    try:
        return import_module("pandas")
    except ImportError:
        raise PandasMissing(f"pandas is needed for {what}; install it with pip install 'coexist[pandas]'") from None


def _frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], what: str) -> Any:
    pd = require_pandas(what)
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


def table_frame(table: Any, what: str) -> Any:
    """A pyarrow table as a DataFrame (``what`` names the call, for the error when pandas is missing);
    a ``month`` (Arrow ``date32``) becomes a pandas datetime column, so ``.dt`` and resampling work."""
    require_pandas(what)
    return table.to_pandas(date_as_object=False)


def _definition(metric: str) -> dict[str, str]:
    return metric_definitions().get(metric, {"unit": "", "actor": "", "label": metric, "direction": ""})


class MetricValues(dict):
    """``{metric: value}`` of one run; called, a DataFrame with one row per metric and its
    unit, actor, label and direction (from :data:`coexist.metrics.METRICS`)."""

    def __call__(self) -> Any:
        rows = [{"metric": name, "value": float(value), **_definition(name)} for name, value in self.items()]
        return _frame(rows, METRIC_COLUMNS, ".metrics()")


class ReplicateSamples(dict):
    """``{scenario: {metric: [value of replicate 0, 1, ...]}}``; called, the long DataFrame
    with one row per scenario, replicate and metric (scenario, replicate, seed, metric,
    value), as ``replicates.parquet`` holds it.

    >>> samples = ReplicateSamples({"a": {"host.fill_rate": [0.8, 0.9]}}, seeds=[11, 12])
    >>> samples()[["replicate", "seed", "value"]].to_dict("records")
    [{'replicate': 0, 'seed': 11, 'value': 0.8}, {'replicate': 1, 'seed': 12, 'value': 0.9}]
    """

    def __init__(self, samples: Mapping[str, Mapping[str, Sequence[float]]] = (), seeds: Sequence[int] = ()):
        super().__init__(samples)
        self.seeds = list(seeds)

    def __call__(self) -> Any:
        return _frame(sample_rows(self, self.seeds), SAMPLE_COLUMNS, ".samples()")


class ReplicateSeries(dict):
    """``{scenario: [annual series of replicate 0, 1, ...]}``, each as
    :func:`coexist.experiments.series.annual_series` gives it; called, the long DataFrame
    (scenario, replicate, seed, year, series, value), from which bands over time follow.

    >>> series = ReplicateSeries({"a": [{"years": [2025, 2026], "host_stock": [10.0, 12.0]}]}, seeds=[7])
    >>> series()[["year", "series", "value"]].to_dict("records")
    [{'year': 2025, 'series': 'host_stock', 'value': 10.0}, {'year': 2026, 'series': 'host_stock', 'value': 12.0}]
    """

    def __init__(self, series: Mapping[str, Sequence[Mapping[str, Any]]] = (), seeds: Sequence[int] = ()):
        super().__init__(series)
        self.seeds = list(seeds)

    def __call__(self) -> Any:
        return _frame(series_rows(self, self.seeds), SERIES_COLUMNS, ".series()")


class ClaimVerdicts(list):
    """The claims' verdicts, as written to ``claims.json``; called, a DataFrame with one row
    per part of a claim: its metric, the median paired difference (scenario minus baseline),
    the 90% interval and the verdicts of the part and of the claim."""

    def __call__(self) -> Any:
        rows = []
        for claim in self:
            for part in claim["parts"]:
                rows.append({
                    "claim": claim["claim"], "scenario": claim["scenario"], "baseline": claim["baseline"],
                    "verdict": claim["verdict"], "metric": part["metric"], "direction": part["direction"],
                    "n": part["n"], "median": part["median"], "lo": part["lo"], "hi": part["hi"],
                    "part_verdict": part["verdict"], "statement": claim["statement"],
                })
        return _frame(rows, CLAIM_COLUMNS, ".claims()")


def interval_frame(samples: Mapping[str, Mapping[str, Sequence[float]]]) -> Any:
    """Median and 90% interval (5th to 95th percentile) over replicates of every metric of
    every scenario, as the report shows them (:func:`coexist.metrics.interval90`); ``n``
    counts the finite values.

    >>> interval_frame({"a": {"host.fill_rate": [0.0, 1.0]}})[["median", "lo", "hi", "n"]].to_dict("records")
    [{'median': 0.5, 'lo': 0.05, 'hi': 0.95, 'n': 2}]
    """
    rows = []
    for scenario, metrics in samples.items():
        for metric, values in metrics.items():
            lo, median, hi = interval90(values)
            definition = _definition(metric)
            rows.append({
                "scenario": scenario, "metric": metric, "median": median, "lo": lo, "hi": hi,
                "n": int(np.isfinite(np.asarray(values, dtype=np.float64)).sum()),
                "unit": definition["unit"], "actor": definition["actor"], "label": definition["label"],
            })
    return _frame(rows, INTERVAL_COLUMNS, ".metrics()")
