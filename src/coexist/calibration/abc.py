"""Likelihood-free calibration: ABC-SMC (population Monte Carlo) and ``calibrate``.

``abc_smc`` is a small NumPy implementation of ABC-SMC (Beaumont et al. 2009,
Toni et al. 2009): uniform priors on boxes, an adaptive tolerance (a quantile of
the previous generation's distances), a Gaussian perturbation kernel with twice
the weighted variance (diagonal), proposals outside the prior box rejected and
redrawn (the truncated kernel is normalised in the importance weights), and
importance weights prior / proposal mixture. Each generation draws its random
numbers from ``numpy.random.default_rng([seed, generation])``, so a run is
deterministic for a seed and a run resumed from its saved state (a ``checkpoint``
that keeps the state after each generation, e.g. :class:`coexist.store.calibration.StateFile`)
gives the same result as a straight one.
The particles of a batch run on a runner of :mod:`coexist.experiments.runners` (a local
process pool of ``workers``, or Dask); results are stored by particle index, so they do
not depend on the runner or the number of workers. A generation that cannot accept
``particles`` within :data:`MAX_BATCHES` batches ends the run (``ABCResult.stopped``).

``calibrate`` fits behavioural parameters (by default every one whose identification
names a series with fit rows, :func:`identified_parameters`) and the scenario's declared
assumption priors (``[calibration.priors]``) to the ``fit`` rows of the targets table, with
the ARD over those rows as the distance, and returns the values the files of a
calibration hold (:class:`Calibration`); :func:`coexist.api.calibrate` checks the input,
writes them (``coexist.store.calibration``) and renders fit.html
(``coexist.report.calibration``). docs/calibration.md describes both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtr

from coexist.calibration.measures import capped_ard_by_series, simulated_targets
from coexist.data import parameters as behavioural_parameters
from coexist.engine.simulate import simulate as engine_simulate
from coexist.errors import DataError
from coexist.experiments.runners import ProcessPoolRunner
from coexist.scenario import Scenario, apply_calibrated, calibration_priors, load_scenario, to_toml

__all__ = [
    "abc_smc",
    "ABCResult",
    "Checkpoint",
    "calibrate",
    "Calibration",
    "run_particle",
    "identified_parameters",
    "weighted_quantile",
]

_TARGET_PREFIX = "target: "
#: A generation proposes batches of ``particles`` until ``particles`` are accepted, at most
#: this many batches; a generation that accepts fewer stops the run (its acceptance rate is
#: below 1 / MAX_BATCHES, 5%), and the last complete generation is the posterior.
MAX_BATCHES = 20
_STATE_VERSION = 1


def identified_parameters(targets: pa.Table) -> tuple[str, ...]:
    """The behavioural parameters fitted by default: those whose ``identification`` in
    parameters.toml names a series that has a ``fit`` row in ``targets`` (in the file's order).

    The others stay at their values (the prior's evidence) and are listed as not fitted.
    """
    fitted_series = set(targets.filter(pc.equal(targets["split"], "fit")).column("series").to_pylist())
    return tuple(name for name, spec in behavioural_parameters().items()
                 if spec.identification.startswith(_TARGET_PREFIX)
                 and spec.identification[len(_TARGET_PREFIX):] in fitted_series)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | Sequence[float]) -> np.ndarray:
    """Quantiles of weighted samples (inverse of the weighted empirical CDF, midpoint rule)."""
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.atleast_1d(q), cdf, v)


@dataclass
class ABCResult:
    """The last ABC-SMC population and the run's history.

    ``samples`` (particles x parameters, columns in ``names`` order), normalised
    ``weights``, ``distances`` of the samples, ``epsilons`` (tolerance per
    generation; the first is inf), ``history`` (one dict per generation:
    generation, epsilon, simulations, accepted, min and median distance),
    ``best`` (the particle with the smallest distance seen in the last
    population) and its ``best_distance``. ``stopped`` is None, or why the run stopped
    before its last generation: the generation that accepted too few particles within
    :data:`MAX_BATCHES` batches (its tolerance, accepted count, simulations, acceptance
    rate); the population is then the last complete generation's.
    """

    names: list[str]
    priors: dict[str, tuple[float, float]]
    samples: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    epsilons: list[float]
    history: list[dict] = field(default_factory=list)
    stopped: dict | None = None

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.distances))

    @property
    def best(self) -> dict[str, float]:
        return {n: float(x) for n, x in zip(self.names, self.samples[self.best_index], strict=True)}

    @property
    def best_distance(self) -> float:
        return float(self.distances[self.best_index])

    @property
    def simulations(self) -> int:
        return int(sum(h["simulations"] for h in self.history) + (self.stopped or {}).get("simulations", 0))

    def prior_vs_posterior(self) -> list[dict]:
        """One row per parameter: prior bounds, posterior 5/50/95%, width ratio and label.

        ``width_ratio`` is the 90% posterior width over the prior width; the label
        is ``identified`` when it is at most 0.5, else ``prior only``.
        """
        rows = []
        for j, name in enumerate(self.names):
            low, high = self.priors[name]
            q05, q50, q95 = weighted_quantile(self.samples[:, j], self.weights, (0.05, 0.5, 0.95))
            ratio = float((q95 - q05) / (high - low))
            rows.append(
                {
                    "name": name,
                    "prior_low": float(low),
                    "prior_high": float(high),
                    "posterior_q05": float(q05),
                    "posterior_q50": float(q50),
                    "posterior_q95": float(q95),
                    "width_ratio": ratio,
                    "label": "identified" if ratio <= 0.5 else "prior only",
                }
            )
        return rows


class Checkpoint(Protocol):
    """Where :func:`abc_smc` keeps its state between generations, so that a run can resume.

    ``load`` returns the saved state (a JSON-able dict) or None when there is none;
    ``save`` keeps the state after a generation; ``str(checkpoint)`` names it in errors.
    """

    def load(self) -> dict | None: ...

    def save(self, state: dict) -> None: ...


def _check_priors(priors: Mapping[str, tuple[float, float]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    if not priors:
        raise ValueError("priors must name at least one parameter.")
    names = list(priors)
    lows, highs = [], []
    for name in names:
        low, high = (float(v) for v in priors[name])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"prior of {name!r} must be (low, high) with low < high, both finite. "
                             f"Got {priors[name]!r}.")
        lows.append(low)
        highs.append(high)
    return names, np.array(lows), np.array(highs)


def _one_distance(simulate_fn, distance, observed, params: dict[str, float], seed: int) -> float:
    """One particle's distance (module level: worker processes import it by name)."""
    d = float(distance(simulate_fn(params, seed), observed))
    return d if math.isfinite(d) else math.inf


class _Evaluator:
    """Distances of a batch of particles, run by a runner (:mod:`coexist.experiments.runners`).

    Each particle's distance is stored at its index, so the result does not depend on the
    runner, the number of workers or the order in which the particles finish.
    """

    def __init__(self, simulate_fn, distance, observed, names: list[str], runner: Any) -> None:
        self.simulate_fn, self.distance, self.observed, self.names = simulate_fn, distance, observed, names
        self.runner = runner

    def __call__(self, thetas: np.ndarray, seeds: np.ndarray, report: Callable[[int], None]) -> np.ndarray:
        n = len(thetas)
        params = [{name: float(x) for name, x in zip(self.names, theta, strict=True)} for theta in thetas]
        tasks = [(str(i), (self.simulate_fn, self.distance, self.observed, params[i], int(seeds[i])))
                 for i in range(n)]
        # a particle's own error stops the calibration at once, as the engine raised it
        out = self.runner.run(_one_distance, tasks, lambda done, _total: report(done), fail_fast=True)
        if out.failures:  # a worker that died
            failure = out.failures[0]
            raise DataError(f"particle {failure.key} of the batch did not finish: {failure.error}.")
        return np.array([out.results[str(i)] for i in range(n)], dtype=np.float64)


def abc_smc(
    simulate_fn: Callable[[dict[str, float], int], Any],
    priors: Mapping[str, tuple[float, float]],
    observed: Any,
    distance: Callable[[Any, Any], float],
    *,
    particles: int,
    generations: int,
    seed: int,
    quantile: float = 0.5,
    checkpoint: Checkpoint | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    runner: Any = None,
) -> ABCResult:
    """Approximate Bayesian computation by sequential Monte Carlo.

    Parameters
    ----------
    simulate_fn : callable(params, seed) -> simulated
        Runs the model for a dict of parameter values and an integer seed.
    priors : dict of name to (low, high)
        Independent uniform priors.
    observed : anything ``distance`` accepts as its second argument.
    distance : callable(simulated, observed) -> float
        NaN or inf counts as never accepted.
    particles, generations : int
        Population size and number of generations (the first samples the prior).
    seed : int
        Generation g uses ``numpy.random.default_rng([seed, g])``.
    quantile : float
        The tolerance of generation g is this quantile of generation g-1's distances.
    checkpoint : Checkpoint, optional
        Keeps the state after every generation; when it holds one at the start, the
        run continues from it (its seed, priors, particles and quantile must match,
        else :class:`~coexist.errors.DataError`).
    progress : callable(done, total), optional
        Called after each simulation with simulations done and the nominal total
        (particles x generations; the total grows when a generation needs more).
    workers : int
        Processes that run the particles of a batch (default 1: this process). With
        more, ``simulate_fn``, ``distance`` and ``observed`` must be picklable (they go
        with each particle) and the workers share the cores' engine threads. The
        result is the same for any number of workers.
    runner : a runner of :mod:`coexist.experiments.runners`, optional
        Runs the particles instead of a process pool of ``workers`` (e.g. a
        :class:`~coexist.experiments.runners.DaskRunner`, entered); the result is the same.

    Returns
    -------
    ABCResult
    """
    names, lows, highs = _check_priors(priors)
    if particles < 2:
        raise ValueError(f"particles must be at least 2. Got {particles!r}.")
    if generations < 1:
        raise ValueError(f"generations must be at least 1. Got {generations!r}.")
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1). Got {quantile!r}.")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1. Got {workers!r}.")
    n, d = int(particles), len(names)
    width = highs - lows
    settings = {"version": _STATE_VERSION, "seed": int(seed), "names": names, "lows": lows.tolist(),
                "highs": highs.tolist(), "particles": n, "quantile": float(quantile)}
    state = checkpoint.load() if checkpoint is not None else None
    if state is not None:
        for key, value in settings.items():
            if state.get(key) != value:
                raise DataError(f"{checkpoint} was written with {key}={state.get(key)!r}, not {value!r}: "
                                "remove it or run with the same settings.")
    if state is None:
        state = {**settings, "generation": 0, "samples": [], "weights": [], "distances": [], "epsilons": [],
                 "history": []}
    total = max(n * generations, sum(h["simulations"] for h in state["history"]))

    def report(count: int) -> None:  # count: simulations done in the whole run
        nonlocal total
        if progress is not None:
            total = max(total, count)
            progress(count, total)

    own = runner is None
    runner = ProcessPoolRunner(int(workers)) if own else runner
    try:
        save = checkpoint.save if checkpoint is not None else None
        evaluate = _Evaluator(simulate_fn, distance, observed, names, runner)
        _generations(state, evaluate, report, save, int(seed), n, d, generations, quantile, lows, highs, width)
    finally:
        if own:
            runner.close()
    return ABCResult(
        names=names,
        priors={name: (float(lo), float(hi)) for name, lo, hi in zip(names, lows, highs, strict=True)},
        samples=np.array(state["samples"], dtype=np.float64).reshape(n, d),
        weights=np.array(state["weights"], dtype=np.float64),
        distances=np.array(state["distances"], dtype=np.float64),
        epsilons=[float(e) for e in state["epsilons"]],
        history=list(state["history"]),
        stopped=state.get("stopped"),
    )


def _generations(state, evaluate, report, save, seed, n, d, generations, quantile, lows, highs, width) -> None:
    """Run generations until ``generations`` are done, saving the state after each."""
    done = sum(h["simulations"] for h in state["history"])
    while state["generation"] < generations and not state.get("stopped"):
        g = state["generation"]
        rng = np.random.default_rng([int(seed), g])
        if g == 0:
            thetas = lows + width * rng.random((n, d))
            seeds = rng.integers(0, 2**31 - 1, size=n)
            dists = evaluate(thetas, seeds, lambda k, base=done: report(base + k))
            weights = np.full(n, 1.0 / n)
            eps, sims = math.inf, n
        else:
            prev = np.array(state["samples"], dtype=np.float64).reshape(n, d)
            prev_w = np.array(state["weights"], dtype=np.float64)
            prev_d = np.array(state["distances"], dtype=np.float64)
            finite = np.isfinite(prev_d)
            eps = float(np.quantile(prev_d[finite], quantile)) if finite.any() else math.inf
            mean = prev_w @ prev
            var = prev_w @ (prev - mean) ** 2
            sigma = np.sqrt(np.maximum(2.0 * var, (1e-6 * width) ** 2))
            # probability that a perturbation of each ancestor lands in the box (truncation)
            inside = np.prod(ndtr((highs - prev) / sigma) - ndtr((lows - prev) / sigma), axis=1)
            kept_t, kept_d, sims = [], [], 0
            for _batch in range(MAX_BATCHES):
                anc = rng.choice(n, size=n, p=prev_w)
                cand = prev[anc] + sigma * rng.standard_normal((n, d))
                for _ in range(1000):  # reject and redraw outside the prior box
                    bad = np.any((cand < lows) | (cand > highs), axis=1)
                    if not bad.any():
                        break
                    cand[bad] = prev[anc[bad]] + sigma * rng.standard_normal((int(bad.sum()), d))
                cand = np.clip(cand, lows, highs)
                seeds = rng.integers(0, 2**31 - 1, size=n)
                dists = evaluate(cand, seeds, lambda k, base=done + sims: report(base + k))
                sims += n
                ok = dists <= eps
                kept_t.extend(cand[ok])
                kept_d.extend(dists[ok])
                if len(kept_t) >= n:
                    break
            if len(kept_t) < n:
                # too few accepted at this tolerance: ABC-SMC stops here (as pyabc does below a minimum
                # acceptance rate) and the last complete generation is the posterior; it never keeps
                # particles beyond the tolerance
                state["stopped"] = {"generation": g, "epsilon": eps, "accepted": len(kept_t), "particles": n,
                                    "simulations": int(sims), "acceptance_rate": len(kept_t) / sims}
                if save is not None:
                    save(state)
                return
            thetas, dists = np.array(kept_t[:n]), np.array(kept_d[:n])
            # importance weights: uniform prior / truncated-Gaussian mixture proposal
            z = (thetas[:, None, :] - prev[None, :, :]) / sigma
            kern = np.exp(-0.5 * np.sum(z * z, axis=2)) / inside[None, :]
            weights = 1.0 / np.maximum(kern @ prev_w, 1e-300)
            weights /= weights.sum()
        done += sims
        finite = dists[np.isfinite(dists)]
        state["history"].append(
            {
                "generation": g,
                "epsilon": eps,
                "simulations": int(sims),
                "accepted": int(n),
                "min_distance": float(finite.min()) if finite.size else math.inf,
                "median_distance": float(np.median(finite)) if finite.size else math.inf,
                "ess": float(1.0 / np.sum(weights**2)),
            }
        )
        state.update(samples=thetas.tolist(), weights=weights.tolist(), distances=dists.tolist(), generation=g + 1)
        state["epsilons"].append(eps)
        if save is not None:
            save(state)


# ---------------------------------------------------------------------------------------------
# calibrate: the engine against the targets table


def run_particle(base: Scenario, params: Mapping[str, float], seed: int, scale: float | None,
                 simulate: Callable[..., Any] = engine_simulate):
    """One engine run of a particle: ``base`` (the scenario with the user's overrides) with the
    particle's values put in, run by ``simulate`` (the engine's, or a stand-in with its signature)."""
    return simulate(apply_calibrated(base, params), seed=seed, scale=scale)


class _ParticleTargets:
    """simulate_fn of :func:`calibrate`: a particle's run measured on the fit rows (picklable for workers)."""

    def __init__(self, scenario_ref: str, scale: float | None, overrides: Sequence[str], fit: pa.Table,
                 simulate: Callable[..., Any]) -> None:
        self.scenario_ref, self.scale, self.overrides, self.fit = scenario_ref, scale, tuple(overrides), fit
        self.simulate = simulate
        self._base = None  # the scenario with the user's overrides, loaded once per process

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_base": None}

    def __call__(self, params: dict[str, float], seed: int):
        if self._base is None:
            self._base = load_scenario(self.scenario_ref, overrides=self.overrides, scale=self.scale)
        return simulated_targets(run_particle(self._base, params, seed, self.scale, self.simulate), self.fit)


def _fit_distance(table, _observed=None) -> float:
    """Mean over the fitted series of their ARD, each date's relative difference capped at 1."""
    return capped_ard_by_series(table, split="fit")["overall"]


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


@dataclass
class Calibration:
    """What :func:`calibrate` found, and the contents of the files a calibration folder holds.

    Attributes
    ----------
    scenario_ref : str
        The scenario as the caller named it.
    overrides : tuple of str
        The scenario overrides the particles ran with.
    scale : float
        The scale every particle ran at.
    result : ABCResult
    kinds : dict
        ``behaviour`` or ``assumption`` (a ``[calibration.priors]`` entry) per fitted name.
    best_table : pyarrow.Table
        The best particle, run once more with the calibration seed, measured on every
        target row (fit and validate): what fit.html shows.
    best_ard : float
        The fit distance of ``best_table``.
    best_scenario : Scenario
        The scenario (its own scale) with the best particle's values.
    """

    scenario_ref: str
    overrides: tuple[str, ...]
    scale: float
    result: ABCResult
    kinds: dict[str, str]
    best_table: pa.Table
    best_ard: float
    best_scenario: Scenario

    def posterior_table(self) -> pa.Table:
        """posterior.parquet: one column per parameter, then ``weight`` and ``distance``."""
        r = self.result
        cols = {name: r.samples[:, j] for j, name in enumerate(r.names)}
        cols.update(weight=r.weights, distance=r.distances)
        return pa.table(cols)

    def best_toml(self) -> str:
        """best.toml: the best particle, by kind, with what it ran with."""
        r = self.result
        ref = self.scenario_ref
        lines = [f"# Best particle of the ABC-SMC calibration of {ref!r} (fit ARD {r.best_distance:.4g}).",
                 "# Re-apply: coexist run best-scenario.toml (next to this file: the scenario with these values), "
                 "or in",
                 f"# Python: coexist.scenario.apply_calibrated({ref!r}, 'best.toml'). [behaviour]: behavioural",
                 "# parameters; [assumptions]: the scenario's [calibration.priors]; overrides: the overrides it ran "
                 "with.",
                 f"scenario = {_toml_string(str(ref))}",
                 f"overrides = [{', '.join(_toml_string(t) for t in self.overrides)}]",
                 f"scale = {float(self.scale)!r}  # share of the population simulated per particle",
                 f"best_fit_distance = {float(r.best_distance)!r}",
                 "",
                 "[behaviour]"]
        lines += [f"{k} = {float(v)!r}" for k, v in r.best.items() if self.kinds[k] == "behaviour"]
        lines += ["", "[assumptions]"]
        lines += [f"{k} = {float(v)!r}" for k, v in r.best.items() if self.kinds[k] == "assumption"]
        return "\n".join(lines) + "\n"

    def best_scenario_toml(self, folder: str | Path) -> str:
        """best-scenario.toml: the complete scenario with the best values, for ``coexist run``;
        ``folder`` is where the calibration's files are (named in the header)."""
        return (f"# {self.scenario_ref} with the best particle of the calibration in {folder} (best.toml).\n"
                + to_toml(self.best_scenario))

    def distance_history(self) -> dict[str, Any]:
        """distance_history.json: the tolerance and the history of every generation."""
        return {"epsilons": self.result.epsilons, "generations": self.result.history, "stopped": self.result.stopped}

    def prior_posterior(self) -> list[dict[str, Any]]:
        """prior_posterior.csv: :meth:`ABCResult.prior_vs_posterior` with each parameter's kind, its
        identification (a behavioural parameter's, from parameters.toml; ``scenario prior`` for an
        assumption) and ``fitted = yes``; then every behavioural parameter not fitted, ``fitted = no``
        and labelled ``prior only``, with its range and no posterior (NaN)."""
        specs = behavioural_parameters()

        def identification(name: str) -> str:
            return specs[name].identification if self.kinds[name] == "behaviour" else "scenario prior"

        rows = [{**row, "kind": self.kinds[row["name"]], "identification": identification(row["name"]),
                 "fitted": "yes"} for row in self.result.prior_vs_posterior()]
        nan = float("nan")
        rows += [{"name": name, "prior_low": spec.low, "prior_high": spec.high, "posterior_q05": nan,
                  "posterior_q50": nan, "posterior_q95": nan, "width_ratio": nan, "label": "prior only",
                  "kind": "behaviour", "identification": spec.identification, "fitted": "no"}
                 for name, spec in specs.items() if name not in self.kinds]
        return rows


def calibrate(
    scenario_ref: str,
    targets: pa.Table,
    *,
    parameters: Sequence[str] | None = None,
    budget: int | None = None,
    particles: int = 20,
    scale: float | None = None,
    seed: int = 0,
    overrides: Sequence[str] = (),
    quantile: float = 0.5,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    checkpoint: Checkpoint | None = None,
    simulate: Callable[..., Any] = engine_simulate,
    before_runs: Callable[[Scenario], None] | None = None,
    runner: Any = None,
) -> Calibration:
    """Fit parameters of a scenario to the ``fit`` rows of a targets table by ABC-SMC.

    Writes nothing: :func:`coexist.api.calibrate` checks the input, keeps the state and
    writes the files.

    Parameters
    ----------
    scenario_ref : shipped scenario name or TOML path.
    targets : a targets table (:func:`coexist.calibration.targets.load_targets`) with rows of split ``fit``.
    parameters : names of behavioural parameters (prior: their ``low``/``high`` in
        ``parameters.toml``) or of the scenario's ``[calibration.priors]`` (prior and
        the scenario paths they set: in the scenario). Default: :func:`identified_parameters` of
        ``targets`` and every prior the scenario declares (but those whose paths ``overrides`` removed).
    budget : nominal number of simulations, ``particles x generations``
        (default ``3 x particles``); generations = budget // particles.
    particles, scale, seed, overrides, quantile, progress, checkpoint : as in :func:`abc_smc`;
        ``overrides`` are scenario overrides applied before the particle's values.
    workers : processes that run particles (1: in this process). The result does not depend on it.
    runner : runs the particles instead of ``workers`` processes (as in :func:`abc_smc`).
    simulate : the engine (``coexist.engine.simulate.simulate``) or a stand-in with its signature.
    before_runs : called with the scenario (with the user's overrides) once it and the parameters are checked,
        before the first simulation.
    """
    if budget is None:
        budget = 3 * particles
    fit = targets.filter(pc.equal(targets["split"], "fit"))
    base = load_scenario(scenario_ref, overrides=overrides, scale=scale)
    declared = list(base.calibration.priors) if base.calibration is not None else []
    # default: the behavioural set and every declared prior the overrides left usable (one named is checked)
    usable = [p for p in declared if base.prior_key_problem(p) is None]
    names = list(dict.fromkeys(parameters)) if parameters else [*identified_parameters(targets), *usable]
    priors = calibration_priors(base, names)  # clear error for an unknown name
    kinds = {p: "assumption" if p in declared else "behaviour" for p in names}
    for p, (low, high) in priors.items():  # both ends of every prior must give a valid scenario
        if kinds[p] == "assumption":
            apply_calibrated(base, {p: low})
            apply_calibrated(base, {p: high})

    simulate_fn = _ParticleTargets(str(scenario_ref), scale, overrides, fit, simulate)
    if before_runs is not None:
        before_runs(base)
    result = abc_smc(simulate_fn, priors, fit, _fit_distance, particles=particles, generations=budget // particles,
                     seed=seed, quantile=quantile, checkpoint=checkpoint, progress=progress, workers=workers,
                     runner=runner)
    # the best set, run once more with the calibration seed, against every target row (fit and validate)
    best_run = run_particle(load_scenario(scenario_ref, overrides=overrides, scale=scale), result.best, int(seed),
                            scale, simulate)
    best_table = simulated_targets(best_run, targets)
    return Calibration(
        scenario_ref=str(scenario_ref),
        overrides=tuple(overrides),
        scale=float(scale if scale is not None else base.population.scale),
        result=result,
        kinds=kinds,
        best_table=best_table,
        best_ard=_fit_distance(best_table),
        # the same values in a complete scenario at the scenario's own scale, for `coexist run`
        best_scenario=apply_calibrated(load_scenario(scenario_ref, overrides=overrides), result.best),
    )
