"""Family in the host and fee caps, measured: the family share of regular workers and the
programme entries and re-entries of 2025-2026, for the shipped Japan scenarios and for a
few family and fee-cap levers on japan-temporary (default scale 0.02, seed 1).

The family share is the month-end `family_in_host` measure over the persons in regular host
statuses (every status but irregular and the returnees), in December 2025 and December 2030.

Usage: python benchmarks/family_and_fees.py [--scale F] [--seed N] [--shipped-only]
"""

from __future__ import annotations

import argparse
import datetime as dt

import pyarrow.compute as pc

from coexist.engine import simulate
from coexist.scenario import load_scenario

PROGRAMME = ("titp", "esd", "ssw1", "ssw2")
NOT_REGULAR = ("irregular", "returned", "home")
CAPS = tuple(f"statuses.{s}.fee_cap_months=1.0" for s in ("titp", "esd", "ssw1"))
SCARCE_VNM = ("origins.VNM.pool_size=300000.0",)
SHIPPED = [(name, ()) for name in ("japan-temporary", "japan-circular", "japan-circular-unconnected")]
LEVERS = [
    ("japan-temporary", ("statuses.professional.family_allowed=false",)),
    ("japan-temporary", ("statuses.ssw1.family_allowed=true",)),
    ("japan-temporary", ("statuses.ssw1.family_allowed=true", "statuses.ssw1.family_after_months=24")),
    ("japan-temporary", CAPS),
    ("japan-temporary", SCARCE_VNM),
    ("japan-temporary", (*CAPS, *SCARCE_VNM)),
]


def family_share(result, year: int) -> float:
    month = dt.date(year, 12, 1)
    m, s = result.measures, result.stocks
    fam = m.filter(pc.and_(pc.equal(m["month"], month), pc.equal(m["measure"], "family_in_host")))["value"]
    regular = pc.and_(pc.equal(s["month"], month),
                      pc.invert(pc.is_in(s["status"], value_set=pc.cast(NOT_REGULAR, "string"))))
    return pc.sum(fam).as_py() / pc.sum(s.filter(regular)["persons"]).as_py()


def programme_flow(result, flow: str, origin: str | None = None) -> float:
    f = result.flows
    keep = pc.and_(pc.equal(f["flow"], flow), pc.is_in(f["status_to"], value_set=pc.cast(PROGRAMME, "string")))
    keep = pc.and_(keep, pc.is_in(pc.year(f["month"]), value_set=pc.cast([2025, 2026], "int64")))
    if origin is not None:
        keep = pc.and_(keep, pc.equal(f["origin"], origin))
    return pc.sum(f.filter(keep)["persons"]).as_py() or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shipped-only", action="store_true")
    args = parser.parse_args()
    for name, overrides in SHIPPED if args.shipped_only else SHIPPED + LEVERS:
        result = simulate(load_scenario(name, overrides=overrides), seed=args.seed, scale=args.scale)
        print(f"{name} {' '.join(overrides)}".strip())
        print(f"  family share of regular workers: 2025-12 {family_share(result, 2025):.3f}, "
              f"2030-12 {family_share(result, 2030):.3f}")
        print(f"  programme entries 2025-26: {programme_flow(result, 'entry'):,.0f} "
              f"(VNM {programme_flow(result, 'entry', 'VNM'):,.0f}); "
              f"re-entries {programme_flow(result, 'reentry'):,.0f}")


if __name__ == "__main__":
    main()
