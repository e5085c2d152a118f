"""Status spells (simulate(people=True)) against the engine's own tables on a tiny world."""

import numpy as np
import pandas as pd
import pytest

from coexist.engine import simulate
from coexist.engine.spells import PEOPLE_SCHEMA, SPELL_REASONS
from coexist.testing import tiny_world

LEAVING = ("age_out", "death", "exit")  # the reasons that take a person out of the model
# inflows from abroad and their exits, so that every way in and out is exercised
OVERRIDES = ("statuses.professional.inflow_per_month=30.0", "statuses.student.inflow_per_month=20.0")


@pytest.fixture(scope="module")
def run():
    return simulate(tiny_world("japan-circular", OVERRIDES), seed=7, people=True)


@pytest.fixture(scope="module")
def spells(run):
    text = ("origin", "status", "sector", "start", "end", "end_reason")
    return run.people.to_pandas().astype({c: object for c in text})


def test_recording_leaves_the_results_unchanged(run):
    plain = simulate(tiny_world("japan-circular", OVERRIDES), seed=7)
    assert plain.people is None
    for name in ("stocks", "flows", "demand", "measures"):
        assert getattr(plain, name).equals(getattr(run, name)), name


def test_the_table_has_its_schema_and_known_reasons(run, spells):
    assert run.people.schema == PEOPLE_SCHEMA
    assert set(spells.end_reason.dropna()) <= set(SPELL_REASONS)
    host = ~spells.status.isin(["returned", "irregular"])
    assert spells.employer_id[host].notna().all() and spells.employer_id[~host].isna().all()


def test_each_person_has_one_open_spell_or_left_the_model(spells):
    last = spells.groupby("person_id").tail(1)
    open_now = last.end.isna()
    assert last.end_reason[~open_now].isin(LEAVING).all()
    assert spells.end.isna().sum() == open_now.sum()  # no open spell other than the last
    before_last = spells.drop(last.index)
    assert not before_last.end_reason.isin(LEAVING).any()
    assert 0 < (~open_now).sum() < len(last)


def test_spells_chain_end_to_start_without_overlap(spells):
    same_person = spells.person_id.to_numpy()[1:] == spells.person_id.to_numpy()[:-1]
    ends = spells.end.to_numpy()[:-1][same_person]
    starts = spells.start.to_numpy()[1:][same_person]
    assert (ends == starts).all()
    closed = spells.end.notna()
    assert (spells.start[closed] <= spells.end[closed]).all()


def test_spells_ended_by_each_reason_match_the_flows(run, spells):
    flows = run.flows.to_pandas()
    flows = flows[flows.status_from != "home"]  # the pools' cohorts and age-outs are counts, not people
    flows = flows.assign(month=pd.to_datetime(flows.month).dt.strftime("%Y-%m"))
    by_flow = flows.groupby(["flow", "month", "status_from"]).persons.sum() * run.scale
    by_spell = spells.groupby(["end_reason", "end", "status"]).size()
    by_spell.index.names = by_flow.index.names
    for reason in SPELL_REASONS:
        if reason == "job_change":
            continue
        expected = by_flow.xs(reason, level="flow") if reason in by_flow.index.get_level_values(0) else pd.Series()
        got = by_spell.xs(reason, level="flow") if reason in by_spell.index.get_level_values(0) else pd.Series()
        pd.testing.assert_series_equal(got.astype(float).sort_index(), expected.astype(float).sort_index(),
                                       check_names=False, check_index_type=False, obj=reason)
    assert {"reentry", "return", "upgrade", "abscond", "removal", "exit"} <= set(spells.end_reason.dropna())


def test_job_changes_that_took_effect_are_the_flows_less_those_of_workers_who_left(run, spells):
    """A job change drawn in the month a worker leaves the status never takes effect: the
    flows count it, the spells do not. Per month and status, the spells ended by a job
    change are the flows, less at most the workers who left that status that month."""
    flows = run.flows.to_pandas()
    flows = flows[flows.flow == "job_change"].assign(month=lambda f: pd.to_datetime(f.month).dt.strftime("%Y-%m"))
    drawn = flows.groupby(["month", "status_from"]).persons.sum() * run.scale
    changed = spells[spells.end_reason == "job_change"].groupby(["end", "status"]).size()
    left = spells[spells.end_reason.isin(["return", "abscond", "overstay"])].groupby(["end", "status"]).size()
    changed.index.names = left.index.names = drawn.index.names
    frame = pd.DataFrame({"drawn": drawn, "changed": changed, "left": left}).fillna(0)
    assert (frame.changed <= frame.drawn).all()
    assert (frame.drawn - frame.changed <= frame.left).all()
    assert frame.changed.sum() > 0.9 * frame.drawn.sum()


def test_stocks_are_the_spells_open_at_each_month_end(run, spells):
    stocks = run.stocks.to_pandas()
    stocks = stocks[stocks.status != "home"].assign(month=lambda s: pd.to_datetime(s.month).dt.strftime("%Y-%m"))
    for month in sorted(stocks.month.unique())[::13]:
        held = spells[(spells.start <= month) & (spells.end.isna() | (spells.end > month))]
        got = held.groupby(["status", "sector"]).size().astype(float)
        expected = stocks[stocks.month == month].groupby(["status", "sector"]).persons.sum() * run.scale
        expected = expected[expected > 0]
        pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False,
                                       check_index_type=False, obj=month)


def test_visits_count_the_stays_in_the_host(spells):
    first = spells.groupby("person_id").head(1)
    assert (first.visit == 1).all()
    came_back = spells.shift(-1)[spells.end_reason == "reentry"]
    before = spells[spells.end_reason == "reentry"]
    assert len(came_back) > 0
    assert (came_back.visit.to_numpy() == before.visit.to_numpy() + 1).all()
    assert (before.status == "returned").all()
    # a spell at origin carries the visit of the stay it follows
    home = spells.status == "returned"
    assert (spells.visit[home].to_numpy() == spells.shift(1).visit[home].to_numpy()).all()


def test_the_initial_population_starts_at_the_horizon_start(run, spells):
    first = spells.groupby("person_id").head(1)
    initial = first[first.person_id < first.person_id.min() + 100]
    assert (initial.start == "2025-01").all()
    assert np.isin(first.start.unique(), [f"{y}-{m:02d}" for y in range(2025, 2033) for m in range(1, 13)]).all()
