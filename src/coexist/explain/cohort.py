"""The paths one person's behaviour makes likely: copies of the person, month by month, through
the engine's own passes.

Each copy is a row of the engine's population arrays (:class:`coexist.engine.state.State`),
started from the person's history, and every month runs the compiled host and home passes
(:func:`coexist.engine.kernels.host_month`, :func:`~coexist.engine.kernels.home_month`): the
same draws of tests, job change, absconding, the choice at expiry between renewing,
upgrading, returning and staying irregularly, early return, enforcement, reintegration and
re-migration that a run makes. The world they read (wages, fees, employers, returnee job
finding) is the run's own (:func:`coexist.engine.world.build_world`); returnees come back
through the engine's re-entry step (:func:`coexist.engine.simulate.reenter_rows`).

What a run decides from the whole population is not known for one person, so three things
are assumed and reported with the answer (:data:`ASSUMPTIONS`): a returnee who applies is
admitted, a stock ceiling above zero has room and a route with a capacity takes everyone who
chooses it, and the bilateral matching channel places its share of returnees whatever their
number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numba
import numpy as np

from coexist.codes import ORIGINS, SECTORS
from coexist.engine import kernels
from coexist.engine.kernels import MEASURE_NAMES, P_LIVING
from coexist.engine.rng import SLOT, uniforms
from coexist.engine.simulate import (
    COMPILED_PASSES,
    Passes,
    default_exit_rates,
    default_transition_hazards,
    expected_placement,
    living_costs,
    reenter_rows,
    reentry_lag,
    remigration_gain,
)
from coexist.engine.state import GONE, new_state
from coexist.engine.world import World, build_world, sector_ranges
from coexist.errors import ScenarioError
from coexist.explain.history import History
from coexist.periods import format_month, parse_month
from coexist.policy.rules import KIND_SETTLED
from coexist.policy.tables import RegimeTables, month_rules
from coexist.scenario.schema import Scenario

__all__ = ["ASSUMPTIONS", "Copies", "simulate_copies", "summarise_copies", "EMPLOYERS_PER_SECTOR"]

ASSUMPTIONS = (
    "a returnee who applies to come back is admitted (vacancies and stock ceilings are not known without a run)",
    "a stock ceiling above zero has room, and a route with a capacity takes everyone who chooses it",
    "where the bilateral channel has openings in the returnee's sector (programme.matching_capacity), half of those "
    "waiting are placed within its waiting window (the queue is not known without a run)",
    "a free change of employer stays in the sector",
)
ASSUMED_MONTHLY_PLACEMENT = 1.0 - 0.5 ** (1.0 / kernels.PLACEMENT_WINDOW)
# Employers sampled for the copies, per sector: enough for the spread of wage premiums and
# abusive employers that the run's employers have (they are drawn independently).
EMPLOYERS_PER_SECTOR = 50
AT_HOME = "home"  # a copy at origin, in the paths
LEFT = "left the model"  # aged out, died, or left the host for good (non-programme statuses)


@dataclass
class Copies:
    """The copies' states month by month: `status[d, i]` the status code of copy i at the end
    of month d (GONE once they left the model), `changed_employer[d, i]` a change of employer."""

    months: list[str]
    start: int  # the status code before the first month
    status: np.ndarray
    changed_employer: np.ndarray
    names: tuple[str, ...]
    returned: int
    irregular: int
    settled: np.ndarray  # bool per status code: kind "settled" (permanent residence and the like)


def _world(scenario: Scenario, T: RegimeTables, seed: int) -> World:
    """The run's world at a scale that samples :data:`EMPLOYERS_PER_SECTOR` employers a sector
    (its population is not used)."""
    scale = min(1.0, EMPLOYERS_PER_SECTOR / max(scenario.population.employers_per_sector, 1))
    for _ in range(6):
        try:
            return build_world(scenario, T, seed, scale)
        except ScenarioError:  # a scale that gives no initial agent: try a larger one
            scale = min(1.0, scale * 10.0)
    return build_world(scenario, T, seed, 1.0)


def _employers(W: World, sector: np.ndarray, pids: np.ndarray, seed: int, month: int) -> np.ndarray:
    """An employer for each copy in its sector, drawn by the employers' shares of the sector's demand."""
    first, count = sector_ranges(W.sector_employers)
    u = uniforms(seed, pids.astype(np.int64), month, SLOT["employer"])
    return kernels.pick_employers(sector.astype(np.int8), u, W.emp_share, first, count)


def _start_state(history: History, T: RegimeTables, W: World, copies: int, seed: int):
    """`copies` rows of the engine's population arrays, each the person of `history` at the start
    of the first month of `T`; what a history does not say is drawn as for a run's entrants (a
    target earner with the run's share, an employer by the employers' shares of the sector)."""
    p = history.person
    names = T.status_names
    S = new_state(copies)
    pids = np.arange(copies, dtype=np.int64)
    month = int(T.months[0])
    S.pid[:] = pids
    S.origin[:] = ORIGINS.index(history.origin)
    S.sector[:] = SECTORS.index(p["sector"])
    at_home = p["status"] == "returned"
    S.status[:] = names.index(p["status"])
    S.months_in_status[:] = p["months_in_status"]
    S.status_total[:] = p["status_total"]
    S.months_abroad[:] = p["months_abroad"]
    S.months_in_stay[:] = 0 if at_home else p["months_in_stay"]
    held = [s for s in history.statuses_held if s != "irregular"]
    if at_home:
        S.prev_status[:] = names.index(p["previous_status"])
    elif p["status"] == "irregular":
        S.prev_status[:] = names.index(held[-1]) if held else -1
    elif len(history.statuses_held) > 1:
        S.prev_status[:] = names.index(history.statuses_held[-2])
    S.entries[:] = max(1, sum(1 for a, b in zip(history.stints, history.stints[1:], strict=False)
                              if a.end is not None and b.start > a.end + 1) + 1)
    S.skill[:] = p["skill"]
    S.cert[:] = p["cert"]
    S.language[:] = p["language"]
    S.debt[:] = history.debt
    S.family[:] = int(history.family)
    S.target_earner[:] = uniforms(seed, pids, month, SLOT["target"]) < W.params["target_earner_share"]
    age = history.age_months
    if age is None:
        age = int(W.params["entry_age_mean_years"] * 12) + p["months_abroad"]
    S.age[:] = age
    S.months_home[:] = p.get("months_home", 0) if at_home else 0
    S.forfeited[:] = int(bool(p.get("forfeited", False)))
    if p.get("banned_until"):
        S.ban_until[:] = parse_month(p["banned_until"])
    if not at_home and p["status"] != "irregular":
        S.employer[:] = _employers(W, S.sector, pids, seed, month)
    return S


def simulate_copies(scenario: Scenario, T: RegimeTables, history: History, *, copies: int, seed: int,
                    passes: Passes = COMPILED_PASSES) -> Copies:
    """Run `copies` copies of the person through the months of `T` (which start in the month
    asked about) with the engine's passes (`passes`: its compiled host and home passes, which a
    test may wrap); see the module's docstring for what is assumed."""
    W = _world(scenario, T, seed)
    params = W.params
    S = _start_state(history, T, W, copies, seed)
    n_months = len(T.months)
    living = living_costs(scenario, T, params)
    default_exit = default_exit_rates(T, params)
    default_hazard = default_transition_hazards(T, params)
    lag = reentry_lag(W.lag)
    death_by_age = kernels.death_table(params["mortality_annual"])
    threads = numba.get_num_threads()
    n_ext = T.n_status + 1
    n_emp = W.emp_sector.shape[0]
    n_blocks = -(-copies // kernels.BLOCK)
    status = np.empty((n_months, copies), dtype=np.int8)
    changed = np.zeros((n_months, copies), dtype=np.bool_)
    out = kernels.Tallies(
        flows=np.zeros((threads, len(kernels.FLOW_TYPES), n_ext, n_ext, len(ORIGINS), len(SECTORS) + 1)),
        measures=np.zeros((kernels.N_CHUNKS, len(ORIGINS), len(MEASURE_NAMES))),
        headcount=np.zeros((threads, n_emp), dtype=np.int64),
        fresh=np.zeros((threads, len(ORIGINS), 3), dtype=np.int64),
        tenure=np.zeros((threads, T.n_status, len(ORIGINS)), dtype=np.int64),
        routes=np.zeros((threads, T.tr_from.shape[0]), dtype=np.int64),
        waiting=np.zeros((threads, 2, len(SECTORS), 3), dtype=np.int64),
    )
    pids = S.pid.astype(np.int64)
    start = int(S.status[0])
    for t in range(n_months):
        month = int(T.months[t])
        # step 2: admitted returnees travel (held at a closed border a month at a time), applicants are admitted
        arriving = np.flatnonzero((S.applying == 2) & (S.arrival == month) & (S.status == T.returned))
        if arriving.size and T.openness[t] < 1.0:
            held = uniforms(seed, pids[arriving], month, SLOT["border"]) >= T.openness[t]
            S.arrival[arriving[held]] = month + 1
            arriving = arriving[~held]
        if arriving.size:
            reenter_rows(S, arriving, T, t, W.fee[t][S.origin[arriving].astype(np.int64)])
            new_job = arriving[S.employer[arriving] < 0] if T.rehire[t] else arriving
            S.employer[new_job] = _employers(W, S.sector[new_job], pids[new_job], seed, month)
        applied = np.flatnonzero((S.applying == 1) & (S.status == T.returned))
        S.applying[applied] = 2
        S.arrival[applied] = month + lag
        # steps 3-8 and 9-11: the engine's passes
        capacity = T.tr_capacity[t]
        R = month_rules(t, T, default_exit, default_hazard, np.where(capacity > 0, 1.0, 0.0))
        P = W.P.copy()
        P[P_LIVING] = living[t]
        # the assumed placement chance (ASSUMPTIONS): half of those waiting within the window
        place = np.repeat(np.where(R.matching_capacity > 0, ASSUMED_MONTHLY_PLACEMENT, 0.0)[:, None], 3, axis=1)
        for buffer in out:
            buffer[...] = 0
        inputs = kernels.MonthInputs(
            n=copies, month=month, seed=int(seed), abroad=T.n_status, death_by_age=death_by_age,
            home_wage=W.home_wage[t], f12=W.f12[t], sector_factor=W.sector_factor, employers=W.employers,
            expect_place=expected_placement(place), cap_open=T.caps[t] > 0, place_prob=place,
            remigration_gain=np.zeros(len(ORIGINS)),
            host_blocks=np.ones(n_blocks, dtype=np.uint8), home_blocks=np.ones(n_blocks, dtype=np.uint8),
        )
        passes.host_month(S, R, R, P, inputs, out)
        movers = np.flatnonzero(S.employer == -2)
        changed[t, movers] = True
        if movers.size:
            S.employer[movers] = _employers(W, S.sector[movers], pids[movers], seed, month)
        gain = remigration_gain(T, params, living[t], t, W.home_wage[t], W.fee[t])
        passes.home_month(S, R, R, P, inputs._replace(remigration_gain=gain,
                                                    home_blocks=np.ones(n_blocks, dtype=np.uint8)), out)
        status[t] = S.status
    return Copies(
        months=[format_month(m) for m in T.months], start=start, status=status, changed_employer=changed,
        names=T.status_names, returned=T.returned, irregular=T.irregular, settled=T.kind == KIND_SETTLED,
    )


def _label(code: int, copies: Copies) -> str:
    if code == GONE or code < 0:
        return LEFT
    if code == copies.returned:
        return AT_HOME
    return copies.names[code]


def summarise_copies(copies: Copies, top: int = 8) -> dict:
    """The copies in JSON-friendly form: the share in each state month by month, the chance of
    each event within the horizon with the median month it first happens, and the most likely
    paths (the sequence of states, repeats collapsed) with their shares."""
    n_months, n = copies.status.shape
    codes = np.maximum(copies.status.astype(np.int64), GONE) - GONE  # [month, copy] 0: left the model
    n_codes = len(copies.names) + 1
    counts = np.stack([np.bincount(row, minlength=n_codes) for row in codes])  # [month, code]
    # the states in the order they first appear
    seen = sorted((c for c in range(n_codes) if counts[:, c].any()), key=lambda c: (np.argmax(counts[:, c] > 0), c))
    shares = {_label(c + GONE, copies): [round(float(v), 4) for v in counts[:, c] / n] for c in seen}
    order = list(shares)
    in_host = (copies.status > 0) & (copies.status != copies.returned)
    previous = np.vstack([np.full((1, n), copies.start, dtype=np.int8), copies.status[:-1]])
    was_host = (previous > 0) & (previous != copies.returned)
    events = {
        "changed employer": copies.changed_employer,
        "went home": was_host & (copies.status == copies.returned),
        "came back": (previous == copies.returned) & in_host,
        "went irregular": (copies.status == copies.irregular) & (previous != copies.irregular),
        "changed status in the host": was_host & in_host & (copies.status != previous)
        & (copies.status != copies.irregular) & (previous != copies.irregular),
        "reached a settled status (permanent residence)": copies.settled[np.maximum(copies.status, 0)]
        & (copies.status > 0),
        "left the model": copies.status == GONE,
    }
    event_rows = []
    for name, happened in events.items():
        ever = happened.any(axis=0)
        first = np.argmax(happened, axis=0)[ever]
        event_rows.append({
            "event": name,
            "probability": round(float(ever.mean()), 4),
            "median_first_month": copies.months[int(np.median(first))] if first.size else None,
        })
    # each copy's sequence of states, repeats collapsed: the months where its code changes
    with_start = np.vstack([np.full((1, n), copies.start - GONE, dtype=np.int64), codes])
    month_changed, copy_changed = np.nonzero((with_start[1:] != with_start[:-1]).T)
    steps = codes.T[month_changed, copy_changed]
    bounds = np.searchsorted(month_changed, np.arange(n + 1))
    sequences = Counter(tuple(steps[bounds[i]:bounds[i + 1]]) for i in range(n))
    first = _label(copies.start, copies)
    paths = Counter()
    for sequence, count in sequences.items():
        paths[" -> ".join([first, *(_label(c + GONE, copies) for c in sequence)])] += count
    return {
        "copies": n,
        "months": copies.months,
        "state_shares": shares,
        "at_horizon": {s: shares[s][-1] for s in order if shares[s][-1] > 0},
        "events": event_rows,
        "likely_paths": [{"path": path, "probability": round(count / n, 4)} for path, count in paths.most_common(top)],
        "assumptions": list(ASSUMPTIONS),
    }
