"""The run options every entry point takes (seed, scale, counts), checked in one place.

Each check returns the value in its plain Python type or raises a
:class:`~coexist.errors.ScenarioError` whose ``field`` names the argument, so that a
caller can say where the bad value came from.

>>> check_seed(7), check_scale(0.5), check_scale(None), check_count(3, "replicates")
(7, 0.5, None, 3)
>>> check_seed(-1)
Traceback (most recent call last):
...
coexist.errors.ScenarioError: 'seed' must be a whole number from 0 to 9223372036854775807. Got -1 instead.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from coexist.errors import ScenarioError

__all__ = ["MAX_SEED", "check_seed", "check_scale", "check_count", "check_agents"]

# The compiled kernels take the seed as a 64-bit signed integer and run folders record it
# as one, so larger seeds cannot be run (or would not be found again in the catalogue).
MAX_SEED = 2**63 - 1


def check_seed(seed: Any, name: str = "seed") -> int:
    """A whole number in 0..MAX_SEED."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ScenarioError(f"must be a whole number from 0 to {MAX_SEED}. Got {seed!r} instead.", field=name)
    return int(seed)


def check_scale(scale: Any, name: str = "scale") -> float | None:
    """None (the scenario's own scale) or a share of the population in (0, 1]."""
    if scale is None:
        return None
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale) or not 0 < scale <= 1:
        raise ScenarioError(f"must be a number in (0, 1], e.g. 0.1. Got {scale!r} instead.", field=name)
    return float(scale)


def check_count(value: Any, name: str) -> int:
    """A whole number >= 1 (replicates, workers, particles...)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ScenarioError(f"must be a whole number >= 1. Got {value!r} instead.", field=name)
    return int(value)


def check_agents(persons: float, scale: float, name: str = "scale") -> None:
    """Refuse a scale at which the initial population of ``persons`` gives no agent."""
    if persons * scale < 1:
        smallest = 1.0 / persons if persons > 0 else math.inf
        raise ScenarioError(
            f"is too small: {scale!r} of an initial population of {persons:,.0f} persons gives no agent. "
            f"Use a scale of at least {smallest:.2g}.",
            field=name,
        )
