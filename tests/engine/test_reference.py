"""The compiled passes (kernels.py) against their NumPy references (reference.py).

A run is advanced with `_Run.step`; in chosen months the arguments of each compiled pass
are recorded with a copy of the state it was given. The pass is then replayed twice on
identical copies, once compiled and once as the reference, and the two months compared:
every state array exactly, flow counts exactly, measures to rounding.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coexist.engine import kernels, reference
from coexist.engine.kernels import FLOW_TYPES, MEASURE_NAMES, PARAM_NAMES
from coexist.engine.simulate import COMPILED_PASSES, N_ORIGIN, N_SECTOR, _Run
from coexist.engine.state import State
from coexist.periods import format_month
from coexist.scenario import load_scenario
from coexist.testing import tiny_world

# name: (scenario, seed, scale, step indices checked). Tiny worlds start in 2025-01:
# t=24 is 2027-01 (a January: compaction, yearly tests), ESD is open from 2027-04 and has
# holders from 2027-12 on, so t=36 (2028-01) and t=41 (2028-06) have them.
SCENARIOS = {
    "tiny-temporary": (lambda: tiny_world("japan-temporary"), 7, None, (5, 24, 36, 41)),
    "tiny-circular": (lambda: tiny_world("japan-circular"), 7, None, (5, 24, 36, 41)),
    "japan-circular@0.005": (lambda: load_scenario("japan-circular", end="2027-12"), 11, 0.005, (12, 27, 35)),
    # other run seeds: other populations, compared in a January with ESD holders and after
    **{f"tiny-circular-seed{k}": (lambda: tiny_world("japan-circular"), k, None, (36, 39)) for k in (1, 2, 3)},
}


class Call(NamedTuple):
    """One compiled pass as the engine called it, with the state and inputs as they were before."""

    name: str  # "host" or "home"
    S: State
    R: tuple
    E: tuple  # the rules people expect
    P: np.ndarray
    M: kernels.MonthInputs
    out_shapes: tuple  # the shapes of the Tallies buffers

    @property
    def n(self):
        return self.M.n

    @property
    def month(self):
        return self.M.month

    @property
    def seed(self):
        return self.M.seed


def _copy(record):
    """A copy of a record of arrays (nested records and plain values too)."""
    if isinstance(record, np.ndarray):
        return record.copy()
    if isinstance(record, tuple):
        return type(record)(*(_copy(field) for field in record))
    return record


@functools.cache
def _captured(name: str):
    """Run the scenario; record the passes of the checked months."""
    make, seed, scale, checked = SCENARIOS[name]
    scenario = make()
    calls: list[Call] = []
    recording = {"on": False}

    def recorder(which, real):
        def record(S, R, E, P, M, out):
            if recording["on"]:
                calls.append(Call(which, _copy(S), R, E, P.copy(), _copy(M), tuple(a.shape for a in out)))
            return real(S, R, E, P, M, out)
        return record

    passes = COMPILED_PASSES._replace(host_month=recorder("host", COMPILED_PASSES.host_month),
                                      home_month=recorder("home", COMPILED_PASSES.home_month))
    run = _Run(scenario, seed, scale if scale is not None else scenario.population.scale, passes=passes)
    for t in range(max(checked) + 1):
        recording["on"] = t in checked
        run.step(t)
    assert len(calls) == 2 * len(checked)
    return run, calls


def _replay(call: Call, *, compiled: bool, seed=None, P=None, R=None):
    """One month of the pass on a fresh copy of the recorded state: (state, flows, measures, tallies)."""
    S = _copy(call.S)
    M = _copy(call.M)
    if seed is not None:
        M = M._replace(seed=seed)
    P = call.P if P is None else P
    R = call.R if R is None else R
    threads = numba.get_num_threads() if compiled else 1
    flows, measures, *tallies = call.out_shapes
    out = kernels.Tallies(
        flows=np.zeros((threads, *flows[1:])),
        measures=np.zeros(measures),
        **{name: np.zeros((threads, *shape[1:]), dtype=np.int64)
           for name, shape in zip(kernels.Tallies._fields[2:], tallies, strict=True)},
    )
    if compiled:
        fn = kernels.host_month if call.name == "host" else kernels.home_month
    else:
        fn = reference.host_month_reference if call.name == "host" else reference.home_month_reference
    fn(S, R, call.E, P, M, out)
    # the home pass adds to flows, measures and the placement queue only
    counted = out[2:] if call.name == "host" else (out.waiting,)
    return S, out.flows.sum(axis=0), out.measures.sum(axis=0), tuple(t.sum(axis=0) for t in counted)


def _assert_same(call: Call, compiled, ref):
    """State arrays exactly (floats too), flow counts exactly, measures to rounding."""
    (S_c, f_c, m_c, t_c), (S_r, f_r, m_r, t_r) = compiled, ref
    names = ("employer headcounts", "returnee arrivals", "months in status", "routes wanted", "placement queue")
    if call.name == "home":
        names = ("placement queue",)
    for name, a, b in zip(names, t_c, t_r, strict=True):
        if not np.array_equal(a, b):
            raise AssertionError(f"{call.name} pass, {format_month(call.month)}: {name} differ")
    where = f"{call.name} pass, {format_month(call.month)}"
    for field in State._fields:
        a, b = getattr(S_c, field)[: call.n], getattr(S_r, field)[: call.n]
        if not np.array_equal(a, b):
            rows = np.nonzero(a != b)[0][:8]
            raise AssertionError(
                f"{where}: {field} differs for {np.count_nonzero(a != b)} people, e.g. pids {S_c.pid[rows].tolist()}:"
                f" compiled {a[rows].tolist()} vs reference {b[rows].tolist()}"
            )
    if not np.array_equal(f_c, f_r):
        index = np.argwhere(f_c != f_r)[:8]
        raise AssertionError(f"{where}: flows differ at {[(FLOW_TYPES[i[0]], *i[1:].tolist()) for i in index]}")
    scale = max(1.0, float(np.abs(m_c).max()))
    bad = ~np.isclose(m_c, m_r, rtol=1e-9, atol=1e-12 * scale)
    if bad.any():
        o, m = np.argwhere(bad)[0]
        raise AssertionError(f"{where}: measure {MEASURE_NAMES[m]} (origin {o}) {m_c[o, m]!r} vs {m_r[o, m]!r}")


def _check(call: Call):
    compiled = _replay(call, compiled=True)
    ref = _replay(call, compiled=False)
    _assert_same(call, compiled, ref)
    return compiled


MAIN = ["tiny-temporary", "tiny-circular", "japan-circular@0.005"]


@pytest.mark.parametrize("name", MAIN)
def test_passes_match_reference(name):
    run, calls = _captured(name)
    esd = run.T.status_names.index("esd")
    seen = np.zeros(len(FLOW_TYPES))
    months = set()
    esd_holders = 0
    for call in calls:
        S, flows, _, _ = _check(call)
        assert flows.sum() > 0, f"{call.name} pass in {format_month(call.month)} changed nobody"
        seen += flows.sum(axis=(1, 2, 3, 4))
        months.add(call.month)
        if call.name == "host":
            esd_holders += int(np.count_nonzero(call.S.status[: call.n] == esd))
    # the checked months are what the test claims: a January, ESD holders in the host,
    # and the main events of both passes happened in them
    assert any(m % 12 == 0 for m in months)
    assert esd_holders > 0 or name == "japan-circular@0.005"
    for flow in ("return", "job_change", "abscond", "upgrade", "job_found_home"):
        assert seen[FLOW_TYPES.index(flow)] > 0, flow


@pytest.mark.parametrize("name", [k for k in SCENARIOS if k.startswith("tiny-circular-seed")])
def test_passes_match_reference_for_other_run_seeds(name):
    _, calls = _captured(name)
    for call in calls:
        _check(call)


@pytest.mark.parametrize("name", ["tiny-circular", "japan-circular@0.005"])
def test_census_matches_reference(name):
    run, calls = _captured(name)
    T = run.T
    for call in calls:
        S = call.S
        args = (call.n, S.status, S.origin, S.sector, S.employer, S.months_home, S.cert, run.counted_employer,
                T.n_status, N_ORIGIN, N_SECTOR, run.n_emp, T.returned, numba.get_num_threads())
        compiled = kernels.census(*args)
        ref = reference.census_reference(*args)
        assert sum(int(c.sum()) for c in compiled) > 0
        for a, b in zip(compiled, ref, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make, scale", [
    (lambda: tiny_world("japan-circular"), None),
    (lambda: tiny_world("japan-temporary"), None),
    (lambda: load_scenario("japan-circular", end="2026-12"), 0.005),
])
def test_group_totals_kept_from_flows_equal_a_full_census(make, scale):
    """The engine counts the population once, then keeps the totals up to date from the
    month's flows and the employer counts of the host pass: a full count agrees every month."""
    scenario = make()
    run = _Run(scenario, 5, scale if scale is not None else scenario.population.scale)
    for t in range(len(run.T.months)):
        run.step(t)
        kept_groups, kept_heads = run.last_census
        groups, heads, _ = run._census()
        np.testing.assert_array_equal(kept_groups, groups, err_msg=f"month {t}")
        np.testing.assert_array_equal(kept_heads, heads, err_msg=f"month {t}")


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), shift=st.integers(-13, 13), which=st.sampled_from(["host", "home"]))
def test_reference_matches_for_any_seed_and_month(seed, shift, which):
    """Other random streams (seed, and month as the stream key) from a state with ESD holders."""
    _, calls = _captured("tiny-circular")
    call = [c for c in calls if c.name == which][-1]
    call = call._replace(M=call.M._replace(seed=seed, month=call.month + shift))
    _check(call)


def _a_host_and_home_call():
    _, calls = _captured("tiny-circular")
    return [c for c in calls if c.name == "host"][-1], [c for c in calls if c.name == "home"][-1]


def test_comparison_detects_a_perturbed_reference():
    """The comparison can fail: a changed parameter, seed or rule shows up as a mismatch."""
    host, home = _a_host_and_home_call()
    compiled_host = _replay(host, compiled=True)
    compiled_home = _replay(home, compiled=True)

    P = host.P.copy()
    P[PARAM_NAMES.index("learning_rate")] *= 1.001
    with pytest.raises(AssertionError, match="skill"):
        _assert_same(host, compiled_host, _replay(host, compiled=False, P=P))

    with pytest.raises(AssertionError):
        _assert_same(host, compiled_host, _replay(host, compiled=False, seed=host.seed + 1))

    R = host.R._replace(wage=host.R.wage * 1.01)  # a rule every worker meets
    with pytest.raises(AssertionError):
        _assert_same(host, compiled_host, _replay(host, compiled=False, R=R))

    P = home.P.copy()
    P[PARAM_NAMES.index("remigration_base")] *= 3.0
    with pytest.raises(AssertionError, match="applying|apply_status"):
        _assert_same(home, compiled_home, _replay(home, compiled=False, P=P))



def test_passes_match_reference_with_every_parameter_distinct():
    """The reference reads the parameters by name, the kernels by their P_* indices: with
    each parameter moved by its own small factor (so that no two share a value), both still
    agree, which they would not if an index pointed at another name."""
    for call in _a_host_and_home_call():
        factors = 1.0 + 1e-3 * np.arange(1, len(PARAM_NAMES) + 1)
        P = call.P * factors + 1e-6 * np.arange(1, len(PARAM_NAMES) + 1) * (call.P == 0.0)
        assert len(set(P.tolist())) == len(PARAM_NAMES)
        _assert_same(call, _replay(call, compiled=True, P=P), _replay(call, compiled=False, P=P))
