"""Whatever the policy levers (drawn within their schema ranges), the engine keeps its books.

Each example draws lever values, applies them as ``--set`` overrides on the tiny world,
runs the engine and checks invariants that hold for every regime:

* no stock is negative;
* the stock of every status of people (all but the ``home`` pools) changes from one month
  to the next exactly by the recorded flows (``abroad`` is outside the model; a flow whose
  status_from equals its status_to, such as a job change, moves nobody);
* the same seed gives identical tables;
* the irregular stock never exceeds the initial irregular stock plus the cumulative
  absconding and overstay flows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coexist.engine import simulate
from coexist.scenario.schema import JOB_CHANGE_RULES
from coexist.testing import tiny_world

SHORT = ('horizon.end="2028-12"',)  # four years keep each example well under a second


def _float(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda v: repr(float(v)))


def _int(lo: int, hi: int):
    return st.integers(lo, hi).map(str)


_BOOL = st.booleans().map(lambda b: "true" if b else "false")

# dotted path -> values within the schema's range, written as --set values
LEVERS = {
    "programme.matching_capacity.construction": _float(0.0, 1e7),
    "programme.recognition_coverage": _float(0.0, 1.0),
    "programme.detection_rate": _float(0.0, 1.0),
    "programme.removal_ban_months": _int(0, 600),
    "programme.reintegration_support_months": _int(0, 60),
    "programme.cumulative_abroad_counts": _BOOL,
    "programme.former_employer_rehire": _BOOL,
    "programme.reentry_fee_cap_months": _float(-1.0, 120.0),
    "statuses.ssw1.reentry_cooldown_months": _int(0, 600),
    "statuses.ssw1.max_stay_months": _int(0, 600),
    "statuses.ssw1.leaving_ends_right": _BOOL,
    "statuses.ssw1.job_change": st.sampled_from(JOB_CHANGE_RULES).map(lambda r: f'"{r}"'),
    "statuses.ssw1.fee_cap_months": _float(-1.0, 120.0),
    "statuses.titp.fee_cap_months": _float(-1.0, 120.0),
}


@st.composite
def lever_overrides(draw) -> tuple[str, list[str]]:
    base = draw(st.sampled_from(["japan-temporary", "japan-circular"]))
    chosen = draw(st.lists(st.sampled_from(sorted(LEVERS)), min_size=1, max_size=len(LEVERS), unique=True))
    return base, [f"{path}={draw(LEVERS[path])}" for path in chosen]


def dense_stocks(result) -> tuple[list[str], list[str], np.ndarray]:
    """[month, status] persons, zeros filled in."""
    table = result.stocks.group_by(["month", "status"]).aggregate([("persons", "sum")])
    months = sorted(set(table.column("month").to_pylist()))
    statuses = list(result.extra["status_names"])
    out = np.zeros((len(months), len(statuses)))
    m_at, s_at = {m: i for i, m in enumerate(months)}, {s: i for i, s in enumerate(statuses)}
    for m, s, v in zip(table.column("month").to_pylist(), table.column("status").to_pylist(),
                       table.column("persons_sum").to_pylist(), strict=True):
        out[m_at[m], s_at[s]] = v
    return months, statuses, out


def net_flows(result, months: list[str], statuses: list[str]) -> np.ndarray:
    """[month, status] flows in minus flows out; flows within a status move nobody."""
    out = np.zeros((len(months), len(statuses)))
    m_at, s_at = {m: i for i, m in enumerate(months)}, {s: i for i, s in enumerate(statuses)}
    f = result.flows
    for m, a, b, v in zip(f.column("month").to_pylist(), f.column("status_from").to_pylist(),
                          f.column("status_to").to_pylist(), f.column("persons").to_pylist(), strict=True):
        if a == b:
            continue
        if a in s_at:
            out[m_at[m], s_at[a]] -= v
        if b in s_at:
            out[m_at[m], s_at[b]] += v
    return out


def initial_people(scenario, statuses: list[str]) -> np.ndarray:
    out = np.zeros(len(statuses))
    for status, by_origin in scenario.population.initial_counts.items():
        out[statuses.index(status)] = sum(sum(by_sector.values()) for by_sector in by_origin.values())
    return out


def cumulative(result, months: list[str], flows: tuple[str, ...]) -> np.ndarray:
    f = result.flows.filter(pc.is_in(result.flows["flow"], value_set=pa.array(flows)))
    per_month = np.zeros(len(months))
    at = {m: i for i, m in enumerate(months)}
    for m, v in zip(f.column("month").to_pylist(), f.column("persons").to_pylist(), strict=True):
        per_month[at[m]] += v
    return np.cumsum(per_month)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lever_overrides(), seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_for_any_levers(case, seed):
    base, overrides = case
    scenario = tiny_world(base, overrides=(*SHORT, *overrides))
    result = simulate(scenario, seed=seed)

    persons = np.array(result.stocks.column("persons").to_pylist())
    assert (persons >= 0).all(), "negative stock"
    assert (np.array(result.flows.column("persons").to_pylist()) >= 0).all(), "negative flow"

    months, statuses, stock = dense_stocks(result)
    assert len(months) == 48
    people = [i for i, s in enumerate(statuses) if s != "home"]
    start = initial_people(scenario, statuses)
    previous = np.vstack([start, stock[:-1]])
    gap = (stock - previous - net_flows(result, months, statuses))[:, people]
    worst = np.unravel_index(np.abs(gap).argmax(), gap.shape)
    assert np.abs(gap).max() < 1e-6, (
        f"stocks of {statuses[people[worst[1]]]!r} in {months[worst[0]]} differ from the flows by {gap[worst]}"
    )

    irregular = stock[:, statuses.index("irregular")]
    entered = start[statuses.index("irregular")] + cumulative(result, months, ("abscond", "overstay"))
    assert (irregular <= entered + 1e-9).all()

    again = simulate(tiny_world(base, overrides=(*SHORT, *overrides)), seed=seed)
    for name in ("stocks", "flows", "demand", "measures"):
        assert getattr(again, name).equals(getattr(result, name)), f"{name} differ for the same seed"
