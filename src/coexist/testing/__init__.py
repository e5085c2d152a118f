"""Public test helpers: small worlds that run in well under a second."""

from __future__ import annotations

from collections.abc import Sequence

from coexist.codes import ORIGINS
from coexist.scenario import Scenario, load_scenario

__all__ = ["tiny_world", "TINY_OVERRIDES", "TINY_MATCHING"]

# One origin (Vietnam), two sectors, a few thousand people, eight years.
TINY_OVERRIDES: tuple[str, ...] = (
    'population.initial="empty"',
    'population.attributes="assumed"',
    "population.employers_per_sector=40",
    "population.initial_counts={titp={VNM={construction=1500, manufacturing=1500}}, "
    "ssw1={VNM={construction=600, manufacturing=600}},"
    " professional={VNM={manufacturing=300}}, student={VNM={construction=300}}, status_based={VNM={manufacturing=300}},"
    " designated={VNM={construction=100}}}",
    "demand.initial={construction=2200, manufacturing=2300}",
    "demand.initial_vacancy_rate=0.0",
    'horizon.start="2025-01"',
    'horizon.end="2032-12"',
    *(f"origins.{code}.active=false" for code in ORIGINS if code != "VNM"),
    "origins.VNM.pool_size=60000.0",
    "statuses.professional.inflow_per_month=0.0",
    "statuses.student.inflow_per_month=0.0",
    "statuses.status_based.inflow_per_month=0.0",
    "statuses.designated.inflow_per_month=0.0",
)


# The bilateral channel's openings of a base that has any, shrunk with the world: about half
# of its returnees a month, as the shipped circular scenario assumes at full size.
TINY_MATCHING: str = "programme.matching_capacity={construction=30.0, manufacturing=30.0}"


def tiny_world(base: str = "japan-temporary", overrides: Sequence[str] = ()) -> Scenario:
    """A small, fast scenario built on a shipped one; extra overrides are applied last.

    >>> tiny_world().population.initial
    'empty'
    >>> tiny_world("japan-circular").programme.matching_capacity["construction"]
    30.0
    """
    shrunk = (*TINY_OVERRIDES, *_tiny_matching(base))
    return load_scenario(base, overrides=(*shrunk, *overrides))


def _tiny_matching(base: str) -> tuple[str, ...]:
    openings = load_scenario(base).programme.matching_capacity
    if not any(value != 0 for value in openings.values()):
        return ()
    # the sectors of the tiny world get openings, the others none
    others = ", ".join(f"{sector}=0.0" for sector in openings if sector not in ("construction", "manufacturing"))
    return (TINY_MATCHING[:-1] + (f", {others}}}" if others else "}"),)
