"""Ask the rules about one person: what may this worker do next under this regime, and why?

The answers come from the same predicates the engine uses (policy.rules), evaluated for
one month of one scenario (:mod:`coexist.explain.answer`); the person is checked against
the scales of the engine's fields first (:mod:`coexist.explain.person`). A person's history
(:mod:`coexist.explain.history`) gives the pathways (:mod:`coexist.explain.pathways`): every
option now and later with its rule and earliest date, and the paths the model's behaviour
makes likely, by Monte Carlo through the engine's passes (:mod:`coexist.explain.cohort`).
"""

from __future__ import annotations

from coexist.explain.answer import explain
from coexist.explain.history import HISTORY_FIELDS, History, read_history
from coexist.explain.pathways import history_for, pathways
from coexist.explain.person import PERSON_FIELDS, check_person

__all__ = ["explain", "pathways", "history_for", "read_history", "History", "HISTORY_FIELDS", "PERSON_FIELDS",
           "check_person"]
