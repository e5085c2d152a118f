"""Experiment designs: what an experiment varies, what it records and how it samples.

A design is a TOML file, validated as strictly as a scenario (unknown keys are errors; each
problem is one line that names the file, the field, what is allowed and what was given).
It names a base scenario and keeps two kinds of factors apart:

- **uncertainties**, what nobody chooses: behavioural parameters by name
  (``[uncertainties.behaviour.NAME]``; their range defaults to the documented plausible range
  of ``coexist/data/parameters.toml``) and dated scenario assumptions
  (``[uncertainties.assumptions.NAME]``: the ``[[assumptions]]`` entry it stands for, a
  range, the scenario paths it moves with a multiplier each, and the reason for the range);
- **levers**, what a policy chooses: scenario values by dotted path (``[levers."PATH"]``),
  with a range (``low``, ``high``, ``integer``) or ``choices``; a ranged lever may instead
  move several paths together (``keys``, a multiplier each, as an assumption does), its
  name then a label (e.g. the bilateral channel's openings in every sector at once).

It also lists the metrics to record (names of the metric registry), the replicates per
point and the sampler (``latin``, ``sobol``, ``morris`` or ``factorial``, seeded), and may
bound metrics (``[[constraints]]``, used by the policy search). Designs ship inside the
package (``coexist/experiments/designs/``) and are named like scenarios:
:func:`load_design` takes a shipped name or a path.

>>> design = load_design("japan-circular-levers")
>>> design.scenario
'japan-circular'
>>> [f.kind for f in design.factors()].count("lever") == len(design.levers)
True
"""

from __future__ import annotations

import difflib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coexist.data import parameters
from coexist.data.text_files import read_text_file
from coexist.errors import ScenarioError
from coexist.metrics import METRICS
from coexist.metrics.index import INDEX_KEYS

__all__ = [
    "Design",
    "Factor",
    "SAMPLERS",
    "load_design",
    "shipped_designs",
    "design_toml",
    "known_metrics",
]

SAMPLERS = ("latin", "sobol", "morris", "factorial")
_LIBRARY = "coexist.experiments.designs"
_DOCS = "see docs/experiments.md"


def known_metrics() -> list[str]:
    """Every metric a design may record: the registry's, then the index and its three actor scores."""
    return [*METRICS, *INDEX_KEYS]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number")
    return value


class BehaviourUncertainty(_Model):
    """A behavioural parameter; its range defaults to the documented plausible range."""

    low: float | None = None
    high: float | None = None
    reason: str = ""  # why the range differs from the documented one, when it does


class AssumptionUncertainty(_Model):
    """A dated scenario assumption: a value v moves every path in ``keys`` to v x multiplier."""

    assumption: str
    low: float
    high: float
    keys: dict[str, float]
    reason: str

    @model_validator(mode="after")
    def _check(self):
        _finite(self.low, "low")
        _finite(self.high, "high")
        if not self.low < self.high:
            raise ValueError(f"must have low < high. Got low {self.low!r}, high {self.high!r} instead")
        if not self.keys:
            raise ValueError("must name at least one scenario path in keys, e.g. "
                             "{ \"demand.growth.retail.2025-01\" = 1.0 }")
        for key, factor in self.keys.items():
            if not key.strip() or any(not part.strip() for part in key.split(".")):
                raise ValueError(f"keys must be dotted scenario paths. Got {key!r} instead")
            if not math.isfinite(factor) or factor == 0.0:
                raise ValueError(f"keys.{key} must be a finite, non-zero multiplier. Got {factor!r} instead")
        if not self.reason.strip():
            raise ValueError("must give the reason for the range (reason = \"...\"), as every assumption does")
        return self


class Lever(_Model):
    """A scenario value by dotted path: a range (``low``, ``high``; ``integer`` rounds) or
    ``choices``; a ranged lever with ``keys`` moves each of those paths to value x multiplier."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    choices: list[bool | int | float | str] | None = None
    keys: dict[str, float] | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _check(self):
        ranged = self.low is not None or self.high is not None
        if self.keys is not None:
            if self.choices is not None or self.integer:
                raise ValueError("keys move paths by a multiplier: they need low and high, not choices or integer")
            if not self.keys:
                raise ValueError("keys must name at least one scenario path, e.g. "
                                 "{ \"programme.matching_capacity.retail\" = 1.0 }")
            for key, factor in self.keys.items():
                if not key.strip() or any(not part.strip() for part in key.split(".")):
                    raise ValueError(f"keys must be dotted scenario paths. Got {key!r} instead")
                if not math.isfinite(factor) or factor == 0.0:
                    raise ValueError(f"keys.{key} must be a finite, non-zero multiplier. Got {factor!r} instead")
        if self.choices is not None:
            if ranged or self.integer:
                raise ValueError("must give either choices or low and high, not both")
            if len(self.choices) < 2:
                raise ValueError(f"choices must list at least 2 values. Got {self.choices!r} instead")
            return self
        if self.low is None or self.high is None:
            raise ValueError("must give low and high (a range) or choices (a list)")
        _finite(self.low, "low")
        _finite(self.high, "high")
        if not self.low < self.high:
            raise ValueError(f"must have low < high. Got low {self.low!r}, high {self.high!r} instead")
        if self.integer and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(f"an integer lever needs whole low and high. Got {self.low!r}, {self.high!r} instead")
        return self


class Uncertainties(_Model):
    behaviour: dict[str, BehaviourUncertainty] = Field(default_factory=dict)
    assumptions: dict[str, AssumptionUncertainty] = Field(default_factory=dict)


class Sampler(_Model):
    method: Literal["latin", "sobol", "morris", "factorial"] = "latin"
    samples: int = 16
    seed: int = 0
    levels: int = 4  # grid levels of Morris, and of each ranged factor in a full factorial

    @field_validator("samples", "levels")
    @classmethod
    def _positive(cls, value: int, info):
        least = 2 if info.field_name == "levels" else 1
        if value < least:
            raise ValueError(f"must be a whole number >= {least}. Got {value!r} instead")
        return value

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int):
        if not 0 <= value < 2**63:
            raise ValueError(f"must be a whole number from 0 to 2**63 - 1. Got {value!r} instead")
        return value


class Constraint(_Model):
    """A bound on a recorded metric (the policy search keeps to it): ``max``, ``min`` or both."""

    metric: str
    max: float | None = None
    min: float | None = None

    @model_validator(mode="after")
    def _check(self):
        if self.max is None and self.min is None:
            raise ValueError("must give max, min or both")
        return self


class Design(_Model):
    """An experiment design (see the module's description and docs/experiments.md)."""

    name: str
    description: str = ""
    scenario: str
    metrics: list[str]
    replicates: int = 1
    uncertainties: Uncertainties = Field(default_factory=Uncertainties)
    levers: dict[str, Lever] = Field(default_factory=dict)
    sampler: Sampler = Field(default_factory=Sampler)
    constraints: list[Constraint] = Field(default_factory=list)

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]):
        known = known_metrics()
        for name in value:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"must name metrics of the registry (docs/metrics.md). Got {name!r} instead.{hint}")
        if not value:
            raise ValueError("must name at least one metric, e.g. [\"index.balance\"]")
        if len(set(value)) != len(value):
            raise ValueError(f"must name each metric once. Got {value!r} instead")
        return value

    @field_validator("replicates")
    @classmethod
    def _replicates(cls, value: int):
        if value < 1:
            raise ValueError(f"must be a whole number >= 1. Got {value!r} instead")
        return value

    @model_validator(mode="after")
    def _check(self):
        known = parameters()
        for name, spec in self.uncertainties.behaviour.items():
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"uncertainties.behaviour must name behavioural parameters (docs/parameters.md). "
                                 f"Got {name!r} instead.{hint}")
            low = known[name].low if spec.low is None else spec.low
            high = known[name].high if spec.high is None else spec.high
            if not low < high:
                raise ValueError(f"uncertainties.behaviour.{name} must have low < high. Got {low!r}, {high!r} instead")
        paths = [p for a in self.uncertainties.assumptions.values() for p in a.keys]
        paths += [f"behaviour.{n}" for n in self.uncertainties.behaviour]
        paths += [p for name, lever in self.levers.items() for p in (lever.keys or {name: 1.0})]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise ValueError(f"each scenario path may be moved by one factor only. Got {twice} more than once instead")
        if not self.factors():
            raise ValueError("must vary at least one factor: [uncertainties.behaviour.NAME] or [levers.\"PATH\"]")
        for c in self.constraints:
            if c.metric not in self.metrics:
                raise ValueError(f"constraints must bound recorded metrics (in metrics). Got {c.metric!r} instead")
        return self

    def factors(self) -> list[Factor]:
        """Every varied factor, uncertainties first (behaviour, then assumptions), then levers, as written."""
        known = parameters()
        out = []
        for name, spec in self.uncertainties.behaviour.items():
            param = known.get(name)
            if param is None:
                continue
            low = float(param.low if spec.low is None else spec.low)
            high = float(param.high if spec.high is None else spec.high)
            integer = param.unit.strip() == "months"
            reason = spec.reason or f"documented plausible range ({param.source})"
            out.append(Factor(name, "behaviour", low, high, None, integer, {f"behaviour.{name}": 1.0}, reason))
        for name, spec in self.uncertainties.assumptions.items():
            out.append(Factor(name, "assumption", spec.low, spec.high, None, False, dict(spec.keys), spec.reason,
                              spec.assumption))
        for path, spec in self.levers.items():
            choices = tuple(spec.choices) if spec.choices is not None else None
            low = float(spec.low) if spec.low is not None else 0.0
            high = float(spec.high) if spec.high is not None else float(len(choices or ()) - 1)
            keys = dict(spec.keys) if spec.keys is not None else {path: 1.0}
            out.append(Factor(path, "lever", low, high, choices, spec.integer, keys, spec.reason))
        return out

    def uncertainty_factors(self) -> list[Factor]:
        return [f for f in self.factors() if f.kind != "lever"]

    def lever_factors(self) -> list[Factor]:
        return [f for f in self.factors() if f.kind == "lever"]


def _toml_value(value: Any) -> str:
    """A value as TOML text, as an override ``path=value`` takes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(str(value))


@dataclass(frozen=True)
class Factor:
    """One varied factor, whatever its kind.

    A point of the unit cube, ``u`` in [0, 1], becomes the factor's value by :meth:`value`
    (``low + u (high - low)``, rounded for whole-number factors; the ``floor(u k)``-th of
    ``k`` choices), and the value becomes scenario overrides by :meth:`overrides`.
    """

    name: str
    kind: str  # "behaviour", "assumption" or "lever"
    low: float
    high: float
    choices: tuple | None
    integer: bool
    keys: Mapping[str, float]
    reason: str = ""
    assumption: str = ""

    def value(self, u: float) -> Any:
        u = min(1.0, max(0.0, float(u)))
        if self.choices is not None:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        v = self.low + u * (self.high - self.low)
        return int(round(v)) if self.integer else float(v)

    def number(self, value: Any) -> float:
        """The value as a number for tables and analysis (a choice: its index)."""
        if self.choices is not None:
            return float(self.choices.index(value))
        return float(value)

    def overrides(self, value: Any) -> list[str]:
        if self.choices is not None or self.integer:
            return [f"{path}={_toml_value(value)}" for path in self.keys]
        return [f"{path}={_toml_value(float(value) * factor)}" for path, factor in self.keys.items()]


# -- loading ------------------------------------------------------------------------------------
def _library() -> dict[str, Any]:
    root = resources.files(_LIBRARY)
    return {entry.name[:-5]: entry for entry in root.iterdir() if entry.name.endswith(".toml")}


def shipped_designs() -> list[tuple[str, str]]:
    """Names and descriptions (on one line) of the designs that ship with the package."""
    rows = []
    for name, entry in sorted(_library().items()):
        raw = tomllib.loads(entry.read_text(encoding="utf-8"))
        rows.append((name, " ".join(str(raw.get("description", "")).split())))
    return rows


def _message(error: Mapping[str, Any]) -> tuple[str, str]:
    path = ".".join(str(p) for p in error["loc"])
    kind, message, received = error["type"], str(error["msg"]), error.get("input")
    if kind == "extra_forbidden":
        return path, f"is not a known field (got {json.dumps(received, default=str)[:80]}); {_DOCS}."
    if kind == "missing":
        return path, f"is required but missing; {_DOCS}."
    message = message.removeprefix("Value error, ").rstrip(".")
    for old, new in (("Input should be a valid number", "must be a number"),
                     ("Input should be a valid integer", "must be a whole number"),
                     ("Input should be a valid boolean", "must be true or false"),
                     ("Input should be a valid string", "must be a string (in quotes)"),
                     ("Input should be a valid dictionary", "must be a table"),
                     ("Input should be a valid list", "must be a list [...]"),
                     ("Input should be", "must be")):
        if message.startswith(old):
            message = new + message[len(old):]
            break
    if "Got " in message:
        return path, message + "."
    return path, f"{message}. Got {json.dumps(received, default=str)[:80]} instead."


def load_design(ref: str | Path) -> Design:
    """A design from a shipped name (:func:`shipped_designs`) or a TOML file, validated.

    Raises
    ------
    ScenarioError
        An unknown design, a file that is not TOML, or a field that breaks the format; the
        message names the file and the field.
    """
    library = _library()
    path = Path(ref)
    if str(ref) in library and not path.exists():
        text, label = library[str(ref)].read_text(encoding="utf-8"), f"design '{ref}'"
    elif path.exists():
        text, label = read_text_file(path, "design file", ScenarioError), str(path)
    else:
        raise ScenarioError(f"must be a shipped design ({', '.join(sorted(library))}) or a TOML file. "
                            f"Got {str(ref)!r} instead.", field="design")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"is not valid TOML: {exc}. Fix the syntax ({_DOCS}).", source=label) from None
    try:
        return Design.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        field_name, message = _message(errors[0])
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ScenarioError(message + more, source=label, field=field_name or None) from None


def design_toml(design: Design) -> str:
    """The design as TOML (every value resolved), as an experiment folder records it."""
    return tomli_w.dumps(design.model_dump(mode="json", exclude_none=True))


def with_samples(design: Design, samples: int | None = None, replicates: int | None = None,
                 method: str | None = None) -> Design:
    """The design with another number of samples, replicates or sampler method (None keeps the design's)."""
    sampler = design.sampler
    if samples is not None or method is not None:
        sampler = sampler.model_copy(update={k: v for k, v in (("samples", samples), ("method", method))
                                             if v is not None})
    update: dict[str, Any] = {"sampler": sampler}
    if replicates is not None:
        update["replicates"] = replicates
    return design.model_copy(update=update)

