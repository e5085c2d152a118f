"""The engine's assumptions where no data exist (world_assumptions.toml), with their ranges."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from coexist.errors import DataError

__all__ = ["Assumption", "world_assumptions", "read_data_toml"]


@dataclass(frozen=True)
class Assumption:
    """An assumed value (a number, or a table of numbers by name), its plausible range
    (same shape), its source and why it is assumed."""

    value: float | dict[str, float]
    low: float | dict[str, float]
    high: float | dict[str, float]
    source: str
    reason: str


_KEYS = {"value", "low", "high", "source", "reason"}


def read_data_toml(filename: str) -> dict:
    """A TOML file shipped in ``coexist/data``, parsed."""
    return tomllib.loads((resources.files("coexist.data") / filename).read_text(encoding="utf-8"))


@functools.cache
def world_assumptions() -> dict[str, Assumption]:
    """The assumptions behind the simulated employers and people (initial agents,
    entrants) and a few scales of the recruitment and return submodels, by name; read
    once.

    Examples
    --------
    >>> world_assumptions()["family_share"].value
    0.5
    >>> world_assumptions()["earlier_host_months"].value["ssw1"]
    36
    """
    out = {}
    for name, entry in read_data_toml("world_assumptions.toml").items():
        if set(entry) != _KEYS:
            raise DataError(
                f"world_assumptions.toml [{name}] must give exactly {', '.join(sorted(_KEYS))}. "
                f"Got {', '.join(sorted(entry))} instead."
            )
        assumption = Assumption(**entry)
        _check_range(name, assumption)
        out[name] = assumption
    return out


def _check_range(name: str, a: Assumption) -> None:
    if isinstance(a.value, dict):
        keys = set(a.value)
        if not (isinstance(a.low, dict) and isinstance(a.high, dict) and set(a.low) == keys == set(a.high)):
            raise DataError(f"world_assumptions.toml [{name}] must give low and high for the same keys as its value.")
        cells = [(f"{name}.{key}", a.value[key], a.low[key], a.high[key]) for key in a.value]
    else:
        cells = [(name, a.value, a.low, a.high)]
    for label, value, low, high in cells:
        if not low <= value <= high:
            raise DataError(
                f"world_assumptions.toml {label} must lie in its range [{low}, {high}]. Got {value!r} instead."
            )
