"""``coexist explain``: ask the rules what one person may do next, and why."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from coexist import api
from coexist.errors import ScenarioError
from coexist.explain import PERSON_FIELDS
from coexist.explain.pathways import DEFAULT_COPIES, DEFAULT_HORIZON_MONTHS

__all__ = ["add_parser", "run"]

_INTEGER_FIELDS = (
    "months_in_status",
    "status_total",
    "months_abroad",
    "months_in_stay",
    "cert",
    "language",
    "months_home",
)


def add_parser(sub, parser_class, month_type) -> None:
    p = sub.add_parser(
        "explain",
        help="what one person may do next under a scenario's rules, and why; with --history, their pathways",
        description=(
            "Ask the rules about one person: months left in the status, whether a change of employer is "
            "allowed, the moves open inside the host, the options at expiry, and the legal way back after "
            "leaving. The answers come from the same rule predicates the simulation uses. With --history "
            "FILE (YAML or JSON: origin, the statuses held with their dates, sector, certified skill, "
            "language, family, any removal), every option now and later with the rule that allows or "
            "blocks it and the earliest month it opens, and the paths the model's behaviour makes likely, "
            "estimated by running copies of the person through the engine's monthly passes; "
            "--compare-with SCENARIO shows a second regime beside the first."
        ),
        epilog="Examples: coexist explain japan-circular --month 2030-01 --status ssw1 --sector construction "
        "--months-in-status 34 --status-total 58 --cert 1 | coexist explain japan-temporary --history "
        "worker.yaml --compare-with japan-circular",
    )
    p.add_argument("scenario", help="shipped scenario name or path to a scenario TOML file")
    p.add_argument("--month", type=month_type, default=None,
                   help="the month asked about, YYYY-MM (with --history, default its as_of)")
    p.add_argument("--status", default=None, help="current status, or 'returned' for a former worker at home")
    p.add_argument("--sector", default="manufacturing", help="host sector (default manufacturing)")
    for name in _INTEGER_FIELDS:
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, metavar="N", help=PERSON_FIELDS[name])
    p.add_argument("--skill", type=float, default=None, help=PERSON_FIELDS["skill"])
    p.add_argument("--previous-status", default=None, help=PERSON_FIELDS["previous_status"])
    p.add_argument("--forfeited", action="store_true", help=PERSON_FIELDS["forfeited"])
    p.add_argument("--banned-until", type=month_type, default=None, help=PERSON_FIELDS["banned_until"])
    p.add_argument("--history", default=None, metavar="FILE",
                   help="a person's history (YAML or JSON, docs/explain.md): show their pathways")
    p.add_argument("--compare-with", default=None, metavar="SCENARIO",
                   help="with --history: a second scenario, shown beside the first")
    p.add_argument("--copies", type=int, default=DEFAULT_COPIES, metavar="N",
                   help=f"with --history: copies of the person in the Monte Carlo (default {DEFAULT_COPIES})")
    p.add_argument("--horizon-months", type=int, default=DEFAULT_HORIZON_MONTHS, metavar="N",
                   help=f"with --history: months simulated (default {DEFAULT_HORIZON_MONTHS})")
    p.add_argument("--seed", type=int, default=0, help="with --history: the copies' random streams (default 0)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change one scenario value by its dotted path (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print the answer as JSON")


def _person(args: argparse.Namespace) -> dict:
    person = {"status": args.status, "sector": args.sector}
    for name in (*_INTEGER_FIELDS, "skill", "previous_status", "banned_until"):
        value = getattr(args, name)
        if value is not None:
            person[name] = value
    if args.forfeited:
        person["forfeited"] = True
    return person


def _lines(answer: dict) -> list[str]:
    lines = [f"{answer['scenario']} in {answer['month']}: a person in status {answer['status']}"]
    if "note" in answer:
        return [*lines, "  " + answer["note"]]
    if "way_back" in answer:
        back = answer["way_back"]
        if back["status"] is None:
            return [*lines, f"  no legal way back: {back['reason']}"]
        extra = f", needs the {back['needs_test']} test" if back.get("needs_test") else ""
        return [*lines, f"  may come back as {back['status']} from {back['earliest_month']}{extra} ({back['reason']})"]
    left = answer["months_left"]
    lines.append(
        f"  months left in the status: {'no limit' if left is None else left}"
        + (" (renewable)" if answer["renewable"] else "")
    )
    job = answer["job_change"]
    when = f" (from {job['from_month']})" if job.get("from_month") else ""
    lines.append(f"  change of employer: {'allowed' if job['allowed'] else 'not allowed'} [{job['rule']}]{when}")
    for move in answer["moves"]:
        state = "open" if move["eligible"] else "closed: " + "; ".join(move["missing"])
        chance = f", by chance {move['monthly_chance']:.3f} a month" if "monthly_chance" in move else ""
        lines.append(f"  move to {move['to']}: {state}{chance}")
    lines.append("  options at expiry: " + ", ".join(answer["options_at_expiry"]))
    for key, label in (("way_back_if_leaving_now", "if leaving now"), ("way_back_at_expiry", "at the end of the stay")):
        back = answer.get(key)
        if back is None:
            continue
        if back["status"] is None:
            lines.append(f"  way back {label}: none ({back['reason']})")
        else:
            extra = f", needs the {back['needs_test']} test" if back.get("needs_test") else ""
            lines.append(
                f"  way back {label}: {back['status']} after {back['cooldown_months']} month(s) at home, "
                f"from {back['earliest_month']}{extra}"
            )
    return lines


def _pathway_lines(result: dict) -> list[str]:
    history = result["history"]
    held = ", ".join(f"{h['status']} {h['from']}..{h['to'] or 'now'}" for h in history["statuses"])
    lines = [f"a person from {history['origin']} in {history['sector']}, as of {history['as_of']}: {held}"]
    for regime in result["regimes"]:
        lines += ["", *_lines(regime["now"]), "  options now and later:"]
        for option in regime["options"]:
            when = "open now" if option["open_now"] else (
                f"earliest {option['earliest']}" if option["earliest"] else "closed")
            shown = "" if isinstance(option["value"], dict) else f" = {json.dumps(option['value'])}"
            rule = f" [{option['rule']}{shown}"
            rule += (f", since {option['since']}" if option["since"] else "") + "]" if option["rule"] else ""
            lines.append(f"    {option['option']}: {when} - {option['why']}{rule}")
        likely = regime["likely"]
        lines.append(f"  likely paths over {regime['horizon'][0]}..{regime['horizon'][1]} "
                     f"({likely['copies']} copies through the engine's monthly passes):")
        for path in likely["likely_paths"]:
            lines.append(f"    {path['probability']:6.1%}  {path['path']}")
        lines.append("  within the horizon:")
        for event in likely["events"]:
            first = f" (median first {event['median_first_month']})" if event["median_first_month"] else ""
            lines.append(f"    {event['probability']:6.1%}  {event['event']}{first}")
        at_end = ", ".join(f"{state} {share:.1%}" for state, share in likely["at_horizon"].items())
        lines.append(f"  at the end: {at_end}")
        lines.append("  assumed: " + "; ".join(likely["assumptions"]))
    if len(result["regimes"]) == 2:
        lines += ["", *_side_by_side(*result["regimes"])]
    return lines


def _side_by_side(first: dict, second: dict) -> list[str]:
    """The two regimes' options (earliest month) and events (probability) in two columns."""
    def when(option: dict | None) -> str:
        if option is None:
            return "-"
        return "now" if option["open_now"] else (option["earliest"] or "closed")

    rows = [("", first["scenario"], second["scenario"])]
    options = [{o["option"]: o for o in regime["options"]} for regime in (first, second)]
    for name in dict.fromkeys([*options[0], *options[1]]):
        rows.append((name, when(options[0].get(name)), when(options[1].get(name))))
    events = [{e["event"]: e["probability"] for e in regime["likely"]["events"]} for regime in (first, second)]
    for name in events[0]:
        rows.append((name, f"{events[0][name]:.1%}", f"{events[1].get(name, 0.0):.1%}"))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    return ["side by side (options: earliest month; events: probability within the horizon):"] + [
        f"  {a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows
    ]


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE) -> None:
    if args.history is not None:
        result = api.pathways(args.scenario, args.history, args.month, overrides=args.overrides,
                              compare_with=args.compare_with, horizon_months=args.horizon_months,
                              copies=args.copies, seed=args.seed, engine=engine)
        lines = _pathway_lines(result)
    else:
        for name in ("status", "month"):
            if getattr(args, name) is None:
                raise ScenarioError("must be given (or a person's history with --history).", field=name)
        if args.compare_with is not None:
            raise ScenarioError("compares the pathways of a person's history: give --history too.",
                                field="compare_with")
        result = api.explain(args.scenario, _person(args), args.month, overrides=args.overrides, engine=engine)
        lines = _lines(result)
    if args.json:
        out(json.dumps(result, indent=2))
    else:
        for line in lines:
            out(line)
