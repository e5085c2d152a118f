"""Compiled per-person passes of one month (the hot path).

Two passes per month, each a loop over the population in compiled code:

* :func:`host_month` — people in the host: work and income, skills, job change,
  absconding, expiry decisions and upgrades, early return, family, the non-programme
  statuses' exits and transitions, enforcement (DESIGN.md steps 3-8).
* :func:`home_month` — people at origin: reintegration (bilateral channel, then the
  general returnee job search), re-migration decisions, ageing (steps 9-11).

Cross-person quantities (vacancies, cap room, matching capacity) are computed between
passes from group totals. Every random draw is a counter-based uniform fixed by
(seed, person, month, slot), so results do not depend on visiting order or threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from coexist.policy.rules import (
    JOB_AFTER,
    JOB_FREE,
    JOB_WITHIN,
    KIND_PROGRAMME,
    NO_LIMIT,
    best_transition,
    job_change_allowed,
    pass_probability,
    reentry_cooldown,
    remaining as _remaining,
    way_back,
)
from coexist.engine.rng import (  # noqa: F401  (slot constants are set from rng.SLOT)
    SLOT_ABSCOND, SLOT_CHOICE, SLOT_DEATH, SLOT_DEPART, SLOT_DETECT, SLOT_EARLY_RETURN, SLOT_EXIT, SLOT_FAMILY, SLOT_HOME_JOB, SLOT_JOB_CHANGE, SLOT_LANGUAGE, SLOT_REMIGRATE, SLOT_TEST, SLOT_TRANSITION,
    uniform,
)

__all__ = ["host_month", "home_month", "FLOW_TYPES", "MEASURE_NAMES", "PARAM_NAMES"]

FLOW_TYPES = (
    "entry",
    "reentry",
    "return",
    "job_change",
    "abscond",
    "overstay",
    "removal",
    "voluntary_departure",
    "upgrade",
    "placement_home",
    "job_found_home",
    "cohort_in",
    "age_out",
    "death",
    "exit",
)
F_ENTRY, F_REENTRY, F_RETURN, F_JOB, F_ABSCOND, F_OVERSTAY, F_REMOVAL, F_DEPART, F_UPGRADE = range(9)
F_PLACEMENT, F_JOBHOME, F_COHORT, F_AGEOUT, F_DEATH, F_EXIT = range(9, 15)

MEASURE_NAMES = (
    "earnings",
    "home_wage_counterfactual",
    "remittances",
    "debt",
    "workers_in_host",
    "regular_months",
    "mobility_months",
    "family_in_host",
    "skill_sum_host",
    "experienced_workers",
    "skill_years_home",
    "returnees_reaching_12m",
    "returnees_employed_12m",
    "placements_home",
)
(M_EARN, M_HOMECF, M_REMIT, M_DEBT, M_WORKERS, M_REGULAR, M_MOBILITY, M_FAMILY, M_SKILL, M_EXPERIENCED,
 M_SKILLHOME, M_REACH12, M_EMP12, M_PLACED) = range(14)

# Behavioural parameters read by the kernels, by position in the vector P.
PARAM_NAMES = (
    "living_cost_jpy",
    "repayment_share",
    "debt_interest_monthly",
    "remittance_share",
    "skill_wage_return",
    "irregular_wage_factor",
    "learning_rate",
    "test_slope",
    "test_threshold_ssw1",
    "test_threshold_ssw2",
    "language_rate",
    "job_change_base",
    "job_change_abuse",
    "job_change_gap",
    "abscond_base",
    "abscond_abuse",
    "abscond_tie",
    "abscond_debt",
    "abscond_gap",
    "abscond_option",
    "irregular_departure_rate",
    "decision_horizon_months",
    "discount_monthly",
    "choice_scale",
    "theta_home",
    "theta_family",
    "nu_option",
    "gamma_debt",
    "gamma_detect",
    "irregular_constant",
    "return_hazard_base",
    "return_hazard_early_factor",
    "savings_target_months",
    "experience_premium_annual",
    "match_premium_annual",
    "min_stay_for_premium_months",
    "returnee_job_finding_12m",
    "remigration_base",
    "theta_employed",
    "family_formation_rate",
    "family_remittance_cut",
    "retirement_age_years",
    "mortality_annual",
    "beta_gain",
    "home_fallback_income_share",
)
(P_LIVING, P_REPAY, P_INTEREST, P_REMIT, P_RSKILL, P_IRRWAGE, P_LEARN, P_TSLOPE, P_THR1, P_THR2, P_LANG,
 P_J0, P_JABUSE, P_JGAP, P_A0, P_AABUSE, P_ATIE, P_ADEBT, P_AGAP, P_AOPTION, P_VIRR, P_HORIZON, P_DISCOUNT,
 P_CSCALE, P_THOME, P_TFAMILY, P_NU, P_GDEBT, P_GDETECT, P_IRRCONST, P_R0, P_REARLY, P_TARGET, P_REXP,
 P_RMATCH, P_MINSTAY, P_F12, P_G0, P_TEMPLOYED, P_F0, P_FAMCUT, P_RETIRE, P_MORT, P_BGAIN,
 P_FALLBACK) = range(45)



GOMPERTZ_SLOPE = 0.09  # yearly rise of adult mortality (log scale), a standard demographic regularity


@njit(inline="always", cache=True)
def _monthly_death(P, age_months):
    """Gompertz hazard: mortality_annual at age 40, rising 9% a year of age."""
    return P[P_MORT] * math.exp(GOMPERTZ_SLOPE * (age_months / 12.0 - 40.0)) / 12.0


@njit(inline="always", cache=True)
def _annuity(delta, months):
    """Present value of 1 a month for `months` months."""
    if months <= 0:
        return 0.0
    return (1.0 - delta ** months) / (1.0 - delta)


@njit(inline="always", cache=True)
def _pass_probability(skill, level, P):
    return pass_probability(skill, level, P[P_TSLOPE], P[P_THR1], P[P_THR2])


@njit(inline="always", cache=True)
def _way_back(R, status, status_total, months_completed, cert, skill, P):
    return way_back(R, status, status_total, months_completed, cert, skill, P[P_TSLOPE], P[P_THR1], P[P_THR2])


@njit(cache=True)
def _home_income(P, home_wage, months_abroad, cert, recognition, matching, f12):
    """Expected monthly income at home for a returnee (MODEL.md, decisions at expiry)."""
    years = min(months_abroad / 12.0, 5.0)
    premium = 1.0
    if months_abroad >= P[P_MINSTAY]:
        premium += P[P_REXP] * years
        if cert > 0:
            premium += P[P_RMATCH] * years * recognition
    p_job = matching + (1.0 - matching) * f12
    return home_wage * premium * (p_job + (1.0 - p_job) * P[P_FALLBACK])


@njit(cache=True)
def host_month(n, S, R, P, month, seed, emp_premium, emp_abusive, sector_factor, home_wage, f12,
               cap_open, flows, measures, abroad):
    """One month in the host for every person there (steps 3-8)."""
    irregular = R.irregular
    returned = R.returned
    horizon = P[P_HORIZON]
    delta = P[P_DISCOUNT]
    annuity = _annuity(delta, horizon)
    cs = P[P_CSCALE]
    n_tr = R.tr_from.shape[0]
    for i in range(n):
        st = S.status[i]
        if st <= 0 or st == returned:
            continue
        o = S.origin[i]
        sec = S.sector[i]
        # ageing and mortality (step 11 for people in the host)
        S.age[i] += 1
        if S.age[i] >= P[P_RETIRE] * 12.0:
            flows[F_AGEOUT, st, abroad, o, sec] += 1.0
            _leave_model(S, i)
            continue
        if uniform(seed, i, month, SLOT_DEATH) < _monthly_death(P, S.age[i]):
            flows[F_DEATH, st, abroad, o, sec] += 1.0
            _leave_model(S, i)
            continue
        S.months_in_status[i] += 1
        S.months_in_stay[i] += 1
        S.months_abroad[i] += 1
        if st != irregular:
            S.status_total[i] += 1

        # step 3: work and income
        if st == irregular:
            base = R.wage[S.prev_status[i]] if S.prev_status[i] > 0 else R.wage[1]
            wage = base * sector_factor[sec] * P[P_IRRWAGE]
            premium = 1.0
            abusive = 0
        else:
            e = S.employer[i]
            premium = emp_premium[e] if e >= 0 else 1.0
            abusive = emp_abusive[e] if e >= 0 else 0
            wage = R.wage[st] * sector_factor[sec] * premium * (1.0 + P[P_RSKILL] * S.skill[i])
        net = max(wage - P[P_LIVING], 0.1 * wage)
        repay = min(S.debt[i], P[P_REPAY] * net)
        S.debt[i] = max(S.debt[i] * (1.0 + P[P_INTEREST]) - repay, 0.0)
        remit = P[P_REMIT] * (net - repay) * (1.0 - P[P_FAMCUT] * S.family[i])
        S.savings[i] += net - repay - remit
        measures[o, M_EARN] += wage
        measures[o, M_REMIT] += remit
        measures[o, M_HOMECF] += home_wage[o]

        # step 4: skills, tests, language
        programme = st != irregular and R.kind[st] == KIND_PROGRAMME
        if programme or st == irregular:
            S.skill[i] += P[P_LEARN] * (1.0 - S.skill[i])
        if programme and S.cert[i] < 2 and S.months_in_status[i] % 12 == 0:
            if uniform(seed, i, month, SLOT_TEST) < _pass_probability(S.skill[i], S.cert[i] + 1, P):
                S.cert[i] += 1
        if S.language[i] < 3 and uniform(seed, i, month, SLOT_LANGUAGE) < P[P_LANG]:
            S.language[i] += 1

        # step 5: job change where allowed; absconding otherwise pushed by abuse, debt, ties
        if programme:
            allowed = job_change_allowed(R, st, S.months_in_status[i])
            if allowed:
                hazard = P[P_J0] * (1.0 + P[P_JABUSE] * abusive + P[P_JGAP] * max(0.0, 1.0 - premium) * 10.0)
                if uniform(seed, i, month, SLOT_JOB_CHANGE) < hazard:
                    flows[F_JOB, st, st, o, sec] += 1.0
                    S.employer[i] = -2  # assigned a new employer after this pass
            option, _ = _way_back(R, st, S.status_total[i], S.months_in_status[i], S.cert[i], S.skill[i], P)
            gap = max(0.0, -math.log(premium))
            rate = P[P_A0] * math.exp(
                P[P_AABUSE] * abusive
                + P[P_ATIE] * (0.0 if allowed else 1.0)
                + P[P_ADEBT] * S.debt[i] / wage
                + P[P_AGAP] * gap
                - P[P_AOPTION] * option
            )
            if uniform(seed, i, month, SLOT_ABSCOND) < rate:
                flows[F_ABSCOND, st, irregular, o, sec] += 1.0
                S.prev_status[i] = st
                S.status[i] = irregular
                S.overstay[i] = 0
                S.months_in_status[i] = 0
                S.employer[i] = -1
                st = irregular
                programme = False

        if programme:
            # steps 6-7: expiry or renewal point: renew/upgrade, return, or go irregular
            left = _remaining(R, st, S.months_in_status[i], S.status_total[i])
            at_renewal = R.renewable[st] and S.months_in_status[i] % R.permit[st] == 0
            decided = False
            if left <= 0 or at_renewal:
                stay_to = -1
                stay_wage = 0.0
                if left > 0 and R.renewable[st]:
                    stay_to = st
                    stay_wage = R.wage[st]
                abroad_months = S.months_abroad[i] if R.cumulative else S.months_in_stay[i]
                target = best_transition(R, st, sec, S.months_in_status[i], abroad_months, S.cert[i], S.language[i], cap_open)
                if target >= 0 and R.wage[target] > stay_wage:
                    stay_to = target
                    stay_wage = R.wage[target]
                ret_p, _ = _way_back(R, st, S.status_total[i], S.months_in_status[i], S.cert[i], S.skill[i], P)
                w_ref = wage
                e_home = _home_income(P, home_wage[o], S.months_abroad[i], S.cert[i], R.recognition, R.matching, f12[o])
                u_return = cs * math.log(annuity * e_home) + P[P_THOME] + P[P_NU] * ret_p
                irr_net = max(w_ref * P[P_IRRWAGE] - P[P_LIVING], 0.1 * w_ref)
                u_irr = (cs * math.log(annuity * irr_net) + P[P_GDEBT] * S.debt[i] / w_ref
                         - P[P_GDETECT] * R.detection * 12.0 + P[P_IRRCONST])
                u_stay = -1e300
                if stay_to >= 0:
                    stay_gross = stay_wage * sector_factor[sec] * premium * (1.0 + P[P_RSKILL] * S.skill[i])
                    stay_net = max(stay_gross - P[P_LIVING], 0.1 * stay_gross)
                    stay_p, _ = _way_back(R, stay_to, 0, 0, S.cert[i], S.skill[i], P)
                    # host income for the months the new permit allows within the horizon, home income after
                    allowed = horizon
                    if stay_to == st:
                        allowed = min(horizon, _remaining(R, st, S.months_in_status[i], S.status_total[i]))
                    else:
                        allowed = min(horizon, _remaining(R, stay_to, 0, 0))
                    pv_stay = _annuity(delta, allowed) * stay_net + delta ** allowed * _annuity(delta, horizon - allowed) * e_home
                    u_stay = cs * math.log(pv_stay) + P[P_TFAMILY] * S.family[i] + P[P_NU] * stay_p
                top = max(u_return, u_irr, u_stay)
                w_return = math.exp(u_return - top)
                w_irr = math.exp(u_irr - top)
                w_stay = math.exp(u_stay - top) if stay_to >= 0 else 0.0
                draw = uniform(seed, i, month, SLOT_CHOICE) * (w_return + w_irr + w_stay)
                if draw < w_stay:
                    if stay_to != st:
                        flows[F_UPGRADE, st, stay_to, o, sec] += 1.0
                        S.prev_status[i] = st
                        S.status[i] = stay_to
                        S.months_in_status[i] = 0
                        S.status_total[i] = 0
                    decided = True
                elif draw < w_stay + w_irr:
                    flows[F_OVERSTAY, st, irregular, o, sec] += 1.0
                    S.prev_status[i] = st
                    S.status[i] = irregular
                    S.overstay[i] = 1
                    S.months_in_status[i] = 0
                    S.employer[i] = -1
                    st = irregular
                    decided = True
                else:
                    _send_home(S, i, st, returned, flows, measures, o, sec)
                    continue
            # early voluntary return, stronger in the first year and for target earners
            if not decided:
                hazard = P[P_R0]
                if S.months_in_status[i] <= 12:
                    hazard *= P[P_REARLY]
                if S.family[i] > 0:
                    hazard *= 0.5
                if S.target_earner[i] > 0 and S.savings[i] >= P[P_TARGET] * wage:
                    hazard = max(hazard, 0.08)
                if uniform(seed, i, month, SLOT_EARLY_RETURN) < hazard:
                    _send_home(S, i, st, returned, flows, measures, o, sec)
                    continue
        elif st != irregular:
            # non-programme statuses: exits and hazard-driven transitions
            if uniform(seed, i, month, SLOT_EXIT) < R.exit_rate[st]:
                flows[F_EXIT, st, abroad, o, sec] += 1.0
                _leave_model(S, i)
                continue
            for k in range(n_tr):
                if R.tr_from[k] != st or not R.tr_open[k] or R.tr_hazard[k] <= 0.0:
                    continue
                if S.months_in_status[i] < R.tr_min_months[k] or S.months_abroad[i] < R.tr_min_abroad[k]:
                    continue
                if uniform(seed, i, month, SLOT_TRANSITION + 64 * (k + 1)) < R.tr_hazard[k]:
                    target = R.tr_to[k]
                    flows[F_UPGRADE, st, target, o, sec] += 1.0
                    S.prev_status[i] = st
                    S.status[i] = target
                    S.months_in_status[i] = 0
                    S.status_total[i] = 0
                    st = target
                    break

        # step 8: enforcement and voluntary departure of irregular workers
        if st == irregular:
            if S.months_in_status[i] > 0 and uniform(seed, i, month, SLOT_DETECT) < R.detection:
                flows[F_REMOVAL, irregular, returned, o, sec] += 1.0
                _arrive_home(S, i, returned, measures, o)
                S.ban_until[i] = month + R.ban
                S.forfeited[i] = 1
                continue
            if S.months_in_status[i] > 0 and uniform(seed, i, month, SLOT_DEPART) < P[P_VIRR]:
                flows[F_DEPART, irregular, returned, o, sec] += 1.0
                _arrive_home(S, i, returned, measures, o)
                S.ban_until[i] = month + 12
                S.forfeited[i] = 1
                continue

        # family formation where the status allows it
        st = S.status[i]
        if st != irregular and R.family_allowed[st] and S.family[i] == 0:
            if uniform(seed, i, month, SLOT_FAMILY) < P[P_F0]:
                S.family[i] = 1

        # month-end measures of people still in the host
        measures[o, M_DEBT] += S.debt[i]
        measures[o, M_WORKERS] += 1.0
        measures[o, M_SKILL] += S.skill[i]
        if S.months_abroad[i] >= 36:
            measures[o, M_EXPERIENCED] += 1.0
        if st != irregular:
            measures[o, M_REGULAR] += 1.0
            if S.family[i] > 0:
                measures[o, M_FAMILY] += 1.0
            if job_change_allowed(R, st, S.months_in_status[i]):
                measures[o, M_MOBILITY] += 1.0


@njit(cache=True)
def _leave_model(S, i):
    S.status[i] = -1
    S.applying[i] = 0


@njit(cache=True)
def _arrive_home(S, i, returned, measures, o):
    # skill carried home from this stay; savings come home with the person
    measures[o, M_SKILLHOME] += S.skill[i] * S.months_in_stay[i] / 12.0
    S.status[i] = returned
    S.months_home[i] = 0
    S.employed_home[i] = 0
    S.applying[i] = 0
    S.savings[i] = 0.0


@njit(cache=True)
def _send_home(S, i, st, returned, flows, measures, o, sec):
    flows[F_RETURN, st, returned, o, sec] += 1.0
    S.prev_status[i] = st
    _arrive_home(S, i, returned, measures, o)


@njit(cache=True)
def home_month(n, S, R, P, month, seed, place_prob, f12, remigration_gain, flows, measures, abroad):
    """One month at origin for every returnee (steps 9-11)."""
    returned = R.returned
    monthly_find = 1.0 - (1.0 - f12) ** (1.0 / 12.0)
    for i in range(n):
        if S.status[i] != returned:
            continue
        o = S.origin[i]
        sec = S.sector[i]
        if S.months_home[i] > 0:
            S.age[i] += 1
            if S.age[i] >= P[P_RETIRE] * 12.0:
                flows[F_AGEOUT, returned, abroad, o, sec] += 1.0
                _leave_model(S, i)
                continue
            if uniform(seed, i, month, SLOT_DEATH) < _monthly_death(P, S.age[i]):
                flows[F_DEATH, returned, abroad, o, sec] += 1.0
                _leave_model(S, i)
                continue
        # step 9: reintegration, the bilateral channel first (ranked by certified skill)
        if S.employed_home[i] == 0:
            if S.months_home[i] == 0:
                if uniform(seed, i, month, SLOT_HOME_JOB) < place_prob[o, S.cert[i]]:
                    S.employed_home[i] = 2
                    flows[F_PLACEMENT, returned, returned, o, sec] += 1.0
                    measures[o, M_PLACED] += 1.0
            else:
                hazard = monthly_find[o]
                if S.months_home[i] <= R.support:
                    hazard = min(1.0, hazard * 2.0)
                if uniform(seed, i, month, SLOT_HOME_JOB) < hazard:
                    S.employed_home[i] = 1
                    flows[F_JOBHOME, returned, returned, o, sec] += 1.0
        S.months_home[i] += 1
        if S.months_home[i] == 12 and S.prev_status[i] > 0 and R.kind[S.prev_status[i]] == KIND_PROGRAMME:
            measures[o, M_REACH12] += 1.0
            if S.employed_home[i] > 0:
                measures[o, M_EMP12] += 1.0
        # step 10: re-migration after the cooldown, through a legal way back
        if S.applying[i] != 0 or S.prev_status[i] <= 0 or month < S.ban_until[i]:
            continue
        prev = S.prev_status[i]
        if R.kind[prev] != KIND_PROGRAMME:
            continue
        if S.forfeited[i] > 0:
            # after an irregular stay only a fresh entry is possible, once the ban is over
            p_back, target = (1.0, prev) if R.admits[prev] else (0.0, -1)
            cooldown = 0
        else:
            p_back, target = _way_back(R, prev, S.status_total[i], S.months_in_status[i], S.cert[i], S.skill[i], P)
            cooldown = reentry_cooldown(R, prev, target) if target >= 0 else 0
        if target < 0 or p_back <= 0.0:
            continue
        if S.months_home[i] < max(cooldown, 1):
            continue
        hazard = P[P_G0] * remigration_gain[o] * math.exp(-P[P_TEMPLOYED] * (S.employed_home[i] > 0))
        if uniform(seed, i, month, SLOT_REMIGRATE) < hazard * p_back:
            S.applying[i] = 1
            S.apply_status[i] = target
