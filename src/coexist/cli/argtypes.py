"""Argument types shared by the commands: text to a value, checked by the library's own
checks (coexist.scenario.options), each failure one clear line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from coexist.errors import ScenarioError
from coexist.periods import parse_month
from coexist.scenario.options import check_count, check_scale, check_seed

__all__ = ["seed", "scale", "month", "positive_int"]


def _checked(check: Callable[..., Any], value: Any, *names: str) -> Any:
    try:
        return check(value, *names)
    except ScenarioError as exc:
        raise argparse.ArgumentTypeError(exc.detail) from None


def _number(text: str, kind: type) -> Any:
    """``text`` as an int or float, or the text itself (which the check then refuses)."""
    try:
        return kind(text)
    except ValueError:
        return text


def seed(text: str) -> int:
    """A whole number from 0 to coexist.scenario.options.MAX_SEED."""
    return _checked(check_seed, _number(text, int))


def scale(text: str) -> float:
    """A share of the population in (0, 1]."""
    return _checked(check_scale, _number(text, float))


def month(text: str) -> str:
    """A month written YYYY-MM."""
    try:
        parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    return _checked(check_count, _number(text, int), "value")
