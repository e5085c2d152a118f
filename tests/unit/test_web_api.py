"""The dashboard's HTTP API (FastAPI TestClient): the page and its assets, scenarios and
levers, uploads, jobs, views and downloads, and hostile input of every kind, after which
the server still answers."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from coexist import api
from coexist.scenario import load_scenario, scenario_hash
from coexist.testing import TINY_OVERRIDES
from coexist.web import DASHBOARD_FOLDER, Limits, create_app

TINY_END = 'horizon.end="2025-12"'


def tiny_toml(base: str, *extra: str) -> bytes:
    """A shipped scenario made tiny (TINY_OVERRIDES, one year), as an uploadable file."""
    return api.scenario_toml(base, overrides=[*TINY_OVERRIDES, TINY_END, *extra]).encode()


def _gated(gate: threading.Event):
    def simulate(scenario, seed, scale, progress, end_state=False):
        gate.wait(30)
        return api.ENGINE.simulate(scenario, seed, scale, progress, end_state)
    return simulate


@pytest.fixture(scope="module")
def gate():
    event = threading.Event()
    event.set()
    return event


@pytest.fixture(scope="module")
def served(tmp_path_factory, gate):
    store = tmp_path_factory.mktemp("store")
    engine = api.Engine(simulate=_gated(gate), describe=api.ENGINE.describe, check_scale=api.ENGINE.check_scale)
    app = create_app(store, limits=Limits(max_scale=1.0, max_replicates=3, max_waiting=2, max_upload_bytes=64 * 1024,
                                          max_months=48), engine=engine)
    with TestClient(app) as client:
        yield client, app, store


@pytest.fixture(scope="module")
def uploaded(served):
    client, _, _ = served
    refs = {}
    for base in ("japan-temporary", "japan-circular"):
        answer = client.post("/api/uploads", files={"file": (f"{base}.toml", tiny_toml(base))})
        assert answer.status_code == 200, answer.text
        refs[base] = answer.json()["ref"]
    return refs


@pytest.fixture(scope="module")
def finished(served, uploaded):
    """A run with a changed lever and a comparison, both done."""
    client, app, _ = served
    run = client.post("/api/jobs", json={"kind": "run", "scenarios": [uploaded["japan-circular"]], "scale": 1.0,
                                         "seed": 3, "levers": {"programme.recognition_coverage": 0.3}}).json()
    compare = client.post("/api/jobs", json={"kind": "compare", "scale": 1.0, "replicates": 2, "seed": 1,
                                             "scenarios": [uploaded["japan-temporary"], uploaded["japan-circular"]],
                                             "levers": {"programme.recognition_coverage": 0.4}})
    assert compare.status_code == 200, compare.text
    results = []
    for job in (run["id"], compare.json()["id"]):
        status = app.state.jobs.wait(job, timeout=300)
        assert status["state"] == "done", status
        results.append(client.get(f"/api/jobs/{job}").json()["result"])
    return results


def test_the_page_and_its_assets_are_served_locally(served):
    client, _, _ = served
    page = client.get("/")
    assert page.status_code == 200 and "<title>coexist dashboard</title>" in page.text
    assert 'src="/static/plotly.min.js"' in page.text and "http" not in page.text.replace("http-equiv", "")
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000 and b"plotly.js" in plotly.content[:2000]
    assert client.get("/static/dashboard.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/dashboard.css").status_code == 200
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/levers.toml").status_code == 404


def test_scenarios_and_their_lever_forms(served, uploaded):
    client, _, _ = served
    listed = {s["ref"]: s for s in client.get("/api/scenarios").json()}
    assert {"japan-temporary", "japan-circular", "japan-circular-unconnected"} <= set(listed)
    assert listed[uploaded["japan-circular"]]["uploaded"] and listed[uploaded["japan-circular"]]["name"] == \
        "japan-circular"
    form = client.get("/api/levers", params={"scenario": "japan-circular"}).json()
    assert form["start"] == "2025-01" and form["end"] == "2050-12"
    matching = next(lever for lever in form["levers"] if lever["path"] == "programme.recognition_coverage")
    assert matching["value"] == 0.6 and matching["allowed"] == "a number in [0.0, 1.0]"
    assert client.get("/api/levers", params={"scenario": uploaded["japan-circular"]}).json()["end"] == "2025-12"


def test_a_run_and_a_comparison_go_through_the_queue_into_the_store(served, finished):
    client, _, store = served
    run_id, compare_id = finished
    assert run_id.startswith(f"{DASHBOARD_FOLDER}/run-") and compare_id.startswith(f"{DASHBOARD_FOLDER}/compare-")
    assert "recognition_coverage = 0.3" in (store / run_id / "scenario.toml").read_text()
    listing = client.get("/api/runs").json()
    assert run_id in {r["id"] for r in listing["runs"]}
    assert [c["id"] for c in listing["compares"]] == [compare_id]
    view = client.get("/api/view", params={"run": run_id}).json()
    keys = [m["key"] for m in view["metrics"]]
    assert {"index.host", "index.migrants", "index.origin", "index.balance", "host.fill_rate"} <= set(keys)
    assert set(view["figures"]["stocks"]) == {"status", "origin", "sector"}
    assert {"fill_rate", "irregular", "returnee_employment"} <= set(view["figures"])
    assert view["figures"]["fill_rate"]["data"][0]["type"] == "scatter"


def test_in_a_comparison_the_levers_change_the_first_scenario_only(served, finished):
    client, _, store = served
    label = client.get("/api/jobs").json()[0]["label"]
    assert label.startswith("compare japan-temporary with 1 lever changed, japan-circular (2 replicates")
    first = (store / finished[1] / "japan-temporary" / "scenario.toml").read_text()
    second = (store / finished[1] / "japan-circular" / "scenario.toml").read_text()
    assert "recognition_coverage = 0.4" in first and "recognition_coverage = 0.6" in second


@pytest.mark.parametrize("name", ["japan-circular", "japan-temporary"])
def test_a_scenario_resolved_to_a_file_is_the_scenario_with_its_overrides(tmp_path, name):
    overrides = ["programme.recognition_coverage=0.4",
                 'statuses.ssw1.job_change={"2025-01" = "never", "2030-01" = "free"}']
    direct = load_scenario(name, overrides=overrides)
    path = tmp_path / "derived.toml"
    path.write_text(api.ENGINE.describe(direct)[0])
    assert scenario_hash(load_scenario(str(path))) == scenario_hash(direct)


def test_the_comparison_view_has_intervals_scores_and_claims(served, finished):
    client, _, _ = served
    view = client.get("/api/compare", params={"id": finished[1]}).json()
    assert view["scenarios"] == ["japan-temporary", "japan-circular"] and view["replicates"] == 2
    balance = next(m for m in view["metrics"] if m["key"] == "index.balance")
    assert all(cell["p05"] <= cell["median"] <= cell["p95"] and "[" in cell["text"] for cell in balance["cells"])
    assert view["claims"] and {c["verdict"] for c in view["claims"]} <= {"supported", "contradicted", "not shown"}
    assert view["figures"]["scores"]["data"] and set(view["figures"]["bands"]) >= {"fill_rate", "irregular"}
    side = client.get("/api/view", params=[("run", r["id"]) for r in view["runs"]]).json()
    assert [r["label"] for r in side["runs"]] == ["japan-temporary", "japan-circular"]
    assert all(len(m["values"]) == 2 for m in side["metrics"])


def test_tables_and_reports_download(served, finished):
    client, _, _ = served
    run_id, compare_id = finished
    parquet = client.get("/api/table", params={"run": run_id, "table": "stocks", "format": "parquet"})
    assert parquet.status_code == 200 and "attachment" in parquet.headers["content-disposition"]
    assert pq.read_table(io.BytesIO(parquet.content)).column_names == ["month", "status", "origin", "sector",
                                                                       "persons"]
    csv = client.get("/api/table", params={"run": run_id, "table": "flows", "format": "csv"})
    assert csv.text.splitlines()[0] == '"month","flow","status_from","status_to","origin","sector","persons"'
    for params in ({"run": run_id}, {"compare": compare_id}):
        report = client.get("/api/report", params=params)
        assert report.status_code == 200 and report.text.startswith("<!DOCTYPE html>")


# -- hostile input ----------------------------------------------------------------------------
def _refused(answer, status: int, words: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text)
    message = answer.json()["error"]
    assert words in message, message
    assert len(message) <= 610 and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 2}, 400, "'scale' must be a number in (0, 1]"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": "0.1"}, 400, "'scale' must be a number in (0, 1]"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 1e308}, 400, "'scale' must be a number"),
    ({"kind": "run", "scenarios": ["japan-circular"]}, 400, "'scale' must be a number in (0, 1], e.g. 0.01. Got none"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "seed": -1}, 400, "'seed' must be a whole"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "seed": 10**30}, 400, "'seed' must be a whole"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "seed": True}, 400, "'seed' must be a whole"),
    ({"kind": "compare", "scenarios": ["japan-circular", "japan-temporary"], "scale": 0.01, "replicates": 10**9},
     400, "'replicates' must be at most 3 on this server"),
    ({"kind": "compare", "scenarios": ["japan-circular", "japan-temporary"], "scale": 0.01, "replicates": 0},
     400, "'replicates' must be a whole number >= 1"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01}, 400, "'end' must span at most 48 months"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "start": "2025-01", "end": "1999-01"}, 400,
     "'horizon.end' must not be before horizon.start"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "end": "../../x"}, 400, "'end' must be a month"),
    ({"kind": "shell", "scenarios": ["japan-circular"], "scale": 0.01}, 400, "'kind' must be 'run' or 'compare'"),
    ({"kind": "run", "scenarios": "japan-circular", "scale": 0.01}, 400, "'scenarios' must be one scenario"),
    ({"kind": "run", "scenarios": ["japan-circular", "japan-temporary"], "scale": 0.01}, 400, "must be one scenario"),
    ({"kind": "compare", "scenarios": ["japan-circular"] * 50, "scale": 0.01}, 400, "at most 4 scenarios"),
    ({"kind": "run", "scenarios": ["../../../etc/passwd"], "scale": 0.01}, 400,
     "'scenario' must be a shipped scenario or an uploaded one"),
    ({"kind": "run", "scenarios": ["/etc/passwd"], "scale": 0.01}, 400, "must be a shipped scenario"),
    ({"kind": "run", "scenarios": [{"$ne": 1}], "scale": 0.01}, 400, "must be a shipped scenario"),
    ({"kind": "run", "scenarios": ["upload-" + "0" * 32], "scale": 0.01}, 400, "must be a shipped scenario"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "levers": {"population.scale": 1}}, 400,
     "'levers' must name a lever of the form"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "end": "2026-12",
      "levers": {"programme.recognition_coverage": 1.5}}, 400,
     "'programme.recognition_coverage' must be in [0.0, 1.0]. Got 1.5"),
    (b'{"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "end": "2026-12", '
     b'"levers": {"programme.recognition_coverage": 1e999}}', 400, "must be a number, true/false"),
    (b'{"kind": "run", "scenarios": ["japan-circular"], "scale": NaN}', 400, "'scale' must be a number in (0, 1]"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "end": "2026-12",
      "levers": {"statuses.ssw1.max_stay_months": 10**400}}, 400, "'statuses.ssw1.max_stay_months' must be"),
    ({"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01, "end": "2026-12",
      "levers": {"statuses.nosuch.max_stay_months": 3}}, 400, "statuses.nosuch"),
    ([1, 2, 3], 400, "'body' must be a JSON object"),
])
def test_bad_job_requests_get_one_clear_message(served, body, status, words):
    client, _, _ = served
    sent = {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, bytes) else \
        {"json": body}
    _refused(client.post("/api/jobs", **sent), status, words)


@pytest.mark.parametrize("raw", [b"{not json", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe\x00binary",
                                 b'{"seed": ' + b"9" * 5000 + b"}"])
def test_bodies_that_are_not_json_are_refused(served, raw):
    client, _, _ = served
    answer = client.post("/api/jobs", content=raw, headers={"content-type": "application/json"})
    assert answer.status_code in (400, 413) and answer.json()["error"]


@pytest.mark.parametrize(("name", "data", "words"), [
    ("big.toml", b"# " + b"x" * 70_000, "bytes"),
    ("binary.toml", bytes(range(256)) * 10, "must be a TOML text file (UTF-8). Got binary data"),
    ("broken.toml", b"name = [unclosed", "broken.toml: is not valid TOML"),
    ("../../../etc/evil.toml", b'extends = "../../../etc/passwd"\nname = "x"',
     "'extends' must name a shipped scenario"),
    ("bad.toml", b'extends = "japan-circular"\nname = "bad"\n[programme]\nrecognition_coverage = 1.5\n',
     "bad.toml: 'programme.recognition_coverage' must be in [0.0, 1.0]. Got 1.5 instead."),
    ("long.toml", b'extends = "japan-circular"\nname = "' + b"n" * 500 + b'"\n', "'name' must be at most 80"),
])
def test_bad_uploads_get_the_loader_s_clear_errors_and_leave_nothing_behind(served, name, data, words):
    client, _, store = served
    before = sorted(p.name for p in (store / ".uploads").glob("*")) if (store / ".uploads").exists() else []
    answer = client.post("/api/uploads", files={"file": (name, data)})
    assert answer.status_code in (400, 413)
    assert words in answer.json()["error"], answer.json()
    after = sorted(p.name for p in (store / ".uploads").glob("*")) if (store / ".uploads").exists() else []
    assert after == before
    assert not (store.parent / "etc").exists() and not Path("etc/evil.toml").exists()


def test_an_upload_never_takes_the_name_the_user_gave(served):
    client, _, store = served
    answer = client.post("/api/uploads", files={"file": ("../../outside.toml", tiny_toml("japan-temporary"))})
    assert answer.status_code == 200 and answer.json()["file"] == "../../outside.toml"
    assert (store / ".uploads" / f"{answer.json()['ref']}.toml").is_file()
    assert not (store.parent / "outside.toml").exists()
    assert all(p.name.startswith("upload-") for p in (store / ".uploads").iterdir())


def test_an_upload_without_a_file_is_refused(served):
    client, _, _ = served
    _refused(client.post("/api/uploads", data={"other": "x"}), 400, "'file' must be a scenario file")
    _refused(client.post("/api/uploads", content=b"x" * 200_000, headers={"content-type": "text/plain"}), 413,
             "the request must be at most")


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(served):
    client, _, _ = served

    def endless():
        for _ in range(1000):
            yield b"x" * 1000

    for path, kind in (("/api/jobs", "application/json"), ("/api/uploads", "multipart/form-data; boundary=b")):
        answer = client.post(path, content=endless(), headers={"content-type": kind})
        _refused(answer, 413, "the request must be at most")


def test_uploads_beyond_the_number_kept_are_refused(tmp_path):
    client = TestClient(create_app(tmp_path, limits=Limits(max_uploads=2)))
    answers = [client.post("/api/uploads", files={"file": ("a.toml", tiny_toml("japan-temporary"))})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 400]
    _refused(answers[2], 400, "keeps at most 2 uploaded scenarios")


@pytest.mark.parametrize(("path", "params"), [
    ("/api/view", {"run": "../../../etc"}),
    ("/api/view", {"run": "/etc/passwd"}),
    ("/api/view", {"run": "dashboard/../../outside"}),
    ("/api/compare", {"id": ".."}),
    ("/api/compare", {"id": ".uploads"}),
    ("/api/table", {"run": "../x", "table": "stocks", "format": "csv"}),
    ("/api/report", {"run": "../../etc/passwd"}),
    ("/api/report", {"compare": "/"}),
    ("/api/jobs/..%2F..%2Fetc", {}),
])
def test_ids_that_name_nothing_in_the_store_are_not_found(served, path, params):
    client, _, _ = served
    answer = client.get(path, params=params)
    assert answer.status_code == 404 and answer.json()["error"], answer.text


def test_a_table_that_is_not_one_of_the_run_s_is_not_served(served, finished):
    client, _, _ = served
    for table, fmt in (("../run", "json"), ("run", "json"), ("stocks", "exe"), ("stocks", "parquet/../../x")):
        _refused(client.get("/api/table", params={"run": finished[0], "table": table, "format": fmt}), 404,
                 "must be one of stocks, flows, demand, measures")


def test_missing_and_wrong_query_parameters_are_400(served):
    client, _, _ = served
    _refused(client.get("/api/view"), 400, "'run' must name 1 to 4 runs")
    _refused(client.get("/api/levers"), 400, "'scenario'")
    _refused(client.get("/api/levers", params={"scenario": "../../etc/passwd"}), 400, "must be a shipped scenario")


def test_many_jobs_at_once_queue_then_are_refused_and_can_be_cancelled(served, uploaded, gate):
    client, app, _ = served
    body = {"kind": "run", "scenarios": [uploaded["japan-temporary"]], "scale": 1.0}
    gate.clear()  # the first job holds the only place to run until the gate opens
    try:
        answers = [client.post("/api/jobs", json={**body, "seed": seed}) for seed in range(6)]
        statuses = [a.status_code for a in answers]
        assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
        _refused(answers[3], 429, "at most 2 jobs may wait")
        ids = [a.json()["id"] for a in answers[:3]]
        queued = client.get(f"/api/jobs/{ids[2]}").json()
        assert queued["state"] == "queued" and queued["position"] in (1, 2)
        assert client.post(f"/api/jobs/{ids[2]}/cancel").json()["state"] == "cancelled"
        client.post(f"/api/jobs/{ids[0]}/cancel")
    finally:
        gate.set()
    assert app.state.jobs.wait(ids[0])["state"] == "cancelled"
    assert app.state.jobs.wait(ids[1])["state"] == "done"
    assert client.get("/api/settings").status_code == 200
    _refused(client.post("/api/jobs/nosuchjob/cancel"), 404, "no job has the id")


def test_the_server_still_answers_after_everything(served):
    client, _, _ = served
    assert client.get("/api/settings").json()["limits"]["max_scale"] == 1.0
    assert json.loads(client.get("/api/scenarios").text)
