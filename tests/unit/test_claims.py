"""Claims: the paired-difference rule, flipped each way with synthetic replicates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coexist.data.parameters import parameters
from coexist.metrics import (
    CLAIMS,
    INDEX_KEYS,
    METRICS,
    ClaimPart,
    evaluate_claims,
    interval90,
    paired_differences,
    verdict,
)
from coexist.metrics.claims import Claim, combine_verdicts

HIGHER = ClaimPart("host.experienced_share", "higher")
LOWER = ClaimPart("origin.returnee_employment_12m", "lower")


def test_paired_differences_pair_by_replicate_and_drop_undefined():
    assert paired_differences([3.0, 5.0, 7.0], [1.0, 6.0, 2.0]).tolist() == [2.0, -1.0, 5.0]
    assert paired_differences([3.0, math.nan], [1.0, 2.0]).tolist() == [2.0]
    with pytest.raises(ValueError, match="same length"):
        paired_differences([1.0, 2.0], [1.0])


def test_interval90_is_the_5th_median_and_95th_percentile():
    assert interval90(list(range(21))) == (1.0, 10.0, 19.0)
    assert interval90([0.0, 10.0]) == (0.5, 5.0, 9.5)
    lo, med, hi = interval90([4.0])
    assert math.isnan(lo) and med == 4.0 and math.isnan(hi)  # one replicate shows nothing
    assert verdict(HIGHER, lo, hi) == "not shown"


@pytest.mark.parametrize("part, lo, hi, expected", [
    (HIGHER, 0.1, 2.0, "supported"),
    (HIGHER, -2.0, -0.1, "contradicted"),
    (HIGHER, -0.1, 2.0, "not shown"),
    (HIGHER, 0.0, 2.0, "not shown"),  # touching zero does not exclude it
    (LOWER, -2.0, -0.1, "supported"),
    (LOWER, 0.1, 2.0, "contradicted"),
    (LOWER, -2.0, 0.1, "not shown"),
    (LOWER, math.nan, math.nan, "not shown"),
])
def test_verdict_each_way(part, lo, hi, expected):
    assert verdict(part, lo, hi) == expected


def test_two_part_claim_needs_both():
    claim = CLAIMS["unconnected_markets"]  # returnee employment lower AND irregular higher
    assert [p.direction for p in claim.parts] == ["lower", "higher"]
    assert verdict(claim, [-0.2, 10.0], [-0.1, 50.0]) == "supported"
    assert verdict(claim, [-0.2, -10.0], [-0.1, 50.0]) == "not shown"  # second part not shown
    assert verdict(claim, [-0.2, -50.0], [-0.1, -10.0]) == "contradicted"  # second part the other way
    assert verdict(claim, [0.1, 10.0], [0.2, 50.0]) == "contradicted"
    with pytest.raises(ValueError, match="one lo and one hi per part"):
        verdict(claim, 0.1, 0.2)
    assert combine_verdicts(["supported", "supported"]) == "supported"
    assert combine_verdicts([]) == "not shown"


def test_single_part_claim_takes_scalars():
    assert verdict(CLAIMS["balance"], 0.01, 0.03) == "supported"
    assert verdict(CLAIMS["balance"], -0.03, -0.01) == "contradicted"


def _samples(shift: dict[tuple[str, str], float], n: int = 20) -> dict[str, dict[str, list[float]]]:
    """Three scenarios; every metric is base + replicate noise (common to all scenarios) + a
    scenario shift + small scenario-specific noise."""
    rng = np.random.default_rng(4)
    common = rng.normal(0.0, 1.0, n)
    out: dict[str, dict[str, list[float]]] = {}
    for sc in ("japan-temporary", "japan-circular", "japan-circular-unconnected"):
        out[sc] = {}
        for metric in list(METRICS) + list(INDEX_KEYS):
            own = rng.normal(0.0, 0.01, n)
            out[sc][metric] = (1.0 + common + own + shift.get((sc, metric), 0.0)).tolist()
    return out


def _verdicts(samples) -> dict[str, str]:
    return {r.claim.name: r.verdict for r in evaluate_claims(samples)}


def test_evaluate_claims_flips_with_the_data():
    # nothing differs beyond noise: nothing is shown
    assert set(_verdicts(_samples({})).values()) == {"not shown"}

    up = {
        ("japan-circular", "host.experienced_share"): 0.1,
        ("japan-circular", "origin.skill_years_home_per_year"): -0.1,
        ("japan-circular", "index.balance"): 0.1,
        ("japan-circular-unconnected", "origin.returnee_employment_12m"): -0.1,
        ("japan-circular-unconnected", "host.irregular_mean"): 0.1,
    }
    v = _verdicts(_samples(up))
    assert v == {"stable_host_supply": "supported", "skill_transfer": "contradicted",
                 "unconnected_markets": "supported", "balance": "supported"}

    # only one of the two parts: not shown; one part the other way: contradicted
    half = {k: s for k, s in up.items() if k[1] != "host.irregular_mean"}
    assert _verdicts(_samples(half))["unconnected_markets"] == "not shown"
    wrong = {**up, ("japan-circular-unconnected", "host.irregular_mean"): -0.1}
    assert _verdicts(_samples(wrong))["unconnected_markets"] == "contradicted"


def test_evaluate_claims_reports_intervals_and_skips_absent_scenarios():
    samples = _samples({("japan-circular", "host.experienced_share"): 0.1})
    result = {r.claim.name: r for r in evaluate_claims(samples)}["stable_host_supply"]
    part = result.parts[0]
    assert part.n == 20 and part.lo > 0.05 and part.hi < 0.15 and part.lo < part.median < part.hi
    assert result.as_dict()["prior_only"] == list(CLAIMS["stable_host_supply"].prior_only)

    two = {k: samples[k] for k in ("japan-temporary", "japan-circular")}
    assert [r.claim.name for r in evaluate_claims(two)] == ["stable_host_supply", "skill_transfer", "balance"]
    del two["japan-circular"]["index.balance"]
    with pytest.raises(ValueError, match="index.balance"):
        evaluate_claims(two)


def test_claim_registry_is_complete_and_names_real_parameters():
    params = parameters()
    assert list(CLAIMS) == ["stable_host_supply", "skill_transfer", "unconnected_markets", "balance"]
    claim = CLAIMS["stable_host_supply"]
    assert (claim.scenario, claim.baseline) == ("japan-circular", "japan-temporary")
    assert CLAIMS["unconnected_markets"].scenario == "japan-circular-unconnected"
    assert CLAIMS["balance"].parts == (ClaimPart("index.balance", "higher"),)
    for claim in CLAIMS.values():
        assert claim.parameters and set(claim.parameters) <= set(params), claim.name
        assert set(claim.prior_only) == {p for p in claim.parameters if params[p].identification == "prior only"}
        assert claim.prior_only, claim.name  # every claim rests on at least one prior-only parameter
        for part in claim.parts:
            assert part.metric in INDEX_KEYS or METRICS[part.metric].direction != "info", part.metric


def test_claim_declarations_are_checked():
    with pytest.raises(ValueError, match="registered metric"):
        ClaimPart("host.fill_rat", "higher")
    with pytest.raises(ValueError, match="direction"):
        ClaimPart("host.fill_rate", "up")
    assert isinstance(CLAIMS["skill_transfer"], Claim)
