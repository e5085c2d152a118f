"""The person asked about: the fields one may give, their defaults, and their checks."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from coexist.codes import SECTORS
from coexist.errors import ScenarioError
from coexist.periods import parse_month

__all__ = ["PERSON_FIELDS", "DURATIONS", "LEVELS", "SKILL_RANGE", "check_person"]

PERSON_FIELDS = {
    "status": "current status (or 'returned' for a former worker at home)",
    "sector": "host sector",
    "months_in_status": "months since entering the status (at home: months completed in it)",
    "status_total": "months ever spent in the status, all stays",
    "months_abroad": "months ever spent in the host",
    "months_in_stay": "months since the last arrival in the host",
    "cert": "certified skill level: 0 none, 1 SSW-i, 2 SSW-ii",
    "language": "language level 0-3 (3 = N3/B1)",
    "skill": "skill 0..1 (used for the chance of passing a test)",
    "previous_status": "for 'returned': the status left",
    "months_home": "for 'returned': months since coming home",
    "forfeited": "for 'returned': left an irregular stay (earned rights are gone)",
    "banned_until": "for 'returned': YYYY-MM when a re-entry ban ends",
}

DURATIONS = ("months_in_status", "status_total", "months_abroad", "months_in_stay", "months_home")
# The scales of the engine's person fields (engine/state.py): cert 0 none, 1 SSW-i, 2 SSW-ii;
# language 0 none .. 3 (N3/B1); skill a share.
LEVELS = {"cert": 2, "language": 3}
SKILL_RANGE = (0.0, 1.0)

_DEFAULTS = {
    "sector": "manufacturing",
    "months_in_status": 0,
    "status_total": None,
    "months_abroad": None,
    "months_in_stay": None,
    "cert": 0,
    "language": 0,
    "skill": 0.5,
    "previous_status": None,
    "months_home": 0,
    "forfeited": False,
    "banned_until": None,
}


def _whole(value: Any, name: str, low: int, high: int | None = None) -> int:
    allowed = f"from {low} to {high}" if high is not None else f">= {low}"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < low
        or (high is not None and value > high)
    ):
        raise ScenarioError(f"must be a whole number {allowed}. Got {value!r} instead.", field=name)
    return int(value)


def check_person(person: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The person with defaults filled in, or a ScenarioError naming the first impossible field.

    ``names`` are the scenario's status names (code order; "home" first, "returned" among them).
    """
    unknown = set(person) - set(PERSON_FIELDS)
    if unknown:
        raise ScenarioError(f"unknown person field(s) {sorted(map(str, unknown))}; allowed: {', '.join(PERSON_FIELDS)}")
    p = {**_DEFAULTS, **person}
    if p.get("status") not in names or p["status"] == "home":
        raise ScenarioError(f"must be one of {', '.join(names[1:])}. Got {p.get('status')!r} instead.", field="status")
    if p["sector"] not in SECTORS:
        raise ScenarioError(f"must be one of {', '.join(SECTORS)}. Got {p['sector']!r} instead.", field="sector")
    for key in DURATIONS:
        if p[key] is not None:
            p[key] = _whole(p[key], key, 0)
    for key, top in LEVELS.items():
        p[key] = _whole(p[key], key, 0, top)
    low, high = SKILL_RANGE
    skill = p["skill"]
    if (
        isinstance(skill, bool)
        or not isinstance(skill, numbers.Real)
        or not math.isfinite(skill)
        or not low <= skill <= high
    ):
        raise ScenarioError(f"must be a number from {low:g} to {high:g}. Got {skill!r} instead.", field="skill")
    p["skill"] = float(skill)
    for key in ("status_total", "months_in_stay"):
        if p[key] is None:
            p[key] = p["months_in_status"]
    if p["months_abroad"] is None:
        p["months_abroad"] = p["months_in_stay"]
    if p["months_in_status"] > p["status_total"]:
        raise ScenarioError(
            f"must be at least the months in the current status ({p['months_in_status']}): the months ever "
            "spent in the status "
            f"include the current stay. Got {p['status_total']} instead.",
            field="status_total",
        )
    if p["banned_until"] is not None:
        try:
            parse_month(p["banned_until"])
        except (TypeError, ValueError) as exc:
            raise ScenarioError(str(exc), field="banned_until") from None
    return p
