"""The Balanced Coexistence Index: three actor scores and their weighted geometric mean.

Each scored metric is mapped to 0..1 against FIXED reference values kept in the versioned
data file ``coexist/data/reference_values.toml`` (``worst`` is 0, ``best`` is 1, linear in
between, clipped), never against other scenarios, so a run's index is a pure function of
the run's tables, its scenario's ``balance_weights`` and that file.

    score(m)  = clip((value - worst) / (best - worst), 0, 1)
    S_a       = max(floor, sum_m w_m score(m) / sum_m w_m)     over the actor's metrics
    index     = prod_a S_a ** W_a                              W = scenario.balance_weights

A metric that is undefined in a run (``nan``, e.g. no returnee reached 12 months at home)
is left out of its actor's mean and the other weights are renormalised; an actor with no
defined scored metric has score ``nan``, and so has the index when that actor's weight is
positive.

>>> ref = load_reference()
>>> balance_index({"host": 0.8, "migrants": 0.8, "origin": 0.2}, EQUAL_WEIGHTS) < 0.6
True
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from coexist.errors import DataError
from coexist.metrics.registry import ACTORS, METRICS

__all__ = [
    "EQUAL_WEIGHTS",
    "INDEX_KEYS",
    "Reference",
    "MetricReference",
    "load_reference",
    "normalise",
    "metric_scores",
    "actor_scores",
    "balance_index",
    "index_values",
    "index_definitions",
    "run_weights",
]

EQUAL_WEIGHTS: dict[str, float] = {a: 1.0 / 3.0 for a in ACTORS}
INDEX_KEYS: tuple[str, ...] = ("index.host", "index.migrants", "index.origin", "index.balance")
_FILE = "reference_values.toml"
_TOP_KEYS = {"version", "date", "floor", "note", "metrics"}
_METRIC_KEYS = {"worst", "best", "weight", "reason"}


@dataclass(frozen=True)
class MetricReference:
    """The 0 and 1 points of one scored metric, its weight within its actor, and why."""

    name: str
    worst: float
    best: float
    weight: float
    reason: str


@dataclass(frozen=True)
class Reference:
    """The reference file: version, date, floor and one :class:`MetricReference` per metric."""

    version: str
    date: str
    floor: float
    note: str
    metrics: dict[str, MetricReference]
    source: str = _FILE


def _fail(origin: str, where: str, message: str) -> DataError:
    return DataError(f"{origin}: {where} {message}")


def _number(origin: str, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(origin, where, f"must be a finite number. Got {value!r} instead.")
    return float(value)


def _parse(doc: Mapping[str, Any], origin: str) -> Reference:
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise _fail(origin, "top level", f"has unknown key(s) {unknown}; allowed: {sorted(_TOP_KEYS)}.")
    for key in ("version", "date", "floor", "metrics"):
        if key not in doc:
            raise _fail(origin, f"'{key}'", "is missing.")
    version, date = doc["version"], str(doc["date"])
    if not isinstance(version, str) or not version:
        raise _fail(origin, "'version'", f"must be a non-empty string. Got {version!r} instead.")
    floor = _number(origin, "'floor'", doc["floor"])
    if not 0.0 < floor < 1.0:
        raise _fail(origin, "'floor'", f"must be in (0, 1), e.g. 0.05. Got {floor!r} instead.")
    metrics: dict[str, MetricReference] = {}
    for name, entry in doc["metrics"].items():
        where = f"'metrics.\"{name}\"'"
        if name not in METRICS:
            raise _fail(origin, where, "is not a registered metric (see coexist.metrics.METRICS).")
        direction = METRICS[name].direction
        if direction == "info":
            raise _fail(origin, where, "has direction 'info' and must not be scored; remove it.")
        bad = sorted(set(entry) - _METRIC_KEYS)
        missing = sorted(_METRIC_KEYS - set(entry))
        if bad or missing:
            raise _fail(
                origin, where, f"must have exactly the keys {sorted(_METRIC_KEYS)}. Unknown {bad}, missing {missing}."
            )
        worst = _number(origin, where + ".worst", entry["worst"])
        best = _number(origin, where + ".best", entry["best"])
        weight = _number(origin, where + ".weight", entry["weight"])
        if (direction == "maximise" and not best > worst) or (direction == "minimise" and not best < worst):
            raise _fail(
                origin,
                where,
                f"is to {direction}, so 'best' must be {'above' if direction == 'maximise' else 'below'} "
                f"'worst'. Got worst={worst:g}, best={best:g}.",
            )
        if weight < 0:
            raise _fail(origin, where + ".weight", f"must be >= 0. Got {weight:g}.")
        reason = entry["reason"]
        if not isinstance(reason, str) or len(reason.split()) < 5:
            raise _fail(origin, where + ".reason", "must be a sentence saying why these values.")
        metrics[name] = MetricReference(name, worst, best, weight, " ".join(reason.split()))
    unscored = [n for n, m in METRICS.items() if m.direction != "info" and n not in metrics]
    if unscored:
        raise _fail(
            origin,
            "'metrics'",
            f"has no reference for {unscored}; give each a worst, best, weight (0 to leave it out) and reason.",
        )
    for actor in ACTORS:
        if not any(r.weight > 0 for r in metrics.values() if METRICS[r.name].actor == actor):
            raise _fail(origin, "'metrics'", f"gives no positive weight to any metric of actor {actor!r}.")
    return Reference(version, date, floor, str(doc.get("note", "")), metrics, origin)


def load_reference(path: str | Path | None = None) -> Reference:
    """Read and validate the reference values.

    Parameters
    ----------
    path : path, optional
        A TOML file with the layout of ``coexist/data/reference_values.toml`` (the shipped
        file when omitted).

    Raises
    ------
    DataError
        On an unknown key, a missing metric, a best on the wrong side of worst, a
        negative weight or a missing reason.
    """
    if path is None:
        text, origin = (resources.files("coexist.data") / _FILE).read_text(encoding="utf-8"), _FILE
    else:
        try:
            text, origin = Path(path).read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise DataError(f"cannot read reference values {path}: {exc.strerror or exc}.") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{origin}: not valid TOML ({exc}).") from None
    return _parse(doc, origin)


def normalise(value: float, worst: float, best: float) -> float:
    """Map ``value`` linearly to 0 at ``worst`` and 1 at ``best``, clipped to [0, 1].

    >>> normalise(0.75, 0.5, 1.0), normalise(3.0, 6.0, 0.0), normalise(9.0, 6.0, 0.0)
    (0.5, 0.5, 0.0)
    """
    if value is None or not math.isfinite(value):
        return math.nan
    return min(1.0, max(0.0, (float(value) - worst) / (best - worst)))


def metric_scores(metrics: Mapping[str, float], reference: Reference | None = None) -> dict[str, float]:
    """Each referenced metric's 0..1 score (``nan`` when the metric is undefined or absent)."""
    ref = reference or load_reference()
    return {name: normalise(metrics.get(name, math.nan), r.worst, r.best) for name, r in ref.metrics.items()}


def actor_scores(metrics: Mapping[str, float], reference: Reference | None = None) -> dict[str, float]:
    """Score of each actor: weighted mean of its metrics' scores, floored at ``reference.floor``.

    Parameters
    ----------
    metrics : mapping
        Metric name to value, as :func:`coexist.metrics.compute_metrics` returns.
    reference : Reference, optional
        The shipped reference values when omitted.

    Returns
    -------
    dict
        ``{"host": S_h, "migrants": S_m, "origin": S_o}``; ``nan`` for an actor none of
        whose positively weighted metrics is defined.
    """
    ref = reference or load_reference()
    scores = metric_scores(metrics, ref)
    out: dict[str, float] = {}
    for actor in ACTORS:
        num = den = 0.0
        for name, r in ref.metrics.items():
            if METRICS[name].actor == actor and r.weight > 0 and math.isfinite(scores[name]):
                num += r.weight * scores[name]
                den += r.weight
        out[actor] = max(ref.floor, num / den) if den > 0 else math.nan
    return out


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    if set(weights) != set(ACTORS):
        raise ValueError(f"balance weights must have exactly the keys {ACTORS}. Got {sorted(weights)} instead.")
    w = {a: float(weights[a]) for a in ACTORS}
    if any(not math.isfinite(v) or v < 0 for v in w.values()) or abs(sum(w.values()) - 1.0) > 1e-6:
        raise ValueError(f"balance weights must be >= 0 and sum to 1. Got {w} instead.")
    return w


def balance_index(scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """Weighted geometric mean of the actor scores: prod_a S_a ** W_a.

    An actor with weight 0 does not count; ``nan`` when a positively weighted score is.

    >>> round(balance_index({"host": 0.8, "migrants": 0.5, "origin": 0.2}), 6)
    0.430887
    """
    w = _check_weights(EQUAL_WEIGHTS if weights is None else weights)
    log_sum = 0.0
    for actor, wa in w.items():
        if wa == 0:
            continue
        s = float(scores[actor])
        if not math.isfinite(s):
            return math.nan
        if s <= 0:
            return 0.0
        log_sum += wa * math.log(s)
    return math.exp(log_sum)


def run_weights(result: Any = None, scenario: Any = None) -> dict[str, float]:
    """The balance weights of a run: the scenario's ``balance_weights``, else those written
    in a loaded run's ``scenario_toml``, else equal weights."""
    for source in (scenario, getattr(result, "scenario", None)):
        weights = getattr(source, "balance_weights", None)
        if weights is not None:
            return _check_weights(weights)
    text = getattr(result, "scenario_toml", None)
    if isinstance(text, str):
        try:
            weights = tomllib.loads(text).get("balance_weights")
        except tomllib.TOMLDecodeError:
            weights = None
        if weights is not None:
            return _check_weights(weights)
    return dict(EQUAL_WEIGHTS)


def index_values(
    metrics: Mapping[str, float], weights: Mapping[str, float] | None = None, reference: Reference | None = None
) -> dict[str, float]:
    """``index.host``, ``index.migrants``, ``index.origin`` and ``index.balance`` of one run."""
    scores = actor_scores(metrics, reference)
    out = {f"index.{a}": scores[a] for a in ACTORS}
    out["index.balance"] = balance_index(scores, weights)
    return out


def index_definitions() -> dict[str, dict[str, str]]:
    """Definitions of the index keys, in the layout of ``metric_definitions()``."""
    unit = "score (0..1)"
    defs = {
        f"index.{a}": {
            "actor": a,
            "unit": unit,
            "direction": "maximise",
            "label": f"{a.capitalize()} score",
            "description": f"Weighted mean of the 0..1 scores of the {a} metrics against the fixed reference values "
            "in coexist/data/reference_values.toml, floored at the file's floor.",
        }
        for a in ACTORS
    }
    defs["index.balance"] = {
        "actor": "all",
        "unit": unit,
        "direction": "maximise",
        "label": "Balanced Coexistence Index",
        "description": "Weighted geometric mean of index.host, index.migrants and index.origin with the scenario's "
        "balance_weights: prod S_a ** W_a. Always shown beside the three scores.",
    }
    return defs
