"""Compiled per-person passes of one month (the hot path).

Two passes per month, each a loop over the population in compiled code:

* :func:`host_month` — people in the host: work and income, skills, job change,
  absconding, expiry decisions and upgrades, early return, family, the non-programme
  statuses' exits and transitions, enforcement (DESIGN.md steps 3-8).
* :func:`home_month` — people at origin: reintegration (bilateral channel, then the
  general returnee job search), re-migration decisions, ageing (steps 9-11).

Cross-person quantities (vacancies, cap room, matching capacity) are computed between
passes from group totals. Each pass skips the blocks of 4,096 rows that hold nobody it
works on: `host_blocks` and `home_blocks` flag the blocks that may hold people in the host
and at origin. The host pass sets the exact home flags of the blocks it visits, the home
pass the exact host flags of its own; the engine raises a block's host flag when it puts
someone there (arrivals, new people) and raises every flag after a compaction. Every random
draw is a counter-based uniform fixed by (seed, person, month, slot), so results do not
depend on visiting order or threads.

The passes run over fixed chunks of the population in parallel. Flow counts are whole
numbers, added per thread (any order gives the same sum); money and skill measures are
added per chunk and summed in chunk order. Totals are therefore the same bit for bit
whatever the number of threads.
"""

from __future__ import annotations

import math
import sys
from typing import NamedTuple

import numpy as np
from numba import get_thread_id, njit, prange

from coexist.engine.rng import (  # noqa: F401  (slot constants are set from rng.SLOT)
    SLOT_ABSCOND,
    SLOT_CHOICE,
    SLOT_DEPART,
    SLOT_DETECT,
    SLOT_EARLY_RETURN,
    SLOT_EXIT,
    SLOT_FAMILY,
    SLOT_HOME_JOB,
    SLOT_JOB_CHANGE,
    SLOT_LANGUAGE,
    SLOT_RECOGNISE,
    SLOT_REMIGRATE,
    SLOT_ROUTE,
    SLOT_SEARCH,
    SLOT_TEST,
    SLOT_TRANSITION,
    draw,
    draw_from_key,
    month_key,
    person_key,
)
from coexist.engine.state import GONE
from coexist.policy.rules import (
    KIND_PROGRAMME,
    best_transition,
    family_may_live_in_host,
    job_change_allowed_held,
    pass_probability,
    reentry_cooldown,
    remaining,
    remaining_held,
    way_back,
)

__all__ = [
    "host_month", "home_month", "Employers", "MonthInputs", "Tallies", "census", "applicants", "queue_rows",
    "job_changers", "pick_employers", "FLOW_TYPES", "MEASURE_NAMES", "PARAM_NAMES", "N_CHUNKS",
]

N_CHUNKS = 64  # fixed work units of a pass; results do not depend on the thread count
# A chunk is every 64th block of people, so that each thread gets its share of the people
# in the host and of those at origin (compaction groups them), whatever the thread count.
BLOCK = 4096
# Chunk c starts at block FIRST_BLOCK[c] (6-bit reversal of c): the threads take equal
# runs of chunks, so neighbouring blocks go to different threads even when the people a
# pass works on fill fewer than 64 blocks (small runs).
FIRST_BLOCK = np.array([int(f"{c:06b}"[::-1], 2) for c in range(N_CHUNKS)], dtype=np.int64)


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
# Indices are looked up from the names, never counted by hand: a reordered or renamed
# name moves its index with it (or fails here). Compiled code reads them as constants.
FLOW_INDEX = {name: k for k, name in enumerate(FLOW_TYPES)}
F_ENTRY = FLOW_INDEX["entry"]
F_REENTRY = FLOW_INDEX["reentry"]
F_RETURN = FLOW_INDEX["return"]
F_JOB = FLOW_INDEX["job_change"]
F_ABSCOND = FLOW_INDEX["abscond"]
F_OVERSTAY = FLOW_INDEX["overstay"]
F_REMOVAL = FLOW_INDEX["removal"]
F_DEPART = FLOW_INDEX["voluntary_departure"]
F_UPGRADE = FLOW_INDEX["upgrade"]
F_PLACEMENT = FLOW_INDEX["placement_home"]
F_JOBHOME = FLOW_INDEX["job_found_home"]
F_COHORT = FLOW_INDEX["cohort_in"]
F_AGEOUT = FLOW_INDEX["age_out"]
F_DEATH = FLOW_INDEX["death"]
F_EXIT = FLOW_INDEX["exit"]

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
    "returnee_home_income",
    "returnee_home_wage",
    "returnee_skill",
    "returnee_skill_in_use",
)
MEASURE_INDEX = {name: k for k, name in enumerate(MEASURE_NAMES)}
M_EARN = MEASURE_INDEX["earnings"]
M_HOMECF = MEASURE_INDEX["home_wage_counterfactual"]
M_REMIT = MEASURE_INDEX["remittances"]
M_DEBT = MEASURE_INDEX["debt"]
M_WORKERS = MEASURE_INDEX["workers_in_host"]
M_REGULAR = MEASURE_INDEX["regular_months"]
M_MOBILITY = MEASURE_INDEX["mobility_months"]
M_FAMILY = MEASURE_INDEX["family_in_host"]
M_SKILL = MEASURE_INDEX["skill_sum_host"]
M_EXPERIENCED = MEASURE_INDEX["experienced_workers"]
M_SKILLHOME = MEASURE_INDEX["skill_years_home"]
M_REACH12 = MEASURE_INDEX["returnees_reaching_12m"]
M_EMP12 = MEASURE_INDEX["returnees_employed_12m"]
M_PLACED = MEASURE_INDEX["placements_home"]
M_HOMEINCOME = MEASURE_INDEX["returnee_home_income"]
M_HOMEWAGE = MEASURE_INDEX["returnee_home_wage"]
M_RSKILL = MEASURE_INDEX["returnee_skill"]
M_SKILLUSED = MEASURE_INDEX["returnee_skill_in_use"]

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
    "abscond_home",
    "return_home",
    "irregular_departure_home",
    "remigration_home",
    "recognised_finding_boost",
)
PARAM_INDEX = {name: k for k, name in enumerate(PARAM_NAMES)}
P_LIVING = PARAM_INDEX["living_cost_jpy"]
P_REPAY = PARAM_INDEX["repayment_share"]
P_INTEREST = PARAM_INDEX["debt_interest_monthly"]
P_REMIT = PARAM_INDEX["remittance_share"]
P_RSKILL = PARAM_INDEX["skill_wage_return"]
P_IRRWAGE = PARAM_INDEX["irregular_wage_factor"]
P_LEARN = PARAM_INDEX["learning_rate"]
P_TSLOPE = PARAM_INDEX["test_slope"]
P_THR1 = PARAM_INDEX["test_threshold_ssw1"]
P_THR2 = PARAM_INDEX["test_threshold_ssw2"]
P_LANG = PARAM_INDEX["language_rate"]
P_J0 = PARAM_INDEX["job_change_base"]
P_JABUSE = PARAM_INDEX["job_change_abuse"]
P_JGAP = PARAM_INDEX["job_change_gap"]
P_A0 = PARAM_INDEX["abscond_base"]
P_AABUSE = PARAM_INDEX["abscond_abuse"]
P_ATIE = PARAM_INDEX["abscond_tie"]
P_ADEBT = PARAM_INDEX["abscond_debt"]
P_AGAP = PARAM_INDEX["abscond_gap"]
P_AOPTION = PARAM_INDEX["abscond_option"]
P_VIRR = PARAM_INDEX["irregular_departure_rate"]
P_HORIZON = PARAM_INDEX["decision_horizon_months"]
P_DISCOUNT = PARAM_INDEX["discount_monthly"]
P_CSCALE = PARAM_INDEX["choice_scale"]
P_THOME = PARAM_INDEX["theta_home"]
P_TFAMILY = PARAM_INDEX["theta_family"]
P_NU = PARAM_INDEX["nu_option"]
P_GDEBT = PARAM_INDEX["gamma_debt"]
P_GDETECT = PARAM_INDEX["gamma_detect"]
P_IRRCONST = PARAM_INDEX["irregular_constant"]
P_R0 = PARAM_INDEX["return_hazard_base"]
P_REARLY = PARAM_INDEX["return_hazard_early_factor"]
P_TARGET = PARAM_INDEX["savings_target_months"]
P_REXP = PARAM_INDEX["experience_premium_annual"]
P_RMATCH = PARAM_INDEX["match_premium_annual"]
P_MINSTAY = PARAM_INDEX["min_stay_for_premium_months"]
P_F12 = PARAM_INDEX["returnee_job_finding_12m"]
P_G0 = PARAM_INDEX["remigration_base"]
P_TEMPLOYED = PARAM_INDEX["theta_employed"]
P_F0 = PARAM_INDEX["family_formation_rate"]
P_FAMCUT = PARAM_INDEX["family_remittance_cut"]
P_RETIRE = PARAM_INDEX["retirement_age_years"]
P_MORT = PARAM_INDEX["mortality_annual"]
P_BGAIN = PARAM_INDEX["beta_gain"]
P_FALLBACK = PARAM_INDEX["home_fallback_income_share"]
P_AHOME = PARAM_INDEX["abscond_home"]
P_RHOME = PARAM_INDEX["return_home"]
P_VHOME = PARAM_INDEX["irregular_departure_home"]
P_GHOME = PARAM_INDEX["remigration_home"]
P_RFIND = PARAM_INDEX["recognised_finding_boost"]



RETURNEE_WINDOW = 36  # months after return in which returnees' income and skill use are measured
PLACEMENT_WINDOW = 12  # months after return in which a returnee waits for a bilateral placement
TARGET_REACHED_HAZARD = 0.08  # monthly return hazard of a target earner who has saved enough
ABSCOND_CEILING = 0.05  # the abscond draw is compared exactly only below this (or for heavily pushed people)

GOMPERTZ_SLOPE = 0.09  # yearly rise of adult mortality (log scale), a standard demographic regularity


def death_table(mortality_annual: float, max_age_months: int = 1440) -> np.ndarray:
    """Monthly chance of death by age in months (Gompertz: mortality_annual at age 40,
    rising 9% a year of age), looked up by the passes instead of computed."""
    ages = np.arange(max_age_months) / 12.0
    return np.minimum(mortality_annual * np.exp(GOMPERTZ_SLOPE * (ages - 40.0)) / 12.0, 1.0)


class Employers(NamedTuple):
    """The employers as the host pass reads them, one entry per employer."""

    premium: np.ndarray  # wage factor
    log_premium: np.ndarray  # its logarithm (the wage gap pushes absconding)
    abusive: np.ndarray  # int8: 1 for an abusive employer


class MonthInputs(NamedTuple):
    """What the passes of one month read besides the people, the rules and the parameters."""

    n: int  # rows in use
    month: int
    seed: int
    abroad: int  # the code of "abroad" in the flows
    death_by_age: np.ndarray  # monthly chance of death by age in months (death_table)
    home_wage: np.ndarray  # [origin] this month
    f12: np.ndarray  # [origin] returnee job finding within 12 months
    expect_place: np.ndarray  # [sector, level] chance of a bilateral placement within 12 months, as expected
    sector_factor: np.ndarray  # [sector] wage factor
    employers: Employers
    cap_open: np.ndarray  # [status, sector] room left under the caps (host pass)
    place_prob: np.ndarray  # [sector, level] monthly chance of placement of a waiting returnee (home pass)
    remigration_gain: np.ndarray  # [origin] pull of the host wage (home pass)
    host_blocks: np.ndarray  # uint8 per block: may hold people in the host (kept by the passes)
    home_blocks: np.ndarray  # uint8 per block: may hold people at origin (kept by the passes)


class Tallies(NamedTuple):
    """The passes' output buffers, zeroed before a month: per thread (whole counts) or per
    chunk (sums of money and skill, added in chunk order)."""

    flows: np.ndarray  # [thread, flow, from, to, origin, sector]
    measures: np.ndarray  # [chunk, origin, measure]
    headcount: np.ndarray  # [thread, employer] regular workers at the end of the host pass
    fresh: np.ndarray  # [thread, origin, level] people who came home this month
    waiting: np.ndarray  # [thread, 2, sector, level] returnees waiting for a placement: came home this month
    # (host pass), still waiting next month (home pass)
    tenure: np.ndarray  # [thread, status, origin] months in status of the people in the host
    routes: np.ndarray  # [thread, transition] people at expiry who would take each route, rules aside


@njit(inline="always", cache=True)
def _ages_out(i, st, o, sec, age, key, retire, death_by_age, fl, status, applying, abroad):
    """Age one month; True if the person left the model (retirement age or death), which
    is counted as a flow from `st` to abroad and empties the row."""
    age[i] += 1
    if age[i] >= retire:
        leaves = F_AGEOUT
    elif draw_from_key(key) < death_by_age[min(age[i], death_by_age.shape[0] - 1)]:
        leaves = F_DEATH
    else:
        return False
    fl[leaves, st, abroad, o, sec] += 1.0
    status[i] = GONE
    applying[i] = 0
    return True


@njit(inline="always", cache=True)
def _annuity(delta, months):
    """Present value of 1 a month for `months` months."""
    if months <= 0:
        return 0.0
    return (1.0 - delta ** months) / (1.0 - delta)


@njit(inline="always", cache=True)
def _home_premium(P, months_abroad, matched):
    """Wage factor of a returnee's job at home: experience abroad, and more where the job
    uses the skills (a recognised certificate or a placement in the same field); `matched`
    is 1 for such a job, or the chance of one."""
    if months_abroad < P[P_MINSTAY]:
        return 1.0
    years = min(months_abroad / 12.0, 5.0)
    return 1.0 + P[P_REXP] * years + P[P_RMATCH] * years * matched


@njit(inline="always", cache=True)
def _home_income(P, home_wage, months_abroad, cert, recognition, place, f12):
    """Expected monthly income at home for a returnee (docs/model.md, home prospects): a job
    through a placement (chance `place`) or the returnee's own search (`f12`, faster with
    recognised skills), paid the premium of a matched job when placed or recognised."""
    recognised = recognition if cert > 0 else 0.0
    search = 1.0 - (1.0 - f12) ** (1.0 + P[P_RFIND] * recognised)
    p_job = place + (1.0 - place) * search
    matched = 0.0
    if p_job > 0.0:
        matched = (place + (1.0 - place) * search * recognised) / p_job
    premium = _home_premium(P, months_abroad, matched)
    return home_wage * (p_job * premium + (1.0 - p_job) * P[P_FALLBACK])


@njit(inline="always", cache=True)
def _prospects(P, e_home, home_wage):
    """Home prospects: log of the expected income at home over that of a returnee with the
    reference chance of work, no placement and no premium (0 for the reference returnee)."""
    reference = home_wage * (P[P_F12] + (1.0 - P[P_F12]) * P[P_FALLBACK])
    return math.log(e_home / reference)


@njit(parallel=True, cache=True, error_model="numpy")  # no division checks in the hot loop
def host_month(S, R, E, P, M, out):
    """One month in the host for every person there (steps 3-8): `S` the people (State),
    `R` this month's rules (MonthRules), `E` the rules people expect (MonthRules: `R` itself,
    or another regime's when a decomposition holds expectations at a baseline), `P` the
    parameters (in PARAM_NAMES order), `M` the month's inputs (MonthInputs), `out` the
    buffers it adds to (Tallies).

    The rules act through `R`; every expectation a decision weighs (the legal way back, the
    recognition of skills, the chance of detection; the placement chance comes in `M`) is
    read from `E`.

    Besides flows and measures, the pass counts per thread the regular workers per
    employer at the end of the pass, the people who came home this month by origin and
    certified level, and the months in status of the people in the host at the end of
    the month, so that no separate census of the population is needed between passes.
    """
    # The loop reads plain local arrays: a parallel loop cannot take records of mixed
    # types (numba passes only arrays and scalars into it), so they are opened here, by name.
    pid, status, origin, sector, employer = S.pid, S.status, S.origin, S.sector, S.employer
    months_in_status, months_in_stay, months_abroad = S.months_in_status, S.months_in_stay, S.months_abroad
    status_total, prev_status, skill, cert, language = S.status_total, S.prev_status, S.skill, S.cert, S.language
    debt, savings, family, target_earner, age = S.debt, S.savings, S.family, S.target_earner, S.age
    months_home, employed_home, ban_until, applying = S.months_home, S.employed_home, S.ban_until, S.applying
    overstay, forfeited, recognised, job_changes = S.overstay, S.forfeited, S.recognised, S.job_changes
    irregular, returned, kind, wage_of = R.irregular, R.returned, R.kind, R.wage
    max_stay, max_total, permit, renewable = R.max_stay, R.max_total, R.permit, R.renewable
    job_change, job_change_after, family_allowed = R.job_change, R.job_change_after, R.family_allowed
    job_change_limit = R.job_change_limit
    family_after = R.family_after
    reform_rule, reform_since, reform_by_start, reform_first = (R.reform_rule, R.reform_since, R.reform_by_start,
                                                                R.reform_first)
    exit_rate = R.exit_rate
    tr_from, tr_to, tr_min_months, tr_min_abroad = R.tr_from, R.tr_to, R.tr_min_months, R.tr_min_abroad
    tr_test, tr_language, tr_sector_ok = R.tr_test, R.tr_language, R.tr_sector_ok
    tr_open, tr_hazard, tr_share = R.tr_open, R.tr_hazard, R.tr_share
    detection, ban, recognition, cumulative = R.detection, R.ban, R.recognition, R.cumulative
    # the expectations (see the docstring)
    e_leaving_ends_right, e_max_total, e_rp_from, e_rp_to = E.leaving_ends_right, E.max_total, E.rp_from, E.rp_to
    e_rp_open, e_rp_min_completed, e_rp_test = E.rp_open, E.rp_min_completed, E.rp_test
    e_recognition, e_detection = E.recognition, E.detection
    n, month, seed, abroad, death_by_age = M.n, M.month, M.seed, M.abroad, M.death_by_age
    home_wage, f12, sector_factor, cap_open = M.home_wage, M.f12, M.sector_factor, M.cap_open
    expect_place = M.expect_place
    emp_premium, emp_log_premium, emp_abusive = M.employers.premium, M.employers.log_premium, M.employers.abusive
    host_blocks, home_blocks = M.host_blocks, M.home_blocks
    flows, measures, headcount, fresh, tenure = out.flows, out.measures, out.headcount, out.fresh, out.tenure
    routes, waiting = out.routes, out.waiting
    horizon = P[P_HORIZON]
    delta = P[P_DISCOUNT]
    annuity = _annuity(delta, horizon)
    cs = P[P_CSCALE]
    slope, thr1, thr2 = P[P_TSLOPE], P[P_THR1], P[P_THR2]
    retire = P[P_RETIRE] * 12.0
    stream = month_key(seed, month)
    # below push_bound, the abscond rate (with any way back) stays under ABSCOND_CEILING
    # (home prospects lie between the worst, no work and no premium, and the best, work for
    # sure at the highest premium)
    lowest_prospects = math.log(P[P_FALLBACK] / (P[P_F12] + (1.0 - P[P_F12]) * P[P_FALLBACK]))
    highest_prospects = math.log(_home_premium(P, 60.0, 1.0) / (P[P_F12] + (1.0 - P[P_F12]) * P[P_FALLBACK]))
    push_bound = math.inf
    if P[P_A0] > 0.0:
        push_bound = (math.log(ABSCOND_CEILING * (1.0 - 1e-9) / P[P_A0]) - max(0.0, -P[P_AOPTION])
                      + min(0.0, P[P_AHOME] * lowest_prospects, P[P_AHOME] * highest_prospects))
    early_ceiling = max(P[P_R0] * max(P[P_REARLY], 1.0)
                        * math.exp(max(0.0, P[P_RHOME] * lowest_prospects, P[P_RHOME] * highest_prospects)),
                        TARGET_REACHED_HAZARD)
    n_tr = tr_from.shape[0]
    by_chance = np.zeros(kind.shape[0], dtype=np.bool_)  # statuses left by chance transitions this month
    for k in range(n_tr):
        if tr_open[k] and tr_hazard[k] > 0.0:
            by_chance[tr_from[k]] = True
    n_chunks = N_CHUNKS  # measures has one row per chunk
    n_blocks = (n + BLOCK - 1) // BLOCK
    for c in prange(n_chunks):
        thread = get_thread_id()
        fl = flows[thread]
        me = measures[c]
        heads = headcount[thread]
        came_home = fresh[thread]
        months_held = tenure[thread]
        wanted = routes[thread]
        for b in range(FIRST_BLOCK[c], n_blocks, n_chunks):
            if host_blocks[b] == 0:
                continue  # nobody in the host in this block
            arrived_before = came_home.sum()
            returnees_here = False
            for row in range(b * BLOCK, min((b + 1) * BLOCK, n)):
                i = np.uint64(row)  # an unsigned index needs no wrap-around of negative indices
                st = status[i]
                if st <= 0 or st == returned:
                    returnees_here |= st == returned
                    continue
                key = person_key(stream, pid[i])
                o = origin[i]
                sec = sector[i]
                # ageing and mortality (step 11 for people in the host)
                if _ages_out(i, st, o, sec, age, key, retire, death_by_age, fl, status, applying, abroad):
                    continue
                months_in_status[i] += 1
                months_in_stay[i] += 1
                months_abroad[i] += 1
                if st != irregular:
                    status_total[i] += 1

                # step 3: work and income
                if st == irregular:
                    base = wage_of[prev_status[i]] if prev_status[i] > 0 else wage_of[1]
                    wage = base * sector_factor[sec] * P[P_IRRWAGE]
                    premium = 1.0
                    log_premium = 0.0
                    abusive = 0
                else:
                    e = employer[i]
                    premium = emp_premium[e] if e >= 0 else 1.0
                    log_premium = emp_log_premium[e] if e >= 0 else 0.0
                    abusive = emp_abusive[e] if e >= 0 else 0
                    wage = wage_of[st] * sector_factor[sec] * premium * (1.0 + P[P_RSKILL] * skill[i])
                net = max(wage - P[P_LIVING], 0.1 * wage)
                repay = min(debt[i], P[P_REPAY] * net)
                debt[i] = max(debt[i] * (1.0 + P[P_INTEREST]) - repay, 0.0)
                remit = P[P_REMIT] * (net - repay) * (1.0 - P[P_FAMCUT] * family[i])
                savings[i] += net - repay - remit
                me[o, M_EARN] += wage
                me[o, M_REMIT] += remit
                me[o, M_HOMECF] += home_wage[o]

                # step 4: skills, tests, language
                programme = st != irregular and kind[st] == KIND_PROGRAMME
                if programme or st == irregular:
                    skill[i] += P[P_LEARN] * (1.0 - skill[i])
                if programme and cert[i] < 2 and months_in_status[i] % 12 == 0:
                    if draw(key, SLOT_TEST) < pass_probability(skill[i], cert[i] + 1, slope, thr1, thr2):
                        cert[i] += 1
                if language[i] < 3 and draw(key, SLOT_LANGUAGE) < P[P_LANG]:
                    language[i] += 1

                # step 5: job change where allowed; absconding pushed by abuse, debt and the employer tie
                if programme:
                    allowed = job_change_allowed_held(job_change, job_change_after, reform_rule, reform_since,
                                                      reform_by_start, reform_first, st, month, months_in_status[i],
                                                      abusive > 0)
                    if allowed and job_change_limit[st] > 0 and job_changes[i] >= job_change_limit[st]:
                        allowed = False  # the changes this stay allows are used up
                    if allowed:
                        hazard = P[P_J0] * (1.0 + P[P_JABUSE] * abusive + P[P_JGAP] * max(0.0, 1.0 - premium) * 10.0)
                        if draw(key, SLOT_JOB_CHANGE) < hazard:
                            fl[F_JOB, st, st, o, sec] += 1.0
                            employer[i] = -2  # assigned a new employer after this pass
                            job_changes[i] = min(job_changes[i] + 1, 127)
                    pushed = (
                        P[P_AABUSE] * abusive
                        + P[P_ATIE] * (0.0 if allowed else 1.0)
                        + P[P_ADEBT] * debt[i] / wage
                        + P[P_AGAP] * max(0.0, -log_premium)
                    )
                    u = draw(key, SLOT_ABSCOND)
                    rate = 0.0
                    # most draws lie above any rate the person could have: the way back and the
                    # exponential are then not needed to know that they stay
                    if u < ABSCOND_CEILING or pushed > push_bound:
                        option, _ = way_back(e_leaving_ends_right, e_max_total, e_rp_from, e_rp_to, e_rp_open,
                                             e_rp_min_completed, e_rp_test, st, status_total[i], months_in_status[i],
                                             cert[i], skill[i], slope, thr1, thr2)
                        e_home = _home_income(P, home_wage[o], months_abroad[i], cert[i], e_recognition,
                                              expect_place[sec, cert[i]], f12[o])
                        prospects = _prospects(P, e_home, home_wage[o])
                        rate = P[P_A0] * math.exp(pushed - P[P_AOPTION] * option - P[P_AHOME] * prospects)
                    if u < rate:
                        fl[F_ABSCOND, st, irregular, o, sec] += 1.0
                        _go_irregular(i, st, 0, prev_status, status, overstay, months_in_status, employer, irregular)
                        st = irregular
                        programme = False

                decided = False
                if programme:
                    # steps 6-7: at expiry or a renewal point: renew/upgrade, return, or go irregular
                    left = remaining_held(max_stay, max_total, reform_rule, reform_since, reform_by_start,
                                          reform_first, st, month, months_in_status[i], status_total[i])
                    at_renewal = renewable[st] and months_in_status[i] % permit[st] == 0
                    if left <= 0 or at_renewal:
                        stay_to = -1
                        stay_wage = 0.0
                        if left > 0 and renewable[st]:
                            stay_to = st
                            stay_wage = wage_of[st]
                        abroad_months = months_abroad[i] if cumulative else months_in_stay[i]
                        # the route this person would take, rules aside (it sets next month's shares), then
                        # the one open to them now
                        k = best_transition(tr_from, tr_to, tr_open, tr_hazard, tr_share, tr_min_months,
                                            tr_min_abroad, tr_test, tr_language, tr_sector_ok, wage_of, cap_open, st,
                                            sec, months_in_status[i], abroad_months, cert[i], language[i], -1.0)
                        target = -1
                        if k >= 0:
                            wanted[k] += 1
                            u_route = draw(key, SLOT_ROUTE)
                            if not tr_open[k] or u_route >= tr_share[k]:
                                k = best_transition(tr_from, tr_to, tr_open, tr_hazard, tr_share, tr_min_months,
                                                    tr_min_abroad, tr_test, tr_language, tr_sector_ok, wage_of,
                                                    cap_open, st, sec, months_in_status[i], abroad_months, cert[i],
                                                    language[i], u_route)
                            if k >= 0:
                                target = tr_to[k]
                        if target >= 0 and wage_of[target] > stay_wage:
                            stay_to = target
                            stay_wage = wage_of[target]
                        ret_p, _ = way_back(e_leaving_ends_right, e_max_total, e_rp_from, e_rp_to, e_rp_open,
                                            e_rp_min_completed, e_rp_test, st, status_total[i], months_in_status[i],
                                            cert[i], skill[i], slope, thr1, thr2)
                        e_home = _home_income(P, home_wage[o], months_abroad[i], cert[i], e_recognition,
                                              expect_place[sec, cert[i]], f12[o])
                        u_return = cs * math.log(annuity * e_home) + P[P_THOME] + P[P_NU] * ret_p
                        irr_net = max(wage * P[P_IRRWAGE] - P[P_LIVING], 0.1 * wage)
                        u_irr = (cs * math.log(annuity * irr_net) + P[P_GDEBT] * debt[i] / wage
                                 - P[P_GDETECT] * e_detection * 12.0 + P[P_IRRCONST])
                        u_stay = -1e300
                        if stay_to >= 0:
                            stay_gross = stay_wage * sector_factor[sec] * premium * (1.0 + P[P_RSKILL] * skill[i])
                            stay_net = max(stay_gross - P[P_LIVING], 0.1 * stay_gross)
                            stay_p, _ = way_back(e_leaving_ends_right, e_max_total, e_rp_from, e_rp_to, e_rp_open,
                                                 e_rp_min_completed, e_rp_test, stay_to, 0, 0, cert[i], skill[i],
                                                 slope, thr1, thr2)
                            # host income for the months the permit allows within the horizon, home income after
                            if stay_to == st:
                                left = remaining_held(max_stay, max_total, reform_rule, reform_since,
                                                      reform_by_start, reform_first, st, month, months_in_status[i],
                                                      status_total[i])
                                allowed_months = min(horizon, left)
                            else:
                                allowed_months = min(horizon, remaining(max_stay, max_total, stay_to, 0, 0))
                            pv_stay = (_annuity(delta, allowed_months) * stay_net
                                       + delta ** allowed_months * _annuity(delta, horizon - allowed_months) * e_home)
                            u_stay = cs * math.log(pv_stay) + P[P_TFAMILY] * family[i] + P[P_NU] * stay_p
                        top = max(u_return, u_irr, u_stay)
                        w_return = math.exp(u_return - top)
                        w_irr = math.exp(u_irr - top)
                        w_stay = math.exp(u_stay - top) if stay_to >= 0 else 0.0
                        pick = draw(key, SLOT_CHOICE) * (w_return + w_irr + w_stay)
                        if pick < w_stay:
                            if stay_to != st:
                                _upgrade(i, st, stay_to, o, sec, fl, prev_status, status, months_in_status,
                                         status_total, job_changes)
                                st = stay_to
                            decided = True
                        elif pick < w_stay + w_irr:
                            fl[F_OVERSTAY, st, irregular, o, sec] += 1.0
                            _go_irregular(i, st, 1, prev_status, status, overstay, months_in_status, employer,
                                          irregular)
                            st = irregular
                            decided = True
                        else:
                            fl[F_RETURN, st, returned, o, sec] += 1.0
                            prev_status[i] = st
                            _arrive_home(i, key, status, months_home, employed_home, applying, savings, skill,
                                         months_in_stay, employer, cert, recognised, recognition, me, came_home,
                                         waiting[thread, 0], o, sec, returned, True)
                            continue
                    # early voluntary return, stronger in the first year and for target earners
                    u = draw(key, SLOT_EARLY_RETURN)
                    if not decided and u < early_ceiling:  # above it, no one returns early
                        hazard = P[P_R0]
                        if months_in_status[i] <= 12:
                            hazard *= P[P_REARLY]
                        if family[i] > 0:
                            hazard *= 0.5
                        if P[P_RHOME] != 0.0:
                            e_home = _home_income(P, home_wage[o], months_abroad[i], cert[i], e_recognition,
                                                  expect_place[sec, cert[i]], f12[o])
                            hazard *= math.exp(P[P_RHOME] * _prospects(P, e_home, home_wage[o]))
                        if target_earner[i] > 0 and savings[i] >= P[P_TARGET] * wage:
                            hazard = max(hazard, TARGET_REACHED_HAZARD)
                        if u < hazard:
                            fl[F_RETURN, st, returned, o, sec] += 1.0
                            prev_status[i] = st
                            _arrive_home(i, key, status, months_home, employed_home, applying, savings, skill,
                                         months_in_stay, employer, cert, recognised, recognition, me, came_home,
                                         waiting[thread, 0], o, sec, returned, True)
                            continue
                elif st != irregular:
                    # non-programme statuses leave the modelled population with their exit rate
                    if draw(key, SLOT_EXIT) < exit_rate[st]:
                        fl[F_EXIT, st, abroad, o, sec] += 1.0
                        status[i] = -1
                        applying[i] = 0
                        continue
                if st != irregular and not decided and by_chance[st]:
                    # transitions that happen by chance (a monthly hazard), first success wins
                    for k in range(n_tr):
                        if tr_from[k] != st or not tr_open[k] or tr_hazard[k] <= 0.0:
                            continue
                        if months_in_status[i] < tr_min_months[k] or months_abroad[i] < tr_min_abroad[k]:
                            continue
                        if draw(key, SLOT_TRANSITION + 64 * (k + 1)) < tr_hazard[k]:
                            _upgrade(i, st, tr_to[k], o, sec, fl, prev_status, status, months_in_status, status_total,
                                     job_changes)
                            st = tr_to[k]
                            break

                # step 8: enforcement and voluntary departure of irregular workers
                if st == irregular and months_in_status[i] > 0:
                    if draw(key, SLOT_DETECT) < detection:
                        fl[F_REMOVAL, irregular, returned, o, sec] += 1.0
                        _arrive_home(i, key, status, months_home, employed_home, applying, savings, skill,
                                     months_in_stay, employer, cert, recognised, recognition, me, came_home,
                                     waiting[thread, 0], o, sec, returned, False)
                        ban_until[i] = month + ban
                        forfeited[i] = 1
                        continue
                    departure = P[P_VIRR]
                    if P[P_VHOME] != 0.0:
                        # an irregular stay forfeits the bilateral channel: prospects without a placement
                        e_home = _home_income(P, home_wage[o], months_abroad[i], cert[i], e_recognition, 0.0, f12[o])
                        departure = min(1.0, departure * math.exp(P[P_VHOME] * _prospects(P, e_home, home_wage[o])))
                    if draw(key, SLOT_DEPART) < departure:
                        fl[F_DEPART, irregular, returned, o, sec] += 1.0
                        _arrive_home(i, key, status, months_home, employed_home, applying, savings, skill,
                                     months_in_stay, employer, cert, recognised, recognition, me, came_home,
                                     waiting[thread, 0], o, sec, returned, False)
                        ban_until[i] = month + 12
                        forfeited[i] = 1
                        continue

                # family in the host only where the status allows it now: formation once the
                # months it asks for have passed; no family stays with a holder of a status without the right
                if st != irregular:
                    if not family_may_live_in_host(family_allowed, family_after, st, months_in_status[i]):
                        family[i] = 0
                    elif family[i] == 0 and draw(key, SLOT_FAMILY) < P[P_F0]:
                        family[i] = 1

                # month-end measures of people still in the host
                months_held[st, o] += months_in_status[i]
                me[o, M_DEBT] += debt[i]
                me[o, M_WORKERS] += 1.0
                me[o, M_SKILL] += skill[i]
                if months_abroad[i] >= 36:
                    me[o, M_EXPERIENCED] += 1.0
                if st != irregular:
                    if employer[i] >= 0:
                        heads[employer[i]] += 1
                    me[o, M_REGULAR] += 1.0
                    if family[i] > 0:
                        me[o, M_FAMILY] += 1.0
                    e = employer[i]
                    cause = e >= 0 and emp_abusive[e] > 0
                    if job_change_allowed_held(job_change, job_change_after, reform_rule, reform_since,
                                               reform_by_start, reform_first, st, month, months_in_status[i], cause) \
                            and (job_change_limit[st] == 0 or job_changes[i] < job_change_limit[st]):
                        me[o, M_MOBILITY] += 1.0

            home_blocks[b] = returnees_here or came_home.sum() > arrived_before


@njit(inline="always", cache=True)
def _upgrade(i, st, target, o, sec, fl, prev_status, status, months_in_status, status_total, job_changes):
    """A change of status in the host (at expiry, or a transition by chance): counted as an
    upgrade flow; months in the new status, and changes of employer in it, start from 0."""
    fl[F_UPGRADE, st, target, o, sec] += 1.0
    prev_status[i] = st
    status[i] = target
    months_in_status[i] = 0
    status_total[i] = 0
    job_changes[i] = 0


@njit(inline="always", cache=True)
def _go_irregular(i, st, lapsed, prev_status, status, overstay, months_in_status, employer, irregular):
    """Absconding (status still valid, lapsed 0) or overstaying at expiry (lapsed 1)."""
    prev_status[i] = st
    status[i] = irregular
    overstay[i] = lapsed
    months_in_status[i] = 0
    employer[i] = -1


@njit(inline="always", cache=True)
def _arrive_home(i, key, status, months_home, employed_home, applying, savings, skill, months_in_stay, employer, cert,
                 recognised, recognition, me, came_home, waiting, o, sec, returned, may_be_placed):
    """Home from the host. A certificate is recognised at home with the chance the regime
    gives (`recognition`); a returnee who left regularly (`may_be_placed`) waits for a
    placement by the bilateral channel from this month."""
    # skill carried home from this stay; savings come home with the person
    me[o, M_SKILLHOME] += skill[i] * months_in_stay[i] / 12.0
    came_home[o, cert[i]] += 1
    recognised[i] = 1 if cert[i] > 0 and draw(key, SLOT_RECOGNISE) < recognition else 0
    if may_be_placed:
        waiting[sec, cert[i]] += 1
    if employer[i] == -2:
        employer[i] = -1  # changed employer, then left: no employer to go back to
    status[i] = returned
    months_home[i] = 0
    employed_home[i] = 0
    applying[i] = 0
    savings[i] = 0.0


@njit(parallel=True, cache=True, error_model="numpy")  # no division checks in the hot loop
def home_month(S, R, E, P, M, out):
    """One month at origin for every returnee (steps 9-11); the arguments as for host_month
    (it adds to `out.flows`, `out.measures` and the placement queue of next month,
    `out.waiting[:, 1]`).

    A returnee who left a programme status regularly waits for a placement by the bilateral
    channel for PLACEMENT_WINDOW months (monthly chance `M.place_prob` by sector and
    certified level) and searches on their own every month until employed, faster with a
    recognised certificate: twelve chances in the first twelve months."""
    # opened by name into local arrays, as in host_month
    pid, status, origin, sector, months_in_status = S.pid, S.status, S.origin, S.sector, S.months_in_status
    status_total, prev_status, skill, cert, age = S.status_total, S.prev_status, S.skill, S.cert, S.age
    months_home, employed_home, ban_until, applying = S.months_home, S.employed_home, S.ban_until, S.applying
    apply_status, forfeited, recognised = S.apply_status, S.forfeited, S.recognised
    months_abroad, skill = S.months_abroad, S.skill
    returned, kind, admits, max_total = R.returned, R.kind, R.admits, R.max_total
    leaving_ends_right, cooldown_of, support = R.leaving_ends_right, R.reentry_cooldown, R.support
    rp_from, rp_to, rp_cooldown, rp_min_completed = R.rp_from, R.rp_to, R.rp_cooldown, R.rp_min_completed
    rp_test, rp_open = R.rp_test, R.rp_open
    # the expected chance of a way back (see host_month); whether a path exists is the rule's
    e_leaving_ends_right, e_max_total, e_rp_from, e_rp_to = E.leaving_ends_right, E.max_total, E.rp_from, E.rp_to
    e_rp_open, e_rp_min_completed, e_rp_test = E.rp_open, E.rp_min_completed, E.rp_test
    n, month, seed, abroad, death_by_age = M.n, M.month, M.seed, M.abroad, M.death_by_age
    place_prob, f12, remigration_gain, home_wage = M.place_prob, M.f12, M.remigration_gain, M.home_wage
    host_blocks, home_blocks = M.host_blocks, M.home_blocks
    flows, measures, waiting = out.flows, out.measures, out.waiting
    monthly_find = 1.0 - (1.0 - f12) ** (1.0 / 12.0)
    recognised_factor = 1.0 + P[P_RFIND]  # on the monthly hazard of not finding work: exp(-h)^factor
    employed_factor = math.exp(-P[P_TEMPLOYED])  # a job at home lowers the re-migration hazard
    slope, thr1, thr2 = P[P_TSLOPE], P[P_THR1], P[P_THR2]
    retire = P[P_RETIRE] * 12.0
    stream = month_key(seed, month)
    n_chunks = N_CHUNKS  # measures has one row per chunk
    n_blocks = (n + BLOCK - 1) // BLOCK
    for c in prange(n_chunks):
        thread = get_thread_id()
        fl = flows[thread]
        still_waiting = waiting[thread, 1]
        me = measures[c]
        for b in range(FIRST_BLOCK[c], n_blocks, n_chunks):
            if home_blocks[b] == 0:
                continue  # nobody at origin in this block
            hosts_here = False
            for row in range(b * BLOCK, min((b + 1) * BLOCK, n)):
                i = np.uint64(row)  # an unsigned index needs no wrap-around of negative indices
                st = status[i]
                if st != returned:
                    hosts_here |= st > 0
                    continue
                key = person_key(stream, pid[i])
                o = origin[i]
                sec = sector[i]
                if months_home[i] > 0 and _ages_out(i, returned, o, sec, age, key, retire, death_by_age, fl, status,
                                                    applying, abroad):
                    continue
                prev = prev_status[i]
                programme = prev > 0 and kind[prev] == KIND_PROGRAMME
                # step 9: reintegration, the bilateral channel first (ranked by certified skill), then
                # the returnee's own search
                in_queue = programme and forfeited[i] == 0 and months_home[i] < PLACEMENT_WINDOW
                if employed_home[i] == 0:
                    if in_queue and draw(key, SLOT_HOME_JOB) < place_prob[sec, cert[i]]:
                        employed_home[i] = 2
                        fl[F_PLACEMENT, returned, returned, o, sec] += 1.0
                        me[o, M_PLACED] += 1.0
                    else:
                        hazard = monthly_find[o]
                        if recognised[i] > 0:
                            hazard = 1.0 - (1.0 - hazard) ** recognised_factor
                        if months_home[i] < support:
                            hazard = min(1.0, hazard * 2.0)
                        if draw(key, SLOT_SEARCH) < hazard:
                            employed_home[i] = 1
                            fl[F_JOBHOME, returned, returned, o, sec] += 1.0
                if employed_home[i] == 0 and in_queue and months_home[i] + 1 < PLACEMENT_WINDOW:
                    still_waiting[sec, cert[i]] += 1
                # a job that uses the skills (a placement, or a recognised certificate) pays a premium
                matched = 1.0 if employed_home[i] == 2 or recognised[i] > 0 else 0.0
                premium = _home_premium(P, months_abroad[i], matched) if employed_home[i] > 0 else 1.0
                if programme and months_home[i] < RETURNEE_WINDOW:
                    # the returnees' realised income and use of skills at home
                    me[o, M_HOMEWAGE] += home_wage[o]
                    me[o, M_RSKILL] += skill[i]
                    if employed_home[i] > 0:
                        me[o, M_HOMEINCOME] += home_wage[o] * premium
                        me[o, M_SKILLUSED] += skill[i] * matched
                    else:
                        me[o, M_HOMEINCOME] += home_wage[o] * P[P_FALLBACK]
                months_home[i] += 1
                if months_home[i] == 12 and programme:
                    me[o, M_REACH12] += 1.0
                    if employed_home[i] > 0:
                        me[o, M_EMP12] += 1.0
                # step 10: re-migration after the cooldown, through a legal way back
                if applying[i] != 0 or not programme or month < ban_until[i]:
                    continue
                hazard = P[P_G0] * remigration_gain[o]
                if employed_home[i] > 0:
                    # a job at home holds people back, a better-paid one (skills in use) more
                    hazard *= employed_factor * premium ** (-P[P_GHOME])
                u = draw(key, SLOT_REMIGRATE)
                if u >= hazard:
                    continue  # no chance of a way back (at most 1) can bring this draw under the hazard
                if forfeited[i] > 0:
                    # after an irregular stay only a fresh entry is possible, once the ban is over
                    p_back = 1.0 if admits[prev] else 0.0
                    target = prev if admits[prev] else -1
                    wait = 0
                else:
                    _, target = way_back(leaving_ends_right, max_total, rp_from, rp_to, rp_open, rp_min_completed,
                                         rp_test, prev, status_total[i], months_in_status[i], cert[i], skill[i],
                                         slope, thr1, thr2)
                    p_back, _ = way_back(e_leaving_ends_right, e_max_total, e_rp_from, e_rp_to, e_rp_open,
                                         e_rp_min_completed, e_rp_test, prev, status_total[i], months_in_status[i],
                                         cert[i], skill[i], slope, thr1, thr2)
                    wait = 0
                    if target >= 0:
                        wait = reentry_cooldown(leaving_ends_right, cooldown_of, rp_from, rp_to, rp_cooldown, prev,
                                                target)
                if target < 0 or p_back <= 0.0:
                    continue
                if months_home[i] < max(wait, 1):
                    continue
                if u < hazard * p_back:
                    applying[i] = 1
                    apply_status[i] = target

            host_blocks[b] = hosts_here  # the home pass makes no one a host: exact until the next arrivals


@njit(parallel=True, cache=True)
def census(n, status, origin, sector, employer, months_home, cert, counted_employer, n_status, n_origin, n_sector,
           n_employer, returned, threads):
    """Group totals in one pass: persons by status, origin and sector; regular workers per
    employer; returnees who came home this month by origin and certified level.

    Counts are whole numbers, so adding them per thread gives the same totals in any order.
    """
    by_group = np.zeros((threads, n_status, n_origin, n_sector), dtype=np.int64)
    by_employer = np.zeros((threads, n_employer), dtype=np.int64)
    fresh = np.zeros((threads, n_origin, 3), dtype=np.int64)
    n_chunks = N_CHUNKS
    for c in prange(n_chunks):
        t = get_thread_id()
        for b in range(FIRST_BLOCK[c], (n + BLOCK - 1) // BLOCK, n_chunks):
            for i in range(b * BLOCK, min((b + 1) * BLOCK, n)):
                st = status[i]
                if st < 0:
                    continue
                by_group[t, st, origin[i], sector[i]] += 1
                e = employer[i]
                if e >= 0 and counted_employer[st]:
                    by_employer[t, e] += 1
                if st == returned and months_home[i] == 0:
                    fresh[t, origin[i], cert[i]] += 1
    return by_group.sum(axis=0), by_employer.sum(axis=0), fresh.sum(axis=0)


def applicants(n, applying, status, arrival, month, returned, blocks=None):
    """Returnees in the re-entry queue, in row order: (admitted earlier and travelling this
    month, admitted and still waiting, applied and not yet admitted).

    Few people are in the queue: one scan of the one-byte `applying` finds them, and only
    they are looked at further. With `blocks` (flags per block of rows), only the flagged
    blocks are scanned: the engine passes the blocks that may hold people at origin.
    """
    return _split_queue(queue_rows(n, applying, blocks), applying, status, arrival, month, returned)


@njit(cache=True)
def _split_queue(queued, applying, status, arrival, month, returned):
    """The queue's rows by stage: travelling this month, admitted and waiting, applied."""
    travelling = np.empty(queued.shape[0], dtype=np.int64)
    waiting = np.empty(queued.shape[0], dtype=np.int64)
    applied = np.empty(queued.shape[0], dtype=np.int64)
    n_travelling = n_waiting = n_applied = 0
    for row in queued:
        if applying[row] == 2:
            if arrival[row] == month and status[row] == returned:
                travelling[n_travelling] = row
                n_travelling += 1
            else:
                waiting[n_waiting] = row
                n_waiting += 1
        elif applying[row] == 1 and status[row] == returned:
            applied[n_applied] = row
            n_applied += 1
    return travelling[:n_travelling], waiting[:n_waiting], applied[:n_applied]


def queue_rows(n, applying, blocks=None):
    """Rows with a non-zero `applying`, in row order, in the flagged blocks (all, without
    `blocks`). The flags are read eight at a time (as 64-bit words), so the long
    stretches of zeros cost one comparison per word."""
    if blocks is None:
        blocks = np.ones((n + BLOCK - 1) // BLOCK, dtype=np.uint8)
    if sys.byteorder != "little":  # the byte order below assumes little-endian words
        rows = np.flatnonzero(applying[:n])
        return rows[blocks[rows // BLOCK] != 0]
    whole = n // 8
    rows = _nonzero_bytes(applying[: whole * 8].view(np.uint64), blocks)
    tail = whole * 8 + np.flatnonzero(applying[whole * 8:n])
    tail = tail[blocks[tail // BLOCK] != 0]
    return np.concatenate((rows, tail)) if tail.size else rows


@njit(cache=True)
def _nonzero_bytes(words, blocks):
    """Byte positions of the non-zero bytes of `words` (little-endian), in order, in the
    flagged blocks of BLOCK bytes."""
    per_block = BLOCK // 8
    found = 0
    for b in range(blocks.shape[0]):
        if blocks[b] != 0:
            block = words[b * per_block:min((b + 1) * per_block, words.shape[0])]
            for w in range(block.shape[0]):
                if block[w] != 0:
                    found += 8  # at most: the exact count is not worth a second scan
    rows = np.empty(found, dtype=np.int64)
    found = 0
    for b in range(blocks.shape[0]):
        if blocks[b] == 0:
            continue
        first = b * per_block
        block = words[first:min(first + per_block, words.shape[0])]  # indices from 0: no wrap-around code
        for w in range(block.shape[0]):
            word = block[w]
            if word != 0:
                for k in range(8):
                    if (word >> np.uint64(8 * k)) & np.uint64(0xFF):
                        rows[found] = 8 * (first + w) + k
                        found += 1
    return rows[:found]


@njit(cache=True)
def job_changers(n, employer, blocks):
    """Rows of the people who changed employer this month (employer -2), in row order, in
    the flagged blocks of rows (the engine passes the blocks that may hold people in the
    host): counted per block, then written from the blocks that have some.

    One thread: a parallel region costs more than this scan, and far more when other
    processes share the cores."""
    n_blocks = min(blocks.shape[0], (n + BLOCK - 1) // BLOCK)
    movers = np.zeros(n_blocks, dtype=np.int64)
    for b in range(n_blocks):
        if blocks[b] != 0:
            block = employer[b * BLOCK:min((b + 1) * BLOCK, n)]  # indices from 0: no wrap-around code
            count = 0
            for j in range(block.shape[0]):
                if block[j] == -2:
                    count += 1
            movers[b] = count
    rows = np.empty(movers.sum(), dtype=np.int64)
    found = 0
    for b in range(n_blocks):
        if movers[b] == 0:
            continue
        block = employer[b * BLOCK:min((b + 1) * BLOCK, n)]
        for j in range(block.shape[0]):
            if block[j] == -2:
                rows[found] = b * BLOCK + j
                found += 1
    return rows


@njit(cache=True)
def pick_employers(sector, u, weights, first, count):
    """An employer for each person, from their sector, drawn in proportion to `weights`.

    Sector s has the employers first[s] .. first[s] + count[s] - 1. A person's draw `u`
    picks the first employer whose cumulative weight in the sector reaches u times the
    sector's total (what a binary search would find). A guide table per sector (for
    each of count[s] equal slices of the total, the first employer that reaches it)
    starts the search next to the answer, so a pick takes a step or two."""
    cumulative = np.empty(weights.shape[0])
    guide = np.empty(weights.shape[0], dtype=np.int64)
    for s in range(first.shape[0]):
        total = 0.0
        for e in range(first[s], first[s] + count[s]):
            total += weights[e]
            cumulative[e] = total
        e = first[s]
        for g in range(count[s]):
            threshold = total * (g / count[s])
            while cumulative[e] < threshold and e < first[s] + count[s] - 1:
                e += 1
            guide[first[s] + g] = e
    chosen = np.empty(sector.shape[0], dtype=np.int64)
    for k in range(sector.shape[0]):
        s = sector[k]
        low = first[s]
        last = low + count[s] - 1
        target = u[k] * cumulative[last]
        e = guide[low + min(int(u[k] * count[s]), count[s] - 1)]
        if e > low and cumulative[e - 1] >= target:
            e = low  # rounding put the guide past the answer: search the sector from its start
        while e < last and cumulative[e] < target:
            e += 1
        chosen[k] = e
    return chosen
