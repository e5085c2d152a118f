"""What a comparison concludes from its replicate samples: intervals, claims with the
parameters they rest on, and how the index and the balance claim move with the index's
reference values.

Everything here is a pure function of the samples (``samples[scenario][metric]`` = list
over replicates), the replicate plan and the reference file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from coexist.metrics import CLAIMS, INDEX_KEYS, ClaimResult, evaluate_claims, index_values, interval90, load_reference
from coexist.metrics.index import Reference

__all__ = [
    "summary_interval",
    "claims_report",
    "parameter_correlations",
    "shifted_reference",
    "reference_sensitivity",
    "REFERENCE_SHIFT",
]

REFERENCE_SHIFT = 0.2  # share of each metric's worst-to-best span
RANDOM_SHIFTS = 200


def summary_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """(5th percentile, median, 95th percentile) of the defined values (nan when none)."""
    return interval90(values)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.arange(len(x), dtype=np.float64)
    # average ties
    for value in np.unique(x):
        idx = np.where(x == value)[0]
        if idx.size > 1:
            ranks[idx] = ranks[idx].mean()
    return ranks


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    ra, rb = _ranks(a), _ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def parameter_correlations(
    result: ClaimResult, samples: Mapping[str, Mapping[str, Sequence[float]]], draws: Sequence[Mapping[str, float]]
) -> dict[str, float]:
    """Spearman rank correlation, over replicates, between each parameter the claim names
    and the paired difference of the claim's first part (nan with fewer than 3 replicates).

    A large absolute value says the verdict moves with that parameter in this ensemble.
    """
    claim = result.claim
    metric = claim.parts[0].metric
    a = np.asarray(samples[claim.scenario][metric], dtype=np.float64)
    b = np.asarray(samples[claim.baseline][metric], dtype=np.float64)
    diff = a - b
    out = {}
    for name in claim.parameters:
        x = np.asarray([d.get(name, math.nan) for d in draws], dtype=np.float64)
        out[name] = _spearman(x, diff)
    return out


def claims_report(
    samples: Mapping[str, Mapping[str, Sequence[float]]], draws: Sequence[Mapping[str, float]]
) -> list[dict[str, Any]]:
    """Every claim whose scenarios were compared: the verdict by the declared rule
    (:func:`coexist.metrics.evaluate_claims`), each part's median paired difference and
    90% interval, the parameters it rests on with their "prior only" flags and their rank
    correlation with the paired difference in this ensemble."""
    out = []
    for res in evaluate_claims(samples):
        d = res.as_dict()
        d["note"] = res.claim.note
        d["parameter_correlation"] = parameter_correlations(res, samples, draws)
        out.append(d)
    return out


def shifted_reference(reference: Reference, *, worst: float = 0.0, best: float = 0.0,
                      per_metric: Mapping[str, tuple[float, float]] | None = None) -> Reference:
    """The reference with each metric's worst and best points moved by a share of its span.

    ``worst=+0.2`` moves every worst point 20% of the worst-to-best span towards the best
    (a stricter zero); ``best=+0.2`` moves every best point 20% of the span further away
    (a harder one). ``per_metric`` gives (worst, best) shifts by metric instead.
    """
    metrics = {}
    for name, r in reference.metrics.items():
        w_shift, b_shift = per_metric.get(name, (0.0, 0.0)) if per_metric is not None else (worst, best)
        span = r.best - r.worst
        metrics[name] = replace(r, worst=r.worst + w_shift * span, best=r.best + b_shift * span)
    return replace(reference, metrics=metrics)


def _with_index(samples: Mapping[str, Mapping[str, Sequence[float]]], weights: Mapping[str, Mapping[str, float]],
                reference: Reference) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for name, metrics in samples.items():
        n = len(next(iter(metrics.values())))
        keys = [k for k in metrics if k not in INDEX_KEYS]
        cols: dict[str, list[float]] = {k: [] for k in INDEX_KEYS}
        for r in range(n):
            values = index_values({k: metrics[k][r] for k in keys}, weights.get(name), reference)
            for k in INDEX_KEYS:
                cols[k].append(values[k])
        out[name] = {**{k: list(v) for k, v in metrics.items()}, **cols}
    return out


def _balance(samples: Mapping[str, Mapping[str, Sequence[float]]]) -> ClaimResult | None:
    res = evaluate_claims(samples, {"balance": CLAIMS["balance"]})
    return res[0] if res else None


def reference_sensitivity(
    samples: Mapping[str, Mapping[str, Sequence[float]]],
    weights: Mapping[str, Mapping[str, float]],
    *,
    reference: Reference | None = None,
    shift: float = REFERENCE_SHIFT,
    random_shifts: int = RANDOM_SHIFTS,
    seed: int = 0,
) -> dict[str, Any]:
    """Recompute the index (and the balance claim) with the reference points moved.

    Variants: the shipped reference; every worst point moved by +/- ``shift`` of its span;
    every best point moved by +/- ``shift``; and ``random_shifts`` draws in which each
    metric's worst and best move independently, uniformly within +/- ``shift``.

    Returns
    -------
    dict
        ``variants``: list of {label, description, index: {scenario: {key: [lo, median, hi]}},
        balance: {median, lo, hi, verdict} or None}; ``random``: {draws, same_verdict_share,
        verdicts: {verdict: count}} or None (no balance claim); ``shift``.
    """
    ref = reference or load_reference()
    variants = [
        ("shipped", "the reference values as shipped", ref),
        (
            f"worst +{shift:.0%}",
            f"every worst point moved {shift:.0%} of its span towards the best (a stricter zero)",
            shifted_reference(ref, worst=shift),
        ),
        (
            f"worst -{shift:.0%}",
            f"every worst point moved {shift:.0%} of its span away from the best (a more lenient zero)",
            shifted_reference(ref, worst=-shift),
        ),
        (
            f"best +{shift:.0%}",
            f"every best point moved {shift:.0%} of its span further out (a harder 1)",
            shifted_reference(ref, best=shift),
        ),
        (
            f"best -{shift:.0%}",
            f"every best point moved {shift:.0%} of its span closer in (an easier 1)",
            shifted_reference(ref, best=-shift),
        ),
    ]
    rows = []
    base_verdict = None
    for label, description, reference_v in variants:
        s = _with_index(samples, weights, reference_v)
        bal = _balance(s)
        row = {
            "label": label,
            "description": description,
            "index": {name: {k: list(interval90(s[name][k])) for k in INDEX_KEYS} for name in s},
            "balance": None,
        }
        if bal is not None:
            p = bal.parts[0]
            row["balance"] = {"median": p.median, "lo": p.lo, "hi": p.hi, "verdict": bal.verdict}
            if label == "shipped":
                base_verdict = bal.verdict
        rows.append(row)

    random = None
    if base_verdict is not None and random_shifts > 0:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xC0FFEE]))
        counts: dict[str, int] = {}
        names = list(ref.metrics)
        for _ in range(int(random_shifts)):
            u = rng.uniform(-shift, shift, size=(len(names), 2))
            per = {n: (float(u[i, 0]), float(u[i, 1])) for i, n in enumerate(names)}
            bal = _balance(_with_index(samples, weights, shifted_reference(ref, per_metric=per)))
            v = bal.verdict if bal is not None else "not shown"
            counts[v] = counts.get(v, 0) + 1
        random = {
            "draws": int(random_shifts),
            "same_verdict_share": counts.get(base_verdict, 0) / int(random_shifts),
            "verdicts": counts,
            "shipped_verdict": base_verdict,
        }
    return {"shift": shift, "variants": rows, "random": random}
