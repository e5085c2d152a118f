"""Dated origin values: home wage, fee, recruitment weight, pool and unemployment may change
on a date, for any origin of any host; the engine reads each month's row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from coexist.codes import ORIGINS
from coexist.data import origin_profiles
from coexist.engine import simulate
from coexist.engine.world import build_world
from coexist.errors import ScenarioError
from coexist.periods import parse_month
from coexist.policy.tables import compile_regime
from coexist.scenario import load_scenario
from coexist.testing import tiny_world

VNM, PHL, IDN, OTH = (ORIGINS.index(code) for code in ("VNM", "PHL", "IDN", "OTH"))
DATED_FROM = "2028-01"
# Vietnam and the Philippines recruit on equal terms; no growth, so a number and a table
# with the same level give the same wage until the table's next date
TWO_ORIGINS = (
    'behaviour_defaults="embedded"',  # the embedded behaviour, not whatever calibration ships
    "economy.home_wage_growth=0.0",
    "origins.PHL.active=true",
    "origins.PHL.pool_size=60000.0",
    "origins.PHL.home_wage=45650.0",
    "origins.PHL.fee=688143.0",
    "origins.VNM.fee=688143.0",
    "origins.VNM.recruitment_weight=1.0",
    "origins.PHL.recruitment_weight=1.0",
)


def _text(months):
    """Months (dates) as "YYYY-MM-DD" text, which compares with "YYYY-MM" as months do."""
    return pc.cast(months, pa.string())


def _world(scenario, scale: float = 1.0):
    return build_world(scenario, compile_regime(scenario), seed=1, scale=scale)


def _row(scenario, month: str) -> int:
    return parse_month(month) - parse_month(scenario.horizon.start)


def _entries_by_origin(result, before: bool) -> dict[str, float]:
    """Programme entries from the pools by origin, before DATED_FROM or from it on."""
    f = result.flows
    month = _text(f["month"])
    when = pc.less(month, DATED_FROM) if before else pc.greater_equal(month, DATED_FROM)
    mask = pc.and_(pc.and_(pc.equal(f["flow"], "entry"), pc.equal(f["status_from"], "home")), when)
    rows = f.filter(mask).group_by("origin").aggregate([("persons", "sum")]).to_pylist()
    return {r["origin"]: r["persons_sum"] for r in rows}


def _before(table: pa.Table) -> pa.Table:
    kept = table.filter(pc.less(_text(table["month"]), DATED_FROM))
    keys = [c for c in kept.column_names if pa.types.is_string(kept.schema.field(c).type)]
    return kept.sort_by([(k, "ascending") for k in keys])


@pytest.fixture(scope="module")
def runs():
    flat = tiny_world(overrides=(*TWO_ORIGINS, "origins.VNM.home_wage=45650.0"))
    table = f'{{"2025-01"=45650.0, "{DATED_FROM}"=400000.0}}'
    dated = tiny_world(overrides=(*TWO_ORIGINS, f"origins.VNM.home_wage={table}"))
    return simulate(flat, seed=5), simulate(dated, seed=5)


def test_a_dated_home_wage_changes_nothing_before_its_date(runs):
    flat, dated = runs
    for name in ("stocks", "flows"):
        assert _before(getattr(flat, name)).equals(_before(getattr(dated, name))), name


def test_a_dated_home_wage_moves_that_origins_entries_from_its_date(runs):
    flat, dated = runs
    after_flat, after_dated = _entries_by_origin(flat, before=False), _entries_by_origin(dated, before=False)
    # Vietnam's wage at home rises almost ninefold: its candidates stop applying (those admitted
    # before the date still arrive), the Philippines fill the places
    assert after_flat["VNM"] > 1000
    assert after_dated.get("VNM", 0.0) < 0.5 * after_flat["VNM"]
    assert after_dated["PHL"] > 1.5 * after_flat["PHL"]


def test_a_table_holds_its_levels_and_grows_only_beyond_its_dates():
    scenario = tiny_world(overrides=(
        "economy.home_wage_growth=0.12",
        'horizon.end="2028-12"',
        'origins.VNM.home_wage={"2026-01"=1000.0, "2027-01"=2000.0}',
    ))
    wage = _world(scenario).home_wage[:, VNM]
    row = lambda month: _row(scenario, month)  # noqa: E731
    assert wage[row("2025-01")] == pytest.approx(1000.0 / 1.12)  # grown backwards from its first date
    assert wage[row("2026-01")] == wage[row("2026-12")] == 1000.0  # held between its dates
    assert wage[row("2027-01")] == 2000.0
    assert wage[row("2028-01")] == pytest.approx(2000.0 * 1.12)  # grown from its last date


def test_a_number_is_the_level_at_the_start_grown_as_before():
    scenario = tiny_world(overrides=("economy.home_wage_growth=0.12", "origins.VNM.home_wage=1000.0"))
    tables = compile_regime(scenario)
    world = build_world(scenario, tables, seed=1, scale=1.0)
    assert np.array_equal(world.home_wage[:, VNM], 1000.0 * tables.home_wage_index)


def test_a_yen_host_reads_the_embedded_dated_profiles():
    scenario = load_scenario("japan-history")
    world = _world(scenario, scale=0.002)
    profile = origin_profiles()["CHN"]
    for month in ("2017-01", "2019-06", "2022-01"):
        t = _row(scenario, month)
        key = f"{month[:4]}-01"
        assert world.home_wage[t, ORIGINS.index("CHN")] == profile.home_wage_by_year[key].value
        assert world.fee[t, ORIGINS.index("CHN")] == profile.fee_by_year[key].value
    assert world.fee[_row(scenario, "2022-06"), VNM] == profile_fee("VNM")
    # Vietnam's series starts in 2021: 2017 is its 2021 level grown back at home_wage_growth
    first = origin_profiles()["VNM"].home_wage_by_year["2021-01"].value
    growth = scenario.economy.home_wage_growth
    assert world.home_wage[0, VNM] == pytest.approx(first / (1 + growth) ** 4)


def profile_fee(code: str) -> float:
    return origin_profiles()[code].fee_jpy.value


def test_dated_values_at_any_origin_of_a_host_in_another_currency():
    scenario = load_scenario("example-seasonal", overrides=(
        'origins.IDN.fee={"2025-01"=1200.0, "2030-01"=5000.0}',
        'origins.PHL.recruitment_weight={"2025-01"=1.0, "2027-01"=0.0}',
        'origins.OTH.pool_size={"2025-01"=20000.0, "2026-01"=5000.0}',
        'origins.VNM.unemployment_rate={"2025-01"=0.025, "2029-01"=0.3}',
        'origins.VNM.home_wage={"2025-01"=420.0, "2031-01"=900.0}',
    ))
    world = build_world(scenario, compile_regime(scenario), seed=1, scale=0.5)
    row = lambda month: _row(scenario, month)  # noqa: E731
    assert world.fee[row("2029-12"), IDN] == 1200.0 and world.fee[row("2030-01"), IDN] == 5000.0
    assert world.origin_weight[row("2026-12"), PHL] == 1.0 and world.origin_weight[row("2027-01"), PHL] == 0.0
    assert world.pool_target[row("2026-01"), OTH] == 5000.0 * 0.5
    assert world.f12[row("2029-01"), VNM] < world.f12[row("2028-12"), VNM]
    assert world.home_wage[row("2031-01"), VNM] == 900.0  # exchange_rate_index 1.0
    result = simulate(scenario, seed=1)
    entries = _entries_from_home(result, "PHL", "2028-01")
    assert entries == 0.0  # no Filipino recruits once the channel is closed (after the recruitment lag)
    assert _entries_from_home(result, "PHL", "2025-01") > 0.0


def _entries_from_home(result, origin: str, since: str) -> float:
    f = result.flows
    mask = pc.and_(
        pc.and_(pc.equal(f["flow"], "entry"), pc.equal(f["status_from"], "home")),
        pc.and_(pc.equal(f["origin"], origin), pc.greater_equal(_text(f["month"]), since)),
    )
    return float(pc.sum(f.filter(mask)["persons"]).as_py() or 0.0)


@pytest.mark.parametrize(
    ("override", "field", "says"),
    [
        ('origins.VNM.fee={"2025-13"=1.0}', "origins.VNM.fee", "YYYY-MM"),
        ('origins.VNM.home_wage={"2025-01"=-5.0}', "origins.VNM.home_wage", "must be in [0.01"),
        ('origins.PHL.recruitment_weight={"2027-01"=1.0, "2025-01"=2.0}', "origins.PHL.recruitment_weight",
         "increasing order"),
        ('origins.IDN.unemployment_rate={"2025-01"=1.5}', "origins.IDN.unemployment_rate", "[0.0, 1.0]"),
        ('origins.NPL.pool_size="many"', "origins.NPL.pool_size", "dated table"),
    ],
)
def test_a_bad_dated_origin_value_is_a_scenario_error_naming_the_field(override, field, says):
    with pytest.raises(ScenarioError) as info:
        load_scenario("japan-temporary", overrides=(override,))
    message = str(info.value)
    assert field in message and says in message, message
    assert "\n" not in message


def _debt(result, year: str) -> float:
    m = result.measures
    mask = pc.and_(pc.equal(m["measure"], "debt"), pc.starts_with(_text(m["month"]), year))
    return float(pc.sum(m.filter(mask)["value"]).as_py())


def test_a_dated_fee_is_charged_from_its_date():
    flat = tiny_world(overrides=("origins.VNM.fee=688143.0",))
    dated = tiny_world(overrides=(f'origins.VNM.fee={{"2025-01"=688143.0, "{DATED_FROM}"=2000000.0}}',))
    before, after = simulate(flat, seed=2), simulate(dated, seed=2)
    for name in ("stocks", "flows", "measures"):
        assert _before(getattr(before, name)).equals(_before(getattr(after, name))), name
    # entrants (and re-entrants) from 2028 owe the higher fee
    assert _debt(after, "2029") > 1.5 * _debt(before, "2029")
