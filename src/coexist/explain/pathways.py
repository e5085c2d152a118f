"""Pathways: every option open to one person now and later under a regime, and the paths the
model's behaviour makes likely.

The options come from the rule predicates (:mod:`coexist.explain.answer`), evaluated month
by month for the person as they would be if they stayed in their status: each option says
the rule that allows or blocks it (its path in the scenario), the value in force and the
date it holds from, and the earliest month it opens. Tests and language levels are not
projected: an option they block opens "once passed". The likely paths are estimated by
Monte Carlo through the engine's own passes (:mod:`coexist.explain.cohort`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coexist.codes import SECTORS
from coexist.engine.world import resolve_parameters
from coexist.errors import ScenarioError
from coexist.explain.answer import answer_in_month, month_index, regime_over
from coexist.explain.cohort import simulate_copies, summarise_copies
from coexist.explain.history import History, read_history
from coexist.explain.person import check_person
from coexist.periods import format_month, parse_month
from coexist.policy import rules
from coexist.policy.rules import KIND_SETTLED
from coexist.policy.tables import TEST_LEVELS, RegimeTables
from coexist.scenario.schema import Scenario

__all__ = [
    "pathways", "history_for", "DEFAULT_COPIES", "DEFAULT_HORIZON_MONTHS", "MAX_COPIES", "MAX_HORIZON_MONTHS",
    "MAX_COPY_MONTHS",
]

DEFAULT_COPIES = 1000
DEFAULT_HORIZON_MONTHS = 120
# bounds on the work of one question: copies, months, and copies x months (about ten seconds)
MAX_COPIES = 100_000
MAX_HORIZON_MONTHS = 600
MAX_COPY_MONTHS = 12_000_000
# what blocks a move but is not projected month by month (a test passed, a language level reached)
_NOT_PROJECTED = {"test", "language"}


def _in_force(value: Any, month: int) -> dict[str, Any]:
    """A possibly dated rule value in force in `month`, and the date it holds from (None:
    undated); before the first date the first value holds (as policy.dated.evaluate reads it)."""
    if not isinstance(value, dict):
        return {"value": value, "since": None}
    dates = [d for d in value if parse_month(d) <= month]
    since = dates[-1] if dates else next(iter(value))
    return {"value": value[since], "since": since}


def _dated(scenario: Scenario, status: str, field: str, month: int) -> dict[str, Any]:
    """A status rule's value in force in `month`, and the date it holds from."""
    return _in_force(getattr(scenario.statuses[status], field), month)


def _return_path(scenario: Scenario, status: str, target: str, month: int) -> tuple[str, dict[str, Any]]:
    """The return path from `status` to `target` (its rule path, and its terms with the date its
    opening holds from), or the status's own right to come back."""
    for j, path in enumerate(scenario.statuses[status].return_paths):
        if path.to == target:
            terms = {"to": path.to, "cooldown_months": path.cooldown_months,
                     "min_months_completed": path.min_months_completed, "requires_test": path.requires_test}
            return f"statuses.{status}.return_paths[{j}]", {"value": terms,
                                                             "since": _in_force(path.open, month)["since"]}
    return f"statuses.{status}.leaving_ends_right", _dated(scenario, status, "leaving_ends_right", month)


def _option(option: str, rule: str, dated: Mapping[str, Any], open_now: bool, earliest: int | None, why: str,
            **extra: Any) -> dict[str, Any]:
    return {"option": option, "open_now": open_now, "earliest": None if earliest is None else format_month(earliest),
            "rule": rule, "value": dated["value"], "since": dated["since"], "why": why, **extra}


def history_for(scenario: Scenario, raw: Any, as_of: str | None) -> History:
    """A history checked against a scenario's statuses and entry tests, in the month asked about."""
    month = as_of if as_of is not None else (raw.get("as_of") if isinstance(raw, Mapping) else None)
    if month is None:
        raise ScenarioError("must be given: the month asked about (YYYY-MM), in the history's as_of or as the month.",
                            field="month")
    index = month_index(scenario, str(month))
    T = regime_over(scenario, index, index)
    statuses = [n for n in T.status_names if n not in ("home", "returned")]
    # holding a status shows its test was passed only where every way into it asks for the test
    tests = {}
    for name in statuses:
        code = T.code(name)
        level = int(T.entry_test[code])
        if all(T.tr_test[k] >= level for k in range(T.tr_from.shape[0]) if T.tr_to[k] == code):
            tests[name] = level
    return read_history(raw, statuses, as_of=format_month(index), entry_tests=tests,
                        removal_ban_months=int(T.ban[0]))


def _projected(person: Mapping[str, Any], d: int) -> dict[str, Any]:
    """The person `d` months on, still in the same status."""
    later = dict(person)
    for key in ("months_in_status", "status_total", "months_abroad", "months_in_stay"):
        later[key] = person[key] + d
    return later


def _host_options(scenario: Scenario, T: RegimeTables, params, person: dict) -> tuple[list[dict], dict]:
    status = person["status"]
    code = T.code(status)
    start = int(T.months[0])
    first = answer_in_month(scenario.name, T, 0, params, person)
    left = first["months_left"]
    span = len(T.months) if left is None else min(len(T.months), left + 1)
    answers = [first] + [answer_in_month(scenario.name, T, d, params, _projected(person, d)) for d in range(1, span)]
    stay_end = None if left is None else start + left
    ends = "" if stay_end is None else f"; the stay ends {format_month(stay_end)}"

    def earliest(test) -> int | None:
        return next((start + d for d, a in enumerate(answers) if test(a)), None)

    options = []
    renewable = _dated(scenario, status, "renewable", start)
    can_renew = earliest(lambda a: a["renewable"] and (a["months_left"] is None or a["months_left"] > 0))
    why = "renewable" if renewable["value"] else "the status is not renewable"
    if renewable["value"] and left is not None and left <= 0:
        why = "the months allowed in the status are used up"
    elif renewable["value"] and left is not None:
        limit = "max_total_months" if T.max_total[0, code] > 0 and left == T.max_total[0, code] - person[
            "status_total"] else "max_stay_months"
        why = f"renewable until the limit of statuses.{status}.{limit} ({left} months left)"
    options.append(_option("renew", f"statuses.{status}.renewable", renewable, can_renew == start, can_renew, why))

    job = _dated(scenario, status, "job_change", start)
    change = earliest(lambda a: a["job_change"]["allowed"])
    rule = first["job_change"]["rule"]  # the rule that binds this person (a reform may leave them the old one)
    why = {"never": "the status ties the worker to one employer", "free": "free change of employer",
           "within_field": "change of employer within the field",
           "for_cause": "change of employer only for cause (an abusive employer)"}.get(rule, "")
    if rule == "after":
        why = f"change of employer after {first['job_change']['after_months']} months with the same employer"
    options.append(_option("change employer", f"statuses.{status}.job_change", job, change == start, change,
                           why + ("" if change is not None else ends)))

    moves = {}
    for j, move in enumerate(first["moves"]):
        k = move["transition"]
        target = move["to"]
        local = sum(1 for i in range(k) if T.tr_from[i] == code)
        blockers = [set(a["moves"][j]["blocked_by"]) for a in answers]
        opens = earliest(lambda a, j=j: not set(a["moves"][j]["blocked_by"]) - _NOT_PROJECTED)
        requirement = {"min_months_in_status": int(T.tr_min_months[k]), "min_months_abroad": int(T.tr_min_abroad[k]),
                       "requires_test": TEST_LEVELS[T.tr_test[k]], "requires_language": int(T.tr_language[k])}
        missing = set().union(*blockers) if opens is None else blockers[opens - start]
        needs = [text for key, text in (("test", f"the {requirement['requires_test']} skill test"),
                                        ("language", f"language level {requirement['requires_language']}"))
                 if key in missing]
        if opens is not None:
            why = "open" if opens == start and not needs else f"opens {format_month(opens)}"
            if needs:
                why += " once " + " and ".join(
                    f"{need} is {'passed' if need.endswith('test') else 'reached'}" for need in needs)
        else:
            last = answers[-1]["moves"][j]["missing"]
            why = "; ".join(last) + ends
        kind = "permanent residence" if T.kind[T.code(target)] == KIND_SETTLED else f"move to {target}"
        extra = {"to": target, "needs": needs}
        if "monthly_chance" in move:
            extra["monthly_chance"] = move["monthly_chance"]
            why += ", then by chance each month"
        options.append({"option": kind, "open_now": opens == start and not needs,
                        "earliest": None if opens is None else format_month(opens),
                        "rule": f"statuses.{status}.transitions[{local}]", "value": requirement,
                        "since": _in_force(scenario.statuses[status].transitions[local].open,
                                           start if opens is None else opens)["since"],
                        "why": why, **extra})
        moves[target] = opens

    family = _dated(scenario, status, "family_allowed", start)
    if family["value"]:
        after = int(T.family_after[0, code])
        wait = max(after - person["months_in_status"], 0)
        why = "family may join the worker" + (f" after {after} months in the status" if wait else "")
        options.append(_option("family", f"statuses.{status}.family_allowed", family, wait == 0, start + wait, why))
    else:
        through = [(t, m) for t, m in moves.items() if m is not None and T.family_allowed[0, T.code(t)]]
        when = min((m for _, m in through), default=None)
        why = "family may not join in this status" + (
            f"; through {', '.join(t for t, _ in through)} from {format_month(when)}" if through else "")
        options.append(_option("family", f"statuses.{status}.family_allowed", family, False, when, why))

    for label, key in (("leave now and come back", "way_back_if_leaving_now"),
                       ("come back after the stay ends", "way_back_at_expiry")):
        back = first.get(key)
        if back is None:
            continue
        if back["status"] is None:
            right = _dated(scenario, status, "leaving_ends_right", start)
            options.append(_option(label, f"statuses.{status}.leaving_ends_right", right, False, None,
                                   back["reason"], to=None))
            continue
        comes = parse_month(back["earliest_month"])
        needs = [f"the {back['needs_test']} skill test"] if back.get("needs_test") else []
        rule, right = _return_path(scenario, status, back["status"], comes)
        extra = {"to": back["status"], "cooldown_months": back["cooldown_months"], "needs": needs}
        if "chance_of_passing" in back:
            extra["chance_of_passing"] = back["chance_of_passing"]
        options.append(_option(label, rule, right, False, comes, back["reason"], **extra))

    if not any(o["option"] == "permanent residence" for o in options):
        options.append(_settlement(T, person, start, left))
    return options, first


def _settlement(T: RegimeTables, person: Mapping[str, Any], start: int, left: int | None) -> dict:
    """Permanent residence (a status of kind "settled"): the earliest month it is reached if every
    move on the way is taken as soon as its dates, months and sector allow (tests and language
    levels listed as needs), staying in the host throughout and within each status's limits."""
    code = T.code(person["status"])
    sector = SECTORS.index(person["sector"])
    last = len(T.months) - 1
    abroad = person["months_abroad"] if T.cumulative[0] else person["months_in_stay"]
    # status -> (month reached, months already in it then, its limit from then, route, needs)
    reached = {code: (start, person["months_in_status"], left, [person["status"]], set(), -1)}
    frontier = [code]
    while frontier:
        here = frontier.pop()
        since, served, limit, route, needs, _ = reached[here]
        for k in range(T.tr_from.shape[0]):
            target = int(T.tr_to[k])
            if T.tr_from[k] != here or not T.tr_sector_ok[k, sector]:
                continue
            when = max(since + int(T.tr_min_months[k]) - served, start + int(T.tr_min_abroad[k]) - abroad, since)
            while when - start <= last and not T.tr_open[when - start, k]:
                when += 1
            if when - start > last and not T.tr_open[last, k]:
                continue  # never open within the horizon
            if limit is not None and when > since + limit:
                continue  # the stay in `here` ends first
            extra = set()
            if T.tr_test[k] > person["cert"]:
                extra.add(f"the {TEST_LEVELS[T.tr_test[k]]} skill test")
            if T.tr_language[k] > person["language"]:
                extra.add(f"language level {int(T.tr_language[k])}")
            if target not in reached or when < reached[target][0]:
                t = min(when - start, last)
                cap = int(rules.remaining(T.max_stay[t], T.max_total[t], target, 0, 0))
                reached[target] = (when, 0, None if cap >= rules.NO_LIMIT else cap,
                                   [*route, T.status_names[target]], needs | extra, k)
                frontier.append(target)
    settled = [(v[0], v[3], v[4], v[5]) for c, v in reached.items() if T.kind[c] == KIND_SETTLED and c != code]
    if not settled:
        return {"option": "permanent residence", "open_now": False, "earliest": None, "rule": None, "value": None,
                "since": None, "why": f"no route from {person['status']} to a settled status in this regime "
                "(within the horizon and the limits of each stay)", "needs": []}
    when, route, needs, k = min(settled, key=lambda item: item[0])
    beyond = " (after the scenario's end)" if when - start > last else ""
    local = sum(1 for i in range(k) if T.tr_from[i] == T.tr_from[k])
    rule = f"statuses.{route[-2]}.transitions[{local}]"
    value = {"route": " -> ".join(route), "min_months_in_status": int(T.tr_min_months[k]),
             "min_months_abroad": int(T.tr_min_abroad[k])}
    return {"option": "permanent residence", "open_now": False, "earliest": format_month(when), "rule": rule,
            "value": value, "since": None, "to": route[-1], "needs": sorted(needs),
            "why": f"through {' -> '.join(route)}, each move as soon as it opens{beyond}"}


def _home_options(scenario: Scenario, T: RegimeTables, params, person: dict) -> tuple[list[dict], dict]:
    first = answer_in_month(scenario.name, T, 0, params, person)
    start = int(T.months[0])
    back = first["way_back"]
    previous = person["previous_status"]
    options = []
    if back["status"] is None:
        right = _dated(scenario, previous, "leaving_ends_right", start)
        options.append(_option("come back", f"statuses.{previous}.leaving_ends_right", right, False, None,
                               back["reason"], to=None))
    else:
        comes = parse_month(back["earliest_month"])
        if person.get("forfeited"):
            rule, dated = f"statuses.{back['status']}.admits_from_abroad", _dated(
                scenario, back["status"], "admits_from_abroad", start)
        else:
            rule, dated = _return_path(scenario, previous, back["status"], start)
        needs = [f"the {back['needs_test']} skill test"] if back.get("needs_test") else []
        options.append(_option("come back", rule, dated, comes <= start, comes, back["reason"], to=back["status"],
                               cooldown_months=back["cooldown_months"], needs=needs))
    ban = parse_month(person["banned_until"]) if person.get("banned_until") else start
    for name in T.status_names[1:-2]:
        code = T.code(name)
        if name == back["status"] or T.kind[code] < 0:
            continue
        open_months = [d for d in range(len(T.months)) if T.admits[d, code] and start + d >= ban]
        if not open_months:
            continue
        opens = start + open_months[0]
        needs = []
        if T.entry_test[code] > person["cert"]:
            needs.append(f"the {TEST_LEVELS[T.entry_test[code]]} skill test")
        if T.entry_language[code] > person["language"]:
            needs.append(f"language level {int(T.entry_language[code])}")
        options.append(_option(f"enter {name} afresh", f"statuses.{name}.admits_from_abroad",
                               _dated(scenario, name, "admits_from_abroad", opens), opens == start and not needs,
                               opens, "the status admits from abroad" + (", after the ban" if ban > start else ""),
                               to=name, needs=needs))
    return options, first


def _irregular_options(scenario: Scenario, T: RegimeTables, history: History) -> list[dict]:
    """An irregular stay's only legal way on: removal (or leaving), then a fresh entry into the
    status held before, once the re-entry ban is over, if that status admits from abroad then."""
    start = int(T.months[0])
    regular = [s for s in history.statuses_held if s != "irregular"]
    dated = _in_force(scenario.programme.removal_ban_months, start)
    if not regular:
        return []
    previous = regular[-1]
    code = T.code(previous)
    opens = start + 1 + int(T.ban[0])
    t = min(opens - start, len(T.months) - 1)
    if not T.admits[t, code]:
        return [_option("removed, then come back", "programme.removal_ban_months", dated, False, None,
                        f"{previous} admits no one from abroad when the ban ends", to=None)]
    return [_option("removed, then come back", "programme.removal_ban_months", dated, False, opens,
                    f"a removal forfeits the rights earned in {previous}: a fresh entry once the ban is over",
                    to=previous)]


def pathways(scenario: Scenario, history: History, *, horizon_months: int = DEFAULT_HORIZON_MONTHS,
             copies: int = DEFAULT_COPIES, seed: int = 0) -> dict[str, Any]:
    """The options open to the person of `history` under `scenario`, now and later, and the paths
    the model's behaviour makes likely over `horizon_months` (clipped at the scenario's end),
    from `copies` copies of the person through the engine's passes (JSON-friendly)."""
    start = parse_month(history.as_of)
    end = min(start + horizon_months - 1, parse_month(scenario.end))
    # the options read the rules to the scenario's end; the copies run over the horizon
    T = regime_over(scenario, start, parse_month(scenario.end))
    params = resolve_parameters(scenario)
    person = check_person(history.person, T.status_names)
    if person["status"] == "returned":
        options, now = _home_options(scenario, T, params, person)
    elif person["status"] == "irregular":
        now = answer_in_month(scenario.name, T, 0, params, person)
        options = _irregular_options(scenario, T, history)
    else:
        options, now = _host_options(scenario, T, params, person)
    likely = summarise_copies(simulate_copies(scenario, regime_over(scenario, start, end), history, copies=copies,
                                              seed=seed))
    return {
        "scenario": scenario.name,
        "as_of": history.as_of,
        "horizon": [format_month(start), format_month(end)],
        "person": {**person, "origin": history.origin, "family_in_host": history.family},
        "now": now,
        "options": options,
        "likely": likely,
    }
