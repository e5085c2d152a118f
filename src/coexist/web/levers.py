"""The policy levers as a form: generated from the scenario schema, turned back into overrides.

:func:`lever_form` lists the levers of a loaded scenario (the ones ``levers.toml`` names,
for the programme and for every programme status), each with its current value (a
number, a choice, yes/no, or a dated table ``{"YYYY-MM": value}``) and the values the
schema allows. :func:`lever_overrides` turns what the page sends back into the
``dotted.path=value`` overrides the loader takes; the loader then checks every value
with the same words as on the command line, so the form adds no rule of its own.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pydantic.functional_validators import PlainValidator

from coexist.codes import SECTORS
from coexist.errors import ScenarioError
from coexist.scenario.schema import Programme, StatusRules

__all__ = ["LeverRule", "lever_rule", "lever_form", "lever_overrides", "MAX_DATES"]

#: Dates one dated lever may carry in a request.
MAX_DATES = 60
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class LeverRule:
    """The values a lever takes: ``kind`` float, int, bool or choice, the range [lo, hi]
    (None when open), the choices, and ``what``, the schema's own words for them."""

    kind: str
    lo: float | None
    hi: float | None
    choices: tuple[str, ...]
    what: str


def _rule_of(annotation_metadata: Any) -> LeverRule:
    """The rule of a dated field. The schema keeps a dated field's type, range and choices in
    the closure of its validator (``coexist.scenario.schema._dated``), so they are read from
    there: the form shows exactly what the loader accepts. tests/unit/test_web_levers.py
    fails if that shape changes."""
    validate = next(m.func for m in annotation_metadata if isinstance(m, PlainValidator))
    check_one = inspect.getclosurevars(validate).nonlocals["check_one"]
    found = inspect.getclosurevars(check_one).nonlocals
    return LeverRule(found["kind"], found["lo"], found["hi"], tuple(found["choices"]), found["what"])


# programme levers given per sector: one form entry each
_BY_SECTOR = frozenset({"matching_capacity"})


@cache
def lever_rule(model: type, field: str) -> LeverRule:
    """The rule of ``model.field`` (a dated field of :class:`Programme` or :class:`StatusRules`;
    for ``caps``, the rule of one sector's cap).

    >>> lever_rule(Programme, "recognition_coverage")
    LeverRule(kind='float', lo=0.0, hi=1.0, choices=(), what='a number in [0.0, 1.0]')
    """
    info = model.model_fields[field]
    if typing.get_origin(info.annotation) is dict:
        return _rule_of(typing.get_args(typing.get_args(info.annotation)[1])[1:])
    return _rule_of(info.metadata)


@cache
def _catalogue() -> dict[str, list[dict[str, str]]]:
    text = resources.files("coexist.web").joinpath("levers.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _plain(value: Any) -> Any:
    return {str(k): _plain(v) for k, v in value.items()} if isinstance(value, dict) else value


def _entry(path: str, group: str, item: Mapping[str, str], rule: LeverRule, value: Any) -> dict[str, Any]:
    return {
        "path": path, "group": group, "label": item["label"], "unit": item["unit"], "kind": rule.kind,
        "min": rule.lo, "max": rule.hi, "choices": list(rule.choices), "allowed": rule.what,
        "value": _plain(value), "dated": isinstance(value, dict),
    }


def lever_form(scenario: Any) -> list[dict[str, Any]]:
    """The levers of a loaded scenario, in form order: the programme's (the bilateral
    channel's openings one per sector), then each programme status's (caps one per sector the
    status caps). Each is a dict: path, group, label, unit, kind, min, max, choices, allowed
    (the schema's words), value, dated."""
    catalogue = _catalogue()
    form = []
    for item in catalogue["programme"]:
        rule = lever_rule(Programme, item["field"])
        value = getattr(scenario.programme, item["field"])
        if item["field"] in _BY_SECTOR:
            form += [_entry(f"programme.{item['field']}.{sector}", "Programme",
                            {**item, "label": f"{item['label']}: {sector}"}, rule, value.get(sector, 0.0))
                     for sector in SECTORS]
        else:
            form.append(_entry(f"programme.{item['field']}", "Programme", item, rule, value))
    for name, rules in scenario.statuses.items():
        if rules.kind != "programme":
            continue
        group = f"{rules.label or name} ({name})"
        for item in catalogue["status"]:
            rule = lever_rule(StatusRules, item["field"])
            if item["field"] == "caps":
                form += [
                    _entry(f"statuses.{name}.caps.{sector}", group, {**item, "label": f"{item['label']}: {sector}"},
                           rule, cap)
                    for sector, cap in rules.caps.items()
                ]
            else:
                value = getattr(rules, item["field"])
                form.append(_entry(f"statuses.{name}.{item['field']}", group, item, rule, value))
    return form


def _lever_field(path: str) -> tuple[type, str]:
    """The schema model and field a lever path names; a ScenarioError for any other path."""
    parts = path.split(".") if isinstance(path, str) else []
    programme = {item["field"] for item in _catalogue()["programme"]}
    status = {item["field"] for item in _catalogue()["status"]}
    if len(parts) == 2 and parts[0] == "programme" and parts[1] in programme - _BY_SECTOR:
        return Programme, parts[1]
    if len(parts) == 3 and parts[0] == "programme" and parts[1] in programme & _BY_SECTOR and parts[2] in SECTORS:
        return Programme, parts[1]
    if len(parts) == 3 and parts[0] == "statuses" and _NAME.match(parts[1]) and parts[2] in status - {"caps"}:
        return StatusRules, parts[2]
    if len(parts) == 4 and parts[0] == "statuses" and _NAME.match(parts[1]) and parts[2] == "caps" \
            and _NAME.match(parts[3]):
        return StatusRules, "caps"
    shown = path[:80] if isinstance(path, str) else type(path).__name__
    raise ScenarioError(
        f"must name a lever of the form (programme.FIELD, programme.matching_capacity.SECTOR, statuses.STATUS.FIELD "
        f"or statuses.STATUS.caps.SECTOR). "
        f"Got {shown!r} instead.", field="levers")


def _toml_scalar(path: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and len(value) <= 40:
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    raise ScenarioError(
        f"must be a number, true/false or a short choice, or a table of them by month. Got "
        f"{type(value).__name__} {str(value)[:40]!r} instead.", field=path)


def _toml_value(path: str, value: Any) -> str:
    if not isinstance(value, dict):
        return _toml_scalar(path, value)
    if not value or len(value) > MAX_DATES:
        raise ScenarioError(f"must have 1 to {MAX_DATES} dates. Got {len(value)} instead.", field=path)
    cells = []
    for month, item in value.items():
        if not isinstance(month, str) or not _MONTH.match(month):
            raise ScenarioError(f"must have dates written YYYY-MM, e.g. 2027-04. Got {str(month)[:20]!r} instead.",
                                field=path)
        cells.append(f'"{month}" = {_toml_scalar(f"{path}.{month}", item)}')
    return "{" + ", ".join(cells) + "}"


def lever_overrides(levers: Mapping[str, Any]) -> list[str]:
    """``{lever path: value}`` from the page as loader overrides, e.g.
    ``programme.recognition_coverage=0.3``. Only the form's levers are accepted; the values are
    checked by the loader when the scenario is loaded with them.

    >>> lever_overrides({"programme.recognition_coverage": 0.3, "statuses.ssw1.job_change": {"2027-04": "free"}})
    ['programme.recognition_coverage=0.3', 'statuses.ssw1.job_change={"2027-04" = "free"}']
    """
    if not isinstance(levers, Mapping):
        raise ScenarioError(f"must be a table of lever path to value. Got {type(levers).__name__} instead.",
                            field="levers")
    out = []
    for path, value in levers.items():
        _lever_field(path)
        out.append(f"{path}={_toml_value(path, value)}")
    return out
