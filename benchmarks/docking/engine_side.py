"""The reduced model run by the coexist engine (scenario `reduced-model`), as monthly series.

The only file of benchmarks/docking/ that imports coexist.
"""

from __future__ import annotations

import numpy as np

from coexist.engine import simulate
from coexist.periods import format_month, month_indices, parse_month
from coexist.scenario import load_scenario

try:
    from spec import FLOWS, PARAMS, STOCKS
except ImportError:  # pragma: no cover
    from .spec import FLOWS, PARAMS, STOCKS

# reduced-model parameters that are engine behavioural parameters of the same name
ENGINE_PARAMS = {name for name in PARAMS if name not in {
    "w0", "f_s", "h", "F", "unemp", "pool_target", "detection_rate", "permit_months", "max_stay_months",
    "cooldown_months", "ban_months",
}}


def scenario(n_agents: int, months: int, perturb: dict[str, float] | None = None):
    """The shipped `reduced-model` scenario at `n_agents` over `months` months."""
    start = parse_month("2025-01")
    overrides = [
        f"population.initial_counts={{worker={{VNM={{manufacturing={int(n_agents)}}}}}}}",
        f"demand.initial={{manufacturing={float(n_agents)}}}",
        f'horizon.end="{format_month(start + months - 1)}"',
    ]
    for name, factor in (perturb or {}).items():
        if name not in ENGINE_PARAMS:
            raise KeyError(f"{name!r} is not a behavioural parameter of the engine")
        overrides.append(f"behaviour.{name}={PARAMS[name] * factor!r}")
    return load_scenario("reduced-model", overrides=overrides)


def series(result, months: int) -> dict[str, np.ndarray]:
    """Monthly stocks and flows {name: array[months]} of an engine result."""
    out = {k: np.zeros(months) for k in (*STOCKS, *FLOWS)}
    start = parse_month("2025-01")
    stocks = result.stocks
    t = month_indices(stocks.column("month")) - start
    status = np.array(stocks.column("status").to_pylist())
    persons = stocks.column("persons").to_numpy()
    for name in STOCKS:
        pick = status == name
        np.add.at(out[name], t[pick], persons[pick])
    flows = result.flows
    t = month_indices(flows.column("month")) - start
    kind = np.array(flows.column("flow").to_pylist())
    persons = flows.column("persons").to_numpy()
    for name in FLOWS:
        pick = kind == name
        if name in ("death", "age_out"):  # agents only, not the candidate pool's cohorts
            pick &= np.array(flows.column("status_from").to_pylist()) != "home"
        np.add.at(out[name], t[pick], persons[pick])
    return out


def run(n_agents=10_000, months=120, seed=0, perturb=None):
    return series(simulate(scenario(n_agents, months, perturb), seed=seed), months)


def timed_run(n_agents, months, seed=0):
    result = simulate(scenario(n_agents, months), seed=seed)
    return result.wall_seconds, result.agent_months
