"""Iterative proportional fitting (raking) and integer rounding that keeps totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coexist.errors import DataError

__all__ = ["Margin", "rake", "integerise", "integerise_2d"]


@dataclass(frozen=True)
class Margin:
    """One target that a raked array must reproduce.

    The sum of ``array * select`` over every axis not in ``keep`` must equal
    ``target``. ``target`` has the shape of the kept axes (in increasing axis
    order); a NaN entry leaves that entry free (a partial margin).

    Parameters
    ----------
    keep : tuple of int
        Axes kept (not summed). ``()`` makes the target a scalar.
    target : array_like
        Target sums, shape ``tuple(shape[a] for a in sorted(keep))``.
    select : array_like of bool, or tuple of per-axis index selections, optional
        The cells the margin covers. A boolean array broadcastable to the
        seed's shape, or a tuple with one entry per axis (an int, a list of
        ints, a slice or ``None`` for all). ``None`` covers every cell.
    name : str, optional
        Used in error messages.

    Examples
    --------
    Only the SSW statuses (rows 1 and 2) of a status x sector table:

    >>> Margin(keep=(1,), target=[5.0, np.nan, 3.0], select=([1, 2], None), name="ssw by sector").name
    'ssw by sector'
    """

    keep: tuple[int, ...]
    target: Any
    select: Any = None
    name: str = ""


def _as_margin(item: Margin | Sequence[Any]) -> Margin:
    if isinstance(item, Margin):
        return item
    if len(item) == 2:
        axes, target = item
        return Margin(keep=_axes(axes), target=target)
    if len(item) == 3:
        select, axes, target = item
        return Margin(keep=_axes(axes), target=target, select=select)
    raise ValueError(
        "a margin must be a Margin, (axes, target) or (select, axes, target). "
        f"Got a sequence of length {len(item)} instead."
    )


def _axes(axes: int | Sequence[int]) -> tuple[int, ...]:
    return (int(axes),) if np.isscalar(axes) else tuple(int(a) for a in axes)


def _mask(select: Any, shape: tuple[int, ...]) -> np.ndarray:
    if select is None:
        return np.ones(shape, dtype=bool)
    if isinstance(select, tuple):
        if len(select) != len(shape):
            raise ValueError(f"an index selection must have one entry per axis ({len(shape)}). Got {len(select)}.")
        mask = np.ones(shape, dtype=bool)
        for axis, sel in enumerate(select):
            keep = np.zeros(shape[axis], dtype=bool)
            keep[slice(None) if sel is None else sel] = True
            view = [1] * len(shape)
            view[axis] = shape[axis]
            mask &= keep.reshape(view)
        return mask
    mask = np.asarray(select, dtype=bool)
    return np.broadcast_to(mask, shape).copy()


def _prepare(margin: Margin, shape: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...], np.ndarray]:
    keep = tuple(margin.keep)
    if any(a < 0 or a >= len(shape) for a in keep) or len(set(keep)) != len(keep):
        raise ValueError(f"margin {margin.name!r}: keep axes must be distinct in 0..{len(shape) - 1}. Got {keep}.")
    order = np.argsort(keep)
    target = np.asarray(margin.target, dtype=float)
    if keep and target.ndim == len(keep):
        target = np.transpose(target, order)
    keep = tuple(sorted(keep))
    expected = tuple(shape[a] for a in keep)
    if target.shape != expected:
        raise ValueError(f"margin {margin.name!r}: target must have shape {expected}. Got {target.shape} instead.")
    if np.any(target[np.isfinite(target)] < 0):
        raise ValueError(f"margin {margin.name!r}: targets must be non-negative.")
    summed = tuple(a for a in range(len(shape)) if a not in keep)
    return _mask(margin.select, shape), keep, summed, target


def rake(
    seed: np.ndarray,
    margins: Sequence[Margin | Sequence[Any]],
    tol: float = 1e-10,
    max_iter: int = 2000,
) -> np.ndarray:
    """Fit an n-d array to marginal totals by iterative proportional fitting.

    Each margin rescales the cells it covers so that their sums over the
    summed axes match its target; cells a margin does not cover (outside its
    ``select``, or under a NaN target) are left alone by that margin. Zeros in
    the seed stay zero (structural zeros).

    Parameters
    ----------
    seed : numpy.ndarray
        Non-negative prior structure, any number of dimensions.
    margins : sequence
        Each a :class:`Margin`, a tuple ``(axes, target)`` (a full margin), or
        ``(select, axes, target)`` (a partial margin on a sub-block).
    tol : float
        Stop when every target is matched within this relative error.
    max_iter : int
        Maximum number of sweeps over all margins.

    Returns
    -------
    numpy.ndarray
        The fitted float array, same shape as ``seed``.

    Raises
    ------
    DataError
        If a positive target covers only zero cells, or the margins are
        inconsistent and the fit does not converge.

    Examples
    --------
    >>> fitted = rake(np.ones((2, 2)), [((0,), [3.0, 1.0]), ((1,), [2.0, 2.0])])
    >>> fitted.round(6).tolist()
    [[1.5, 1.5], [0.5, 0.5]]
    """
    x = np.array(seed, dtype=float)
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        raise ValueError("seed must be finite and non-negative.")
    prepared = [(_as_margin(m), *_prepare(_as_margin(m), x.shape)) for m in margins]
    worst = (np.inf, "")
    for _ in range(max_iter):
        for margin, mask, keep, summed, target in prepared:
            current = np.asarray((x * mask).sum(axis=summed) if summed else x * mask)
            free = ~np.isfinite(target)
            if np.any((current <= 0) & (target > 0) & ~free):
                raise DataError(
                    f"margin {margin.name or keep!r} asks for a positive total where the seed has only zeros; "
                    "give the seed a non-zero cell there."
                )
            factor = np.ones_like(current)
            ok = (current > 0) & ~free
            factor[ok] = target[ok] / current[ok]
            factor = np.expand_dims(factor, summed) if summed else factor
            x = np.where(mask, x * factor, x)
        worst = (0.0, "")
        for margin, mask, keep, summed, target in prepared:
            current = np.asarray((x * mask).sum(axis=summed) if summed else x * mask)
            fixed = np.isfinite(target)
            err = np.abs(current[fixed] - target[fixed]) / np.maximum(target[fixed], 1.0)
            if err.size and err.max() > worst[0]:
                worst = (float(err.max()), margin.name or str(keep))
        if worst[0] <= tol:
            return x
    raise DataError(
        f"raking did not converge in {max_iter} sweeps: margin {worst[1]!r} is off by a relative {worst[0]:.2e}. "
        "The margins are probably inconsistent (their totals differ)."
    )


def integerise(array: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Round a non-negative float array to integers with the same (rounded) total.

    Parameters
    ----------
    array : numpy.ndarray
        Non-negative values, any shape.
    rng : numpy.random.Generator, optional
        ``None`` (default): deterministic largest remainders (floor every cell,
        then add one to the cells with the largest fractional parts, ties
        broken by position). A generator: unbiased stochastic rounding by
        systematic sampling (each cell rounds up with probability equal to
        its fractional part), still with an exact total.

    Returns
    -------
    numpy.ndarray
        int64 array of the same shape, summing to ``round(array.sum())``.

    Examples
    --------
    >>> integerise(np.array([0.4, 0.4, 1.2])).tolist()
    [1, 0, 1]
    """
    values = np.asarray(array, dtype=float)
    if np.any(~np.isfinite(values)) or np.any(values < 0):
        raise ValueError("integerise needs finite, non-negative values.")
    flat = values.ravel()
    floors = np.floor(flat)
    frac = flat - floors
    total = int(round(float(flat.sum())))
    missing = total - int(floors.sum())
    out = floors.astype(np.int64)
    if missing > 0:
        if rng is None:
            order = np.argsort(-frac, kind="stable")
            out[order[:missing]] += 1
        else:
            weights = frac * (missing / frac.sum())
            edges = np.concatenate(([0.0], np.cumsum(weights)))
            points = rng.random() + np.arange(missing)
            hits = np.searchsorted(edges, points, side="right") - 1
            np.add.at(out, np.clip(hits, 0, flat.size - 1), 1)
    return out.reshape(values.shape)


def integerise_2d(matrix: np.ndarray) -> np.ndarray:
    """Round a 2-d array so that every row sum and column sum is kept (controlled rounding).

    Row and column targets are the rounded sums of ``matrix`` (which must be
    whole numbers up to rounding, as after raking to integer margins). Each
    cell moves to its floor or its ceiling; which cells go up is decided by a
    maximum flow that prefers the largest fractional parts. Deterministic.

    Parameters
    ----------
    matrix : numpy.ndarray
        Non-negative 2-d array.

    Returns
    -------
    numpy.ndarray
        int64 array with the same row and column sums (rounded).

    Examples
    --------
    >>> integerise_2d(np.array([[0.5, 0.5], [0.5, 0.5]])).sum(axis=0).tolist()
    [1, 1]
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or np.any(m < 0):
        raise ValueError("integerise_2d needs a non-negative 2-d array.")
    rows, cols = m.shape
    floors = np.floor(m + 1e-9)
    frac = np.clip(m - floors, 0.0, None)
    need_r = np.rint(m.sum(axis=1)).astype(np.int64) - floors.sum(axis=1).astype(np.int64)
    need_c = np.rint(m.sum(axis=0)).astype(np.int64) - floors.sum(axis=0).astype(np.int64)
    if need_r.sum() != need_c.sum() or np.any(need_r < 0) or np.any(need_c < 0):
        raise DataError("integerise_2d: row and column totals do not agree after rounding.")
    up = np.zeros((rows, cols), dtype=bool)
    for strict in (True, False):
        up = _assign(frac, need_r, need_c, allow_zero=not strict)
        if up.sum() == need_r.sum():
            break
    else:
        raise DataError("integerise_2d: no controlled rounding found.")
    return (floors + up).astype(np.int64)


def _assign(frac: np.ndarray, need_r: np.ndarray, need_c: np.ndarray, allow_zero: bool) -> np.ndarray:
    """Bipartite assignment of +1s: row i gets need_r[i], column j need_c[j], at most one per cell."""
    rows, cols = frac.shape
    allowed = (frac > 1e-9) | allow_zero
    up = np.zeros((rows, cols), dtype=bool)
    left_r, left_c = need_r.copy(), need_c.copy()
    for flat in np.argsort(-frac, axis=None, kind="stable"):  # greedy start, largest fractions first
        i, j = divmod(int(flat), cols)
        if allowed[i, j] and left_r[i] > 0 and left_c[j] > 0:
            up[i, j], left_r[i], left_c[j] = True, left_r[i] - 1, left_c[j] - 1
    # augmenting paths: row with spare need -> free cell -> column -> assigned cell back to a row ...
    while left_r.sum() > 0:
        start = int(np.flatnonzero(left_r > 0)[0])
        parent: dict[tuple[str, int], tuple[str, int] | None] = {("r", start): None}
        queue = [("r", start)]
        end = None
        while queue and end is None:
            kind, k = queue.pop(0)
            if kind == "r":
                for j in range(cols):
                    if allowed[k, j] and not up[k, j] and ("c", j) not in parent:
                        parent[("c", j)] = (kind, k)
                        if left_c[j] > 0:
                            end = ("c", j)
                            break
                        queue.append(("c", j))
            else:
                for i in range(rows):
                    if up[i, k] and ("r", i) not in parent:
                        parent[("r", i)] = (kind, k)
                        queue.append(("r", i))
        if end is None:
            return up
        node: tuple[str, int] | None = end
        while node is not None and parent[node] is not None:
            prev = parent[node]
            assert prev is not None
            if node[0] == "c":  # edge row prev -> column node: switch on
                up[prev[1], node[1]] = True
            else:  # edge column prev -> row node: switch off
                up[node[1], prev[1]] = False
            node = prev
        left_r[start] -= 1
        left_c[end[1]] -= 1
    return up
