"""What the command line and Python scripts call: every command goes through here.

``run`` and ``compare`` simulate, ``explain`` asks the rules about one person and
``pathways`` follows one person's history under one or two regimes, ``runs`` lists past
runs. Each checks its input at the door (in the words of its arguments), calls the
packages that compute, has ``coexist.store`` write the files and ``coexist.report``
render the HTML, and returns a summary.

>>> import coexist
>>> summary = coexist.run("japan-circular", scale=0.01)          # doctest: +SKIP
>>> 0.0 <= summary.metrics["host.fill_rate"] <= 1.0              # doctest: +SKIP
True
>>> coexist.compare(["japan-temporary", "japan-circular"], out="results/cmp", scale=0.1)  # doctest: +SKIP
>>> coexist.compare(["japan-temporary", "japan-circular"]).metrics()  # in memory, a DataFrame  # doctest: +SKIP
>>> coexist.api.explain("japan-circular", {"status": "ssw1", "months_in_status": 34}, "2030-01")["months_left"]
2

The engine's calls go through an :class:`Engine` (loader, simulator, describer), which a
test or a notebook may replace by passing ``engine=`` to any command that simulates
(:func:`run`, :func:`compare`, :func:`calibrate`, :func:`validate`, :func:`ship_calibration`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from coexist.calibration import abc as calibration_abc
from coexist.calibration.abc import ABCResult, Calibration
from coexist.calibration.backtest import DEFAULT_ORIGINS as DEFAULT_BACKTEST_ORIGINS
from coexist.calibration.backtest import DEFAULT_SCENARIO as DEFAULT_BACKTEST_SCENARIO
from coexist.calibration.backtest import Backtest, check_origins, run_backtest
from coexist.calibration.fingerprint import CalibrationCheck
from coexist.calibration.ship import forget_cached_calibration, package_calibrated_folder, shipped_calibration
from coexist.calibration.targets import read_targets
from coexist.calibration.validation import DEFAULT_REPLICATES as DEFAULT_VALIDATION_REPLICATES
from coexist.calibration.validation import DEFAULT_SCALE as DEFAULT_VALIDATION_SCALE
from coexist.calibration.validation import DEFAULT_SCENARIO as DEFAULT_VALIDATION_SCENARIO
from coexist.calibration.validation import ValidationSummary, run_validation
from coexist.data.text_files import read_text_file
from coexist.engine.compiling import COMPILE_NOTICE, kernels_need_compiling
from coexist.engine.simulate import simulate as engine_simulate
from coexist.engine.world import check_scale_gives_agents
from coexist.errors import DataError, ScenarioError
from coexist.experiments import EnsembleResult, run_ensemble
from coexist.experiments.analysis import claims_report, reference_sensitivity
from coexist.experiments.design import design_toml, load_design, with_samples
from coexist.experiments.ensemble import default_workers
from coexist.experiments.experiment import (
    ExperimentResults,
    Point,
    design_points,
    plan_runs,
    point_means,
    points,
    sensitivity_table,
)
from coexist.experiments.frames import (
    ClaimVerdicts,
    MetricValues,
    ReplicateSamples,
    ReplicateSeries,
    interval_frame,
    table_frame,
)
from coexist.experiments.replicates import replicate_seed
from coexist.experiments.runners import make_runner
from coexist.experiments.sampling import SENSITIVITY_COLUMNS, SENSITIVITY_METHODS
from coexist.experiments.search import nsga3_search
from coexist.explain import explain as answer_for_person
from coexist.explain import history_for
from coexist.explain import pathways as pathways_for_history
from coexist.explain.pathways import (
    DEFAULT_COPIES,
    DEFAULT_HORIZON_MONTHS,
    MAX_COPIES,
    MAX_COPY_MONTHS,
    MAX_HORIZON_MONTHS,
)
from coexist.metrics import compute_metrics, load_reference
from coexist.metrics.index import run_weights
from coexist.periods import format_month, parse_month
from coexist.report import render_compare_report
from coexist.report.backtest import render_backtest_report
from coexist.report.calibration import render_fit_report
from coexist.report.experiments import render_experiment_report
from coexist.report.validation import render_validation_report
from coexist.scenario import load_scenario, shipped_scenarios
from coexist.scenario.options import check_count as _check_count
from coexist.scenario.options import check_scale as _check_scale
from coexist.scenario.options import check_seed as _check_seed
from coexist.store import catalogue, write_run
from coexist.store.backtest import write_backtest
from coexist.store.calibration import (
    STATE_FILE,
    StateFile,
    check_output_folder,
    write_calibration,
    write_shipped_calibration,
    write_validation,
)
from coexist.store.compare import (
    check_compare_destination,
    scenario_folder_names,
    write_compare,
    write_report,
    write_series,
)
from coexist.store.experiments import check_experiment_folder, finished_runs, run_folder, write_experiment
from coexist.store.people import CohortShares, cohort_shares, people_table_of, visit_counts
from coexist.store.run_folder import check_destination, describe_scenario, expand_out, safe_folder_name
from coexist.version import __version__

__all__ = [
    "Engine",
    "RunSummary",
    "CompareSummary",
    "run",
    "compare",
    "explain",
    "pathways",
    "runs",
    "cohort",
    "visits",
    "scenarios",
    "scenario_toml",
    "DEFAULT_COMPARE_SCALE",
    "DEFAULT_REPLICATES",
    "CalibrationOutput",
    "ValidationOutput",
    "BacktestOutput",
    "calibrate",
    "validate",
    "backtest",
    "ship_calibration",
    "DEFAULT_VALIDATION_REPLICATES",
    "DEFAULT_VALIDATION_SCALE",
    "DEFAULT_VALIDATION_SCENARIO",
    "DEFAULT_CALIBRATION_OUT",
    "DEFAULT_VALIDATION_OUT",
    "DEFAULT_BACKTEST_ORIGINS",
    "DEFAULT_BACKTEST_SCENARIO",
    "DEFAULT_BACKTEST_OUT",
    "ExperimentOutput",
    "sweep",
    "sensitivity",
    "search",
    "DEFAULT_SWEEP_OUT",
    "DEFAULT_SENSITIVITY_OUT",
    "DEFAULT_SEARCH_OUT",
]

Progress = Callable[[int, int], None]
Notice = Callable[[str], None]

DEFAULT_COMPARE_SCALE = 0.05
DEFAULT_REPLICATES = 20
# Every command writes under runs/ or results/ by default, which `make clean` removes.
DEFAULT_CALIBRATION_OUT = "runs/calibration"
DEFAULT_VALIDATION_OUT = "runs/validation"
DEFAULT_BACKTEST_OUT = "runs/backtest"
DEFAULT_SWEEP_OUT = "results/sweep"
DEFAULT_SENSITIVITY_OUT = "results/sensitivity"
DEFAULT_SEARCH_OUT = "results/search"


@dataclass
class RunSummary:
    """What one run produced: its tables and metrics, as pandas DataFrames on request
    (pandas is the optional extra ``coexist[pandas]``) and as pyarrow tables in ``result``.

    >>> from coexist.testing import TINY_OVERRIDES
    >>> summary = run("japan-temporary", overrides=[*TINY_OVERRIDES, 'horizon.end="2025-12"'], scale=1.0)
    >>> list(summary.stocks().columns)
    ['month', 'status', 'origin', 'sector', 'persons']
    >>> summary.metrics().set_index("metric").loc["host.fill_rate", ["unit", "actor"]].tolist()
    ['share of demand', 'host']
    >>> summary.result.stocks.num_rows == len(summary.stocks())
    True

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
    metrics : MetricValues
        Every registered metric (see ``coexist.metrics.METRICS``), a dict of metric to value;
        ``metrics()`` gives them as a DataFrame, one row per metric with its unit and actor.
    engine_seconds, wall_seconds : float
        Time in the engine (compiling excluded) and for the whole run.
    compile_seconds : float
        Time the engine spent compiling its kernels or loading them from the cache (about a
        minute the first time on a machine, about a second in a fresh process, else 0).
    folder : Path or None
        The run folder, when one was written.
    result, scenario :
        The in-memory ``SimulationResult`` (its tables are pyarrow tables) and ``Scenario``.
    """

    name: str
    scenario_hash: str
    seed: int
    scale: float
    start: str
    end: str
    metrics: MetricValues
    engine_seconds: float
    wall_seconds: float
    folder: Path | None = None
    result: Any = field(default=None, repr=False)
    scenario: Any = field(default=None, repr=False)
    compile_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.metrics = MetricValues(self.metrics)

    def stocks(self) -> Any:
        """Persons by month, status, origin and sector: a DataFrame of ``result.stocks``."""
        return table_frame(self.result.stocks, ".stocks()")

    def flows(self) -> Any:
        """Persons moving by month, flow, statuses, origin and sector: a DataFrame of ``result.flows``."""
        return table_frame(self.result.flows, ".flows()")

    def demand(self) -> Any:
        """Labour demand and employment by month and sector: a DataFrame of ``result.demand``."""
        return table_frame(self.result.demand, ".demand()")

    def measures(self) -> Any:
        """Money, skills and outcome counts by month, origin and measure: a DataFrame of ``result.measures``."""
        return table_frame(self.result.measures, ".measures()")


@dataclass
class CompareSummary:
    """What ``compare()`` produced. ``samples``, ``claims`` and ``series`` are plain dicts and
    lists; called, they and :meth:`metrics` give pandas DataFrames (the extra ``coexist[pandas]``).

    >>> from coexist.testing import TINY_OVERRIDES
    >>> tiny = [*TINY_OVERRIDES, 'horizon.end="2025-12"']
    >>> c = compare(["japan-temporary", "japan-circular"], overrides=tiny, scale=1.0, replicates=2, workers=1)
    >>> c.folder is None and c.report is None          # without ``out`` nothing is written
    True
    >>> list(c.samples().columns)
    ['scenario', 'replicate', 'seed', 'metric', 'value']
    >>> c.metrics().query("metric == 'host.fill_rate'")[["scenario", "n"]].to_dict("records")
    [{'scenario': 'japan-temporary', 'n': 2}, {'scenario': 'japan-circular', 'n': 2}]
    >>> sorted(set(c.series()["replicate"]))
    [0, 1]

    Attributes
    ----------
    runs : list of RunSummary
        Replicate 0 of each scenario, with its tables (its run folder is written when ``out`` is given).
    folder : Path or None
        The compare folder; None when nothing was written.
    report : Path or None
        ``report.html``; None when nothing was written.
    samples : ReplicateSamples
        ``samples[scenario][metric]``: the values over replicates (replicate r at index r);
        ``samples()`` is the long DataFrame, one row per scenario, replicate and metric, with the seed.
    claims : ClaimVerdicts
        The verdicts, as written to ``claims.json``; ``claims()`` is a DataFrame, one row per claim part.
    replicates, workers : int
    seeds : list of int
        Engine seed of each replicate (the same in every scenario).
    wall_seconds : float
    renamed : dict[str, str]
        Scenario ref -> its folder and label, for each scenario whose name an earlier
        scenario of the comparison has (the second ``x`` becomes ``x-2``).
    series : ReplicateSeries
        ``series[scenario][r]``: the annual series of replicate r
        (:func:`coexist.experiments.series.annual_series`); ``series()`` is the long DataFrame
        (scenario, replicate, seed, year, series, value), as ``series.parquet`` holds it.
    """

    runs: list[RunSummary]
    folder: Path | None
    report: Path | None
    samples: ReplicateSamples = field(default_factory=ReplicateSamples)
    claims: ClaimVerdicts = field(default_factory=ClaimVerdicts)
    replicates: int = 1
    workers: int = 1
    seeds: list[int] = field(default_factory=list)
    wall_seconds: float = 0.0
    renamed: dict[str, str] = field(default_factory=dict)
    series: ReplicateSeries = field(default_factory=ReplicateSeries)

    def __post_init__(self) -> None:
        # plain dicts and lists given here become the containers that answer a call with a DataFrame
        self.samples = ReplicateSamples(self.samples, self.seeds)
        self.claims = ClaimVerdicts(self.claims)
        self.series = ReplicateSeries(self.series, self.seeds)

    def metrics(self) -> Any:
        """Median and 90% interval (5th to 95th percentile) over replicates of every metric
        of every scenario, with its unit and actor: a DataFrame, one row per scenario and metric."""
        return interval_frame(self.samples)


# -- the engine, as the api calls it --------------------------------------------------------------
def _load(ref: str, overrides: Sequence[str], start: str | None, end: str | None) -> Any:
    return load_scenario(ref, overrides=tuple(overrides), start=start, end=end)


def _simulate(scenario: Any, seed: int, scale: float | None, progress: Progress | None,
              end_state: bool = False, people: bool = False) -> Any:
    return engine_simulate(scenario, seed=seed, scale=scale, progress=progress, end_state=end_state, people=people)


def _compiles_nothing() -> bool:
    return False


def _refuses_nothing(scenario: Any, scale: float | None) -> None:
    return None


def _checks_nothing() -> None:
    return None


@dataclass(frozen=True)
class Engine:
    """The calls the api makes into the model; pass your own to any command that
    simulates (a test's fakes, an instrumented engine).

    Attributes
    ----------
    load : callable(ref, overrides, start, end) -> scenario
        Used by :func:`run` and :func:`compare`; calibration and validation load through
        :func:`coexist.scenario.load_scenario`, as they apply calibrated values to it.
    simulate : callable(scenario, seed, scale, progress) -> SimulationResult
        ``compare``, ``calibrate`` and ``validate`` call it with ``progress=None``, in worker
        processes when ``workers`` > 1 (it must then be a module-level function, picklable);
        ``ship_calibration`` also passes ``end_state=True``, and ``run(..., people=True)``
        ``people=True`` (the result then has a ``people`` table, the spells).
    describe : callable(scenario) -> (resolved TOML text, canonical hash)
    check_scale : callable(scenario, scale) -> None
        Refuses a scale that gives the scenario no agent, before anything runs (the model's
        own check for :data:`ENGINE`; by default nothing is refused).
    needs_compiling : callable() -> bool
        Whether the first simulation will compile the engine's kernels (about a minute):
        the commands then send their ``notice`` a line first. :data:`ENGINE` asks numba's
        cache (:func:`coexist.engine.compiling.kernels_need_compiling`); by default an
        engine compiles nothing.
    check_calibration : callable() -> None
        Called before a command simulates a scenario with ``behaviour_defaults = "calibrated-japan"``
        (after the compile notice): for :data:`ENGINE`, a
        :class:`coexist.calibration.fingerprint.CalibrationCheck`, which checks once per process that the
        engine reproduces the shipped calibration's fingerprint and otherwise warns once
        (:class:`coexist.errors.CalibrationDriftWarning`); by default nothing is checked.
    """

    load: Callable[[str, Sequence[str], str | None, str | None], Any] = _load
    simulate: Callable[[Any, int, float | None, Progress | None], Any] = _simulate
    describe: Callable[[Any], tuple[str, str]] = describe_scenario
    check_scale: Callable[[Any, float | None], None] = _refuses_nothing
    needs_compiling: Callable[[], bool] = _compiles_nothing
    check_calibration: Callable[[], None] = _checks_nothing


ENGINE = Engine(check_scale=check_scale_gives_agents, needs_compiling=kernels_need_compiling,
                check_calibration=CalibrationCheck())


def _check_calibration(engine: Engine, scenarios: Sequence[Any]) -> None:
    """Have the engine check the shipped calibration when a scenario takes its values."""
    if any(getattr(sc, "behaviour_defaults", None) == "calibrated-japan" for sc in scenarios):
        engine.check_calibration()


def _before_runs(engine: Engine, notice: Notice | None, scenario: Any) -> None:
    """What calibrate and validate do once their input is checked: announce compiling, check the calibration."""
    _announce_compiling(engine, notice)
    _check_calibration(engine, [scenario])


def _announce_compiling(engine: Engine, notice: Notice | None) -> None:
    """Tell ``notice`` when the first simulation is about to compile the kernels (the first
    run on a machine); called once the input is checked."""
    if notice is not None and engine.needs_compiling():
        notice(COMPILE_NOTICE)


def scenarios() -> list[tuple[str, str]]:
    """Shipped scenarios as (name, description)."""
    return list(shipped_scenarios())


def scenario_toml(
    scenario_ref: str,
    *,
    overrides: Sequence[str] = (),
    start: str | None = None,
    end: str | None = None,
    engine: Engine = ENGINE,
) -> str:
    """The resolved scenario as TOML: every value, inherited ones and ``overrides`` included,
    as a run folder's ``scenario.toml`` records it (a file that reproduces the scenario).

    >>> text = scenario_toml("japan-circular", overrides=["programme.recognition_coverage=0.3"])
    >>> "recognition_coverage = 0.3" in text
    True
    """
    return engine.describe(engine.load(scenario_ref, overrides, start, end))[0]


def _summary(scenario: Any, result: Any, metrics: dict[str, float], *, seed: int, wall_seconds: float,
             engine: Engine) -> RunSummary:
    return RunSummary(
        name=str(scenario.name),
        scenario_hash=engine.describe(scenario)[1],
        seed=seed,
        scale=float(result.scale),
        start=str(scenario.start),
        end=str(scenario.end),
        metrics=metrics,
        engine_seconds=float(result.wall_seconds),
        wall_seconds=wall_seconds,
        result=result,
        scenario=scenario,
        compile_seconds=float(getattr(result, "compile_seconds", 0.0)),
    )


def _write(summary: RunSummary, folder: Path, engine: Engine) -> None:
    summary.folder = write_run(
        folder, summary.result, summary.scenario, wall_seconds_total=summary.wall_seconds, metrics=summary.metrics,
        described=engine.describe(summary.scenario),
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
    notice: Notice | None = None,
    engine: Engine = ENGINE,
    people: bool = False,
) -> RunSummary:
    """Load a scenario, simulate it, compute its metrics and (when ``out`` is given) write
    the run folder.

    Parameters
    ----------
    scenario_ref : str
        A shipped scenario name (``coexist scenarios`` lists them) or a path to a TOML file.
    out : path, optional
        Run folder to write; ``{name}``, ``{hash}`` and ``{seed}`` in it are replaced by the
        scenario name, the first 8 characters of the resolved scenario's hash and the seed
        (the command line writes ``runs/{name}-{hash}-{seed}``). An existing run folder is
        replaced only when it holds a run of the same resolved scenario. Nothing is written
        when omitted.
    seed : int
        Seed of the engine's random streams, 0 to 2**63 - 1.
    scale : float, optional
        Share of persons simulated as agents, in (0, 1]; the scenario's own scale when omitted.
        It must leave at least one agent of the initial population.
    start, end : str, optional
        Horizon "YYYY-MM", overriding the scenario's.
    overrides : sequence of "dotted.path=value"
    progress : callable(done_months, total_months), optional
        Called after each simulated month.
    notice : callable(line), optional
        Gets one line before a wait the progress does not show: the compiling of the
        engine's kernels, the first time on a machine (about a minute).
    engine : Engine, optional
        The loader, simulator and describer to use (the model's own by default).
    people : bool
        Also record every person's status spells (``summary.result.people``, and
        ``people.parquet`` in the run folder; docs/outputs.md), which :func:`cohort` and
        :func:`visits` query. The other results are the same with or without.

    Raises
    ------
    CoexistError
        ScenarioError for bad input (its ``field`` "out" for a run folder of another
        scenario), StoreError when the folder cannot be written.
    """
    started = time.perf_counter()
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    scenario = engine.load(scenario_ref, overrides, start, end)
    folder = None
    if out is not None:
        digest = engine.describe(scenario)[1]
        folder = expand_out(out, name=scenario.name, scenario_hash=digest, seed=seed)
        check_destination(folder, scenario_hash=digest)
    engine.check_scale(scenario, scale)
    _announce_compiling(engine, notice)
    _check_calibration(engine, [scenario])
    if not isinstance(people, bool):
        raise ScenarioError(f"must be True or False. Got {people!r} instead.", field="people")
    # asked of the engine only when wanted, so that an engine without spells runs as before
    options = {"people": True} if people else {}
    result = engine.simulate(scenario, seed, scale, progress, **options)
    metrics = compute_metrics(result, scenario)
    summary = _summary(scenario, result, metrics, seed=seed, wall_seconds=time.perf_counter() - started, engine=engine)
    if folder is not None:
        _write(summary, folder, engine)
    return summary


def explain(scenario_ref: str, person: Mapping[str, Any], month: str, overrides: Sequence[str] = (), *,
            engine: Engine = ENGINE) -> dict:
    """What one person may do next under a scenario's rules in a month, and why.

    Parameters
    ----------
    scenario_ref : str
        A shipped scenario name or a path to a TOML file.
    person : mapping
        Fields of :data:`coexist.explain.PERSON_FIELDS` (``status`` required); durations
        are whole months >= 0 (``months_in_status`` at most ``status_total``), ``cert`` 0..2,
        ``language`` 0..3, ``skill`` 0..1.
    month : str
        "YYYY-MM", from the scenario's ``horizon.earliest_start`` to its end.
    overrides : sequence of "dotted.path=value"
    engine : Engine, optional
        Only its ``check_calibration`` is used: the answer's behavioural values come from the
        shipped calibration when the scenario takes them, so it is checked as for :func:`run`.

    Raises
    ------
    ScenarioError
        An unknown scenario or override, or an impossible person or month; ``field`` names
        the argument or person field.
    """
    try:
        parse_month(month)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), field="month") from None
    scenario = load_scenario(scenario_ref, overrides=tuple(overrides))
    answer = answer_for_person(scenario, person, month)
    _check_calibration(engine, [scenario])
    return answer


def _history_mapping(history: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    """A history given as a mapping, or as the path of a YAML or JSON file."""
    if isinstance(history, Mapping):
        return history
    if not isinstance(history, (str, Path)):
        raise ScenarioError(f"must be a mapping or the path of a YAML or JSON file. Got {type(history).__name__} "
                            "instead.", field="history")
    text = read_text_file(history, "history file", ScenarioError)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"history file {str(history)!r} is not valid YAML or JSON: "
                            f"{' '.join(str(exc).split())}") from None
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"history file {str(history)!r} must hold a table of the history's fields. Got "
                            f"{type(raw).__name__} instead.")
    return raw


def _bounded(value: Any, name: str, top: int) -> int:
    """A whole number from 1 to `top` (bounds the work one question may ask for)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 1 <= value <= top:
        raise ScenarioError(f"must be a whole number from 1 to {top:,}. Got {value!r} instead.", field=name)
    return int(value)


def pathways(scenario_ref: str, history: Mapping[str, Any] | str | Path, month: str | None = None,
             overrides: Sequence[str] = (), *, compare_with: str | None = None,
             horizon_months: int = DEFAULT_HORIZON_MONTHS, copies: int = DEFAULT_COPIES, seed: int = 0,
             engine: Engine = ENGINE) -> dict[str, Any]:
    """Every option open to one person now and later under a regime, and the paths the model's
    behaviour makes likely (:mod:`coexist.explain.pathways`); with ``compare_with``, under a
    second regime side by side. The result is JSON-friendly.

    Parameters
    ----------
    scenario_ref : str
        A shipped scenario name or a path to a TOML file.
    history : mapping, or the path of a YAML or JSON file
        The person's history (:data:`coexist.explain.HISTORY_FIELDS`): origin, the statuses
        held with their dates, sector, certified skill, language, family, time abroad, any removal.
    month : str, optional
        The month asked about, "YYYY-MM" (default: the history's ``as_of``).
    overrides : sequence of "dotted.path=value", applied to ``scenario_ref`` only.
    compare_with : str, optional
        A second scenario (name or path), asked the same question.
    horizon_months : months of the Monte Carlo, 1 to 600 (clipped at the scenario's end).
    copies : copies of the person in the Monte Carlo, 1 to 100,000, and at most 12,000,000
        copy-months in all (copies x horizon_months).
    seed : the copies' random streams (the same for both regimes).
    engine : Engine, optional
        Only its ``check_calibration`` is used, as for :func:`explain`.

    Returns
    -------
    dict with ``history`` (as read, in the first regime) and ``regimes``: one entry per regime
    with ``options`` (each with ``rule``, ``value``, ``since``, ``earliest``, ``why``), ``now``
    (the answer of :func:`explain`) and ``likely`` (state shares by month, events with their
    probability, the most likely paths, and what the Monte Carlo assumes).

    Raises
    ------
    ScenarioError
        An unknown scenario or override, an impossible history (``field`` names it, e.g.
        ``history.statuses[1].to``), or a bad month, horizon, number of copies or seed.
    """
    horizon_months = _bounded(horizon_months, "horizon_months", MAX_HORIZON_MONTHS)
    copies = _bounded(copies, "copies", MAX_COPIES)
    if copies * horizon_months > MAX_COPY_MONTHS:
        raise ScenarioError(f"times the months of the horizon must be at most {MAX_COPY_MONTHS:,} (the work one "
                            f"question may ask for). Got {copies:,} copies x {horizon_months} months instead: "
                            "ask for fewer copies or a shorter horizon.", field="copies")
    seed = _check_seed(seed)
    if month is not None:
        try:
            parse_month(month)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(str(exc), field="month") from None
    raw = _history_mapping(history)
    scenarios = [load_scenario(scenario_ref, overrides=tuple(overrides))]
    if compare_with is not None:
        scenarios.append(load_scenario(compare_with))
    histories = [history_for(scenario, raw, month) for scenario in scenarios]
    results = [
        pathways_for_history(scenario, person, horizon_months=horizon_months, copies=copies, seed=seed)
        for scenario, person in zip(scenarios, histories, strict=True)
    ]
    _check_calibration(engine, scenarios)
    return {"history": histories[0].as_dict(), "regimes": results}


def runs(
    roots: str | Path | Sequence[str | Path] | None = None,
    *,
    sort: str = catalogue.DEFAULT_SORT,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The run folders found under ``roots`` (default ``runs/`` and ``results/``), one dict
    per run with the columns of the catalogue's ``runs`` view
    (:mod:`coexist.store.catalogue`); a run whose run.json or metrics.json is damaged has
    its ``problem`` set. ``sort`` is a column, ``-column`` for descending; ``limit`` a
    whole number >= 1."""
    if limit is not None:
        limit = _check_count(limit, "limit")
    return catalogue.list_runs(roots, sort=sort, limit=limit)


def _month_argument(value: Any, name: str) -> str:
    """A month "YYYY-MM" given as argument `name`, or a ScenarioError naming it."""
    try:
        return format_month(parse_month(value))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), field=name) from None


def cohort(run_folder: str | Path, *, status: str, ended_from: str, ended_to: str, at: str) -> CohortShares:
    """Where the people whose spell in ``status`` ended from ``ended_from`` to ``ended_to``
    (months "YYYY-MM", both included) were at the end of month ``at``: the share of that
    cohort in each status, at origin (``returned``), out of the model (``left_model``) or
    not arrived yet (``not_yet_arrived``), with counts. A change of employer inside the
    status does not end it here; each person counts once. Reads the run folder's
    people.parquet (a run with ``people=True``) with DuckDB.

    For example, ``cohort("runs/x", status="ssw1", ended_from="2030-01", ended_to="2030-12",
    at="2031-12").rows`` is a list such as ``[{"state": "returned", "agents": 206,
    "persons": 20600.0, "share": 0.95}, ...]``.

    Raises
    ------
    ScenarioError
        A month that is not "YYYY-MM" or not in the run's horizon, ``ended_to`` before
        ``ended_from``, a status the run does not have; ``field`` names the argument.
    StoreError
        Not a run folder, or one without people.parquet
        (:class:`coexist.store.people.NoPeopleError`).
    """
    months = {name: _month_argument(value, name)
              for name, value in (("ended_from", ended_from), ("ended_to", ended_to), ("at", at))}
    if months["ended_to"] < months["ended_from"]:
        raise ScenarioError(f"must be the same month as ended_from ({months['ended_from']}) or later. "
                            f"Got {months['ended_to']} instead.", field="ended_to")
    table = people_table_of(run_folder)
    for name, month in months.items():
        if not table.start <= month <= table.end:
            raise ScenarioError(f"must be a month of the run, {table.start} to {table.end}. Got {month} instead.",
                                field=name)
    if table.statuses and status not in table.statuses:
        raise ScenarioError(f"must be one of the run's statuses: {', '.join(table.statuses)}. Got {status!r} "
                            "instead.", field="status")
    return cohort_shares(table, status=str(status), **months)


def visits(run_folder: str | Path) -> list[dict[str, Any]]:
    """How many stays in the host the people of a run made by its end (the largest ``visit``
    of each person in the run folder's people.parquet): one dict per number of stays, with
    ``visits``, ``agents``, ``persons`` (re-inflated by the run's scale) and ``share``.

    Raises
    ------
    StoreError
        Not a run folder, or one without people.parquet.
    """
    return visit_counts(people_table_of(run_folder))


def _without_progress(simulate: Callable[..., Any], scenario: Any, seed: int, scale: float | None,
                      **options: Any) -> Any:
    """The engine as the replicate runner and calibration/ call it: without a progress bar
    (``options``, e.g. ``end_state``, passed on)."""
    return simulate(scenario, seed, scale, None, **options)


def _simulate_of(engine: Engine) -> Callable[..., Any]:
    """``engine.simulate`` as compare's runner and calibration/ call it, picklable for workers."""
    return functools.partial(_without_progress, engine.simulate)


def compare(
    scenario_refs: Sequence[str],
    *,
    out: str | Path | None = None,
    seed: int = 0,
    scale: float | None = DEFAULT_COMPARE_SCALE,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    replicates: int = DEFAULT_REPLICATES,
    workers: int | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
) -> CompareSummary:
    """Run several scenarios over replicates with common random numbers and, when ``out`` is
    given, write the tables and a report.

    Replicate r draws an engine seed and a behavioural parameter set (see
    :mod:`coexist.experiments.replicates`) and uses the same ones in every scenario, so the
    differences between scenarios are paired. Every scenario is loaded (and checked) before
    any is simulated, and nothing is written until all have run, so an error leaves no
    partial output.

    With ``out``, writes ``out/<scenario name>/`` (the full run folder of replicate 0, for the
    charts; a scenario whose name an earlier one has gets ``<name>-2/``, and ``renamed`` says so),
    ``out/replicates.parquet`` (scenario, replicate, seed, metric, value),
    ``out/parameters.parquet`` (replicate, seed, parameter, value: the drawn parameter sets),
    ``out/series.parquet`` (scenario, replicate, seed, year, series, value: every replicate's
    annual series), ``out/claims.json`` (the verdicts and the reference sensitivity) and
    ``out/report.html``. ``out`` must be missing, empty or an earlier comparison, whose scenario
    folders this one replaces or removes, so that ``out`` holds this comparison only. Without
    ``out`` nothing is written and the results stay in the returned summary.

    Parameters
    ----------
    scenario_refs : sequence of str
        Shipped scenario names or TOML paths (at least one), each naming a different
        scenario: a ref given twice, or two refs that resolve to the same scenario, are refused.
    out : path, optional
        Output folder; nothing is written when omitted.
    seed : int
        Base seed; the replicates' seeds derive from it.
    scale : float or None
        Scale of every run, in (0, 1] (default 0.05; None: the scenarios' own scale).
    start, end, overrides :
        As for :func:`run`, applied to every scenario.
    replicates : int
        Replicates per scenario, >= 1 (default 20). Intervals need at least 2.
    workers : int, optional
        Worker processes (default: the number of CPUs); results do not depend on it.
    progress : callable(done_runs, total_runs), optional
        Called as each run (a scenario in a replicate) finishes, in the order they finish.
    notice : callable(line), optional
        As for :func:`run`.
    engine : Engine, optional
        As for :func:`run`; its ``simulate`` must be picklable when ``workers`` > 1.
    """
    started = time.perf_counter()
    refs = list(scenario_refs)
    if not refs:
        raise ScenarioError("must name at least one scenario. Got none.", field="scenario_refs")
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    replicates = _check_count(replicates, "replicates")
    if workers is not None:
        workers = _check_count(workers, "workers")
    repeated = sorted({ref for ref in refs if refs.count(ref) > 1})
    if repeated:
        raise ScenarioError(
            f"must name each scenario once. Got {', '.join(map(repr, repeated))} more than once instead: "
            "remove the repeats.",
            field="scenario_refs",
        )
    if out is not None:
        out = Path(out)
        check_compare_destination(out)
    loaded = [engine.load(ref, overrides, start, end) for ref in refs]
    hashes = [engine.describe(sc)[1] for sc in loaded]
    for i, digest in enumerate(hashes):
        if digest in hashes[:i]:
            raise ScenarioError(
                f"must name different scenarios. Got {refs[hashes.index(digest)]!r} and {refs[i]!r}, the same "
                "resolved scenario, instead: remove one.",
                field="scenario_refs",
            )

    names = scenario_folder_names([sc.name for sc in loaded])
    renamed = {
        ref: name for ref, sc, name in zip(refs, loaded, names, strict=True) if name != safe_folder_name(sc.name)
    }
    if out is not None:
        for name in names:
            check_destination(out / name)

    for sc in loaded:
        engine.check_scale(sc, scale)
    _announce_compiling(engine, notice)
    _check_calibration(engine, loaded)
    ens = run_ensemble(
        list(zip(names, loaded, strict=True)),
        seed=seed,
        replicates=replicates,
        scale=scale,
        workers=workers,
        progress=progress,
        simulate=_simulate_of(engine),
    )

    summaries: list[RunSummary] = []
    for name in names:
        kept = ens.kept[name]
        summary = _summary(
            kept.scenario_obj,
            kept.result,
            kept.metrics,
            seed=kept.seed,
            wall_seconds=kept.engine_seconds,
            engine=engine,
        )
        summaries.append(summary)

    draws = [dict(rep.parameters) for rep in ens.plan]
    claims = claims_report(ens.samples, draws)
    weights = {}
    for name, sc in zip(names, loaded, strict=True):
        try:
            weights[name] = run_weights(None, sc)
        except (TypeError, ValueError):
            weights[name] = None
    sensitivity = reference_sensitivity(ens.samples, weights, seed=seed)
    reference = load_reference()
    settings = {
        "scenarios": names,
        "scenario_hashes": dict(zip(names, hashes, strict=True)),
        "seed": seed,
        "replicates": replicates,
        "replicate_seeds": [rep.seed for rep in ens.plan],
        "scale": summaries[0].scale if summaries else scale,
        "workers": ens.workers,
        "parameter_distribution": ens.distribution,
        "reference_version": reference.version,
        "reference_date": reference.date,
        "version": __version__,
        "engine_seconds": ens.engine_seconds,
        "compile_seconds": ens.compile_seconds,
    }

    report = None
    if out is not None:
        report = _write_compare(out, names, summaries, ens, settings=settings, claims=claims, sensitivity=sensitivity,
                                draws=draws, engine=engine, started=started)
    return CompareSummary(
        runs=summaries,
        folder=out,
        report=report,
        samples=ens.samples,
        claims=claims,
        replicates=replicates,
        workers=ens.workers,
        seeds=ens.seeds,
        wall_seconds=time.perf_counter() - started,
        renamed=renamed,
        series=ens.series,
    )


def _write_compare(out: Path, names: list[str], summaries: list[RunSummary], ens: EnsembleResult, *,
                   settings: dict[str, Any], claims: list[dict], sensitivity: Any, draws: list[dict], engine: Engine,
                   started: float) -> Path:
    """Write a comparison's run folders, tables, claims and report into ``out``; return the report's path.
    ``settings`` gets ``wall_seconds``, the time since ``started`` once the run folders are written."""
    for name, summary in zip(names, summaries, strict=True):
        _write(summary, out / name, engine)
    settings["wall_seconds"] = time.perf_counter() - started
    parameter_rows = [
        {"replicate": rep.replicate, "seed": rep.seed, "parameter": k, "value": float(v)}
        for rep in ens.plan
        for k, v in rep.parameters.items()
    ]
    write_compare(
        out,
        scenarios=names,
        replicate_rows=ens.rows(),
        parameter_rows=parameter_rows,
        claims_doc={"settings": settings, "claims": claims, "reference_sensitivity": sensitivity},
    )
    write_series(out, ens.series_rows())
    ensemble = {
        "settings": settings,
        "samples": ens.samples,
        "series": ens.series,
        "claims": claims,
        "sensitivity": sensitivity,
        "draws": draws,
    }
    tables: dict[str, str] = {}  # the CSV of each of the report's tables, written beside it
    html = render_compare_report(
        [(name, s.folder) for name, s in zip(names, summaries, strict=True)],
        title="coexist: " + " vs ".join(names),
        ensemble=ensemble,
        tables=tables,
    )
    return write_report(out / "report.html", html, tables)


# -- calibration and validation ----------------------------------------------------------------
@dataclass
class CalibrationOutput:
    """What :func:`calibrate` produced.

    Attributes
    ----------
    calibration : Calibration
        The fit (:class:`coexist.calibration.abc.Calibration`): the ABC result, the kinds of
        the parameters, the best particle against every target row.
    folder : Path
        The calibration folder.
    files : dict[str, Path]
        What was written, by key (``coexist.store.calibration.CALIBRATION_FILES``), and
        ``state``, the resumable state.
    """

    calibration: Calibration
    folder: Path
    files: dict[str, Path]

    @property
    def result(self) -> ABCResult:
        return self.calibration.result

    @property
    def best_ard(self) -> float:
        """The fit ARD of the best particle, run once more with the calibration seed."""
        return self.calibration.best_ard


@dataclass
class ValidationOutput:
    """What :func:`validate` produced: the scores, the per-replicate tables, the provenance
    (as in validation.json) and the files written, by name."""

    summary: ValidationSummary
    tables: list[Any]
    provenance: dict[str, Any]
    folder: Path
    files: dict[str, Path]


def _check_workers(workers: Any) -> int:
    return default_workers() if workers is None else _check_count(workers, "workers")


def _replicate_runs(replicates: Any, scale: Any, seed: Any, workers: Any, overrides: Sequence[str],
                    progress: Progress | None, notice: Notice | None, engine: Engine) -> dict[str, Any]:
    """The checked keyword arguments of the replicate runs that :func:`validate` and
    :func:`backtest` share (``run_validation`` and ``run_backtest`` take the same ones)."""
    return {
        "replicates": _check_count(replicates, "replicates"),
        "workers": _check_workers(workers),
        "seed": _check_seed(seed),
        "scale": _check_scale(scale),
        "overrides": overrides,
        "progress": progress,
        "simulate": _simulate_of(engine),
        "before_runs": functools.partial(_before_runs, engine, notice),
    }


def _stamped(provenance: Mapping[str, Any], started: float) -> dict[str, Any]:
    """``provenance`` with the version, the creation time (UTC, to the second) and the wall
    time since ``started`` (a ``time.perf_counter()`` reading)."""
    return {
        **provenance,
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "wall_seconds": time.perf_counter() - started,
    }


def calibrate(
    scenario_ref: str,
    targets: str | Path,
    *,
    parameters: Sequence[str] | None = None,
    budget: int | None = None,
    particles: int = 20,
    scale: float | None = None,
    seed: int = 0,
    out: str | Path = DEFAULT_CALIBRATION_OUT,
    overrides: Sequence[str] = (),
    quantile: float = 0.5,
    workers: int | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
    dask_local: int | None = None,
    scheduler: str | None = None,
) -> CalibrationOutput:
    """Fit parameters of a scenario to the ``fit`` rows of a targets file by ABC-SMC
    (:func:`coexist.calibration.abc.calibrate`) and write the calibration folder.

    Writes ``out/``: posterior.parquet, best.toml, best-scenario.toml, distance_history.json,
    prior_posterior.csv, fit.html, and abc_state.json after every generation: a second call
    with the same ``out`` and settings resumes from it (and gives what one straight call gives).

    Parameters
    ----------
    scenario_ref : shipped scenario name or TOML path.
    targets : a targets CSV (see :func:`coexist.calibration.targets.load_targets`) with rows of split ``fit``.
    parameters : names of behavioural parameters or of the scenario's ``[calibration.priors]``
        (default: every behavioural parameter whose identification names a series with ``fit`` rows in
        ``targets``, :func:`coexist.calibration.abc.identified_parameters`, and every prior the scenario declares).
    budget : nominal simulations, ``particles x generations``, at least ``particles``
        (default ``3 x particles``).
    particles : population size, >= 2.
    scale, seed, overrides : as for :func:`run`.
    out : the calibration folder (default ``runs/calibration``).
    quantile : in (0, 1): each generation's tolerance is this quantile of the previous one's distances.
    workers : processes that run particles (default: the number of CPUs); the result does not depend on it.
    dask_local, scheduler : run the particles on a local Dask cluster of this many workers, or on the
        cluster of this scheduler, instead (as for :func:`sweep`); the result is the same.
    progress : callable(done_runs, total_runs), optional: called as each simulation finishes.
    notice : callable(line), optional: as for :func:`run`.
    engine : as for :func:`run`; its ``simulate`` runs the particles (picklable when ``workers`` > 1).
    """
    particles = _check_count(particles, "particles")
    if particles < 2:
        raise ScenarioError(f"must be at least 2. Got {particles!r} instead.", field="particles")
    if budget is not None:
        budget = _check_count(budget, "budget")
        if budget < particles:
            raise ScenarioError(f"must be at least particles ({particles}). Got {budget!r} instead.", field="budget")
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not 0.0 < quantile < 1.0:
        raise ScenarioError(f"must be a number in (0, 1), e.g. 0.5. Got {quantile!r} instead.", field="quantile")
    runner = _runner(workers, dask_local, scheduler)
    folder = check_output_folder(out)
    target_file = read_targets(targets)
    if "fit" not in target_file.table.column("split").to_pylist():
        raise DataError(f"targets file {target_file.label!r} has no row with split 'fit'.")
    state = StateFile(folder / STATE_FILE)
    with runner:
        calibration = _calibrate_on(runner, scenario_ref, target_file, parameters, budget, particles, scale, seed,
                                    overrides, quantile, progress, state, engine, notice)
    files = write_calibration(folder, calibration, render_fit_report(calibration.best_table))
    return CalibrationOutput(calibration, folder, {**files, "state": state.path})


def _calibrate_on(runner: Any, scenario_ref: str, target_file: Any, parameters: Sequence[str] | None,
                  budget: int | None, particles: int, scale: float | None, seed: int, overrides: Sequence[str],
                  quantile: float, progress: Progress | None, state: StateFile, engine: Engine,
                  notice: Notice | None) -> Calibration:
    return calibration_abc.calibrate(
        scenario_ref,
        target_file.table,
        parameters=parameters,
        budget=budget,
        particles=particles,
        scale=scale,
        seed=seed,
        overrides=overrides,
        quantile=quantile,
        progress=progress,
        workers=runner.workers,
        checkpoint=state,
        simulate=_simulate_of(engine),
        before_runs=functools.partial(_before_runs, engine, notice),
        runner=runner,
    )


def ship_calibration(
    folder: str | Path,
    *,
    targets: str | Path,
    command: Sequence[str] = (),
    end_state_scale: float = 0.02,
    seed: int = 0,
    dest: str | Path | None = None,
    engine: Engine = ENGINE,
) -> dict[str, Path]:
    """Write the shipped calibration of the Japan scenarios from the finished calibration in ``folder``
    (:mod:`coexist.calibration.ship`).

    ``targets`` is the targets file the calibration fitted, ``command`` the command line that
    produced it (recorded); the end state is one more run at ``end_state_scale`` with ``seed``.
    ``dest`` defaults to the package's ``coexist/data/calibrated``; ``engine`` is as for
    :func:`run` (its ``simulate`` is called with ``end_state=True``). Returns the files written:
    ``summary``, ``posterior``, ``end_state``.
    """
    seed = _check_seed(seed)
    if end_state_scale is None:
        raise ScenarioError("must be a number in (0, 1], e.g. 0.02. Got None instead.", field="end_state_scale")
    end_state_scale = _check_scale(end_state_scale)
    read_text_file(targets, "targets file")
    shipped = shipped_calibration(
        folder,
        targets=targets,
        command=command,
        end_state_scale=end_state_scale,
        seed=seed,
        simulate=_simulate_of(engine),
    )
    files = write_shipped_calibration(Path(dest) if dest is not None else package_calibrated_folder(), shipped)
    forget_cached_calibration()
    return files


def validate(
    scenario_ref: str | None = None,
    *,
    targets: str | Path | None = None,
    params: str | Path | None = None,
    replicates: int = DEFAULT_VALIDATION_REPLICATES,
    scale: float | None = DEFAULT_VALIDATION_SCALE,
    seed: int = 0,
    workers: int | None = None,
    out: str | Path = DEFAULT_VALIDATION_OUT,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
) -> ValidationOutput:
    """Run a scenario over replicate seeds, score it on the held-out target rows against
    persistence and a linear trend (:func:`coexist.calibration.validation.run_validation`)
    and write the validation folder.

    Writes ``out/``: validation.html, validation.csv, validation.json and
    simulated_targets.csv; nothing before every replicate has run.

    Parameters
    ----------
    scenario_ref : shipped scenario name or TOML path (default: the ``scenario`` a params
        file records, else :data:`DEFAULT_VALIDATION_SCENARIO`).
    targets : targets CSV (default: the shipped ``coexist/data/targets.csv``); needs rows
        with split ``validate``.
    params : a params TOML, e.g. the ``best.toml`` of :func:`calibrate`: its recorded
        ``overrides``, then its ``[behaviour]`` and ``[assumptions]`` values go into the
        scenario (:func:`coexist.scenario.apply_calibrated`). Default: the scenario's own values.
    replicates : runs, >= 1, each with its own seed and the same parameters.
    scale : share of the population simulated (default 0.05; None: the scenario's).
    seed : base seed.
    workers : worker processes (default: the number of CPUs); results do not depend on it.
    out : the validation folder (default ``runs/validation``).
    overrides : "dotted.path=value" scenario overrides, applied before the params file.
    progress : callable(done_runs, total_runs), optional: called as each replicate finishes.
    notice : callable(line), optional: as for :func:`run`.
    engine : as for :func:`run`; its ``simulate`` runs the replicates (picklable when ``workers`` > 1).
    """
    started = time.perf_counter()
    runs = _replicate_runs(replicates, scale, seed, workers, overrides, progress, notice, engine)
    folder = check_output_folder(out)
    if params is not None:
        read_text_file(params, "params file")
    target_file = read_targets(targets)
    if "validate" not in target_file.table.column("split").to_pylist():
        raise DataError(f"targets file {target_file.label!r} has no row with split 'validate': nothing to validate on.")
    validation = run_validation(scenario_ref, target_file, params=params, **runs)
    provenance = _stamped(validation.provenance, started)
    files = write_validation(folder, validation, provenance, render_validation_report(validation.summary, provenance))
    return ValidationOutput(validation.summary, validation.tables, provenance, folder, files)


@dataclass
class BacktestOutput:
    """What :func:`backtest` produced: the scores per origin (with their per-replicate tables
    and headline checks), the provenance (as in backtest.json) and the files written, by name."""

    backtest: Backtest
    provenance: dict[str, Any]
    folder: Path
    files: dict[str, Path]


def backtest(
    scenario_ref: str | None = None,
    *,
    origins: str | Sequence[str] | None = None,
    replicates: int = DEFAULT_VALIDATION_REPLICATES,
    scale: float | None = DEFAULT_VALIDATION_SCALE,
    seed: int = 0,
    workers: int | None = None,
    out: str | Path = DEFAULT_BACKTEST_OUT,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
) -> BacktestOutput:
    """Rolling-origin backtests: run a scenario's rules from the official stocks at each origin
    for 12 months, over replicate seeds, and score them against persistence and a linear trend
    fitted on what was known at the origin (:func:`coexist.calibration.backtest.run_backtest`).

    Writes ``out/``: backtest.html, backtest.csv, backtest.json and simulated_targets.csv;
    nothing before every run has finished.

    Parameters
    ----------
    scenario_ref : shipped scenario name or TOML path whose rules cover the 12 months after
        each origin (default :data:`DEFAULT_BACKTEST_SCENARIO`, ``japan-history``).
    origins : months ``YYYY-MM`` with official initial stocks (default
        :data:`DEFAULT_BACKTEST_ORIGINS`: 2022-12 and 2023-12).
    replicates : runs per origin, >= 1, each with its own seed and the same parameters.
    scale : share of the population simulated (default 0.05; None: the scenario's).
    seed : base seed.
    workers : worker processes (default: the number of CPUs); results do not depend on it.
    out : the backtest folder (default ``runs/backtest``).
    overrides : "dotted.path=value" scenario overrides, applied before the backtest's own.
    progress : callable(done_runs, total_runs), optional: called as each run finishes.
    notice : callable(line), optional: as for :func:`run`.
    engine : as for :func:`run`; its ``simulate`` runs the replicates (picklable when ``workers`` > 1).
    """
    started = time.perf_counter()
    origins = check_origins(origins)
    runs = _replicate_runs(replicates, scale, seed, workers, overrides, progress, notice, engine)
    folder = check_output_folder(out)
    result = run_backtest(scenario_ref, read_targets(None), origins=origins, **runs)
    provenance = _stamped(result.provenance, started)
    files = write_backtest(folder, result, provenance, render_backtest_report(result, provenance))
    return BacktestOutput(result, provenance, folder, files)


# -- experiments: sweep, sensitivity, search ----------------------------------------------------
@dataclass
class ExperimentOutput:
    """What :func:`sweep`, :func:`sensitivity` or :func:`search` produced.

    Attributes
    ----------
    kind : "sweep", "sensitivity" or "search"
    design : Design
        The design as it ran (samples, replicates and method as given).
    folder : Path
        The experiment folder; ``files`` what was written at its top, by file name.
    runs, resumed, failures :
        The distinct runs of the experiment, those found finished in ``folder`` and not run
        again, and those that did not finish (dicts: run_id, point, replicate, seed, error).
    table : list of dict
        ``runs.parquet``: one row per run (run_id, point, replicate, seed, factors, metrics).
    sensitivity : list of dict
        ``sensitivity.parquet`` (metric, parameter, index, value, conf); empty unless a sensitivity analysis.
    front : list of dict
        ``pareto.parquet`` (one column per lever, per objective, and index.balance); empty unless a search.
    runner : str
        "process pool" or "dask"; ``workers`` its workers.
    wall_seconds : float
    """

    kind: str
    design: Any
    folder: Path
    files: dict[str, Path]
    runs: int
    resumed: int
    failures: list[dict[str, Any]]
    table: list[dict[str, Any]]
    sensitivity: list[dict[str, Any]] = field(default_factory=list)
    front: list[dict[str, Any]] = field(default_factory=list)
    runner: str = "process pool"
    workers: int = 1
    wall_seconds: float = 0.0


def _experiment_run(simulate: Callable[..., Any], describe: Callable[[Any], tuple[str, str]], scenario: Any,
                    seed: int, scale: float | None, folder: Path, metric_names: Sequence[str]) -> dict[str, float]:
    """One run of an experiment, in a worker: simulate, write the run folder, return the recorded metrics only."""
    started = time.perf_counter()
    result = simulate(scenario, seed, scale)
    metrics = compute_metrics(result, scenario)
    write_run(folder, result, scenario, wall_seconds_total=time.perf_counter() - started, metrics=metrics,
              described=describe(scenario))
    return {m: float(metrics.get(m, float("nan"))) for m in metric_names}


@dataclass
class _Experiment:
    """An experiment checked at the door: its design, base scenario, folder and run settings."""

    kind: str
    design: Any
    base: Any
    folder: Path
    seed: int
    scale: float | None
    start: str | None
    end: str | None
    overrides: Sequence[str]
    engine: Engine
    metrics: list[str]
    started: float

    def scenario_of(self, factors: Sequence[Any]) -> Callable[[Any], tuple[Any, str]]:
        def load(point: Any) -> tuple[Any, str]:
            sc = self.engine.load(self.design.scenario, [*self.overrides, *point.overrides(factors)], self.start,
                                  self.end)
            return sc, self.engine.describe(sc)[1]

        return load

    def run(self, planned: Sequence[Any], runner: Any, progress: Progress | None, done_before: int = 0,
            total: int | None = None) -> ExperimentResults:
        """Run the planned runs not finished in the folder (each distinct id once)."""
        results = ExperimentResults(list(planned))
        unique = {r.run_id: r for r in planned}
        results.metrics.update(finished_runs(self.folder, list(unique)))
        results.resumed = len(results.metrics)
        todo = [(rid, (_simulate_of(self.engine), self.engine.describe, r.scenario, r.seed, self.scale,
                       run_folder(self.folder, rid), self.metrics))
                for rid, r in unique.items() if rid not in results.metrics]
        offset = done_before + results.resumed
        whole = total if total is not None else len(unique)

        def counted(done: int, _: int) -> None:
            if progress is not None:
                progress(offset + done, whole)

        if progress is not None:
            progress(offset, whole)
        out = runner.run(_experiment_run, todo, counted)
        results.metrics.update(out.results)
        results.failures = out.failures
        return results

    def failure_rows(self, results: ExperimentResults) -> list[dict[str, Any]]:
        by_id = {r.run_id: r for r in results.runs}
        return [{"run_id": f.key, "point": by_id[f.key].point, "replicate": by_id[f.key].replicate,
                 "seed": by_id[f.key].seed, "error": f.error} for f in results.failures]

    def settings(self, runner: Any, **extra: Any) -> dict[str, Any]:
        s = self.design.sampler
        return {
            "design": self.design.name, "scenario": self.design.scenario,
            "scenario_hash": self.engine.describe(self.base)[1],
            **extra,
            "sampler_seed": s.seed, "replicates": self.design.replicates, "seed": self.seed,
            "replicate_seeds": [replicate_seed(self.seed, r) for r in range(self.design.replicates)],
            "scale": self.scale if self.scale is not None else "the scenario's",
            "start": self.base.start, "end": self.base.end, "overrides": list(self.overrides),
            "runner": runner.name, "workers": runner.workers, "version": __version__,
            "wall_seconds": round(time.perf_counter() - self.started, 3),
        }

    def write(self, *, runner: Any, factors: Sequence[Any], points: Sequence[Any], results: ExperimentResults,
              settings: Mapping[str, Any], extra_tables: Mapping[str, tuple[list[dict], Sequence[str]]],
              render: Mapping[str, Any]) -> ExperimentOutput:
        table = results.rows(points, factors, self.metrics)
        failures = self.failure_rows(results)
        factor_docs = [{"name": f.name, "kind": f.kind, "low": f.low, "high": f.high,
                        "choices": list(f.choices) if f.choices is not None else None, "integer": f.integer,
                        "keys": dict(f.keys), "reason": f.reason, "assumption": f.assumption} for f in factors]
        point_rows = [{"point": p.index, **{f.name: (str(p.values[f.name]) if f.choices is not None
                                                     else float(p.values[f.name])) for f in factors},
                       **{m: float(v) for m, v in zip(self.metrics, means, strict=True)}}
                      for p, *means in zip(points, *(point_means(results, len(points), m) for m in self.metrics),
                                           strict=True)]
        html_text = render_experiment_report(self.kind, settings=settings, factors=factor_docs, metrics=self.metrics,
                                             failures=failures, points=point_rows, **render)
        files = write_experiment(
            self.folder,
            tables={"runs": (table, ["run_id", "point", "replicate", "seed", *[f.name for f in factors],
                                     *self.metrics]), **extra_tables},
            document={"settings": settings, "factors": factor_docs, "failures": failures},
            design_toml=design_toml(self.design), report_name=f"{self.kind}.html", report_html=html_text,
        )
        return ExperimentOutput(
            self.kind, self.design, self.folder, files, runs=len({r.run_id for r in results.runs}),
            resumed=results.resumed, failures=failures, table=table,
            sensitivity=list(extra_tables.get("sensitivity", ([], []))[0]),
            front=list(extra_tables.get("pareto", ([], []))[0]), runner=runner.name, workers=runner.workers,
            wall_seconds=float(settings["wall_seconds"]),
        )


def _runner(workers: Any, dask_local: Any, scheduler: Any) -> Any:
    """The runner asked for, its arguments checked: ``workers``, ``dask_local`` or ``scheduler``, one at most."""
    given = [name for name, v in (("workers", workers), ("dask_local", dask_local), ("scheduler", scheduler))
             if v is not None]
    if len(given) > 1:
        raise ScenarioError(f"must be given alone: the runs go to a process pool (workers), a local Dask cluster "
                            f"(dask_local) or a Dask scheduler (scheduler). Got {' and '.join(given)} instead.",
                            field=given[1])
    if dask_local is not None:
        dask_local = _check_count(dask_local, "dask_local")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ScenarioError(f"must be a scheduler address such as tcp://10.0.0.5:8786. Got {scheduler!r} instead.",
                            field="scheduler")
    return make_runner(_check_workers(workers), dask_local, scheduler)


def _experiment(kind: str, design_ref: Any, *, out: Any, seed: Any, scale: Any, start: Any, end: Any,
                overrides: Sequence[str], samples: Any, replicates: Any, method: str | None, engine: Engine,
                notice: Notice | None, extra_metrics: Sequence[str] = ()) -> _Experiment:
    started = time.perf_counter()
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    samples = None if samples is None else _check_count(samples, "samples")
    replicates = None if replicates is None else _check_count(replicates, "replicates")
    design = with_samples(load_design(design_ref), samples, replicates, method)
    folder = check_experiment_folder(out)
    base = engine.load(design.scenario, overrides, start, end)
    named = {str(getattr(a, "name", "")) for a in (getattr(base, "assumptions", None) or [])}
    for name, spec in design.uncertainties.assumptions.items():
        if spec.assumption not in named:
            raise ScenarioError(f"must name one of the scenario's [[assumptions]] ({', '.join(sorted(named))}). "
                                f"Got {spec.assumption!r} instead.", source=f"design {design.name!r}",
                                field=f"uncertainties.assumptions.{name}.assumption")
    engine.check_scale(base, scale)
    metrics = [*design.metrics, *(m for m in extra_metrics if m not in design.metrics)]
    return _Experiment(kind, design, base, folder, seed, scale, start, end, list(overrides), engine, metrics, started)


def _begin(exp: _Experiment, engine: Engine, notice: Notice | None) -> None:
    _announce_compiling(engine, notice)
    _check_calibration(engine, [exp.base])


def sweep(
    design_ref: str | Path,
    *,
    out: str | Path = DEFAULT_SWEEP_OUT,
    seed: int = 0,
    scale: float | None = DEFAULT_COMPARE_SCALE,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    samples: int | None = None,
    replicates: int | None = None,
    workers: int | None = None,
    dask_local: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
) -> ExperimentOutput:
    """Run a design's points (its sampler: Latin hypercube, Sobol, Morris or full factorial) and
    write the experiment folder (:mod:`coexist.store.experiments`): a run folder per run under
    ``out/runs/``, ``runs.parquet``, ``design.toml``, ``experiment.json`` and ``sweep.html``.

    Parameters
    ----------
    design_ref : a shipped design's name (:func:`coexist.experiments.design.shipped_designs`) or a TOML path.
    out : the experiment folder (default ``results/sweep``): missing, empty, or an earlier experiment's,
        whose finished runs are not run again (a run's id hashes its resolved scenario, seed and values).
    seed : base seed of the replicates' seeds (the same at every point); the sampler has the design's seed.
    scale, start, end, overrides : as for :func:`compare`, applied to the design's scenario.
    samples, replicates : instead of the design's (replicates default to the design's, normally 1).
    workers : worker processes (default: the number of CPUs).
    dask_local : run on a local Dask cluster of this many worker processes instead.
    scheduler : run on the Dask cluster whose scheduler listens at this address instead.
    progress : callable(done_runs, total_runs), optional.
    notice : callable(line), optional: as for :func:`run`.
    engine : as for :func:`run`; its ``simulate`` and ``describe`` must be picklable.

    Results do not depend on the runner or the number of workers. A run that fails (or whose worker
    dies) is listed in ``failures`` and in experiment.json; the others are kept.
    """
    exp = _experiment("sweep", design_ref, out=out, seed=seed, scale=scale, start=start, end=end,
                      overrides=overrides, samples=samples, replicates=replicates, method=None, engine=engine,
                      notice=notice)
    factors = exp.design.factors()
    unit, pts = design_points(exp.design, exp.design.sampler.method, factors)
    planned = plan_runs(pts, exp.design.replicates, exp.seed, exp.scenario_of(factors), exp.scale)
    _begin(exp, engine, notice)
    with _runner(workers, dask_local, scheduler) as runner:
        results = exp.run(planned, runner, progress)
    s = exp.design.sampler
    settings = exp.settings(runner, sampler=s.method, samples=s.samples, levels=s.levels, points=len(pts),
                            runs=len({r.run_id for r in planned}), resumed=results.resumed,
                            failed=len(results.failures))
    return exp.write(runner=runner, factors=factors, points=pts, results=results, settings=settings,
                     extra_tables={}, render={})


def sensitivity(
    design_ref: str | Path,
    *,
    method: str = "morris",
    out: str | Path = DEFAULT_SENSITIVITY_OUT,
    seed: int = 0,
    scale: float | None = DEFAULT_COMPARE_SCALE,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    samples: int | None = None,
    replicates: int | None = None,
    workers: int | None = None,
    dask_local: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
) -> ExperimentOutput:
    """Global sensitivity of the design's metrics to all its factors (uncertainties and levers)
    with SALib, and write the experiment folder with ``sensitivity.parquet`` (metric, parameter,
    index, value, conf) and ``sensitivity.html``, besides what :func:`sweep` writes.

    ``method`` is ``"sobol"`` (Saltelli's sample of ``samples x (factors + 2)`` points, ``samples``
    a power of 2; indices S1 and ST) or ``"morris"`` (``samples`` trajectories of ``factors + 1``
    points on the design's grid levels; mu, mu_star and sigma). Each point's metric is the mean
    over its replicates; the factors are in the units of their ranges (0 to 1). The other
    arguments are as for :func:`sweep` (default ``out``: ``results/sensitivity``).
    """
    if method not in SENSITIVITY_METHODS:
        raise ScenarioError(f"must be one of {', '.join(SENSITIVITY_METHODS)}. Got {method!r} instead.",
                            field="method")
    exp = _experiment("sensitivity", design_ref, out=out, seed=seed, scale=scale, start=start, end=end,
                      overrides=overrides, samples=samples, replicates=replicates, method=method, engine=engine,
                      notice=notice)
    factors = exp.design.factors()
    unit, pts = design_points(exp.design, method, factors)
    planned = plan_runs(pts, exp.design.replicates, exp.seed, exp.scenario_of(factors), exp.scale)
    _begin(exp, engine, notice)
    with _runner(workers, dask_local, scheduler) as runner:
        results = exp.run(planned, runner, progress)
    s = exp.design.sampler
    rows = sensitivity_table(method, unit, results, factors, exp.metrics, s.seed, s.levels)
    settings = exp.settings(runner, method=method, samples=s.samples, levels=s.levels, points=len(pts),
                            runs=len({r.run_id for r in planned}), resumed=results.resumed,
                            failed=len(results.failures))
    return exp.write(runner=runner, factors=factors, points=pts, results=results, settings=settings,
                     extra_tables={"sensitivity": (rows, SENSITIVITY_COLUMNS)},
                     render={"sensitivity": rows, "method": method})


SEARCH_OBJECTIVES = ("index.host", "index.migrants", "index.origin")


def _constraint_text(c: Any) -> str:
    bounds = [f"<= {c.max:g}" if c.max is not None else "", f">= {c.min:g}" if c.min is not None else ""]
    return f"{c.metric} " + " and ".join(b for b in bounds if b)


def search(
    design_ref: str | Path,
    *,
    generations: int = 10,
    population: int = 16,
    out: str | Path = DEFAULT_SEARCH_OUT,
    seed: int = 0,
    scale: float | None = DEFAULT_COMPARE_SCALE,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    replicates: int | None = None,
    workers: int | None = None,
    dask_local: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    notice: Notice | None = None,
    engine: Engine = ENGINE,
) -> ExperimentOutput:
    """Search the design's levers for the Pareto front of the three actor scores (``index.host``,
    ``index.migrants``, ``index.origin``, each maximised; NSGA-III, :mod:`coexist.experiments.search`),
    keeping to the design's ``[[constraints]]``, and write the experiment folder with
    ``pareto.parquet`` (one column per lever, per objective, and ``index.balance``) and ``search.html``.

    The uncertainties keep the scenario's values; each point's scores are the means over its
    replicates (a point whose runs failed scores 0). ``generations`` x ``population`` points are
    evaluated (``population`` >= 3; the sampler's seed seeds the search). The other arguments are
    as for :func:`sweep` (default ``out``: ``results/search``).
    """
    generations = _check_count(generations, "generations")
    population = _check_count(population, "population")
    if population < 3:
        raise ScenarioError(f"must be at least 3. Got {population!r} instead.", field="population")
    exp = _experiment("search", design_ref, out=out, seed=seed, scale=scale, start=start, end=end,
                      overrides=overrides, samples=None, replicates=replicates, method=None, engine=engine,
                      notice=notice, extra_metrics=(*SEARCH_OBJECTIVES, "index.balance"))
    levers = exp.design.lever_factors()
    if not levers:
        raise ScenarioError("must have at least one lever ([levers.\"PATH\"]) to search over. Got none instead.",
                            source=f"design {exp.design.name!r}", field="levers")
    constraints = exp.design.constraints
    all_points: list[Any] = []
    all_runs: list[Any] = []
    collected = ExperimentResults([])
    scenario_of = exp.scenario_of(levers)
    total = generations * population * exp.design.replicates
    _begin(exp, engine, notice)
    with _runner(workers, dask_local, scheduler) as runner:

        def evaluate(unit: Any) -> tuple[Any, Any]:
            offset = len(all_points)
            batch = [Point(offset + p.index, p.unit, p.values) for p in points(levers, unit)]
            planned = plan_runs(batch, exp.design.replicates, exp.seed, scenario_of, exp.scale)
            done_before = len(all_runs)
            all_points.extend(batch)
            all_runs.extend(planned)
            results = exp.run(planned, runner, progress, done_before, max(total, len(all_runs)))
            collected.metrics.update(results.metrics)
            collected.failures += results.failures
            collected.resumed += results.resumed
            local = ExperimentResults(planned, results.metrics)
            shifted = [dataclasses.replace(r, point=r.point - offset) for r in planned]
            local.runs = shifted
            means = {m: point_means(local, len(batch), m) for m in exp.metrics}
            f = -np.nan_to_num(np.column_stack([means[m] for m in SEARCH_OBJECTIVES]), nan=0.0)
            g = None
            if constraints:
                columns = []
                for c in constraints:
                    value = np.nan_to_num(means[c.metric], nan=np.inf)
                    columns.append(value - c.max if c.max is not None else np.full(len(batch), -np.inf))
                    columns.append(c.min - value if c.min is not None else np.full(len(batch), -np.inf))
                g = np.column_stack(columns)
                g[np.isneginf(g)] = -1.0
            return f, g

        front = nsga3_search(evaluate, variables=len(levers), objectives=len(SEARCH_OBJECTIVES),
                             population=population, generations=generations, seed=exp.design.sampler.seed,
                             constraints=2 * len(constraints))
    collected.runs = all_runs
    by_unit = {p.unit: p for p in all_points}
    balance = point_means(collected, len(all_points), "index.balance")
    front_rows, seen = [], set()
    for unit_row, objective_row in zip(front.unit, front.objectives, strict=True):
        p = by_unit[tuple(float(u) for u in unit_row)]
        key = tuple(str(p.values[f.name]) for f in levers)
        if key in seen:
            continue
        seen.add(key)
        row: dict[str, Any] = {f.name: (str(p.values[f.name]) if f.choices is not None else float(p.values[f.name]))
                               for f in levers}
        row.update({m: float(-v) for m, v in zip(SEARCH_OBJECTIVES, objective_row, strict=True)})
        row["index.balance"] = float(balance[p.index])
        front_rows.append(row)
    pareto_columns = [*(f.name for f in levers), *SEARCH_OBJECTIVES, "index.balance"]
    settings = exp.settings(runner, algorithm="NSGA-III (pymoo)", generations=generations, population=population,
                            evaluated_points=front.evaluations, runs=len({r.run_id for r in all_runs}),
                            resumed=collected.resumed, failed=len(collected.failures), front_size=len(front_rows),
                            feasible_front=front.feasible,
                            constraints="; ".join(map(_constraint_text, constraints)) or "none")
    return exp.write(runner=runner, factors=levers, points=all_points, results=collected, settings=settings,
                     extra_tables={"pareto": (front_rows, pareto_columns)},
                     render={"front": front_rows, "levers": [f.name for f in levers],
                             "objectives": list(SEARCH_OBJECTIVES)})
