"""Employer recall: held jobs, named re-hires and the worker's answer (engine/recall.py)."""

import numpy as np

from coexist.data import parameters
from coexist.engine import simulate
from coexist.engine.recall import held_jobs, recall_answers
from coexist.engine.state import new_state
from coexist.policy.tables import compile_regime
from coexist.testing import tiny_world
from coexist.testing.summaries import flow_total

RECALL = ("statuses.ssw1.recall_months=12", "statuses.ssw1.reentry_cooldown_months=3",
          "statuses.ssw1.leaving_ends_right=false")
PARAMS = {name: spec.default for name, spec in parameters().items()}


def _returnees(T, n, *, months_home=3, employed_home=0, recognised=0):
    """`n` SSW-i returnees of one employer, home for `months_home` months."""
    S = new_state(n + 8)
    rows = np.arange(n)
    S.pid[rows] = rows
    S.status[rows] = T.returned
    S.prev_status[rows] = T.code("ssw1")
    S.employer[rows] = 5
    S.sector[rows] = 2
    S.months_home[rows] = months_home
    S.employed_home[rows] = employed_home
    S.recognised[rows] = recognised
    S.months_abroad[rows] = 48
    return S


def test_a_held_job_counts_at_its_employer_until_the_recall_window_ends():
    T = compile_regime(tiny_world("japan-temporary", RECALL))
    S = _returnees(T, 10, months_home=11)
    by_employer, by_sector = held_jobs(S, 10, T, 0, 20, 8)
    assert by_employer[5] == 10 and by_sector[2] == 10 and by_employer.sum() == 10
    S.months_home[:10] = 12  # the window is over: the jobs are free again
    assert held_jobs(S, 10, T, 0, 20, 8)[0].sum() == 0
    plain = compile_regime(tiny_world("japan-temporary"))  # no recall in the law as it stands
    assert held_jobs(_returnees(plain, 10), 10, plain, 0, 20, 8)[0].sum() == 0


def test_the_named_worker_answers_with_the_home_prospects_of_every_re_migration_decision():
    T = compile_regime(tiny_world("japan-temporary", RECALL))
    n = 4000
    gain = np.ones(8)
    looking = recall_answers(_returnees(T, n), n, T, 0, 300, 7, PARAMS, gain).size / n
    assert abs(looking - PARAMS["recall_acceptance"]) < 0.03
    employed = recall_answers(_returnees(T, n, employed_home=1), n, T, 0, 300, 7, PARAMS, gain).size / n
    well_paid = recall_answers(_returnees(T, n, employed_home=2), n, T, 0, 300, 7, PARAMS, gain).size / n
    assert well_paid < employed < looking
    weak_pull = recall_answers(_returnees(T, n), n, T, 0, 300, 7, PARAMS, gain * 0.5).size / n
    assert weak_pull < looking * 0.6
    # the offer comes when the cooldown ends, not before or after
    assert recall_answers(_returnees(T, n, months_home=2), n, T, 0, 300, 7, PARAMS, gain).size == 0
    assert recall_answers(_returnees(T, n, months_home=4), n, T, 0, 300, 7, PARAMS, gain).size == 0


def test_recall_brings_workers_back_and_keeps_their_jobs_from_new_recruits():
    base = tiny_world("japan-temporary", RECALL[1:])
    recall = tiny_world("japan-temporary", RECALL)
    plain, recalled = (simulate(sc, seed=s) for sc in (base, recall) for s in (1,))
    assert flow_total(recalled, "reentry") > 1.5 * flow_total(plain, "reentry")
    assert flow_total(recalled, "entry") < flow_total(plain, "entry")


def test_job_changes_can_be_limited_in_number_and_allowed_only_for_cause():
    def changes_and_absconders(overrides):
        result = simulate(tiny_world("japan-temporary", overrides), seed=1)
        return flow_total(result, "job_change", "ssw1"), flow_total(result, "abscond", "ssw1")

    free, free_abscond = changes_and_absconders(['statuses.ssw1.job_change="free"'])
    limited, _ = changes_and_absconders(['statuses.ssw1.job_change="free"', "statuses.ssw1.job_change_limit=1"])
    for_cause, cause_abscond = changes_and_absconders(['statuses.ssw1.job_change="for_cause"'])
    never, never_abscond = changes_and_absconders(['statuses.ssw1.job_change="never"'])
    assert never == 0 < for_cause < limited < free
    # the tie to the employer pushes absconding: for cause lies between free and never
    assert free_abscond < cause_abscond < never_abscond
