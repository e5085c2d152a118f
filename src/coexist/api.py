"""What the CLI, the dashboard and notebooks call: ``run()`` and ``compare()``.

>>> import coexist
>>> summary = coexist.run("japan-circular", scale=0.01)          # doctest: +SKIP
>>> summary.metrics["host.fill_rate"]                            # doctest: +SKIP
0.93...
>>> coexist.compare(["japan-temporary", "japan-circular"], out="results/cmp", scale=0.1)  # doctest: +SKIP

The engine and the scenario loader are imported when a run starts, not at import time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coexist.calibration import abc as calibration_abc
from coexist.calibration.abc import DEFAULT_PARAMETERS as DEFAULT_CALIBRATION_PARAMETERS
from coexist.calibration.abc import ABCResult, Calibration
from coexist.calibration.inputs import read_text_file
from coexist.calibration.ship import forget_cached_calibration, package_calibrated_folder, shipped_calibration
from coexist.calibration.targets import read_targets
from coexist.calibration.validation import DEFAULT_REPLICATES as DEFAULT_VALIDATION_REPLICATES
from coexist.calibration.validation import DEFAULT_SCALE as DEFAULT_VALIDATION_SCALE
from coexist.calibration.validation import DEFAULT_SCENARIO as DEFAULT_VALIDATION_SCENARIO
from coexist.calibration.validation import ValidationSummary, run_validation
from coexist.engine.simulate import simulate as engine_simulate
from coexist.errors import DataError, ScenarioError
from coexist.experiments.ensemble import default_workers
from coexist.report.calibration import render_fit_report
from coexist.report.validation import render_validation_report
from coexist.store.calibration import (
    STATE_FILE,
    StateFile,
    check_output_folder,
    write_calibration,
    write_shipped_calibration,
    write_validation,
)
from coexist.store.files import json_safe
from coexist.version import __version__

__all__ = [
    "RunSummary",
    "CompareSummary",
    "run",
    "compare",
    "scenarios",
    "DEFAULT_COMPARE_SCALE",
    "DEFAULT_REPLICATES",
    "CalibrationOutput",
    "ValidationOutput",
    "calibrate",
    "validate",
    "ship_calibration",
    "DEFAULT_CALIBRATION_PARAMETERS",
    "DEFAULT_VALIDATION_REPLICATES",
    "DEFAULT_VALIDATION_SCALE",
    "DEFAULT_VALIDATION_SCENARIO",
]

Progress = Callable[[int, int], None]

DEFAULT_COMPARE_SCALE = 0.05
DEFAULT_REPLICATES = 20


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
    """What ``compare()`` produced.

    Attributes
    ----------
    runs : list of RunSummary
        Replicate 0 of each scenario (its run folder is written, for the charts).
    folder : Path
        The compare folder.
    report : Path
        ``report.html``.
    samples : dict
        ``samples[scenario][metric]``: the values over replicates (replicate r at index r).
    claims : list of dict
        The verdicts, as written to ``claims.json``.
    replicates, workers : int
    seeds : list of int
        Engine seed of each replicate (the same in every scenario).
    wall_seconds : float
    """

    runs: list[RunSummary]
    folder: Path
    report: Path
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)
    replicates: int = 1
    workers: int = 1
    seeds: list[int] = field(default_factory=list)
    wall_seconds: float = 0.0


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


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ScenarioError(f"must be a whole number >= 1. Got {value!r} instead.", field=name)
    return value


def _pool_simulate(scenario: Any, seed: int, scale: float | None) -> Any:
    """The engine as the replicate runner calls it (module level, so worker processes can
    import it); goes through :func:`_simulate`, the seam tests replace."""
    return _simulate(scenario, seed, scale, None)


_ENGINE_SEAMS = (_load_scenario, _simulate)


def _seams_replaced() -> bool:
    """True when ``_load_scenario`` or ``_simulate`` was replaced in this process (a test
    fake, a patched engine in a notebook): fresh worker processes would not see the
    replacement, so the replicates then run in this process."""
    return (_load_scenario, _simulate) != _ENGINE_SEAMS


def _write_table(path: Path, rows: list[dict[str, Any]], schema: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)




def compare(
    scenario_refs: Sequence[str],
    *,
    out: str | Path,
    seed: int = 0,
    scale: float | None = DEFAULT_COMPARE_SCALE,
    start: str | None = None,
    end: str | None = None,
    overrides: Sequence[str] = (),
    replicates: int = DEFAULT_REPLICATES,
    workers: int | None = None,
    progress: Progress | None = None,
) -> CompareSummary:
    """Run several scenarios over replicates with common random numbers and write a report.

    Replicate r draws an engine seed and a behavioural parameter set (see
    :mod:`coexist.experiments.replicates`) and uses the same ones in every scenario, so the
    differences between scenarios are paired. Every scenario is loaded (and checked) before
    any is simulated, and nothing is written until all have run, so an error leaves no
    partial output.

    Writes ``out/<scenario name>/`` (the full run folder of replicate 0, for the charts),
    ``out/replicates.parquet`` (scenario, replicate, seed, metric, value),
    ``out/parameters.parquet`` (replicate, seed, parameter, value: the drawn parameter sets),
    ``out/claims.json`` (the verdicts and the reference sensitivity) and ``out/report.html``.

    Parameters
    ----------
    scenario_refs : sequence of str
        Shipped scenario names or TOML paths (at least one).
    out : path
        Output folder.
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
        Called after each run (a scenario in a replicate) finishes.
    """
    from coexist.version import __version__
    from coexist.experiments import run_ensemble
    from coexist.experiments.analysis import claims_report, reference_sensitivity
    from coexist.metrics import load_reference
    from coexist.metrics.index import run_weights
    from coexist.report import write_compare_report
    from coexist.store.run_folder import check_destination
    from coexist.version import __version__

    started = time.perf_counter()
    refs = list(scenario_refs)
    if not refs:
        raise ScenarioError("compare needs at least one scenario. Got none.")
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    replicates = _check_count(replicates, "replicates")
    if workers is not None:
        workers = _check_count(workers, "workers")
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

    if _seams_replaced():
        workers = 1
    ens = run_ensemble(list(zip(names, loaded)), seed=seed, replicates=replicates, scale=scale, workers=workers,
                       progress=progress, simulate=_pool_simulate)

    summaries: list[RunSummary] = []
    for name in names:
        kept = ens.kept[name]
        summaries.append(RunSummary(
            name=str(kept.scenario_obj.name), scenario_hash=_scenario_hash(kept.scenario_obj), seed=kept.seed,
            scale=float(kept.result.scale), start=str(kept.scenario_obj.start), end=str(kept.scenario_obj.end),
            metrics=dict(kept.metrics), engine_seconds=kept.engine_seconds, wall_seconds=kept.engine_seconds,
            result=kept.result, scenario=kept.scenario_obj,
        ))

    draws = [dict(rep.parameters) for rep in ens.plan]
    claims = claims_report(ens.samples, draws)
    weights = {}
    for name, sc in zip(names, loaded):
        try:
            weights[name] = run_weights(None, sc)
        except (TypeError, ValueError):
            weights[name] = None
    sensitivity = reference_sensitivity(ens.samples, weights, seed=seed)
    reference = load_reference()
    hashes = {}
    for name, sc in zip(names, loaded):
        try:
            hashes[name] = _scenario_hash(sc)
        except Exception:  # noqa: BLE001 - a stand-in scenario without a hash
            hashes[name] = ""
    settings = {
        "scenarios": names,
        "scenario_hashes": hashes,
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
    }

    for name, summary in zip(names, summaries):
        _write(summary, out / name)
    import pyarrow as pa

    _write_table(out / "replicates.parquet", ens.rows(), pa.schema([
        ("scenario", pa.string()), ("replicate", pa.int32()), ("seed", pa.int64()), ("metric", pa.string()),
        ("value", pa.float64()),
    ]))
    _write_table(out / "parameters.parquet", [
        {"replicate": rep.replicate, "seed": rep.seed, "parameter": k, "value": float(v)}
        for rep in ens.plan for k, v in rep.parameters.items()
    ], pa.schema([("replicate", pa.int32()), ("seed", pa.int64()), ("parameter", pa.string()), ("value", pa.float64())]))
    settings["wall_seconds"] = time.perf_counter() - started
    import json

    (out / "claims.json").write_text(
        json.dumps(json_safe({"settings": settings, "claims": claims, "reference_sensitivity": sensitivity}), indent=2)
        + "\n",
        encoding="utf-8",
    )
    ensemble = {
        "settings": settings,
        "samples": ens.samples,
        "series": ens.series,
        "claims": claims,
        "sensitivity": sensitivity,
        "draws": draws,
    }
    report = write_compare_report(
        out / "report.html",
        [(name, s.folder) for name, s in zip(names, summaries)],
        title="coexist: " + " vs ".join(names),
        ensemble=ensemble,
    )
    return CompareSummary(
        runs=summaries, folder=out, report=report, samples=ens.samples, claims=claims, replicates=replicates,
        workers=ens.workers, seeds=[rep.seed for rep in ens.plan], wall_seconds=time.perf_counter() - started,
    )


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


def calibrate(
    scenario_ref: str,
    targets: str | Path,
    *,
    parameters: Sequence[str] | None = None,
    budget: int | None = None,
    particles: int = 20,
    scale: float | None = None,
    seed: int = 0,
    out: str | Path = "calibration",
    overrides: Sequence[str] = (),
    quantile: float = 0.5,
    workers: int | None = None,
    progress: Progress | None = None,
    simulate: Callable[..., Any] = engine_simulate,
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
        (default :data:`DEFAULT_CALIBRATION_PARAMETERS` and every prior the scenario declares).
    budget : nominal simulations, ``particles x generations``, at least ``particles``
        (default ``3 x particles``).
    particles : population size, >= 2.
    scale, seed, overrides : as for :func:`run`.
    out : the calibration folder.
    quantile : in (0, 1): each generation's tolerance is this quantile of the previous one's distances.
    workers : processes that run particles (default: the number of CPUs); the result does not depend on it.
    progress : callable(done_runs, total_runs), optional.
    simulate : the engine, or a stand-in with its signature (tests).
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
    workers = _check_workers(workers)
    folder = check_output_folder(out)
    target_file = read_targets(targets)
    if "fit" not in target_file.table.column("split").to_pylist():
        raise DataError(f"targets file {target_file.label!r} has no row with split 'fit'.")
    state = StateFile(folder / STATE_FILE)
    calibration = calibration_abc.calibrate(
        scenario_ref, target_file.table, parameters=parameters, budget=budget, particles=particles, scale=scale,
        seed=seed, overrides=overrides, quantile=quantile, progress=progress, workers=workers, checkpoint=state,
        simulate=simulate)
    files = write_calibration(folder, calibration, render_fit_report(calibration.best_table))
    return CalibrationOutput(calibration, folder, {**files, "state": state.path})


def ship_calibration(
    folder: str | Path,
    *,
    targets: str | Path,
    command: Sequence[str] = (),
    end_state_scale: float = 0.02,
    seed: int = 0,
    dest: str | Path | None = None,
    simulate: Callable[..., Any] = engine_simulate,
) -> dict[str, Path]:
    """Write the shipped calibration of the Japan scenarios from the finished calibration in ``folder``
    (:mod:`coexist.calibration.ship`).

    ``targets`` is the targets file the calibration fitted, ``command`` the command line that
    produced it (recorded); the end state is one more run at ``end_state_scale`` with ``seed``.
    ``dest`` defaults to the package's ``coexist/data/calibrated``. Returns the files written:
    ``summary``, ``posterior``, ``end_state``.
    """
    seed = _check_seed(seed)
    if end_state_scale is None:
        raise ScenarioError("must be a number in (0, 1], e.g. 0.02. Got None instead.", field="end_state_scale")
    end_state_scale = _check_scale(end_state_scale)
    read_text_file(targets, "targets file")
    shipped = shipped_calibration(folder, targets=targets, command=command, end_state_scale=end_state_scale,
                                  seed=seed, simulate=simulate)
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
    out: str | Path = "validation",
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
    simulate: Callable[..., Any] = engine_simulate,
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
    out : the validation folder.
    overrides : "dotted.path=value" scenario overrides, applied before the params file.
    progress : callable(done_runs, total_runs), optional.
    simulate : the engine, or a stand-in with its signature (tests).
    """
    started = time.perf_counter()
    replicates = _check_count(replicates, "replicates")
    workers = _check_workers(workers)
    seed = _check_seed(seed)
    scale = _check_scale(scale)
    folder = check_output_folder(out)
    if params is not None:
        read_text_file(params, "params file")
    target_file = read_targets(targets)
    if "validate" not in target_file.table.column("split").to_pylist():
        raise DataError(f"targets file {target_file.label!r} has no row with split 'validate': nothing to validate on.")
    validation = run_validation(scenario_ref, target_file, params=params, replicates=replicates, scale=scale,
                                seed=seed, workers=workers, overrides=overrides, progress=progress, simulate=simulate)
    provenance = {
        **validation.provenance,
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "wall_seconds": time.perf_counter() - started,
    }
    files = write_validation(folder, validation, provenance, render_validation_report(validation.summary, provenance))
    return ValidationOutput(validation.summary, validation.tables, provenance, folder, files)
