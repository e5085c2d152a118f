"""Run the benchmark configurations and append the results to benchmarks/results/local.jsonl.

The results go to an untracked file by default (git ignores benchmarks/results/);
--record appends them to the tracked history, benchmarks/results.jsonl, on purpose.

Each configuration runs `coexist run` in a fresh process, twice: first with an empty
compiled-kernel cache (cold: compilation included), then with the cache it filled
(warm). Wall time covers start-up, the simulation and writing the outputs; peak memory
is the child's maximum resident set size. Throughput is agent-months per second of
engine time (from run.json).

With --people the runs also write people.parquet (`coexist run --people`), to measure
what recording every person's status spells costs.

Usage: python benchmarks/run.py [small|medium|full ...] [--warm-only] [--threads N] [--people] [--record]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCAL_RESULTS = HERE / "results" / "local.jsonl"
RECORDED_RESULTS = HERE / "results.jsonl"

# The child runs the CLI and reports its own peak memory on exit.
CHILD = """
import json, resource, runpy, sys
sys.argv = ["coexist"] + sys.argv[1:]
code = 0
try:
    runpy.run_module("coexist.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code or 0
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("BENCH " + json.dumps({"peak_rss_mib": peak_kib / 1024, "exit": code}), file=sys.stderr)
"""


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip()
    except OSError:
        return "unknown"


def results_file(*, record: bool) -> Path:
    """Where the results go: the tracked history when recording, else the untracked local file."""
    if record:
        return RECORDED_RESULTS
    LOCAL_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    return LOCAL_RESULTS


def run_once(config: dict, cache_dir: str, out: Path, threads: int | None, extra: tuple[str, ...] = ()) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    if threads:
        env["NUMBA_NUM_THREADS"] = str(threads)
    args = [
        sys.executable,
        "-c",
        CHILD,
        "run",
        config["scenario"],
        "--scale",
        str(config["scale"]),
        "--seed",
        str(config["seed"]),
        "--out",
        str(out),
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    report = [line for line in done.stderr.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not report:
        raise SystemExit(f"benchmark run failed:\n{done.stderr[-2000:]}")
    child = json.loads(report[-1][6:])
    run = json.loads((out / "run.json").read_text())
    engine = run["wall_seconds"]["engine"]
    return {
        "wall_seconds": round(wall, 2),
        "engine_seconds": round(float(engine), 2),
        "peak_rss_mib": round(child["peak_rss_mib"], 1),
        "agents": run["agents"],
        "agent_months": run["agent_months"],
        "agent_months_per_second": round(run["agent_months"] / float(engine)),
        "scenario_hash": run["scenario"]["hash"],
        "phase_seconds": (run.get("extra") or {}).get("phase_seconds"),
    }


def main(argv=None) -> int:
    configs = tomllib.loads((HERE / "configs.toml").read_text())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"configurations to run (default: all of {', '.join(configs)})")
    parser.add_argument(
        "--warm-only",
        action="store_true",
        help="skip the timed cold run (an untimed run to the first yearly compaction fills a fresh kernel cache first)",
    )
    parser.add_argument("--threads", type=int, default=None, help="NUMBA_NUM_THREADS for the runs")
    parser.add_argument("--people", action="store_true", help="time `coexist run --people` (writes people.parquet)")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"append to the tracked history {RECORDED_RESULTS.relative_to(HERE.parent)} "
        f"(default: the untracked {LOCAL_RESULTS.relative_to(HERE.parent)})",
    )
    args = parser.parse_args(argv)
    results = results_file(record=args.record)
    names = args.names or list(configs)
    unknown = [n for n in names if n not in configs]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; known: {', '.join(configs)}")
    for name in names:
        config = configs[name]
        with tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "numba-cache")
            row = {
                "config": name,
                **config,
                "commit": _commit(),
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                "threads": args.threads,
                "people": args.people,
                "load_average": [round(v, 2) for v in os.getloadavg()],  # the machine may be shared
            }
            extra = ("--people",) if args.people else ()
            if not args.warm_only:
                row["cold"] = run_once(config, cache, Path(tmp) / "cold", args.threads, extra)
            else:  # fill the kernel cache with a run through the first yearly compaction (2026-01), untimed
                run_once({**config, "scale": 0.001}, cache, Path(tmp) / "fill", args.threads, ("--end", "2026-01"))
            row["warm"] = run_once(config, cache, Path(tmp) / "warm", args.threads, extra)
        with results.open("a") as handle:
            handle.write(json.dumps(row) + "\n")
        warm = row["warm"]
        cold = row.get("cold", {}).get("wall_seconds", "-")
        print(
            f"{name}: warm {warm['wall_seconds']} s (engine {warm['engine_seconds']} s), cold {cold} s, "
            f"peak {warm['peak_rss_mib']} MiB, {warm['agents']:,} agents, {warm['agent_months']:,} agent-months, "
            f"{warm['agent_months_per_second']:,} agent-months/s"
        )
    print(f"appended to {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
