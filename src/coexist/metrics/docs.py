"""``docs/metrics.md``, generated from the metric registry, the reference file and the claims.

A test checks that the file in ``docs/`` equals :func:`metrics_markdown`; regenerate with
``python -c "from coexist.metrics.docs import metrics_markdown; print(metrics_markdown(), end='')" > docs/metrics.md``.
"""

from __future__ import annotations

from coexist.codes import ORIGINS
from coexist.metrics.claims import CLAIMS
from coexist.metrics.index import (
    EQUAL_WEIGHTS,
    Reference,
    actor_scores,
    balance_index,
    index_definitions,
    load_reference,
    metric_scores,
)
from coexist.metrics.origins import ORIGIN_METRICS
from coexist.metrics.registry import ACTORS, METRICS

__all__ = ["metrics_markdown", "EXAMPLE_RUN"]

# A hypothetical run for the worked example (not a model output).
EXAMPLE_RUN: dict[str, float] = {
    "host.fill_rate": 0.85,
    "host.fill_rate_volatility": 0.004,
    "host.experienced_share": 0.5,
    "host.irregular_mean": 20000.0,
    "migrants.net_income_gain": 150000.0,
    "migrants.debt_burden": 1.5,
    "migrants.job_mobility_share": 0.6,
    "migrants.skill_mean": 0.45,
    "migrants.family_unity": 0.3,
    "origin.returnee_employment_12m": 0.725,
    "origin.skill_years_home_per_year": 500000.0,
    "origin.remittances_per_year": 2.0e12,
    "origin.long_term_loss_per_year": 25000.0,
}

_ACTOR_TITLES = {"host": "Host society", "migrants": "Migrants", "origin": "Origin countries"}


def _g(x: float) -> str:
    if abs(x) >= 1e9:
        return f"{x:.3g}".replace("e+", "e")
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _metrics_section() -> list[str]:
    lines = [
        "## Metrics",
        "",
        "Every metric is declared once in `coexist.metrics.METRICS` with one actor, a unit and a direction, and is a",
        "pure function of the run's four tables (stocks, flows, demand, measures). `maximise` and `minimise` say",
        "which way is better; `info` metrics are reported but never scored (circulation raises turnover and",
        "re-migration by design). A metric whose denominator is zero is `nan` (`null` in metrics.json).",
        "",
    ]
    for actor in ACTORS:
        lines += [
            f"### {_ACTOR_TITLES[actor]}",
            "",
            "| key | unit | direction | definition |",
            "| --- | --- | --- | --- |",
        ]
        for name, m in METRICS.items():
            if m.actor == actor:
                lines.append(f"| `{name}` | {m.unit} | {m.direction} | {_cell(m.description)} |")
        lines.append("")
    lines += [
        "### Per origin (in metrics.json after the index keys)",
        "",
        "These migrants' and origin metrics are computed again on the persons of each origin alone",
        "(`coexist.metrics.origins`), keyed `<metric>.<ORIGIN>` (e.g. `origin.remittances_per_year.VNM`) for",
        f"the origins {', '.join(f'`{o}`' for o in ORIGINS)}: "
        + ", ".join(f"`{name}`" for name in ORIGIN_METRICS)
        + ". They are information (not scored); the comparison report shows them with their intervals.",
        "",
        "### Index keys (in metrics.json beside the metrics)",
        "",
        "| key | unit | definition |",
        "| --- | --- | --- |",
    ]
    for name, d in index_definitions().items():
        lines.append(f"| `{name}` | {d['unit']} | {_cell(d['description'])} |")
    lines.append("")
    return lines


def _index_section(ref: Reference) -> list[str]:
    scores = metric_scores(EXAMPLE_RUN, ref)
    actors = actor_scores(EXAMPLE_RUN, ref)
    index = balance_index(actors, EQUAL_WEIGHTS)
    lines = [
        "## The Balanced Coexistence Index",
        "",
        "Each scored metric m is mapped to 0..1 against the fixed reference values of",
        "`src/coexist/data/reference_values.toml` (never against the other scenarios, so adding a scenario to a",
        "comparison never changes a run's index):",
        "",
        "    score_m = clip((value_m - worst_m) / (best_m - worst_m), 0, 1)",
        "    S_a     = max(floor, sum_m w_m * score_m / sum_m w_m)      over actor a's metrics with w_m > 0",
        "    index   = S_host^W_host * S_migrants^W_migrants * S_origin^W_origin",
        "",
        "`w_m` is the metric's weight in the reference file; `W_a` are the scenario's `balance_weights` (they sum",
        "to 1; equal by default). The geometric mean penalises imbalance: a design that serves one actor at",
        "another's expense scores below a balanced design with the same arithmetic mean of the three scores. The",
        f"floor ({ref.floor:g}) keeps one actor at zero from erasing the other two. A metric that is undefined in a",
        "run (`nan`) is left out of its actor's mean (the other weights are renormalised); an actor with no defined",
        "scored metric is `nan`, and so is the index. The three actor scores are always shown beside the index",
        "(`index.host`, `index.migrants`, `index.origin`, `index.balance`).",
        "",
        "### Worked example",
        "",
        "A hypothetical run (not a model output), scored with the shipped reference values:",
        "",
        "| metric | value | worst | best | score |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, value in EXAMPLE_RUN.items():
        r = ref.metrics[name]
        lines.append(f"| `{name}` | {_g(value)} | {_g(r.worst)} | {_g(r.best)} | {scores[name]:.4f} |")
    parts = " x ".join(f"{actors[a]:.4f}^(1/3)" for a in ACTORS)
    mean = sum(actors.values()) / 3
    lines += [
        "",
        "Actor scores (the weights of the reference file, here all 1): "
        + ", ".join(f"S_{a} = {actors[a]:.4f}" for a in ACTORS)
        + ".",
        f"With equal balance weights the index is {parts} = **{index:.4f}**, below the arithmetic mean {mean:.4f}",
        "because the three scores differ. Three equal scores of that mean would give an index equal to it.",
        "",
    ]
    return lines


def _reference_section(ref: Reference) -> list[str]:
    lines = [
        "## Reference values",
        "",
        f"Version {ref.version}, {ref.date}; floor {ref.floor:g}. {ref.note}",
        "",
        "`worst` scores 0 and `best` scores 1. A weight of 0 gives the metric a 0..1 score without counting it",
        "in the actor score.",
        "",
        "| metric | actor | worst | best | weight | reason |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in ref.metrics.items():
        lines.append(
            f"| `{name}` | {METRICS[name].actor} | {_g(r.worst)} | {_g(r.best)} | {r.weight:g} | {_cell(r.reason)} |"
        )
    lines.append("")
    return lines


def _claims_section() -> list[str]:
    lines = [
        "## Claims",
        "",
        "Each claim compares two scenarios run with the same seeds (common random numbers). For each replicate r",
        "the paired difference is d_r = value(scenario, r) - value(baseline, r); the 90% interval is the 5th to",
        "95th percentile of the d_r (linear interpolation; at least two replicates). A part is **supported** when",
        "the interval excludes zero in the claimed direction, **contradicted** when it excludes zero the other",
        "way, and **not shown** otherwise. A claim with several parts is supported only when every part is,",
        "contradicted when any part is, and not shown otherwise.",
        "",
        "Each claim names the behavioural parameters it mostly rests on (see docs/parameters.md). Those marked",
        "*prior only* are not pinned down by anything in the 2012-2024 Japan record: their values are assumptions",
        "with a plausible range, so a verdict that rests on them says what the model implies under those",
        "assumptions, and holds as evidence only if it survives their whole range (the sensitivity analysis).",
        "",
        "| claim | statement | scenario vs baseline | parts | rests on | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in CLAIMS.values():
        prior = set(c.prior_only)
        params = ", ".join(f"`{p}` (prior only)" if p in prior else f"`{p}`" for p in c.parameters)
        parts = " AND ".join(f"`{p.metric}` {p.direction}" for p in c.parts)
        lines.append(
            f"| `{c.name}` | {_cell(c.statement)} | {c.scenario} vs {c.baseline} | {parts} | {params} | "
            f"{_cell(c.note)} |"
        )
    lines.append("")
    return lines


def metrics_markdown(reference: Reference | None = None) -> str:
    """The whole of ``docs/metrics.md``."""
    ref = reference or load_reference()
    lines = [
        "# Metrics, the Balanced Coexistence Index and the claims",
        "",
        "<!-- Generated by coexist.metrics.docs.metrics_markdown() from the metric registry, "
        "src/coexist/data/reference_values.toml and the claims registry; do not edit. -->",
        "",
    ]
    lines += _metrics_section() + _index_section(ref) + _reference_section(ref) + _claims_section()
    return "\n".join(lines).rstrip("\n") + "\n"
