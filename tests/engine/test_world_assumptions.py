"""The engine's assumptions are read from data (world_assumptions.toml), each with a range
that holds its value; the initial population is counted once, and a scale that gives no
agent is refused before anything is built."""

from __future__ import annotations

import pytest

from coexist.data import world_assumptions
from coexist.data.assumptions import parse_assumptions
from coexist.engine import simulate
from coexist.errors import DataError, ScenarioError
from coexist.scenario import load_scenario


def _entry(**changes):
    entry = {"value": 0.5, "low": 0.3, "high": 0.7, "source": "assumption", "reason": "a test"}
    entry.update(changes)
    return entry


def test_every_assumption_has_a_source_a_reason_and_a_range_holding_its_value():
    assumed = world_assumptions()
    assert {"family_share", "employer_premium_log_sd", "abusive_employer_premium", "earlier_host_months"} <= set(
        assumed
    )
    for name, a in assumed.items():
        assert a.source and a.reason, name
        values = a.value if isinstance(a.value, dict) else {"": a.value}
        lows = a.low if isinstance(a.low, dict) else {"": a.low}
        highs = a.high if isinstance(a.high, dict) else {"": a.high}
        for key, value in values.items():
            assert lows[key] <= value <= highs[key], (name, key)
    assert assumed["earlier_host_months"].value["ssw1"] == 36
    assert assumed["earlier_host_months_share"].value["ssw1"] == 0.6


def test_a_value_outside_its_range_is_refused():
    with pytest.raises(DataError, match=r"x.toml \[share\] must lie in its range \[0.3, 0.7\]. Got 0.9 instead"):
        parse_assumptions({"share": _entry(value=0.9)}, "x.toml")
    with pytest.raises(DataError, match=r"\[months\] ssw1 must lie in its range"):
        parse_assumptions({"months": _entry(value={"ssw1": 80}, low={"ssw1": 24}, high={"ssw1": 60})}, "x.toml")


def test_an_entry_without_a_range_or_with_a_table_range_of_other_keys_is_refused():
    entry = _entry()
    del entry["low"]
    with pytest.raises(DataError, match=r"\[share\] must give exactly high, low, reason, source, value"):
        parse_assumptions({"share": entry}, "x.toml")
    with pytest.raises(DataError, match="with the keys of its value"):
        parse_assumptions({"months": _entry(value={"ssw1": 36}, low={"ssw2": 24}, high={"ssw1": 60})}, "x.toml")


def test_a_scale_that_gives_no_agent_is_refused_with_the_smallest_that_does():
    with pytest.raises(ScenarioError, match="is too small: 1e-09 .* gives no agent. Use a scale of at least"):
        simulate(load_scenario("japan-circular"), scale=1e-9)
