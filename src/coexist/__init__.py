"""coexist: a policy laboratory for labour migration.

A population-scale agent simulation that compares a temporary-worker regime with a
circular-migration regime, measured for the three actors (host society, migrants,
countries of origin).

Importing the package imports the api (:mod:`coexist.api`), which every command goes
through; no simulation runs until one is asked for.

>>> import coexist
>>> "run" in coexist.__all__ and "compare" in coexist.__all__
True
"""

from __future__ import annotations

from coexist.api import CompareSummary, Engine, RunSummary, compare, explain, run, runs, scenarios
from coexist.errors import CoexistError, DataError, InvariantError, ScenarioError
from coexist.version import __version__

__all__ = [
    "__version__",
    "run",
    "compare",
    "explain",
    "runs",
    "Engine",
    "RunSummary",
    "CompareSummary",
    "scenarios",
    "CoexistError",
    "ScenarioError",
    "DataError",
    "InvariantError",
]
