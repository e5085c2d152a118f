"""The answer: what may this worker do next under this regime, and why?

The answers come from the same predicates the engine uses (policy.rules), evaluated for
one month of one scenario. Stock ceilings are not known without a run, so upgrades are
reported as eligible "if the ceiling has room".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from coexist.codes import SECTORS
from coexist.engine.world import resolve_parameters
from coexist.errors import ScenarioError
from coexist.explain.person import check_person
from coexist.periods import format_month, parse_month
from coexist.policy import rules
from coexist.policy.tables import NO_REFORM, TEST_LEVELS, RegimeTables, compile_regime
from coexist.scenario.schema import HOLDER_RULES, JOB_CHANGE_RULES, REFORM_TRANSITIONS, Scenario

__all__ = ["explain", "answer_in_month", "regime_over", "rules_in_month", "month_index"]

def _way_back_answer(R, params, names, status, status_total, months_completed, cert, skill) -> dict:
    chance, target = rules.way_back(
        R.leaving_ends_right, R.max_total, R.rp_from, R.rp_to, R.rp_open, R.rp_min_completed, R.rp_test,
        status, status_total, months_completed, cert, skill,
        params["test_slope"], params["test_threshold_ssw1"], params["test_threshold_ssw2"],
    )
    if target < 0:
        reason = "leaving ends the right to come back and no return path is open"
        if not R.leaving_ends_right[status] and R.max_total[status] > 0 and status_total >= R.max_total[status]:
            reason = (
                f"the {R.max_total[status]}-month lifetime limit of {names[status]} is used up "
                "and no return path is open"
            )
        return {"status": None, "cooldown_months": None, "needs_test": None, "reason": reason}
    needs = None
    for k in range(R.rp_from.shape[0]):
        if R.rp_from[k] == status and R.rp_to[k] == target and R.rp_test[k] > cert:
            needs = TEST_LEVELS[R.rp_test[k]]
    cooldown = int(
        rules.reentry_cooldown(
            R.leaving_ends_right, R.reentry_cooldown, R.rp_from, R.rp_to, R.rp_cooldown, status, target
        )
    )
    if target == status and not R.leaving_ends_right[status]:
        reason = f"leaving {names[status]} does not end the right to come back"
    else:
        reason = f"a return path leads from {names[status]} to {names[target]}"
    answer = {"status": names[target], "cooldown_months": cooldown, "needs_test": needs, "reason": reason}
    if needs:
        answer["chance_of_passing"] = round(float(chance), 3)
    return answer


def _not_counted(R, rule: int, status: int, month: int, months_in_status: int) -> int:
    return int(rules.months_not_counted(R.reform_rule, R.reform_since, rule, status, month, months_in_status))


def _shown_rule(rule: int, value) -> object:
    return JOB_CHANGE_RULES[value] if HOLDER_RULES[rule] == "job_change" else int(value)


def _reforms_that_bind(R, names, status: int, month: int, months_in_status: int) -> list[dict]:
    """For each holder rule whose latest change came after this person's permit was granted and
    that does not apply at once: which value binds them, and why."""
    start = month - months_in_status
    out = []
    for r, field in enumerate(HOLDER_RULES):
        transition = REFORM_TRANSITIONS[R.reform_rule[r, status]]
        since = int(R.reform_since[r, status])
        if transition == "at_once" or since == NO_REFORM or start >= since:
            continue
        now = getattr(R, rules.HOLDER_TABLES[r])
        in_force = _shown_rule(r, now[status])
        applies = _shown_rule(r, rules.held_rule(now, R.reform_rule, R.reform_by_start, R.reform_first, r, status,
                                                 start))
        where = f"statuses.{names[status]}.{field}"
        if transition == "new_permits":
            reason = (f"the permit was granted in {format_month(start)}, before the change of {format_month(since)},"
                      f" and keeps the value then in force until the person leaves {names[status]} or enters it anew")
        else:
            reason = (f"the new value applies, with the months in {names[status]} counted from the change of"
                      f" {format_month(since)} (the permit was granted in {format_month(start)})")
        out.append({"rule": where, "transition": transition, "reform": format_month(since),
                    "permit_granted": format_month(start), "in_force": in_force, "applies": applies,
                    "reason": reason})
    return out


def _back_from_home(T: RegimeTables, t: int, params: Mapping[str, float], prev: int, p: Mapping) -> dict:
    """The legal way back, under the rules of month `t`, of a person at home who left status `prev`."""
    names = T.status_names
    if p["forfeited"]:
        return {
            "status": names[prev] if T.admits[t, prev] else None,
            "cooldown_months": 0,
            "needs_test": None,
            "reason": "an irregular stay forfeits earned rights: only a fresh entry, if the status admits from abroad",
        }
    return _way_back_answer(rules_in_month(T, t), params, names, prev, p["status_total"], p["months_in_status"],
                            p["cert"], p["skill"])


def _way_back_from(T: RegimeTables, home_from: int, params: Mapping[str, float], prev: int, p: Mapping) -> dict:
    """The legal way back of a person at home from month `home_from` who left status `prev`, and
    the earliest month it opens (``earliest_month``).

    The way back is taken under the rules of the month it opens: a return path that closes in
    the meantime (TITP stage iii from 2030-04) gives way to the one open then, if any. Months
    after the tables' last are read with the rules of the last month.
    """
    first, last = int(T.months[0]), len(T.months) - 1
    back = _back_from_home(T, min(home_from - first, last), params, prev, p)
    earliest = home_from
    for _ in range(T.rp_from.shape[0] + 2):  # each step moves to another path or stops
        if back["status"] is None:
            return back
        opens = max(home_from + max(max(back["cooldown_months"], 1) - p["months_home"], 0), earliest)
        if p["banned_until"]:
            opens = max(opens, parse_month(p["banned_until"]))
        later = _back_from_home(T, min(opens - first, last), params, prev, p)
        earliest = opens
        if (later["status"], later["cooldown_months"]) == (back["status"], back["cooldown_months"]):
            break
        if later["status"] is None:
            later["reason"] = f"from {format_month(opens)}, the month it would open: {later['reason']}"
        back = later
    if back["status"] is not None:
        back["earliest_month"] = format_month(earliest)
    return back


def month_index(scenario: Scenario, month: str) -> int:
    """The month asked about, which must lie where the scenario has data and rules."""
    try:
        index = parse_month(month)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), field="month") from None
    first, last = scenario.horizon.earliest_start, scenario.end
    if not parse_month(first) <= index <= parse_month(last):
        raise ScenarioError(
            f"must be a month from {first} (the first after the initial stocks) to {last} (the scenario's end). "
            f"Got {month!r} instead.",
            field="month",
        )
    return index


def regime_over(scenario: Scenario, first: int, last: int) -> RegimeTables:
    """The scenario's rules compiled for the months `first` to `last` (month indices)."""
    span = scenario.model_copy(update={"horizon": scenario.horizon.model_copy(
        update={"start": format_month(first), "end": format_month(last), "earliest_start": format_month(first)})})
    return compile_regime(span)


def rules_in_month(T: RegimeTables, t: int) -> rules.MonthRules:
    """Month `t` of the tables as the rule predicates read it (route shares and behavioural
    defaults aside: they do not change what the rules allow)."""
    n_tr = T.tr_from.shape[0]
    return rules.month_rules(t, T, np.zeros(T.n_status), np.zeros(n_tr), np.ones(n_tr))


def explain(scenario: Scenario, person: Mapping, month: str) -> dict:
    """What a person may do next under a scenario's rules in a given month.

    Parameters
    ----------
    scenario : a loaded scenario.
    person : fields of :data:`PERSON_FIELDS` (``status`` required).
    month : "YYYY-MM".

    Returns
    -------
    dict with the months left in the status, whether a change of employer is allowed,
    the moves inside the host, the options at expiry, and the legal way back after
    leaving (now, and at the end of the stay).
    """
    index = month_index(scenario, month)
    T = regime_over(scenario, index, parse_month(scenario.end))
    p = check_person(person, T.status_names)
    return answer_in_month(scenario.name, T, 0, resolve_parameters(scenario), p)


def answer_in_month(name: str, T: RegimeTables, t: int, params: Mapping[str, float], p: Mapping) -> dict:
    """The answer of :func:`explain` for a checked person `p` (:func:`check_person`) in month `t`
    of the compiled tables `T`; each move also lists what blocks it (``blocked_by``: date,
    months_in_status, months_abroad, test, language, sector)."""
    index = int(T.months[t])
    R = rules_in_month(T, t)
    names = T.status_names
    code = names.index(p["status"])
    sector = SECTORS.index(p["sector"])
    answer: dict = {"scenario": name, "month": format_month(index), "status": p["status"]}

    if p["status"] == "returned":
        previous = p["previous_status"]
        if previous not in names[1:-2]:
            raise ScenarioError(
                f"must be the status a returned person left, one of {', '.join(names[1:-2])}. Got {previous!r} "
                "instead.",
                field="previous_status",
            )
        answer["way_back"] = _way_back_from(T, index, params, names.index(previous), p)
        return answer

    if code in (T.irregular,):
        answer["note"] = "irregular stay: removal with a re-entry ban when detected; no legal way back until it ends"
        return answer

    held = (R.reform_rule, R.reform_since, R.reform_by_start, R.reform_first)
    months_in_status = p["months_in_status"]
    left = int(rules.remaining_held(R.max_stay, R.max_total, *held, code, index, months_in_status, p["status_total"]))
    answer["months_left"] = None if left >= rules.NO_LIMIT else left
    answer["renewable"] = bool(R.renewable[code])
    reforms = _reforms_that_bind(R, names, code, index, months_in_status)
    if reforms:
        answer["reforms"] = reforms
    start = index - months_in_status
    rule = JOB_CHANGE_RULES[rules.held_rule(R.job_change, R.reform_rule, R.reform_by_start, R.reform_first,
                                            rules.HOLD_JOB, code, start)]
    after = int(rules.held_rule(R.job_change_after, R.reform_rule, R.reform_by_start, R.reform_first,
                                rules.HOLD_JOB_AFTER, code, start))
    allowed = bool(rules.job_change_allowed_held(R.job_change, R.job_change_after, *held, code, index,
                                                 months_in_status))
    job = {"allowed": allowed, "rule": rule}
    if rule == "after":
        job["after_months"] = after
    if rule == "after" and not allowed:
        counted = months_in_status - max(_not_counted(R, rules.HOLD_JOB, code, index, months_in_status),
                                         _not_counted(R, rules.HOLD_JOB_AFTER, code, index, months_in_status))
        job["from_month"] = format_month(index + after - counted)
    answer["job_change"] = job

    moves = []
    abroad = p["months_abroad"] if R.cumulative else p["months_in_stay"]
    for k in range(T.tr_from.shape[0]):
        if T.tr_from[k] != code:
            continue
        missing, blocked_by = [], []
        if not R.tr_open[k]:
            missing.append("not open in this month")
            blocked_by.append("date")
        if p["months_in_status"] < R.tr_min_months[k]:
            missing.append(f"needs {R.tr_min_months[k]} months in {p['status']}")
            blocked_by.append("months_in_status")
        if abroad < R.tr_min_abroad[k]:
            counted = "cumulative" if R.cumulative else "continuous"
            missing.append(f"needs {R.tr_min_abroad[k]} months in the host ({counted})")
            blocked_by.append("months_abroad")
        if p["cert"] < R.tr_test[k]:
            missing.append(f"needs the {TEST_LEVELS[R.tr_test[k]]} skill test")
            blocked_by.append("test")
        if p["language"] < R.tr_language[k]:
            missing.append(f"needs language level {R.tr_language[k]}")
            blocked_by.append("language")
        if not R.tr_sector_ok[k, sector]:
            missing.append(f"not open in {p['sector']}")
            blocked_by.append("sector")
        move = {"to": names[T.tr_to[k]], "eligible": not missing, "missing": missing, "blocked_by": blocked_by,
                "transition": k}
        if R.tr_hazard[k] > 0:
            move["monthly_chance"] = float(R.tr_hazard[k])  # happens by chance, not chosen at expiry
        moves.append(move)
    answer["moves"] = moves

    options = []
    if R.renewable[code] and (answer["months_left"] is None or answer["months_left"] > 0):
        options.append("renew")
    options += [f"move to {m['to']}" for m in moves if m["eligible"] and "monthly_chance" not in m]
    options += ["return home", "stay irregularly"]
    answer["options_at_expiry"] = options

    # leaving now, or at the end of the stay: at home from then, with the rights earned in the status
    home = {**p, "months_home": 0, "forfeited": False, "banned_until": None}
    answer["way_back_if_leaving_now"] = _way_back_from(T, index, params, code, home)
    if answer["months_left"] is not None:
        served = {"months_in_status": p["months_in_status"] + left, "status_total": p["status_total"] + left}
        answer["way_back_at_expiry"] = _way_back_from(T, index + left, params, code, {**home, **served})
    return answer
