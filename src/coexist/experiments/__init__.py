"""Experiments over many runs: replicates with parameter uncertainty, run on a local
process pool (ensemble.py), and the analysis of their samples: the claims' verdicts and
their sensitivity to the index's reference values (analysis.py). Experiment designs
(design.py, the shipped ones in designs/), their samplers and sensitivity indices
(sampling.py), their runs and ids (experiment.py), the policy search (search.py) and the
runners that experiments and calibration share, a process pool or Dask (runners.py).

>>> from coexist.experiments import replicate_plan
>>> plan = replicate_plan(seed=0, replicates=3)
>>> [r.replicate for r in plan]
[0, 1, 2]
"""

from __future__ import annotations

from coexist.experiments.ensemble import EnsembleResult, run_ensemble, run_tasks, uses_calibration
from coexist.experiments.replicates import (
    DISTRIBUTION,
    DISTRIBUTION_CALIBRATED,
    Replicate,
    distribution,
    draw_parameters,
    replicate_plan,
    replicate_seed,
    with_parameters,
)

__all__ = [
    "DISTRIBUTION",
    "DISTRIBUTION_CALIBRATED",
    "EnsembleResult",
    "Replicate",
    "distribution",
    "draw_parameters",
    "replicate_plan",
    "replicate_seed",
    "run_ensemble",
    "run_tasks",
    "uses_calibration",
    "with_parameters",
]
