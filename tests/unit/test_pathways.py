"""Pathways of one person's history: the history's checks, the options with their rules and
earliest months, and the likely paths through the engine's passes."""

import json

import numpy as np
import pytest

from coexist import api
from coexist.engine.simulate import COMPILED_PASSES
from coexist.errors import ScenarioError
from coexist.explain import history_for, pathways
from coexist.explain.answer import regime_over
from coexist.explain.cohort import simulate_copies
from coexist.explain.history import first_data_month
from coexist.periods import parse_month
from coexist.scenario import load_scenario

WORKER = {
    "as_of": "2026-01",
    "origin": "Vietnam",
    "sector": "construction",
    "language": "N4",
    "statuses": [{"status": "titp", "from": "2022-04", "to": "2025-03"}, {"status": "ssw1", "from": "2025-04"}],
}


def _history(**changes):
    return {**WORKER, **changes}


def _refused(raw, field, *words, scenario="japan-temporary"):
    with pytest.raises(ScenarioError) as caught:
        history_for(load_scenario(scenario), raw, None)
    assert caught.value.field == field
    for word in words:
        assert word in str(caught.value)
    return str(caught.value)


def test_overlapping_statuses_are_refused():
    raw = _history(statuses=[{"status": "titp", "from": "2022-04", "to": "2025-06"},
                             {"status": "ssw1", "from": "2025-04"}])
    _refused(raw, "history.statuses[1].from", "must start after statuses[0] (titp) ends (2025-06)", "'2025-04'")


def test_a_status_with_no_end_before_another_is_refused():
    raw = _history(statuses=[{"status": "titp", "from": "2022-04"}, {"status": "ssw1", "from": "2025-04"}])
    _refused(raw, "history.statuses[1]", "has no end")


def test_future_dates_are_refused():
    raw = _history(statuses=[{"status": "ssw1", "from": "2026-03"}])
    _refused(raw, "history.statuses[0].from", "must not be after the month asked about (2026-01)", "'2026-03'")
    raw = _history(statuses=[{"status": "titp", "from": "2024-01", "to": "2027-01"}])
    _refused(raw, "history.statuses[0].to", "cannot hold the future")


def test_negative_durations_are_refused():
    raw = _history(statuses=[{"status": "titp", "from": "2024-01", "to": "2023-01"}])
    _refused(raw, "history.statuses[0].to", "negative time", "Got '2023-01' instead")


def test_unknown_statuses_are_refused():
    raw = _history(statuses=[{"status": "astronaut", "from": "2024-01"}])
    _refused(raw, "history.statuses[0].status", "must be one of titp, esd, ssw1", "Got 'astronaut' instead")


def test_dates_before_the_data_are_refused():
    floor = first_data_month()
    assert parse_month(floor) <= parse_month("2017-01")
    raw = _history(statuses=[{"status": "titp", "from": "1999-01", "to": "2001-12"}])
    _refused(raw, "history.statuses[0].from", f"must not be before {floor}", "'1999-01'")


def test_the_month_asked_about_must_lie_in_the_scenario():
    _refused(_history(as_of="1999-01"), "month", "must be a month from 2025-01")
    _refused(_history(as_of="2026-13"), "month", "MM in 01..12")


@pytest.mark.parametrize(("changes", "field"), [
    ({"origin": "Atlantis"}, "history.origin"),
    ({"sector": "mining"}, "history.sector"),
    ({"language": "N9"}, "history.language"),
    ({"certified": "expert"}, "history.certified"),
    ({"skill": 2}, "history.skill"),
    ({"family_in_host": "yes"}, "history.family_in_host"),
    ({"age_years": 9}, "history.age_years"),
    ({"age_years": 10**20}, "history.age_years"),
    ({"months_abroad_before": 10**6}, "history.months_abroad_before"),
    ({"debt_jpy": float("inf")}, "history.debt_jpy"),
    ({"as_of": 202601}, "month"),
    ({"removal": {"month": "2025-01"}}, "history.removal.month"),
    ({"statuses": []}, "history.statuses"),
    ({"wings": 2}, "history"),
])
def test_other_impossible_fields_name_themselves(changes, field):
    _refused(_history(**changes), field, "Got" if field != "history" else "unknown field")


def test_field_names_of_any_type_are_refused_cleanly():
    _refused({**WORKER, 1: 2, "wings": 3}, "history", "unknown field(s) ['1', 'wings']")


def test_the_person_read_from_a_history():
    person = history_for(load_scenario("japan-temporary"), WORKER, None).person
    assert person["status"] == "ssw1" and person["months_in_status"] == 9 and person["status_total"] == 9
    assert person["months_abroad"] == 45 and person["months_in_stay"] == 45  # no month at home between them
    assert person["language"] == 2 and person["cert"] == 0  # SSW-i reached from TITP needs no test


def test_every_stay_in_a_status_counts_toward_its_limit():
    raw = _history(statuses=[{"status": "ssw1", "from": "2020-01", "to": "2022-12"},
                             {"status": "ssw1", "from": "2024-01"}])
    person = history_for(load_scenario("japan-temporary"), raw, None).person
    assert person["status_total"] == 36 + 24 and person["months_in_status"] == 24
    assert person["months_in_stay"] == 24 and person["months_abroad"] == 60


def test_a_removed_person_is_at_home_with_a_ban():
    raw = _history(statuses=[{"status": "ssw1", "from": "2021-01", "to": "2023-06"},
                             {"status": "irregular", "from": "2023-07", "to": "2024-04"}],
                   removal={"month": "2024-05"})
    person = history_for(load_scenario("japan-temporary"), raw, None).person
    assert person["status"] == "returned" and person["previous_status"] == "ssw1" and person["forfeited"]
    assert person["months_home"] == 20 and person["banned_until"] == "2029-05"  # the 60-month ban of the regime


def test_options_name_their_rule_and_earliest_month():
    scenario = load_scenario("japan-circular")
    result = pathways(scenario, history_for(scenario, WORKER, None), copies=50, horizon_months=24)
    options = {o["option"]: o for o in result["options"]}
    job = options["change employer"]
    assert job["rule"] == "statuses.ssw1.job_change" and job["value"] == "after" and job["earliest"] == "2026-04"
    upgrade = options["move to ssw2"]
    assert upgrade["earliest"] == "2027-04" and upgrade["needs"] == ["the ssw2 skill test"] and not upgrade["open_now"]
    assert options["leave now and come back"]["earliest"] == "2026-07"  # the 6-month cooldown
    assert options["permanent residence"]["earliest"] == "2032-04"  # 120 months in the host, from 45
    assert options["family"]["earliest"] == "2027-04"


def test_the_temporary_regime_closes_the_way_back_at_the_end_of_the_stay():
    scenario = load_scenario("japan-temporary")
    result = pathways(scenario, history_for(scenario, WORKER, None), copies=50, horizon_months=24)
    options = {o["option"]: o for o in result["options"]}
    assert options["come back after the stay ends"]["earliest"] is None
    assert "lifetime limit" in options["come back after the stay ends"]["why"]


def test_a_returnee_sees_the_dated_return_path():
    raw = _history(as_of="2026-01", statuses=[{"status": "titp", "from": "2021-01", "to": "2023-12"}])
    scenario = load_scenario("japan-temporary")
    options = pathways(scenario, history_for(scenario, raw, None), copies=50, horizon_months=24)["options"]
    back = options[0]
    assert back["option"] == "come back" and back["to"] == "titp" and back["since"] == "2017-11"
    assert back["rule"] == "statuses.titp.return_paths[0]" and back["value"]["cooldown_months"] == 1
    esd = next(o for o in options if o["option"] == "enter esd afresh")
    assert esd["earliest"] == "2027-04" and esd["value"] is True and esd["since"] == "2027-04"


def test_copies_follow_the_rules_the_engine_reads():
    # an SSW-i worker under the law as it stands with one month left: no copy is in SSW-i after it,
    # and none comes back to it (the lifetime limit is used up)
    scenario = load_scenario("japan-temporary")
    raw = _history(statuses=[{"status": "ssw1", "from": "2021-02"}])
    history = history_for(scenario, raw, None)
    assert history.person["status_total"] == 59
    start = parse_month("2026-01")
    T = regime_over(scenario, start, start + 35)
    copies = simulate_copies(scenario, T, history, copies=300, seed=1)
    ssw1 = T.code("ssw1")
    assert not (copies.status[1:] == ssw1).any()
    assert (copies.status[-1] != ssw1).all()


def test_copies_run_through_the_engine_passes_every_month():
    scenario = load_scenario("japan-circular")
    history = history_for(scenario, WORKER, None)
    start = parse_month("2026-01")
    T = regime_over(scenario, start, start + 11)
    calls = []

    def recorded(name, compiled):
        def run(S, R, E, P, M, out):
            calls.append((name, M.month, M.n))
            return compiled(S, R, E, P, M, out)
        return run

    passes = COMPILED_PASSES._replace(host_month=recorded("host", COMPILED_PASSES.host_month),
                                      home_month=recorded("home", COMPILED_PASSES.home_month))
    watched = simulate_copies(scenario, T, history, copies=64, seed=2, passes=passes)
    assert calls == [(name, start + t, 64) for t in range(12) for name in ("host", "home")]
    plain = simulate_copies(scenario, T, history, copies=64, seed=2)
    assert (watched.status == plain.status).all()


def test_likely_paths_are_reproducible_and_add_up():
    scenario = load_scenario("japan-circular")
    history = history_for(scenario, WORKER, None)
    first = pathways(scenario, history, copies=200, horizon_months=36, seed=3)["likely"]
    again = pathways(scenario, history, copies=200, horizon_months=36, seed=3)["likely"]
    other = pathways(scenario, history, copies=200, horizon_months=36, seed=4)["likely"]
    assert first == again and first != other
    totals = np.sum([shares for shares in first["state_shares"].values()], axis=0)
    assert np.allclose(totals, 1.0, atol=1e-3)
    assert sum(p["probability"] for p in first["likely_paths"]) <= 1.0 + 1e-9
    assert all(0.0 <= e["probability"] <= 1.0 for e in first["events"])


def test_a_lever_changes_the_likely_paths():
    # an irregular worker: with detection certain every month, no copy is still irregular after 6 months
    raw = _history(statuses=[{"status": "ssw1", "from": "2024-01", "to": "2025-06"},
                             {"status": "irregular", "from": "2025-07"}])
    shares = []
    for overrides in ((), ("programme.detection_rate=1.0",)):
        scenario = load_scenario("japan-temporary", overrides=overrides)
        result = pathways(scenario, history_for(scenario, raw, None), copies=100, horizon_months=6)
        shares.append(result["likely"]["at_horizon"].get("irregular", 0.0))
    assert shares[0] > 0.5 and shares[1] == 0.0
    removal = result["options"][0]
    assert removal["rule"] == "programme.removal_ban_months" and removal["value"] == 60
    assert removal["earliest"] == "2031-02" and removal["to"] == "ssw1"


def test_api_pathways_side_by_side_and_json(tmp_path):
    path = tmp_path / "worker.json"
    path.write_text(json.dumps(WORKER))
    result = api.pathways("japan-temporary", path, compare_with="japan-circular", copies=50, horizon_months=12)
    assert [r["scenario"] for r in result["regimes"]] == ["japan-temporary", "japan-circular"]
    assert result["history"]["statuses"][1] == {"status": "ssw1", "from": "2025-04", "to": None}
    json.dumps(result)  # JSON-friendly throughout


@pytest.mark.parametrize(("argument", "value", "words"), [
    ("copies", 0, "from 1"), ("copies", 10**7, "to 100,000"), ("horizon_months", 601, "to 600"),
    ("horizon_months", "12", "whole number"), ("copies", 100_000, "Got 100,000 copies x 600 months instead"),
])
def test_api_pathways_bounds_the_work(argument, value, words):
    with pytest.raises(ScenarioError) as caught:
        api.pathways("japan-temporary", WORKER, **{"horizon_months": 600, argument: value})
    assert caught.value.field == argument and words in str(caught.value)


def test_api_pathways_refuses_a_file_that_is_not_a_history(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("statuses: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML or JSON"):
        api.pathways("japan-temporary", path)
    path.write_text("- just a list\n")
    with pytest.raises(ScenarioError, match="must hold a table"):
        api.pathways("japan-temporary", path)
    with pytest.raises(ScenarioError, match="does not exist"):
        api.pathways("japan-temporary", tmp_path / "missing.yaml")


def test_the_family_option_waits_for_the_months_the_status_asks_for():
    # the worker has held SSW-i since 2025-04: 9 months in it in 2026-01
    scenario = load_scenario("japan-temporary", overrides=(
        "statuses.ssw1.family_allowed=true", "statuses.ssw1.family_after_months=12"))
    result = pathways(scenario, history_for(scenario, WORKER, None), copies=10, horizon_months=12)
    family = {o["option"]: o for o in result["options"]}["family"]
    assert not family["open_now"] and family["earliest"] == "2026-04" and "after 12 months" in family["why"]
