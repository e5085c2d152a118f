"""Re-score calibrated parameter sets on fresh seeds, on the fit rows only.

An ABC population's best particle is the one whose single run came out best: with one run
per particle that choice partly picks noise. This script reruns candidates on seeds the
calibration never used and prints each one's mean capped distance on the targets' fit rows
(2017-2022; the held-out rows are never read): the `--top` best particles of a calibration
folder's last population, their weighted median, and any shipped or best.toml files given
with `--also`.

Usage: python benchmarks/rescore_particles.py runs/calib-japan-5 --top 12
           --also src/coexist/data/calibrated/japan.toml [--seeds 101 102 103] [--scale 0.02]
"""

from __future__ import annotations

import argparse
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coexist.calibration.measures import capped_ard_by_series, simulated_targets
from coexist.calibration.targets import read_targets
from coexist.engine import simulate
from coexist.scenario import apply_calibrated, load_scenario


def fit_distance(params: dict[str, float], seeds: tuple[int, ...], scale: float) -> float:
    """Mean over ``seeds`` of the calibration's distance on the fit rows, for japan-history
    with ``params`` put in over the embedded defaults."""
    targets = read_targets().table
    fit = targets.filter(pc.equal(targets["split"], "fit"))
    base = load_scenario("japan-history", overrides=['behaviour_defaults="embedded"'])
    scenario = apply_calibrated(base, params)
    runs = [simulated_targets(simulate(scenario, seed=s, scale=scale), fit) for s in seeds]
    return float(np.mean([capped_ard_by_series(run, split="fit")["overall"] for run in runs]))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][np.searchsorted(cumulative, 0.5)])


def candidates(folder: Path, top: int, also: list[Path]) -> list[tuple[str, dict[str, float]]]:
    population = pq.read_table(folder / "posterior.parquet").to_pandas()
    names = [c for c in population.columns if c not in ("weight", "distance")]
    out = [
        (f"particle {i} (distance {row.distance:.3f})", {n: float(row[n]) for n in names})
        for i, row in population.sort_values("distance").head(top).iterrows()
    ]
    weights = population["weight"].to_numpy()
    out.append(("weighted median", {n: weighted_median(population[n].to_numpy(), weights) for n in names}))
    for path in also:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        values = {**doc.get("behaviour", {}), **doc.get("assumptions", {})}
        out.append((str(path), {n: float(values[n]) for n in names}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--also", type=Path, action="append", default=[])
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    chosen = candidates(args.folder, args.top, args.also)
    with ProcessPoolExecutor(args.workers) as pool:
        scores = list(pool.map(fit_distance, [c[1] for c in chosen], [tuple(args.seeds)] * len(chosen),
                               [args.scale] * len(chosen)))
    print(f"mean capped fit distance over seeds {args.seeds} at scale {args.scale}:")
    for (label, _), score in sorted(zip(chosen, scores, strict=True), key=lambda pair: pair[1]):
        print(f"  {score:.4f}  {label}")


if __name__ == "__main__":
    main()
