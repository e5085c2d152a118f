"""The dashboard's pathway endpoints (FastAPI TestClient): the form's choices, one person's
pathways under one and two regimes as a job, every kind of impossible history refused with the
API's message (400), hostile sizes and types refused, and the server answering after each."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from coexist import api
from coexist.web import Limits, create_app

HISTORY = {"origin": "VNM", "sector": "construction", "certified": "ssw1", "language": "N4",
           "statuses": [{"status": "titp", "from": "2022-04", "to": "2025-03"}, {"status": "ssw1", "from": "2025-04"}]}
SMALL = {"copies": 40, "horizon_months": 24, "seed": 2}


def _with_stints(*stints: dict, **fields) -> dict:
    return {**HISTORY, "statuses": list(stints), **fields}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    app = create_app(store, limits=Limits(max_copies=500, max_months=60, max_waiting=2), engine=api.Engine())
    with TestClient(app) as client:
        yield client, app


def _ask(client, **body):
    return client.post("/api/pathways", json={"scenario": "japan-circular", "month": "2026-01", "history": HISTORY,
                                              **SMALL, **body})


def _still_up(client) -> None:
    assert client.get("/api/settings").status_code == 200


def test_the_form_offers_the_scenarios_statuses_and_the_servers_bounds(served):
    client, _ = served
    form = client.get("/api/pathway-form", params={"scenario": "japan-temporary"}).json()
    assert {"titp", "ssw1", "ssw2", "irregular"} <= set(form["statuses"])
    assert {"code": "VNM", "name": "Vietnam"} in form["origins"]
    assert "construction" in form["sectors"] and form["certified"] == ["none", "ssw1", "ssw2"]
    assert form["languages"][:2] == [0, "N5"] and form["first_month"] <= "2017-01"
    assert form["copies"] == 500 and form["horizon_months"] == 60  # the defaults clipped at this server's limits
    assert client.get("/api/pathway-form", params={"scenario": "../../etc/passwd"}).status_code == 400


def test_a_history_gets_options_with_rules_and_likely_paths_under_two_regimes(served):
    client, app = served
    answer = _ask(client, compare_with="japan-temporary")
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert job["kind"] == "pathways" and "japan-circular vs japan-temporary" in job["label"]
    assert app.state.jobs.wait(job["id"], timeout=120)["state"] == "done"
    result = client.get(f"/api/jobs/{job['id']}").json()["result"]
    assert result["history"]["statuses"][1] == {"status": "ssw1", "from": "2025-04", "to": None}
    circular, temporary = result["regimes"]
    assert (circular["scenario"], temporary["scenario"]) == ("japan-circular", "japan-temporary")
    for regime in (circular, temporary):
        assert regime["horizon"] == ["2026-01", "2027-12"] and regime["likely"]["copies"] == 40
        options = {o["option"] for o in regime["options"]}
        assert {"renew", "change employer", "family", "permanent residence"} <= options
        assert all("rule" in o and "earliest" in o and "why" in o for o in regime["options"])
        assert sum(p["probability"] for p in regime["likely"]["likely_paths"]) <= 1.0 + 1e-9
    # SSW-i under the circular regime comes back after a cooldown; the rule that says so is named
    back = next(o for o in circular["options"] if o["option"] == "leave now and come back")
    assert back["rule"].startswith("statuses.ssw1.") and back["earliest"] == "2026-07"


@pytest.mark.parametrize(("stints", "fields", "where", "words"), [
    ([{"status": "titp", "from": "2022-04", "to": "2025-03"}, {"status": "ssw1", "from": "2025-02"}], {},
     "history.statuses[1].from", "one status at a time"),
    ([{"status": "ssw1", "from": "2026-05"}], {}, "history.statuses[0].from", "cannot hold the future"),
    ([{"status": "titp", "from": "2023-04", "to": "2022-03"}, {"status": "ssw1", "from": "2023-05"}], {},
     "history.statuses[0].to", "negative time"),
    ([{"status": "wizard", "from": "2023-04"}], {}, "history.statuses[0].status", "must be one of"),
    ([{"status": "titp", "from": "1990-04", "to": "1993-03"}], {}, "history.statuses[0].from", "before"),
    ([{"status": "ssw1", "from": "2025-04"}], {"language": 9}, "history.language", "0 to 3"),
])
def test_an_impossible_history_is_refused_with_the_apis_message(served, stints, fields, where, words):
    client, app = served
    waiting = len(app.state.jobs.jobs())
    answer = _ask(client, history=_with_stints(*stints, **fields))
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["field"] == where and words in body["error"] and f"'{where}'" in body["error"]
    assert len(app.state.jobs.jobs()) == waiting  # nothing was queued
    _still_up(client)


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"copies": 10**9}, "copies", "1 to 500"),
    ({"copies": "many"}, "copies", "whole number"),
    ({"copies": True}, "copies", "whole number"),
    ({"horizon_months": 61}, "horizon_months", "1 to 60"),
    ({"horizon_months": -3}, "horizon_months", "1 to 60"),
    ({"seed": -1}, "seed", ""),
    ({"month": "2026-1"}, "month", "YYYY-MM"),
    ({"month": "1999-01"}, "month", ""),
    ({"history": "/etc/passwd"}, "history", "table of the person's history"),
    ({"history": [1, 2]}, "history", "table"),
    ({"scenario": "../japan-circular"}, "scenario", "shipped scenario or an uploaded one"),
    ({"compare_with": {"x": 1}}, "scenario", "shipped scenario or an uploaded one"),
    ({"cost": 1}, "body", "unknown field"),
    ({"history": {**HISTORY, "origin": "Atlantis"}}, "history.origin", "VNM"),
    ({"history": {**HISTORY, "age_years": 10**20}}, "history.age_years", "15 to 100"),
])
def test_hostile_sizes_and_types_are_refused_and_the_server_stays_up(served, body, field, words):
    client, _ = served
    answer = _ask(client, **body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field and words in answer.json()["error"]
    _still_up(client)


def test_bodies_that_are_not_a_question_are_refused(served):
    client, _ = served
    assert client.post("/api/pathways", content=b"\xff\xfe not json").json()["field"] == "body"
    assert client.post("/api/pathways", json=[1, 2, 3]).status_code == 400
    huge = {"scenario": "japan-circular", "history": {**HISTORY, "statuses": [{"status": "titp", "from": "2022-04"}]
                                                      * 3000}}
    answer = client.post("/api/pathways", json=huge)
    assert answer.status_code == 400 and "bytes of JSON" in answer.json()["error"]
    _still_up(client)


def test_a_question_without_copies_or_months_gets_the_defaults_within_the_servers_limits(served):
    client, app = served
    answer = client.post("/api/pathways", json={"scenario": "japan-temporary", "month": "2026-01", "history": HISTORY})
    assert answer.status_code == 200, answer.text
    assert "(500 copies, 60 months, seed 0)" in answer.json()["label"]  # 1,000 and 120 months, clipped here
    assert app.state.jobs.wait(answer.json()["id"], timeout=120)["state"] == "done"
