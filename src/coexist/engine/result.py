"""What a simulation hands back: tidy tables in memory (the store writes them to disk)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

__all__ = ["SimulationResult", "STOCK_SCHEMA", "FLOW_SCHEMA", "DEMAND_SCHEMA", "MEASURE_SCHEMA", "MEASURES"]

# Counts are re-inflated by 1/scale, so they are floats in persons. A month is the date of its first day.
STOCK_SCHEMA = pa.schema(
    [
        ("month", pa.date32()),
        ("status", pa.string()),
        ("origin", pa.string()),
        ("sector", pa.string()),
        ("persons", pa.float64()),
    ]
)
FLOW_SCHEMA = pa.schema(
    [
        ("month", pa.date32()),
        ("flow", pa.string()),
        ("status_from", pa.string()),
        ("status_to", pa.string()),
        ("origin", pa.string()),
        ("sector", pa.string()),
        ("persons", pa.float64()),
    ]
)
# Labour demand for foreign workers and how much of it is filled, per sector and month.
DEMAND_SCHEMA = pa.schema(
    [("month", pa.date32()), ("sector", pa.string()), ("demand", pa.float64()), ("employed", pa.float64())]
)
# Money, skills and outcome counts per month and origin, long format.
MEASURE_SCHEMA = pa.schema(
    [("month", pa.date32()), ("origin", pa.string()), ("measure", pa.string()), ("value", pa.float64())]
)

MEASURES: dict[str, str] = {
    "earnings": "host earnings paid this month to workers in a host status (yen)",
    "home_wage_counterfactual": "what the same workers would earn at home this month (yen)",
    "remittances": "money sent home this month (yen)",
    "debt": "outstanding recruitment debt of workers in the host at month end (yen)",
    "workers_in_host": "persons in a host status at month end",
    "regular_months": "person-months spent in a regular (non-irregular) host status",
    "mobility_months": "person-months in a regular status that allows a change of employer now",
    "family_in_host": "persons in the host living with their family at month end",
    "skill_sum_host": "sum of skill (0..1) over persons in the host at month end",
    "experienced_workers": "persons in the host with 36+ months of cumulative work in the host",
    "skill_years_home": "skill times years abroad, summed over persons who returned home this month",
    "returnees_reaching_12m": "returnees who reached 12 months since their return this month",
    "returnees_employed_12m": "of those, persons who found a job at home within the 12 months",
    "placements_home": "returnees placed through the bilateral matching channel this month",
    "returnee_home_income": "income at home of programme returnees in their first 36 months home (yen: "
                            "the home wage times the job's premium, or the fallback share while looking)",
    "returnee_home_wage": "the home wage summed over the same returnee-months (yen)",
    "returnee_skill": "skill (0..1) summed over the same returnee-months",
    "returnee_skill_in_use": "skill summed over those of them in a job that uses it (placed, or recognised)",
}
# Besides these, "tenure_months_sum:<status>" (one per host status that has people): months
# in that status summed over the people holding it at month end (elapsed tenure).


@dataclass
class SimulationResult:
    """Output of one run of the engine.

    Attributes
    ----------
    stocks, flows, demand, measures : pyarrow.Table
        Tidy tables with the schemas above; counts in persons (re-inflated by 1/scale).
    agents : int
        Agents ever created (initial population plus entries), at the simulated scale.
    agent_months : int
        Agents alive each month, summed over months (at the simulated scale).
    wall_seconds : float
        Time spent in the engine, compiling excluded.
    compile_seconds : float
        Time spent compiling the kernels, or loading them from numba's cache, during this run:
        about a minute for the first run on a machine, about a second for the first run of a
        process, nothing later.
    seed, scale : the run's seed and scale.
    end_state : pyarrow.Table or None
        With ``simulate(..., end_state=True)``: everyone alive after the last month
        (coexist.engine.end_state), the start of a later scenario.
    people : pyarrow.Table or None
        With ``simulate(..., people=True)``: every person's status spells, one row each
        (coexist.engine.spells.PEOPLE_SCHEMA; agents at the simulated scale, not re-inflated).
    """

    stocks: pa.Table
    flows: pa.Table
    demand: pa.Table
    measures: pa.Table
    agents: int
    agent_months: int
    wall_seconds: float
    seed: int
    scale: float
    extra: dict = field(default_factory=dict)
    end_state: pa.Table | None = None  # everyone alive after the last month, when asked for
    people: pa.Table | None = None  # everyone's status spells, when asked for
    compile_seconds: float = 0.0
