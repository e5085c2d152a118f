"""Two-sample tests and the Holm correction in NumPy only (the test suite uses these)."""

from __future__ import annotations

import math

import numpy as np

YEARLY_STOCKS = ("worker", "returned")
YEARLY_FLOWS = ("entry", "reentry", "return", "job_found_home")
TOTAL_FLOWS = ("abscond", "death")


def summarise(monthly: dict[str, np.ndarray]) -> dict[str, float]:
    """The docked statistics of one replicate: December stocks and yearly flows per year,
    and horizon totals of the rare flows."""
    out = {}
    months = len(next(iter(monthly.values())))
    years = months // 12
    for name in YEARLY_STOCKS:
        for y in range(years):
            out[f"{name}_stock_y{y + 1}"] = float(monthly[name][12 * y + 11])
    for name in YEARLY_FLOWS:
        for y in range(years):
            out[f"{name}_y{y + 1}"] = float(monthly[name][12 * y: 12 * y + 12].sum())
    for name in TOTAL_FLOWS:
        out[f"{name}_total"] = float(monthly[name][: 12 * years].sum())
    return out


def _ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid-ranks (1-based) and the sizes of the tie groups."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    _, start, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    mid = start + (counts + 1) / 2.0
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(mid, counts)
    return ranks, counts


def mann_whitney(x, y) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, tie-corrected,
    continuity correction)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = x.size, y.size
    ranks, ties = _ranks(np.concatenate([x, y]))
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    mean = n1 * n2 / 2.0
    n = n1 + n2
    var = n1 * n2 / 12.0 * ((n + 1) - (ties ** 3 - ties).sum() / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u - mean) - 0.5) / math.sqrt(var)
    return float(min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0))))


def ks_2samp(x, y) -> float:
    """Two-sided p-value of the two-sample Kolmogorov-Smirnov test (asymptotic distribution
    with Stephens' small-sample correction)."""
    x, y = np.sort(np.asarray(x, float)), np.sort(np.asarray(y, float))
    grid = np.concatenate([x, y])
    d = np.max(
        np.abs(np.searchsorted(x, grid, side="right") / x.size - np.searchsorted(y, grid, side="right") / y.size)
    )
    if d == 0:
        return 1.0
    en = math.sqrt(x.size * y.size / (x.size + y.size))
    lam = (en + 0.12 + 0.11 / en) * d
    k = np.arange(1, 101)
    p = 2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * (k * lam) ** 2))
    return float(min(max(p, 0.0), 1.0))


def holm(pvalues) -> np.ndarray:
    """Holm-adjusted p-values (family-wise error)."""
    p = np.asarray(pvalues, float)
    m = p.size
    order = np.argsort(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def compare(a: list[dict[str, float]], b: list[dict[str, float]], test=mann_whitney) -> list[dict]:
    """Test every statistic, A against B, with Holm-adjusted p-values."""
    names = list(a[0])
    rows = []
    for name in names:
        xa = np.array([r[name] for r in a])
        xb = np.array([r[name] for r in b])
        rows.append(
            {
                "statistic": name,
                "mean_a": float(xa.mean()),
                "mean_b": float(xb.mean()),
                "sd_a": float(xa.std(ddof=1)),
                "sd_b": float(xb.std(ddof=1)),
                "p": test(xa, xb),
            }
        )
    for row, adj in zip(rows, holm([r["p"] for r in rows]), strict=True):
        row["p_holm"] = float(adj)
    return rows
