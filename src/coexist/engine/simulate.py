"""The monthly schedule. The only Python loop is over months; people are handled in
compiled passes (kernels.py) and vectorised group steps (recruitment, matching)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np
import pyarrow as pa

from coexist.codes import NO_SECTOR, ORIGINS, SECTORS
from coexist.data import world_assumptions
from coexist.engine import kernels
from coexist.engine.compiling import compile_timer
from coexist.engine.end_state import end_state_table
from coexist.engine.kernels import FLOW_TYPES, MEASURE_NAMES, P_LIVING, P_RETIRE
from coexist.engine.recall import held_jobs, recall_answers
from coexist.engine.result import SimulationResult
from coexist.engine.rng import SLOT, generator, uniforms
from coexist.engine.spells import SpellRecorder
from coexist.engine.state import FIELDS, GONE, State, compact, copy_rows, grow
from coexist.engine.world import World, build_world, sector_ranges, stochastic_round
from coexist.errors import ScenarioError
from coexist.periods import format_month, month_dates
from coexist.policy.dated import evaluate
from coexist.policy.rules import (
    JOB_FREE,
    KIND_DESIGNATED,
    KIND_PROGRAMME,
    KIND_SETTLED,
    KIND_SKILLED,
    KIND_STUDY,
    capped_fee,
    family_may_live_in_host,
)
from coexist.policy.tables import MonthRules, RegimeTables, compile_regime, month_rules
from coexist.scenario.options import check_scale, check_seed
from coexist.scenario.schema import Scenario

__all__ = [
    "simulate", "ABROAD", "Passes", "COMPILED_PASSES", "living_costs", "default_exit_rates",
    "default_transition_hazards", "remigration_gain", "fee_weighed", "reentry_lag", "reenter_rows",
    "placement_chances", "expected_placement",
]

ABROAD = "abroad"  # outside the modelled population (flows only)
N_ORIGIN, N_SECTOR = len(ORIGINS), len(SECTORS)
# phases that draw aggregate random numbers
PHASE_ADMIT, PHASE_INFLOW, PHASE_BORDER = 1, 2, 3


def living_costs(scenario: Scenario, T: RegimeTables, params: dict[str, float]) -> np.ndarray:
    """Monthly living cost in the host currency, growing with host wages."""
    base = scenario.economy.living_cost
    start = evaluate(base, T.months) if base is not None else np.full(len(T.months), params["living_cost_jpy"])
    return start * T.host_wage_index


def default_exit_rates(T: RegimeTables, params: dict[str, float]) -> np.ndarray:
    by_kind = {KIND_SKILLED: "exit_rate_professional", KIND_STUDY: "exit_rate_student",
               KIND_SETTLED: "exit_rate_status_based", KIND_DESIGNATED: "exit_rate_designated"}
    out = np.zeros(T.n_status)
    for code, kind in enumerate(T.kind):
        if int(kind) in by_kind:
            out[code] = params[by_kind[int(kind)]]
    return out


def default_transition_hazards(T: RegimeTables, params: dict[str, float]) -> np.ndarray:
    """[transition] the monthly hazard of the transitions the scenario leaves to the behavioural
    parameters (students becoming professionals); 0 elsewhere."""
    if not T.tr_from.size:
        return np.zeros(0)
    return np.where(T.kind[T.tr_from.astype(np.int64)] == KIND_STUDY, params["student_to_professional_rate"], 0.0)


def remigration_gain(T: RegimeTables, params: dict[str, float], living_cost: float, t: int,
                     home_wage: np.ndarray, fee: np.ndarray) -> np.ndarray:
    """[origin] the pull of the host on returnees at home in month `t` (the home pass's
    re-migration hazard scales with it): the programme wage net of `living_cost` over the home
    wage, relative to the reference ratio, to the power beta_gain; times the relief of a
    re-entry fee cap, exp(beta_fee x (fee - capped fee) / wage), as in the applicants' choice
    (`fee` [origin] the origin's fee; 1 where no cap is set: remigration_base stands for
    re-entrants paying the full fee)."""
    programme = T.kind == KIND_PROGRAMME
    w_ref = T.wage[t][programme].mean() if programme.any() else T.wage[t].mean()
    ratio = np.maximum(w_ref - living_cost, 1.0) / np.maximum(home_wage, 1.0)
    reference = world_assumptions()["remigration_reference_wage_ratio"].value
    relief = fee - capped_fee(fee, T.reentry_fee_cap[t], w_ref)
    fee_pull = np.exp(params["beta_fee"] * relief / w_ref)
    return np.power(ratio, params["beta_gain"]) / np.power(reference, params["beta_gain"]) * fee_pull


def fee_weighed(T: RegimeTables, t: int, fee: np.ndarray) -> np.ndarray:
    """[origin] the fee a new applicant weighs in month `t`: the origin's `fee` less the mean
    cut that the fee caps of the programme statuses admitting from abroad make (the statuses
    whose mean wage the applicant weighs too); exactly `fee` where no cap is set."""
    programme = (T.kind == KIND_PROGRAMME) & T.admits[t]
    if not programme.any():
        return fee
    charged = capped_fee(fee[None, :], T.fee_cap[t][programme][:, None], T.wage[t][programme][:, None])
    return fee - (fee[None, :] - charged).sum(axis=0) / np.count_nonzero(programme)


def _expected_regime(T: RegimeTables, expectations: Scenario) -> RegimeTables:
    """The regime whose rules people expect, over the run's months and status codes."""
    TE = compile_regime(expectations)
    if TE.status_names != T.status_names or not np.array_equal(TE.months, T.months):
        raise ScenarioError(
            f"the scenario whose rules people expect ({expectations.name}) must have the run's statuses "
            f"{list(T.status_names)} and horizon {_span(T.months)}. Got statuses "
            f"{list(TE.status_names)}, horizon {_span(TE.months)} instead."
        )
    if TE.rp_from.shape != T.rp_from.shape or TE.tr_from.shape != T.tr_from.shape:
        raise ScenarioError(
            f"the scenario whose rules people expect ({expectations.name}) must declare the same transitions and "
            "return paths as the run's scenario (their dated values may differ)."
        )
    return TE


def _span(months: np.ndarray) -> str:
    return f"{format_month(int(months[0]))} to {format_month(int(months[-1]))}"


def placement_chances(openings: np.ndarray, queue: np.ndarray) -> np.ndarray:
    """This month's chance of a placement for a returnee waiting in the bilateral channel's
    queue, by sector and certified level: the `openings` of a sector (partner employers at
    origin, a month) go to its `queue` [sector, level], the highest certified level first.

    >>> placement_chances(np.array([3.0]), np.array([[4.0, 1.0, 1.0]])).round(2).tolist()
    [[0.25, 1.0, 1.0]]
    """
    place = np.zeros(queue.shape)
    left = np.asarray(openings, dtype=np.float64).copy()
    for level in (2, 1, 0):
        waiting = queue[:, level]
        take = np.minimum(left, waiting)
        place[:, level] = np.where(waiting > 0, take / np.maximum(waiting, 1.0), 0.0)
        left = left - take
    return place


def expected_placement(monthly: np.ndarray) -> np.ndarray:
    """The chance of a placement within the waiting window, at a monthly chance held fixed."""
    return 1.0 - (1.0 - monthly) ** kernels.PLACEMENT_WINDOW


def reentry_lag(recruitment_lag: int) -> int:
    """Months between a returnee's admission and travel: a share of the recruitment lag."""
    return max(1, recruitment_lag // world_assumptions()["reentry_lag_divisor"].value)


def reenter_rows(S: State, arrive: np.ndarray, T: RegimeTables, t: int, fee: np.ndarray) -> None:
    """Returnees in rows `arrive` enter the status they were admitted to (`apply_status`) in
    month `t`: the months in it start again (all stays count where it is the status they
    left, with their rights intact), a test-gated status certifies its level, the recruitment
    fee (`fee` per person, capped at the regime's re-entry fee cap) adds to the debt, and a
    family comes along only where the status allows it from entry. Employers are assigned by
    the caller."""
    target = S.apply_status[arrive].astype(np.int64)
    same = (target == S.prev_status[arrive]) & (S.forfeited[arrive] == 0)
    S.status_total[arrive] = np.where(same, S.status_total[arrive], 0)
    S.forfeited[arrive] = 0
    # admission through a test-gated status means the test was passed
    S.cert[arrive] = np.maximum(S.cert[arrive], T.entry_test[target])
    S.status[arrive] = target
    S.months_in_status[arrive] = 0
    S.months_in_stay[arrive] = 0
    S.job_changes[arrive] = 0
    S.entries[arrive] = np.minimum(S.entries[arrive].astype(np.int64) + 1, 127)
    S.applying[arrive] = 0
    S.overstay[arrive] = 0
    permitted = family_may_live_in_host.py_func(T.family_allowed[t], T.family_after[t], target, 0)
    S.family[arrive] = np.where(permitted, S.family[arrive], 0)
    fee = capped_fee(fee, T.reentry_fee_cap[t], T.wage[t][target])
    S.debt[arrive] = S.debt[arrive] + fee  # in double precision, then stored as single


def _entry_pass_shares(T: RegimeTables, params: dict[str, float]) -> np.ndarray:
    """The share of new applicants who pass the entry test of each status (1 where none)."""
    skill = world_assumptions()["applicant_test_skill"].value
    share = np.ones(T.n_status)
    for code in range(T.n_status):
        level = T.entry_test[code]
        if level > 0:
            threshold = params["test_threshold_ssw1"] if level == 1 else params["test_threshold_ssw2"]
            share[code] = 1.0 / (1.0 + np.exp(-params["test_slope"] * (skill - threshold)))
    return share


def _apply_flows(by_group: np.ndarray, flows: np.ndarray) -> None:
    """Add the people a month's flows [flow, from, to, origin, sector] moved to the group
    totals [status, origin, sector]; "abroad" and the pools' "no sector" stay outside."""
    n_status, _, n_sector = by_group.shape
    # summed over flow types first: a contiguous sum, then a small slice (a strided sum costs four times more)
    moved = flows.sum(axis=0)[:n_status + 1, :n_status + 1, :, :n_sector]  # [from, to, origin, sector]
    by_group += moved.sum(axis=0)[:n_status].astype(np.int64)
    by_group -= moved.sum(axis=1)[:n_status].astype(np.int64)


def _thread_total(per_thread: np.ndarray) -> np.ndarray:
    """The sum of per-thread buffers over their first axis (pairwise adds: NumPy's
    reduction over a short first axis is twice as slow)."""
    total = per_thread[0].copy()
    for buffer in per_thread[1:]:
        total += buffer
    return total


# the fields `_append` writes for a new person; the others are zeroed (rows are reused
# after a compaction)
_SET_ON_ENTRY = {"pid", "status", "origin", "sector", "employer", "prev_status", "entries", "cert", "language", "skill",
                 "age", "debt", "target_earner"}
_ZEROED_ON_ENTRY = tuple(name for name in FIELDS if name not in _SET_ON_ENTRY)


class PhaseClock:
    """Wall time spent in each phase of the monthly schedule, summed over months."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now


def _labels(codes: np.ndarray, labels) -> pa.Array:
    """A string column from integer codes into `labels`, built by Arrow (no Python strings
    per row)."""
    dictionary = pa.array([str(label) for label in labels], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), dictionary).cast(pa.string())


class Passes(NamedTuple):
    """The compiled passes over the people that the month's phases call. A run takes them
    as an argument, so that a test can give it passes that check or record their calls."""

    host_month: Callable
    home_month: Callable
    applicants: Callable
    job_changers: Callable


COMPILED_PASSES = Passes(kernels.host_month, kernels.home_month, kernels.applicants, kernels.job_changers)


@dataclass
class _Month:
    """What the phases of one month share: set by _Run._begin, then filled in by the phases."""

    t: int
    month: int
    rules: MonthRules
    P: np.ndarray  # parameters with this month's living cost
    home_wage: np.ndarray  # [origin]
    flows: np.ndarray  # [flow, from, to, origin, sector]
    measures: np.ndarray  # [origin, measure]
    demand: np.ndarray = None  # [sector] (set-up)
    capacity: np.ndarray = None  # [employer] (set-up)
    by_group: np.ndarray = None  # [status, origin, sector] kept up to date by every phase
    headcount: np.ndarray = None  # [employer]
    waiting: np.ndarray = None  # queue: admitted returnees still to travel (arrivals)
    applied: np.ndarray = None  # queue: returnees who applied (arrivals)
    counts: np.ndarray = None  # [status, sector] persons after arrivals (admissions)
    hiring_demand: np.ndarray = None  # [sector] the demand of the month recruits admitted now arrive in (set-up)
    held: np.ndarray = None  # [sector] jobs employers hold for returnees they will recall (set-up)
    inputs: kernels.MonthInputs = None  # (host pass)
    out: kernels.Tallies = None  # (host pass)
    host_flows: np.ndarray = None  # (host pass)
    expect_rules: MonthRules = None  # the rules people expect: `rules`, or a baseline's (set-up)
    movers: np.ndarray = None  # rows given a new employer (job changers)


class _Run:
    """Mutable state of one run: the people, the pools, the pipeline of admitted applicants."""

    def __init__(self, scenario: Scenario, seed: int, scale: float, passes: Passes = COMPILED_PASSES,
                 expectations: Scenario | None = None, people: bool = False):
        self.clock = PhaseClock()
        self.passes = passes
        self.scenario = scenario
        self.seed = int(seed)
        self.scale = scale
        self.assumed = world_assumptions()
        self.T = compile_regime(scenario)
        self.TE = self.T if expectations is None else _expected_regime(self.T, expectations)
        self.W: World = build_world(scenario, self.T, self.seed, scale)
        self.S: State = self.W.state
        self.W.state = None  # the run owns the population arrays from here (they are replaced as it grows)
        self.n = self.W.n
        self.spares: dict = {}  # one array of each field type, reused by the yearly compaction
        self._reset_blocks()
        self.next_pid = self.n
        self.death_by_age = kernels.death_table(self.W.params["mortality_annual"])
        self.last_census = None
        self.pool = self.W.pool_target[0].copy()
        p = self.W.params
        self.lag = self.W.lag
        self.reentry_lag = reentry_lag(self.lag)
        # a ring of admitted people by the month they arrive in; slot t % (lag + 1) arrives in month t,
        # so the recruits admitted before the start arrive in the first `lag` months
        self.pipeline = np.zeros((self.lag + 1, N_ORIGIN, self.T.n_status, N_SECTOR), dtype=np.int64)
        self.pipeline[: self.lag] = self.W.pipeline0
        self.fill_share = 1.0 / max(p["vacancy_fill_months"], 1.0)
        self.route_demand = None  # [transition] people at expiry who wanted each route last month
        self.default_exit = default_exit_rates(self.T, p)
        self.living = living_costs(scenario, self.T, p)
        self.entry_pass_share = _entry_pass_shares(self.T, p)
        self.default_hazard = default_transition_hazards(self.T, p)
        self.n_emp = self.W.emp_sector.shape[0]
        self.sector_first, self.sector_count = sector_ranges(self.W.sector_employers)
        self.intake = np.zeros(self.n_emp)
        self.regular_codes = np.array(
            [c for c in range(1, self.T.n_status) if c not in (self.T.irregular, self.T.returned)], dtype=np.int64
        )
        self.counted_employer = np.zeros(self.T.n_status, dtype=np.bool_)
        self.counted_employer[self.regular_codes] = True
        self.vacancy_codes = np.flatnonzero(self.T.fills_vacancies)  # the statuses whose holders fill vacancies
        n_status_ext = self.T.n_status + 1  # + "abroad"
        self.abroad = self.T.n_status
        self.flow_shape = (len(FLOW_TYPES), n_status_ext, n_status_ext, N_ORIGIN, N_SECTOR + 1)
        self.stock_rows: list[np.ndarray] = []
        self.flow_rows: list[tuple] = []
        self.measure_rows: list[np.ndarray] = []
        self.demand_rows: list[tuple[np.ndarray, np.ndarray]] = []
        self.tenure_rows: list[np.ndarray] = []  # [status, origin] months in status, people in the host
        self.agent_months = 0
        self.waiting = self._placement_queue()  # [sector, level] returnees waiting for a placement
        # entries from abroad this quota year, against the statuses' entry quotas
        self.quota_used_sector = np.zeros((self.T.n_status, N_SECTOR))
        self.quota_used_origin = np.zeros((self.T.n_status, N_ORIGIN))
        self.quota_month = None
        self.recalls = bool(self.T.recall_months.any())
        self.expect_place = expected_placement(placement_chances(self.TE.matching_capacity[0] * scale, self.waiting))
        # everyone's status spells, only when asked (people.parquet): None keeps the month loop as it was
        self.spells = None
        if people:
            self.spells = SpellRecorder(self.S, self.n, int(self.T.months[0]), self.T.returned, self.T.irregular)

    def _placement_queue(self) -> np.ndarray:
        """Returnees of the initial population who wait for a bilateral placement, by sector
        and certified level (the passes keep the count from then on)."""
        S, n, T = self.S, self.n, self.T
        status, prev = S.status[:n], S.prev_status[:n].astype(np.int64)
        programme = (prev > 0) & (T.kind[np.maximum(prev, 0)] == KIND_PROGRAMME)
        rows = np.flatnonzero((status == T.returned) & (S.employed_home[:n] == 0) & (S.forfeited[:n] == 0)
                              & (S.months_home[:n] < kernels.PLACEMENT_WINDOW) & programme)
        queue = np.zeros((N_SECTOR, 3))
        np.add.at(queue, (S.sector[rows].astype(np.int64), S.cert[rows].astype(np.int64)), 1.0)
        return queue

    def _tallies(self) -> kernels.Tallies:
        """The compiled passes' buffers (per-thread flows, per-chunk measures, per-thread
        employer headcounts, returnee arrivals and months in status), zeroed."""
        threads = numba.get_num_threads()
        if getattr(self, "_buffers", None) is None or self._buffers.flows.shape[0] != threads:
            self._buffers = kernels.Tallies(
                flows=np.zeros((threads, *self.flow_shape)),
                measures=np.zeros((kernels.N_CHUNKS, N_ORIGIN, len(MEASURE_NAMES))),
                headcount=np.zeros((threads, self.n_emp), dtype=np.int64),
                fresh=np.zeros((threads, N_ORIGIN, 3), dtype=np.int64),
                tenure=np.zeros((threads, self.T.n_status, N_ORIGIN), dtype=np.int64),
                routes=np.zeros((threads, self.T.tr_from.shape[0]), dtype=np.int64),
                waiting=np.zeros((threads, 2, N_SECTOR, 3), dtype=np.int64),
            )
        for buffer in self._buffers:
            buffer[...] = 0
        return self._buffers

    # ----- helpers over the population -------------------------------------------------
    def _view(self, name: str) -> np.ndarray:
        return getattr(self.S, name)[: self.n]

    def _census(self):
        """Persons by status, origin and sector; regular workers per employer; this month's returnees,
        counted over the whole population (the first month; later months keep the totals
        up to date from the flows).

        Returns (by_group [status, origin, sector], headcount [employer], fresh [origin, level]).
        """
        S = self.S
        by_group, headcount, fresh = kernels.census(
            self.n, S.status, S.origin, S.sector, S.employer, S.months_home, S.cert, self.counted_employer,
            self.T.n_status, N_ORIGIN, N_SECTOR, self.n_emp, self.T.returned, numba.get_num_threads(),
        )
        return by_group, headcount.astype(np.float64), fresh.astype(np.float64)

    def _filling_by_sector(self, by_group):
        """Holders of the statuses that fill vacancies, per sector (what demand is set against)."""
        return by_group[self.vacancy_codes].sum(axis=(0, 1)).astype(np.float64)

    def _route_shares(self, t: int) -> np.ndarray:
        """[transition] the chance that a person who takes a route gets through this month: its
        capacity (at the simulated scale) over the people who wanted it last month; 1 where no
        one did (and the capacity is not 0). In a run's first month the demand is not known yet:
        only the routes without a capacity are taken."""
        capacity = self.T.tr_capacity[t] * self.scale
        if self.route_demand is None:
            return np.where(np.isinf(capacity), 1.0, 0.0)
        wanted = self.route_demand.astype(np.float64)
        untested = np.where(capacity > 0, 1.0, 0.0)
        return np.where(wanted > 0, np.minimum(1.0, capacity / np.maximum(wanted, 1.0)), untested)

    def _assign_employers(
        self,
        persons: np.ndarray,
        sector: np.ndarray,
        capacity: np.ndarray,
        headcount: np.ndarray,
        month: int,
        intake_limit: np.ndarray | None,
    ):
        """Give each person an employer in their sector, weighted by open vacancies."""
        if persons.size == 0:
            return
        u = uniforms(self.seed, self.S.pid[persons].astype(np.int64), month, SLOT["employer"])
        vacancy = np.maximum(capacity - headcount, 0.0)
        if intake_limit is not None:
            vacancy = np.where(self.intake < intake_limit, vacancy, 0.0)
        weights = vacancy + 1e-9 * self.W.emp_share
        chosen = kernels.pick_employers(sector, u, weights, self.sector_first, self.sector_count)
        self.S.employer[persons] = chosen
        hired = np.bincount(chosen, minlength=self.n_emp)
        headcount += hired
        self.intake += hired

    def _new_rows(self, k: int) -> slice:
        """The next `k` rows of the population arrays (grown if needed), for people arriving
        in the host: their blocks are flagged for the host pass."""
        if self.n + k > self.S.status.shape[0]:
            arrays = self.S._asdict()
            self.S = None  # let go of each old field as soon as its copy is made
            grow(arrays, self.n, self.n + k)
            self.S = State(**arrays)
            self.spares.clear()  # too small now: the next compaction makes new ones
            self._reset_blocks()
        rows = slice(self.n, self.n + k)
        self.host_blocks[self.n // kernels.BLOCK : (self.n + k - 1) // kernels.BLOCK + 1] = 1
        self.n += k
        return rows

    def _append(self, origin, status, sector, month):
        """Create agents for new arrivals from the pools or from abroad."""
        k = origin.size
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        ids = np.arange(self.n, self.n + k, dtype=np.int64)
        rows = self._new_rows(k)  # the new people are the next rows: slices, not fancy indexing
        pids = np.arange(self.next_pid, self.next_pid + k, dtype=np.int64)
        self.next_pid += k
        p = self.W.params
        T = self.T
        u_a = uniforms(self.seed, pids, month, SLOT["attr_a"])
        u_b = uniforms(self.seed, pids, month, SLOT["attr_b"])
        u_c = uniforms(self.seed, pids, month, SLOT["target"])
        S = self.S
        for name in _ZEROED_ON_ENTRY:
            getattr(S, name)[rows] = 0
        S.pid[rows] = pids
        S.status[rows] = status
        S.origin[rows] = origin
        S.sector[rows] = sector
        S.employer[rows] = -1
        S.prev_status[rows] = -1
        S.entries[rows] = 1
        test = T.entry_test[status]
        S.cert[rows] = test
        S.language[rows] = T.entry_language[status]
        skill = self.assumed["entrant_skill"].value
        S.skill[rows] = (skill["base"] + skill["tested"] * (test > 0) + skill["spread"] * u_a).astype(np.float32)
        spread = self.assumed["entry_age_spread_months"].value
        S.age[rows] = (p["entry_age_mean_years"] * 12.0 + (u_b - 0.5) * spread).astype(np.int16)
        programme = T.kind[status] == KIND_PROGRAMME
        t = self.t
        fee = capped_fee(self.W.fee[t][origin], T.fee_cap[t][status], T.wage[t][status])
        S.debt[rows] = np.where(programme, fee, 0.0).astype(np.float32)
        S.target_earner[rows] = (u_c < p["target_earner_share"]).astype(np.int8)
        return ids

    # ----- the month --------------------------------------------------------------------
    def step(self, t: int):
        """One month: its phases in the order of the model's steps, each timed."""
        self.clock.lap("between months")
        m = self._begin(t)
        for phase, label in _PHASES:
            phase(self, m)
            self.clock.lap(label)

    def _begin(self, t: int) -> _Month:
        """The month's rules, parameters and buffers."""
        self.t = t
        T, W = self.T, self.W
        P = W.P.copy()
        P[P_LIVING] = self.living[t]
        flow_shape = self.flow_shape
        route_shares = self._route_shares(t)
        rules = month_rules(t, T, self.default_exit, self.default_hazard, route_shares)
        expected = rules
        if self.TE is not T:
            expected = month_rules(t, self.TE, self.default_exit, self.default_hazard, route_shares)
        return _Month(
            t=t,
            month=int(T.months[t]),
            rules=rules,
            expect_rules=expected,
            P=P,
            home_wage=W.home_wage[t],
            flows=np.zeros(flow_shape),
            measures=np.zeros((N_ORIGIN, len(MEASURE_NAMES))),
        )

    def _set_up(self, m: _Month) -> None:
        """Yearly compaction; step 1: demand and employer capacity; the group totals."""
        W = self.W
        # people who left the model are dropped once a year (streams are keyed by pid)
        if m.month % 12 == 0 and m.t > 0:
            self._compact()
        level = np.maximum(W.demand0 * W.demand_index[m.t] + W.demand_added[m.t], 0.0)
        m.demand = level * W.demand_season[m.month % 12]
        # employers recruit for the month their recruits arrive in (pre-season hiring)
        m.hiring_demand = level * W.demand_season[(m.month + self.lag) % 12]
        m.capacity = m.demand[W.emp_sector] * W.emp_share
        if self.last_census is None:
            self.last_census = self._census()[:2]
        # group totals are kept up to date through the month: every change of status is a flow
        m.by_group, m.headcount = (a.copy() for a in self.last_census)
        m.held = np.zeros(N_SECTOR)
        if self.recalls:
            # jobs held for returnees count as filled: at their employer and in their sector
            held_by_employer, m.held = held_jobs(self.S, self.n, self.T, m.t, self.n_emp, N_SECTOR)
            m.headcount += held_by_employer
        if m.month % 12 == 3:  # intake limits count per fiscal year (April to March)
            self.intake[:] = 0.0

    def _recruit_arrivals(self, m: _Month) -> None:
        """Step 2a: those admitted earlier travel; the re-entry queue is read for admissions."""
        # the queue holds returnees only: the blocks that may hold people at origin are scanned
        arriving, m.waiting, m.applied = self.passes.applicants(
            self.n, self.S.applying, self.S.status, self.S.arrival, m.month, self.T.returned, self.home_blocks
        )
        arriving, held = self._past_the_border(m.t, m.month, arriving)
        if held.size:
            m.waiting = np.sort(np.concatenate((m.waiting, held)))
        first = self.n
        self._arrivals(m.t, m.month, m.flows, m.capacity, m.headcount, m.by_group, arriving)
        if self.spells is not None:
            self.spells.arrived(self.S, first, self.n, m.month)

    def _recruit_admissions(self, m: _Month) -> None:
        """Step 2b: new admissions, returnees who applied first."""
        m.counts = m.by_group.sum(axis=1)
        employed = self._filling_by_sector(m.by_group) + m.held
        if self.recalls:
            named = recall_answers(self.S, self.n, self.T, m.t, m.month, self.seed, self.W.params,
                                   self._remigration_gain(m.t, m.home_wage))
            self.S.applying[named] = 2  # admitted: the job is theirs
            self.S.apply_status[named] = self.S.prev_status[named]
            self.S.arrival[named] = m.month + self.reentry_lag
        network = m.by_group[self.regular_codes].sum(axis=(0, 2)).astype(np.float64)
        self._admissions(m.t, m.month, m.counts, employed, m.hiring_demand, m.home_wage, network, m.waiting,
                         m.applied)

    def _in_host(self, m: _Month) -> None:
        """Steps 3-8: the compiled host pass."""
        W = self.W
        cap_open = self.T.caps[m.t] * self.scale - m.counts > 0
        m.out = out = self._tallies()
        m.inputs = kernels.MonthInputs(
            n=self.n,
            month=m.month,
            seed=self.seed,
            abroad=self.abroad,
            death_by_age=self.death_by_age,
            home_wage=m.home_wage,
            f12=W.f12[m.t],
            expect_place=self.expect_place,
            sector_factor=W.sector_factor,
            employers=W.employers,
            cap_open=cap_open,
            place_prob=np.zeros((N_SECTOR, 3)),
            remigration_gain=np.zeros(N_ORIGIN),  # home pass
            host_blocks=self.host_blocks,
            home_blocks=self.home_blocks,
        )
        if self.spells is not None:
            self.spells.before_passes(self.S, self.n)
        self.passes.host_month(self.S, m.rules, m.expect_rules, m.P, m.inputs, out)
        self.tenure_rows.append(out.tenure.sum(axis=0))
        self.route_demand = out.routes.sum(axis=0)
        m.host_flows = _thread_total(out.flows)
        _apply_flows(m.by_group, m.host_flows)
        m.headcount = out.headcount.sum(axis=0).astype(np.float64)

    def _job_changers(self, m: _Month) -> None:
        """Job changers (employer -2 after the host pass) move to a firm with a vacancy in
        their field; a free change of employer may cross sectors, towards open vacancies."""
        S = self.S
        m.movers = movers = self.passes.job_changers(self.n, S.employer, self.host_blocks)
        if not movers.size:
            return
        free = self.T.job_change[m.t][S.status[movers].astype(np.int64)] == JOB_FREE
        if free.any():
            crossing = movers[free]
            open_jobs = np.maximum(m.demand - self._filling_by_sector(m.by_group), 0.0) + 1e-9
            cdf = np.cumsum(open_jobs)
            u = uniforms(self.seed, S.pid[crossing].astype(np.int64), m.month, SLOT["job_sector"])
            new_sector = np.minimum(np.searchsorted(cdf, u * cdf[-1]), N_SECTOR - 1)
            group = (S.status[crossing].astype(np.int64), S.origin[crossing].astype(np.int64))
            np.subtract.at(m.by_group, (*group, S.sector[crossing].astype(np.int64)), 1)
            np.add.at(m.by_group, (*group, new_sector), 1)
            S.sector[crossing] = new_sector
        self._assign_employers(movers, S.sector[movers], m.capacity, m.headcount, m.month, None)

    def _at_home(self, m: _Month) -> None:
        """Steps 9-11 at origin: the bilateral channel's openings go to the returnees waiting
        for a placement (ranked by certified skill), then the compiled home pass."""
        queue = self.waiting + m.out.waiting[:, 0].sum(axis=0)
        place_prob = placement_chances(m.rules.matching_capacity * self.scale, queue)
        # what people expect next month: the openings of the expected rules over today's queue
        self.expect_place = expected_placement(placement_chances(m.expect_rules.matching_capacity * self.scale, queue))
        gain = self._remigration_gain(m.t, m.home_wage)
        self.passes.home_month(
            self.S, m.rules, m.expect_rules, m.P, m.inputs._replace(place_prob=place_prob, remigration_gain=gain),
            m.out,
        )
        self.waiting = m.out.waiting[:, 1].sum(axis=0)
        all_flows = _thread_total(m.out.flows)
        _apply_flows(m.by_group, all_flows - m.host_flows)
        m.flows += all_flows
        m.measures += m.out.measures.sum(axis=0)
        if self.spells is not None:
            self.spells.after_passes(self.S, m.movers, m.month, self.seed, m.rules.detection, self.death_by_age,
                                     m.P[P_RETIRE] * 12.0)

    def _entries_and_pools(self, m: _Month) -> None:
        """Entries from abroad into the non-programme statuses; step 11: pools renew through cohorts."""
        first = self.n
        self._inflows(m.t, m.month, m.flows, m.capacity, m.headcount, m.by_group)
        if self.spells is not None:
            self.spells.arrived(self.S, first, self.n, m.month)
        self._pools(m.t, m.month, m.flows)

    def _close(self, m: _Month) -> None:
        """The month's tables."""
        self._record(m.t, m.flows, m.measures, m.demand, m.by_group, m.headcount)

    def _compact(self):
        state, self.S = self.S, None  # the old arrays become the spares
        self.S, self.n = compact(state, self.n, self.T.returned, self.spares)
        self._reset_blocks()

    def _reset_blocks(self):
        """Flag every block as possibly holding people in the host and at origin (the passes
        then clear the flags of the blocks that hold none)."""
        n_blocks = -(-self.S.status.shape[0] // kernels.BLOCK)
        self.host_blocks = np.ones(n_blocks, dtype=np.uint8)
        self.home_blocks = np.ones(n_blocks, dtype=np.uint8)

    def _reenter(self, t, month, flows, capacity, headcount, by_group, returning):
        """Returnees admitted earlier travel back (`returning`: the rows of those whose travel
        month this is).

        Each moves to a new row at the end, like a new arrival, and leaves an empty row
        behind (dropped at the next compaction): the blocks of rows that hold only people at
        origin then stay free of people in the host, and the host pass skips them."""
        T = self.T
        first = self.n
        arrive = self._new_rows(returning.size)
        S = self.S
        copy_rows(S, returning, first)
        S.status[returning] = GONE
        S.applying[returning] = 0
        target = S.apply_status[arrive].astype(np.int64)
        origin = S.origin[arrive].astype(np.int64)
        sector = S.sector[arrive].astype(np.int64)
        np.add.at(flows, (kernels.F_REENTRY, T.returned, target, origin, sector), 1.0)
        np.add.at(by_group, (target, origin, sector), 1)
        np.add.at(by_group, (T.returned, origin, sector), -1)
        reenter_rows(S, arrive, T, t, self.W.fee[t][origin])
        # former employers re-hire their own workers first where the regime allows it, and
        # always those whose job they held (recall)
        rows = np.arange(first, self.n)
        new_job = rows
        recalled = T.recall_months[t][target] > 0
        if T.rehire[t] or recalled.any():
            former = S.employer[arrive]
            keep = (former >= 0) & (T.rehire[t] | recalled)
            np.add.at(headcount, former[keep], 1.0)
            new_job = rows[~keep]
        self._assign_employers(new_job, S.sector[new_job], capacity, headcount, month, None)

    def _arrivals(self, t, month, flows, capacity, headcount, by_group, arrive):
        """Admitted people travel (`arrive`: returnees admitted earlier whose travel month this
        is); `headcount` and `by_group` are updated in place."""
        T = self.T
        if arrive.size:
            self._reenter(t, month, flows, capacity, headcount, by_group, arrive)
        # new entrants admitted `lag` months ago (or held at the border since)
        slot = t % self.pipeline.shape[0]
        batch = self.pipeline[slot]
        if T.openness[t] < 1.0 and batch.sum() > 0:
            travel = generator(self.seed, month, PHASE_BORDER).binomial(batch, T.openness[t])
            self.pipeline[(t + 1) % self.pipeline.shape[0]] += batch - travel  # they try again next month
            batch = travel
        if batch.sum() == 0:
            self.pipeline[slot] = 0
            return
        o, s, sec = np.nonzero(batch)
        reps = batch[o, s, sec]
        origin = np.repeat(o, reps).astype(np.int8)
        status = np.repeat(s, reps).astype(np.int8)
        sector = np.repeat(sec, reps).astype(np.int8)
        np.add.at(flows, (kernels.F_ENTRY, 0, s, o, sec), reps.astype(np.float64))
        np.add.at(by_group, (s, o, sec), reps)
        np.subtract.at(self.pool, o, reps.astype(np.float64))
        ids = self._append(origin, status, sector, month)
        # each status has its own yearly intake limit per employer (a share of its capacity)
        for code in np.unique(status):
            group = status == code
            limit = T.intake_share[t][code] * capacity
            self._assign_employers(ids[group], sector[group], capacity, headcount, month, limit)
        self.pipeline[slot] = 0

    def _past_the_border(self, t, month, arrive):
        """The returnees of `arrive` whom the border lets through this month (a share
        `entry_openness`), and those it holds: they stay admitted and try again next month."""
        share = self.T.openness[t]
        if share >= 1.0 or arrive.size == 0:
            return arrive, arrive[:0]
        u = uniforms(self.seed, self.S.pid[arrive].astype(np.int64), month, SLOT["border"])
        held = arrive[u >= share]
        self.S.arrival[held] = month + 1
        return arrive[u < share], held

    def _admissions(self, t, month, counts, employed, demand, home_wage, network, waiting, applicants):
        """New admissions; `waiting` are returnees admitted earlier who have not travelled yet,
        `applicants` returnees who applied to come back."""
        T = self.T
        rng = generator(self.seed, month, PHASE_ADMIT)
        pending = self.pipeline.sum(axis=(0, 1))  # [status, sector]
        pending_sector = pending.sum(axis=0).astype(np.float64)
        pending_status_sector = pending.astype(np.float64).copy()
        if waiting.size:
            pending_status_sector += self._count_by_status_sector(waiting)
            pending_sector = pending_status_sector.sum(axis=0)
        # employers fill a share of their open vacancies each month (recruiting takes time); at a
        # closed border they go on admitting, and the admitted wait to travel (_arrivals)
        vacancies = np.maximum(demand - employed - pending_sector, 0.0) * self.fill_share
        room = np.maximum(T.caps[t] * self.scale - counts - pending_status_sector, 0.0)

        # returnees who applied queue first (where the regime gives them priority)
        used = np.zeros(N_SECTOR)
        new_apps = self._new_applications(t, home_wage, rng, network)
        if applicants.size:
            target = self.S.apply_status[applicants].astype(np.int64)
            sector = self.S.sector[applicants].astype(np.int64)
            group = self._count_by_status_sector(applicants)
            if T.priority[t]:
                share = np.minimum(1.0, vacancies / np.maximum(group.sum(axis=0), 1))
            else:
                share = np.minimum(1.0, vacancies / np.maximum(group.sum(axis=0) + new_apps.sum(), 1))
            allowed = np.minimum(group * share[None, :], room)
            prob = np.where(group > 0, allowed / np.maximum(group, 1), 0.0)
            u = uniforms(self.seed, self.S.pid[applicants].astype(np.int64), month, SLOT["admit"])
            admitted = applicants[u < prob[target, sector]]
            self.S.applying[admitted] = 2
            self.S.arrival[admitted] = month + self.reentry_lag
            admitted_by = self._count_by_status_sector(admitted)
            used += admitted_by.sum(axis=0)
            room -= admitted_by
        vacancies = np.maximum(vacancies - used, 0.0)

        # new applicants from the origin pools fill what is left, status by status
        open_status = (T.admits[t] & (T.kind == KIND_PROGRAMME)).astype(np.float64) * T.recruit_weight[t]
        if open_status.sum() <= 0 or new_apps.sum() <= 0:
            return
        share = open_status / open_status.sum()
        quota = np.maximum(np.minimum(vacancies[None, :] * share[:, None], room), 0.0)  # [status, sector]
        # at most a status's entry capacity (e.g. the places in its tests abroad) a month, nationwide
        wanted = quota.sum(axis=1)
        limit = T.entry_capacity[t] * self.scale
        quota *= np.where(wanted > limit, limit / np.maximum(wanted, 1e-12), 1.0)[:, None]
        quota = np.minimum(quota, self._quota_left(t, month)[0])
        quota = stochastic_round(quota, rng)
        total_quota = quota.sum()
        if total_quota <= 0:
            return
        pass_share = self.entry_pass_share
        supply = new_apps.sum()
        lag_slot = (t + self.lag) % self.pipeline.shape[0]
        probs = new_apps / supply
        for code, sec in zip(*np.nonzero(quota), strict=True):
            eligible = supply * quota[code, sec] / total_quota * pass_share[code]
            k = int(min(quota[code, sec], rng.poisson(eligible) if eligible < 1e6 else eligible))
            if k <= 0:
                continue
            by_origin = rng.multinomial(k, probs)
            by_origin = np.minimum(by_origin, np.floor(self.pool).astype(np.int64) - self.pipeline.sum(axis=(0, 2, 3)))
            origin_left = self._quota_left(t, month)[1][code]
            limited = np.isfinite(origin_left)
            by_origin[limited] = np.minimum(by_origin[limited], np.floor(origin_left[limited]).astype(np.int64))
            by_origin = np.maximum(by_origin, 0)
            self.pipeline[lag_slot, :, code, sec] += by_origin
            self.quota_used_sector[code, sec] += by_origin.sum()
            self.quota_used_origin[code] += by_origin

    def _quota_left(self, t, month):
        """Entries from abroad still allowed this quota year, by [status, sector] and [status,
        origin] (infinite without a quota); the counts restart in each status's first month of
        its quota year."""
        T = self.T
        if self.quota_month != month:
            self.quota_month = month
            restart = T.quota_year_start - 1 == month % 12
            self.quota_used_sector[restart] = 0.0
            self.quota_used_origin[restart] = 0.0
        return (np.maximum(T.quota_sector[t] * self.scale - self.quota_used_sector, 0.0),
                np.maximum(T.quota_origin[t] * self.scale - self.quota_used_origin, 0.0))

    def _count_by_status_sector(self, rows):
        """People in `rows` by the status they apply for and their sector [status, sector]."""
        cell = self.S.apply_status[rows].astype(np.int64) * N_SECTOR + self.S.sector[rows]
        return np.bincount(cell, minlength=self.T.n_status * N_SECTOR).reshape(self.T.n_status, N_SECTOR)

    def _new_applications(self, t, home_wage, rng, network):
        """Expected applications from each origin pool this month (MODEL.md, recruitment)."""
        T, W = self.T, self.W
        p = W.params
        programme = (T.kind == KIND_PROGRAMME) & T.admits[t]
        if not programme.any():
            return np.zeros(N_ORIGIN)
        w_ref = T.wage[t][programme].sum() / np.count_nonzero(programme)
        network = network / self.scale  # co-nationals in the host, in persons
        unit = self.assumed["network_unit_persons"].value
        ratio = np.maximum(w_ref - self.living[t], 1.0) / np.maximum(home_wage, 1.0)
        attract = (
            np.power(ratio, p["beta_gain"])
            * np.power(1.0 + network / unit, p["beta_network"])
            * np.exp(-p["beta_fee"] * fee_weighed(self.TE, t, W.fee[t]) / w_ref)  # the fee people expect
        )
        expected = np.maximum(self.pool, 0.0) * p["application_rate"] * attract * W.origin_weight[t]
        return rng.poisson(expected).astype(np.float64)

    def _remigration_gain(self, t, home_wage):
        # the re-entry fee people weigh is an expectation: the expected rules' cap
        return remigration_gain(self.TE, self.W.params, self.living[t], t, home_wage, self.W.fee[t])

    def _inflows(self, t, month, flows, capacity, headcount, by_group):
        T, W = self.T, self.W
        rates = T.inflow[t] * self.scale
        if rates.sum() <= 0:
            return
        rng = generator(self.seed, month, PHASE_INFLOW)
        counts = np.zeros((T.n_status, N_ORIGIN, N_SECTOR), dtype=np.int64)
        for code in np.nonzero(rates > 0)[0]:
            k = rng.poisson(rates[code])
            if k:
                counts[code] = rng.multinomial(k, W.inflow_mix[code].ravel()).reshape(N_ORIGIN, N_SECTOR)
        s, o, sec = np.nonzero(counts)
        if s.size == 0:
            return
        reps = counts[s, o, sec]
        np.add.at(flows, (kernels.F_ENTRY, self.abroad, s, o, sec), reps.astype(np.float64))
        np.add.at(by_group, (s, o, sec), reps)
        ids = self._append(
            np.repeat(o, reps).astype(np.int8),
            np.repeat(s, reps).astype(np.int8),
            np.repeat(sec, reps).astype(np.int8),
            month,
        )
        self._assign_employers(ids, self.S.sector[ids], capacity, headcount, month, None)

    def _pools(self, t, month, flows):
        p = self.W.params["pool_refresh_rate"]
        cohort_in = p * self.W.pool_target[t]
        age_out = p * np.maximum(self.pool, 0.0)
        self.pool += cohort_in - age_out
        flows[kernels.F_COHORT, self.abroad, 0, :, N_SECTOR] += cohort_in
        flows[kernels.F_AGEOUT, 0, self.abroad, :, N_SECTOR] += age_out

    def _record(self, t, flows, measures, demand, by_group, headcount):
        self.last_census = (by_group, headcount)
        self.agent_months += int(by_group.sum())
        stock = np.zeros((self.T.n_status, N_ORIGIN, N_SECTOR + 1))
        stock[:, :, :N_SECTOR] = by_group
        stock[0, :, N_SECTOR] = self.pool
        self.stock_rows.append(stock)
        index = np.flatnonzero(flows.reshape(-1) != 0)  # flat indices: cheaper than five index arrays, and a mask first
        self.flow_rows.append((index, flows.reshape(-1)[index]))
        self.measure_rows.append(measures)
        self.demand_rows.append((demand.copy(), self._filling_by_sector(by_group)))

    # ----- tables ------------------------------------------------------------------------
    def tables(self):
        inflate = 1.0 / self.scale
        months = np.asarray(self.T.months, dtype=np.int64)
        names = list(self.T.status_names)
        sector_names = list(SECTORS) + [NO_SECTOR]
        stocks = np.stack(self.stock_rows)  # [t, status, origin, sector+1]
        t_i, s_i, o_i, sec_i = np.nonzero(stocks)
        stock_table = pa.table(
            {
                "month": month_dates(months[t_i]),
                "status": _labels(s_i, names),
                "origin": _labels(o_i, ORIGINS),
                "sector": _labels(sec_i, sector_names),
                "persons": pa.array(stocks[t_i, s_i, o_i, sec_i] * inflate),
            }
        )
        flow_names = names + [ABROAD]
        if self.flow_rows:  # each month's non-zero flows: flat (flow, from, to, origin, sector) cells and values
            month_codes = np.concatenate([np.full(index.size, t) for t, (index, _) in enumerate(self.flow_rows)])
            f, a, b, o, sec = np.unravel_index(np.concatenate([index for index, _ in self.flow_rows]), self.flow_shape)
            values = np.concatenate([v for _, v in self.flow_rows])
        else:
            month_codes = f = a = b = o = sec = np.zeros(0, dtype=np.int64)
            values = np.zeros(0)
        flow_table = pa.table(
            {
                "month": month_dates(months[month_codes]),
                "flow": _labels(f, list(FLOW_TYPES)),
                "status_from": _labels(a, flow_names),
                "status_to": _labels(b, flow_names),
                "origin": _labels(o, ORIGINS),
                "sector": _labels(sec, sector_names),
                "persons": pa.array(values * inflate),
            }
        )
        measures = np.stack(self.measure_rows)  # [t, origin, measure]
        t_i, o_i, m_i = np.indices(measures.shape).reshape(3, -1)
        # months in status summed per status, for elapsed tenure (host statuses that have people)
        tenure = np.stack(self.tenure_rows).transpose(0, 2, 1).astype(np.float64)  # [t, origin, status]
        held = np.flatnonzero(tenure.sum(axis=(0, 1)) > 0)
        tenure_names = [f"tenure_months_sum:{names[k]}" for k in held]
        tt_i, to_i, ts_i = np.indices(tenure[:, :, held].shape).reshape(3, -1)
        measure_table = pa.table(
            {
                "month": month_dates(months[np.concatenate([t_i, tt_i])]),
                "origin": _labels(np.concatenate([o_i, to_i]), ORIGINS),
                "measure": _labels(np.concatenate([m_i, len(MEASURE_NAMES) + ts_i]), [*MEASURE_NAMES, *tenure_names]),
                "value": pa.array(np.concatenate([measures.reshape(-1), tenure[:, :, held].reshape(-1)]) * inflate),
            }
        )
        demand = np.stack([d for d, _ in self.demand_rows])
        employed = np.stack([e for _, e in self.demand_rows])
        t_i, s_i = np.indices(demand.shape).reshape(2, -1)
        demand_table = pa.table(
            {
                "month": month_dates(months[t_i]),
                "sector": _labels(s_i, SECTORS),
                "demand": pa.array(demand.reshape(-1) * inflate),
                "employed": pa.array(employed.reshape(-1) * inflate),
            }
        )
        return stock_table, flow_table, demand_table, measure_table


# The month's phases in the order of the model's steps (DESIGN.md), with the names their
# time is reported under.
_PHASES = (
    (_Run._set_up, "set-up and compaction"),
    (_Run._recruit_arrivals, "recruitment: arrivals"),
    (_Run._recruit_admissions, "recruitment: admissions"),
    (_Run._in_host, "host pass (steps 3-8)"),
    (_Run._job_changers, "census and job changers"),
    (_Run._at_home, "home pass (steps 9-11)"),
    (_Run._entries_and_pools, "entries from abroad and pools"),
    (_Run._close, "recording"),
)


def simulate(
    scenario: Scenario,
    *,
    seed: int = 0,
    scale: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    end_state: bool = False,
    expectations: Scenario | None = None,
    people: bool = False,
) -> SimulationResult:
    """Run a scenario month by month and return tidy tables (counts re-inflated to persons);
    with `end_state`, also everyone alive after the last month; with `people`, every
    person's status spells (coexist.engine.spells; the other tables are the same bit for
    bit with or without).

    With `expectations` (a scenario with the same statuses, transitions, return paths and
    horizon), the rules act as `scenario` says, but every expectation people decide on (the
    legal way back, recognition at home, the placement chance, detection, the fees weighed)
    is read from the rules of `expectations`: the run of a decomposition's static part."""
    seed = check_seed(seed)
    scale = check_scale(scenario.population.scale if scale is None else scale)
    started = time.perf_counter()
    # the first run in a process compiles the kernels (or loads them from the cache) on their
    # first call; that time is measured and reported apart from the engine's
    with compile_timer() as compiling:
        run = _Run(scenario, int(seed), float(scale), expectations=expectations, people=people)
        run.clock.lap("initial population")
        total = len(run.T.months)
        for t in range(total):
            run.step(t)
            if progress is not None:
                progress(t + 1, total)
        run.clock.lap("between months")
        stocks, flows, demand, measures = run.tables()
        final = None
        if end_state:
            final = end_state_table(run.S, run.n, run.T.status_names, int(run.T.months[-1]), float(scale))
        spells = None
        if run.spells is not None:
            run.S, run.spares = None, {}  # the population is no longer needed: room for the spells' table
            spells = run.spells.table(run.T.status_names, SECTORS, ORIGINS)
            run.spells = None
        run.clock.lap("output tables")
    wall = time.perf_counter() - started
    return SimulationResult(
        stocks=stocks,
        flows=flows,
        demand=demand,
        measures=measures,
        agents=int(run.next_pid),
        agent_months=int(run.agent_months),
        wall_seconds=wall - compiling.seconds,
        compile_seconds=compiling.seconds,
        seed=int(seed),
        scale=float(scale),
        extra={
            "status_names": list(run.T.status_names),
            "params": dict(run.W.params),
            "phase_seconds": {k: round(v, 3) for k, v in run.clock.seconds.items()},
        },
        end_state=final,
        people=spells,
    )
