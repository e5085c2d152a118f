"""Months as integers: index = year * 12 + (month - 1). Parsing and formatting of "YYYY-MM"."""

from __future__ import annotations

import re

import numpy as np

__all__ = ["parse_month", "format_month", "month_range", "month_labels", "year_of", "month_of_year"]

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
