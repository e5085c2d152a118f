"""Argument types shared by the commands: each rejects bad input with one clear line."""

from __future__ import annotations

import argparse
import math

__all__ = ["seed", "scale", "month", "positive_int"]


def seed(text: str) -> int:
    """A whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0. Got {text!r} instead.")
    return value


def scale(text: str) -> float:
    """A share of the population in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], e.g. 0.1. Got {text!r} instead.")
    return value


def month(text: str) -> str:
    """A month written YYYY-MM."""
    from coexist.periods import parse_month

    try:
        parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1. Got {text!r} instead.")
    return value
