"""The reduced model of docs/reduced-model.md in plain NumPy (vectorised over persons).

A second independent implementation, written from the specification only (it does not
import coexist and needs neither Mesa nor SciPy): the test suite docks the engine against
it. Section numbers refer to docs/reduced-model.md.
"""

from __future__ import annotations

import math

import numpy as np

try:  # imported as benchmarks/docking/reference.py or from that folder
    from spec import FLOWS, STOCKS, annuity, derived, with_perturbation
except ImportError:  # pragma: no cover
    from .spec import FLOWS, STOCKS, annuity, derived, with_perturbation

GONE, WORKER, IRREGULAR, RETURNED = -1, 0, 1, 2


class Population:
    """Person arrays, grown on demand."""

    FIELDS = {
        "state": np.int8, "m": np.int32, "a": np.int32, "skill": np.float64, "debt": np.float64,
        "savings": np.float64, "target": np.bool_, "age": np.int32, "home": np.int32, "employed": np.int8,
        "applying": np.int8, "travel": np.int32, "banned": np.bool_,
    }

    def __init__(self, capacity):
        self.n = 0
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))

    def add(self, k):
        if self.n + k > self.state.size:
            size = max(2 * self.state.size, self.n + k)
            for name in self.FIELDS:
                old = getattr(self, name)
                new = np.zeros(size, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        ids = np.arange(self.n, self.n + k)
        self.n += k
        return ids


def run(n_agents=2_000, months=60, seed=0, perturb=None):
    """Monthly series {name: np.array[months]} of one replicate."""
    p = with_perturbation(perturb)
    d = derived(p)
    rng = np.random.default_rng(seed)
    c, delta, H = p["choice_scale"], p["discount_monthly"], int(p["decision_horizon_months"])
    A_H = annuity(delta, H)
    abusive = rng.random() < p["abusive_employer_share"]
    premium = math.exp(rng.normal(0.0, 0.08)) * (0.9 if abusive else 1.0)
    abscond = d["abscond"] * math.exp(p["abscond_abuse"] * abusive)
    retire = 12 * p["retirement_age_years"]

    def wage(skill):
        return p["w0"] * p["f_s"] * premium * (1.0 + p["skill_wage_return"] * skill)

    def death(age):
        return p["mortality_annual"] * np.exp(0.09 * (age / 12.0 - 40.0)) / 12.0

    # 3. initialisation
    X = Population(int(n_agents * 3))
    ids = X.add(n_agents)
    m0 = np.floor(rng.random(n_agents) * p["max_stay_months"]).astype(np.int32)
    X.state[ids] = WORKER
    X.m[ids] = m0
    X.a[ids] = m0
    X.skill[ids] = 1.0 - 0.9 * (1.0 - p["learning_rate"]) ** m0
    X.debt[ids] = p["F"] * np.clip(1.0 - m0 / 24.0, 0.0, 1.0)
    X.target[ids] = rng.random(n_agents) < p["target_earner_share"]
    X.age[ids] = np.floor(12 * p["entry_age_mean_years"] + (rng.random(n_agents) - 0.5) * 96 + m0).astype(np.int32)
    pool = p["pool_target"]
    pipeline = np.zeros(months + d["lag"] + 1, dtype=np.int64)
    # recruits admitted before the start arrive in the first `lag` months, one steady month each
    steady = n_agents / p["max_stay_months"]
    for t in range(d["lag"]):
        pipeline[t] = math.floor(steady) + int(rng.random() < steady - math.floor(steady))
    # open vacancies at the start: at least a month of entries for each month a vacancy takes to fill
    demand = max(n_agents, n_agents + p["vacancy_fill_months"] * steady) + pipeline.sum()
    history = {k: np.zeros(months) for k in (*STOCKS, *FLOWS)}

    for t in range(months):
        fl = {f: 0 for f in FLOWS}
        n = X.n
        # 4.1 arrivals
        back = np.nonzero((X.applying[:n] == 2) & (X.travel[:n] == t) & (X.state[:n] == RETURNED))[0]
        X.state[back] = WORKER
        X.m[back] = 0
        X.applying[back] = 0
        X.debt[back] += p["F"]
        fl["reentry"] = back.size
        k = int(pipeline[t])
        pipeline[t] = 0
        if k:
            pool -= k
            ids = X.add(k)
            X.state[ids] = WORKER
            X.skill[ids] = 0.05 + 0.1 * rng.random(k)
            X.debt[ids] = p["F"]
            X.target[ids] = rng.random(k) < p["target_earner_share"]
            X.age[ids] = np.floor(12 * p["entry_age_mean_years"] + (rng.random(k) - 0.5) * 96).astype(np.int32)
            fl["entry"] = k
        n = X.n
        st = X.state[:n]
        # 4.2 admissions
        vacancies = max(
            demand - np.count_nonzero(st == WORKER) - pipeline.sum() - np.count_nonzero(X.applying[:n] == 2), 0.0
        ) / p["vacancy_fill_months"]
        applications = rng.poisson(pool * p["application_rate"] * d["attract"])
        applicants = np.nonzero((X.applying[:n] == 1) & (st == RETURNED))[0]
        if applicants.size:
            admitted = applicants[rng.random(applicants.size) < min(1.0, vacancies / applicants.size)]
            X.applying[admitted] = 2
            X.travel[admitted] = t + d["lag_re"]
            vacancies = max(vacancies - admitted.size, 0.0)
        if applications > 0:
            q = math.floor(vacancies) + int(rng.random() < vacancies - math.floor(vacancies))
            if q > 0:
                k = min(q, int(rng.poisson(applications)), math.floor(pool) - int(pipeline.sum()))
                if k > 0:
                    pipeline[t + d["lag"]] += k

        # 4.3 host pass
        host = np.nonzero((st == WORKER) | (st == IRREGULAR))[0]
        X.age[host] += 1
        out = X.age[host] >= retire
        fl["age_out"] += int(out.sum())
        dead = ~out & (rng.random(host.size) < death(X.age[host]))
        fl["death"] += int(dead.sum())
        X.state[host[out | dead]] = GONE
        X.applying[host[out | dead]] = 0
        host = host[~(out | dead)]
        X.m[host] += 1
        X.a[host] += 1
        worker = X.state[host] == WORKER
        w = np.where(worker, wage(X.skill[host]), p["w0"] * p["f_s"] * p["irregular_wage_factor"])
        net = np.maximum(w - p["living_cost_jpy"], 0.1 * w)
        repay = np.minimum(X.debt[host], p["repayment_share"] * net)
        X.debt[host] = np.maximum(X.debt[host] * (1.0 + p["debt_interest_monthly"]) - repay, 0.0)
        X.savings[host] += (1.0 - p["remittance_share"]) * (net - repay)
        X.skill[host] += p["learning_rate"] * (1.0 - X.skill[host])
        u_abs, u_choice, u_ret, u_det = rng.random((4, host.size))
        goes_irr = worker & (u_abs < abscond)
        fl["abscond"] = int(goes_irr.sum())
        # 5. decisions
        mm = X.m[host]
        deciding = worker & ~goes_irr & (mm % p["permit_months"] == 0)
        to_home = np.zeros(host.size, dtype=bool)
        overstay = np.zeros(host.size, dtype=bool)
        if deciding.any():
            j = np.nonzero(deciding)[0]
            i = host[j]
            a = X.a[i]
            prem = np.where(
                a < p["min_stay_for_premium_months"],
                1.0,
                1.0 + p["experience_premium_annual"] * np.minimum(a / 12.0, 5.0),
            )
            e_home = p["h"] * (d["f12"] * prem + (1.0 - d["f12"]) * p["home_fallback_income_share"])
            wj = w[j]
            u_return = c * np.log(A_H * e_home) + p["theta_home"] + p["nu_option"]
            u_irr = (
                c * np.log(A_H * np.maximum(p["irregular_wage_factor"] * wj - p["living_cost_jpy"], 0.1 * wj))
                + p["gamma_debt"] * X.debt[i] / wj
                - p["gamma_detect"] * 12.0 * p["detection_rate"]
                + p["irregular_constant"]
            )
            left = p["max_stay_months"] - mm[j]
            ell = np.minimum(H, left)
            a_ell = np.array([annuity(delta, x) for x in ell])
            a_rest = np.array([annuity(delta, H - x) for x in ell])
            w_s = wage(X.skill[i])
            net_s = np.maximum(w_s - p["living_cost_jpy"], 0.1 * w_s)
            pv = a_ell * net_s + delta ** np.maximum(ell, 0) * a_rest * e_home
            can_stay = left > 0
            u_stay = np.where(can_stay, c * np.log(np.maximum(pv, 1e-300)) + p["nu_option"], -np.inf)
            top = np.maximum(np.maximum(u_return, u_irr), u_stay)
            ws, wi, wr = np.exp(u_stay - top), np.exp(u_irr - top), np.exp(u_return - top)
            draw = u_choice[j] * (ws + wi + wr)
            irr = (draw >= ws) & (draw < ws + wi)
            ret = draw >= ws + wi
            overstay[j[irr]] = True
            to_home[j[ret]] = True
        # 6. early return
        early = worker & ~goes_irr & ~deciding
        hazard = p["return_hazard_base"] * np.where(mm <= 12, p["return_hazard_early_factor"], 1.0)
        met = X.target[host] & (X.savings[host] >= p["savings_target_months"] * w)
        hazard = np.where(met, np.maximum(hazard, 0.08), hazard)
        to_home |= early & (u_ret < hazard)
        fl["return"] = int(to_home.sum())
        fl["overstay"] = int(overstay.sum())
        # 7. removal of irregular persons from the month after
        removed = ~worker & (mm > 0) & (u_det < p["detection_rate"])
        fl["removal"] = int(removed.sum())
        irr_now = host[goes_irr | overstay]
        X.state[irr_now] = IRREGULAR
        X.m[irr_now] = 0
        home_now = host[to_home | removed]
        X.state[home_now] = RETURNED
        X.home[home_now] = 0
        X.employed[home_now] = 0
        X.applying[home_now] = 0
        X.savings[home_now] = 0.0
        X.banned[host[removed]] = True

        # 4.4 home pass
        home = np.nonzero(X.state[:n] == RETURNED)[0]
        old = X.home[home] > 0
        X.age[home[old]] += 1
        out = old & (X.age[home] >= retire)
        dead = old & ~out & (rng.random(home.size) < death(X.age[home]))
        fl["age_out"] += int(out.sum())
        fl["death"] += int(dead.sum())
        gone = home[out | dead]
        X.state[gone] = GONE
        X.applying[gone] = 0
        keep = ~(out | dead)
        home, old = home[keep], old[keep]
        find = (X.employed[home] == 0) & (rng.random(home.size) < d["p_find"])
        X.employed[home[find]] = 1
        fl["job_found_home"] = int(find.sum())
        X.home[home] += 1
        hazard = p["remigration_base"] * d["gain"] * np.exp(-p["theta_employed"] * X.employed[home])
        apply = (X.applying[home] == 0) & ~X.banned[home] & (X.home[home] >= p["cooldown_months"])
        apply &= rng.random(home.size) < hazard
        X.applying[home[apply]] = 1

        # 4.5 pool renewal, 4.6 record
        pool += p["pool_refresh_rate"] * (p["pool_target"] - pool)
        st = X.state[: X.n]
        history["worker"][t] = np.count_nonzero(st == WORKER)
        history["irregular"][t] = np.count_nonzero(st == IRREGULAR)
        history["returned"][t] = np.count_nonzero(st == RETURNED)
        for f in FLOWS:
            history[f][t] = fl[f]
    return history
