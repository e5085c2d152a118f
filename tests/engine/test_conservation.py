"""Every person is in exactly one state each month, and recorded flows reconcile stocks."""

import numpy as np
import pytest

from coexist.engine import simulate
from coexist.testing import tiny_world
from coexist.testing.checks import conservation_gap, flow_balance, stock_matrix


@pytest.mark.parametrize("fixture", ["tiny_temporary", "tiny_circular"])
def test_flows_reconcile_stocks_every_month(fixture, request):
    result = request.getfixturevalue(fixture)
    # pools are fractional counts (cohorts), people are whole: allow float rounding only
    assert conservation_gap(result.stocks, result.flows) < 1e-6


def test_people_are_conserved_with_inflows_and_exits():
    sc = tiny_world(overrides=["statuses.professional.inflow_per_month=40.0", "statuses.student.inflow_per_month=30.0"])
    result = simulate(sc, seed=11)
    months, statuses, stock = stock_matrix(result.stocks)
    net = flow_balance(result.flows, months, statuses)
    assert np.abs(np.diff(stock, axis=0) - net[1:]).max() < 1e-6
    flows = set(result.flows.column("flow").to_pylist())
    assert {"entry", "exit", "upgrade"} <= flows


def test_stocks_are_whole_persons_and_never_negative(tiny_temporary):
    persons = np.array(tiny_temporary.stocks.column("persons").to_pylist())
    statuses = tiny_temporary.stocks.column("status").to_pylist()
    people = np.array([p for p, s in zip(persons, statuses, strict=True) if s != "home"])
    assert (persons >= 0).all()
    assert np.allclose(people, np.round(people))


def test_a_broken_ledger_is_detected(tiny_temporary):
    # the check itself must be able to fail: drop one kind of flow and the books no longer balance
    flows = tiny_temporary.flows
    mask = [f != "return" for f in flows.column("flow").to_pylist()]
    assert conservation_gap(tiny_temporary.stocks, flows.filter(mask)) > 1.0


def test_agent_months_count_people_alive_each_month(tiny_temporary):
    months, statuses, stock = stock_matrix(tiny_temporary.stocks)
    people = stock[:, [i for i, s in enumerate(statuses) if s != "home"]].sum()
    assert tiny_temporary.agent_months == pytest.approx(people)
