"""Family in the host follows the status rules (which statuses allow a family, and from
when), and fee caps act on decisions as well as on debt: the fee an applicant or a returnee
weighs, and the debt of the people there at the start (docs/model.md 3.3, 3.4.11, 3.5.2)."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from coexist.engine import simulate
from coexist.engine.simulate import fee_weighed, remigration_gain
from coexist.engine.world import build_world, resolve_parameters
from coexist.policy.tables import compile_regime
from coexist.scenario import load_scenario
from coexist.testing import tiny_world

SHORT = ('horizon.end="2026-12"',)
# family forms at the top of its range, over four years
FAST_FAMILY = ("behaviour.family_formation_rate=0.03", 'horizon.end="2028-12"')
PROGRAMME = ("titp", "esd", "ssw1")


def _end_state(scenario, seed: int = 4):
    """Everyone alive after the last month, as a dict of NumPy columns."""
    table = simulate(scenario, seed=seed, end_state=True).end_state
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _world(scenario, seed: int = 4, scale: float = 1.0):
    return build_world(scenario, compile_regime(scenario), seed, scale)


def _entries(result, first: str, last: str) -> float:
    f = result.flows
    keep = pc.and_(pc.equal(f["flow"], "entry"), pc.is_in(f["status_to"], value_set=pc.cast(PROGRAMME, "string")))
    months = pc.strftime(f["month"], format="%Y-%m")
    keep = pc.and_(keep, pc.and_(pc.greater_equal(months, first), pc.less_equal(months, last)))
    return pc.sum(f.filter(keep)["persons"]).as_py() or 0.0


def test_a_status_without_a_family_right_has_no_family_members():
    scenario = tiny_world(overrides=(*FAST_FAMILY, "statuses.professional.family_allowed=false"))
    world = _world(scenario)
    names = compile_regime(scenario).status_names
    status = world.state.status[: world.n]
    family = world.state.family[: world.n]
    assert not family[status == names.index("professional")].any()
    assert family[status == names.index("status_based")].any()  # the settled residents keep theirs
    end = _end_state(scenario)
    assert not end["family"][end["status"] == "professional"].any()
    assert end["family"][end["status"] == "status_based"].mean() > 0.6


def test_a_family_right_withdrawn_at_a_date_leaves_no_family_after_it():
    withdrawn = 'statuses.professional.family_allowed={"2025-01"=true, "2026-01"=false}'
    end = _end_state(tiny_world(overrides=(*FAST_FAMILY, withdrawn)))
    assert not end["family"][end["status"] == "professional"].any()
    kept = _end_state(tiny_world(overrides=FAST_FAMILY))
    assert kept["family"][kept["status"] == "professional"].mean() > 0.6


def test_the_starting_population_from_the_history_follows_the_scenarios_family_rules():
    law = load_scenario("japan-temporary")
    names = compile_regime(law).status_names
    base = _world(law, scale=0.002)
    professional = base.state.status[: base.n] == names.index("professional")
    assert base.state.family[: base.n][professional].any()  # the history gave professionals families
    withdrawn = _world(load_scenario("japan-temporary", overrides=("statuses.professional.family_allowed=false",)),
                       scale=0.002)
    assert not withdrawn.state.family[: withdrawn.n][professional].any()
    # nobody else changes
    others = ~professional
    assert np.array_equal(withdrawn.state.family[: withdrawn.n][others], base.state.family[: base.n][others])


def test_a_status_that_allows_family_after_n_months_has_none_before_n():
    after = 18
    rules = ("statuses.ssw1.family_allowed=true", f"statuses.ssw1.family_after_months={after}")
    scenario = tiny_world(overrides=(*FAST_FAMILY, *rules))
    world = _world(scenario)
    ssw1 = world.state.status[: world.n] == compile_regime(scenario).status_names.index("ssw1")
    months = world.state.months_in_status[: world.n]
    family = world.state.family[: world.n]
    assert not family[ssw1 & (months < after)].any()
    assert family[ssw1 & (months >= after)].any()
    end = _end_state(scenario)
    holders = end["status"] == "ssw1"
    early = holders & (end["months_in_status"] < after)
    late = holders & (end["months_in_status"] >= after + 12)
    assert early.sum() > 50 and late.sum() > 50
    assert not end["family"][early].any()
    assert end["family"][late].mean() > 0.25  # 1 - 0.97^13 after 13 months or more


def test_a_fee_cap_lowers_the_fee_an_applicant_weighs():
    free = compile_regime(tiny_world(overrides=SHORT))
    capped = compile_regime(tiny_world(overrides=(*SHORT, *(f"statuses.{s}.fee_cap_months=0.5" for s in PROGRAMME))))
    fee = np.array([900_000.0, 50_000.0])
    assert np.array_equal(fee_weighed(free, 0, fee), fee)  # no cap: exactly the fee
    weighed = fee_weighed(capped, 0, fee)
    assert weighed[0] < 0.5 * fee[0] and weighed[1] == fee[1]  # a cap above the fee changes nothing


def test_a_fee_cap_brings_more_applications_at_the_same_wage_gap():
    # candidates are scarce: applications, not vacancies, decide the entries
    scarce = (*SHORT, "origins.VNM.pool_size=1500.0")
    capped = (*scarce, *(f"statuses.{s}.fee_cap_months=0.5" for s in PROGRAMME))
    entries = [_entries(simulate(tiny_world(overrides=o), seed=5), "2025-06", "2026-12") for o in (scarce, capped)]
    assert entries[1] > 1.3 * entries[0]


def test_a_reentry_fee_cap_raises_the_pull_on_returnees():
    params = resolve_parameters(tiny_world(overrides=SHORT))
    home_wage = np.array([40_000.0, 40_000.0])
    fee = np.array([900_000.0, 0.0])
    gain = {}
    for cap in (-1.0, 1.0):
        T = compile_regime(tiny_world(overrides=(*SHORT, f"programme.reentry_fee_cap_months={cap}")))
        gain[cap] = remigration_gain(T, params, 70_000.0, 0, home_wage, fee)
    assert gain[1.0][0] > 2.0 * gain[-1.0][0]  # 900,000 yen less to pay
    assert gain[1.0][1] == gain[-1.0][1]  # nothing to cap


def test_a_fee_cap_from_the_start_caps_the_starting_debt():
    cap = 0.5
    free = tiny_world(overrides=SHORT)
    capped = tiny_world(overrides=(*SHORT, f"statuses.titp.fee_cap_months={cap}"))
    T = compile_regime(capped)
    titp = T.code("titp")
    before, after = _world(free), _world(capped)
    rows = before.state.status[: before.n] == titp
    assert before.state.debt[: before.n][rows].max() > cap * T.wage[0, titp]
    assert after.state.debt[: after.n][rows].max() <= cap * T.wage[0, titp] * (1 + 1e-6)
    others = ~rows
    assert np.array_equal(after.state.debt[: after.n][others], before.state.debt[: before.n][others])


def test_the_starting_debt_from_the_history_is_capped_where_the_scenario_caps_fees():
    law = load_scenario("japan-temporary")
    capped = load_scenario("japan-temporary", overrides=(
        "statuses.titp.fee_cap_months=0.5", "statuses.ssw1.fee_cap_months=0.5", "programme.reentry_fee_cap_months=0.5",
    ))
    before, after = _world(law, scale=0.002), _world(capped, scale=0.002)
    T = compile_regime(law)
    status = before.state.status[: before.n]
    programme = np.isin(status, [T.code("titp"), T.code("ssw1")]) & (before.state.debt[: before.n] > 0)
    debt_before, debt_after = before.state.debt[: before.n], after.state.debt[: after.n]
    assert programme.sum() > 20
    assert debt_after[programme].sum() < 0.5 * debt_before[programme].sum()
    assert np.all(debt_after <= debt_before)
