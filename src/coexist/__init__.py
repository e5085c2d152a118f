"""coexist: a policy laboratory for labour migration.

A population-scale agent simulation that compares a temporary-worker regime with a
circular-migration regime, measured for the three actors (host society, migrants,
countries of origin).

Importing the package does no work: the engine and the scenario loader are imported
when a run starts.

>>> import coexist
>>> "run" in coexist.__all__ and "compare" in coexist.__all__
True
"""

from __future__ import annotations

from coexist.api import CompareSummary, RunSummary, compare, run, scenarios
from coexist.errors import CoexistError, DataError, InvariantError, ScenarioError
from coexist.version import __version__


__all__ = [
    "__version__",
    "run",
    "compare",
    "RunSummary",
    "CompareSummary",
    "scenarios",
    "CoexistError",
    "ScenarioError",
    "DataError",
    "InvariantError",
]
