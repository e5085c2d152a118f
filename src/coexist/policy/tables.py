"""Compile a scenario's dated rules into month-by-status arrays that the engine reads.

Rules stay data: this module only evaluates them for every month of the horizon, so the
engine never asks "which year is it?".
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from coexist.codes import ORIGINS, SECTORS
from coexist.periods import parse_month
from coexist.policy.dated import evaluate
from coexist.scenario.schema import (
    HOLDER_RULES,
    JOB_CHANGE_RULES,
    REFORM_TRANSITIONS,
    STATUS_KINDS,
    TEST_LEVELS,
    Scenario,
)

__all__ = ["RegimeTables", "compile_regime", "MonthRules", "month_rules", "TEST_LEVELS", "NO_CAP", "NO_REFORM"]

NO_CAP = np.float64(np.inf)
# the month of "no reform yet": far enough back that every stay counts in full after it
NO_REFORM = -(1 << 24)


@dataclass
class RegimeTables:
    """Every rule of a scenario evaluated for each month (axis 0) of the horizon."""

    months: np.ndarray  # int32 month indices
    status_names: tuple[str, ...]  # code -> name: home, declared..., irregular, returned
    home: int
    irregular: int
    returned: int
    kind: np.ndarray  # int8 per status; -1 for home/irregular/returned
    wage: np.ndarray  # [month, status] host currency, host wage growth applied
    admits: np.ndarray  # [month, status] bool
    recruit_weight: np.ndarray  # [month, status]
    max_stay: np.ndarray  # [month, status] int32 (0 = none)
    max_total: np.ndarray
    permit: np.ndarray
    renewable: np.ndarray  # bool
    job_change: np.ndarray  # int8 code of JOB_CHANGE_RULES
    job_change_after: np.ndarray
    family_allowed: np.ndarray
    family_after: np.ndarray  # [month, status] months in status before family may join
    entry_test: np.ndarray  # int8 per status
    entry_language: np.ndarray  # int8 per status
    leaving_ends_right: np.ndarray
    reentry_cooldown: np.ndarray
    recall_months: np.ndarray  # [month, status] months an employer holds a returnee's job; 0 = no recall
    job_change_limit: np.ndarray  # [month, status] changes of employer a stay allows; 0 = no limit
    fee_cap: np.ndarray  # [month, status] months of wage, -1 none
    caps: np.ndarray  # [month, status, sector], inf = none
    intake_share: np.ndarray
    inflow: np.ndarray  # [month, status] persons per month (non-programme kinds)
    exit_rate: np.ndarray  # [month, status], NaN = behavioural default
    entry_capacity: np.ndarray  # [month, status] persons per month admitted from abroad, inf = no limit
    quota_sector: np.ndarray  # [month, status, sector] entries from abroad a quota year (full scale), inf = none
    quota_origin: np.ndarray  # [month, status, origin] the same by origin
    quota_year_start: np.ndarray  # [status] month of the year (1-12) a quota year starts
    fills_vacancies: np.ndarray  # bool per status: holders count against the sector demand
    # reforms of the holder rules (HOLDER_RULES: max stay, max total, job change and its months)
    reform_rule: np.ndarray  # [rule, status] int8 code of REFORM_TRANSITIONS
    reform_since: np.ndarray  # [month, rule, status] int32 month index of the latest change so far, NO_REFORM: none
    reform_by_start: np.ndarray  # [rule, status, start] int32 value in force in the month a permit was granted
    reform_first: int  # month index of reform_by_start's first column (earlier months read it)
    # transitions inside the host
    tr_from: np.ndarray
    tr_to: np.ndarray
    tr_min_months: np.ndarray
    tr_min_abroad: np.ndarray
    tr_test: np.ndarray
    tr_language: np.ndarray
    tr_sector_ok: np.ndarray  # [transition, sector] bool
    tr_open: np.ndarray  # [month, transition] bool
    tr_hazard: np.ndarray  # [month, transition]
    tr_capacity: np.ndarray  # [month, transition] persons per month, inf = no limit
    # legal ways back after leaving
    rp_from: np.ndarray
    rp_to: np.ndarray
    rp_cooldown: np.ndarray
    rp_min_completed: np.ndarray
    rp_test: np.ndarray
    rp_open: np.ndarray  # [month, path]
    # programme levers, per month
    detection: np.ndarray
    ban: np.ndarray
    matching_capacity: np.ndarray  # [month, sector] openings a month for returnees (full scale)
    recognition: np.ndarray
    support: np.ndarray
    rehire: np.ndarray
    priority: np.ndarray
    cumulative: np.ndarray
    reentry_fee_cap: np.ndarray
    openness: np.ndarray
    # economy, per month: multiplicative indices relative to the first month
    host_wage_index: np.ndarray
    home_wage_index: np.ndarray

    @property
    def n_status(self) -> int:
        return len(self.status_names)

    def code(self, name: str) -> int:
        return self.status_names.index(name)


def _growth_index(annual, months: np.ndarray) -> np.ndarray:
    """Cumulative index from a dated annual growth rate, 1.0 in the first month."""
    monthly = (1.0 + evaluate(annual, months)) ** (1.0 / 12.0)
    index = np.cumprod(monthly)
    return index / index[0]


def _by_sector(values: dict, months: np.ndarray) -> np.ndarray:
    """[month, sector] table of dated values given by sector name (0 where not given)."""
    table = np.zeros((len(months), len(SECTORS)))
    for sector, value in values.items():
        table[:, SECTORS.index(sector)] = evaluate(value, months, np.float64)
    return table


def _unlimited(capacity: np.ndarray) -> np.ndarray:
    """A capacity table with its "no limit" (negative) entries as infinity."""
    return np.where(capacity < 0, np.inf, capacity)


def _hazards(transitions, months: np.ndarray) -> np.ndarray:
    """[month, transition] monthly hazards; NaN where the behavioural default applies."""
    out = np.full((len(months), len(transitions)), np.nan)
    for i, (_, t) in enumerate(transitions):
        if t.hazard is not None:
            out[:, i] = evaluate(t.hazard, months)
    return out


def _holder_rule_values(rules, field: str):
    """A status's holder rule as the dated numbers the tables hold (job change rules as codes)."""
    value = getattr(rules, field)
    if field != "job_change":
        return value
    if isinstance(value, dict):
        return {k: JOB_CHANGE_RULES.index(v) for k, v in value.items()}
    return JOB_CHANGE_RULES.index(value)


def _reforms(scenario: Scenario, code: dict[str, int], months: np.ndarray, n_s: int):
    """The holder rules' transitions, the month of each rule's latest change, and each rule's
    value by the month a permit was granted (from the earliest date any of them names)."""
    n_r = len(HOLDER_RULES)
    dates = [parse_month(k) for rules in scenario.statuses.values() for field in HOLDER_RULES
             if isinstance(value := getattr(rules, field), dict) for k in value]
    first = min([int(months[0]) - 1, *dates])
    starts = np.arange(first, int(months[-1]) + 1, dtype=np.int32)
    rule = np.zeros((n_r, n_s), dtype=np.int8)
    since = np.full((len(months), n_r, n_s), NO_REFORM, dtype=np.int32)
    by_start = np.zeros((n_r, n_s, len(starts)), dtype=np.int32)
    for name, rules in scenario.statuses.items():
        c = code[name]
        for r, field in enumerate(HOLDER_RULES):
            if rules.reform_transition is not None:
                rule[r, c] = REFORM_TRANSITIONS.index(getattr(rules.reform_transition, field))
            by_start[r, c] = evaluate(_holder_rule_values(rules, field), starts, np.int32)
            changed = np.flatnonzero(by_start[r, c, 1:] != by_start[r, c, :-1]) + 1
            for k in changed:  # the latest change on or before each month
                since[months >= starts[k], r, c] = starts[k]
    return rule, since, by_start, first


def compile_regime(scenario: Scenario) -> RegimeTables:
    start, end = parse_month(scenario.horizon.start), parse_month(scenario.horizon.end)
    months = np.arange(start, end + 1, dtype=np.int32)
    declared = list(scenario.statuses)
    names = ("home", *declared, "irregular", "returned")
    n_m, n_s, n_sec = len(months), len(names), len(SECTORS)
    code = {name: i for i, name in enumerate(names)}

    def per_status(field, dtype, fill=0):
        out = np.full((n_m, n_s), fill, dtype=dtype)
        for name, rules in scenario.statuses.items():
            out[:, code[name]] = evaluate(getattr(rules, field), months, dtype)
        return out

    kind = np.full(n_s, -1, dtype=np.int8)
    entry_test = np.zeros(n_s, dtype=np.int8)
    entry_language = np.zeros(n_s, dtype=np.int8)
    job_change = np.zeros((n_m, n_s), dtype=np.int8)
    caps = np.full((n_m, n_s, n_sec), NO_CAP)
    quota_sector = np.full((n_m, n_s, n_sec), np.inf)
    quota_origin = np.full((n_m, n_s, len(ORIGINS)), np.inf)
    quota_year_start = np.ones(n_s, dtype=np.int64)
    exit_rate = np.full((n_m, n_s), np.nan)
    fills_vacancies = np.zeros(n_s, dtype=np.bool_)
    for name, rules in scenario.statuses.items():
        c = code[name]
        kind[c] = STATUS_KINDS.index(rules.kind)
        fills_vacancies[c] = rules.kind == "programme" if rules.fills_vacancies is None else rules.fills_vacancies
        entry_test[c] = TEST_LEVELS.index(rules.entry_skill_test)
        entry_language[c] = rules.entry_language_level
        job_change[:, c] = evaluate(_holder_rule_values(rules, "job_change"), months, np.int8)
        for sector, cap in rules.caps.items():
            caps[:, c, SECTORS.index(sector)] = evaluate(cap, months, np.float64)
        for key, quota in rules.entry_quota.items():
            by, keys = (quota_sector, SECTORS) if key in SECTORS else (quota_origin, ORIGINS)
            by[:, c, keys.index(key)] = evaluate(quota, months, np.float64)
        quota_year_start[c] = rules.quota_year_start_month
        if rules.exit_rate is not None:
            exit_rate[:, c] = evaluate(rules.exit_rate, months)

    transitions = [(name, t) for name, rules in scenario.statuses.items() for t in rules.transitions]
    paths = [(name, p) for name, rules in scenario.statuses.items() for p in rules.return_paths]
    tr_sector_ok = np.ones((len(transitions), n_sec), dtype=np.bool_)
    for i, (_, t) in enumerate(transitions):
        if t.sectors is not None:
            tr_sector_ok[i] = [s in t.sectors for s in SECTORS]

    def per_item(items, field, dtype):
        out = np.zeros((n_m, len(items)), dtype=dtype)
        for i, (_, item) in enumerate(items):
            out[:, i] = evaluate(getattr(item, field), months, dtype)
        return out

    p = scenario.programme
    host_index = _growth_index(scenario.economy.host_wage_growth, months)
    home_index = _growth_index(scenario.economy.home_wage_growth, months) * evaluate(
        scenario.economy.exchange_rate_index, months
    )
    wage = per_status("wage", np.float64) * host_index[:, None]
    reform_rule, reform_since, reform_by_start, reform_first = _reforms(scenario, code, months, n_s)
    return RegimeTables(
        months=months,
        status_names=names,
        home=0,
        irregular=code["irregular"],
        returned=code["returned"],
        kind=kind,
        wage=wage,
        admits=per_status("admits_from_abroad", np.bool_, False),
        recruit_weight=per_status("recruitment_weight", np.float64),
        max_stay=per_status("max_stay_months", np.int32),
        max_total=per_status("max_total_months", np.int32),
        permit=per_status("permit_months", np.int32, 12),
        renewable=per_status("renewable", np.bool_, False),
        job_change=job_change,
        job_change_after=per_status("job_change_after_months", np.int32),
        family_allowed=per_status("family_allowed", np.bool_, False),
        family_after=per_status("family_after_months", np.int32),
        entry_test=entry_test,
        entry_language=entry_language,
        leaving_ends_right=per_status("leaving_ends_right", np.bool_, True),
        reentry_cooldown=per_status("reentry_cooldown_months", np.int32),
        recall_months=per_status("recall_months", np.int32),
        job_change_limit=per_status("job_change_limit", np.int32),
        fee_cap=per_status("fee_cap_months", np.float64, -1.0),
        caps=caps,
        intake_share=per_status("employer_intake_share", np.float64, 1.0),
        inflow=per_status("inflow_per_month", np.float64),
        exit_rate=exit_rate,
        entry_capacity=_unlimited(per_status("entry_capacity", np.float64, -1.0)),
        quota_sector=quota_sector,
        quota_origin=quota_origin,
        quota_year_start=quota_year_start,
        fills_vacancies=fills_vacancies,
        reform_rule=reform_rule,
        reform_since=reform_since,
        reform_by_start=reform_by_start,
        reform_first=reform_first,
        tr_from=np.array([code[n] for n, _ in transitions], dtype=np.int8),
        tr_to=np.array([code[t.to] for _, t in transitions], dtype=np.int8),
        tr_min_months=np.array([t.min_months_in_status for _, t in transitions], dtype=np.int32),
        tr_min_abroad=np.array([t.min_months_abroad for _, t in transitions], dtype=np.int32),
        tr_test=np.array([TEST_LEVELS.index(t.requires_test) for _, t in transitions], dtype=np.int8),
        tr_language=np.array([t.requires_language for _, t in transitions], dtype=np.int8),
        tr_sector_ok=tr_sector_ok,
        tr_open=per_item(transitions, "open", np.bool_),
        tr_hazard=_hazards(transitions, months),
        tr_capacity=_unlimited(per_item(transitions, "capacity", np.float64)),
        rp_from=np.array([code[n] for n, _ in paths], dtype=np.int8),
        rp_to=np.array([code[q.to] for _, q in paths], dtype=np.int8),
        rp_cooldown=np.array([q.cooldown_months for _, q in paths], dtype=np.int32),
        rp_min_completed=np.array([q.min_months_completed for _, q in paths], dtype=np.int32),
        rp_test=np.array([TEST_LEVELS.index(q.requires_test) for _, q in paths], dtype=np.int8),
        rp_open=per_item(paths, "open", np.bool_),
        detection=evaluate(p.detection_rate, months),
        ban=evaluate(p.removal_ban_months, months, np.int32),
        matching_capacity=_by_sector(p.matching_capacity, months),
        recognition=evaluate(p.recognition_coverage, months),
        support=evaluate(p.reintegration_support_months, months, np.int32),
        rehire=evaluate(p.former_employer_rehire, months, np.bool_),
        priority=evaluate(p.reentry_priority, months, np.bool_),
        cumulative=evaluate(p.cumulative_abroad_counts, months, np.bool_),
        reentry_fee_cap=evaluate(p.reentry_fee_cap_months, months),
        openness=evaluate(p.entry_openness, months),
        host_wage_index=host_index,
        home_wage_index=home_index,
    )


class MonthRules(NamedTuple):
    """The rules in force this month, as the kernels read them."""

    irregular: int
    returned: int
    kind: np.ndarray
    admits: np.ndarray
    wage: np.ndarray
    max_stay: np.ndarray
    max_total: np.ndarray
    permit: np.ndarray
    renewable: np.ndarray
    job_change: np.ndarray
    job_change_after: np.ndarray
    job_change_limit: np.ndarray
    family_allowed: np.ndarray
    family_after: np.ndarray
    leaving_ends_right: np.ndarray
    reentry_cooldown: np.ndarray
    exit_rate: np.ndarray
    reform_rule: np.ndarray
    reform_since: np.ndarray
    reform_by_start: np.ndarray
    reform_first: int
    tr_from: np.ndarray
    tr_to: np.ndarray
    tr_min_months: np.ndarray
    tr_min_abroad: np.ndarray
    tr_test: np.ndarray
    tr_language: np.ndarray
    tr_sector_ok: np.ndarray
    tr_open: np.ndarray
    tr_hazard: np.ndarray
    tr_share: np.ndarray  # chance that a person who takes a route with a capacity gets through this month
    rp_from: np.ndarray
    rp_to: np.ndarray
    rp_cooldown: np.ndarray
    rp_min_completed: np.ndarray
    rp_test: np.ndarray
    rp_open: np.ndarray
    detection: float
    ban: int
    matching_capacity: np.ndarray  # [sector]
    recognition: float
    support: int
    cumulative: bool


# Fields that are the same every month: the regime's fixed codes and the shape of its
# transitions and return paths. Every other field of MonthRules is a dated table or lever of
# RegimeTables with the same name, read at the month (a new lever needs no line here).
_UNDATED = frozenset({
    "irregular", "returned", "kind", "tr_from", "tr_to", "tr_min_months", "tr_min_abroad", "tr_test",
    "tr_language", "tr_sector_ok", "rp_from", "rp_to", "rp_cooldown", "rp_min_completed", "rp_test",
    "reform_rule", "reform_by_start", "reform_first",
})
# the Python type of each scalar field (the kernels are compiled for these, not NumPy scalars)
_SCALARS = {name: hint for name, hint in typing.get_type_hints(MonthRules).items() if hint in (float, int, bool)}


def month_rules(
    t: int, T: RegimeTables, default_exit: np.ndarray, default_hazard: np.ndarray, tr_share: np.ndarray
) -> MonthRules:
    """Month `t` of the tables, as the compiled passes read it; `default_exit` and
    `default_hazard` stand where the scenario leaves an exit rate or a transition hazard to
    the behavioural parameters (NaN in the tables); `tr_share` is each route's share this
    month (set by the engine from its capacity and the demand for it)."""
    filled = {
        "exit_rate": np.where(np.isnan(T.exit_rate[t]), default_exit, T.exit_rate[t]),
        "tr_hazard": np.where(np.isnan(T.tr_hazard[t]), default_hazard, T.tr_hazard[t]),
        "tr_share": tr_share,
    }
    values = {}
    for name in MonthRules._fields:
        if name in filled:
            values[name] = filled[name]
        elif name in _UNDATED:
            values[name] = getattr(T, name)
        else:
            value = getattr(T, name)[t]
            values[name] = _SCALARS[name](value) if name in _SCALARS else value
    return MonthRules(**values)
