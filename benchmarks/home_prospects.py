"""The irregular population's response to home prospects: japan-circular against
japan-circular-unconnected (the same rules but no matching openings and no recognition),
paired seeds, with the home-prospect elasticities at their defaults, switched off, and at
the top of their evidence ranges.

    python benchmarks/home_prospects.py [--scale 0.02] [--end 2035-12] [--seeds 3]

Prints per setting: the mean irregular stock, absconders a year and the returnees' income at
home over the home wage (origin.returnee_income_ratio) in each scenario, and the elasticity
of the irregular stock to home prospects, d log(irregular) / d log(returnee income ratio).
"""

from __future__ import annotations

import argparse
import math

from coexist.engine import simulate
from coexist.metrics import compute_metrics
from coexist.scenario import load_scenario
from coexist.testing.summaries import flow_total

SETTINGS = {
    "defaults": (),
    "responses off": ("behaviour.abscond_home=0.0", "behaviour.return_home=0.0",
                      "behaviour.irregular_departure_home=0.0", "behaviour.remigration_home=0.0"),
    "top of the ranges": ("behaviour.abscond_home=1.5", "behaviour.return_home=1.0",
                          "behaviour.irregular_departure_home=1.5", "behaviour.remigration_home=3.0"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--end", default="2035-12")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print("| setting | scenario | irregular (mean) | absconders a year | returnee income ratio |")
    print("| --- | --- | --- | --- | --- |")
    for label, overrides in SETTINGS.items():
        values = {}
        for name in ("japan-circular", "japan-circular-unconnected"):
            irregular = abscond = income = 0.0
            for seed in range(1, args.seeds + 1):
                result = simulate(load_scenario(name, overrides=overrides, end=args.end), seed=seed, scale=args.scale)
                metrics = compute_metrics(result)
                irregular += metrics["host.irregular_mean"] / args.seeds
                income += metrics["origin.returnee_income_ratio"] / args.seeds
                years = result.stocks.column("month").to_pylist()
                span = (len(set(years))) / 12.0
                abscond += flow_total(result, "abscond") / span / args.seeds
            values[name] = (irregular, abscond, income)
            print(f"| {label} | {name} | {irregular:,.0f} | {abscond:,.0f} | {income:.3f} |")
        (i_c, _, r_c), (i_u, _, r_u) = values["japan-circular"], values["japan-circular-unconnected"]
        elasticity = math.log(i_c / i_u) / math.log(r_c / r_u)
        print(f"| {label} | elasticity | {elasticity:+.2f} | | |")


if __name__ == "__main__":
    main()
