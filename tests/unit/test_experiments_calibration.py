"""ABC-SMC on the experiments' runners: a runner handed in (here a two-process pool; a Dask
runner is used the same way) gives the posterior of one process, and a generation that cannot
accept its particles within the tolerance stops the run (the tolerance never rises to take
particles beyond it)."""

from __future__ import annotations

import numpy as np

from coexist.calibration.abc import MAX_BATCHES, abc_smc
from coexist.experiments.runners import ProcessPoolRunner

PRIOR = {"theta": (-5.0, 5.0)}


def noisy_model(params, seed):
    """The mean of 20 draws of Normal(theta, 1) (module level: workers import it by name)."""
    return float(np.random.default_rng(seed).normal(params["theta"], 1.0, size=20).mean())


def distance(simulated, observed):
    return abs(simulated - observed)


def blind_model(params, seed):
    """A model whose output ignores its parameter: no proposal does better than chance."""
    return float(np.random.default_rng(seed).random())


def test_a_runner_handed_in_gives_the_posterior_of_one_process():
    one = abc_smc(noisy_model, PRIOR, 0.7, distance, particles=16, generations=3, seed=5, workers=1)
    with ProcessPoolRunner(2) as runner:
        pooled = abc_smc(noisy_model, PRIOR, 0.7, distance, particles=16, generations=3, seed=5, runner=runner)
    assert np.array_equal(one.samples, pooled.samples) and np.array_equal(one.weights, pooled.weights)
    assert one.history == pooled.history and one.stopped is None


def test_a_generation_that_accepts_too_few_stops_the_run_with_the_last_complete_population():
    # the tolerance is about the smallest of n distances: about 1 proposal in n + 1 is accepted, below 1 / MAX_BATCHES
    n = 40
    result = abc_smc(blind_model, PRIOR, 0.0, distance, particles=n, generations=4, seed=1, quantile=0.001)
    stopped = result.stopped
    assert stopped is not None and 1 <= stopped["generation"] < 4 and stopped["accepted"] < n
    assert stopped["simulations"] == MAX_BATCHES * n and stopped["acceptance_rate"] < 1 / MAX_BATCHES
    # the posterior is the last complete generation, every particle within its tolerance
    assert len(result.epsilons) == len(result.history) == stopped["generation"]
    assert np.all(result.distances <= result.epsilons[-1])
    assert result.simulations == sum(h["simulations"] for h in result.history) + MAX_BATCHES * n
