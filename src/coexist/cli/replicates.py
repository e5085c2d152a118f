"""What ``coexist validate`` and ``coexist backtest`` share: the options of their replicate
runs, the api arguments those options give, and how they print a score."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from coexist import api
from coexist.cli.argtypes import positive_int, scale, seed
from coexist.cli.progress import notice

__all__ = ["add_replicate_options", "replicate_arguments", "score"]


def add_replicate_options(p: argparse.ArgumentParser, override_type: Callable[[str], Any], *, runs: str, out: str,
                          overrides: str) -> None:
    """``--replicates``, ``--scale``, ``--seed``, ``--workers``, ``--out`` and ``--set``, in
    that order; ``runs`` says what a replicate runs, ``out`` is the default output folder and
    ``overrides`` says when the ``--set`` values are applied."""
    p.add_argument("--replicates", type=positive_int, default=api.DEFAULT_VALIDATION_REPLICATES, metavar="N",
                   help=f"{runs}, each with its own seed and the same parameters "
                   f"(default: {api.DEFAULT_VALIDATION_REPLICATES})")
    p.add_argument("--scale", type=scale, default=api.DEFAULT_VALIDATION_SCALE, metavar="F",
                   help=f"share of persons simulated as agents, in (0, 1] (default: {api.DEFAULT_VALIDATION_SCALE})")
    p.add_argument("--seed", type=seed, default=0, metavar="N",
                   help="base seed; replicate r uses a seed derived from it as in 'coexist compare' (default: 0)")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="worker processes (default: the number of CPUs); results do not depend on it")
    p.add_argument("--out", default=out, metavar="DIR", help=f"output folder (default: {out})")
    p.add_argument("--set", dest="overrides", type=override_type, action="append", default=[], metavar="KEY=VALUE",
                   help=f"change one scenario value by its dotted path (repeatable); {overrides}")


def replicate_arguments(args: argparse.Namespace, progress: Callable[[int, int], None],
                        engine: api.Engine) -> dict[str, Any]:
    """The keyword arguments of :func:`coexist.api.validate` and :func:`coexist.api.backtest` that
    the options of :func:`add_replicate_options` give, with the progress bar, the compile
    notice and the engine."""
    return {"replicates": args.replicates, "scale": args.scale, "seed": args.seed, "workers": args.workers,
            "out": args.out, "overrides": args.overrides, "progress": progress, "notice": notice, "engine": engine}


def score(x: float | None) -> str:
    """An ARD to three decimals; ``n/a`` where there is none (None or NaN)."""
    return "n/a" if x is None or x != x else f"{x:.3f}"
