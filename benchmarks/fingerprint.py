"""Fingerprints of the engine's output, to hold a refactor to "bit for bit the same results".

    python benchmarks/fingerprint.py --out /tmp/before            # tables and digests
    python benchmarks/fingerprint.py --out /tmp/after --against /tmp/before
    python benchmarks/fingerprint.py --out /tmp/people --against /tmp/before --people

Runs a few fixed cases (the reduced model, the Japan scenarios at scale 0.02 and the
calibrated history), writes each result's tables as Parquet with a digest per table, and
with ``--against`` compares: stocks and flows must be identical; demand and measures are
reported by their largest relative difference (money sums may change with summation order).
Months are compared as "YYYY-MM" text, so fingerprints taken before months were dates still compare.
With ``--people`` every case also records the people's spells, which must change nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from coexist.engine import simulate
from coexist.periods import format_month, month_indices
from coexist.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).parent / "docking"))
import engine_side  # noqa: E402

TABLES = ("stocks", "flows", "demand", "measures")
EXACT = ("stocks", "flows")


def cases(people: bool = False):
    yield "reduced-10000x120-seed0", lambda: simulate(engine_side.scenario(10_000, 120), seed=0, people=people)
    for name, seed in (("japan-circular", 1), ("japan-temporary", 2), ("japan-history", 0)):
        yield (
            f"{name}-0.02-seed{seed}",
            lambda name=name, seed=seed: simulate(load_scenario(name), seed=seed, scale=0.02, people=people),
        )


def canonical(table: pa.Table) -> pa.Table:
    if "month" in table.column_names and not pa.types.is_string(table.schema.field("month").type):
        text = pa.array([format_month(m) for m in month_indices(table.column("month"))], type=pa.string())
        table = table.set_column(table.column_names.index("month"), "month", text)
    keys = [c for c in table.column_names if pa.types.is_string(table.schema.field(c).type)]
    return table.sort_by([(k, "ascending") for k in keys])


def digest(table: pa.Table) -> str:
    h = hashlib.sha256()
    for name in table.column_names:
        column = table.column(name)
        values = column.to_numpy(zero_copy_only=False)
        h.update(name.encode())
        h.update(np.asarray(values).astype(str if values.dtype == object else values.dtype).tobytes())
    return h.hexdigest()


def largest_relative_difference(a: pa.Table, b: pa.Table) -> float:
    if a.num_rows != b.num_rows:
        return float("inf")
    worst = 0.0
    for name in a.column_names:
        if pa.types.is_string(a.schema.field(name).type):
            if a.column(name) != b.column(name):
                return float("inf")
            continue
        x, y = a.column(name).to_numpy(), b.column(name).to_numpy()
        scale = np.maximum(np.abs(x), np.abs(y))
        diff = np.abs(x - y) / np.where(scale > 0, scale, 1.0)
        worst = max(worst, float(diff.max(initial=0.0)))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--against", type=Path)
    parser.add_argument("--people", action="store_true", help="record the people's spells in every case too")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    digests: dict[str, dict[str, str]] = {}
    failed = False
    for case, run in cases(args.people):
        result = run()
        digests[case] = {}
        for table_name in TABLES:
            table = canonical(getattr(result, table_name))
            pq.write_table(table, args.out / f"{case}.{table_name}.parquet")
            digests[case][table_name] = digest(table)
            if args.against is None:
                continue
            before = pq.read_table(args.against / f"{case}.{table_name}.parquet")
            if table_name in EXACT:
                same = digest(before) == digests[case][table_name]
                failed |= not same
                print(f"{case:32} {table_name:9} {'identical' if same else 'DIFFERENT'}")
            else:
                print(
                    f"{case:32} {table_name:9} largest relative difference "
                    f"{largest_relative_difference(before, table):.3g}"
                )
        print(f"{case}: {result.agents} agents, {result.wall_seconds:.1f} s", file=sys.stderr)
    (args.out / "digests.json").write_text(json.dumps(digests, indent=1) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
