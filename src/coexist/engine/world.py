"""Everything a run needs besides the rules: parameters, origins, employers, demand, people.

Built once per run from the scenario, the embedded data, the seed and the scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coexist.codes import ORIGINS, SECTORS, STATUSES
from coexist.data import (
    calibrated_behaviour,
    calibrated_end_state,
    entry_history,
    initial_stocks,
    origin_profiles,
    parameters,
    recent_entries,
    sector_wage_factors,
    world_assumptions,
)
from coexist.engine.end_state import populate_from_end_state
from coexist.engine.kernels import PARAM_NAMES, Employers, pick_employers
from coexist.engine.rng import SLOT, generator, uniforms
from coexist.engine.state import State, initial_capacity, new_state
from coexist.errors import ScenarioError
from coexist.periods import parse_month
from coexist.policy.dated import evaluate
from coexist.policy.rules import (
    HOLD_STAY,
    HOLD_TOTAL,
    KIND_PROGRAMME,
    KIND_SETTLED,
    NEW_PERMITS,
    capped_fee,
    family_may_live_in_host,
)
from coexist.policy.tables import RegimeTables, compile_regime
from coexist.scenario.options import check_agents
from coexist.scenario.schema import INITIAL_POPULATIONS, Scenario

__all__ = ["World", "build_world", "check_scale_gives_agents", "resolve_parameters", "stochastic_round"]


def resolve_parameters(scenario: Scenario) -> dict[str, float]:
    """Behavioural parameters: embedded defaults, then the shipped calibration's values where
    the scenario asks for them (``behaviour_defaults``), then the scenario's own values."""
    values = {name: spec.default for name, spec in parameters().items()}
    if scenario.behaviour_defaults == "calibrated-japan":
        values.update(calibrated_behaviour())
    values.update(scenario.behaviour)
    return values


def stochastic_round(values, rng: np.random.Generator) -> np.ndarray:
    """Round to integers so that the expectation is the value itself (used for scaling)."""
    values = np.asarray(values, dtype=np.float64)
    floor = np.floor(values)
    return (floor + (rng.random(values.shape) < values - floor)).astype(np.int64)


@dataclass
class World:
    params: dict[str, float]
    P: np.ndarray  # parameters in kernel order
    scale: float
    home_wage: np.ndarray  # [month, origin] host currency per month
    fee: np.ndarray  # [month, origin] host currency
    pool_target: np.ndarray  # [month, origin] persons at the simulated scale
    origin_weight: np.ndarray  # [month, origin] 0 for inactive origins
    f12: np.ndarray  # [month, origin] returnee job finding within 12 months
    sector_factor: np.ndarray  # [sector]
    emp_sector: np.ndarray  # [employer] sector code
    emp_share: np.ndarray  # [employer] share of its sector's demand
    employers: Employers  # [employer] wage premium and abuse, as the host pass reads them
    sector_employers: list  # per sector: employer ids
    demand0: np.ndarray  # [sector] at the simulated scale: workers who fill vacancies, recruits on their way, vacancies
    demand_index: np.ndarray  # [month, sector]
    demand_added: np.ndarray  # [month, sector] persons added to demand by then (demand.added_per_year), scaled
    demand_season: np.ndarray  # [month of the year (0 = January), sector] factor on demand (demand.season)
    inflow_mix: np.ndarray  # [status, origin, sector] shares for non-programme inflows
    lag: int  # months between admission and arrival
    pipeline0: np.ndarray  # [lag, origin, status, sector] admitted before the start, arriving in months 0..lag-1
    state: State
    n: int


def _grown_home_wage(value, scenario: Scenario, tables: RegimeTables) -> np.ndarray:
    """An origin's home wage in each month of the run.

    A number is the level at the start, grown at ``economy.home_wage_growth`` and scaled
    by ``economy.exchange_rate_index`` (the tables' ``home_wage_index``). A dated table
    holds each level from its date; before its first date, and after its last one (or
    the start, when that is later), the level grows at ``home_wage_growth``; the
    exchange-rate index applies in every month.
    """
    if not isinstance(value, dict):
        return value * tables.home_wage_index
    months = tables.months.astype(np.int64)
    dates = np.array([parse_month(k) for k in value], dtype=np.int64)
    levels = np.array(list(value.values()), dtype=np.float64)
    # the growth index over the run and every date of the table, so that a date outside
    # the run still anchors the growth
    first_month = min(months[0], dates[0])
    span = np.arange(first_month, max(months[-1], dates[-1]) + 1)
    growth = np.cumprod((1.0 + evaluate(scenario.economy.home_wage_growth, span)) ** (1.0 / 12.0))
    grown = growth[months - first_month]
    level = evaluate(value, months)
    last = max(dates[-1], months[0])
    level = np.where(months < dates[0], levels[0] * (grown / growth[dates[0] - first_month]), level)
    level = np.where(months >= last, levels[-1] * (grown / growth[last - first_month]), level)
    return level * evaluate(scenario.economy.exchange_rate_index, months)


def _channel_weights(tables: RegimeTables, counts: np.ndarray, active: np.ndarray) -> np.ndarray | None:
    """[origin] each active origin's recruitment channel, from its share of the programme
    stock at the start relative to an equal share (1.0 each when shares are equal): the
    sending agencies and the host's supervising organisations recruit where they already
    work; an origin with a small share or none keeps `new_channel_weight`, so that a channel
    can open. None when the start has no one in a programme status."""
    programme = counts[tables.kind == KIND_PROGRAMME].sum(axis=(0, 2)).astype(np.float64)
    programme = np.where(active, programme, 0.0)
    if programme.sum() <= 0:
        return None
    floor = world_assumptions()["new_channel_weight"].value
    return np.maximum(programme / programme.sum() * np.count_nonzero(active), floor)


def _origin_data(scenario: Scenario, tables: RegimeTables, counts: np.ndarray):
    """[month, origin] home wage, fee, pool, unemployment and recruitment weight: the
    scenario's [origins] values, else (a yen host) the embedded dated profiles; a weight
    the scenario does not set comes from the programme stock at the start (_channel_weights)."""
    defaults = (
        {code: profile.scenario_values() for code, profile in origin_profiles().items()}
        if scenario.currency == "JPY"
        else {}
    )
    months = tables.months
    shape = (len(months), len(ORIGINS))
    home_wage, fee, pool, unemployment, weight = (np.zeros(shape) for _ in range(5))
    active = np.array([
        (scenario.currency == "JPY" or code in scenario.origins)
        and (code not in scenario.origins or scenario.origins[code].active)
        for code in ORIGINS
    ])
    channel = _channel_weights(tables, counts, active)
    for k, code in enumerate(ORIGINS):
        settings = scenario.origins.get(code)
        if (scenario.currency != "JPY" and settings is None) or (settings is not None and not settings.active):
            home_wage[:, k] = _grown_home_wage(1.0, scenario, tables)  # no one is recruited there
            continue
        default = defaults.get(code, {})

        def given(field: str, fallback=None, settings=settings, default=default):
            value = getattr(settings, field) if settings is not None else None
            return value if value is not None else default.get(field, fallback)

        home_wage[:, k] = _grown_home_wage(given("home_wage"), scenario, tables)
        fee[:, k] = evaluate(given("fee"), months)
        pool[:, k] = evaluate(given("pool_size"), months)
        unemployment[:, k] = evaluate(given("unemployment_rate"), months)
        own = settings.recruitment_weight if settings is not None else None
        if own is None:
            own = given("recruitment_weight", 1.0) if channel is None else float(channel[k])
        weight[:, k] = evaluate(own, months)
    return home_wage, fee, pool, unemployment, weight


def _sector_factors(scenario: Scenario) -> np.ndarray:
    if scenario.currency != "JPY":
        return np.ones(len(SECTORS))
    factors = sector_wage_factors()
    return np.array([factors[s].value if s in factors else 1.0 for s in SECTORS])


def _initial_counts(scenario: Scenario, tables: RegimeTables) -> np.ndarray:
    counts = np.zeros((tables.n_status, len(ORIGINS), len(SECTORS)), dtype=np.int64)
    initial = scenario.population.initial
    if initial in INITIAL_POPULATIONS and initial != "empty":
        stocks = initial_stocks(initial[len("japan-") :]).counts
        for k, name in enumerate(STATUSES):
            total = int(stocks[k].sum())
            if total == 0 or name in ("home", "returned"):
                continue
            if name not in tables.status_names:
                raise ScenarioError(
                    f"the initial population {initial!r} has {total} persons in status {name!r}, which the "
                    "scenario does not declare.",
                    field="population.initial",
                )
            counts[tables.code(name)] += stocks[k]
    elif scenario.population.initial != "empty":
        raise ScenarioError(
            f"must be one of {', '.join(repr(p) for p in INITIAL_POPULATIONS)}. Got {scenario.population.initial!r} "
            "instead.",
            field="population.initial",
        )
    for status, by_origin in scenario.population.initial_counts.items():
        if status not in tables.status_names or status in ("home", "returned"):
            raise ScenarioError(
                f"unknown status {status!r}; allowed: {', '.join(tables.status_names[1:-1])}.",
                field="population.initial_counts",
            )
        for origin, by_sector in by_origin.items():
            if origin not in ORIGINS:
                raise ScenarioError(
                    f"origin must be one of {', '.join(ORIGINS)}. Got {origin!r}.", field="population.initial_counts"
                )
            for sector, persons in by_sector.items():
                if sector not in SECTORS or persons < 0:
                    raise ScenarioError(
                        f"needs a sector in {', '.join(SECTORS)} and persons >= 0. Got {sector!r} = {persons!r}.",
                        field="population.initial_counts",
                    )
                counts[tables.code(status), ORIGINS.index(origin), SECTORS.index(sector)] += persons
    return counts


def check_scale_gives_agents(scenario: Scenario, scale: float | None) -> None:
    """Refuse (a ScenarioError) a ``scale`` (None: the scenario's) at which the scenario's
    initial population gives no agent; cheap, so callers can check before any run starts."""
    scale = scenario.population.scale if scale is None else scale
    check_agents(float(_initial_counts(scenario, compile_regime(scenario)).sum()), scale)


def build_world(scenario: Scenario, tables: RegimeTables, seed: int, scale: float) -> World:
    """The run's world; first of all, refuses a `scale` that gives no initial agent
    (a ScenarioError) before anything is drawn."""
    counts = _initial_counts(scenario, tables)
    check_agents(float(counts.sum()), scale)
    assumed = world_assumptions()
    params = resolve_parameters(scenario)
    P = np.array([params[name] for name in PARAM_NAMES], dtype=np.float64)
    rng = generator(seed, -1, 0)
    home_wage, fee, pool, unemployment, weight = _origin_data(scenario, tables, counts)
    slope = assumed["returnee_job_finding_unemployment_slope"].value
    reference = assumed["reference_unemployment_rate"].value
    bounds = assumed["returnee_job_finding_bounds"].value
    f12 = np.clip(
        params["returnee_job_finding_12m"] * (1.0 - slope * (unemployment - reference)),
        bounds["lowest"],
        bounds["highest"],
    )

    # employers: capacity shares, wage premium and a minority of abusive firms
    per_sector = max(1, int(round(scenario.population.employers_per_sector * scale)))
    n_emp = per_sector * len(SECTORS)
    emp_sector = np.repeat(np.arange(len(SECTORS), dtype=np.int8), per_sector)
    size = rng.lognormal(0.0, assumed["employer_size_log_sd"].value, n_emp)
    emp_share = np.empty(n_emp)
    for s in range(len(SECTORS)):
        block = slice(s * per_sector, (s + 1) * per_sector)
        emp_share[block] = size[block] / size[block].sum()
    emp_abusive = (rng.random(n_emp) < params["abusive_employer_share"]).astype(np.int8)
    emp_premium = np.exp(rng.normal(0.0, assumed["employer_premium_log_sd"].value, n_emp)) * np.where(
        emp_abusive == 1, assumed["abusive_employer_premium"].value, 1.0
    )
    sector_employers = [np.arange(s * per_sector, (s + 1) * per_sector) for s in range(len(SECTORS))]

    scaled = stochastic_round(counts * scale, rng)
    if scenario.population.attributes == "calibrated-history":
        state, n0 = populate_from_end_state(
            scaled,
            calibrated_end_state(),
            tables.status_names,
            tables.returned,
            int(tables.months[0]),
            seed,
            scale,
            rng,
        )
        in_host = np.flatnonzero((state.status[:n0] != tables.returned) & (state.status[:n0] != tables.irregular))
        state.employer[in_host] = _employers(state.sector[in_host], seed, in_host, emp_share, sector_employers)
        # the history ran under its own rules: the scenario's hold from its first month
        _follow_starting_rules(state, in_host, tables, fee[0])
    else:
        n0 = int(scaled.sum())
        state = new_state(initial_capacity(n0))
        reference = scenario.population.initial
        cohorts = entry_history if reference.startswith("japan-") else None
        _populate(state, scaled, tables, params, fee[0], seed, emp_share, sector_employers, rng,
                  reference[len("japan-"):], cohorts)

    lag = max(1, int(round(params["recruitment_lag_months"])))
    pipeline0 = _pipeline_at_start(scenario, tables, counts, lag, scale, rng)

    # demand that programme recruitment answers: the workers who fill vacancies with the open
    # vacancies (or the scenario's level), plus the recruits admitted before the start, who are
    # hired already; then the growth paths. Employers were filling vacancies before the start
    # too: at least the month's entries for each month a vacancy takes to fill stay open, so that
    # admissions go on from the first month (no gap when the first of them arrive).
    employed0 = scaled[tables.fills_vacancies].sum(axis=(0, 1)).astype(np.float64)
    demand0 = employed0 * (1.0 + scenario.demand.initial_vacancy_rate)
    for sector, persons in scenario.demand.initial.items():
        demand0[SECTORS.index(sector)] = persons * scale
    monthly = pipeline0.sum(axis=(1, 2)).mean(axis=0)  # [sector]
    demand0 = np.maximum(demand0, employed0 + params["vacancy_fill_months"] * monthly)
    demand0 += pipeline0.sum(axis=(0, 1, 2))
    demand_index = np.ones((len(tables.months), len(SECTORS)))
    for s, sector in enumerate(SECTORS):
        growth = scenario.demand.growth.get(sector, 0.0)
        monthly = (1.0 + evaluate(growth, tables.months)) ** (1.0 / 12.0)
        demand_index[:, s] = np.cumprod(monthly) / monthly[0]
    demand_season = np.ones((12, len(SECTORS)))
    for sector, factors in scenario.demand.season.items():
        demand_season[:, SECTORS.index(sector)] = factors
    demand_added = np.zeros((len(tables.months), len(SECTORS)))
    for sector, added in scenario.demand.added_per_year.items():
        per_month = evaluate(added, tables.months) / 12.0 * scale
        demand_added[:, SECTORS.index(sector)] = np.cumsum(per_month) - per_month[0]

    # non-programme entries follow the origin and sector mix of the initial stock
    inflow_mix = counts.astype(np.float64)
    totals = inflow_mix.sum(axis=(1, 2), keepdims=True)
    inflow_mix = np.where(totals > 0, inflow_mix / np.maximum(totals, 1), 1.0 / (len(ORIGINS) * len(SECTORS)))

    return World(
        params=params,
        P=P,
        scale=scale,
        home_wage=home_wage,
        fee=fee,
        pool_target=pool * scale,
        origin_weight=weight,
        f12=f12,
        sector_factor=_sector_factors(scenario),
        emp_sector=emp_sector,
        emp_share=emp_share,
        employers=Employers(premium=emp_premium, log_premium=np.log(emp_premium), abusive=emp_abusive),
        sector_employers=sector_employers,
        demand0=demand0,
        demand_index=demand_index,
        demand_added=demand_added,
        demand_season=demand_season,
        inflow_mix=inflow_mix,
        lag=lag,
        pipeline0=pipeline0,
        state=state,
        n=n0,
    )


def _months_in_status_by_cohort(months_in_status, status, horizon, u, names, reference, cohorts) -> None:
    """Months in status of the initial members of each status with an entry series: the month
    each entered is drawn in proportion to that month's entries (inverse CDF of ``u``), so the
    start keeps the cohorts of the years before it."""
    for code in np.unique(status):
        pick = status == code
        months = int(horizon[pick][0])
        entries = cohorts(reference, months).get(names[code])
        if entries is None or entries.sum() <= 0:
            continue
        cdf = np.cumsum(entries) / entries.sum()
        months_in_status[pick] = np.minimum(np.searchsorted(cdf, u[pick], side="right"), months - 1)


def _monthly_entries(scenario: Scenario, tables: RegimeTables, counts: np.ndarray) -> np.ndarray:
    """[status] persons a month who entered from abroad before the start: the official entries
    of the year before for a Japan start (data.recent_entries), else a steady state (the
    stock over its longest stay, or over default_horizon_months where it has none)."""
    initial = scenario.population.initial
    known = recent_entries(initial[len("japan-"):]) if initial.startswith("japan-") else {}
    horizon = world_assumptions()["default_horizon_months"].value
    out = np.zeros(tables.n_status)
    for code in np.flatnonzero((tables.kind == KIND_PROGRAMME) & tables.admits[0]):
        name = tables.status_names[code]
        if name in known:
            out[code] = known[name].value
            continue
        stay = tables.max_stay[0][code] or tables.max_total[0][code] or horizon
        out[code] = counts[code].sum() / stay
    return out


def _pipeline_at_start(scenario, tables, counts, lag, scale, rng) -> np.ndarray:
    """People admitted in the `lag` months before the start, who arrive in its first months:
    each month's entries of a status (_monthly_entries) spread over origins and sectors as its
    initial stock is, at the simulated scale."""
    pipeline = np.zeros((lag, len(ORIGINS), tables.n_status, len(SECTORS)), dtype=np.int64)
    monthly = _monthly_entries(scenario, tables, counts)
    for code in np.flatnonzero(monthly > 0):
        stock = counts[code].astype(np.float64)
        if stock.sum() <= 0:
            continue
        expected = monthly[code] * scale * stock / stock.sum()  # [origin, sector]
        for month in range(lag):
            pipeline[month, :, code, :] = stochastic_round(expected, rng)
    return pipeline


def _limit_of_initial_holders(tables: RegimeTables, limit: np.ndarray, rule: int) -> np.ndarray:
    """[status] a stay limit of the first month, as it binds the people there at the start: their
    permits were granted before it, so a reform for new permits leaves them the value in force
    the month before (policy.rules.held_rule)."""
    before = min(max(int(tables.months[0]) - 1 - tables.reform_first, 0), tables.reform_by_start.shape[2] - 1)
    held = tables.reform_rule[rule] == NEW_PERMITS
    return np.where(held, tables.reform_by_start[rule, :, before], limit[0])


def _populate(state, scaled, tables, params, fee, seed, emp_share, sector_employers, rng, reference, cohorts):
    """Create the initial agents. Attributes with no official data are documented assumptions
    (world_assumptions.toml). ``cohorts(reference, months)`` gives the monthly entries before the
    start by status (data.entry_history); a status it has no series for gets evenly spread
    months in status."""
    assumed = world_assumptions()
    status_idx, origin_idx, sector_idx = np.nonzero(scaled)
    reps = scaled[status_idx, origin_idx, sector_idx]
    status = np.repeat(status_idx, reps).astype(np.int8)
    origin = np.repeat(origin_idx, reps).astype(np.int8)
    sector = np.repeat(sector_idx, reps).astype(np.int8)
    n = status.shape[0]
    ids = np.arange(n, dtype=np.int64)
    u_a = uniforms(seed, ids, -1, SLOT["attr_a"])
    u_b = uniforms(seed, ids, -1, SLOT["attr_b"])
    u_c = uniforms(seed, ids, -1, SLOT["attr_c"])
    first = 0
    max_stay = _limit_of_initial_holders(tables, tables.max_stay, HOLD_STAY)
    max_total = _limit_of_initial_holders(tables, tables.max_total, HOLD_TOTAL)
    horizon = np.where(
        max_stay[status] > 0,
        max_stay[status],
        np.where(max_total[status] > 0, max_total[status], assumed["default_horizon_months"].value),
    )
    horizon = np.where(max_total[status] > 0, np.minimum(horizon, max_total[status]), horizon)
    months_in_status = np.floor(u_a * horizon).astype(np.int16)
    if cohorts is not None:
        _months_in_status_by_cohort(months_in_status, status, horizon, u_a, tables.status_names, reference, cohorts)
    state.pid[:n] = ids
    state.status[:n] = status
    state.origin[:n] = origin
    state.sector[:n] = sector
    state.months_in_status[:n] = months_in_status
    state.months_in_stay[:n] = months_in_status
    state.status_total[:n] = months_in_status
    names = tables.status_names
    # Upgraded statuses carry earlier months in the host (e.g. SSW-i through TITP).
    earlier = np.zeros(n, dtype=np.int16)
    earlier_share = assumed["earlier_host_months_share"].value
    for name, months in assumed["earlier_host_months"].value.items():
        share = earlier_share[name]
        if name in names:
            pick = (status == names.index(name)) & (u_b < share)
            earlier[pick] = months
    state.months_abroad[:n] = months_in_status + earlier
    learn = params["learning_rate"]
    gap = assumed["initial_skill_gap"].value
    state.skill[:n] = (1.0 - gap * (1.0 - learn) ** state.months_abroad[:n].astype(np.float64)).astype(np.float32)
    cert = np.zeros(n, dtype=np.int8)
    for name, level in (("ssw1", 1), ("ssw2", 2)):
        if name in names:
            cert[status == names.index(name)] = level
    state.cert[:n] = cert
    state.language[:n] = np.minimum(3, cert + assumed["language_levels_above_cert"].value)
    age0 = params["entry_age_mean_years"] * 12.0 + (u_c - 0.5) * assumed["entry_age_spread_months"].value
    age = age0 + state.months_abroad[:n]
    # settled residents span working ages uniformly
    settled = tables.kind[status] == KIND_SETTLED
    ages = assumed["settled_age_years"].value
    age = np.where(settled, (ages["youngest"] + (ages["oldest"] - ages["youngest"]) * u_c) * 12.0, age)
    state.age[:n] = age.astype(np.int16)
    programme = tables.kind[status] == KIND_PROGRAMME
    irregular = status == tables.irregular
    charged = capped_fee(fee[origin], tables.fee_cap[first][status], tables.wage[first][status])
    state.debt[:n] = np.where(
        programme, charged * np.clip(1.0 - months_in_status / assumed["debt_repayment_months"].value, 0.0, 1.0), 0.0
    )
    u_family = uniforms(seed, ids, -1, SLOT["family"])
    u_target = uniforms(seed, ids, -1, SLOT["attr_d"])
    permitted = family_may_live_in_host.py_func(
        tables.family_allowed[first], tables.family_after[first], status, months_in_status
    )
    state.family[:n] = np.where(permitted & (u_family < assumed["family_share"].value), 1, 0).astype(np.int8)
    state.target_earner[:n] = (u_target < params["target_earner_share"]).astype(np.int8)
    state.entries[:n] = 1
    state.prev_status[:n] = np.where(irregular, names.index("titp") if "titp" in names else -1, -1)
    state.overstay[:n] = irregular.astype(np.int8)
    state.ban_until[:n] = 0
    employer = np.full(n, -1, dtype=np.int32)
    host = ~irregular
    employer[host] = _employers(sector[host], seed, ids[host], emp_share, sector_employers)
    state.employer[:n] = employer


def _follow_starting_rules(state: State, rows: np.ndarray, tables: RegimeTables, fee: np.ndarray) -> None:
    """People in the host (`rows`) whose attributes came from a run under other rules take
    the scenario's rules of its first month: no family where the status allows none (or not
    yet), and a recruitment debt no larger than the capped fee allows. The debt shrinks in
    the proportion of the capped fee to the origin's fee `fee` [origin], so what was repaid
    keeps its share; the cap is the re-entry cap for people who came back (more than one
    entry), the status's fee cap otherwise."""
    status = state.status[rows].astype(np.int64)
    months = state.months_in_status[rows].astype(np.int64)
    permitted = family_may_live_in_host.py_func(tables.family_allowed[0], tables.family_after[0], status, months)
    state.family[rows] = np.where(permitted, state.family[rows], 0)
    came_back = state.entries[rows] > 1
    cap = np.where(came_back, tables.reentry_fee_cap[0], tables.fee_cap[0][status])
    full = fee[state.origin[rows].astype(np.int64)]
    charged = capped_fee(full, cap, tables.wage[0][status])
    share = np.where(full > 0, np.minimum(charged / np.maximum(full, 1e-12), 1.0), 1.0)
    state.debt[rows] = np.where(cap >= 0, state.debt[rows] * share, state.debt[rows]).astype(np.float32)


def sector_ranges(sector_employers: list) -> tuple[np.ndarray, np.ndarray]:
    """Each sector's first employer and number of employers (a sector's ids are consecutive)."""
    first = np.array([members[0] for members in sector_employers], dtype=np.int64)
    count = np.array([members.size for members in sector_employers], dtype=np.int64)
    for members, start in zip(sector_employers, first, strict=True):
        assert np.array_equal(members, np.arange(start, start + members.size))
    return first, count


def _employers(sector, seed, ids, emp_share, sector_employers) -> np.ndarray:
    """An employer in their sector for each initial person, drawn by employer size."""
    u = uniforms(seed, np.asarray(ids, dtype=np.int64), -1, SLOT["employer"])
    return pick_employers(sector, u, emp_share, *sector_ranges(sector_employers)).astype(np.int32)
