"""Months as integers: index = year * 12 + (month - 1). Parsing and formatting of "YYYY-MM",
and the one conversion between month indices and the tables' ``month`` column (an Arrow
``date32``, the first day of the month)."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

__all__ = [
    "parse_month",
    "format_month",
    "month_range",
    "month_labels",
    "year_of",
    "month_of_year",
    "month_dates",
    "month_indices",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> int:
    """Parse "YYYY-MM" into a month index.

    >>> parse_month("2027-04") - parse_month("2027-01")
    3
    """
    match = _MONTH.match(str(text))
    if not match:
        raise ValueError(f"must be a month written YYYY-MM (e.g. 2027-04). Got {text!r} instead.")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"must be a month written YYYY-MM with MM in 01..12. Got {text!r} instead.")
    return year * 12 + month - 1


def format_month(index: int) -> str:
    """Format a month index as "YYYY-MM".

    >>> format_month(parse_month("2050-12"))
    '2050-12'
    """
    year, month0 = divmod(int(index), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_range(start: int, end: int) -> np.ndarray:
    """All month indices from start to end inclusive."""
    return np.arange(start, end + 1, dtype=np.int32)


def month_labels(start: int, end: int) -> list[str]:
    return [format_month(m) for m in range(start, end + 1)]


def year_of(index: int) -> int:
    return int(index) // 12


def month_of_year(index: int) -> int:
    """1..12"""
    return int(index) % 12 + 1


# numpy counts datetime64[M] from January 1970
_EPOCH = 1970 * 12


def month_dates(indices) -> pa.Array:
    """The tables' ``month`` column: an Arrow ``date32`` array, the first day of each month index.

    >>> month_dates([parse_month("2027-04")]).to_pylist()
    [datetime.date(2027, 4, 1)]
    """
    months = np.asarray(indices, dtype=np.int64) - _EPOCH
    return pa.array(months.astype("datetime64[M]").astype("datetime64[D]"), type=pa.date32())


def month_indices(values) -> np.ndarray:
    """Month index of each value of a ``month`` column: dates (Arrow ``date32``/``timestamp``,
    numpy ``datetime64``, ``datetime.date``), or "YYYY-MM" text as files written before months
    were dates hold it. Nulls are not allowed.

    >>> month_indices(month_dates([24291, 24292])).tolist(), month_indices(["2024-12"]).tolist()
    ([24291, 24292], [24299])
    """
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        values = values.to_numpy(zero_copy_only=False)
    array = np.asarray(values)
    if array.dtype.kind in "OUS":  # text, or date objects
        array = array.astype(str) if array.dtype.kind != "O" or _is_text(array) else array.astype("datetime64[D]")
    months = array.astype("datetime64[M]")
    return months.astype(np.int64) + _EPOCH


def _is_text(array: np.ndarray) -> bool:
    return array.size > 0 and isinstance(array.flat[0], str)
