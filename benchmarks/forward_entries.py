"""Forward runs from December 2024: does every month of 2025 bring programme entries?

Runs `japan-temporary` and `japan-circular` to 2025-12 (default scale 0.05, seed 0) and
reads the entries from abroad into the programme statuses (titp, esd, ssw1, ssw2: flow
`entry`, as flows.parquet records them) month by month. A month passes when its entries
lie between half and twice the run's 2025 monthly mean. Also prints the SSW-ii stock at
the start and the end of 2025 and the SSW-i -> SSW-ii upgrades of the year, to set
against the SSW-ii test capacity the scenario states.

Usage: python benchmarks/forward_entries.py [--scale F] [--seed N]
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow.compute as pc

from coexist.engine import simulate
from coexist.scenario import load_scenario

PROGRAMME = ("titp", "esd", "ssw1", "ssw2")


def monthly_entries(result) -> tuple[list[str], np.ndarray]:
    flows = result.flows
    programme = pc.is_in(flows["status_to"], value_set=pc.cast(PROGRAMME, "string"))
    keep = pc.and_(pc.equal(flows["flow"], "entry"), programme)
    rows = flows.filter(keep).group_by("month").aggregate([("persons", "sum")]).sort_by("month")
    return [str(m) for m in rows["month"].to_pylist()], np.asarray(rows["persons_sum"].to_pylist())


def stock(result, status: str, month_index: int) -> float:
    stocks = result.stocks.filter(pc.equal(result.stocks["status"], status))
    months = sorted({str(m) for m in stocks["month"].to_pylist()})
    month = months[month_index]
    return float(pc.sum(stocks.filter(pc.equal(stocks["month"].cast("string"), month))["persons"]).as_py() or 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    failed = 0
    for name in ("japan-temporary", "japan-circular"):
        scenario = load_scenario(name, overrides=['horizon.end="2025-12"'])
        result = simulate(scenario, seed=args.seed, scale=args.scale)
        months, entries = monthly_entries(result)
        mean = entries.mean()
        inside = (entries >= mean / 2) & (entries <= 2 * mean)
        failed += int(not inside.all()) + (len(months) != 12)
        print(f"{name} (scale {args.scale}, seed {args.seed}): 2025 programme entries a month, mean {mean:,.0f}")
        for month, value, ok in zip(months, entries, inside, strict=True):
            print(f"  {month}  {value:>9,.0f}  {value / mean:5.2f} x mean  {'ok' if ok else 'OUT'}")
        upgrades = result.flows.filter(pc.and_(pc.equal(result.flows["flow"], "upgrade"),
                                               pc.equal(result.flows["status_to"], "ssw2")))
        start, end = stock(result, "ssw2", 0), stock(result, "ssw2", -1)
        print(f"  SSW-ii holders: {start:,.0f} (2025-01) -> {end:,.0f} (2025-12);"
              f" upgrades into SSW-ii in 2025: {pc.sum(upgrades['persons']).as_py() or 0:,.0f}")
    print("every month within half and twice the mean" if not failed else "some month outside half to twice the mean")
    return int(failed > 0)


if __name__ == "__main__":
    raise SystemExit(main())
