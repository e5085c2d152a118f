"""What the dashboard lets one request ask for: the size of a run or of a pathway question,
the jobs at once, uploads.

These are operating limits of a server shared by its users, not model values: an
administrator changes them with ``coexist serve`` options or by passing :class:`Limits`
to :func:`coexist.web.create_app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coexist.errors import ScenarioError
from coexist.periods import parse_month

__all__ = ["Limits", "check_run_size", "check_pathway_size"]


@dataclass(frozen=True)
class Limits:
    """Upper bounds of what the dashboard runs.

    Attributes
    ----------
    max_scale : float
        Largest share of the population simulated (1.0 is every person).
    max_replicates : int
        Most replicates per scenario in a comparison.
    max_months : int
        Longest horizon, in months (312 is the default 2025-01 to 2050-12).
    max_scenarios : int
        Most scenarios in one comparison.
    max_initial_agents : int
        Most agents at the start (scale times the persons a scenario declares in
        ``population.initial_counts``), for uploaded scenarios that declare their own people.
    max_running, max_waiting : int
        Jobs that run at once, and jobs that may wait for them; more are refused.
    max_upload_bytes : int
        Largest scenario file accepted.
    max_uploads : int
        Scenario files kept at most; more uploads are refused.
    workers : int
        Worker processes of one comparison.
    max_copies : int
        Most copies of the person in a pathway question's Monte Carlo (its horizon is bounded
        by ``max_months``).
    """

    max_scale: float = 0.1
    max_replicates: int = 20
    max_months: int = 312
    max_scenarios: int = 4
    max_initial_agents: int = 3_000_000
    max_running: int = 1
    max_waiting: int = 4
    max_upload_bytes: int = 256 * 1024
    max_uploads: int = 200
    workers: int = 1
    max_copies: int = 2000


def _months(scenario: Any) -> int:
    return parse_month(scenario.end) - parse_month(scenario.start) + 1


def check_run_size(limits: Limits, scenarios: list[Any], *, scale: float, replicates: int) -> None:
    """Refuse (a ScenarioError naming the argument) a job larger than ``limits`` allow."""
    if not scale <= limits.max_scale:
        raise ScenarioError(f"must be at most {limits.max_scale:g} on this server. Got {scale!r} instead.",
                            field="scale")
    if replicates > limits.max_replicates:
        raise ScenarioError(f"must be at most {limits.max_replicates} on this server. Got {replicates} instead.",
                            field="replicates")
    if len(scenarios) > limits.max_scenarios:
        raise ScenarioError(f"must name at most {limits.max_scenarios} scenarios on this server. Got "
                            f"{len(scenarios)} instead.", field="scenarios")
    for scenario in scenarios:
        months = _months(scenario)
        if months > limits.max_months:
            raise ScenarioError(
                f"must span at most {limits.max_months} months on this server. Got {months} "
                f"({scenario.start} to {scenario.end}) instead: choose a later start or an earlier end.",
                field="end")
        declared = sum(n for by_origin in scenario.population.initial_counts.values()
                       for by_sector in by_origin.values() for n in by_sector.values())
        if declared * scale > limits.max_initial_agents:
            raise ScenarioError(
                f"must give at most {limits.max_initial_agents:,} agents at the start on this server. Got "
                f"{declared:,} persons x scale {scale:g} instead: lower the scale.", field="scale")


def check_pathway_size(limits: Limits, *, copies: Any, horizon_months: Any) -> tuple[int, int]:
    """The copies and the horizon (months) of a pathway question, refused (a ScenarioError naming
    the argument) if they are not whole numbers within ``limits``."""
    checked = []
    for name, value, top in (("copies", copies, limits.max_copies), ("horizon_months", horizon_months,
                                                                      limits.max_months)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise ScenarioError(f"must be a whole number from 1 to {top:,} on this server. Got {str(value)[:40]!r} "
                                "instead.", field=name)
        checked.append(value)
    return checked[0], checked[1]
