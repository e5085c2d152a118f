"""The rules as pure predicates: what a person in a given situation may do this month.

The engine's compiled passes and the per-person explainer call the same functions, so
an answer to "may this worker come back, and when?" is the rule the simulation uses.
No randomness and no I/O here: callers draw the random numbers.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from coexist.policy.tables import RegimeTables

__all__ = [
    "MonthRules",
    "month_rules",
    "remaining",
    "pass_probability",
    "way_back",
    "job_change_allowed",
    "best_transition",
    "reentry_cooldown",
    "NO_LIMIT",
]

KIND_PROGRAMME = 0
JOB_NEVER, JOB_AFTER, JOB_WITHIN, JOB_FREE = 0, 1, 2, 3
NO_LIMIT = 1 << 30


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
    family_allowed: np.ndarray
    leaving_ends_right: np.ndarray
    reentry_cooldown: np.ndarray
    exit_rate: np.ndarray
    tr_from: np.ndarray
    tr_to: np.ndarray
    tr_min_months: np.ndarray
    tr_min_abroad: np.ndarray
    tr_test: np.ndarray
    tr_language: np.ndarray
    tr_sector_ok: np.ndarray
    tr_open: np.ndarray
    tr_hazard: np.ndarray
    rp_from: np.ndarray
    rp_to: np.ndarray
    rp_cooldown: np.ndarray
    rp_min_completed: np.ndarray
    rp_test: np.ndarray
    rp_open: np.ndarray
    detection: float
    ban: int
    matching: float
    recognition: float
    support: int
    cumulative: bool


def month_rules(t: int, T: RegimeTables, default_exit: np.ndarray, default_hazard: np.ndarray) -> MonthRules:
    exit_rate = np.where(np.isnan(T.exit_rate[t]), default_exit, T.exit_rate[t])
    hazard = np.where(np.isnan(T.tr_hazard[t]), default_hazard, T.tr_hazard[t])
    return MonthRules(
        irregular=T.irregular,
        returned=T.returned,
        kind=T.kind,
        admits=T.admits[t],
        wage=T.wage[t],
        max_stay=T.max_stay[t],
        max_total=T.max_total[t],
        permit=T.permit[t],
        renewable=T.renewable[t],
        job_change=T.job_change[t],
        job_change_after=T.job_change_after[t],
        family_allowed=T.family_allowed[t],
        leaving_ends_right=T.leaving_ends_right[t],
        reentry_cooldown=T.reentry_cooldown[t],
        exit_rate=exit_rate,
        tr_from=T.tr_from,
        tr_to=T.tr_to,
        tr_min_months=T.tr_min_months,
        tr_min_abroad=T.tr_min_abroad,
        tr_test=T.tr_test,
        tr_language=T.tr_language,
        tr_sector_ok=T.tr_sector_ok,
        tr_open=T.tr_open[t],
        tr_hazard=hazard,
        rp_from=T.rp_from,
        rp_to=T.rp_to,
        rp_cooldown=T.rp_cooldown,
        rp_min_completed=T.rp_min_completed,
        rp_test=T.rp_test,
        rp_open=T.rp_open[t],
        detection=float(T.detection[t]),
        ban=int(T.ban[t]),
        matching=float(T.matching[t]),
        recognition=float(T.recognition[t]),
        support=int(T.support[t]),
        cumulative=bool(T.cumulative[t]),
    )

@njit(cache=True)
def remaining(R, status, months_in_status, status_total):
    """Months left before the current stay in `status` expires (NO_LIMIT when none).

    The stay per entry counts from the entry into the status; the lifetime limit counts
    every month ever spent in it.
    """
    left = NO_LIMIT
    if R.max_stay[status] > 0:
        left = R.max_stay[status] - months_in_status
    if R.max_total[status] > 0:
        left = min(left, R.max_total[status] - status_total)
    return left


@njit(cache=True)
def pass_probability(skill, level, slope, threshold_ssw1, threshold_ssw2):
    """Chance of passing the skill test of `level` (1: SSW-i, 2: SSW-ii) at this skill."""
    threshold = threshold_ssw1 if level <= 1 else threshold_ssw2
    return 1.0 / (1.0 + math.exp(-slope * (skill - threshold)))


@njit(cache=True)
def way_back(R, status, status_total, months_completed, cert, skill, slope, threshold_ssw1, threshold_ssw2):
    """Chance of a legal way back after leaving from `status`, and the status it leads to (-1: none).

    Re-entering the same status comes first (where leaving does not end the right and the
    lifetime limit is not used up), then the return paths in the order written; a path
    that needs a test the person has not passed counts with the chance of passing it.
    """
    best_p = 0.0
    best_to = -1
    if not R.leaving_ends_right[status] and (R.max_total[status] == 0 or status_total < R.max_total[status]):
        best_p = 1.0
        best_to = status
    for k in range(R.rp_from.shape[0]):
        if R.rp_from[k] != status or not R.rp_open[k]:
            continue
        if months_completed < R.rp_min_completed[k]:
            continue
        target = R.rp_to[k]
        if R.max_total[target] > 0 and target == status and status_total >= R.max_total[target]:
            continue
        p = 1.0
        level = R.rp_test[k]
        if level > 0 and cert < level:
            p = pass_probability(skill, level, slope, threshold_ssw1, threshold_ssw2)
        if p > best_p:
            best_p = p
            best_to = target
    return best_p, best_to


@njit(cache=True)
def reentry_cooldown(R, previous, target):
    """Months a person who left `previous` must wait at home before entering `target`."""
    if target == previous and not R.leaving_ends_right[previous]:
        return R.reentry_cooldown[previous]
    for k in range(R.rp_from.shape[0]):
        if R.rp_from[k] == previous and R.rp_to[k] == target:
            return R.rp_cooldown[k]
    return 0


@njit(cache=True)
def job_change_allowed(R, status, months_in_status):
    """Whether a holder of `status` may change employer now."""
    rule = R.job_change[status]
    return rule == JOB_FREE or rule == JOB_WITHIN or (rule == JOB_AFTER and months_in_status >= R.job_change_after[status])


@njit(cache=True)
def best_transition(R, status, sector, months_in_status, abroad_months, cert, language, cap_open):
    """The best-paid status this person may move to inside the host now (-1: none).

    A transition is open when its date allows it, the person has the months, the
    certified level and the language it asks for, works in a sector it covers, and the
    target's stock ceiling in that sector is not reached.
    """
    best = -1
    best_wage = -1.0
    for k in range(R.tr_from.shape[0]):
        if R.tr_from[k] != status or not R.tr_open[k]:
            continue
        if months_in_status < R.tr_min_months[k] or abroad_months < R.tr_min_abroad[k]:
            continue
        if cert < R.tr_test[k] or language < R.tr_language[k]:
            continue
        target = R.tr_to[k]
        if not R.tr_sector_ok[k, sector] or not cap_open[target, sector]:
            continue
        if R.wage[target] > best_wage:
            best = target
            best_wage = R.wage[target]
    return best
