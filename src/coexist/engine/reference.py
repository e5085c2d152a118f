"""Plain NumPy reference implementations of the compiled passes (for tests only).

Each function here has the signature and the effects of its compiled counterpart in
:mod:`coexist.engine.kernels`, but is written as a second, readable implementation of
the monthly submodels of docs/model.md (sections 3.4 and 3.6): vectorised over people
with boolean masks, steps applied in the model's order to the people still eligible
for them. The only Python loops are over rule entries (transitions, return paths),
never over people.

Random numbers come from the same counter-based stream as the compiled passes
(:func:`coexist.engine.rng.uniforms`, keyed by the person's ``pid`` and the same slot),
so the reference and the kernels make the same decisions and tests can compare the
resulting state arrays exactly.

Buffers (kernels.Tallies): the compiled passes add flows into ``out.flows[thread]`` and
measures into ``out.measures[chunk]``; the reference adds everything into ``out.flows[0]``
and ``out.measures[0]``, so compare the sums over the first axis.

Where docs/model.md and the compiled passes read differently, this follows the compiled
passes (the tests compare against them): the stay limit and the early-return factor count
``months_in_status`` (not ``months_in_stay``); ``status_total`` does not count irregular
months; an upgrade does not reset ``months_in_stay``; the stay option's net wage includes
the skill return and is floored at 10% of that gross; arriving home carries
``skill * months_in_stay / 12`` skill-years and sets savings to 0.

Precision: state floats are float32 and the kernels compute in float64 before storing;
the reference does the same (``_f64`` reads, float32 stores), in the same order of
operations, so skill, debt and savings come out bit for bit the same.
"""

from __future__ import annotations

import numpy as np

from coexist.engine.kernels import FLOW_TYPES, MEASURE_NAMES, PARAM_NAMES, PLACEMENT_WINDOW, RETURNEE_WINDOW
from coexist.engine.rng import SLOT, uniforms
from coexist.policy.rules import (
    FROM_REFORM,
    HOLD_JOB,
    HOLD_JOB_AFTER,
    HOLD_STAY,
    HOLD_TOTAL,
    JOB_AFTER,
    JOB_FOR_CAUSE,
    JOB_FREE,
    JOB_WITHIN,
    KIND_PROGRAMME,
    NEW_PERMITS,
    NO_LIMIT,
    family_may_live_in_host,
)

__all__ = [
    "census_reference",
    "host_month_reference",
    "home_month_reference",
    "way_back_reference",
    "best_transition_reference",
    "remaining_reference",
    "remaining_held_reference",
]


# ----- small helpers -------------------------------------------------------------------


def _f64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _i64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.int64)


class _Draws:
    """This month's uniforms of a fixed set of people, one vector per slot, made on demand."""

    def __init__(self, seed, pid, month):
        self.seed, self.pid, self.month = seed, _i64(pid), month
        self._cache: dict[int, np.ndarray] = {}

    def __call__(self, slot: int, rows: np.ndarray) -> np.ndarray:
        if slot not in self._cache:
            self._cache[slot] = uniforms(self.seed, self.pid, self.month, slot)
        return self._cache[slot][rows]


def _parameters(P) -> dict[str, float]:
    """The parameter vector by name (the reference does not use the kernels' P_* indices,
    so that an index that points at the wrong name makes the two disagree)."""
    return dict(zip(PARAM_NAMES, P, strict=True))


def _add_flows(fl, flow, frm, to, origin, sector):
    """One person per entry: fl[flow, from, to, origin, sector] += 1 (`flow` by name)."""
    np.add.at(fl, (FLOW_TYPES.index(flow), _i64(frm), _i64(to), _i64(origin), _i64(sector)), 1.0)


def _add_measure(me, measure, origin, values):
    """me[origin, measure] += values (`measure` by name)."""
    np.add.at(me[:, MEASURE_NAMES.index(measure)], _i64(origin), _f64(values))


def _pass_probability(skill, level, slope, thr1, thr2):
    """Chance of passing the test of `level` at `skill` (rules.pass_probability, vectorised)."""
    threshold = np.where(_i64(level) <= 1, thr1, thr2)
    return 1.0 / (1.0 + np.exp(-slope * (_f64(skill) - threshold)))


def _annuity(delta, months):
    """Present value of 1 a month for `months` months (0 when months <= 0)."""
    months = _f64(months)
    return np.where(months <= 0, 0.0, (1.0 - np.power(delta, months)) / (1.0 - delta))


def _held(R, now, rule, status, start):
    """The holder rule that binds each person (rules.held_rule, vectorised)."""
    k = np.clip(start - R.reform_first, 0, R.reform_by_start.shape[2] - 1)
    held = R.reform_rule[rule, status] == NEW_PERMITS
    return np.where(held, _i64(R.reform_by_start[rule, status, k]), _i64(now)[status])


def _not_counted(R, rule, status, month, months_in_status):
    """Months of the stay a from_reform rule does not count (rules._not_counted, vectorised)."""
    since = _i64(R.reform_since[rule, status])
    return np.where(R.reform_rule[rule, status] == FROM_REFORM, np.maximum(0, months_in_status - (month - since)), 0)


def _job_change_allowed(R, status, month, months_in_status, cause, job_changes):
    """rules.job_change_allowed_held, vectorised, with the limit on the number of changes."""
    months_in_status = _i64(months_in_status)
    start = month - months_in_status
    rule = _held(R, R.job_change, HOLD_JOB, status, start)
    after = _held(R, R.job_change_after, HOLD_JOB_AFTER, status, start)
    months = months_in_status - np.maximum(_not_counted(R, HOLD_JOB, status, month, months_in_status),
                                           _not_counted(R, HOLD_JOB_AFTER, status, month, months_in_status))
    allowed = (rule == JOB_FREE) | (rule == JOB_WITHIN) | ((rule == JOB_AFTER) & (months >= after)) | (
        (rule == JOB_FOR_CAUSE) & cause)
    limit = _i64(R.job_change_limit)[status]
    return allowed & ((limit == 0) | (_i64(job_changes) < limit))


def _months_left(max_stay, in_stay, max_total, in_total):
    left = np.where(max_stay > 0, max_stay - in_stay, NO_LIMIT)
    return np.where(max_total > 0, np.minimum(left, max_total - in_total), left)


def remaining_reference(R, status, months_in_status, status_total):
    """Months left in a stay of `status` under the rules in force now (rules.remaining, vectorised)."""
    status = _i64(status)
    return _months_left(_i64(R.max_stay)[status], _i64(months_in_status), _i64(R.max_total)[status],
                        _i64(status_total))


def remaining_held_reference(R, status, month, months_in_status, status_total):
    """Months left in the current stay of each holder of `status` (rules.remaining_held, vectorised)."""
    status, months_in_status = _i64(status), _i64(months_in_status)
    start = month - months_in_status
    in_stay = months_in_status - _not_counted(R, HOLD_STAY, status, month, months_in_status)
    in_total = _i64(status_total) - _not_counted(R, HOLD_TOTAL, status, month, months_in_status)
    return _months_left(_held(R, R.max_stay, HOLD_STAY, status, start), in_stay,
                        _held(R, R.max_total, HOLD_TOTAL, status, start), in_total)


def way_back_reference(R, status, status_total, months_completed, cert, skill, slope, thr1, thr2):
    """Best chance of a legal way back after leaving `status`, and where it leads (-1: none).

    Re-entering the same status first, then the open return paths in file order; a path
    needing a test the person lacks counts with the chance of passing it (model.md 3.4.7).
    """
    status = _i64(status)
    status_total = _i64(np.broadcast_to(status_total, status.shape))
    months_completed = _i64(np.broadcast_to(months_completed, status.shape))
    cert = _i64(cert)
    max_total = _i64(R.max_total)
    same = ~R.leaving_ends_right[status] & ((max_total[status] == 0) | (status_total < max_total[status]))
    best_p = np.where(same, 1.0, 0.0)
    best_to = np.where(same, status, -1)
    for k in range(R.rp_from.shape[0]):
        if not R.rp_open[k]:
            continue
        target = int(R.rp_to[k])
        ok = (status == int(R.rp_from[k])) & (months_completed >= int(R.rp_min_completed[k]))
        if max_total[target] > 0:
            ok &= ~((status == target) & (status_total >= max_total[target]))
        level = int(R.rp_test[k])
        p = np.ones(status.shape)
        if level > 0:
            p = np.where(cert < level, _pass_probability(skill, level, slope, thr1, thr2), 1.0)
        better = ok & (p > best_p)
        best_p = np.where(better, p, best_p)
        best_to = np.where(better, target, best_to)
    return best_p, best_to


def best_transition_reference(
    R, wage, cap_open, status, sector, months_in_status, abroad_months, cert, language, u_route=None
):
    """Index of the best-paid transition open to each person now, -1 if none (model.md 3.4.6);
    a route with a capacity only where the person's `u_route` is under its share. Without
    `u_route`, dates and capacities are set aside (the route each person would want)."""
    status = _i64(status)
    sector = _i64(sector)
    best = np.full(status.shape, -1, dtype=np.int64)
    best_wage = np.full(status.shape, -1.0)
    for k in range(R.tr_from.shape[0]):
        if R.tr_hazard[k] > 0.0:  # hazard transitions are not chosen
            continue
        target = int(R.tr_to[k])
        ok = (
            (status == int(R.tr_from[k]))
            & (_i64(months_in_status) >= int(R.tr_min_months[k]))
            & (_i64(abroad_months) >= int(R.tr_min_abroad[k]))
            & (_i64(cert) >= int(R.tr_test[k]))
            & (_i64(language) >= int(R.tr_language[k]))
            & R.tr_sector_ok[k][sector]
            & cap_open[target][sector]
            & (wage[target] > best_wage)
        )
        if u_route is not None:
            ok &= bool(R.tr_open[k]) & (u_route < R.tr_share[k])
        best = np.where(ok, k, best)
        best_wage = np.where(ok, wage[target], best_wage)
    return best


def _reentry_cooldown(R, previous, target):
    """Months to wait at home before entering `target` after leaving `previous`."""
    previous = _i64(previous)
    target = _i64(target)
    wait = np.zeros(previous.shape, dtype=np.int64)
    found = (target == previous) & ~R.leaving_ends_right[previous]
    wait[found] = _i64(R.reentry_cooldown)[previous[found]]
    for k in range(R.rp_from.shape[0]):
        hit = ~found & (previous == int(R.rp_from[k])) & (target == int(R.rp_to[k]))
        wait[hit] = int(R.rp_cooldown[k])
        found |= hit
    return wait


def _home_premium(p, months_abroad, matched):
    """Wage factor of a returnee's job at home (model.md 3.6.4)."""
    months_abroad = _f64(months_abroad)
    years = np.minimum(months_abroad / 12.0, 5.0)
    premium = 1.0 + p["experience_premium_annual"] * years + p["match_premium_annual"] * years * matched
    return np.where(months_abroad >= p["min_stay_for_premium_months"], premium, 1.0)


def _home_income(p, home_wage, months_abroad, cert, recognition, place, f12):
    """Expected monthly income at home of a returnee (model.md 3.4.6, E_home)."""
    recognised = np.where(_i64(cert) > 0, recognition, 0.0)
    search = 1.0 - np.power(1.0 - f12, 1.0 + p["recognised_finding_boost"] * recognised)
    p_job = place + (1.0 - place) * search
    with np.errstate(divide="ignore", invalid="ignore"):
        matched = np.where(p_job > 0.0, (place + (1.0 - place) * search * recognised) / p_job, 0.0)
    premium = _home_premium(p, months_abroad, matched)
    return home_wage * (p_job * premium + (1.0 - p_job) * p["home_fallback_income_share"])


def _prospects(p, e_home, home_wage):
    """Home prospects: log of E_home over the reference returnee's expected income."""
    f = p["returnee_job_finding_12m"]
    return np.log(e_home / (home_wage * (f + (1.0 - f) * p["home_fallback_income_share"])))


# ----- census ---------------------------------------------------------------------------


def census_reference(
    n,
    status,
    origin,
    sector,
    employer,
    months_home,
    cert,
    counted_employer,
    n_status,
    n_origin,
    n_sector,
    n_employer,
    returned,
    threads,
):
    """Group totals (same outputs as kernels.census; `threads` is ignored)."""
    st = _i64(status[:n])
    o = _i64(origin[:n])
    sec = _i64(sector[:n])
    e = _i64(employer[:n])
    present = st >= 0
    by_group = np.zeros((n_status, n_origin, n_sector), dtype=np.int64)
    np.add.at(by_group, (st[present], o[present], sec[present]), 1)
    counted = present & (e >= 0) & counted_employer[np.where(present, st, 0)]
    by_employer = np.bincount(e[counted], minlength=n_employer).astype(np.int64)
    fresh_mask = present & (st == returned) & (_i64(months_home[:n]) == 0)
    fresh = np.zeros((n_origin, 3), dtype=np.int64)
    np.add.at(fresh, (o[fresh_mask], _i64(cert[:n])[fresh_mask]), 1)
    return by_group, by_employer, fresh


# ----- the host pass --------------------------------------------------------------------


def _arrive_home(S, me, came_home, rows, returned, u, positions, recognition, waiting=None):
    """Arrival at origin (model.md 3.6.2) of the people at state rows `rows` (`positions`
    in the pass's draws `u`); with `waiting`, they join the bilateral channel's queue."""
    np.add.at(came_home, (_i64(S.origin[rows]), _i64(S.cert[rows])), 1)
    cert = _i64(S.cert[rows])
    S.recognised[rows] = (cert > 0) & (u(SLOT["recognise"], positions) < recognition)
    if waiting is not None:
        np.add.at(waiting, (_i64(S.sector[rows]), cert), 1)
    changed = rows[S.employer[rows] == -2]
    S.employer[changed] = -1  # changed employer, then left: no employer to go back to
    # skill-years carried home; the product is formed in float32 (the kernels multiply the
    # float32 skill by the int16 month count before dividing by 12.0)
    skill_months = S.skill[rows] * S.months_in_stay[rows].astype(np.float32)
    _add_measure(me, "skill_years_home", S.origin[rows], _f64(skill_months) / 12.0)
    S.status[rows] = returned
    S.months_home[rows] = 0
    S.employed_home[rows] = 0
    S.applying[rows] = 0
    S.savings[rows] = 0.0


def host_month_reference(S, R, E, P, M, out):
    """One month in the host for everyone there (steps 3-8), as kernels.host_month (which
    also keeps the block flags, a saving of work that changes no result; they are not used here).

    Works on index vectors: `rows` are the state rows of the people in the host, and each
    step selects (by mask) the positions of `rows` still eligible for it. Someone who leaves
    the host (ages out, dies, returns, is removed, exits) is dropped from `live`.
    """
    p = _parameters(P)
    n, month, seed, abroad = M.n, M.month, M.seed, M.abroad
    sector_factor, home_wage, f12, cap_open, death_by_age = (
        M.sector_factor,
        M.home_wage,
        M.f12,
        M.cap_open,
        M.death_by_age,
    )
    fl = out.flows[0]
    me = out.measures[0]
    came_home = out.fresh[0]
    waiting = out.waiting[0, 0]
    irregular, returned = int(R.irregular), int(R.returned)
    wage_of = _f64(R.wage)
    kind = _i64(R.kind)
    slope, thr1, thr2 = p["test_slope"], p["test_threshold_ssw1"], p["test_threshold_ssw2"]
    horizon, delta, cs = p["decision_horizon_months"], p["discount_monthly"], p["choice_scale"]
    annuity = float(_annuity(delta, horizon))

    status_now = S.status[:n]
    rows = np.nonzero((status_now > 0) & (status_now != returned))[0]
    u = _Draws(seed, S.pid[rows], month)
    everyone = np.arange(rows.size)
    st = _i64(S.status[rows])  # the status the pass works with (see the note on upgrades below)
    o = _i64(S.origin[rows])
    sec = _i64(S.sector[rows])
    live = np.ones(rows.size, dtype=bool)

    def leave_model(mask, flow):
        """People in `mask` leave the modelled population (flow from their status to abroad)."""
        _add_flows(fl, flow, st[mask], np.full(np.count_nonzero(mask), abroad), o[mask], sec[mask])
        S.status[rows[mask]] = -1
        S.applying[rows[mask]] = 0
        live[mask] = False

    # 3.4.1 ageing and death
    S.age[rows] += 1
    age = _i64(S.age[rows])
    leave_model(age >= p["retirement_age_years"] * 12.0, "age_out")
    q = death_by_age[np.minimum(age, death_by_age.shape[0] - 1)]
    leave_model(live & (u(SLOT["death"], everyone) < q), "death")
    r = rows[live]
    S.months_in_status[r] += 1
    S.months_in_stay[r] += 1
    S.months_abroad[r] += 1
    S.status_total[rows[live & (st != irregular)]] += 1

    # 3.4.2 work and income (wage, premium etc. are meaningful at live positions only)
    irr = st == irregular
    prev = _i64(S.prev_status[rows])
    e = _i64(S.employer[rows])
    has_employer = ~irr & (e >= 0)
    e0 = np.maximum(e, 0)
    premium = np.where(has_employer, M.employers.premium[e0], 1.0)
    log_premium = np.where(has_employer, M.employers.log_premium[e0], 0.0)
    abusive = np.where(has_employer, _f64(M.employers.abusive[e0]), 0.0)
    skill = _f64(S.skill[rows])
    irregular_base = np.where(prev > 0, wage_of[np.maximum(prev, 0)], wage_of[1])
    wage = np.where(
        irr,
        irregular_base * sector_factor[sec] * p["irregular_wage_factor"],
        wage_of[st] * sector_factor[sec] * premium * (1.0 + p["skill_wage_return"] * skill),
    )
    r = rows[live]
    w = wage[live]
    net = np.maximum(w - p["living_cost_jpy"], 0.1 * w)
    debt = _f64(S.debt[r])
    repay = np.minimum(debt, p["repayment_share"] * net)
    S.debt[r] = np.maximum(debt * (1.0 + p["debt_interest_monthly"]) - repay, 0.0)
    remit = p["remittance_share"] * (net - repay) * (1.0 - p["family_remittance_cut"] * _f64(S.family[r]))
    S.savings[r] = _f64(S.savings[r]) + (net - repay - remit)
    _add_measure(me, "earnings", o[live], w)
    _add_measure(me, "remittances", o[live], remit)
    _add_measure(me, "home_wage_counterfactual", o[live], home_wage[o[live]])

    # 3.4.3 skills, tests, language
    programme = live & ~irr & (kind[st] == KIND_PROGRAMME)
    learn = programme | (live & irr)
    s = _f64(S.skill[rows[learn]])
    S.skill[rows[learn]] = s + p["learning_rate"] * (1.0 - s)
    mis = _i64(S.months_in_status[rows])
    cert = _i64(S.cert[rows])
    test = programme & (cert < 2) & (mis % 12 == 0)
    passed = test & (u(SLOT["test"], everyone) < _pass_probability(S.skill[rows], cert + 1, slope, thr1, thr2))
    S.cert[rows[passed]] += 1
    learn_language = live & (_i64(S.language[rows]) < 3) & (u(SLOT["language"], everyone) < p["language_rate"])
    S.language[rows[learn_language]] += 1

    # 3.4.4 job change where allowed
    allowed = _job_change_allowed(R, st, month, mis, abusive > 0, S.job_changes[rows])
    hazard = p["job_change_base"] * (
        1.0 + p["job_change_abuse"] * abusive + p["job_change_gap"] * np.maximum(0.0, 1.0 - premium) * 10.0
    )
    change = programme & allowed & (u(SLOT["job_change"], everyone) < hazard)
    _add_flows(fl, "job_change", st[change], st[change], o[change], sec[change])
    S.employer[rows[change]] = -2  # assigned a new employer after this pass
    S.job_changes[rows[change]] = np.minimum(_i64(S.job_changes[rows[change]]) + 1, 127)

    # 3.4.5 absconding, pushed by abuse, debt and the tie to the employer
    cert = _i64(S.cert[rows])
    skill = _f64(S.skill[rows])
    status_total = _i64(S.status_total[rows])
    option, _ = way_back_reference(E, st, status_total, mis, cert, skill, slope, thr1, thr2)
    months_abroad = _i64(S.months_abroad[rows])
    expected_place = M.expect_place[sec, cert]
    e_home = _home_income(p, home_wage[o], months_abroad, cert, E.recognition, expected_place, f12[o])
    prospects = _prospects(p, e_home, home_wage[o])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        debt_ratio = _f64(S.debt[rows]) / wage
        rate = p["abscond_base"] * np.exp(
            p["abscond_abuse"] * abusive
            + p["abscond_tie"] * np.where(allowed, 0.0, 1.0)
            + p["abscond_debt"] * debt_ratio
            + p["abscond_gap"] * np.maximum(0.0, -log_premium)
            - p["abscond_option"] * option
            - p["abscond_home"] * prospects
        )
    absconds = programme & (u(SLOT["abscond"], everyone) < rate)
    _add_flows(fl, "abscond", st[absconds], np.full(absconds.sum(), irregular), o[absconds], sec[absconds])
    a = rows[absconds]
    S.prev_status[a] = st[absconds]
    S.status[a] = irregular
    S.overstay[a] = 0
    S.months_in_status[a] = 0
    S.employer[a] = -1
    st = np.where(absconds, irregular, st)
    programme &= ~absconds

    # 3.4.6 expiry or renewal point: the choice between staying, returning and going irregular
    mis = _i64(S.months_in_status[rows])
    left = remaining_held_reference(R, st, month, mis, status_total)
    renewable = R.renewable[st]
    with np.errstate(divide="ignore", invalid="ignore"):
        at_renewal = renewable & (mis % np.maximum(_i64(R.permit)[st], 1) == 0)
    deciding = programme & ((left <= 0) | at_renewal)
    decided = np.zeros(rows.size, dtype=bool)
    if deciding.any():
        d = np.nonzero(deciding)[0]
        rd = rows[d]
        st_d, sec_d, o_d = st[d], sec[d], o[d]
        mis_d, total_d = mis[d], status_total[d]
        cert_d, skill_d = cert[d], skill[d]
        months_abroad_d = _i64(S.months_abroad[rd])
        renew = (left[d] > 0) & renewable[d]
        stay_to = np.where(renew, st_d, -1)
        stay_wage = np.where(renew, wage_of[st_d], 0.0)
        abroad_months = months_abroad_d if R.cumulative else _i64(S.months_in_stay[rd])
        language_d = S.language[rd]
        wanted = best_transition_reference(R, wage_of, cap_open, st_d, sec_d, mis_d, abroad_months, cert_d, language_d)
        np.add.at(out.routes[0], wanted[wanted >= 0], 1)
        u_route = u(SLOT["route"], d)
        at = np.maximum(wanted, 0)
        turned_away = (wanted >= 0) & (~R.tr_open[at] | (u_route >= R.tr_share[at]))
        chosen = np.where(
            turned_away,
            best_transition_reference(
                R, wage_of, cap_open, st_d, sec_d, mis_d, abroad_months, cert_d, language_d, u_route
            ),
            wanted,
        )
        target = np.where(chosen >= 0, _i64(R.tr_to)[np.maximum(chosen, 0)], -1)
        upgrade = (target >= 0) & (wage_of[np.maximum(target, 0)] > stay_wage)
        stay_to = np.where(upgrade, target, stay_to)
        stay_wage = np.where(upgrade, wage_of[np.maximum(target, 0)], stay_wage)
        can_stay = stay_to >= 0
        w_d = wage[d]
        debt_d = _f64(S.debt[rd])
        family_d = _f64(S.family[rd])

        return_p, _ = way_back_reference(E, st_d, total_d, mis_d, cert_d, skill_d, slope, thr1, thr2)
        e_home = _home_income(p, home_wage[o_d], months_abroad_d, cert_d, E.recognition,
                              M.expect_place[sec_d, cert_d], f12[o_d])
        u_return = cs * np.log(annuity * e_home) + p["theta_home"] + p["nu_option"] * return_p
        irr_net = np.maximum(w_d * p["irregular_wage_factor"] - p["living_cost_jpy"], 0.1 * w_d)
        u_irr = (
            cs * np.log(annuity * irr_net)
            + p["gamma_debt"] * debt_d / w_d
            - p["gamma_detect"] * E.detection * 12.0
            + p["irregular_constant"]
        )
        # staying: host income for the months the permit allows within the horizon, home income after
        to = np.maximum(stay_to, 0)
        stay_gross = stay_wage * sector_factor[sec_d] * premium[d] * (1.0 + p["skill_wage_return"] * skill_d)
        stay_net = np.maximum(stay_gross - p["living_cost_jpy"], 0.1 * stay_gross)
        stay_p, _ = way_back_reference(E, to, 0, 0, cert_d, skill_d, slope, thr1, thr2)
        renewing = stay_to == st_d
        months_allowed = np.where(
            renewing,
            remaining_held_reference(R, st_d, month, mis_d, total_d),
            remaining_reference(R, to, np.zeros_like(mis_d), np.zeros_like(total_d)),
        )
        months_allowed = np.minimum(horizon, months_allowed)
        pv_stay = (
            _annuity(delta, months_allowed) * stay_net
            + np.power(delta, months_allowed) * _annuity(delta, horizon - months_allowed) * e_home
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            u_stay = np.where(
                can_stay, cs * np.log(pv_stay) + p["theta_family"] * family_d + p["nu_option"] * stay_p, -1e300
            )
        top = np.maximum(np.maximum(u_return, u_irr), u_stay)
        w_return = np.exp(u_return - top)
        w_irr = np.exp(u_irr - top)
        w_stay = np.where(can_stay, np.exp(u_stay - top), 0.0)
        pick = u(SLOT["choice"], d) * (w_return + w_irr + w_stay)
        stays = pick < w_stay
        goes_irregular = ~stays & (pick < w_stay + w_irr)
        goes_home = ~stays & ~goes_irregular

        # stay through an upgrade: new status at once, counters restarted
        up = stays & (stay_to != st_d)
        _add_flows(fl, "upgrade", st_d[up], stay_to[up], o_d[up], sec_d[up])
        S.prev_status[rd[up]] = st_d[up]
        S.status[rd[up]] = stay_to[up]
        S.months_in_status[rd[up]] = 0
        S.status_total[rd[up]] = 0
        S.job_changes[rd[up]] = 0
        st[d[up]] = stay_to[up]
        # overstay
        ov = d[goes_irregular]
        _add_flows(fl, "overstay", st[ov], np.full(ov.size, irregular), o[ov], sec[ov])
        S.prev_status[rows[ov]] = st[ov]
        S.status[rows[ov]] = irregular
        S.overstay[rows[ov]] = 1
        S.months_in_status[rows[ov]] = 0
        S.employer[rows[ov]] = -1
        st[ov] = irregular
        # return home
        home = d[goes_home]
        _add_flows(fl, "return", st[home], np.full(home.size, returned), o[home], sec[home])
        S.prev_status[rows[home]] = st[home]
        _arrive_home(S, me, came_home, rows[home], returned, u, home, R.recognition, waiting)
        live[home] = False
        decided[d[stays | goes_irregular]] = True

    # 3.4.8 early voluntary return (programme statuses without a decision this month)
    early = programme & live & ~decided
    if early.any():
        hazard = np.full(rows.size, p["return_hazard_base"])
        hazard = np.where(_i64(S.months_in_status[rows]) <= 12, hazard * p["return_hazard_early_factor"], hazard)
        hazard = np.where(_i64(S.family[rows]) > 0, hazard * 0.5, hazard)
        hazard = hazard * np.exp(p["return_home"] * prospects)
        saved = (_i64(S.target_earner[rows]) > 0) & (_f64(S.savings[rows]) >= p["savings_target_months"] * wage)
        hazard = np.where(saved, np.maximum(hazard, 0.08), hazard)
        back = early & (u(SLOT["early_return"], everyone) < hazard)
        _add_flows(fl, "return", st[back], np.full(back.sum(), returned), o[back], sec[back])
        S.prev_status[rows[back]] = st[back]
        _arrive_home(S, me, came_home, rows[back], returned, u, np.nonzero(back)[0], R.recognition, waiting)
        live[back] = False

    # 3.4.9 non-programme statuses: exits; then hazard-driven transitions (first success) for
    # every regular person without a decision this month
    other = live & ~programme & ~absconds & (st != irregular)
    exits = other & (u(SLOT["exit"], everyone) < _f64(R.exit_rate)[st])
    leave_model(exits, "exit")
    moving = live & (st != irregular) & ~decided
    months_abroad = _i64(S.months_abroad[rows])
    mis = _i64(S.months_in_status[rows])
    for k in range(R.tr_from.shape[0]):
        if not R.tr_open[k] or R.tr_hazard[k] <= 0.0:
            continue
        candidates = (
            moving
            & (st == int(R.tr_from[k]))
            & (mis >= int(R.tr_min_months[k]))
            & (months_abroad >= int(R.tr_min_abroad[k]))
        )
        if not candidates.any():
            continue
        moves = candidates & (u(SLOT["transition"] + 64 * (k + 1), everyone) < R.tr_hazard[k])
        target = int(R.tr_to[k])
        _add_flows(fl, "upgrade", st[moves], np.full(moves.sum(), target), o[moves], sec[moves])
        S.prev_status[rows[moves]] = st[moves]
        S.status[rows[moves]] = target
        S.months_in_status[rows[moves]] = 0
        S.status_total[rows[moves]] = 0
        S.job_changes[rows[moves]] = 0
        st[moves] = target
        moving &= ~moves

    # 3.4.10 enforcement and voluntary departure of irregular workers (from their second month)
    irregular_now = live & (st == irregular) & (_i64(S.months_in_status[rows]) > 0)
    removed = irregular_now & (u(SLOT["detect"], everyone) < R.detection)
    # an irregular stay forfeits the bilateral channel: prospects without a placement
    e_home_irregular = _home_income(p, home_wage[o], _i64(S.months_abroad[rows]), _i64(S.cert[rows]),
                                    E.recognition, 0.0, f12[o])
    departure = np.minimum(
        1.0, p["irregular_departure_rate"] * np.exp(p["irregular_departure_home"]
                                                    * _prospects(p, e_home_irregular, home_wage[o]))
    )
    departs = irregular_now & ~removed & (u(SLOT["depart"], everyone) < departure)
    for mask, flow, ban in ((removed, "removal", int(R.ban)), (departs, "voluntary_departure", 12)):
        _add_flows(fl, flow, st[mask], np.full(mask.sum(), returned), o[mask], sec[mask])
        _arrive_home(S, me, came_home, rows[mask], returned, u, np.nonzero(mask)[0], R.recognition)
        S.ban_until[rows[mask]] = month + ban
        S.forfeited[rows[mask]] = 1
        live[mask] = False

    # 3.4.11 family in the host where the status allows it now: formation after the months it
    # asks for; no family with a holder of a status without the right
    regular = live & (st != irregular)
    permitted = family_may_live_in_host.py_func(R.family_allowed, R.family_after, st, _i64(S.months_in_status[rows]))
    S.family[rows[regular & ~permitted]] = 0
    joins = (
        regular
        & permitted
        & (_i64(S.family[rows]) == 0)
        & (u(SLOT["family"], everyone) < p["family_formation_rate"])
    )
    S.family[rows[joins]] = 1

    # 3.4.12 month-end measures of the people still in the host
    r = rows[live]
    _add_measure(me, "debt", o[live], S.debt[r])
    _add_measure(me, "workers_in_host", o[live], np.ones(r.size))
    _add_measure(me, "skill_sum_host", o[live], S.skill[r])
    _add_measure(me, "experienced_workers", o[live], _i64(S.months_abroad[r]) >= 36)
    _add_measure(me, "regular_months", o[regular], np.ones(regular.sum()))
    _add_measure(me, "family_in_host", o[regular], _i64(S.family[rows[regular]]) > 0)
    employer_now = _i64(S.employer[rows])
    cause = (employer_now >= 0) & (M.employers.abusive[np.maximum(employer_now, 0)] > 0)
    mobile = regular & _job_change_allowed(R, st, month, S.months_in_status[rows], cause, S.job_changes[rows])
    _add_measure(me, "mobility_months", o[mobile], np.ones(mobile.sum()))
    employed = _i64(S.employer[rows[regular]])
    np.add.at(out.headcount[0], employed[employed >= 0], 1)
    np.add.at(out.tenure[0], (st[live], o[live]), _i64(S.months_in_status[r]))


# ----- the home pass --------------------------------------------------------------------


def home_month_reference(S, R, E, P, M, out):
    """One month at origin for every returnee (steps 9-11), as kernels.home_month (without
    its block flags)."""
    p = _parameters(P)
    n, month, seed, abroad = M.n, M.month, M.seed, M.abroad
    place_prob, f12, remigration_gain, death_by_age = M.place_prob, M.f12, M.remigration_gain, M.death_by_age
    home_wage = M.home_wage
    fl = out.flows[0]
    me = out.measures[0]
    returned = int(R.returned)
    kind = _i64(R.kind)
    slope, thr1, thr2 = p["test_slope"], p["test_threshold_ssw1"], p["test_threshold_ssw2"]
    monthly_find = 1.0 - np.power(1.0 - f12, 1.0 / 12.0)

    rows = np.nonzero(S.status[:n] == returned)[0]
    u = _Draws(seed, S.pid[rows], month)
    everyone = np.arange(rows.size)
    o = _i64(S.origin[rows])
    sec = _i64(S.sector[rows])
    live = np.ones(rows.size, dtype=bool)
    ret = np.full(rows.size, returned)

    # 3.6.5 ageing and death, from the second month home
    settled = _i64(S.months_home[rows]) > 0
    S.age[rows[settled]] += 1
    age = _i64(S.age[rows])
    ages_out = settled & (age >= p["retirement_age_years"] * 12.0)
    dies = settled & ~ages_out & (u(SLOT["death"], everyone) < death_by_age[np.minimum(age, death_by_age.shape[0] - 1)])
    for mask, flow in ((ages_out, "age_out"), (dies, "death")):
        _add_flows(fl, flow, ret[mask], np.full(mask.sum(), abroad), o[mask], sec[mask])
        S.status[rows[mask]] = -1
        S.applying[rows[mask]] = 0
        live[mask] = False

    # 3.6.3-3.6.4 reintegration: a placement by the bilateral channel for those waiting in its
    # queue, else the returnee's own search (faster with a recognised certificate), every month
    months_home = _i64(S.months_home[rows])
    prev = _i64(S.prev_status[rows])
    cert = _i64(S.cert[rows])
    was_programme = (prev > 0) & (kind[np.maximum(prev, 0)] == KIND_PROGRAMME)
    in_queue = was_programme & (_i64(S.forfeited[rows]) == 0) & (months_home < PLACEMENT_WINDOW)
    looking = live & (_i64(S.employed_home[rows]) == 0)
    placed = looking & in_queue & (u(SLOT["home_job"], everyone) < place_prob[sec, cert])
    recognised = _i64(S.recognised[rows]) > 0
    hazard = np.where(recognised, 1.0 - np.power(1.0 - monthly_find[o], 1.0 + p["recognised_finding_boost"]),
                      monthly_find[o])
    hazard = np.where(months_home < int(R.support), np.minimum(1.0, hazard * 2.0), hazard)
    found = looking & ~placed & (u(SLOT["search"], everyone) < hazard)
    S.employed_home[rows[placed]] = 2
    S.employed_home[rows[found]] = 1
    _add_flows(fl, "placement_home", ret[placed], ret[placed], o[placed], sec[placed])
    _add_measure(me, "placements_home", o[placed], np.ones(placed.sum()))
    _add_flows(fl, "job_found_home", ret[found], ret[found], o[found], sec[found])
    employed = _i64(S.employed_home[rows]) > 0
    still = live & ~employed & in_queue & (months_home + 1 < PLACEMENT_WINDOW)
    np.add.at(out.waiting[0, 1], (sec[still], cert[still]), 1)
    matched = (_i64(S.employed_home[rows]) == 2) | recognised
    premium = np.where(employed, _home_premium(p, S.months_abroad[rows], matched), 1.0)
    counted = live & was_programme & (months_home < RETURNEE_WINDOW)
    _add_measure(me, "returnee_home_wage", o[counted], home_wage[o[counted]])
    _add_measure(me, "returnee_skill", o[counted], S.skill[rows[counted]])
    income = np.where(employed, home_wage[o] * premium, home_wage[o] * p["home_fallback_income_share"])
    _add_measure(me, "returnee_home_income", o[counted], income[counted])
    used = counted & employed
    _add_measure(me, "returnee_skill_in_use", o[used], _f64(S.skill[rows[used]]) * matched[used])
    S.months_home[rows[live]] += 1

    months_home = _i64(S.months_home[rows])
    reach = live & (months_home == 12) & was_programme
    _add_measure(me, "returnees_reaching_12m", o[reach], np.ones(reach.sum()))
    _add_measure(me, "returnees_employed_12m", o[reach & employed], np.ones((reach & employed).sum()))

    # 3.6.6 re-migration after the cooldown, through a legal way back
    may = live & (_i64(S.applying[rows]) == 0) & was_programme & (month >= _i64(S.ban_until[rows]))
    prev0 = np.maximum(prev, 0)
    forfeited = _i64(S.forfeited[rows]) > 0
    _, to_path = way_back_reference(
        R, prev0, S.status_total[rows], S.months_in_status[rows], S.cert[rows], S.skill[rows], slope, thr1, thr2
    )
    p_path, _ = way_back_reference(
        E, prev0, S.status_total[rows], S.months_in_status[rows], S.cert[rows], S.skill[rows], slope, thr1, thr2
    )
    admits = R.admits[prev0]
    p_back = np.where(forfeited, np.where(admits, 1.0, 0.0), p_path)
    target = np.where(forfeited, np.where(admits, prev0, -1), to_path)
    wait = np.where(forfeited | (target < 0), 0, _reentry_cooldown(R, prev0, np.maximum(target, 0)))
    may &= (target >= 0) & (p_back > 0.0) & (months_home >= np.maximum(wait, 1))
    hazard = p["remigration_base"] * remigration_gain[o] * np.where(
        employed, np.exp(-p["theta_employed"]) * np.power(premium, -p["remigration_home"]), 1.0
    )
    applies = may & (u(SLOT["remigrate"], everyone) < hazard * p_back)
    S.applying[rows[applies]] = 1
    S.apply_status[rows[applies]] = target[applies]
