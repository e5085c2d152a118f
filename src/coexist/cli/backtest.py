"""``coexist backtest``: the forward model from the official stocks at each origin, 12 months on,
against persistence and a linear trend from the same origin."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from coexist import api
from coexist.cli.progress import ProgressBar
from coexist.cli.replicates import add_replicate_options, replicate_arguments, score

__all__ = ["add_parser", "run"]


def add_parser(sub, parser_class, override_type) -> None:
    origins = " and ".join(api.DEFAULT_BACKTEST_ORIGINS)
    p = sub.add_parser(
        "backtest",
        help="rolling-origin backtests: 12 months from the official stocks at each origin, against naive forecasts",
        description=(
            "Run a scenario's rules (default japan-history) from the official stocks at the end of each origin month "
            "for 12 months, for several replicate seeds, and score the averaged relative difference (ARD) per series "
            "on the target rows of those months next to persistence and a linear trend fitted on the rows known at "
            "the origin; check the total against the official figure (3%%) and the ARD by status against the trend. "
            "Writes backtest.html (self-contained report), backtest.csv (one row per origin and series), "
            "backtest.json (overall figures, checks and provenance) and simulated_targets.csv."
        ),
        epilog=f"Example: coexist backtest --origin 2022-12 --origin 2023-12 --replicates 5 --scale 0.05 "
        f"--out {api.DEFAULT_BACKTEST_OUT}",
    )
    p.add_argument("scenario", nargs="?", default=api.DEFAULT_BACKTEST_SCENARIO, metavar="SCENARIO",
                   help="shipped scenario name or path to a TOML file whose rules cover the months after each origin "
                   f"(default: {api.DEFAULT_BACKTEST_SCENARIO})")
    p.add_argument("--origin", dest="origins", action="append", default=None, metavar="YYYY-MM",
                   help=f"an origin: a month with official initial stocks (repeatable; default: {origins})")
    add_replicate_options(p, override_type, runs="runs per origin", out=api.DEFAULT_BACKTEST_OUT,
                          overrides="the backtest's own start, horizon, initial stocks and demand are applied after it")


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE) -> None:
    with ProgressBar("backtest", unit="run") as bar:
        b = api.backtest(args.scenario, origins=args.origins, **replicate_arguments(args, bar, engine))
    p = b.provenance
    out(f"{p['scenario']}: {len(b.backtest.origins)} origin(s) x {p['replicates']} replicate(s) at scale "
        f"{p['scale']:g}, {p['workers']} worker(s), {p['wall_seconds']:.1f} s")
    for origin, scored in b.backtest.origins.items():
        o, checks = scored.summary.overall, scored.checks
        n = o["n_series"]
        out(f"  from {origin} ({scored.horizon}): ARD over {n} series: model {score(o['ard_validate_model'])}, "
            f"persistence {score(o['ard_validate_persistence'])}, linear trend {score(o['ard_validate_trend'])}; "
            f"the model beats persistence on {len(o['beats_persistence'])}/{n}, "
            f"the trend on {len(o['beats_trend'])}/{n}")
        total, status = checks["total"], checks["by_status"]
        if total is not None:
            out(f"    total within {total['tolerance']:.0%}: {'yes' if total['passed'] else 'no'} "
                f"(ARD {score(total['ard_model'])})")
        if status is not None:
            out(f"    ARD by status no worse than the trend: {'yes' if status['passed'] else 'no'} "
                f"(model {score(status['ard_model'])}, trend {score(status['ard_trend'])})")
    out(f"wrote {b.folder}/ (backtest.html, backtest.csv, backtest.json, simulated_targets.csv)")
