"""One person's history: the statuses held with their dates, and what the rules read from it.

A history is a mapping (read from YAML or JSON by the caller), for example::

    as_of: "2026-01"              # the month asked about (optional where the caller gives it)
    origin: VNM                   # a code of coexist.codes.ORIGINS, or its name (Vietnam)
    sector: construction
    certified: ssw1               # skill test passed: none, ssw1 or ssw2
    language: N4                  # 0-3, or N5 / N4 / N3
    family_in_host: false
    statuses:                     # in order; `to` is the last month held, none while it lasts
      - {status: titp, from: "2022-04", to: "2025-03"}
      - {status: ssw1, from: "2025-04"}
    removal: {month: "2024-05"}   # any removal, with its ban (ban_until) if known

:func:`read_history` checks it (overlapping statuses, dates in the future or before the
data, negative durations, unknown statuses) and derives the person the rules read
(:data:`coexist.explain.person.PERSON_FIELDS`): months in the status, months in it over all
stays (the law's cumulative count), months abroad, months since the last arrival, and,
at home, the status left, the months since, and whether an irregular stay or a removal
forfeited the rights it earned.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coexist.codes import ORIGIN_NAMES, ORIGINS, SECTORS
from coexist.data import load_table
from coexist.errors import ScenarioError
from coexist.explain.person import LEVELS, SKILL_RANGE
from coexist.periods import format_month, parse_month
from coexist.scenario.schema import TEST_LEVELS

__all__ = ["History", "Stint", "HISTORY_FIELDS", "STINT_FIELDS", "LANGUAGE_NAMES", "first_data_month", "read_history"]

HISTORY_FIELDS = {
    "as_of": "the month asked about, YYYY-MM",
    "origin": f"country of origin: one of {', '.join(ORIGINS)} (or its name)",
    "sector": "host sector (of the current or last job)",
    "certified": f"skill test passed: one of {', '.join(TEST_LEVELS)}",
    "language": "language level 0-3, or N5 / N4 / N3",
    "skill": "skill 0..1 (used for the chance of passing a test)",
    "family_in_host": "family with the worker in the host (true/false)",
    "age_years": "age in whole years in the month asked about",
    "debt_jpy": "recruitment debt still owed, in yen",
    "months_abroad_before": "months in the host before the statuses listed",
    "statuses": "the statuses held, in order: status, from (YYYY-MM), to (YYYY-MM, the last month; none if current)",
    "removal": "a removal: month (YYYY-MM) and, if known, ban_until (YYYY-MM)",
}
STINT_FIELDS = ("status", "from", "to")
# Japanese-Language Proficiency Test levels on the engine's language scale (engine/state.py:
# 1 = A1/N5, 2 = A2/N4, 3 = B1/N3); N2 and N1 are above the top of the scale.
LANGUAGE_NAMES = {"N5": 1, "N4": 2, "N3": 3, "N2": 3, "N1": 3}


# Bounds that keep a history within what a person's life and the engine's fields hold (ages
# and months are 16-bit whole numbers there): working age, fifty years abroad, a billion yen.
AGE_YEARS = (15, 100)
MAX_MONTHS_ABROAD_BEFORE = 600
MAX_DEBT_JPY = 1e9


def first_data_month() -> str:
    """The first month the model's data on foreign workers in Japan cover (the first count of
    the MHLW notification series, data/mhlw_foreign_workers_total.csv, taken at the end of
    October): a history may not start earlier."""
    first = min(int(row["year_end_october"]) for row in load_table("mhlw_foreign_workers_total"))
    return f"{first}-10"


@dataclass(frozen=True)
class Stint:
    """One status held: from `start` to `end` (month indices, inclusive); `end` None while it lasts."""

    status: str
    start: int
    end: int | None

    def months(self, as_of: int) -> int:
        """Months held by `as_of` (the month asked about counts as not yet completed)."""
        return (as_of if self.end is None else self.end + 1) - self.start


@dataclass
class History:
    """A checked history and the person the rules read from it."""

    as_of: str
    origin: str
    sector: str
    stints: list[Stint]
    person: dict[str, Any]  # fields of PERSON_FIELDS
    family: bool
    age_months: int | None
    debt: float
    removed: str | None  # month of a removal
    statuses_held: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The history as the answer repeats it (JSON-friendly)."""
        return {
            "as_of": self.as_of,
            "origin": self.origin,
            "sector": self.sector,
            "statuses": [
                {"status": s.status, "from": format_month(s.start),
                 "to": None if s.end is None else format_month(s.end)}
                for s in self.stints
            ],
            "removal": self.removed,
            "person": dict(self.person),
        }


def _error(message: str, where: str) -> ScenarioError:
    return ScenarioError(message, field=f"history.{where}")


def _month(value: Any, where: str) -> int:
    try:
        return parse_month(str(value))  # a YAML date (2022-04-01) is written as text in the error
    except ValueError as exc:
        raise _error(str(exc), where) from None


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise _error(f"must be a whole number from {low} to {high}. Got {value!r} instead.", where)
    return int(value)


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or not (
        low <= value <= high
    ):
        raise _error(f"must be a number from {low:g} to {high:g}. Got {value!r} instead.", where)
    return float(value)


def _origin(value: Any) -> str:
    by_name = {name.lower(): code for code, name in ORIGIN_NAMES.items()}
    text = str(value)
    if text.upper() in ORIGINS:
        return text.upper()
    if text.lower() in by_name:
        return by_name[text.lower()]
    raise _error(f"must be one of {', '.join(ORIGINS)} (or the country's name). Got {value!r} instead.", "origin")


def _language(value: Any) -> int:
    if isinstance(value, str) and value.upper() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value.upper()]
    top = LEVELS["language"]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= top:
        raise _error(f"must be a whole number from 0 to {top} or one of {', '.join(LANGUAGE_NAMES)}. "
                     f"Got {value!r} instead.", "language")
    return int(value)


def _stints(raw: Any, statuses: Sequence[str], as_of: int, floor: int) -> list[Stint]:
    if not isinstance(raw, list) or not raw:
        raise _error(f"must be a list of the statuses held (each with {', '.join(STINT_FIELDS)}). Got {raw!r} "
                     "instead.", "statuses")
    stints: list[Stint] = []
    for k, item in enumerate(raw):
        where = f"statuses[{k}]"
        if not isinstance(item, Mapping):
            raise _error(f"must be a table with {', '.join(STINT_FIELDS)}. Got {item!r} instead.", where)
        unknown = set(item) - set(STINT_FIELDS)
        if unknown:
            raise _error(f"has unknown field(s) {sorted(map(str, unknown))}; allowed: {', '.join(STINT_FIELDS)}.",
                         where)
        status = item.get("status")
        if status not in statuses:
            raise _error(f"must be one of {', '.join(statuses)}. Got {status!r} instead.", f"{where}.status")
        if "from" not in item:
            raise _error("must be given: the first month in the status (YYYY-MM).", f"{where}.from")
        start = _month(item["from"], f"{where}.from")
        end = None if item.get("to") is None else _month(item["to"], f"{where}.to")
        if start < floor:
            raise _error(f"must not be before {format_month(floor)}, the first month of the data on foreign workers "
                         f"in Japan. Got {format_month(start)!r} instead.", f"{where}.from")
        if start > as_of or (end is not None and end > as_of):
            late, key = (start, "from") if start > as_of else (end, "to")
            raise _error(f"must not be after the month asked about ({format_month(as_of)}): a history cannot hold "
                         f"the future. Got {format_month(late)!r} instead.", f"{where}.{key}")
        if end is not None and end < start:
            raise _error(f"must not be before 'from' ({format_month(start)}): a status cannot be held for a negative "
                         f"time. Got {format_month(end)!r} instead.", f"{where}.to")
        if stints:
            last = stints[-1]
            if last.end is None:
                raise _error(f"starts while statuses[{k - 1}] ({last.status}) has no end: give its 'to' month.",
                             where)
            if start <= last.end:
                raise _error(f"must start after statuses[{k - 1}] ({last.status}) ends ({format_month(last.end)}): "
                             f"a person holds one status at a time. Got {format_month(start)!r} instead.",
                             f"{where}.from")
        stints.append(Stint(str(status), start, end))
    return stints


def _stay_months(stints: list[Stint], as_of: int) -> int:
    """Months since the last arrival: the last stints that follow each other without a month between."""
    total = stints[-1].months(as_of)
    for earlier, later in zip(reversed(stints[:-1]), reversed(stints[1:]), strict=True):
        if earlier.end is None or later.start != earlier.end + 1:
            break
        total += earlier.months(as_of)
    return total


def read_history(raw: Any, statuses: Sequence[str], *, as_of: str | None = None,
                 entry_tests: Mapping[str, int] | None = None, removal_ban_months: int = 0) -> History:
    """Check a history and derive the person the rules read in the month asked about.

    Parameters
    ----------
    raw : the history (a mapping of :data:`HISTORY_FIELDS`).
    statuses : the regime's host statuses (``irregular`` among them) that a history may name.
    as_of : the month asked about; default the history's own ``as_of``.
    entry_tests : status -> the skill-test level its entry asks for (0 none): holding such a
        status shows the test was passed.
    removal_ban_months : the regime's re-entry ban after a removal, used when the history
        gives no ``ban_until``.

    Raises
    ------
    ScenarioError
        naming the field (``history.statuses[1].to`` ...) for anything impossible.
    """
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"must be a table of {', '.join(HISTORY_FIELDS)}. Got {type(raw).__name__} instead.",
                            field="history")
    unknown = set(raw) - set(HISTORY_FIELDS)
    if unknown:
        raise ScenarioError(f"has unknown field(s) {sorted(map(str, unknown))}; allowed: {', '.join(HISTORY_FIELDS)}.",
                            field="history")
    asked = as_of if as_of is not None else raw.get("as_of")
    if asked is None:
        raise _error("must be given: the month asked about (YYYY-MM).", "as_of")
    now = _month(asked, "as_of")
    floor = parse_month(first_data_month())
    stints = _stints(raw.get("statuses"), statuses, now, floor)
    origin = _origin(raw.get("origin", "OTH"))
    sector = raw.get("sector", "manufacturing")
    if sector not in SECTORS:
        raise _error(f"must be one of {', '.join(SECTORS)}. Got {sector!r} instead.", "sector")
    certified = raw.get("certified", None)
    if certified is not None and certified not in TEST_LEVELS:
        raise _error(f"must be one of {', '.join(TEST_LEVELS)}. Got {certified!r} instead.", "certified")
    held_tests = [(entry_tests or {}).get(s.status, 0) for s in stints]
    cert = max(TEST_LEVELS.index(certified) if certified is not None else 0, *held_tests)
    language = _language(raw.get("language", 0))
    skill = _number(raw.get("skill", 0.5), "skill", *SKILL_RANGE)
    family = raw.get("family_in_host", False)
    if not isinstance(family, bool):
        raise _error(f"must be true or false. Got {family!r} instead.", "family_in_host")
    age = raw.get("age_years")
    age_months = None if age is None else _whole(age, "age_years", *AGE_YEARS) * 12
    debt = _number(raw.get("debt_jpy", 0.0), "debt_jpy", 0.0, MAX_DEBT_JPY)
    before = _whole(raw.get("months_abroad_before", 0), "months_abroad_before", 0, MAX_MONTHS_ABROAD_BEFORE)

    removed, banned_until = None, None
    removal = raw.get("removal")
    if removal is not None:
        if not isinstance(removal, Mapping) or "month" not in removal or set(removal) - {"month", "ban_until"}:
            raise _error(f"must be a table with month and, if known, ban_until. Got {removal!r} instead.", "removal")
        month = _month(removal["month"], "removal.month")
        if month > now:
            raise _error(f"must not be after the month asked about ({format_month(now)}). Got "
                         f"{format_month(month)!r} instead.", "removal.month")
        last = stints[-1]
        if last.end is None or month <= last.end:
            raise _error(f"must come after the last status held ends: a removal ends the stay. Got "
                         f"{format_month(month)!r} instead.", "removal.month")
        ban = month + removal_ban_months
        if removal.get("ban_until") is not None:
            ban = _month(removal["ban_until"], "removal.ban_until")
            if ban < month:
                raise _error(f"must not be before the removal ({format_month(month)}). Got {format_month(ban)!r} "
                             "instead.", "removal.ban_until")
        removed, banned_until = format_month(month), format_month(ban)

    last = stints[-1]
    abroad = before + sum(s.months(now) for s in stints)
    # the law counts every month ever held in a status (SSW-i's five years are cumulative)
    total = sum(s.months(now) for s in stints if s.status == last.status)
    person: dict[str, Any] = {"sector": sector, "cert": cert, "language": language, "skill": skill,
                              "months_abroad": abroad}
    at_home = last.end is not None
    if not at_home:
        person.update(status=last.status, months_in_status=last.months(now), status_total=total,
                      months_in_stay=_stay_months(stints, now))
    else:
        left = last.status
        forfeited = left == "irregular" or removed is not None
        if left == "irregular":
            # the rights at stake are those of the status held before the irregular stay
            regular = [s for s in stints if s.status != "irregular"]
            if not regular:
                raise _error("must hold a regular status before an irregular stay.", "statuses")
            left = regular[-1].status
            total = sum(s.months(now) for s in regular if s.status == left)
            completed = regular[-1].months(now)
        else:
            completed = last.months(now)
        person.update(status="returned", previous_status=left, months_in_status=completed, status_total=total,
                      months_home=now - last.end - 1, forfeited=forfeited)
        if banned_until is not None:
            person["banned_until"] = banned_until
    return History(
        as_of=format_month(now), origin=origin, sector=sector, stints=stints, person=person, family=family,
        age_months=age_months, debt=debt, removed=removed, statuses_held=[s.status for s in stints],
    )
