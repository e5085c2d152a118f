"""The scenario file format: strict pydantic models (unknown keys are errors).

A scenario describes a host, its residence statuses and their rules, the programme-level
levers, the economy and demand paths, the origin countries, and the behavioural
parameters. Any rule value may change on a date: write it as a table of
``{"YYYY-MM" = value}`` (the value applies from that month on). Before its first date a
dated value takes the first value given, unless the field says otherwise.

docs/scenarios.md describes every field for analysts; keep the two in step.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator
from pydantic_core import PydanticCustomError

from coexist.codes import ORIGINS, SECTORS
from coexist.data.stocks import REFERENCES as STOCK_REFERENCES
from coexist.periods import parse_month

__all__ = [
    "Scenario",
    "StatusRules",
    "Transition",
    "ReturnPath",
    "ReformTransition",
    "Programme",
    "Economy",
    "Demand",
    "OriginSettings",
    "Assumption",
    "CalibrationPrior",
    "Calibration",
    "Horizon",
    "Population",
    "STATUS_KINDS",
    "JOB_CHANGE_RULES",
    "REFORM_TRANSITIONS",
    "HOLDER_RULES",
    "RESERVED_STATUSES",
    "INITIAL_POPULATIONS",
    "FIELD_ERROR",
]

STATUS_KINDS = ("programme", "skilled", "study", "settled", "designated")
JOB_CHANGE_RULES = ("never", "after", "within_field", "free", "for_cause")
TEST_LEVELS = ("none", "ssw1", "ssw2")
# How a change of a status's rule treats the people already in the status on the reform date
# (the date the dated value changes): everyone at once; months counted from the reform date;
# or only permits granted from the reform date on (docs/scenarios.md, "Reforms and the people
# already in a status").
REFORM_TRANSITIONS = ("at_once", "from_reform", "new_permits")
# The rules of a status that bind a holder through the stay and so may have a transition.
HOLDER_RULES = ("max_stay_months", "max_total_months", "job_change", "job_change_after_months")
# Statuses that every host has and no scenario declares: the pools at origin, former
# workers at origin, and people in the host without a valid status.
RESERVED_STATUSES = ("home", "returned", "irregular")
# the official stocks at the end of a month (coexist.data.stocks.REFERENCES), or nobody
INITIAL_POPULATIONS = (*(f"japan-{month}" for month in STOCK_REFERENCES), "empty")
# The error type of every check written here. Its context carries the received value and,
# where the problem sits below the validated field, the rest of the dotted path ("field"),
# so the loader can name the exact field in one line.
FIELD_ERROR = "scenario_field"


def _bad(message: str, value: object, field: str = "") -> PydanticCustomError:
    return PydanticCustomError(FIELD_ERROR, "{message}", {"message": message, "value": value, "field": field})


def _month(value: str) -> str:
    if not isinstance(value, str):
        raise _bad("must be a month written YYYY-MM (e.g. 2027-04), as a quoted string", value)
    try:
        parse_month(value)
    except ValueError:
        raise _bad("must be a month written YYYY-MM (e.g. 2027-04)", value) from None
    return value


Month = Annotated[str, AfterValidator(_month)]

# ----- dated values ---------------------------------------------------------------------
# A dated field holds a scalar or a table {"YYYY-MM" = scalar} in date order. One plain
# validator checks both forms, so a wrong value gives one message that names both forms
# (a pydantic union would report one error per branch).

_KIND_TEXT = {"float": "a number", "int": "an integer", "bool": "true or false"}
_KIND_EXAMPLE = {"float": "0.5", "int": "12", "bool": "true"}


def _scalar(kind: str, value, choices: tuple[str, ...]):
    """The value converted to the field's type, or None if it has the wrong type."""
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value)
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    return value if isinstance(value, str) and value in choices else None  # a choice


def _dated(kind: str, lo=None, hi=None, choices: tuple[str, ...] = ()):
    if kind == "choice":
        what = "one of " + ", ".join(repr(c) for c in choices)
        example = repr(choices[0]).replace("'", '"')
    else:
        what = _KIND_TEXT[kind] + (f" in [{lo}, {hi}]" if lo is not None else "")
        example = _KIND_EXAMPLE[kind]
    expected = f'must be {what}, or a dated table of them such as {{"2027-04" = {example}}}'

    def check_one(value, key: str):
        converted = _scalar(kind, value, choices)
        if converted is None:
            raise _bad(expected if not key else f"must be {what} at every date", value, key)
        if lo is not None and not lo <= converted <= hi:  # NaN fails too
            raise _bad(f"must be in [{lo}, {hi}]", value, key)
        return converted

    def validate(value):
        if not isinstance(value, dict):
            return check_one(value, "")
        if not value:
            raise _bad(f'needs at least one "YYYY-MM" = value entry when written as a table; it {expected}', value)
        months = []
        for key in value:
            try:
                months.append(parse_month(key))
            except ValueError:
                raise _bad('has a date that is not a month written "YYYY-MM" (e.g. "2027-04")', key) from None
        if months != sorted(months):
            raise _bad("must list its dates in increasing order (each value holds from its date on)", list(value))
        return {key: check_one(v, key) for key, v in value.items()}

    # Any: the validator above is the type; serialisation writes the value as it is.
    return Annotated[Any, PlainValidator(validate)]


def _dated_float(lo: float, hi: float):
    return _dated("float", lo, hi)


def _dated_int(lo: int, hi: int):
    return _dated("int", lo, hi)


DatedBool = _dated("bool")
Months = _dated_int(0, 600)
Rate = _dated_float(0.0, 1.0)
FeeCap = _dated_float(-1.0, 120.0)  # months of host wage; -1 = no cap
TestLevel = Literal["none", "ssw1", "ssw2"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True, frozen=False)


def _known_sectors(sectors, field: str = ""):
    for s in sectors:
        if s not in SECTORS:
            raise _bad(f"must name sectors among {', '.join(SECTORS)}", s, field)


class Transition(Model):
    """A change of status inside the host (an upgrade or a move to another status)."""

    to: str
    min_months_in_status: int = Field(0, ge=0, le=600)
    min_months_abroad: int = Field(0, ge=0, le=600, description="cumulative months worked in the host")
    requires_test: TestLevel = "none"
    requires_language: int = Field(0, ge=0, le=5)
    sectors: list[str] | None = None  # None: every sector
    open: DatedBool = True
    # A transition with a monthly hazard happens by chance to any regular holder without
    # an expiry decision that month (it is never chosen at expiry). None: the behavioural
    # parameter student_to_professional_rate for study statuses, 0 (chosen at expiry) otherwise.
    hazard: Rate | None = None
    # Persons a month, nationwide, whose change of status through this route can be processed
    # (take-up by employers and the authorities' processing); -1: no limit. Applied as a chance
    # min(1, capacity / people who chose the route the month before).
    capacity: _dated_float(-1.0, 1e7) = -1.0

    @field_validator("sectors")
    @classmethod
    def _sectors_known(cls, value):
        for i, s in enumerate(value or []):
            if s not in SECTORS:
                raise _bad(f"is not a sector; sectors: {', '.join(SECTORS)}", s, str(i))
        return value


class ReturnPath(Model):
    """A legal way back into the host for someone whose last status was this one."""

    to: str
    cooldown_months: int = Field(0, ge=0, le=600)
    min_months_completed: int = Field(0, ge=0, le=600)
    requires_test: TestLevel = "none"
    open: DatedBool = True


Reform = Literal[REFORM_TRANSITIONS]


class ReformTransition(Model):
    """How each rule that binds a holder through the stay applies, when its dated value
    changes, to the people already in the status (a rule not named here: ``at_once``)."""

    max_stay_months: Reform = "at_once"
    max_total_months: Reform = "at_once"
    job_change: Reform = "at_once"
    job_change_after_months: Reform = "at_once"


class StatusRules(Model):
    """The rules of one residence status."""

    label: str = ""
    kind: Literal["programme", "skilled", "study", "settled", "designated"] = "programme"
    wage: _dated_float(0.0, 1e9) = Field(description="monthly wage in the host currency")
    admits_from_abroad: DatedBool = False
    recruitment_weight: _dated_float(0.0, 1e6) = 1.0
    max_stay_months: Months = 0  # per entry; 0 = no limit
    max_total_months: Months = 0  # over all stays in this status; 0 = no limit
    permit_months: _dated_int(1, 600) = 12
    renewable: DatedBool = False
    job_change: _dated("choice", choices=JOB_CHANGE_RULES) = "never"
    job_change_after_months: Months = 0
    # changes of employer a stay in the status allows at most; 0 = no limit
    job_change_limit: _dated_int(0, 50) = 0
    family_allowed: DatedBool = False
    # months in the status before family may join (the family right starts then); 0 = from entry
    family_after_months: Months = 0
    entry_skill_test: TestLevel = "none"
    entry_language_level: int = Field(0, ge=0, le=5)
    leaving_ends_right: DatedBool = True
    reentry_cooldown_months: Months = 0
    # employer recall: months after a regular return during which the employer holds the
    # worker's job and names them for re-hire when the cooldown ends; 0 = no recall
    recall_months: _dated_int(0, 60) = 0
    fee_cap_months: FeeCap = -1.0
    caps: dict[str, _dated_int(0, 10**8)] = Field(default_factory=dict)
    employer_intake_share: Rate = 1.0
    transitions: list[Transition] = Field(default_factory=list)
    return_paths: list[ReturnPath] = Field(default_factory=list)
    inflow_per_month: _dated_float(0.0, 1e7) = 0.0  # for non-programme kinds: entries from abroad
    # Persons a month, nationwide, admitted from abroad into this status at most (for a status with
    # an entry test: the places in the tests held abroad); -1: no limit.
    entry_capacity: _dated_float(-1.0, 1e7) = -1.0
    # Entries from abroad a quota year at most, by sector or origin (persons, full scale; a key
    # is a sector name or an origin code), the year starting in `quota_year_start_month`.
    # Re-entries of former holders through a return path are outside the quota.
    entry_quota: dict[str, _dated_float(0.0, 1e8)] = Field(default_factory=dict)
    quota_year_start_month: int = Field(1, ge=1, le=12)
    # Whether holders fill the sector demand that programme recruitment answers (vacancies);
    # None: the programme kinds do, the others (hired on their own channels) do not.
    fills_vacancies: bool | None = None
    exit_rate: Rate | None = None  # for non-programme kinds; None: the behavioural default
    # how changes of the holder rules apply to people already in the status; None: all at once
    reform_transition: ReformTransition | None = None

    @field_validator("entry_quota")
    @classmethod
    def _quota_keys(cls, value):
        for key in value:
            if key not in SECTORS and key not in ORIGINS:
                raise _bad(f"is neither a sector ({', '.join(SECTORS)}) nor an origin ({', '.join(ORIGINS)})",
                           key, key)
        return value

    @field_validator("caps")
    @classmethod
    def _cap_sectors(cls, value):
        for sector in value:
            if sector not in SECTORS:
                raise _bad(f"is not a sector; sectors: {', '.join(SECTORS)}", sector, sector)
        return value


class Programme(Model):
    """Programme-level levers that apply to every status."""

    detection_rate: Rate = 0.01
    removal_ban_months: Months = 60
    # openings a month at partner employers at origin, by sector (persons, at full scale), that
    # the bilateral channel offers to returnees waiting for a placement; dated, 0 where not given
    matching_capacity: dict[str, _dated_float(0.0, 1e7)] = Field(default_factory=dict, validate_default=True)
    recognition_coverage: Rate = 0.0
    reintegration_support_months: _dated_int(0, 60) = 0
    former_employer_rehire: DatedBool = False
    reentry_priority: DatedBool = True
    cumulative_abroad_counts: DatedBool = False
    reentry_fee_cap_months: FeeCap = -1.0
    entry_openness: Rate = 1.0

    @field_validator("matching_capacity")
    @classmethod
    def _capacity_sectors(cls, value):
        for sector in value:
            if sector not in SECTORS:
                raise _bad(f"is not a sector; sectors: {', '.join(SECTORS)}", sector, sector)
        # every sector, in the sectors' order: a sector left out has no openings
        return {sector: value.get(sector, 0.0) for sector in SECTORS}


class Economy(Model):
    """Macro paths (annual rates), all dated scenario assumptions."""

    host_wage_growth: _dated_float(-0.2, 0.3) = 0.01
    home_wage_growth: _dated_float(-0.2, 0.3) = 0.03
    exchange_rate_index: _dated_float(0.05, 20.0) = 1.0  # home currency value in host currency, 1.0 = start
    # A worker's monthly living cost in the host currency at the start; it grows with host
    # wages. None: the behavioural parameter living_cost_jpy (only for a yen host).
    living_cost: _dated_float(0.0, 1e9) | None = None


class Demand(Model):
    """Labour demand for foreign workers per sector."""

    initial: dict[str, float] = Field(default_factory=dict)  # persons; empty: employed at start x (1 + vacancy)
    initial_vacancy_rate: float = Field(0.05, ge=0.0, le=5.0)
    growth: dict[str, _dated_float(-0.5, 1.0)] = Field(default_factory=dict)  # annual growth per sector
    # persons a year added to a sector's demand besides its growth (e.g. a shortage the host
    # plans to fill over some years), spread over the months; dated, 0 where not given
    added_per_year: dict[str, _dated_float(-1e7, 1e7)] = Field(default_factory=dict)
    # a seasonal calendar: twelve factors (January to December) on a sector's demand in each
    # month of the year, e.g. 0 outside the season; employers hire for the month the recruits
    # arrive in (pre-season hiring). 1 in every month where not given
    season: dict[str, list[float]] = Field(default_factory=dict)

    @field_validator("season")
    @classmethod
    def _calendar(cls, value):
        for sector, factors in value.items():
            if len(factors) != 12 or not all(math.isfinite(f) and 0.0 <= f <= 10.0 for f in factors):
                raise _bad("must be 12 factors in [0, 10], January to December", factors, sector)
        return value

    @field_validator("initial", "growth", "added_per_year", "season")
    @classmethod
    def _sectors(cls, value):
        for sector in value:
            if sector not in SECTORS:
                raise _bad(f"is not a sector; sectors: {', '.join(SECTORS)}", sector, sector)
        return value

    @field_validator("initial")
    @classmethod
    def _persons(cls, value):
        for sector, persons in value.items():
            if not persons >= 0:
                raise _bad("must be a number of persons >= 0", persons, sector)
        return value


class OriginSettings(Model):
    """Overrides of the embedded origin data (money in the host currency per month).

    Each value may be dated. None: the embedded dated profile for a yen host (for
    ``recruitment_weight``, 1.0 for another host). A number given for ``home_wage`` is
    the level at the start, grown at ``economy.home_wage_growth``; a dated table holds
    each level from its date and grows only before its first date and after its last.
    """

    active: bool = True
    home_wage: _dated_float(0.01, 1e9) | None = None
    unemployment_rate: Rate | None = None
    fee: _dated_float(0.0, 1e10) | None = None
    pool_size: _dated_float(0.0, 1e10) | None = None
    recruitment_weight: _dated_float(0.0, 1e6) | None = None


class Assumption(Model):
    """A named, dated input beyond what data or law covers."""

    name: str
    applies_to: str  # dotted scenario path
    from_month: Month = Field(alias="from")
    value: str
    basis: str

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


_PRIOR_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class CalibrationPrior(Model):
    """A scenario assumption the calibration may fit (``coexist calibrate --param NAME``).

    A uniform prior on [low, high]. A drawn value v is written, as a ``--set`` override,
    to every scenario path in ``keys`` times that path's multiplier (1.0: v itself), so
    one value can move several fields (every sector's growth, one factor applied to
    several dated inflows).
    """

    low: float
    high: float
    keys: dict[str, float]  # "--set" path (dotted; list items by index, dated entries by "YYYY-MM") -> multiplier
    assumption: str = ""  # the name of the [[assumptions]] entry it stands for
    description: str = ""

    @model_validator(mode="after")
    def _range(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise _bad("must be finite with low < high", [self.low, self.high], "low")
        if not self.keys:
            example = '{ "programme.detection_rate" = 1.0 }'
            raise _bad(f"must name at least one scenario path, e.g. {example}", self.keys, "keys")
        for key, factor in self.keys.items():
            if not key.strip() or any(not part.strip() for part in key.split(".")):
                raise _bad("must be a dotted scenario path such as programme.entry_openness.2020-04", key, "keys")
            if not math.isfinite(factor) or factor == 0.0:
                raise _bad("must be a finite, non-zero multiplier", factor, f"keys.{key}")
        return self


class Calibration(Model):
    """What the calibration may fit beyond the behavioural parameters (docs/calibration.md)."""

    priors: dict[str, CalibrationPrior] = Field(default_factory=dict)

    @field_validator("priors")
    @classmethod
    def _names(cls, value):
        for name in value:
            if not _PRIOR_NAME.match(name):
                raise _bad("must be a name of lower-case letters, digits and _ (starting with a letter)", name, name)
        return value


def _at_path(data, key: str):
    """The value at a dotted scenario path (list items by index), or raise KeyError."""
    node = data
    for part in (p.strip() for p in key.split(".")):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(part)
    return node


class Horizon(Model):
    start: Month = "2025-01"
    end: Month = "2050-12"
    earliest_start: Month = "2025-01"

    @model_validator(mode="after")
    def _order(self):
        start, end, earliest = parse_month(self.start), parse_month(self.end), parse_month(self.earliest_start)
        if end < start:
            raise _bad(f"must not be before horizon.start ({self.start})", self.end, "end")
        if start < earliest:
            raise _bad(
                f"must not be before {self.earliest_start} (horizon.earliest_start, the first month after the"
                " initial stocks)",
                self.start,
                "start",
            )
        return self


class Population(Model):
    initial: Literal[INITIAL_POPULATIONS] = "japan-2024-12"
    # where the initial people's unrecorded attributes (months in status, skill, debt...)
    # come from: documented assumptions, or the end of the calibrated history (only for
    # japan-2024-12; docs/calibration.md)
    attributes: Literal["assumed", "calibrated-history"] = "assumed"
    initial_counts: dict[str, dict[str, dict[str, int]]] = Field(
        default_factory=dict
    )  # status -> origin -> sector -> persons
    scale: float = Field(1.0, gt=0.0, le=1.0)
    employers_per_sector: int = Field(2000, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _attributes(self):
        if self.attributes == "calibrated-history" and self.initial != "japan-2024-12":
            raise _bad(
                "needs initial = 'japan-2024-12' (the history ends in December 2024)", self.attributes, "attributes"
            )
        return self

    @field_validator("initial_counts")
    @classmethod
    def _counts(cls, value):
        for status, by_origin in value.items():
            for origin, by_sector in by_origin.items():
                if origin not in ORIGINS:
                    raise _bad(f"is not an origin; origins: {', '.join(ORIGINS)}", origin, f"{status}.{origin}")
                for sector, persons in by_sector.items():
                    if sector not in SECTORS:
                        raise _bad(
                            f"is not a sector; sectors: {', '.join(SECTORS)}", sector, f"{status}.{origin}.{sector}"
                        )
                    if persons < 0:
                        raise _bad("must be a number of persons >= 0", persons, f"{status}.{origin}.{sector}")
        return value


class Scenario(Model):
    """A complete, resolved scenario."""

    name: str
    description: str = ""
    extends: str | None = None
    host: str = "Japan"
    currency: str = "JPY"
    horizon: Horizon = Field(default_factory=Horizon)
    population: Population = Field(default_factory=Population)
    statuses: dict[str, StatusRules]
    programme: Programme = Field(default_factory=Programme)
    economy: Economy = Field(default_factory=Economy)
    demand: Demand = Field(default_factory=Demand)
    origins: dict[str, OriginSettings] = Field(default_factory=dict)
    # where behavioural parameters not set in [behaviour] come from: the embedded defaults
    # (data/parameters.toml) or the shipped calibration of the Japan scenarios
    # (data/calibrated/japan.toml, docs/calibration.md)
    behaviour_defaults: Literal["embedded", "calibrated-japan"] = "embedded"
    behaviour: dict[str, float] = Field(default_factory=dict)
    balance_weights: dict[str, float] = Field(
        default_factory=lambda: {"host": 1 / 3, "migrants": 1 / 3, "origin": 1 / 3}
    )
    assumptions: list[Assumption] = Field(default_factory=list)
    calibration: Calibration | None = None  # None (not written): nothing beyond the behavioural parameters

    @property
    def start(self) -> str:
        return self.horizon.start

    @property
    def end(self) -> str:
        return self.horizon.end

    @property
    def scale(self) -> float:
        return self.population.scale

    @model_validator(mode="after")
    def _cross_checks(self):
        names = list(self.statuses)
        allowed = ", ".join(names)
        for reserved in RESERVED_STATUSES:
            if reserved in self.statuses:
                raise _bad(
                    f"is reserved (every host has {', '.join(RESERVED_STATUSES)}); give the status another name",
                    reserved,
                    f"statuses.{reserved}",
                )
        for name, rules in self.statuses.items():
            for i, t in enumerate(rules.transitions):
                if t.to not in names:
                    raise _bad(f"must name a declared status: {allowed}", t.to, f"statuses.{name}.transitions.{i}.to")
            for i, p in enumerate(rules.return_paths):
                if p.to not in names:
                    raise _bad(f"must name a declared status: {allowed}", p.to, f"statuses.{name}.return_paths.{i}.to")
        for status in self.population.initial_counts:
            if status not in names:
                raise _bad(f"must name a declared status: {allowed}", status, f"population.initial_counts.{status}")
        for origin in self.origins:
            if origin not in ORIGINS:
                raise _bad(f"is not an origin; origins: {', '.join(ORIGINS)}", origin, f"origins.{origin}")
        if self.currency != "JPY" and self.economy.living_cost is None:
            raise _bad(
                f"is required for a host with currency {self.currency} (the default living cost is in yen)",
                None,
                "economy.living_cost",
            )
        if self.currency != "JPY":
            for origin, settings in self.origins.items():
                for needed in ("home_wage", "fee", "unemployment_rate", "pool_size"):
                    if settings.active and getattr(settings, needed) is None:
                        raise _bad(
                            f"is required for every active origin of a host with currency {self.currency} (the embedded"
                            " origin data is Japan's); give it, or set active = false",
                            None,
                            f"origins.{origin}.{needed}",
                        )
        weights = self.balance_weights
        if set(weights) != {"host", "migrants", "origin"} or any(w < 0 for w in weights.values()):
            raise _bad("needs exactly host, migrants and origin, each >= 0", weights, "balance_weights")
        if abs(sum(weights.values()) - 1.0) > 1e-6:
            raise _bad(f"must sum to 1 (they sum to {sum(weights.values()):.4f})", weights, "balance_weights")
        if self.calibration is not None:
            declared = {a.name for a in self.assumptions}
            for name, prior in self.calibration.priors.items():
                if prior.assumption and prior.assumption not in declared:
                    raise _bad(
                        f"must name one of the [[assumptions]] entries: {', '.join(sorted(declared)) or 'none'}",
                        prior.assumption,
                        f"calibration.priors.{name}.assumption",
                    )
        return self

    def prior_key_problem(self, name: str) -> str | None:
        """Why a key of the calibration prior ``name`` does not lead to a number here, or None.

        Checked when the prior is used, not at load: an override may replace a dated table
        that a prior writes into (the prior is then unusable, the scenario still valid).
        """
        data = self.model_dump(mode="python", by_alias=True, exclude={"calibration"})
        for key in self.calibration.priors[name].keys:
            try:
                value = _at_path(data, key)
            except KeyError:
                return (
                    f"its key {key!r} is not a value of this scenario (paths as in overrides; list items by index,"
                    " dated entries by their YYYY-MM)"
                )
            numbers = list(value.values()) if isinstance(value, dict) else [value]
            if not numbers or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers):
                return f"its key {key!r} does not lead to a number (or a dated table of numbers)"
        return None
