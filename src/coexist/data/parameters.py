"""Behavioural parameters read from ``parameters.toml``, validated on load."""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass
from importlib import resources

from coexist.data import calibrated
from coexist.errors import DataError

__all__ = ["Parameter", "PARAMETER_NAMES", "parameters", "parameters_markdown"]

#: Every parameter the engine reads, by group, in documentation order.
PARAMETER_NAMES: dict[str, tuple[str, ...]] = {
    "recruitment": (
        "application_rate", "beta_gain", "beta_network", "beta_fee", "recruitment_lag_months", "vacancy_fill_months",
        "pool_refresh_rate",
    ),
    "income": (
        "living_cost_jpy", "repayment_share", "debt_interest_monthly", "remittance_share", "skill_wage_return",
        "irregular_wage_factor",
    ),
    "skills": ("learning_rate", "test_slope", "test_threshold_ssw1", "test_threshold_ssw2", "language_rate"),
    "mobility": (
        "abusive_employer_share", "job_change_base", "job_change_abuse", "job_change_gap", "abscond_base",
        "abscond_abuse", "abscond_tie", "abscond_debt", "abscond_gap", "abscond_option", "abscond_home",
        "irregular_departure_rate", "irregular_departure_home",
    ),
    "choice": (
        "decision_horizon_months", "discount_monthly", "choice_scale", "theta_home", "theta_family", "nu_option",
        "gamma_debt", "gamma_detect", "irregular_constant",
    ),
    "return": (
        "return_hazard_base", "return_hazard_early_factor", "return_home", "target_earner_share",
        "savings_target_months",
    ),
    "home": (
        "experience_premium_annual", "match_premium_annual", "min_stay_for_premium_months",
        "returnee_job_finding_12m", "home_fallback_income_share", "remigration_base", "theta_employed",
        "remigration_home", "recognised_finding_boost", "recall_acceptance",
    ),
    "family": ("family_formation_rate", "family_remittance_cut"),
    "other_statuses": (
        "exit_rate_professional", "exit_rate_student", "exit_rate_status_based", "exit_rate_designated",
        "student_to_professional_rate",
    ),
    "demography": ("retirement_age_years", "mortality_annual", "entry_age_mean_years"),
}

_FILE = "parameters.toml"


@dataclass(frozen=True)
class Parameter:
    """One behavioural parameter with its default, range and provenance.

    Attributes
    ----------
    name : str
        Name the engine and scenarios use (unique across groups).
    default, low, high : float
        Default value and plausible range, ``low <= default <= high``.
    unit : str
        Unit; monthly rates are per month.
    group : str
        Model block (recruitment, income, skills, ...).
    source : str
        URL of the evidence, or ``"assumption"``.
    identification : str
        ``"prior only"`` or ``"target: <series>"``: the official series that
        could identify it in calibration.
    description : str
        One line.
    """

    name: str
    default: float
    low: float
    high: float
    unit: str
    group: str
    source: str
    identification: str
    description: str


_TEXT_KEYS = ("unit", "source", "identification", "description")
_NUM_KEYS = ("default", "low", "high")


def _parse(text: str, origin: str) -> dict[str, Parameter]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{origin}: not valid TOML ({exc}).") from None
    unknown_groups = sorted(set(doc) - set(PARAMETER_NAMES))
    if unknown_groups:
        raise DataError(
            f"{origin}: unknown parameter group(s) {unknown_groups}; groups must be one of "
            f"{', '.join(PARAMETER_NAMES)}."
        )
    out: dict[str, Parameter] = {}
    for group, names in PARAMETER_NAMES.items():
        table = doc.get(group, {})
        unknown = sorted(set(table) - set(names))
        if unknown:
            raise DataError(
                f"{origin}: unknown parameter(s) {unknown} in group '{group}'. Allowed: {', '.join(names)}."
            )
        for name in names:
            if name not in table:
                raise DataError(f"{origin}: parameter '{group}.{name}' is missing.")
            entry = table[name]
            keys = set(entry)
            allowed = set(_TEXT_KEYS) | set(_NUM_KEYS)
            if keys != allowed:
                extra, missing = sorted(keys - allowed), sorted(allowed - keys)
                raise DataError(
                    f"{origin}: '{group}.{name}' must have exactly the keys {sorted(allowed)}. "
                    f"Unknown: {extra}; missing: {missing}."
                )
            for key in _NUM_KEYS:
                value = entry[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise DataError(f"{origin}: '{group}.{name}.{key}' must be a finite number. Got {value!r}.")
            for key in _TEXT_KEYS:
                if not isinstance(entry[key], str) or not entry[key].strip():
                    raise DataError(f"{origin}: '{group}.{name}.{key}' must be a non-empty string. Got {entry[key]!r}.")
            low, default, high = (float(entry[k]) for k in ("low", "default", "high"))
            if not low <= default <= high:
                raise DataError(
                    f"{origin}: '{group}.{name}' must satisfy low <= default <= high. "
                    f"Got low={low:g}, default={default:g}, high={high:g}."
                )
            ident = entry["identification"]
            if ident != "prior only" and not (ident.startswith("target: ") and len(ident) > len("target: ")):
                raise DataError(
                    f"{origin}: '{group}.{name}.identification' must be 'prior only' or 'target: <series>'. "
                    f"Got {ident!r}."
                )
            src = entry["source"]
            if src != "assumption" and not src.startswith(("http://", "https://")):
                raise DataError(f"{origin}: '{group}.{name}.source' must be a URL or 'assumption'. Got {src!r}.")
            out[name] = Parameter(
                name=name,
                default=default,
                low=low,
                high=high,
                unit=entry["unit"],
                group=group,
                source=src,
                identification=ident,
                description=entry["description"].strip(),
            )
    return out


@functools.cache
def parameters() -> dict[str, Parameter]:
    """The behavioural parameters shipped in ``coexist/data/parameters.toml``.

    Returns
    -------
    dict of str to Parameter
        Keyed by name, in documentation order (groups as in
        :data:`PARAMETER_NAMES`).

    Raises
    ------
    DataError
        On an unknown group, parameter or key, a missing one, a non-numeric
        value, ``low <= default <= high`` broken, or a malformed source or
        identification label.

    Examples
    --------
    >>> p = parameters()["abscond_base"]
    >>> p.low <= p.default <= p.high
    True
    """
    text = (resources.files("coexist.data") / _FILE).read_text(encoding="utf-8")
    return _parse(text, _FILE)


def _fmt(x: float) -> str:
    return f"{x:g}"


def parameters_markdown() -> str:
    """The parameter table of ``docs/parameters.md``, generated from :func:`parameters`.

    Returns
    -------
    str
        Markdown; ``docs/parameters.md`` must equal it (a test checks).
    """
    lines = [
        "# Behavioural parameters",
        "",
        "<!-- Generated by coexist.data.parameters_markdown() from src/coexist/data/parameters.toml; do not edit. -->",
        "",
        "Defaults, plausible ranges and provenance of every behavioural parameter. Monthly rates are per month.",
        "`source` is the evidence behind the default and range (URL) or `assumption`; `identification` names the",
        "official series that could identify the parameter in calibration, or says `prior only` when nothing in",
        "the 2012-2024 Japan record varies it (results that depend on those carry their full range).",
        "",
    ]
    fitted = ", ".join(f"`{name}`" for name in calibrated.calibrated_behaviour())
    lines[-1:-1] = [
        'The shipped Japan scenarios (`behaviour_defaults = "calibrated-japan"`) replace the defaults of the',
        f"parameters the shipped calibration fitted ({fitted}) with its best values; docs/calibration.md gives",
        "them, their posterior and their provenance.",
    ]
    params = parameters()
    for group, names in PARAMETER_NAMES.items():
        lines += [
            f"## {group}",
            "",
            "| name | default | range | unit | source | identification | description |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name in names:
            p = params[name]
            src = p.source if p.source == "assumption" else f"<{p.source}>"
            lines.append(
                f"| `{p.name}` | {_fmt(p.default)} | {_fmt(p.low)} - {_fmt(p.high)} | {p.unit} | {src} | "
                f"{p.identification} | {p.description} |"
            )
        lines.append("")
    return "\n".join(lines)
