"""Departures from the programme statuses in each month of a forward run's first year.

    PYTHONPATH=src python benchmarks/programme_departures.py [--scale 0.02] [--seed 0] [--year 2025]

For each forward scenario, prints the persons who left TITP, ESD, SSW-i or SSW-ii by
returning or overstaying in each month of the year (in all, then by status where any left),
with the median month, the largest month and their ratio (a reform that sends everyone home at
once shows as a large ratio).
"""

from __future__ import annotations

import argparse
import statistics

from coexist.engine import simulate
from coexist.scenario import load_scenario
from coexist.testing.summaries import PROGRAMME_STATUSES, departures_by_month, programme_departures

SCENARIOS = ("japan-temporary", "japan-circular", "japan-circular-unconnected")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--overrides", nargs="*", default=[], help="dotted.path=value, applied to every scenario")
    args = parser.parse_args()
    print(f"programme departures (return + overstay) by month of {args.year}, scale {args.scale}, seed {args.seed}")
    for name in SCENARIOS:
        scenario = load_scenario(name, end=f"{args.year}-12", overrides=args.overrides)
        result = simulate(scenario, seed=args.seed, scale=args.scale)
        _line(name, programme_departures(result, args.year))
        for status in PROGRAMME_STATUSES:
            by_month = departures_by_month(result, (status,))
            months = [sum(v for k, v in by_month.items() if (k.year, k.month) == (args.year, m)) for m in range(1, 13)]
            if statistics.median(months) > 0:
                _line(f"  {status}", months)


def _line(label: str, months: list[float]) -> None:
    median, largest = statistics.median(months), max(months)
    print(f"{label:28s} median {median:9.0f}  max {largest:9.0f}  max/median {largest / median:5.2f}  "
          f"by month {' '.join(f'{m:.0f}' for m in months)}")


if __name__ == "__main__":
    main()
