"""Evaluate dated rule values over a range of months (pure, vectorised)."""

from __future__ import annotations

import numpy as np

from coexist.periods import parse_month

__all__ = ["evaluate", "value_at"]


def evaluate(value, months: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Value of a possibly dated rule in each month.

    A scalar holds in every month. A table ``{"YYYY-MM": v}`` takes, in each month, the
    value of the latest date not after it; before its first date the first value holds.

    >>> import numpy as np
    >>> from coexist.periods import parse_month
    >>> months = np.array([parse_month("2027-03"), parse_month("2027-04")])
    >>> evaluate({"2019-04": 60, "2027-04": 36}, months, np.int32).tolist()
    [60, 36]
    """
    months = np.asarray(months)
    if not isinstance(value, dict):
        return np.full(months.shape, value, dtype=dtype)
    dates = np.array([parse_month(k) for k in value], dtype=np.int64)
    values = np.array(list(value.values()), dtype=dtype)
    index = np.searchsorted(dates, months, side="right") - 1
    return values[np.clip(index, 0, len(values) - 1)]


def value_at(value, month: int):
    """Value of a dated rule in one month."""
    return evaluate(value, np.array([month]), dtype=object)[0]
