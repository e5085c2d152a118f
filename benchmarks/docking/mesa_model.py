"""The reduced model of docs/reduced-model.md in Mesa: agents are Python objects.

Written from the specification only (it does not import coexist). Section numbers refer
to docs/reduced-model.md.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
from spec import FLOWS, STOCKS, annuity, derived, with_perturbation

WORKER, IRREGULAR, RETURNED = "worker", "irregular", "returned"


class Person(mesa.Agent):
    """A person in the host or back at origin (section 1)."""

    def __init__(self, model, *, m, a, skill, debt, age):
        super().__init__(model)
        self.state = WORKER
        self.m = m
        self.a = a
        self.skill = skill
        self.debt = debt
        self.savings = 0.0
        self.target = 1 if model.random.random() < model.p["target_earner_share"] else 0
        self.age = age
        self.home = 0
        self.employed = 0
        self.applying = 0
        self.travel = -1
        self.banned = 0

    # ----- 4.3 host pass ------------------------------------------------------------------
    def host_step(self):
        if self.state == RETURNED:
            return
        model, p, rnd = self.model, self.model.p, self.model.random
        self.age += 1
        if self.age >= 12 * p["retirement_age_years"]:
            self._leave("age_out")
            return
        if rnd.random() < model.death_probability(self.age):
            self._leave("death")
            return
        self.m += 1
        self.a += 1
        # income
        if self.state == WORKER:
            w = model.wage(self.skill)
        else:
            w = p["w0"] * p["f_s"] * p["irregular_wage_factor"]
        net = max(w - p["living_cost_jpy"], 0.1 * w)
        repay = min(self.debt, p["repayment_share"] * net)
        self.debt = max(self.debt * (1.0 + p["debt_interest_monthly"]) - repay, 0.0)
        self.savings += (1.0 - p["remittance_share"]) * (net - repay)
        # learning
        self.skill += p["learning_rate"] * (1.0 - self.skill)
        if self.state == WORKER:
            if rnd.random() < model.abscond_hazard:
                self._go_irregular("abscond")
                return
            if self.m % p["permit_months"] == 0:
                self._decide(w)
                return
            hazard = p["return_hazard_base"] * (p["return_hazard_early_factor"] if self.m <= 12 else 1.0)
            if self.target and self.savings >= p["savings_target_months"] * w:
                hazard = max(hazard, 0.08)
            if rnd.random() < hazard:
                self._go_home("return")
        elif self.m > 0 and rnd.random() < p["detection_rate"]:
            self._go_home("removal")
            self.banned = 1

    def _decide(self, w):
        model, p = self.model, self.model.p
        c, delta, H = p["choice_scale"], p["discount_monthly"], p["decision_horizon_months"]
        left = p["max_stay_months"] - self.m
        if self.a < p["min_stay_for_premium_months"]:
            prem = 1.0
        else:
            prem = 1.0 + p["experience_premium_annual"] * min(self.a / 12.0, 5.0)
        f12 = model.d["f12"]
        e_home = p["h"] * (f12 * prem + (1.0 - f12) * p["home_fallback_income_share"])
        u = {
            "return": c * math.log(annuity(delta, H) * e_home) + p["theta_home"] + p["nu_option"],
            "irregular": c
            * math.log(annuity(delta, H) * max(p["irregular_wage_factor"] * w - p["living_cost_jpy"], 0.1 * w))
            + p["gamma_debt"] * self.debt / w
            - p["gamma_detect"] * 12.0 * p["detection_rate"]
            + p["irregular_constant"],
        }
        if left > 0:
            ell = min(H, left)
            w_s = model.wage(self.skill)
            net_s = max(w_s - p["living_cost_jpy"], 0.1 * w_s)
            pv = annuity(delta, ell) * net_s + delta**ell * annuity(delta, H - ell) * e_home
            u["stay"] = c * math.log(pv) + p["nu_option"]
        top = max(u.values())
        weights = {k: math.exp(v - top) for k, v in u.items()}
        draw = self.model.random.random() * sum(weights.values())
        for option, weight in weights.items():  # noqa: B007 - the chosen option is read after the loop
            if draw < weight:
                break
            draw -= weight
        if option == "return":
            self._go_home("return")
        elif option == "irregular":
            self._go_irregular("overstay")

    def _go_irregular(self, flow):
        self.model.count(flow)
        self.state = IRREGULAR
        self.m = 0

    def _go_home(self, flow):
        self.model.count(flow)
        self.state = RETURNED
        self.home = 0
        self.employed = 0
        self.applying = 0
        self.savings = 0.0

    def _leave(self, flow):
        self.model.count(flow)
        self.applying = 0
        self.remove()

    # ----- 4.4 home pass ------------------------------------------------------------------
    def home_step(self):
        if self.state != RETURNED:
            return
        model, p, rnd = self.model, self.model.p, self.model.random
        if self.home > 0:
            self.age += 1
            if self.age >= 12 * p["retirement_age_years"]:
                self._leave("age_out")
                return
            if rnd.random() < model.death_probability(self.age):
                self._leave("death")
                return
        if self.employed == 0 and rnd.random() < model.d["p_find"]:
            self.employed = 1
            model.count("job_found_home")
        self.home += 1
        if self.applying == 0 and not self.banned and self.home >= p["cooldown_months"]:
            hazard = p["remigration_base"] * model.d["gain"] * math.exp(-p["theta_employed"] * self.employed)
            if rnd.random() < hazard:
                self.applying = 1


class ReducedModel(mesa.Model):
    """The whole reduced model; `step()` is one month (section 4)."""

    def __init__(self, n_agents=10_000, perturb=None, seed=None):
        super().__init__(seed=seed)
        self.p = p = with_perturbation(perturb)
        self.d = derived(p)
        self.demand = float(n_agents)
        abusive = self.random.random() < p["abusive_employer_share"]
        self.premium = math.exp(self.random.gauss(0.0, 0.08)) * (0.9 if abusive else 1.0)
        self.abscond_hazard = self.d["abscond"] * math.exp(p["abscond_abuse"] * abusive)
        self.pool = p["pool_target"]
        self.pipeline: dict[int, int] = {}
        # recruits admitted before the start arrive in the first `lag` months, one steady month each
        steady = n_agents / p["max_stay_months"]
        for t in range(self.d["lag"]):
            self.pipeline[t] = math.floor(steady) + (1 if self.random.random() < steady - math.floor(steady) else 0)
        # open vacancies at the start: at least a month of entries for each month a vacancy takes to fill
        self.demand = max(self.demand, n_agents + p["vacancy_fill_months"] * steady) + sum(self.pipeline.values())
        self.t = 0
        self.flows = {f: 0 for f in FLOWS}
        self.history: dict[str, list[float]] = {k: [] for k in (*STOCKS, *FLOWS)}
        for _ in range(n_agents):
            m = math.floor(self.random.random() * p["max_stay_months"])
            Person(
                self,
                m=m,
                a=m,
                skill=1.0 - 0.9 * (1.0 - p["learning_rate"]) ** m,
                debt=p["F"] * min(max(1.0 - m / 24.0, 0.0), 1.0),
                age=math.floor(12 * p["entry_age_mean_years"] + (self.random.random() - 0.5) * 96 + m),
            )

    def wage(self, skill):
        p = self.p
        return p["w0"] * p["f_s"] * self.premium * (1.0 + p["skill_wage_return"] * skill)

    def death_probability(self, age):
        return self.p["mortality_annual"] * math.exp(0.09 * (age / 12.0 - 40.0)) / 12.0

    def count(self, flow):
        self.flows[flow] += 1

    def step(self):
        p, t = self.p, self.t
        self.flows = {f: 0 for f in FLOWS}
        people = list(self.agents)
        # 4.1 arrivals: re-entrants, then new entrants
        for person in people:
            if person.applying == 2 and person.travel == t and person.state == RETURNED:
                person.state = WORKER
                person.m = 0
                person.applying = 0
                person.debt += p["F"]
                self.count("reentry")
        k = self.pipeline.pop(t, 0)
        if k:
            self.pool -= k
            for _ in range(k):
                Person(
                    self,
                    m=0,
                    a=0,
                    skill=0.05 + 0.1 * self.random.random(),
                    debt=p["F"],
                    age=math.floor(12 * p["entry_age_mean_years"] + (self.random.random() - 0.5) * 96),
                )
            self.flows["entry"] += k
        # 4.2 admissions
        people = list(self.agents)
        workers = sum(1 for x in people if x.state == WORKER)
        waiting = sum(1 for x in people if x.applying == 2)
        vacancies = max(self.demand - workers - sum(self.pipeline.values()) - waiting, 0.0) / p["vacancy_fill_months"]
        applications = self.rng.poisson(self.pool * p["application_rate"] * self.d["attract"])
        applicants = [x for x in people if x.applying == 1 and x.state == RETURNED]
        if applicants:
            share = min(1.0, vacancies / len(applicants))
            admitted = 0
            for person in applicants:
                if self.random.random() < share:
                    person.applying = 2
                    person.travel = t + self.d["lag_re"]
                    admitted += 1
            vacancies = max(vacancies - admitted, 0.0)
        if applications > 0:
            q = math.floor(vacancies) + (1 if self.random.random() < vacancies - math.floor(vacancies) else 0)
            if q > 0:
                k = min(q, int(self.rng.poisson(applications)), math.floor(self.pool) - sum(self.pipeline.values()))
                if k > 0:
                    self.pipeline[t + self.d["lag"]] = self.pipeline.get(t + self.d["lag"], 0) + k
        # 4.3 host pass, 4.4 home pass (normal Mesa AgentSet calls)
        self.agents.do("host_step")
        self.agents.do("home_step")
        # 4.5 pool renewal
        self.pool += p["pool_refresh_rate"] * (p["pool_target"] - self.pool)
        # 4.6 record
        counts = {s: 0 for s in STOCKS}
        for person in self.agents:
            counts[person.state] += 1
        for s in STOCKS:
            self.history[s].append(counts[s])
        for f in FLOWS:
            self.history[f].append(self.flows[f])
        self.t += 1


def run(n_agents=10_000, months=120, seed=0, perturb=None):
    """Monthly series {name: np.array[months]} of one replicate."""
    model = ReducedModel(n_agents=n_agents, perturb=perturb, seed=seed)
    for _ in range(months):
        model.step()
    return {k: np.asarray(v, dtype=np.float64) for k, v in model.history.items()}
