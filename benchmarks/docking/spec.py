"""Parameters of the reduced model, copied from docs/reduced-model.md (section 2).

Shared by the two independent implementations (mesa_model.py, reference.py). Nothing here
reads the engine: the values are the specification's.
"""

from __future__ import annotations

import math

PARAMS: dict[str, float] = {
    "w0": 182_700.0,            # status wage
    "f_s": 0.828,               # sector wage factor (manufacturing)
    "h": 45_650.0,              # home wage
    "F": 688_143.0,             # recruitment fee
    "unemp": 0.021,
    "pool_target": 1_500_000.0,
    "living_cost_jpy": 70_000.0,
    "repayment_share": 0.5,
    "debt_interest_monthly": 0.01,
    "remittance_share": 0.7,
    "skill_wage_return": 0.3,
    "irregular_wage_factor": 0.75,
    "learning_rate": 0.02,
    "decision_horizon_months": 36,
    "discount_monthly": 0.99,
    "choice_scale": 1.0,
    "theta_home": 0.5,
    "nu_option": 0.5,
    "gamma_debt": 0.0,
    "gamma_detect": 20.0,
    "irregular_constant": -3.0,
    "detection_rate": 1.0,
    "return_hazard_base": 0.005,
    "return_hazard_early_factor": 2.0,
    "target_earner_share": 0.3,
    "savings_target_months": 12.0,
    "experience_premium_annual": 0.022,
    "min_stay_for_premium_months": 12,
    "returnee_job_finding_12m": 0.75,
    "home_fallback_income_share": 0.3,
    "remigration_base": 0.01,
    "theta_employed": 1.0,
    "beta_gain": 1.0,
    "application_rate": 0.01,
    "recruitment_lag_months": 8,
    "vacancy_fill_months": 1,
    "pool_refresh_rate": 0.008,
    "abscond_base": 0.0001,
    "abscond_abuse": 0.5,
    "abscond_option": 3.0,
    "abusive_employer_share": 0.05,
    "mortality_annual": 0.0005,
    "retirement_age_years": 65,
    "entry_age_mean_years": 25.0,
    "permit_months": 12,
    "max_stay_months": 36,
    "cooldown_months": 6,
    "ban_months": 600,
}

# Flows and stocks every implementation records, month by month.
FLOWS = ("entry", "reentry", "return", "abscond", "overstay", "removal", "death", "age_out", "job_found_home")
STOCKS = ("worker", "irregular", "returned")


def derived(p: dict[str, float]) -> dict[str, float]:
    """Constants of section 2 computed from the parameters."""
    f12 = min(max(p["returnee_job_finding_12m"] * (1.0 - 2.0 * (p["unemp"] - 0.04)), 0.02), 0.99)
    ratio = max(p["w0"] - p["living_cost_jpy"], 1.0) / p["h"]
    lag = max(1, int(round(p["recruitment_lag_months"])))
    return {
        "f12": f12,
        "p_find": 1.0 - (1.0 - f12) ** (1.0 / 12.0),
        "attract": ratio ** p["beta_gain"],
        "gain": ratio ** p["beta_gain"] / 3.0 ** p["beta_gain"],
        "lag": lag,
        "lag_re": max(1, lag // 3),
        "abscond": p["abscond_base"] * math.exp(-p["abscond_option"]),
    }


def annuity(delta: float, n: float) -> float:
    return 0.0 if n <= 0 else (1.0 - delta ** n) / (1.0 - delta)


def with_perturbation(perturb: dict[str, float] | None) -> dict[str, float]:
    """The parameters with some multiplied by factors ({name: factor})."""
    p = dict(PARAMS)
    for name, factor in (perturb or {}).items():
        if name not in p:
            raise KeyError(f"unknown reduced-model parameter {name!r}")
        p[name] = p[name] * factor
    return p
