"""Replicates: a seed and a behavioural parameter set per replicate, shared by every scenario.

Until a calibrated posterior ships, each behavioural parameter of
``coexist/data/parameters.toml`` is drawn from a **triangular distribution** on its
documented plausible range ``[low, high]`` with its mode at the documented ``default``:
values near the default are the most likely, the ends of the range the least, and nothing
outside the range is ever drawn. Parameters counted in whole months (unit ``months``:
the recruitment lag, the decision horizon, the minimum stay for the returnee premium) are
rounded to the nearest month. A parameter whose range is a single point keeps its value.

Replicate ``r`` of a comparison with base seed ``s`` uses

- the engine seed :func:`replicate_seed(s, r) <replicate_seed>` (a 31-bit number derived
  from ``(s, r)`` with NumPy's ``SeedSequence``), and
- the parameter set :func:`draw_parameters(s, r) <draw_parameters>` (drawn from an
  independent stream of the same ``SeedSequence`` family),

in **every** compared scenario (common random numbers): the difference between two
scenarios in one replicate comes from the policies alone, and the spread of the paired
differences over replicates measures both chance and parameter uncertainty. Both are pure
functions of ``(s, r)``: a replicate does not depend on how many there are, on the order
in which they run, or on the number of worker processes.

A parameter that the scenario sets itself (``[behaviour]`` in its file, or
``--set behaviour.NAME=value``) is a deliberate choice and is not drawn.

>>> replicate_seed(0, 0) == replicate_seed(0, 0) != replicate_seed(0, 1)
True
>>> p = draw_parameters(0, 0)
>>> from coexist.data import parameters
>>> all(parameters()[k].low <= v <= parameters()[k].high for k, v in p.items())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DISTRIBUTION", "Replicate", "replicate_seed", "draw_parameters", "replicate_plan", "with_parameters"]

DISTRIBUTION = (
    "each behavioural parameter drawn from a triangular distribution on its documented plausible range "
    "[low, high] with mode at its default (coexist/data/parameters.toml), independently across parameters; "
    "parameters counted in months are rounded to whole months"
)

_SEED_STREAM = 0x5EED
_PARAM_STREAM = 0xBA7A


def replicate_seed(seed: int, replicate: int) -> int:
    """Engine seed of replicate ``replicate`` of a comparison with base seed ``seed``.

    Parameters
    ----------
    seed : int
        Base seed (``--seed``), >= 0.
    replicate : int
        Replicate number, >= 0.

    Returns
    -------
    int
        A number in [0, 2**31), the same for every scenario of the comparison.
    """
    ss = np.random.SeedSequence([int(seed), int(replicate), _SEED_STREAM])
    return int(ss.generate_state(1, dtype=np.uint32)[0] >> np.uint32(1))


def _specs() -> dict[str, Any]:
    from coexist.data import parameters

    return parameters()


def draw_parameters(seed: int, replicate: int) -> dict[str, float]:
    """The behavioural parameter set of one replicate (every parameter, in file order).

    Triangular(low, default, high) per parameter from a stream derived from
    ``(seed, replicate)``; parameters whose unit is ``months`` are rounded to whole months.
    Always the same for the same ``(seed, replicate)``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(replicate), _PARAM_STREAM]))
    out: dict[str, float] = {}
    for name, spec in _specs().items():
        u = rng.random()  # one draw per parameter, always, so each parameter keeps its stream position
        low, mode, high = float(spec.low), float(spec.default), float(spec.high)
        if high <= low:
            out[name] = mode
            continue
        value = _triangular_ppf(u, low, mode, high)
        if spec.unit.strip() == "months":
            value = float(min(high, max(low, round(value))))
        out[name] = float(min(high, max(low, value)))
    return out


def _triangular_ppf(u: float, low: float, mode: float, high: float) -> float:
    """Inverse CDF of the triangular distribution (exact, so draws need no rejection)."""
    span = high - low
    cut = (mode - low) / span
    if u < cut:
        return low + np.sqrt(u * span * (mode - low))
    return high - np.sqrt((1.0 - u) * span * (high - mode))


@dataclass(frozen=True)
class Replicate:
    """One replicate: its number, engine seed and behavioural parameter set."""

    replicate: int
    seed: int
    parameters: Mapping[str, float]


def replicate_plan(seed: int, replicates: int) -> list[Replicate]:
    """Replicates 0..replicates-1 of a comparison with base seed ``seed``."""
    return [Replicate(r, replicate_seed(seed, r), draw_parameters(seed, r)) for r in range(int(replicates))]


def with_parameters(scenario: Any, params: Mapping[str, float]) -> Any:
    """The scenario with the drawn parameters added to its ``behaviour``; the values the
    scenario sets itself win. Returns a copy (the scenario is not changed)."""
    own = dict(getattr(scenario, "behaviour", None) or {})
    merged = {**dict(params), **own}
    copy = getattr(scenario, "model_copy", None)
    if copy is None:  # a stand-in object (tests): set the attribute on a shallow copy
        import copy as _copy

        clone = _copy.copy(scenario)
        clone.behaviour = merged
        return clone
    return copy(update={"behaviour": merged})
