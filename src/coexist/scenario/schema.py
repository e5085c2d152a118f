"""The scenario file format: strict pydantic models (unknown keys are errors).

A scenario describes a host, its residence statuses and their rules, the programme-level
levers, the economy and demand paths, the origin countries, and the behavioural
parameters. Any rule value may change on a date: write it as a table of
``{"YYYY-MM" = value}`` (the value applies from that month on). Before its first date a
dated value takes the first value given, unless the field says otherwise.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from coexist.codes import ORIGINS, SECTORS
from coexist.periods import parse_month

__all__ = [
    "Scenario",
    "StatusRules",
    "Transition",
    "ReturnPath",
    "Programme",
    "Economy",
    "Demand",
    "OriginSettings",
    "Assumption",
    "Horizon",
    "Population",
    "STATUS_KINDS",
    "JOB_CHANGE_RULES",
    "RESERVED_STATUSES",
]

STATUS_KINDS = ("programme", "skilled", "study", "settled", "designated")
JOB_CHANGE_RULES = ("never", "after", "within_field", "free")
# Statuses that every host has and no scenario declares: the pools at origin, former
# workers at origin, and people in the host without a valid status.
RESERVED_STATUSES = ("home", "returned", "irregular")


def _check_dated(value):
    if isinstance(value, dict):
        if not value:
            raise ValueError("a dated value needs at least one 'YYYY-MM' = value entry")
        months = []
        for key in value:
            months.append(parse_month(key))
        if months != sorted(months):
            raise ValueError("dated entries must be written in date order")
    return value


def _dated(tp):
    return Annotated[tp | dict[str, tp], AfterValidator(_check_dated)]


DatedFloat = _dated(float)
DatedInt = _dated(int)
DatedBool = _dated(bool)
Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True, frozen=False)


def _dated_range(value, lo, hi, name):
    values = value.values() if isinstance(value, dict) else [value]
    for v in values:
        if not lo <= v <= hi:
            raise ValueError(f"{name} must be in [{lo}, {hi}]. Got {v!r} instead.")
    return value


class Transition(Model):
    """A change of status inside the host (an upgrade or a move to another status)."""

    to: str
    min_months_in_status: int = Field(0, ge=0, le=600)
    min_months_abroad: int = Field(0, ge=0, le=600, description="cumulative months worked in the host")
    requires_test: Literal["none", "ssw1", "ssw2"] = "none"
    requires_language: int = Field(0, ge=0, le=5)
    same_sector: bool = True
    sectors: list[str] | None = None  # None: every sector
    open: DatedBool = True
    # Statuses whose members do not decide at expiry (non-programme kinds) take a
    # transition with this monthly probability once eligible. None: the behavioural
    # parameter student_to_professional_rate for study statuses, 0 otherwise.
    hazard: DatedFloat | None = None

    @model_validator(mode="after")
    def _sectors_known(self):
        if self.hazard is not None:
            _dated_range(self.hazard, 0.0, 1.0, "hazard")
        for s in self.sectors or []:
            if s not in SECTORS:
                raise ValueError(f"sector must be one of {', '.join(SECTORS)}. Got {s!r} instead.")
        return self


class ReturnPath(Model):
    """A legal way back into the host for someone whose last status was this one."""

    to: str
    cooldown_months: int = Field(0, ge=0, le=600)
    min_months_completed: int = Field(0, ge=0, le=600)
    requires_test: Literal["none", "ssw1", "ssw2"] = "none"
    open: DatedBool = True


class StatusRules(Model):
    """The rules of one residence status."""

    label: str = ""
    kind: Literal["programme", "skilled", "study", "settled", "designated"] = "programme"
    wage: DatedFloat = Field(description="monthly wage in the host currency")
    admits_from_abroad: DatedBool = False
    recruitment_weight: DatedFloat = 1.0
    max_stay_months: DatedInt = 0
    max_total_months: DatedInt = 0
    permit_months: DatedInt = 12
    renewable: DatedBool = False
    job_change: Literal["never", "after", "within_field", "free"] | dict[str, Literal["never", "after", "within_field", "free"]] = "never"
    job_change_after_months: DatedInt = 0
    family_allowed: DatedBool = False
    entry_skill_test: Literal["none", "ssw1", "ssw2"] = "none"
    entry_language_level: int = Field(0, ge=0, le=5)
    leaving_ends_right: DatedBool = True
    reentry_cooldown_months: DatedInt = 0
    fee_cap_months: DatedFloat = -1.0
    caps: dict[str, DatedInt] = Field(default_factory=dict)
    employer_intake_share: DatedFloat = 1.0
    transitions: list[Transition] = Field(default_factory=list)
    return_paths: list[ReturnPath] = Field(default_factory=list)
    inflow_per_month: DatedFloat = 0.0  # for non-programme kinds: entries from abroad
    exit_rate: DatedFloat | None = None  # for non-programme kinds; None: the behavioural default

    @model_validator(mode="after")
    def _ranges(self):
        _dated_range(self.wage, 0.0, 1e9, "wage")
        _dated_range(self.recruitment_weight, 0.0, 1e6, "recruitment_weight")
        _dated_range(self.max_stay_months, 0, 600, "max_stay_months")
        _dated_range(self.max_total_months, 0, 600, "max_total_months")
        _dated_range(self.permit_months, 1, 600, "permit_months")
        _dated_range(self.job_change_after_months, 0, 600, "job_change_after_months")
        _dated_range(self.reentry_cooldown_months, 0, 600, "reentry_cooldown_months")
        _dated_range(self.fee_cap_months, -1.0, 120.0, "fee_cap_months")
        _dated_range(self.employer_intake_share, 0.0, 1.0, "employer_intake_share")
        _dated_range(self.inflow_per_month, 0.0, 1e7, "inflow_per_month")
        if self.exit_rate is not None:
            _dated_range(self.exit_rate, 0.0, 1.0, "exit_rate")
        for sector, cap in self.caps.items():
            if sector not in SECTORS:
                raise ValueError(f"caps: sector must be one of {', '.join(SECTORS)}. Got {sector!r} instead.")
            _dated_range(cap, 0, 10**8, f"caps.{sector}")
        return self


class Programme(Model):
    """Programme-level levers that apply to every status."""

    detection_rate: DatedFloat = 0.01
    removal_ban_months: DatedInt = 60
    matching_share: DatedFloat = 0.0
    recognition_coverage: DatedFloat = 0.0
    reintegration_support_months: DatedInt = 0
    former_employer_rehire: DatedBool = False
    reentry_priority: DatedBool = True
    cumulative_abroad_counts: DatedBool = False
    reentry_fee_cap_months: DatedFloat = -1.0
    entry_openness: DatedFloat = 1.0

    @model_validator(mode="after")
    def _ranges(self):
        _dated_range(self.detection_rate, 0.0, 1.0, "detection_rate")
        _dated_range(self.removal_ban_months, 0, 600, "removal_ban_months")
        _dated_range(self.matching_share, 0.0, 1.0, "matching_share")
        _dated_range(self.recognition_coverage, 0.0, 1.0, "recognition_coverage")
        _dated_range(self.reintegration_support_months, 0, 60, "reintegration_support_months")
        _dated_range(self.reentry_fee_cap_months, -1.0, 120.0, "reentry_fee_cap_months")
        _dated_range(self.entry_openness, 0.0, 1.0, "entry_openness")
        return self


class Economy(Model):
    """Macro paths (annual rates), all dated scenario assumptions."""

    host_wage_growth: DatedFloat = 0.01
    home_wage_growth: DatedFloat = 0.03
    exchange_rate_index: DatedFloat = 1.0  # home currency value in host currency, 1.0 = start

    @model_validator(mode="after")
    def _ranges(self):
        _dated_range(self.host_wage_growth, -0.2, 0.3, "host_wage_growth")
        _dated_range(self.home_wage_growth, -0.2, 0.3, "home_wage_growth")
        _dated_range(self.exchange_rate_index, 0.05, 20.0, "exchange_rate_index")
        return self


class Demand(Model):
    """Labour demand for foreign workers per sector."""

    initial: dict[str, float] = Field(default_factory=dict)  # persons; empty: employed at start x (1 + vacancy)
    initial_vacancy_rate: float = Field(0.05, ge=0.0, le=5.0)
    growth: dict[str, DatedFloat] = Field(default_factory=dict)  # annual growth per sector

    @model_validator(mode="after")
    def _sectors(self):
        for table in (self.initial, self.growth):
            for sector in table:
                if sector not in SECTORS:
                    raise ValueError(f"sector must be one of {', '.join(SECTORS)}. Got {sector!r} instead.")
        for sector, g in self.growth.items():
            _dated_range(g, -0.5, 1.0, f"growth.{sector}")
        for sector, v in self.initial.items():
            if v < 0:
                raise ValueError(f"initial.{sector} must be >= 0. Got {v!r} instead.")
        return self


class OriginSettings(Model):
    """Overrides of the embedded origin data (money in the host currency per month)."""

    active: bool = True
    home_wage: float | None = Field(None, gt=0)
    unemployment_rate: float | None = Field(None, ge=0.0, le=1.0)
    fee: float | None = Field(None, ge=0.0)
    pool_size: float | None = Field(None, ge=0.0)
    recruitment_weight: float = Field(1.0, ge=0.0)


class Assumption(Model):
    """A named, dated input beyond what data or law covers."""

    name: str
    applies_to: str  # dotted scenario path
    from_month: str = Field(alias="from")
    value: str
    basis: str

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    @model_validator(mode="after")
    def _month(self):
        parse_month(self.from_month)
        return self


class Horizon(Model):
    start: str = "2025-01"
    end: str = "2050-12"
    earliest_start: str = "2025-01"

    @model_validator(mode="after")
    def _order(self):
        start, end, earliest = parse_month(self.start), parse_month(self.end), parse_month(self.earliest_start)
        if end < start:
            raise ValueError(f"end must not be before start. Got start={self.start}, end={self.end}.")
        if start < earliest:
            raise ValueError(
                f"start must not be before {self.earliest_start}, the first month after the initial stocks. Got {self.start}."
            )
        return self


class Population(Model):
    initial: str = "japan-2024-12"  # "japan-2024-12" or "empty"
    initial_counts: dict[str, dict[str, dict[str, int]]] = Field(default_factory=dict)  # status -> origin -> sector -> persons
    scale: float = Field(1.0, gt=0.0, le=1.0)
    employers_per_sector: int = Field(2000, ge=1, le=1_000_000)


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
    behaviour: dict[str, float] = Field(default_factory=dict)
    balance_weights: dict[str, float] = Field(default_factory=lambda: {"host": 1 / 3, "migrants": 1 / 3, "origin": 1 / 3})
    assumptions: list[Assumption] = Field(default_factory=list)

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
        for reserved in RESERVED_STATUSES:
            if reserved in self.statuses:
                raise ValueError(f"statuses: {reserved!r} is reserved and may not be declared")
        for name, rules in self.statuses.items():
            for t in rules.transitions:
                if t.to not in names:
                    raise ValueError(
                        f"statuses.{name}.transitions: unknown status {t.to!r}; allowed: {', '.join(names)}"
                    )
            for p in rules.return_paths:
                if p.to not in names:
                    raise ValueError(
                        f"statuses.{name}.return_paths: unknown status {p.to!r}; allowed: {', '.join(names)}"
                    )
        for origin in self.origins:
            if origin not in ORIGINS:
                raise ValueError(f"origins: origin must be one of {', '.join(ORIGINS)}. Got {origin!r} instead.")
        if self.currency != "JPY":
            for origin, settings in self.origins.items():
                if settings.active and (settings.home_wage is None or settings.fee is None):
                    raise ValueError(
                        f"origins.{origin}: a host with currency {self.currency} needs home_wage and fee for every"
                        " active origin (the embedded origin data is in JPY)"
                    )
        weights = self.balance_weights
        if set(weights) != {"host", "migrants", "origin"} or any(w < 0 for w in weights.values()):
            raise ValueError("balance_weights needs host, migrants and origin, each >= 0")
        if abs(sum(weights.values()) - 1.0) > 1e-6:
            raise ValueError(f"balance_weights must sum to 1. Got {sum(weights.values()):.4f} instead.")
        return self
