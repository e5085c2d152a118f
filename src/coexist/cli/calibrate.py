"""``coexist calibrate``: fit behavioural parameters and scenario assumptions to the official targets by ABC-SMC."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from coexist import api
from coexist.cli.argtypes import positive_int as _positive_int
from coexist.cli.argtypes import scale as _scale
from coexist.cli.argtypes import seed as _seed
from coexist.cli.progress import ProgressBar, notice

__all__ = ["add_parser", "run"]


def add_parser(sub, parser_class, month_type) -> None:  # month_type: same signature as explain.add_parser
    p = sub.add_parser(
        "calibrate",
        help="fit behavioural parameters and scenario assumptions to the official targets (ABC-SMC)",
        description=(
            "Approximate Bayesian computation (ABC-SMC): sample behavioural parameters from their ranges in "
            "parameters.toml and scenario assumptions from the scenario's [calibration.priors], run the scenario "
            "for each particle (in --workers processes) and keep those whose ARD on the targets' fit rows is small, "
            "over several generations. Writes posterior.parquet, best.toml, best-scenario.toml, "
            "distance_history.json, prior_posterior.csv and fit.html; rerunning with the same --out resumes from "
            "abc_state.json."
        ),
        epilog="Example: coexist calibrate japan-history --targets src/coexist/data/targets.csv "
        f"--particles 20 --budget 100 --scale 0.02 --out {api.DEFAULT_CALIBRATION_OUT}; then coexist run "
        f"{api.DEFAULT_CALIBRATION_OUT}/best-scenario.toml",
    )
    p.add_argument("scenario", help="shipped scenario name or path to a scenario TOML file")
    p.add_argument("--targets", required=True, metavar="FILE", help="targets CSV (rows with split 'fit' are fitted)")
    p.add_argument("--budget", type=_positive_int, metavar="N",
                   help="nominal simulations, particles x generations (default 3 x particles)")
    p.add_argument("--particles", type=_positive_int, default=20, metavar="N", help="population size (default 20)")
    p.add_argument("--scale", type=_scale, metavar="F",
                   help="share of the population simulated (default: the scenario's)")
    p.add_argument("--seed", type=_seed, default=0, metavar="N", help="random seed (default 0)")
    p.add_argument("--out", default=api.DEFAULT_CALIBRATION_OUT, metavar="DIR",
                   help=f"output folder (default {api.DEFAULT_CALIBRATION_OUT})")
    p.add_argument("--param", dest="parameters", action="append", metavar="NAME",
                   help="behavioural parameter or scenario prior ([calibration.priors]) to fit (repeatable; "
                   "default: every behavioural parameter whose identification in parameters.toml names a series "
                   "with fit rows in the targets file, and every prior the scenario declares)")
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="processes that run particles in parallel (default: the number of CPUs; the result does "
                   "not depend on it)")
    p.add_argument("--dask-local", dest="dask_local", type=_positive_int, metavar="N",
                   help="run the particles on a local Dask cluster of N worker processes instead (same result)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the particles on the Dask cluster whose scheduler listens at ADDRESS instead")
    p.add_argument("--ship", action="store_true",
                   help="then write the package's shipped calibration (coexist/data/calibrated/) from this one: "
                        "the behavioural defaults and the December 2024 end state of the Japan scenarios")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="change one scenario value by its dotted path (repeatable)")


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE) -> None:
    with ProgressBar("calibrate", unit="run") as bar:
        c = api.calibrate(args.scenario, args.targets, parameters=args.parameters, budget=args.budget,
                          particles=args.particles, scale=args.scale, seed=args.seed, out=args.out,
                          overrides=args.overrides, progress=bar, notice=notice, workers=args.workers,
                          engine=engine, dask_local=args.dask_local, scheduler=args.scheduler)
    r = c.result
    out(f"{args.scenario}: {len(r.epsilons)} generation(s) x {len(r.weights)} particles, {r.simulations} simulations, "
        f"best fit distance {c.best_ard:.4g} (ARD on the fit rows, each date capped at 1)")
    for row in r.prior_vs_posterior():
        out(f"  {row['name']:<24} prior [{row['prior_low']:g}, {row['prior_high']:g}]  posterior "
            f"{row['posterior_q50']:.4g} ({row['posterior_q05']:.4g}-{row['posterior_q95']:.4g})  {row['label']}")
    if r.stopped:
        out(f"  stopped at generation {r.stopped['generation']}: {r.stopped['accepted']} of {r.stopped['particles']} "
            f"particles within tolerance {r.stopped['epsilon']:.4g} in {r.stopped['simulations']} simulations; the "
            "posterior is the last complete generation (a higher --budget will not help; see docs/calibration.md)")
    unfitted = [row["name"] for row in c.calibration.prior_posterior() if row["fitted"] == "no"]
    if unfitted:
        out(f"  not fitted (prior only, listed in prior_posterior.csv): {len(unfitted)} behavioural parameter(s)")
    out(f"wrote {c.folder}/ (posterior.parquet, best.toml, best-scenario.toml, distance_history.json, "
        "prior_posterior.csv, fit.html)")
    if args.ship:
        files = api.ship_calibration(c.folder, targets=args.targets, command=["coexist", *sys.argv[1:]],
                                     seed=args.seed, engine=engine)
        out(f"shipped: {', '.join(str(p) for p in files.values())}")
