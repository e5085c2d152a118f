"""``coexist explain``: ask the rules what one person may do next, and why."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from coexist import api
from coexist.explain import PERSON_FIELDS

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
        help="what one person may do next under a scenario's rules, and why",
        description=(
            "Ask the rules about one person: months left in the status, whether a change of employer is "
            "allowed, the moves open inside the host, the options at expiry, and the legal way back after "
            "leaving. The answers come from the same rule predicates the simulation uses."
        ),
        epilog="Example: coexist explain japan-circular --month 2030-01 --status ssw1 --sector construction "
        "--months-in-status 34 --status-total 58 --cert 1",
    )
    p.add_argument("scenario", help="shipped scenario name or path to a scenario TOML file")
    p.add_argument("--month", required=True, type=month_type, help="the month asked about, YYYY-MM")
    p.add_argument("--status", required=True, help="current status, or 'returned' for a former worker at home")
    p.add_argument("--sector", default="manufacturing", help="host sector (default manufacturing)")
    for name in _INTEGER_FIELDS:
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, metavar="N", help=PERSON_FIELDS[name])
    p.add_argument("--skill", type=float, default=None, help=PERSON_FIELDS["skill"])
    p.add_argument("--previous-status", default=None, help=PERSON_FIELDS["previous_status"])
    p.add_argument("--forfeited", action="store_true", help=PERSON_FIELDS["forfeited"])
    p.add_argument("--banned-until", type=month_type, default=None, help=PERSON_FIELDS["banned_until"])
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
                f"  way back {label}: {back['status']} after {back['cooldown_months']} month(s) at home{extra}"
            )
    return lines


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE) -> None:
    answer = api.explain(args.scenario, _person(args), args.month, overrides=args.overrides, engine=engine)
    if args.json:
        out(json.dumps(answer, indent=2))
    else:
        for line in _lines(answer):
            out(line)
