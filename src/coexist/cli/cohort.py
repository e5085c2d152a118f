"""``coexist cohort``: where the people who left a status in some months were at a date, and
how many stays people made, from a run folder's people.parquet (``coexist run --people``)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict

from coexist import api
from coexist.store.people import LEFT_MODEL, NOT_YET_ARRIVED, NoPeopleError

__all__ = ["add_parser", "run"]

# what each place is called in the printed table
_PLACES = {"returned": "at origin (returned)", LEFT_MODEL: "left the model", NOT_YET_ARRIVED: "not arrived yet"}


def add_parser(sub, parser_class, month_type) -> None:
    p = sub.add_parser(
        "cohort",
        help="where a cohort of a run was at a date (from people.parquet, a run with --people)",
        description="The people of a run whose spell in a status ended in a window of months (a change of "
        "employer inside the status does not count), and the share of them in each status at the end of a "
        "later (or earlier) month, at origin, or out of the model, with counts; or, with --visits, how many "
        "stays in the host people made. Reads the run folder's people.parquet, written by 'coexist run "
        "--people'. Counts are agents at the run's scale and persons re-inflated.",
        epilog="Example: coexist cohort runs/japan-temporary-1a2b3c4d-0 --status titp --ended-from 2030-01 "
        "--ended-to 2030-12 --at 2031-12",
    )
    p.add_argument("run_folder", metavar="RUN_FOLDER", help="a run folder written by 'coexist run --people'")
    p.add_argument("--status", default=None, metavar="S", help="the status whose spells ended (e.g. titp, ssw1)")
    p.add_argument("--ended-from", type=month_type, default=None, metavar="YYYY-MM",
                   help="first month in which the spells ended")
    p.add_argument("--ended-to", type=month_type, default=None, metavar="YYYY-MM",
                   help="last month in which the spells ended (default: --ended-from)")
    p.add_argument("--at", type=month_type, default=None, metavar="YYYY-MM",
                   help="the month at whose end the cohort is looked at")
    p.add_argument("--visits", action="store_true",
                   help="instead: how many stays in the host people made by the end of the run")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")


def run(args: argparse.Namespace, out: Callable[[str], None], usage_error: type[Exception]) -> None:
    """Answer the command; `usage_error` is the command line's one-line error (exit status 2)."""
    try:
        if args.visits:
            _visits(args, out)
        else:
            _cohort(args, out, usage_error)
    except NoPeopleError as exc:
        raise usage_error(f"coexist cohort: error: {exc.folder} has no people.parquet: run the scenario again "
                          f"with 'coexist run SCENARIO --people --out {exc.folder}'") from None


def _cohort(args: argparse.Namespace, out: Callable[[str], None], usage_error: type[Exception]) -> None:
    missing = [flag for flag, value in (("--status", args.status), ("--ended-from", args.ended_from),
                                        ("--at", args.at)) if value is None]
    if missing:
        raise usage_error(f"coexist cohort: error: the following arguments are required: {', '.join(missing)} "
                          "(or --visits)")
    shares = api.cohort(args.run_folder, status=args.status, ended_from=args.ended_from,
                        ended_to=args.ended_to or args.ended_from, at=args.at)
    if args.json:
        out(json.dumps(asdict(shares), indent=2))
        return
    out(f"{shares.agents:,} people whose {shares.status} spell ended {shares.ended_from} to {shares.ended_to} "
        f"({shares.persons:,.0f} persons at scale {shares.scale:g}); where they were at the end of {shares.at}:")
    _table(out, [(_PLACES.get(r["state"], r["state"]), r) for r in shares.rows])


def _visits(args: argparse.Namespace, out: Callable[[str], None]) -> None:
    rows = api.visits(args.run_folder)
    if args.json:
        out(json.dumps(rows, indent=2))
        return
    out("stays in the host per person by the end of the run (the initial population's counted from the start):")
    _table(out, [(f"{r['visits']} stay{'s' if r['visits'] > 1 else ''}", r) for r in rows])


def _table(out: Callable[[str], None], rows: list) -> None:
    width = max((len(label) for label, _ in rows), default=0)
    out(f"  {'':<{width}}  {'share':>7}  {'agents':>10}  {'persons':>12}")
    for label, row in rows:
        out(f"  {label:<{width}}  {row['share']:>7.1%}  {row['agents']:>10,}  {row['persons']:>12,.0f}")
