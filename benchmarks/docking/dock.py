"""Docking driver: the coexist engine against an independent implementation of the
reduced model (docs/reduced-model.md).

    python benchmarks/docking/dock.py --replicates 30 --agents 10000 --months 120 [--perturb NAME=FACTOR]

Runs the scenario `reduced-model` in the engine and the Mesa model (or the NumPy
reference with --impl numpy), `--replicates` independent seeds each, and compares the
yearly stocks and flows statistic by statistic with a two-sample Mann-Whitney test
(Kolmogorov-Smirnov p-values reported too) and a Holm correction over all statistics.
The two sides dock when no Holm-adjusted p-value is below --alpha.

With --perturb NAME=FACTOR (repeatable), the same reference replicates are also compared
with an engine whose behavioural parameter NAME is multiplied by FACTOR: that power check
must fail to dock. --speed times the engine and Mesa per agent-month.

Writes benchmarks/docking/results/<tag>.json and <tag>.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "src"))


import stats  # noqa: E402

RESULTS = HERE / "results"


def _reference_run(args):
    impl, n, months, seed, perturb = args
    if impl == "mesa":
        import mesa_model as model
    else:
        import reference as model
    return stats.summarise(model.run(n, months, seed=seed, perturb=perturb))


def reference_replicates(impl, n, months, replicates, perturb, workers):
    jobs = [(impl, n, months, 10_000 + k, perturb) for k in range(replicates)]
    if workers <= 1:
        return [_reference_run(j) for j in jobs]
    with mp.get_context("fork").Pool(workers) as pool:
        return pool.map(_reference_run, jobs)


def engine_replicates(n, months, replicates, perturb):
    import engine_side

    return [stats.summarise(engine_side.run(n, months, seed=k, perturb=perturb)) for k in range(replicates)]


def compare(engine, ref, alpha):
    from scipy import stats as sps

    rows = stats.compare(engine, ref, stats.mann_whitney)
    for row in rows:
        a = [r[row["statistic"]] for r in engine]
        b = [r[row["statistic"]] for r in ref]
        row["p_mw_scipy"] = float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
        row["p_ks"] = float(sps.ks_2samp(a, b).pvalue)
    p_ks_holm = stats.holm([r["p_ks"] for r in rows])
    for row, adj in zip(rows, p_ks_holm, strict=True):
        row["p_ks_holm"] = float(adj)
    worst = min(rows, key=lambda r: r["p_holm"])
    return {
        "docked": bool(worst["p_holm"] >= alpha),
        "docked_ks": bool(min(p_ks_holm) >= alpha),
        "min_p_holm": worst["p_holm"],
        "min_p_holm_statistic": worst["statistic"],
        "min_p_ks_holm": float(min(p_ks_holm)),
        "tests": len(rows),
        "rows": rows,
    }


def speed(n, months, mesa_months, repeats=5):
    import engine_side
    import mesa_model
    import numba

    engine_side.timed_run(2_000, 24, seed=1)  # load the cached kernels, those of the yearly compaction too
    # best of `repeats` (the least disturbed by other load on the machine), all threads and one
    runs = [engine_side.timed_run(n, months, seed=0) for _ in range(repeats)]
    seconds, agent_months = min(runs)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    single = min(engine_side.timed_run(n, months, seed=0)[0] for _ in range(repeats))
    numba.set_num_threads(threads)
    out = {"engine": {"agents": n, "months": months, "seconds": seconds, "agent_months": agent_months,
                      "us_per_agent_month": 1e6 * seconds / agent_months, "threads": threads,
                      "all_seconds": [r[0] for r in runs], "seconds_one_thread": single,
                      "us_per_agent_month_one_thread": 1e6 * single / agent_months}}
    model = mesa_model.ReducedModel(n_agents=n, seed=0)
    agent_months = 0
    started = time.perf_counter()
    for _ in range(mesa_months):
        model.step()
        agent_months += len(model.agents)
    seconds = time.perf_counter() - started
    out["mesa"] = {"agents": n, "months": mesa_months, "seconds": seconds, "agent_months": agent_months,
                   "us_per_agent_month": 1e6 * seconds / agent_months,
                   "extrapolated_seconds_full_horizon": seconds / agent_months * out["engine"]["agent_months"]}
    out["ratio_per_agent_month"] = out["mesa"]["us_per_agent_month"] / out["engine"]["us_per_agent_month"]
    out["ratio_per_agent_month_one_thread"] = (
        out["mesa"]["us_per_agent_month"] / out["engine"]["us_per_agent_month_one_thread"]
    )
    # the vectorised NumPy reference (a stand-in for a DataFrame implementation such as mesa-frames)
    import reference

    started = time.perf_counter()
    history = reference.run(n, months, seed=0)
    seconds = time.perf_counter() - started
    agent_months = int(sum(history[k].sum() for k in ("worker", "irregular", "returned")))
    out["numpy_reference"] = {
        "agents": n,
        "months": months,
        "seconds": seconds,
        "agent_months": agent_months,
        "us_per_agent_month": 1e6 * seconds / agent_months,
    }
    out["ratio_numpy_per_agent_month"] = (
        out["numpy_reference"]["us_per_agent_month"] / out["engine"]["us_per_agent_month"]
    )
    return out


def markdown(report) -> str:
    cfg = report["config"]
    lines = [
        f"# Docking: engine vs {cfg['impl']} ({cfg['agents']} agents, {cfg['months']} months, "
        f"{cfg['replicates']} replicates a side)",
        "",
        f"Command: `{cfg['command']}`",
        "",
    ]
    for label, res in report["comparisons"].items():
        verdict = "DOCKED (no difference detected)" if res["docked"] else "DIFFERENT (difference detected)"
        lines += [
            f"## {label}: {verdict}",
            "",
            f"{res['tests']} statistics; smallest Holm-adjusted Mann-Whitney p = {res['min_p_holm']:.3g} "
            f"({res['min_p_holm_statistic']}); smallest Holm-adjusted KS p = {res['min_p_ks_holm']:.3g}; "
            f"alpha = {cfg['alpha']}.",
            "",
            "| statistic | engine mean (sd) | reference mean (sd) | p MW | p KS | p MW Holm |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for r in res["rows"]:
            lines.append(
                f"| {r['statistic']} | {r['mean_a']:.1f} ({r['sd_a']:.1f}) | {r['mean_b']:.1f} ({r['sd_b']:.1f}) "
                f"| {r['p']:.3g} | {r['p_ks']:.3g} | {r['p_holm']:.3g} |"
            )
        lines.append("")
    if "speed" in report:
        s = report["speed"]
        lines += [
            "## Speed",
            "",
            f"Engine: {s['engine']['agents']} agents, {s['engine']['months']} months, {s['engine']['seconds']:.2f} s, "
            f"{s['engine']['agent_months']} agent-months, {s['engine']['us_per_agent_month']:.3f} µs per agent-month "
            f"with {s['engine']['threads']} threads (best of {len(s['engine']['all_seconds'])}: "
            f"{', '.join(f'{x:.2f}' for x in s['engine']['all_seconds'])} s); one thread "
            f"{s['engine']['seconds_one_thread']:.2f} s, "
            f"{s['engine']['us_per_agent_month_one_thread']:.3f} µs per agent-month.",
            f"Mesa: {s['mesa']['agents']} agents, {s['mesa']['months']} months, {s['mesa']['seconds']:.1f} s, "
            f"{s['mesa']['agent_months']} agent-months, {s['mesa']['us_per_agent_month']:.2f} µs per agent-month "
            f"(about {s['mesa']['extrapolated_seconds_full_horizon']:.0f} s for the engine's agent-months).",
            f"NumPy reference (vectorised): {s['numpy_reference']['seconds']:.2f} s, "
            f"{s['numpy_reference']['us_per_agent_month']:.3f} µs per agent-month.",
            f"Ratio (Mesa / engine, per agent-month): {s['ratio_per_agent_month']:.0f}x "
            f"({s['ratio_per_agent_month_one_thread']:.0f}x against the engine on one thread); "
            f"NumPy reference / engine: {s['ratio_numpy_per_agent_month']:.1f}x.",
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replicates", type=int, default=30)
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument(
        "--perturb",
        action="append",
        default=[],
        metavar="NAME=FACTOR",
        help="also compare against an engine with this behavioural parameter multiplied (power check)",
    )
    ap.add_argument("--no-matched", action="store_true", help="skip the matched comparison")
    ap.add_argument("--impl", choices=("mesa", "numpy"), default="mesa", help="the independent implementation")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--speed", action="store_true", help="time engine and Mesa per agent-month")
    ap.add_argument("--speed-only", action="store_true", help="only the timing, no docking")
    ap.add_argument("--speed-agents", type=int, default=100_000)
    ap.add_argument("--speed-months", type=int, default=120)
    ap.add_argument("--speed-mesa-months", type=int, default=12)
    ap.add_argument(
        "--reference-from",
        default=None,
        metavar="JSON",
        help="reuse the reference replicates of an earlier results file (same agents, months, replicates)",
    )
    ap.add_argument("--tag", default=None)
    args = ap.parse_args(argv)
    perturbs = []
    for item in args.perturb:
        name, _, factor = item.partition("=")
        perturbs.append((name, float(factor)))
    tag = args.tag or f"dock-{args.impl}-{args.agents}x{args.months}-r{args.replicates}" + "".join(
        f"-{n}x{f:g}" for n, f in perturbs
    )
    import mesa

    report = {
        "config": {
            **vars(args),
            "command": "python benchmarks/docking/dock.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "mesa": mesa.__version__,
            "python": platform.python_version(),
            "machine": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "comparisons": {},
    }
    if args.speed_only:
        args.no_matched, perturbs, args.speed = True, [], True
        tag = args.tag or f"speed-{args.speed_agents}x{args.speed_months}"
        report["config"]["speed_only"] = True
    started = time.perf_counter()
    if args.reference_from:
        saved = json.loads(Path(args.reference_from).read_text())
        for key in ("impl", "agents", "months", "replicates"):
            if saved["config"][key] != getattr(args, key):
                raise SystemExit(f"{args.reference_from} has {key} = {saved['config'][key]}, not {getattr(args, key)}")
        ref = saved["reference_replicates"]
    else:
        ref = (
            []
            if args.speed_only
            else reference_replicates(args.impl, args.agents, args.months, args.replicates, None, args.workers)
        )
    report["timing"] = {"reference_seconds": time.perf_counter() - started}
    if not args.speed_only:
        print(f"reference ({args.impl}) done in {report['timing']['reference_seconds']:.0f} s", flush=True)
    report["reference_replicates"] = ref
    if not args.no_matched:
        started = time.perf_counter()
        eng = engine_replicates(args.agents, args.months, args.replicates, None)
        report["timing"]["engine_seconds"] = time.perf_counter() - started
        report["engine_replicates"] = eng
        report["comparisons"]["matched"] = compare(eng, ref, args.alpha)
    for name, factor in perturbs:
        eng = engine_replicates(args.agents, args.months, args.replicates, {name: factor})
        report["comparisons"][f"perturbed {name} x{factor:g} (engine side)"] = compare(eng, ref, args.alpha)
    if args.speed:
        report["speed"] = speed(args.speed_agents, args.speed_months, args.speed_mesa_months)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{tag}.json").write_text(json.dumps(report, indent=1))
    (RESULTS / f"{tag}.md").write_text(markdown(report))
    for label, res in report["comparisons"].items():
        print(
            f"{label}: {'docked' if res['docked'] else 'DIFFERENT'} (min Holm p = {res['min_p_holm']:.3g}, "
            f"{res['min_p_holm_statistic']}; KS min Holm p = {res['min_p_ks_holm']:.3g})"
        )
    if "speed" in report:
        sp = report["speed"]
        print(
            f"engine {sp['engine']['us_per_agent_month']:.3f} us, Mesa {sp['mesa']['us_per_agent_month']:.2f} us, "
            f"NumPy {sp['numpy_reference']['us_per_agent_month']:.3f} us per agent-month; "
            f"Mesa/engine {sp['ratio_per_agent_month']:.0f}x, NumPy/engine {sp['ratio_numpy_per_agent_month']:.1f}x"
        )
    print(f"wrote {RESULTS / tag}.json and .md")


if __name__ == "__main__":
    main()
