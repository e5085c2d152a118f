"""What the CLI, the dashboard and notebooks call: ``run()`` and ``compare()``.

>>> import coexist
>>> summary = coexist.run("japan-circular", scale=0.01)          # doctest: +SKIP
>>> summary.metrics["host.fill_rate"]                            # doctest: +SKIP
0.93...
>>> coexist.compare(["japan-temporary", "japan-circular"], out="results/cmp", scale=0.1)  # doctest: +SKIP

The engine and the scenario loader are imported when a run starts, not at import time.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coexist.errors import ScenarioError

__all__ = ["RunSummary", "CompareSummary", "run", "compare", "scenarios", "DEFAULT_COMPARE_SCALE"]

Progress = Callable[[int, int], None]

DEFAULT_COMPARE_SCALE = 0.1


@dataclass
class RunSummary:
    """What one run produced.

    Attributes
    ----------
    name : str
        Scenario name.
    scenario_hash : str
        Canonical hash of the resolved scenario.
    seed : int
    scale : float
        Scale the engine ran at.
    start, end : str
        Horizon, "YYYY-MM".
    metrics : dict[str, float]
        Every registered metric (see ``coexist.metrics.METRICS``).
    engine_seconds, wall_seconds : float
        Time in the engine and for the whole run.
    folder : Path or None
        The run folder, when one was written.
    result, scenario :
        The in-memory ``SimulationResult`` and ``Scenario``.
    """

    name: str
    scenario_hash: str
    seed: int
    scale: float
    start: str
    end: str
    metrics: dict[str, float]
    engine_seconds: float
    wall_seconds: float
    folder: Path | None = None
    result: Any = field(default=None, repr=False)
    scenario: Any = field(default=None, repr=False)


@dataclass
class CompareSummary:
    """What ``compare()`` produced: one :class:`RunSummary` per scenario and the report."""

    runs: list[RunSummary]
    folder: Path
    report: Path


# -- seams onto the scenario and engine packages (imported lazily) -----------------------------
def _load_scenario(ref: str, overrides: Sequence[str], start: str | None, end: str | None) -> Any:
    from coexist.scenario import load_scenario

    return load_scenario(ref, overrides=tuple(overrides), start=start, end=end)


def _simulate(scenario: Any, seed: int, scale: float | None, progress: Progress | None) -> Any:
    from coexist.engine import simulate

    return simulate(scenario, seed=seed, scale=scale, progress=progress)


def _scenario_hash(scenario: Any) -> str:
    from coexist.scenario import scenario_hash

    return scenario_hash(scenario)


def scenarios() -> list[tuple[str, str]]:
    """Shipped scenarios as (name, one-line description)."""
    from coexist.scenario import shipped_scenarios

    return list(shipped_scenarios())


# -- validation --------------------------------------------------------------------------------
def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"must be a whole number >= 0. Got {seed!r} instead.", field="seed")
    return seed


def _check_scale(scale: Any) -> float | None:
    if scale is None:
        return None
    try:
        value = float(scale)
    except (TypeError, ValueError):
        raise ScenarioError(f"must be a number in (0, 1], e.g. 0.1. Got {scale!r} instead.", field="scale") from None
    if not math.isfinite(value) or not 0.0 < value <= 1.0:
        raise ScenarioError(f"must be a number in (0, 1], e.g. 0.1. Got {scale!r} instead.", field="scale")
    return value


def _months(scenario: Any) -> int:
    from coexist.periods import parse_month

    try:
        return parse_month(scenario.end) - parse_month(scenario.start) + 1
    except (AttributeError, ValueError):
        return 0


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _folder_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", str(name)).strip("._") or "scenario"
    return cleaned


def _expand(out: str | Path, *, name: str, seed: int) -> Path:
    """``{name}`` and ``{seed}`` in an output path become the scenario name and the seed."""
    text = str(out).replace("{name}", _folder_name(name)).replace("{seed}", str(seed))
    return Path(text)


def _summarise(scenario: Any, result: Any, *, seed: int, started: float) -> RunSummary:
    from coexist.metrics import compute_metrics

    metrics = compute_metrics(result, scenario)
    return RunSummary(
        name=str(scenario.name),
        scenario_hash=_scenario_hash(scenario),
        seed=seed,
        scale=float(result.scale),
        start=str(scenario.start),
        end=str(scenario.end),
        metrics=metrics,
        engine_seconds=float(result.wall_seconds),
        wall_seconds=time.perf_counter() - started,
        result=result,
        scenario=scenario,
    )


def _write(summary: RunSummary, folder: Path) -> None:
    from coexist.store import write_run

    summary.folder = write_run(
        folder, summary.result, summary.scenario, wall_seconds_total=summary.wall_seconds, metrics=summary.metrics
    )


# -- public ------------------------------------------------------------------------------------
def run(
    scenario_ref: str,
    *,
    out: str | Path | None = None,
    seed: int = 0,
    scale: float | None = None,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
) -> RunSummary:
    """Load a scenario, simulate it, compute its metrics and (when ``out`` is given) write
    the run folder.

    Parameters
    ----------
    scenario_ref : str
        A shipped scenario name (``coexist scenarios`` lists them) or a path to a TOML file.
    out : path, optional
        Run folder to write; ``{name}`` and ``{seed}`` in it are replaced by the scenario
        name and the seed. Nothing is written when omitted.
    seed : int
        Seed of the engine's random streams.
    scale : float, optional
        Share of persons simulated as agents, in (0, 1]; the scenario's own scale when omitted.
    start, end : str, optional
        Horizon "YYYY-MM", overriding the scenario's.
    overrides : sequence of "dotted.path=value"
    progress : callable(done_months, total_months), optional

    Raises
    ------
    CoexistError
        ScenarioError for bad input, StoreError when the folder cannot be written.
    """
    started = time.perf_counter()
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    scenario = _load_scenario(scenario_ref, overrides, start, end)
    folder = _expand(out, name=scenario.name, seed=seed) if out is not None else None
    if folder is not None:
        from coexist.store.run_folder import check_destination

        check_destination(folder)
    result = _simulate(scenario, seed, scale, progress)
    summary = _summarise(scenario, result, seed=seed, started=started)
    if folder is not None:
        _write(summary, folder)
    return summary


def compare(
    scenario_refs: Sequence[str],
    *,
    out: str | Path,
    seed: int = 0,
    scale: float | None = None,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
) -> CompareSummary:
    """Run several scenarios with the same seed (common random numbers) and write a report.

    Every scenario is loaded (and checked) before any is simulated, and nothing is written
    until all have run, so an error leaves no partial output. Each run goes to
    ``out/<scenario name>/`` and the report to ``out/report.html``.

    Parameters
    ----------
    scenario_refs : sequence of str
        Shipped scenario names or TOML paths (at least one).
    out : path
        Output folder.
    seed, scale, start, end, overrides :
        As for :func:`run`, applied to every scenario.
    progress : callable(done_months, total_months), optional
        Called with months done over all scenarios together.
    """
    from coexist.report import write_compare_report
    from coexist.store.run_folder import check_destination

    refs = list(scenario_refs)
    if not refs:
        raise ScenarioError("compare needs at least one scenario. Got none.")
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    out = Path(out)
    if out.exists() and not out.is_dir():
        from coexist.store import StoreError

        raise StoreError(f"output folder {out} is a file. Choose another --out.")
    loaded = [_load_scenario(ref, overrides, start, end) for ref in refs]

    names: list[str] = []
    for sc in loaded:
        base = _folder_name(sc.name)
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    for name in names:
        check_destination(out / name)

    months = [_months(sc) for sc in loaded]
    total = sum(months)
    summaries: list[RunSummary] = []
    for i, sc in enumerate(loaded):
        started = time.perf_counter()
        offset = sum(months[:i])
        step = None
        if progress is not None:
            def step(done: int, _total: int, _offset: int = offset) -> None:
                progress(_offset + done, total)
        result = _simulate(sc, seed, scale, step)
        summaries.append(_summarise(sc, result, seed=seed, started=started))

    for name, summary in zip(names, summaries):
        _write(summary, out / name)
    report = write_compare_report(
        out / "report.html",
        [(name, s.folder) for name, s in zip(names, summaries)],
        title="coexist: " + " vs ".join(names),
    )
    return CompareSummary(runs=summaries, folder=out, report=report)
