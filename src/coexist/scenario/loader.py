"""Reading scenario files: shipped names or paths, ``extends`` inheritance, ``overrides``.

Everything is validated in full before anything runs; every problem becomes one
:class:`~coexist.errors.ScenarioError` line that names the file, the field, the value
received and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import tomllib
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import tomli_w
from pydantic import BaseModel, ValidationError

import coexist.data as coexist_data  # calibration() looked up when called: tests/unit/test_ship.py replaces it
from coexist.data import parameters
from coexist.data.text_files import read_text_file
from coexist.errors import ScenarioError
from coexist.periods import format_month, parse_month
from coexist.scenario.options import check_scale
from coexist.scenario.schema import FIELD_ERROR, HOLDER_RULES, Scenario, StatusRules

__all__ = [
    "load_scenario",
    "scenario_hash",
    "to_toml",
    "shipped_scenarios",
    "parse_override",
    "calibration_priors",
    "calibrated_overrides",
    "apply_calibrated",
    "OverrideError",
]


class OverrideError(ScenarioError):
    """A :class:`ScenarioError` that one of the ``overrides`` caused.

    ``override`` is that override's text, ``problem`` the message without it, so that a
    caller that names overrides its own way (the CLI's ``--set``) can say so in its words.
    (``override`` has a default only so that the error survives pickling between processes.)
    """

    def __init__(self, message: str, *, override: str | None = None, source: str | None = None,
                 field: str | None = None):
        super().__init__(message, source=source, field=field)
        self.override = override
        self.problem = str(self)
        if override is not None:
            self.args = (f"{self.problem} (from the override {override!r})",)

_LIBRARY = "coexist.scenario.library"


def _library_files() -> dict[str, object]:
    root = resources.files(_LIBRARY)
    return {entry.name[:-5]: entry for entry in root.iterdir() if entry.name.endswith(".toml")}


def shipped_scenarios() -> list[tuple[str, str]]:
    """Names and descriptions (whole, on one line) of the scenarios that ship with the package."""
    rows = []
    for name, entry in sorted(_library_files().items()):
        raw = tomllib.loads(entry.read_text(encoding="utf-8"))
        rows.append((name, " ".join(str(raw.get("description", "")).split())))
    return rows


def _read_raw(ref: str, base_dir: Path | None) -> tuple[dict, str, Path | None]:
    """Raw TOML table of a shipped name or a file path, with a label for messages."""
    library = _library_files()
    candidate = Path(ref)
    if base_dir is not None and not candidate.is_absolute():
        relative = base_dir / candidate
        if relative.exists():
            candidate = relative
    if ref in library and not candidate.exists():
        text = library[ref].read_text(encoding="utf-8")
        label = f"scenario '{ref}'"
        directory = None
    else:
        if not candidate.exists():
            names = ", ".join(sorted(library))
            raise ScenarioError(
                f"no such scenario file or shipped scenario: {ref!r}. Shipped scenarios: {names}."
            )
        label = str(candidate)
        text = read_text_file(candidate, "scenario file", ScenarioError)
        directory = candidate.resolve().parent
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(
            f"is not valid TOML: {exc}. Fix the syntax there (docs/scenarios.md shows the format).", source=label
        ) from None
    return raw, label, directory


def _merge(parent: dict, child: dict) -> dict:
    """Child values replace parent values; tables merge key by key; lists are replaced."""
    merged = copy.deepcopy(parent)
    for key, value in child.items():
        if key == "assumptions" and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + copy.deepcopy(value)  # a child adds to its parent's assumptions
        elif isinstance(value, dict) and isinstance(merged.get(key), dict) and not _is_dated(value):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_dated(value: dict) -> bool:
    """A dated value ({"YYYY-MM": v}) is replaced whole, never merged."""
    if not value:
        return False
    try:
        for key in value:
            parse_month(key)
    except ValueError:
        return False
    return True


def _resolve(ref: str, base_dir: Path | None, seen: tuple[str, ...]) -> tuple[dict, str]:
    raw, label, directory = _read_raw(ref, base_dir)
    parent_ref = raw.get("extends")
    if parent_ref is None:
        for name, date in _reform_dates(raw, label).items():
            raise ScenarioError(
                "is only for a scenario that extends another (it dates the changes made to the base's rules);"
                f" write the rule as a dated table instead, e.g. {{\"{date}\" = 36}}. Got {date!r} instead.",
                source=label,
                field=f"statuses.{name}.reform_transition.{REFORM_DATE}",
            )
        return raw, label
    if not isinstance(parent_ref, str):
        raise ScenarioError(
            f"must be the name or path of another scenario. Got {parent_ref!r} instead.", source=label, field="extends"
        )
    if parent_ref in seen or parent_ref == ref:
        raise ScenarioError(f"inheritance loop through {parent_ref!r}.", source=label, field="extends")
    parent, _ = _resolve(parent_ref, directory, seen + (ref,))
    child = {k: v for k, v in raw.items() if k != "extends"}
    merged = _merge(parent, child)
    merged["extends"] = parent_ref
    _date_reforms(parent, child, merged, label)
    return merged, label


REFORM_DATE = "reform_date"


def _reform_dates(raw: dict, label: str) -> dict[str, str]:
    """Each status of a raw scenario whose ``reform_transition`` gives a ``reform_date``, with
    that date (checked)."""
    statuses = raw.get("statuses")
    dates = {}
    for name, rules in (statuses.items() if isinstance(statuses, dict) else ()):
        table = rules.get("reform_transition") if isinstance(rules, dict) else None
        if not isinstance(table, dict) or REFORM_DATE not in table:
            continue
        date = table[REFORM_DATE]
        field = f"statuses.{name}.reform_transition.{REFORM_DATE}"
        try:
            parse_month(date)
        except ValueError:
            raise ScenarioError(
                f'must be a month written "YYYY-MM" (e.g. "2025-01"). Got {date!r} instead.', source=label, field=field
            ) from None
        dates[name] = date
    return dates


def _date_reforms(parent: dict, child: dict, merged: dict, label: str) -> None:
    """A child's holder rules that replace its base's from a ``reform_date`` become dated values:
    the base's value before that month, the child's from it (so a reform transition has a
    value before the reform to keep). The date itself is consumed here."""
    for name, date in _reform_dates(child, label).items():
        base = (parent.get("statuses") or {}).get(name)
        if not isinstance(base, dict):
            raise ScenarioError(
                f"must belong to a status that the base scenario {merged['extends']!r} declares (it dates the"
                f" changes made to the base's rules). Got a reform date for the new status {name!r} instead.",
                source=label,
                field=f"statuses.{name}.reform_transition.{REFORM_DATE}",
            )
        rules = merged["statuses"][name]
        for field in HOLDER_RULES:
            if field in child["statuses"][name]:
                before = base.get(field, StatusRules.model_fields[field].default)
                rules[field] = _dated_from(before, rules[field], date, label, f"statuses.{name}.{field}")
        del rules["reform_transition"][REFORM_DATE]


def _dated_from(before, after, date: str, label: str, field: str) -> dict:
    """A dated value that is `before` up to the month before `date` and `after` from `date` on."""
    start = parse_month(date)
    earlier = format_month(start - 1)
    if isinstance(before, dict) and _is_dated(before):
        out = {k: v for k, v in before.items() if parse_month(k) < start} or {earlier: next(iter(before.values()))}
    else:
        out = {earlier: before}
    if not (isinstance(after, dict) and _is_dated(after)):
        out[date] = after
        return out
    too_early = [k for k in after if parse_month(k) < start]
    if too_early:
        raise ScenarioError(
            f"must not have dates before the status's reform_date {date} (the base's values hold before it)."
            f" Got {too_early[0]!r} instead; move the reform date or write that value in the base.",
            source=label,
            field=field,
        )
    out[date] = next(iter(after.values()))  # before its first date, a dated value takes its first value
    out.update(after)
    return out


_OVERRIDE_FORM = "an override must look like dotted.path=value, e.g. programme.recognition_coverage=0.3."


def parse_override(text: str) -> tuple[list[str], object]:
    """Split "a.b.c=value" into a path and a TOML-typed value.

    >>> parse_override("programme.recognition_coverage=0.3")
    (['programme', 'recognition_coverage'], 0.3)
    """
    if "=" not in text:
        raise OverrideError(_OVERRIDE_FORM + f" Got {text!r} instead.", override=text)
    path_text, value_text = text.split("=", 1)
    path = [part.strip() for part in path_text.strip().split(".")]
    if not path_text.strip() or any(not part for part in path):
        raise OverrideError(_OVERRIDE_FORM + f" Got {text!r} instead.", override=text)
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    return path, value


def _apply_override(raw: dict, text: str, label: str | None = None) -> None:
    try:
        path, value = parse_override(text)
    except OverrideError as exc:
        raise OverrideError(exc.detail, override=text, source=label) from None
    node = raw
    for depth, key in enumerate(path[:-1]):
        if isinstance(node, list):
            child = node[_list_index(node, key, path[:depth], text, label)]
        else:
            child = node.get(key)
            if child is None:
                child = {}
                node[key] = child
        if isinstance(child, list):
            node = child
            continue
        if not isinstance(child, dict) or (_is_dated(child) and depth < len(path) - 2):
            raise OverrideError(
                f"{'.'.join(path[: depth + 1])!r} is a value, not a table, so it has no field {path[depth + 1]!r}.",
                override=text,
                source=label,
            )
        node = child
    if isinstance(node, list):
        node[_list_index(node, path[-1], path[:-1], text, label)] = value
    else:
        node[path[-1]] = value


def _list_index(items: list, key: str, parent: list[str], text: str, label: str | None) -> int:
    """A list item named in an override's path by its index (0 first)."""
    if not key.isdigit() or int(key) >= len(items):
        raise OverrideError(
            f"{'.'.join(parent)!r} is a list of {len(items)} item(s); name one by its index,"
            f" 0 to {len(items) - 1}. Got {key!r} instead.",
            override=text,
            source=label,
        )
    return int(key)


# Tags that pydantic puts in an error location for the branch of a type it tried.
_BRANCH_TAG = re.compile(
    r"^(function-[a-z]+\[.*\]|nullable\[.*\]|float|int|bool|str|list\[.*\]|dict\[.*\]|literal\[.*\])$"
)
_PYDANTIC_WORDS = (
    ("Input should be a valid number", "must be a number"),
    ("Input should be a valid integer", "must be an integer"),
    ("Input should be a valid boolean", "must be true or false"),
    ("Input should be a valid string", "must be a string (in quotes)"),
    ("Input should be a valid dictionary", "must be a table"),
    ("Input should be a valid list", "must be a list [...]"),
    ("Input should be", "must be"),
)


def _location(loc) -> list[str]:
    return [str(part) for part in loc if not _BRANCH_TAG.match(str(part))]


def _model_at(path: list[str]):
    """The schema model that holds the last field of a dotted path (for 'allowed fields')."""

    def models_in(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation, None
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin in (dict, list):
            return None, args[-1]  # one level of keys or indices to skip
        for arg in args:  # Optional[...] and unions
            model, inner = models_in(arg)
            if model is not None or inner is not None:
                return model, inner
        return None, None

    model, pending = Scenario, None
    for part in path[:-1]:
        if pending is not None:
            model, pending = models_in(pending)
            if model is None and pending is None:
                return None
            continue
        if model is None or part not in model.model_fields:
            return None
        model, pending = models_in(model.model_fields[part].annotation)
    return model if pending is None else None


def _shown(value) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _format_error(error: dict) -> tuple[str, str]:
    """One pydantic error as (dotted field, message ending in 'Got ... instead.')."""
    path = _location(error["loc"])
    received = error.get("input")
    message = error["msg"]
    kind = error["type"]
    if kind == FIELD_ERROR:
        ctx = error.get("ctx") or {}
        if ctx.get("field"):
            path = path + str(ctx["field"]).split(".")
        received = ctx.get("value")
        message = str(ctx.get("message", message))
    field = ".".join(path)
    if kind == "extra_forbidden":
        model = _model_at(path)
        names = sorted((info.alias or name) for name, info in model.model_fields.items()) if model is not None else []
        hint = ""
        close = difflib.get_close_matches(path[-1], names, n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
        allowed = f" Allowed here: {', '.join(names)}" if names else " Remove it"
        return field, f"is not a known field (got {_shown(received)}).{hint}{allowed}; see docs/scenarios.md."
    if kind == "missing":
        return field, "is required but missing; see docs/scenarios.md."
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    message = re.sub(r" or instance of \w+", "", message)
    for old, new in _PYDANTIC_WORDS:
        if message.startswith(old):
            message = new + message[len(old) :]
            break
    if kind == FIELD_ERROR and received is None:
        return field, f"{message.rstrip('.')}."  # the message says what is missing
    return field, f"{message.rstrip('.')}. Got {_shown(received)} instead."


def _validate(raw: dict, label: str, overrides: Sequence[str] = ()) -> Scenario:
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            field, message = _format_error(error)
            problems.setdefault(field, message)  # a union reports one error per branch: keep the first
        field, message = next(iter(problems.items()))
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise _error(
            message + more, override=_override_of(field, overrides), source=label, field=field or None
        ) from None
    _check_behaviour(scenario, label, overrides)
    return scenario


def _error(message: str, *, override: str | None, source: str, field: str | None) -> ScenarioError:
    """An OverrideError when one of the overrides set the faulty field, else a ScenarioError."""
    if override is None:
        return ScenarioError(message, source=source, field=field)
    return OverrideError(message, override=override, source=source, field=field)


def _override_of(field: str, overrides: Sequence[str]) -> str | None:
    """The last of ``overrides`` that set the faulty field, if one did."""
    for text in reversed(overrides):
        path = text.split("=", 1)[0].strip()
        if field and (field == path or path.startswith(field + ".") or field.startswith(path + ".")):
            return text
    return None


def _check_behaviour(scenario: Scenario, label: str, overrides: Sequence[str] = ()) -> None:
    known = parameters()
    for name in scenario.calibration.priors if scenario.calibration is not None else {}:
        if name in known:
            raise ScenarioError(
                "is the name of a behavioural parameter (its prior is its range in parameters.toml); give the"
                " scenario's prior another name.",
                source=label,
                field=f"calibration.priors.{name}",
            )
    for name, value in scenario.behaviour.items():
        if name not in known:
            raise _error(
                f"is not a behavioural parameter{_suggest(name, known)}; see docs/parameters.md for the "
                f"{len(known)} names.",
                override=_override_of(f"behaviour.{name}", overrides),
                source=label,
                field=f"behaviour.{name}",
            )
        spec = known[name]
        if not spec.low <= value <= spec.high:
            raise _error(
                f"must be in [{spec.low}, {spec.high}] (the range the evidence supports). Got {value!r} instead.",
                override=_override_of(f"behaviour.{name}", overrides),
                source=label,
                field=f"behaviour.{name}",
            )


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_scenario(
    ref: str,
    *,
    overrides: Sequence[str] = (),
    start: str | None = None,
    end: str | None = None,
    scale: float | None = None,
) -> Scenario:
    """Load, resolve and validate a scenario.

    Parameters
    ----------
    ref : a shipped scenario name (see :func:`shipped_scenarios`) or a path to a TOML file.
    overrides : "dotted.path=value" strings applied after inheritance.
    start, end : "YYYY-MM", replacing the scenario's horizon.
    scale : share of the real population simulated, in (0, 1].
    """
    raw, label = _resolve(str(ref), None, ())
    resolved = copy.deepcopy(raw)
    for text in overrides:
        _apply_override(raw, text, label)
    shipped = _shipped_assumption_overrides(raw)
    if shipped:
        # the shipped calibration's values for the assumptions this scenario lets it fit,
        # under the user's own overrides
        raw = resolved
        for text in (*shipped, *overrides):
            _apply_override(raw, text, label)
    horizon = raw.setdefault("horizon", {})
    if not isinstance(horizon, dict):
        raise ScenarioError("must be a table.", source=label, field="horizon")
    for key, value in (("start", start), ("end", end)):
        if value is not None:
            try:
                parse_month(value)
            except ValueError as exc:
                raise ScenarioError(str(exc), source=label, field=key) from None
            horizon[key] = value
    scale = check_scale(scale)
    if scale is not None:
        raw.setdefault("population", {})["scale"] = scale
    return _validate(raw, label, overrides)


def _shipped_assumption_overrides(raw: dict) -> list[str]:
    """Override strings for the shipped calibration's values of the assumptions a scenario with
    ``behaviour_defaults = "calibrated-japan"`` declares as calibration priors (same names)."""
    if raw.get("behaviour_defaults") != "calibrated-japan":
        return []
    priors = (raw.get("calibration") or {}).get("priors") or {}
    if not isinstance(priors, dict) or not priors:
        return []
    values = coexist_data.calibration().get("assumptions", {})
    sets = []
    for name, prior in priors.items():
        if name in values and isinstance(prior, dict) and isinstance(prior.get("keys"), dict):
            sets += [f"{key}={float(values[name]) * float(factor)!r}" for key, factor in prior["keys"].items()]
    return sets


def _canonical(scenario: Scenario) -> dict:
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    # Where a scenario came from is not what it says: the resolved content is hashed, so a
    # scenario written out by to_toml (no `extends`) has the hash of the one it came from.
    data.pop("extends", None)
    return data


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario (canonical JSON); the same inputs give the same hash."""
    payload = json.dumps(_canonical(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML (inheritance and overrides applied)."""
    return tomli_w.dumps(_canonical(scenario))


# ----- calibrated values ------------------------------------------------------------------
# A calibration fits behavioural parameters (priors: their low-high in parameters.toml) and
# the scenario assumptions declared in [calibration.priors] (priors and target paths in the
# scenario). Both become overrides: behaviour.NAME=v, or KEY=v x multiplier for every
# key of the assumption's prior.


def calibration_priors(scenario: Scenario, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Uniform prior (low, high) of each name: a scenario prior, else a behavioural parameter.

    Raises ScenarioError naming the unknown names and what is available.
    """
    known = parameters()
    own = scenario.calibration.priors if scenario.calibration is not None else {}
    unknown = [n for n in names if n not in own and n not in known]
    if unknown:
        listed = ", ".join(own) if own else "none"
        close = difflib.get_close_matches(unknown[0], list(known) + list(own), n=1)
        raise ScenarioError(
            f"unknown parameter(s) {', '.join(repr(n) for n in unknown)}: neither a behavioural parameter"
            f" (docs/parameters.md) nor a prior declared in [calibration.priors] of scenario {scenario.name!r}"
            f" ({listed}).{f' Did you mean {close[0]!r}?' if close else ''}"
        )
    for n in names:
        problem = scenario.prior_key_problem(n) if n in own else None
        if problem:
            raise ScenarioError(
                f"cannot be fitted here: {problem}.",
                source=f"scenario {scenario.name!r}",
                field=f"calibration.priors.{n}",
            )
    return {n: (own[n].low, own[n].high) if n in own else (float(known[n].low), float(known[n].high)) for n in names}


def calibrated_overrides(scenario: Scenario, values: typing.Mapping[str, float]) -> list[str]:
    """The overrides that put calibrated ``values`` (name -> value) into ``scenario``.

    >>> from coexist.scenario import load_scenario
    >>> calibrated_overrides(load_scenario("japan-history"), {"abscond_base": 0.001, "stranded_intern_hazard": 0.1})
    ['behaviour.abscond_base=0.001', 'statuses.titp.transitions.1.hazard=0.1']
    """
    calibration_priors(scenario, list(values))  # clear error for unknown names
    own = scenario.calibration.priors if scenario.calibration is not None else {}
    sets = []
    for name, value in values.items():
        if name in own:
            sets += [f"{key}={float(value) * factor!r}" for key, factor in own[name].keys.items()]
        else:
            sets.append(f"behaviour.{name}={float(value)!r}")
    return sets


def apply_calibrated(
    scenario: Scenario | str | Path, calibrated: str | Path | typing.Mapping[str, float], *, scale: float | None = None
) -> Scenario:
    """A scenario with calibrated values put in: the best set of a calibration, or any values.

    Parameters
    ----------
    scenario : a loaded Scenario, or a shipped name or TOML path (loaded with no overrides).
    calibrated : a ``best.toml`` written by ``coexist calibrate`` (its ``overrides``, the override
        values the calibration ran with, are applied first, then its ``[behaviour]`` and
        ``[assumptions]`` values), or a mapping name -> value.
    scale : as in :func:`load_scenario`.

    >>> apply_calibrated("japan-history", {"demand_growth": 0.08}).demand.growth["retail"]["2017-01"]
    0.08
    """
    if isinstance(calibrated, typing.Mapping):
        values, recorded, label = dict(calibrated), [], "calibrated values"
    else:
        path = Path(calibrated)
        try:
            doc = tomllib.loads(read_text_file(path, "calibration file", ScenarioError))
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"is not valid TOML: {exc}.", source=str(path)) from None
        values = {}
        for table in ("behaviour", "assumptions"):
            part = doc.get(table, {})
            if not isinstance(part, dict) or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) for v in part.values()
            ):
                raise ScenarioError("must be a table of name = number.", source=str(path), field=table)
            values.update(part)
        recorded = doc.get("overrides", [])
        if not isinstance(recorded, list) or not all(isinstance(t, str) for t in recorded):
            raise ScenarioError("must be a list of KEY=VALUE strings.", source=str(path), field="overrides")
        label = str(path)
    if isinstance(scenario, Scenario):
        raw, source = (
            copy.deepcopy(scenario.model_dump(mode="json", by_alias=True, exclude_none=True)),
            f"scenario {scenario.name!r}",
        )
    else:
        raw, source = _resolve(str(scenario), None, ())
        resolved = copy.deepcopy(raw)
        for text in recorded:
            _apply_override(raw, text, source)
        recorded = [*_shipped_assumption_overrides(raw), *recorded]  # as load_scenario does
        raw = resolved
    for text in recorded:
        _apply_override(raw, text, source)
    scale = check_scale(scale)
    if scale is not None:
        raw.setdefault("population", {})["scale"] = scale
    base = _validate(raw, source, recorded)
    sets = calibrated_overrides(base, values)
    for text in sets:
        _apply_override(raw, text, label)
    return _validate(raw, source, [*recorded, *sets])
