"""The ``coexist`` command: parse the arguments, call :mod:`coexist.api`, print where outputs went.

Exit status: 0 success; 2 bad input (unknown scenario, bad option, invalid override,
output folder that cannot be written), with exactly one line on stderr; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from coexist import api
from coexist.cli import argtypes, backtest, calibrate, cohort, experiments, explain, serve, validate
from coexist.cli.progress import ProgressBar, notice
from coexist.errors import CoexistError, CoexistWarning, ScenarioError
from coexist.metrics import format_value, headline_metrics
from coexist.scenario import OverrideError
from coexist.store import catalogue

__all__ = ["main", "build_parser"]

PROG = "coexist"
DEFAULT_REPLICATES = api.DEFAULT_REPLICATES
DEFAULT_COMPARE_SCALE = api.DEFAULT_COMPARE_SCALE
# The library names a bad argument by its parameter name (ScenarioError.field); these are
# the positional arguments it may name, as the usage line writes them. Other names are
# options, written as the command's parser spells them (``overrides`` is --set).
_POSITIONALS = {"scenario": "SCENARIO", "scenarios": "SCENARIO", "scenario_refs": "SCENARIO", "roots": "ROOT",
               "design": "DESIGN"}


class UsageError(Exception):
    """An argument error, reported as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        for key in ("description", "epilog"):
            if kwargs.get(key):
                kwargs[key] = textwrap.fill(kwargs[key], width=78, break_on_hyphens=False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # argparse prints usage + message; we want one line
        raise UsageError(f"{self.prog}: error: {message}")


_seed, _scale, _month, _limit = argtypes.seed, argtypes.scale, argtypes.month, argtypes.positive_int


def _override(text: str) -> str:
    key, sep, _ = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"must be written dotted.path=value, e.g. programme.recognition_coverage=0.3. Got {text!r} instead."
        )
    return text


def _common(p: argparse.ArgumentParser, *, scale_default: float | None) -> None:
    p.add_argument("--seed", type=_seed, default=0, metavar="N",
                   help="seed of the random streams (default: 0); the same seed gives the same results"
                   + ("; compare derives each replicate's seed from it" if scale_default else ""))
    scale_help = (
        "share of persons simulated as agents, in (0, 1]; counts are re-inflated to persons "
        + (f"(default: {scale_default})" if scale_default else "(default: the scenario's scale, normally 1.0)")
    )
    p.add_argument("--scale", type=_scale, default=scale_default, metavar="F", help=scale_help)
    p.add_argument("--start", type=_month, metavar="YYYY-MM", help="first simulated month (default: the scenario's)")
    p.add_argument("--end", type=_month, metavar="YYYY-MM", help="last simulated month (default: the scenario's)")
    p.add_argument("--set", dest="overrides", type=_override, action="append", default=[], metavar="KEY=VALUE",
                   help="change one scenario value, e.g. --set programme.recognition_coverage=0.3 (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="coexist: a policy laboratory for labour migration. Simulates foreign workers in Japan "
        "under a temporary-worker or a circular-migration regime and measures the outcome for the host "
        "society, the migrants and their countries of origin.",
        epilog="Run 'coexist COMMAND --help' for the options of each command. Exit status: 0 success, "
        "2 bad input (one line on stderr), 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p_sc = sub.add_parser(
        "scenarios", help="list the shipped scenarios, or print one resolved as TOML",
        description="List the shipped scenarios with their descriptions; 'coexist scenarios show SCENARIO' prints "
        "a scenario with every value resolved (inherited ones and --set changes included) as TOML, a file that "
        "'coexist run' takes.",
        epilog="Example: coexist scenarios show japan-circular --set programme.recognition_coverage=0.3 > my.toml",
    )
    sc_sub = p_sc.add_subparsers(dest="scenarios_command", metavar="show")
    p_show = sc_sub.add_parser(
        "show", help="print a scenario resolved as TOML",
        description="Print a scenario with every value resolved, as TOML (the scenario.toml a run folder records).",
    )
    p_show.add_argument(
        "scenario", metavar="SCENARIO", help="shipped scenario name (see 'coexist scenarios') or path to a TOML file"
    )
    p_show.add_argument("--start", type=_month, metavar="YYYY-MM", help="first month (default: the scenario's)")
    p_show.add_argument("--end", type=_month, metavar="YYYY-MM", help="last month (default: the scenario's)")
    p_show.add_argument("--set", dest="overrides", type=_override, action="append", default=[], metavar="KEY=VALUE",
                        help="change one scenario value, e.g. --set programme.recognition_coverage=0.3 (repeatable)")

    p_run = sub.add_parser(
        "run", help="simulate one scenario and write a run folder",
        description="Simulate one scenario and write its run folder: stocks, flows, demand and measures as "
        "Parquet, metrics.json, the resolved scenario.toml and run.json (provenance).",
        epilog="Example: coexist run japan-circular --scale 0.1 --set programme.recognition_coverage=0.3",
    )
    p_run.add_argument(
        "scenario", metavar="SCENARIO", help="shipped scenario name (see 'coexist scenarios') or path to a TOML file"
    )
    p_run.add_argument(
        "--out",
        metavar="DIR",
        default="runs/{name}-{hash}-{seed}",
        help="run folder to write (default: runs/{name}-{hash}-{seed}: {name}, {hash} and {seed} in DIR become the "
        "scenario name, the first 8 characters of the resolved scenario's hash and the seed); an existing run "
        "folder is replaced only by a run of the same resolved scenario",
    )
    p_run.add_argument("--people", action="store_true",
                       help="also write people.parquet: every person's status spells (for 'coexist cohort'); "
                       "the other results are the same with or without")
    _common(p_run, scale_default=None)

    p_cmp = sub.add_parser(
        "compare",
        help="simulate several scenarios over replicates and write an HTML report with the claims",
        description="Simulate several scenarios over replicates. Each replicate draws a seed and a set of behavioural "
        "parameters (triangular over their documented ranges; for scenarios with behaviour_defaults = "
        "'calibrated-japan', the calibrated ones jointly from a particle of the shipped posterior) and uses the "
        "same ones "
        "in every scenario (common random numbers), so differences are paired; the scenarios must share "
        "behaviour_defaults. Writes the full run folder of replicate 0 of each scenario under --out, "
        "replicates.parquet (every metric of every replicate), parameters.parquet, claims.json and a self-contained "
        "report.html with medians, 90% intervals and the verdict on each claim.",
        epilog="Example: coexist compare japan-temporary japan-circular japan-circular-unconnected --out results/japan "
        "--replicates 20 --workers 2",
    )
    p_cmp.add_argument("scenarios", metavar="SCENARIO", nargs="+", help="shipped scenario names or TOML paths")
    p_cmp.add_argument(
        "--out",
        metavar="DIR",
        default="results/compare",
        help="output folder (default: results/compare); runs go to DIR/<name>/, the report to DIR/report.html",
    )
    p_cmp.add_argument(
        "--replicates",
        type=_limit,
        metavar="N",
        default=DEFAULT_REPLICATES,
        help=f"replicates per scenario, each with its own seed and parameter draw (default: {DEFAULT_REPLICATES})",
    )
    p_cmp.add_argument(
        "--workers",
        type=_limit,
        metavar="N",
        default=None,
        help="worker processes (default: the number of CPUs); results do not depend on it",
    )
    _common(p_cmp, scale_default=DEFAULT_COMPARE_SCALE)

    p_runs = sub.add_parser(
        "runs",
        help="list past runs found under some folders",
        description="List the run folders (folders holding run.json) found under the given folders, searched "
        "recursively: scenario, hash, seed, scale, horizon, creation time, engine time and headline metrics. "
        "From Python, coexist.store.catalogue.connect() gives the same catalogue as DuckDB views.",
        epilog="Example: coexist runs results --sort=-host.fill_rate --limit 5 --format csv",
    )
    p_runs.add_argument(
        "roots", metavar="ROOT", nargs="*", help="folders to search (default: runs/ and results/, those that exist)"
    )
    p_runs.add_argument(
        "--sort",
        metavar="FIELD",
        default="-created",
        help="column to sort by, ascending; write --sort=-FIELD for descending (default: -created, newest first)",
    )
    p_runs.add_argument("--limit", type=_limit, metavar="N", help="show at most N runs")
    p_runs.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)"
    )
    explain.add_parser(sub, _Parser, _month)
    cohort.add_parser(sub, _Parser, _month)
    calibrate.add_parser(sub, _Parser, _month)
    validate.add_parser(sub, _Parser, _override)
    backtest.add_parser(sub, _Parser, _override)
    serve.add_parser(sub, _Parser, _scale)
    experiments.add_parsers(sub, _Parser, _common)
    return parser


def _metric_lines(metrics: Mapping[str, float], currency: str) -> list[str]:
    """The headline metrics, one line each: label, value with its unit (aligned), key."""
    rows = [(m.label or m.name, format_value(metrics[m.name], m.unit, currency=currency), m.name)
            for m in headline_metrics()]
    width = max((len(value) for _, value, _ in rows), default=0)
    return [f"  {label:<40} {value:>{width}}  ({key})" for label, value, key in rows]


def _cmd_scenarios(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    if args.scenarios_command == "show":
        out(api.scenario_toml(args.scenario, overrides=args.overrides, start=args.start, end=args.end,
                              engine=engine).rstrip("\n"))
        return
    width = shutil.get_terminal_size((100, 24)).columns
    for name, description in api.scenarios():
        out(name)
        out(textwrap.fill(description, width=max(width, 40), initial_indent="    ", subsequent_indent="    ",
                          break_on_hyphens=False))


def _run_settings(args: argparse.Namespace) -> dict:
    """What `run` and `compare` pass alike to the api: the output folder, seed, scale,
    horizon, --set overrides and the compile notice."""
    return {"out": args.out, "seed": args.seed, "scale": args.scale, "start": args.start, "end": args.end,
            "overrides": args.overrides, "notice": notice}


def _cmd_run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    with ProgressBar(args.scenario) as bar:
        s = api.run(args.scenario, **_run_settings(args), progress=bar, engine=engine, people=args.people)
    out(
        f"{s.name}: {s.start} to {s.end}, seed {s.seed}, scale {s.scale:g}, "
        f"{s.engine_seconds:.1f} s in the engine, {s.compile_seconds:.1f} s compiling or loading its kernels, "
        f"{s.wall_seconds:.1f} s in all"
    )
    for line in _metric_lines(s.metrics, str(getattr(s.scenario, "currency", "JPY"))):
        out(line)
    out(f"wrote {s.folder}/")


def _cmd_compare(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    with ProgressBar("compare", unit="run") as bar:
        c = api.compare(
            args.scenarios,
            **_run_settings(args),
            replicates=args.replicates,
            workers=args.workers,
            progress=bar,
            engine=engine,
        )
    first = c.runs[0] if c.runs else None
    if first is not None:
        out(
            f"{len(c.runs)} scenario(s) x {c.replicates} replicate(s), {first.start} to {first.end}, scale "
            f"{first.scale:g}, "
            f"{c.workers} worker(s), {c.wall_seconds:.1f} s"
        )
    for ref, name in c.renamed.items():
        out(f"  note: {ref} has the name of an earlier scenario; its results are labelled {name!r}, "
            f"in {c.folder / name}/")
    for s in c.runs:
        out(f"  {s.name}: replicate 0 (seed {s.seed}) -> {s.folder}/")
    for claim in c.claims:
        out(f"  claim {claim['claim']}: {claim['verdict']}")
    out(f"wrote {c.folder / 'replicates.parquet'}, {c.folder / 'claims.json'}")
    out(f"wrote {c.report}")


def _cmd_runs(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    rows = api.runs(args.roots or None, sort=args.sort, limit=args.limit)
    out(catalogue.render(rows, args.format, roots=args.roots or None))


def _cmd_explain(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    explain.run(args, out, engine)


def _cmd_cohort(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    cohort.run(args, out, UsageError)


def _cmd_calibrate(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    calibrate.run(args, out, engine)


def _cmd_validate(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    validate.run(args, out, engine)


def _cmd_backtest(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    backtest.run(args, out, engine)


def _cmd_serve(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    serve.run(args, out, engine)
def _cmd_experiment(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine) -> None:
    experiments.run(args, out, engine, _run_settings)


_COMMANDS = {
    "scenarios": _cmd_scenarios,
    "run": _cmd_run,
    "compare": _cmd_compare,
    "runs": _cmd_runs,
    "explain": _cmd_explain,
    "cohort": _cmd_cohort,
    "calibrate": _cmd_calibrate,
    "validate": _cmd_validate,
    "backtest": _cmd_backtest,
    "serve": _cmd_serve,
    "sweep": _cmd_experiment,
    "sensitivity": _cmd_experiment,
    "search": _cmd_experiment,
}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _options(parser: argparse.ArgumentParser, command: str) -> dict[str, str]:
    """Argument name -> the option that sets it (``overrides`` -> ``--set``), for one command.

    argparse has no public way to list a parser's arguments; ``_actions`` is where it keeps them.
    """
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    return {a.dest: max(a.option_strings, key=len) for a in commands[command]._actions if a.option_strings}


def _flag(field: str | None, options: Mapping[str, str]) -> str | None:
    """The command-line name of the argument a library error names, if it came from one."""
    if field in _POSITIONALS:
        return _POSITIONALS[field]
    return options.get(field) if field is not None else None


def _message(exc: CoexistError, options: Mapping[str, str]) -> str:
    """A library error in the command line's words: the argument it names becomes its flag."""
    if isinstance(exc, OverrideError) and exc.override is not None and "overrides" in options:
        return f"{exc.problem} (from {options['overrides']} {exc.override})"
    if isinstance(exc, ScenarioError) and exc.source is None:
        flag = _flag(exc.field, options)
        if flag is not None:
            return f"{flag} {exc.detail}"
    return str(exc)


def _show_warning(show_other: Callable[..., None]) -> Callable[..., None]:
    """warnings.showwarning that prints coexist's warnings as one line on stderr (others as Python does)."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, CoexistWarning):
            print(f"{PROG}: warning: {_one_line(str(message))}", file=sys.stderr)
        else:
            show_other(message, category, filename, lineno, file, line)

    return show


def main(argv: Sequence[str] | None = None, *, engine: api.Engine = api.ENGINE) -> int:
    """Entry point of the ``coexist`` console script. Returns the exit status.

    ``engine`` is the model the commands that simulate call (see :class:`coexist.api.Engine`).
    """
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        with warnings.catch_warnings():  # restores the warning machinery when the command ends
            warnings.simplefilter("always", CoexistWarning)  # the library warns once per process itself
            warnings.showwarning = _show_warning(warnings.showwarning)
            _COMMANDS[args.command](args, print, engine)
    except UsageError as exc:
        print(_one_line(str(exc)), file=sys.stderr)
        return 2
    except CoexistError as exc:
        options = _options(parser, args.command) if args is not None else {}
        print(f"{PROG}: error: {_one_line(_message(exc, options))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. head) closed the pipe early: nothing went wrong here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"{PROG}: error: {_one_line(exc.strerror or str(exc))}{where}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version exit through argparse
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
