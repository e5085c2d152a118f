"""Comparative statics on a tiny world: one test per mechanism, in the direction the evidence expects.

Each comparison averages two seeds with common random numbers, so a difference comes
from the lever and not from noise.
"""

from coexist.engine import simulate
from coexist.engine.world import build_world
from coexist.policy.tables import compile_regime
from coexist.testing import tiny_world
from coexist.testing.summaries import flow_total, measure_total, returnee_employment_12m, stock_mean

SEEDS = (1, 2)


def _mean(base, overrides, statistic):
    sc = tiny_world(base, overrides)
    return sum(statistic(simulate(sc, seed=s)) for s in SEEDS) / len(SEEDS)


def _absconding(result):
    return flow_total(result, "abscond")


def test_higher_fee_raises_absconding():
    low = _mean("japan-temporary", ["origins.VNM.fee=50000.0"], _absconding)
    high = _mean("japan-temporary", ["origins.VNM.fee=1500000.0"], _absconding)
    assert high > low * 1.2


def test_allowing_job_change_lowers_absconding():
    tied = _mean("japan-temporary", ['statuses.titp.job_change="never"'], _absconding)
    free = _mean("japan-temporary", ['statuses.titp.job_change="free"'], _absconding)
    assert free < tied * 0.9


NO_OPENINGS = "programme.matching_capacity={construction=0.0, manufacturing=0.0}"
MANY_OPENINGS = "programme.matching_capacity={construction=60.0, manufacturing=60.0}"


def test_bilateral_matching_raises_returnee_employment_within_12_months():
    none = _mean("japan-circular", [NO_OPENINGS], returnee_employment_12m)
    some = _mean("japan-circular", [MANY_OPENINGS], returnee_employment_12m)
    assert some > none + 0.05


def test_more_openings_place_more_returnees_and_placements_are_bounded_by_them():
    def placements(result):
        return flow_total(result, "placement_home")

    few = "programme.matching_capacity={construction=5.0, manufacturing=5.0}"
    assert _mean("japan-circular", [NO_OPENINGS], placements) == 0
    small = _mean("japan-circular", [few], placements)
    large = _mean("japan-circular", [MANY_OPENINGS], placements)
    assert 0 < small < large
    months = len(compile_regime(tiny_world("japan-circular")).months)
    # placements are drawn with the chance openings / queue: the openings bound them up to chance
    assert small <= 1.05 * 10.0 * months


def test_an_unmatched_returnee_has_twelve_chances_to_find_work_in_twelve_months():
    """Without the bilateral channel or support, the share employed 12 months after return is
    the origin's 12-month job-finding chance: a search every month from the month of return."""
    scenario = tiny_world("japan-temporary", ["programme.reintegration_support_months=0"])
    f12 = build_world(scenario, compile_regime(scenario), 1, scenario.population.scale).f12[0, 0]
    share = sum(returnee_employment_12m(simulate(scenario, seed=s)) for s in (1, 2, 3)) / 3
    eleven = 1.0 - (1.0 - f12) ** (11.0 / 12.0)
    assert abs(share - f12) < abs(share - eleven)
    assert abs(share - f12) < 0.02


def test_recognised_skills_raise_returnee_income_and_the_use_of_skills_at_home():
    def income_ratio(result):
        return measure_total(result, "returnee_home_income") / measure_total(result, "returnee_home_wage")

    def skills_in_use(result):
        return measure_total(result, "returnee_skill_in_use") / measure_total(result, "returnee_skill")

    levers = ("programme.recognition_coverage=0.0", "programme.recognition_coverage=0.7")
    unrecognised, recognised = (_mean("japan-circular", [NO_OPENINGS, lever], income_ratio) for lever in levers)
    assert recognised > unrecognised * 1.02
    unused, used = (_mean("japan-circular", [NO_OPENINGS, lever], skills_in_use) for lever in levers)
    assert unused == 0 and used > 0.2


# Home prospects at the top of their evidence ranges, so that each link shows on a tiny world.
STRONG_PROSPECTS = ("behaviour.abscond_home=1.5", "behaviour.return_home=1.0",
                    "behaviour.irregular_departure_home=1.5")
CONNECTED = (MANY_OPENINGS, "programme.recognition_coverage=0.7")
UNCONNECTED = (NO_OPENINGS, "programme.recognition_coverage=0.0")


def test_better_home_prospects_mean_fewer_absconders():
    unconnected = _mean("japan-circular", [*STRONG_PROSPECTS, *UNCONNECTED], _absconding)
    connected = _mean("japan-circular", [*STRONG_PROSPECTS, *CONNECTED], _absconding)
    assert connected < unconnected * 0.95
    # with the response switched off, the same levers move absconding far less
    off = ("behaviour.abscond_home=0.0",)
    unresponsive = _mean("japan-circular", [*off, *CONNECTED], _absconding) / _mean(
        "japan-circular", [*off, *UNCONNECTED], _absconding)
    assert connected / unconnected < unresponsive


def test_better_home_prospects_bring_irregular_workers_home():
    """Irregular workers from an origin where returnees find work leave sooner: departures per
    irregular person differ with home unemployment only when the response is on."""
    def departure_rate(overrides):
        return _mean("japan-circular", [*STRONG_PROSPECTS, *overrides],
                     lambda r: flow_total(r, "voluntary_departure") / stock_mean(r, "irregular"))

    good, bad = "origins.VNM.unemployment_rate=0.01", "origins.VNM.unemployment_rate=0.2"
    assert departure_rate([good]) > 1.2 * departure_rate([bad])
    off = "behaviour.irregular_departure_home=0.0"
    assert abs(departure_rate([off, good]) / departure_rate([off, bad]) - 1.0) < 0.1


def test_longer_cooldown_lowers_reentries():
    def reentries(result):
        return flow_total(result, "reentry")

    short = _mean(
        "japan-circular",
        ["statuses.ssw1.reentry_cooldown_months=1", "statuses.esd.reentry_cooldown_months=1"],
        reentries,
    )
    long = _mean(
        "japan-circular",
        ["statuses.ssw1.reentry_cooldown_months=36", "statuses.esd.reentry_cooldown_months=36"],
        reentries,
    )
    assert long < short * 0.8


def test_more_detection_lowers_the_irregular_stock():
    def irregular(result):
        return stock_mean(result, "irregular")

    lax = _mean("japan-temporary", ["programme.detection_rate=0.005"], irregular)
    strict = _mean("japan-temporary", ["programme.detection_rate=0.15"], irregular)
    assert strict < lax * 0.8


def test_disconnected_labour_markets_raise_overstay_at_expiry():
    """Without matching and recognition, going home is worth less, so more overstay at expiry."""
    connected_levers = ["programme.recognition_coverage=0.7", MANY_OPENINGS]
    disconnected_levers = ["programme.recognition_coverage=0.0", NO_OPENINGS]

    def overstay(sc):
        return sum(flow_total(simulate(sc, seed=s), "overstay") for s in range(4))

    connected = overstay(tiny_world("japan-circular", connected_levers))
    disconnected = overstay(tiny_world("japan-circular", disconnected_levers))
    assert disconnected > connected
