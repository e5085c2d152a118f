"""Comparative statics on a tiny world: one test per mechanism, in the direction the evidence expects.

Each comparison averages two seeds with common random numbers, so a difference comes
from the lever and not from noise.
"""

from coexist.engine import simulate
from coexist.testing import tiny_world
from coexist.testing.summaries import flow_total, returnee_employment_12m, stock_mean

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


def test_bilateral_matching_raises_returnee_employment_within_12_months():
    none = _mean("japan-circular", ["programme.matching_share=0.0"], returnee_employment_12m)
    some = _mean("japan-circular", ["programme.matching_share=0.8"], returnee_employment_12m)
    assert some > none + 0.05


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
    connected_levers = ["programme.recognition_coverage=0.7", "programme.matching_share=0.9"]
    disconnected_levers = ["programme.recognition_coverage=0.0", "programme.matching_share=0.0"]

    def overstay(sc):
        return sum(flow_total(simulate(sc, seed=s), "overstay") for s in range(4))

    connected = overstay(tiny_world("japan-circular", connected_levers))
    disconnected = overstay(tiny_world("japan-circular", disconnected_levers))
    assert disconnected > connected
