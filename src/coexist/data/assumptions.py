"""The engine's assumptions where no data exist (world_assumptions.toml), with their ranges."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from coexist.errors import DataError

__all__ = ["Assumption", "world_assumptions", "parse_assumptions", "read_data_toml"]


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
    return parse_assumptions(read_data_toml("world_assumptions.toml"), "world_assumptions.toml")


def parse_assumptions(entries: dict[str, dict], where: str) -> dict[str, Assumption]:
    """Assumptions from parsed TOML tables (`where` names the file in errors): each must
    give exactly a value, its range, a source and a reason, and the value must lie in its
    range."""
    out = {}
    for name, entry in entries.items():
        if set(entry) != _KEYS:
            raise DataError(
                f"{where} [{name}] must give exactly {', '.join(sorted(_KEYS))}. "
                f"Got {', '.join(sorted(entry))} instead."
            )
        assumption = Assumption(**entry)
        _check_range(f"{where} [{name}]", assumption)
        out[name] = assumption
    return out


def _check_range(label: str, a: Assumption) -> None:
    if isinstance(a.value, dict):
        keys = set(a.value)
        if not (isinstance(a.low, dict) and isinstance(a.high, dict) and set(a.low) == keys == set(a.high)):
            raise DataError(f"{label} must give low and high as tables with the keys of its value, {sorted(keys)}.")
        cells = [(f"{label} {key}", a.value[key], a.low[key], a.high[key]) for key in a.value]
    else:
        cells = [(label, a.value, a.low, a.high)]
    for cell, value, low, high in cells:
        if not low <= value <= high:
            raise DataError(f"{cell} must lie in its range [{low}, {high}]. Got {value!r} instead.")
