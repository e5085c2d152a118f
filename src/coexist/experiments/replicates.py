"""Replicates: a seed and a behavioural parameter set per replicate, shared by every scenario.

Each behavioural parameter of ``coexist/data/parameters.toml`` is drawn in one of two ways,
depending on the defaults the compared scenarios use (their ``behaviour_defaults``):

- **Embedded defaults** (``"embedded"``, ``calibrated=False``): from a **triangular
  distribution** on its documented plausible range ``[low, high]`` with its mode at the
  documented ``default``, independently across parameters: values near the default are the
  most likely, the ends of the range the least, and nothing outside the range is ever drawn.
- **The shipped calibration** (``"calibrated-japan"``, ``calibrated=True``): the parameters
  that the ABC-SMC calibration fitted (the behavioural columns of
  :func:`coexist.data.posterior_samples`) are taken **jointly from one particle** of the
  shipped posterior, chosen by weighted resampling (probability = the particle's importance
  weight), so their correlations in the posterior are kept; the posterior's columns that are
  not behavioural parameters (scenario assumptions such as ``demand_growth``) are ignored.
  Every other behavioural parameter is drawn triangular as above, with its mode at the value
  the scenario would otherwise use (the documented default, or the shipped calibration's
  value if it has one), and takes the same value as with ``calibrated=False`` whenever that
  mode is the default.

Parameters counted in whole months (unit ``months``: the recruitment lag, the decision
horizon, the minimum stay for the returnee premium) are rounded to the nearest month when
drawn triangular (particle values are used as the calibration ran them). A parameter whose
range is a single point keeps its value.

Replicate ``r`` of a comparison with base seed ``s`` uses

- the engine seed :func:`replicate_seed(s, r) <replicate_seed>` (a 31-bit number derived
  from ``(s, r)`` with NumPy's ``SeedSequence``), and
- the parameter set :func:`draw_parameters(s, r, calibrated) <draw_parameters>` (the
  triangular draws and the choice of particle come from two further independent streams of
  the same ``SeedSequence`` family),

in **every** compared scenario (common random numbers): the difference between two
scenarios in one replicate comes from the policies alone, and the spread of the paired
differences over replicates measures both chance and parameter uncertainty. Both are pure
functions of ``(s, r)`` (and of the shipped posterior): a replicate does not depend on how
many there are, on the order in which they run, or on the number of worker processes. The
compared scenarios must therefore share ``behaviour_defaults``
(:func:`coexist.experiments.run_ensemble` refuses a mixed comparison).

A parameter that the scenario sets itself (``[behaviour]`` in its file, or
an override ``behaviour.NAME=value``) is a deliberate choice and is not drawn.

>>> replicate_seed(0, 0) == replicate_seed(0, 0) != replicate_seed(0, 1)
True
>>> p = draw_parameters(0, 0)
>>> from coexist.data import parameters
>>> all(parameters()[k].low <= v <= parameters()[k].high for k, v in p.items())
True
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from coexist.data import parameters
from coexist.data.calibrated import SHIPPED, CalibratedSource
from coexist.errors import DataError

__all__ = [
    "DISTRIBUTION",
    "DISTRIBUTION_CALIBRATED",
    "Replicate",
    "distribution",
    "replicate_seed",
    "draw_parameters",
    "replicate_plan",
    "with_parameters",
]

DISTRIBUTION = (
    "each behavioural parameter drawn from a triangular distribution on its documented plausible range "
    "[low, high] with mode at its default (coexist/data/parameters.toml), independently across parameters; "
    "parameters counted in months are rounded to whole months"
)

DISTRIBUTION_CALIBRATED = (
    "calibrated parameters drawn jointly from the shipped ABC-SMC posterior of the Japan calibration "
    "(coexist/data/calibrated/japan-posterior.parquet; weighted resampling of particles, one particle per "
    "replicate); the other behavioural parameters drawn from a triangular distribution on their documented "
    "plausible range [low, high] with mode at their default (coexist/data/parameters.toml), independently; "
    "those counted in months are rounded to whole months"
)

_SEED_STREAM = 0x5EED
_PARAM_STREAM = 0xBA7A
_PARTICLE_STREAM = 0xCA1B


def distribution(calibrated: bool = False) -> str:
    """The description of the parameter draws recorded in a comparison's settings."""
    return DISTRIBUTION_CALIBRATED if calibrated else DISTRIBUTION


def replicate_seed(seed: int, replicate: int) -> int:
    """Engine seed of replicate ``replicate`` of a comparison with base seed ``seed``.

    Parameters
    ----------
    seed : int
        Base seed, >= 0.
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
    return parameters()


def _posterior(names: Any, calibration: CalibratedSource) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The behavioural columns of the posterior (in parameter-file order), their values
    (particles x columns) and the cumulative normalised weights of the particles."""
    table = calibration.posterior_samples()
    columns = [name for name in names if name in table.column_names]
    n = table.num_rows
    if n == 0:
        raise DataError("the shipped posterior (coexist/data/calibrated/japan-posterior.parquet) has no particles.")
    values = np.column_stack(
        [np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=np.float64) for c in columns]
    ) if columns else np.empty((n, 0))
    if "weight" in table.column_names:
        weights = np.asarray(table.column("weight").to_numpy(zero_copy_only=False), dtype=np.float64)
    else:
        weights = np.ones(n)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise DataError(
            "the shipped posterior's 'weight' column must hold finite non-negative weights with a positive sum."
        )
    if not np.all(np.isfinite(values)):
        raise DataError("the shipped posterior has missing or non-finite parameter values.")
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    return columns, values, cdf


def draw_parameters(seed: int, replicate: int, calibrated: bool = False,
                    calibration: CalibratedSource = SHIPPED) -> dict[str, float]:
    """The behavioural parameter set of one replicate (every parameter, in file order).

    Parameters
    ----------
    seed : int
        Base seed, >= 0.
    replicate : int
        Replicate number, >= 0.
    calibrated : bool
        False (scenarios with ``behaviour_defaults = "embedded"``): Triangular(low, default,
        high) per parameter from a stream derived from ``(seed, replicate)``. True (scenarios
        with ``behaviour_defaults = "calibrated-japan"``): the parameters that are columns of
        :func:`coexist.data.posterior_samples` come together from one posterior particle,
        picked with probability equal to its weight by a uniform from an independent stream
        of ``(seed, replicate)``; the others are drawn triangular as with False, with the
        mode at the shipped calibration's value where it has one (otherwise the default),
        so they keep the values they have with False.
    calibration : CalibratedSource
        The posterior and calibrated values read when ``calibrated`` (default: the shipped ones).

    Returns
    -------
    dict of str to float
        Parameters whose unit is ``months`` are rounded to whole months when drawn
        triangular. Always the same for the same ``(seed, replicate, calibrated)`` (and the
        same shipped posterior).

    Raises
    ------
    coexist.errors.DataError
        With ``calibrated=True``, when the shipped calibration is missing or unusable.
    """
    specs = _specs()
    chosen: dict[str, float] = {}
    modes: dict[str, float] = {}
    if calibrated:
        columns, values, cdf = _posterior(specs, calibration)
        if columns:
            pick = np.random.default_rng(np.random.SeedSequence([int(seed), int(replicate), _PARTICLE_STREAM]))
            k = min(int(np.searchsorted(cdf, pick.random(), side="right")), len(cdf) - 1)
            chosen = {name: float(values[k, j]) for j, name in enumerate(columns)}
        modes = {k: float(v) for k, v in calibration.calibrated_behaviour().items() if k in specs and k not in chosen}
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(replicate), _PARAM_STREAM]))
    out: dict[str, float] = {}
    for name, spec in specs.items():
        u = rng.random()  # one draw per parameter, always, so each parameter keeps its stream position
        if name in chosen:
            out[name] = chosen[name]
            continue
        low, high = float(spec.low), float(spec.high)
        mode = float(min(high, max(low, modes.get(name, float(spec.default)))))
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


def replicate_plan(seed: int, replicates: int, calibrated: bool = False,
                   calibration: CalibratedSource = SHIPPED) -> list[Replicate]:
    """Replicates 0..replicates-1 of a comparison with base seed ``seed``; ``calibrated`` and
    ``calibration`` as for :func:`draw_parameters` (``calibrated`` True when the compared
    scenarios use the shipped calibration)."""
    return [
        Replicate(r, replicate_seed(seed, r), draw_parameters(seed, r, calibrated, calibration))
        for r in range(int(replicates))
    ]


def with_parameters(scenario: Any, params: Mapping[str, float]) -> Any:
    """The scenario with the drawn parameters added to its ``behaviour``; the values the
    scenario sets itself win. Returns a copy (the scenario is not changed)."""
    own = dict(getattr(scenario, "behaviour", None) or {})
    merged = {**dict(params), **own}
    copy = getattr(scenario, "model_copy", None)
    if copy is None:  # a stand-in object (tests): set the attribute on a shallow copy
        clone = _copy.copy(scenario)
        clone.behaviour = merged
        return clone
    return copy(update={"behaviour": merged})
