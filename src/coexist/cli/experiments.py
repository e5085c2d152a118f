"""``coexist sweep``, ``coexist sensitivity`` and ``coexist search``: experiments over a design's factors."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

from coexist import api
from coexist.cli.argtypes import positive_int as _positive_int
from coexist.cli.progress import ProgressBar
from coexist.experiments.design import shipped_designs

__all__ = ["add_parsers", "run"]

_DEFAULT_OUT = {"sweep": api.DEFAULT_SWEEP_OUT, "sensitivity": api.DEFAULT_SENSITIVITY_OUT,
                "search": api.DEFAULT_SEARCH_OUT}
ACTOR_METRICS = ("index.host", "index.migrants", "index.origin", "index.balance")


def _shared(p: argparse.ArgumentParser, kind: str, common: Callable[..., None]) -> None:
    names = ", ".join(name for name, _ in shipped_designs())
    p.add_argument("design", metavar="DESIGN", help=f"shipped design name ({names}) or path to a design TOML file")
    p.add_argument("--out", metavar="DIR", default=_DEFAULT_OUT[kind],
                   help=f"experiment folder (default: {_DEFAULT_OUT[kind]}); run again with the same folder to "
                   "resume: finished runs are not run again")
    p.add_argument("--replicates", type=_positive_int, metavar="N",
                   help="replicates per point, each with its own seed, the same at every point (default: the "
                   "design's, 1 in the shipped designs)")
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="local worker processes (default: the number of CPUs); results do not depend on it")
    p.add_argument("--dask-local", dest="dask_local", type=_positive_int, metavar="N",
                   help="run on a local Dask cluster of N worker processes instead of the process pool")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster whose scheduler listens at ADDRESS (e.g. tcp://10.0.0.5:8786); "
                   "its workers need this version of coexist")
    common(p, scale_default=api.DEFAULT_COMPARE_SCALE)


def add_parsers(sub: Any, parser_class: type, common: Callable[..., None]) -> None:
    """Add the three commands; ``common`` adds the options every simulating command shares (as ``compare``)."""
    p = sub.add_parser(
        "sweep", help="run a design's points (Latin hypercube, Sobol, Morris or full factorial) and tabulate them",
        description="Sample the factors of a design (its uncertainties and levers) with its sampler, run every point "
        "over the replicates (a run folder each, under DIR/runs/) and write runs.parquet (one row per run: factors "
        "and metrics), design.toml, experiment.json and sweep.html.",
        epilog="Example: coexist sweep japan-circular-levers --samples 32 --scale 0.02 --out results/sweep",
    )
    _shared(p, "sweep", common)
    p.add_argument("--samples", type=_positive_int, metavar="N", help="points to sample (default: the design's)")

    p = sub.add_parser(
        "sensitivity", help="global sensitivity of the metrics to a design's factors (Sobol or Morris, SALib)",
        description="Sobol (Saltelli's sample: N x (factors + 2) runs; first and total indices) or Morris "
        "(N trajectories of factors + 1 runs; mu, mu_star, sigma) over a design's uncertainties and levers. Writes "
        "sensitivity.parquet (metric, parameter, index, value, conf), sensitivity.html and what sweep writes.",
        epilog="Example: coexist sensitivity japan-circular-levers --method morris --samples 18 --workers 2",
    )
    _shared(p, "sensitivity", common)
    p.add_argument("--method", choices=("sobol", "morris"), default="morris",
                   help="Sobol indices or Morris elementary effects (default: morris)")
    p.add_argument("--samples", type=_positive_int, metavar="N",
                   help="Sobol: base samples, a power of 2; Morris: trajectories (default: the design's)")

    p = sub.add_parser(
        "search", help="search a design's levers for the Pareto front of the three actors (NSGA-III)",
        description="Many-objective search (NSGA-III, pymoo) over a design's levers, maximising the host, migrant "
        "and origin scores, within the design's constraints. Writes pareto.parquet (one column per lever, per "
        "objective, and index.balance), search.html and what sweep writes.",
        epilog="Example: coexist search japan-circular-levers --generations 10 --population 16 --scale 0.02",
    )
    _shared(p, "search", common)
    p.add_argument("--generations", type=_positive_int, default=10, metavar="N", help="generations (default: 10)")
    p.add_argument("--population", type=_positive_int, default=16, metavar="N",
                   help="points per generation, at least 3 (default: 16)")


def _top_lines(result: api.ExperimentOutput) -> list[str]:
    index = "mu_star" if any(r["index"] == "mu_star" for r in result.sensitivity) else "ST"
    lines = []
    for metric in ACTOR_METRICS:
        ranked = sorted((r for r in result.sensitivity if r["metric"] == metric and r["index"] == index
                         and math.isfinite(r["value"])), key=lambda r: -r["value"])[:5]
        if ranked:
            lines.append(f"  {metric:<15} top by {index}: "
                         + ", ".join(f"{r['parameter']} {r['value']:.3g}" for r in ranked))
    return lines


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine,
        settings: Callable[[argparse.Namespace], dict]) -> None:
    """Run the command in ``args.command``; ``settings(args)`` gives the options shared with ``compare``."""
    kind = args.command
    extra: dict[str, Any] = {"replicates": args.replicates, "workers": args.workers, "dask_local": args.dask_local,
                             "scheduler": args.scheduler}
    if kind == "search":
        extra.update(generations=args.generations, population=args.population)
    else:
        extra["samples"] = args.samples
    if kind == "sensitivity":
        extra["method"] = args.method
    with ProgressBar(kind, unit="run") as bar:
        result = getattr(api, kind)(args.design, **settings(args), **extra, progress=bar, engine=engine)
    out(f"{kind} of {result.design.name}: {result.runs} run(s), {result.resumed} found finished, "
        f"{len(result.failures)} failed; {result.runner} with {result.workers} worker(s), {result.wall_seconds:.1f} s")
    for f in result.failures:
        print(f"  run {f['run_id']} (point {f['point']}, replicate {f['replicate']}) did not finish: {f['error']}",
              file=sys.stderr)
    if result.failures:
        print("  run the same command again to run only those", file=sys.stderr)
    if kind == "sensitivity":
        for line in _top_lines(result):
            out(line)
    if kind == "search":
        out(f"  Pareto front: {len(result.front)} point(s)")
    out(f"wrote {result.folder}/ ({', '.join(result.files)}, runs/)")
