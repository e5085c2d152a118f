"""Ask the rules about one person: what may this worker do next under this regime, and why?

The answers come from the same predicates the engine uses (policy.rules), evaluated for
one month of one scenario (:mod:`coexist.explain.answer`); the person is checked against
the scales of the engine's fields first (:mod:`coexist.explain.person`).
"""

from __future__ import annotations

from coexist.explain.answer import explain
from coexist.explain.person import PERSON_FIELDS, check_person

__all__ = ["explain", "PERSON_FIELDS", "check_person"]
