"""``coexist validate``: the model on the held-out target rows, against persistence and a linear trend."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from coexist import api
from coexist.cli.progress import ProgressBar
from coexist.cli.replicates import add_replicate_options, replicate_arguments, score

__all__ = ["add_parser", "run"]

def add_parser(sub, parser_class, override_type) -> None:
    p = sub.add_parser(
        "validate",
        help="score a scenario on the held-out target rows against persistence and a linear trend",
        description=(
            "Run a scenario (default japan-history) for several replicate seeds, measure every official target in "
            "each run, and score the averaged relative difference (ARD) per series on the held-out rows (split "
            "'validate', 2023-2024 in the shipped targets) next to two naive forecasts built from the fit rows: "
            "persistence and a linear trend. Writes validation.html (self-contained report), validation.csv (one row "
            "per series), validation.json (overall figures and provenance) and simulated_targets.csv."
        ),
        epilog="Example: coexist validate --params runs/calibration/best.toml --replicates 5 --scale 0.05 "
        f"--out {api.DEFAULT_VALIDATION_OUT}",
    )
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="shipped scenario name or path to a TOML file (default: the scenario the --params file "
                   f"records, else {api.DEFAULT_VALIDATION_SCENARIO})")
    p.add_argument("--targets", metavar="FILE",
                   help="targets CSV (default: the shipped coexist/data/targets.csv); needs rows with split 'validate'")
    p.add_argument("--params", metavar="FILE",
                   help="parameter values to run with, e.g. the best.toml written by 'coexist calibrate' "
                   "(its overrides, [behaviour] and [assumptions] values are put in as calibrate put them)")
    add_replicate_options(p, override_type, runs="runs", out=api.DEFAULT_VALIDATION_OUT,
                          overrides="applied before --params, as in calibrate")


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE) -> None:
    with ProgressBar("validate", unit="run") as bar:
        v = api.validate(args.scenario, targets=args.targets, params=args.params,
                         **replicate_arguments(args, bar, engine))
    p, o = v.provenance, v.summary.overall
    out(f"{p['scenario']}: {p['replicates']} replicate(s) at scale {p['scale']:g}, {p['horizon']}, "
        f"{p['workers']} worker(s), {p['wall_seconds']:.1f} s")
    n = o["n_series"]
    spread = (f" (5-95%: {score(o['ard_validate_model_p05'])}-{score(o['ard_validate_model_p95'])})"
              if p["replicates"] > 1 else "")
    out(f"  held-out ARD over {n} series: model {score(o['ard_validate_model'])}{spread}, "
        f"persistence {score(o['ard_validate_persistence'])}, linear trend {score(o['ard_validate_trend'])}")
    out(f"  the model beats persistence on {len(o['beats_persistence'])}/{n} series, "
        f"the trend on {len(o['beats_trend'])}/{n}")
    out(f"wrote {v.folder}/ (validation.html, validation.csv, validation.json, simulated_targets.csv)")
