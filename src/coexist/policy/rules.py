"""The rules as pure predicates: what a person in a given situation may do this month.

The engine's compiled passes and the per-person explainer call the same functions, so
an answer to "may this worker come back, and when?" is the rule the simulation uses.
No randomness and no I/O here: callers draw the random numbers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from coexist.policy.tables import MonthRules, month_rules  # noqa: F401  (the month's rules, built with the tables)
from coexist.scenario.schema import HOLDER_RULES, JOB_CHANGE_RULES, REFORM_TRANSITIONS, STATUS_KINDS

__all__ = [
    "MonthRules",
    "month_rules",
    "remaining",
    "remaining_held",
    "held_rule",
    "months_not_counted",
    "pass_probability",
    "way_back",
    "job_change_allowed",
    "family_may_live_in_host",
    "capped_fee",
    "job_change_allowed_held",
    "best_transition",
    "reentry_cooldown",
    "NO_LIMIT",
]

# Codes of the status kinds and job-change rules, looked up from their names (compiled
# code reads them as constants).
KIND_PROGRAMME = STATUS_KINDS.index("programme")
KIND_SKILLED = STATUS_KINDS.index("skilled")
KIND_STUDY = STATUS_KINDS.index("study")
KIND_SETTLED = STATUS_KINDS.index("settled")
KIND_DESIGNATED = STATUS_KINDS.index("designated")
JOB_NEVER = JOB_CHANGE_RULES.index("never")
JOB_AFTER = JOB_CHANGE_RULES.index("after")
JOB_WITHIN = JOB_CHANGE_RULES.index("within_field")
JOB_FREE = JOB_CHANGE_RULES.index("free")
JOB_FOR_CAUSE = JOB_CHANGE_RULES.index("for_cause")
NO_LIMIT = 1 << 30
# the holder rules and their reform transitions, by code
HOLD_STAY = HOLDER_RULES.index("max_stay_months")
HOLD_TOTAL = HOLDER_RULES.index("max_total_months")
HOLD_JOB = HOLDER_RULES.index("job_change")
HOLD_JOB_AFTER = HOLDER_RULES.index("job_change_after_months")
FROM_REFORM = REFORM_TRANSITIONS.index("from_reform")
NEW_PERMITS = REFORM_TRANSITIONS.index("new_permits")
# the MonthRules table of each holder rule, in HOLDER_RULES order
HOLDER_TABLES = ("max_stay", "max_total", "job_change", "job_change_after")


# The predicates take the rule arrays they read as arguments (not the MonthRules tuple):
# compiled loops then read plain local arrays, which keeps the hot path fast.


@njit(inline="always", cache=True)
def _months_left(max_stay, months_in_stay, max_total, months_in_total):
    left = NO_LIMIT
    if max_stay > 0:
        left = max_stay - months_in_stay
    if max_total > 0:
        left = min(left, max_total - months_in_total)
    return left


@njit(inline="always", cache=True)
def remaining(max_stay, max_total, status, months_in_status, status_total):
    """Months left before the current stay in `status` expires (NO_LIMIT when none), under the
    rules in force now (a new permit, or rules that apply at once).

    The stay per entry counts from the entry into the status; the lifetime limit counts
    every month ever spent in it.
    """
    return _months_left(max_stay[status], months_in_status, max_total[status], status_total)


# A reform of a holder rule (a change of its dated value) applies to the people already in the
# status as the status's reform transition says: at once; counted from the reform date (the months
# of the stay before the latest change do not count); or only to permits granted from the reform
# date on, the others keeping the value in force when their permit was granted. A permit is granted
# in month `month - months_in_status`: on entering the status (from abroad, by a change of status,
# or again after leaving it); renewing it within the stay keeps it. With every transition at once
# these give exactly what `remaining` and `job_change_allowed` give.


@njit(inline="always", cache=True)
def held_rule(now, reform_rule, reform_by_start, reform_first, rule, status, start):
    """The value of holder rule `rule` (its HOLDER_RULES code) that binds a holder of `status`
    whose permit was granted in month `start`: `now[status]`, the value in force this month,
    except under new_permits, where it is the value in force in month `start`."""
    if reform_rule[rule, status] != NEW_PERMITS:
        return now[status]
    k = min(max(start - reform_first, 0), reform_by_start.shape[2] - 1)
    return reform_by_start[rule, status, k]


@njit(inline="always", cache=True)
def months_not_counted(reform_rule, reform_since, rule, status, month, months_in_status):
    """Months of the current stay that holder rule `rule` does not count: under from_reform,
    those before its latest change; none otherwise."""
    if reform_rule[rule, status] != FROM_REFORM:
        return 0
    return max(0, months_in_status - (month - reform_since[rule, status]))


@njit(inline="always", cache=True)
def remaining_held(max_stay, max_total, reform_rule, reform_since, reform_by_start, reform_first, status, month,
                   months_in_status, status_total):
    """Months left before the current stay of a holder of `status` expires (NO_LIMIT when none),
    in month `month`, under the limits that bind this holder (see `held_rule`)."""
    start = month - months_in_status
    stay = held_rule(max_stay, reform_rule, reform_by_start, reform_first, HOLD_STAY, status, start)
    total = held_rule(max_total, reform_rule, reform_by_start, reform_first, HOLD_TOTAL, status, start)
    in_stay = months_in_status - months_not_counted(reform_rule, reform_since, HOLD_STAY, status, month,
                                                    months_in_status)
    in_total = status_total - months_not_counted(reform_rule, reform_since, HOLD_TOTAL, status, month,
                                                 months_in_status)
    return _months_left(stay, in_stay, total, in_total)


@njit(inline="always", cache=True)
def pass_probability(skill, level, slope, threshold_ssw1, threshold_ssw2):
    """Chance of passing the skill test of `level` (1: SSW-i, 2: SSW-ii) at this skill."""
    threshold = threshold_ssw1 if level <= 1 else threshold_ssw2
    return 1.0 / (1.0 + math.exp(-slope * (skill - threshold)))


@njit(inline="always", cache=True)
def way_back(leaving_ends_right, max_total, rp_from, rp_to, rp_open, rp_min_completed, rp_test,
             status, status_total, months_completed, cert, skill, slope, threshold_ssw1, threshold_ssw2):
    """Chance of a legal way back after leaving from `status`, and the status it leads to (-1: none).

    Re-entering the same status comes first (where leaving does not end the right and the
    lifetime limit is not used up), then the return paths in the order written; a path
    that needs a test the person has not passed counts with the chance of passing it.
    """
    best_p = 0.0
    best_to = -1
    if not leaving_ends_right[status] and (max_total[status] == 0 or status_total < max_total[status]):
        best_p = 1.0
        best_to = status
    for k in range(rp_from.shape[0]):
        if best_p >= 1.0:
            break  # a certain way back is found; no path can be better
        if rp_from[k] != status or not rp_open[k]:
            continue
        if months_completed < rp_min_completed[k]:
            continue
        target = rp_to[k]
        if max_total[target] > 0 and target == status and status_total >= max_total[target]:
            continue
        p = 1.0
        level = rp_test[k]
        if level > 0 and cert < level:
            p = pass_probability(skill, level, slope, threshold_ssw1, threshold_ssw2)
        if p > best_p:
            best_p = p
            best_to = target
    return best_p, best_to


@njit(inline="always", cache=True)
def reentry_cooldown(leaving_ends_right, cooldown, rp_from, rp_to, rp_cooldown, previous, target):
    """Months a person who left `previous` must wait at home before entering `target`."""
    if target == previous and not leaving_ends_right[previous]:
        return cooldown[previous]
    for k in range(rp_from.shape[0]):
        if rp_from[k] == previous and rp_to[k] == target:
            return rp_cooldown[k]
    return 0


@njit(inline="always", cache=True)
def _may_change_job(rule, after, months, cause):
    return (rule == JOB_FREE or rule == JOB_WITHIN or (rule == JOB_AFTER and months >= after)
            or (rule == JOB_FOR_CAUSE and cause))


@njit(inline="always", cache=True)
def job_change_allowed(job_change, job_change_after, status, months_in_status, cause=False):
    """Whether a holder of `status` may change employer now, under the rules in force now
    (`cause`: the employer gives one, as an abusive employer does, for a `for_cause` rule)."""
    return _may_change_job(job_change[status], job_change_after[status], months_in_status, cause)


@njit(inline="always", cache=True)
def job_change_allowed_held(job_change, job_change_after, reform_rule, reform_since, reform_by_start, reform_first,
                            status, month, months_in_status, cause=False):
    """Whether a holder of `status` may change employer in month `month`, under the job-change
    rule that binds this holder (see `held_rule`; the months it asks for count from the reform
    date when either part of the rule changes from_reform); `cause` as for job_change_allowed.
    A limit on the number of changes (`job_change_limit`) is the caller's to check."""
    start = month - months_in_status
    rule = held_rule(job_change, reform_rule, reform_by_start, reform_first, HOLD_JOB, status, start)
    after = held_rule(job_change_after, reform_rule, reform_by_start, reform_first, HOLD_JOB_AFTER, status, start)
    not_counted = max(months_not_counted(reform_rule, reform_since, HOLD_JOB, status, month, months_in_status),
                      months_not_counted(reform_rule, reform_since, HOLD_JOB_AFTER, status, month, months_in_status))
    return _may_change_job(rule, after, months_in_status - not_counted, cause)


@njit(inline="always", cache=True)
def family_may_live_in_host(family_allowed, family_after, status, months_in_status):
    """Whether the family of a holder of `status` may live with them in the host now: the
    status allows family, and the holder has spent the months it asks for in it.

    Written with ``&`` so that NumPy callers can pass arrays of statuses and months through
    ``family_may_live_in_host.py_func`` (the same rule, uncompiled)."""
    return family_allowed[status] & (months_in_status >= family_after[status])


def capped_fee(fee, cap_months, wage):
    """The recruitment fee the rules let be charged: `fee`, at most `cap_months` x `wage`
    where a cap is set (`cap_months` >= 0; -1 = no cap). Arrays broadcast; with no cap the
    fee is returned as it is (not recomputed), so an uncapped fee stays exactly the same."""
    fee = np.asarray(fee, dtype=np.float64)
    cap_months = np.asarray(cap_months, dtype=np.float64)
    return np.where(cap_months >= 0, np.minimum(fee, cap_months * np.asarray(wage, dtype=np.float64)), fee)


@njit(inline="always", cache=True)
def best_transition(
    tr_from,
    tr_to,
    tr_open,
    tr_hazard,
    tr_share,
    tr_min_months,
    tr_min_abroad,
    tr_test,
    tr_language,
    tr_sector_ok,
    wage,
    cap_open,
    status,
    sector,
    months_in_status,
    abroad_months,
    cert,
    language,
    u_route,
):
    """The best-paid transition this person may choose at expiry (its index; -1: none).

    A transition is open when its date allows it, the person has the months, the
    certified level and the language it asks for, works in a sector it covers, and the
    target's stock ceiling in that sector is not reached. A route with a capacity is taken
    only when the person's draw `u_route` falls under its share this month. Transitions
    with a monthly hazard happen to people by chance instead and are not chosen.

    With `u_route` below 0, dates and capacities are set aside: the transition the person
    would take if every route were open and unlimited (the demand for each route, from which
    the engine sets its share the month after).
    """
    best = -1
    best_wage = -1.0
    for k in range(tr_from.shape[0]):
        if tr_from[k] != status or tr_hazard[k] > 0.0:
            continue
        if u_route >= 0.0 and (not tr_open[k] or u_route >= tr_share[k]):
            continue
        if months_in_status < tr_min_months[k] or abroad_months < tr_min_abroad[k]:
            continue
        if cert < tr_test[k] or language < tr_language[k]:
            continue
        target = tr_to[k]
        if not tr_sector_ok[k, sector] or not cap_open[target, sector]:
            continue
        if wage[target] > best_wage:
            best = k
            best_wage = wage[target]
    return best
