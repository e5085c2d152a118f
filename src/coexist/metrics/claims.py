"""The essay's claims, each declared once, and the rule that decides them from replicates.

A claim compares one metric (or several, all of which must hold) between two scenarios run
with the same seeds (common random numbers), replicate by replicate:

    d_r = value(scenario, replicate r) - value(baseline, replicate r)

The 90% interval of the paired differences is their empirical 5th to 95th percentile. A
part is **supported** when that interval excludes zero in the claimed direction,
**contradicted** when it excludes zero the other way, and **not shown** otherwise. A claim
with several parts is supported when every part is, contradicted when any part is, and
not shown otherwise.

Each claim names the behavioural parameters it mostly rests on (names in
``coexist/data/parameters.toml``); those whose identification is "prior only" are listed
in :attr:`Claim.prior_only`: nothing in the 2012-2024 Japan record pins them down, so a
verdict that rests on them holds only over their stated plausible range.

>>> verdict(CLAIMS["skill_transfer"], 0.5, 2.0)
'supported'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from coexist.data.parameters import parameters
from coexist.metrics.index import INDEX_KEYS
from coexist.metrics.registry import METRICS

__all__ = [
    "CLAIMS",
    "Claim",
    "ClaimPart",
    "ClaimResult",
    "PartResult",
    "VERDICTS",
    "paired_differences",
    "interval90",
    "verdict",
    "combine_verdicts",
    "evaluate_claims",
]

VERDICTS = ("supported", "contradicted", "not shown")
_DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class ClaimPart:
    """One metric and the direction the claim expects (scenario minus baseline)."""

    metric: str
    direction: str  # "higher" or "lower"

    def __post_init__(self) -> None:
        if self.metric not in METRICS and self.metric not in INDEX_KEYS:
            raise ValueError(f"claim metric must be a registered metric or index key. Got {self.metric!r} instead.")
        if self.direction not in _DIRECTIONS:
            raise ValueError(f"claim direction must be one of {_DIRECTIONS}. Got {self.direction!r} instead.")


@dataclass(frozen=True)
class Claim:
    """A claim: ``parts`` hold for ``scenario`` compared with ``baseline``.

    Attributes
    ----------
    name : str
        Stable key.
    statement : str
        The claim in words.
    scenario, baseline : str
        Shipped scenario names; differences are scenario minus baseline.
    parts : tuple of ClaimPart
        All must hold for the claim to be supported.
    parameters : tuple of str
        Behavioural parameters the result mostly rests on.
    note : str
        Why this metric was chosen.
    """

    name: str
    statement: str
    scenario: str
    baseline: str
    parts: tuple[ClaimPart, ...]
    parameters: tuple[str, ...]
    note: str = ""

    @property
    def prior_only(self) -> tuple[str, ...]:
        """The parameters among :attr:`parameters` whose identification is "prior only"."""
        known = parameters()
        return tuple(p for p in self.parameters if known[p].identification == "prior only")


@dataclass(frozen=True)
class PartResult:
    metric: str
    direction: str
    n: int
    lo: float
    median: float
    hi: float
    verdict: str


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with the interval of each part."""

    claim: Claim
    parts: tuple[PartResult, ...]
    verdict: str
    prior_only: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "claim": self.claim.name,
            "statement": self.claim.statement,
            "scenario": self.claim.scenario,
            "baseline": self.claim.baseline,
            "verdict": self.verdict,
            "parts": [p.__dict__.copy() for p in self.parts],
            "parameters": list(self.claim.parameters),
            "prior_only": list(self.prior_only),
        }


CLAIMS: dict[str, Claim] = {}


def _declare(claim: Claim) -> None:
    if claim.name in CLAIMS:
        raise ValueError(f"claim {claim.name!r} is declared twice")
    CLAIMS[claim.name] = claim


_declare(Claim(
    name="stable_host_supply",
    statement="Circular migration stabilises the host's labour supply: a larger share of the host's foreign "
    "workforce is experienced.",
    scenario="japan-circular",
    baseline="japan-temporary",
    parts=(ClaimPart("host.experienced_share", "higher"),),
    parameters=("remigration_base", "theta_employed", "beta_gain", "theta_home", "nu_option", "return_hazard_base"),
    note="Primary metric host.experienced_share (36+ months of cumulative work in the host): the essay's "
    "stability is employers getting back trained workers. host.fill_rate_volatility is reported beside it but "
    "does not decide: at small scales its month-to-month sampling noise dominates.",
))
_declare(
    Claim(
        name="skill_transfer",
        statement="Circular migration raises skill transfer to origin countries: more skill-years are brought home.",
        scenario="japan-circular",
        baseline="japan-temporary",
        parts=(ClaimPart("origin.skill_years_home_per_year", "higher"),),
        parameters=(
            "learning_rate",
            "return_hazard_base",
            "theta_home",
            "remigration_base",
            "nu_option",
            "target_earner_share",
        ),
        note="Skill times years abroad of every returning worker, per year of the horizon.",
    )
)
_declare(
    Claim(
        name="unconnected_markets",
        statement="Without connected labour markets returnees face unemployment and irregular stay rises: returnee "
        "employment is lower AND the irregular population is higher.",
        scenario="japan-circular-unconnected",
        baseline="japan-circular",
        parts=(ClaimPart("origin.returnee_employment_12m", "lower"), ClaimPart("host.irregular_mean", "higher")),
        parameters=(
            "returnee_job_finding_12m",
            "match_premium_annual",
            "home_fallback_income_share",
            "theta_employed",
            "irregular_constant",
            "gamma_debt",
            "abscond_option",
        ),
        note="Two parts, both needed: japan-circular-unconnected is japan-circular with bilateral matching and "
        "skill recognition set to 0.",
    )
)
_declare(
    Claim(
        name="balance",
        statement="Circular migration improves the balance between the host, the migrants and the origin countries: "
        "the Balanced Coexistence Index is higher.",
        scenario="japan-circular",
        baseline="japan-temporary",
        parts=(ClaimPart("index.balance", "higher"),),
        parameters=(
            "remigration_base",
            "theta_employed",
            "returnee_job_finding_12m",
            "match_premium_annual",
            "nu_option",
            "abscond_option",
            "remittance_share",
        ),
        note="index.balance against the fixed reference values; the three actor scores are shown beside it.",
    )
)


def paired_differences(values_a: Sequence[float], values_b: Sequence[float]) -> np.ndarray:
    """Replicate-by-replicate differences ``a[r] - b[r]`` (same seed r in both scenarios).

    Pairs where either value is undefined (nan) are dropped.

    >>> paired_differences([3.0, 5.0, float("nan")], [1.0, 1.0, 2.0]).tolist()
    [2.0, 4.0]
    """
    a = np.asarray(values_a, dtype=np.float64)
    b = np.asarray(values_b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(
            f"paired differences need two lists of the same length, one value per replicate. Got {a.shape} and "
            f"{b.shape}."
        )
    d = a - b
    return d[np.isfinite(d)]


def interval90(diffs: Sequence[float]) -> tuple[float, float, float]:
    """(5th percentile, median, 95th percentile) of the paired differences.

    Linear interpolation between order statistics; fewer than two differences give
    ``nan`` bounds (one replicate cannot show anything).

    >>> interval90([0.0, 10.0])
    (0.5, 5.0, 9.5)
    """
    d = np.asarray(diffs, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return (math.nan, math.nan, math.nan)
    median = float(np.median(d))
    if d.size < 2:
        return (math.nan, median, math.nan)
    lo, hi = np.percentile(d, [5.0, 95.0])
    return (float(lo), median, float(hi))


def _part_verdict(direction: str, lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "not shown"
    if lo > 0:
        return "supported" if direction == "higher" else "contradicted"
    if hi < 0:
        return "supported" if direction == "lower" else "contradicted"
    return "not shown"


def combine_verdicts(verdicts: Sequence[str]) -> str:
    """All parts supported: supported; any part contradicted: contradicted; else not shown."""
    if verdicts and all(v == "supported" for v in verdicts):
        return "supported"
    if any(v == "contradicted" for v in verdicts):
        return "contradicted"
    return "not shown"


def verdict(claim: Claim | ClaimPart, lo: float | Sequence[float], hi: float | Sequence[float]) -> str:
    """The verdict from the 90% interval [lo, hi] of the paired difference.

    Parameters
    ----------
    claim : Claim or ClaimPart
    lo, hi : float, or one float per part for a claim with several parts

    Returns
    -------
    {"supported", "contradicted", "not shown"}
    """
    if isinstance(claim, ClaimPart):
        return _part_verdict(claim.direction, float(lo), float(hi))
    los = [lo] if np.isscalar(lo) else list(lo)
    his = [hi] if np.isscalar(hi) else list(hi)
    if not len(los) == len(his) == len(claim.parts):
        raise ValueError(
            f"claim {claim.name!r} has {len(claim.parts)} part(s); give one lo and one hi per part. "
            f"Got {len(los)} and {len(his)}."
        )
    return combine_verdicts(
        [_part_verdict(p.direction, float(a), float(b)) for p, a, b in zip(claim.parts, los, his, strict=True)]
    )


def evaluate_claims(
    samples: Mapping[str, Mapping[str, Sequence[float]]], claims: Mapping[str, Claim] | None = None
) -> list[ClaimResult]:
    """Decide every claim whose two scenarios are in ``samples``.

    Parameters
    ----------
    samples : mapping
        ``samples[scenario][metric]`` is the list of the metric's values over replicates,
        replicate r run with the same seed in every scenario.
    claims : mapping, optional
        :data:`CLAIMS` when omitted.

    Returns
    -------
    list of ClaimResult
        In declaration order; claims whose scenario or baseline is absent are left out.
    """
    out: list[ClaimResult] = []
    for claim in (CLAIMS if claims is None else claims).values():
        if claim.scenario not in samples or claim.baseline not in samples:
            continue
        parts = []
        for part in claim.parts:
            for name in (claim.scenario, claim.baseline):
                if part.metric not in samples[name]:
                    raise ValueError(
                        f"claim {claim.name!r} needs metric {part.metric!r} for scenario {name!r}; it is missing."
                    )
            d = paired_differences(samples[claim.scenario][part.metric], samples[claim.baseline][part.metric])
            lo, med, hi = interval90(d)
            parts.append(
                PartResult(part.metric, part.direction, int(d.size), lo, med, hi, _part_verdict(part.direction, lo, hi))
            )
        out.append(ClaimResult(claim, tuple(parts), combine_verdicts([p.verdict for p in parts]), claim.prior_only))
    return out
