"""``coexist validate``: the model on the held-out target rows, against persistence and a linear trend."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from coexist import api
from coexist.cli.argtypes import positive_int as _positive_int
from coexist.cli.argtypes import scale as _scale
from coexist.cli.argtypes import seed as _seed
from coexist.cli.progress import ProgressBar, notice

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
    p.add_argument("--replicates", type=_positive_int, default=api.DEFAULT_VALIDATION_REPLICATES, metavar="N",
                   help="runs, each with its own seed and the same parameters "
                   f"(default: {api.DEFAULT_VALIDATION_REPLICATES})")
    p.add_argument("--scale", type=_scale, default=api.DEFAULT_VALIDATION_SCALE, metavar="F",
                   help=f"share of persons simulated as agents, in (0, 1] (default: {api.DEFAULT_VALIDATION_SCALE})")
    p.add_argument("--seed", type=_seed, default=0, metavar="N",
                   help="base seed; replicate r uses a seed derived from it as in 'coexist compare' (default: 0)")
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="worker processes (default: the number of CPUs); results do not depend on it")
    p.add_argument("--out", default=api.DEFAULT_VALIDATION_OUT, metavar="DIR",
                   help=f"output folder (default: {api.DEFAULT_VALIDATION_OUT})")
    p.add_argument("--set", dest="overrides", type=override_type, action="append", default=[], metavar="KEY=VALUE",
                   help="change one scenario value by its dotted path (repeatable); applied before --params, "
                   "as in calibrate")


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE) -> None:
    with ProgressBar("validate", unit="run") as bar:
        v = api.validate(args.scenario, targets=args.targets, params=args.params, replicates=args.replicates,
                         scale=args.scale, seed=args.seed, workers=args.workers, out=args.out,
                         overrides=args.overrides, progress=bar, notice=notice, engine=engine)
    p, o = v.provenance, v.summary.overall

    def num(x: float) -> str:
        return "n/a" if x is None or x != x else f"{x:.3f}"

    out(f"{p['scenario']}: {p['replicates']} replicate(s) at scale {p['scale']:g}, {p['horizon']}, "
        f"{p['workers']} worker(s), {p['wall_seconds']:.1f} s")
    n = o["n_series"]
    spread = (f" (5-95%: {num(o['ard_validate_model_p05'])}-{num(o['ard_validate_model_p95'])})"
              if p["replicates"] > 1 else "")
    out(f"  held-out ARD over {n} series: model {num(o['ard_validate_model'])}{spread}, "
        f"persistence {num(o['ard_validate_persistence'])}, linear trend {num(o['ard_validate_trend'])}")
    out(f"  the model beats persistence on {len(o['beats_persistence'])}/{n} series, "
        f"the trend on {len(o['beats_trend'])}/{n}")
    out(f"wrote {v.folder}/ (validation.html, validation.csv, validation.json, simulated_targets.csv)")
