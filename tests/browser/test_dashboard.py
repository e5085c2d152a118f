"""The dashboard in headless Chromium, driven by Playwright as a user would click through it:
pick and upload scenarios, change levers (and be refused a bad value), run, watch the
progress, queue and cancel, compare, look at every view, browse past runs and download.

Skipped only when no Chromium is installed (CI installs the Debian package ``chromium`` in
``.ci/run``). Runs are tiny (coexist.testing.TINY_OVERRIDES) so the file takes seconds.

With COEXIST_DASHBOARD_SCREENSHOTS=DIR, the screenshots of docs/dashboard.md are written to DIR.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from coexist import api
from coexist.testing import TINY_OVERRIDES, tiny_world
from coexist.web import Limits, create_app

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
SHOTS = os.environ.get("COEXIST_DASHBOARD_SCREENSHOTS")
MONTH_DELAY = 0.04  # seconds added to each simulated month, so a user (and this test) sees a job running


def _slowed(scenario, seed, scale, progress, end_state=False):
    """The engine, with a pause at each month's progress report (comparisons run unslowed)."""
    def slow(done, total):
        time.sleep(MONTH_DELAY)
        progress(done, total)
    return api.ENGINE.simulate(scenario, seed, scale, slow if progress is not None else None, end_state)


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    files = {}
    for base in ("japan-temporary", "japan-circular"):
        files[base] = folder / f"tiny-{base}.toml"
        files[base].write_text(api.scenario_toml(base, overrides=[*TINY_OVERRIDES, 'horizon.end="2026-06"']))
    (folder / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (folder / "bad.toml").write_text(
        'extends = "japan-circular"\nname = "bad"\n[programme]\nrecognition_coverage = 1.5\n')
    return {**files, "binary": folder / "binary.toml", "bad": folder / "bad.toml"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    # Compile (or load) the kernels first: on a fresh clone that takes a minute or more, and
    # these tests time what the page shows, not the compiler.
    api.ENGINE.simulate(tiny_world("japan-circular", ['horizon.end="2025-03"']), 1, 1.0, None)
    engine = api.Engine(simulate=_slowed, describe=api.ENGINE.describe, check_scale=api.ENGINE.check_scale)
    app = create_app(store, limits=Limits(max_scale=1.0, max_replicates=5, max_waiting=3), engine=engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", store
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def page(server):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        tab.errors = []
        tab.on("pageerror", lambda e: tab.errors.append(f"uncaught: {e}"))
        tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        tab.set_default_timeout(60_000)
        tab.goto(server[0])
        tab.wait_for_selector(".lever")
        yield tab
        browser.close()


def _shot(page, name: str, full_page: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full_page)


def _job(page, state: str, index: int = 0):
    """The ``index``-th job in the list (newest first) once it is in ``state``."""
    page.wait_for_selector(f"#jobs li.job:nth-child({index + 1}).{state}")
    return page.locator("#jobs li.job").nth(index)


def test_the_form_is_built_from_the_schema_and_refuses_bad_values(page):
    assert page.locator("#scenario option").count() >= 5
    assert page.locator("#scenario").input_value() == "japan-circular"
    matching = page.locator('.lever[data-path="programme.recognition_coverage"]')
    assert "a number in [0.0, 1.0]" in matching.inner_text() and "share of certified returnees" in matching.inner_text()
    assert matching.locator(".lever-value").input_value() == "0.6"
    openings = page.locator('.lever[data-path="programme.matching_capacity.construction"]')
    assert openings.locator(".lever-value").input_value() == "2000"  # japan-circular's openings, one lever a sector
    caps = page.locator('.lever[data-path="statuses.ssw1.caps.construction"]')
    assert caps.locator(".lever-month").count() >= 1  # a dated value shows its dates
    # japan-circular dates SSW-i's job change from its reform date: one choice per date
    job_change = page.locator('.lever[data-path="statuses.ssw1.job_change"] select').first
    assert job_change.locator("option").all_text_contents() == ["never", "after", "within field", "free", "for cause"]
    _shot(page, "setup")

    matching.locator(".lever-value").fill("1.5")
    assert "must be a number in [0.0, 1.0]. Got 1.5 instead." in matching.locator(".lever-problem").inner_text()
    assert page.locator("#launch").is_disabled()
    assert "Skills recognised at home (Programme) must be a number in [0.0, 1.0]. Got 1.5 instead." in \
        page.locator("#form-problems").inner_text()
    page.locator("#scale").fill("1e308")
    assert "scale must be a number in (0, 1]" in page.locator("#form-problems").inner_text()
    page.locator("#scale").fill("0.01")
    matching.locator(".lever-value").fill("0.3")
    assert page.locator("#launch").is_enabled() and "changed" in matching.get_attribute("class")
    assert page.errors == []


def test_uploads_show_the_loader_s_errors_in_the_page(page, tiny_files):
    for name, words in (("binary", "must be a TOML text file (UTF-8). Got binary data instead"),
                        ("bad", "bad.toml: 'programme.recognition_coverage' must be in [0.0, 1.0]. Got 1.5 instead.")):
        page.set_input_files("#upload-file", str(tiny_files[name]))
        page.click("#upload-button")
        page.wait_for_selector("#upload-error:not([hidden])")
        assert words in page.locator("#upload-error").inner_text()
    _shot(page, "upload-error")
    for base in ("japan-temporary", "japan-circular"):
        page.set_input_files("#upload-file", str(tiny_files[base]))
        page.click("#upload-button")
        page.wait_for_function(f"document.querySelector('#scenario').selectedOptions[0].text.startsWith('{base} (upl')")
        # the scenario is picked before its levers arrive: a lever filled in between would be replaced
        page.wait_for_function("document.querySelector('#levers').dataset.scenario === "
                               "document.querySelector('#scenario').value")
    assert page.locator("#upload-error").is_hidden()
    assert page.locator("#end").input_value() == "2026-06"
    # the browser logs the two refused uploads (status 400), and nothing else
    assert page.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"] * 2
    page.errors.clear()


def test_a_run_shows_its_progress_and_its_results(page, server):
    matching = page.locator('.lever[data-path="programme.recognition_coverage"] .lever-value')
    matching.fill("0.3")
    page.locator("#scale").fill("1")
    page.click("#launch")
    running = _job(page, "running")
    page.wait_for_function("Number(document.querySelector('#jobs li.job .progress').getAttribute('aria-valuenow')) > 0")
    assert " of 18 months" in running.locator(".job-detail").inner_text()
    _shot(page, "progress")
    done = _job(page, "done")
    done.locator("button.view").click()
    page.wait_for_selector("#results .chart .main-svg")
    results = page.locator("#results")
    text = results.inner_text()
    for words in ("Run: japan-circular", "Balanced Coexistence Index", "Host score", "Migrants score",
                  "Origin score", "Demand fill rate", "Irregular population at end", "Returnees employed within 12",
                  "By status", "By origin", "By sector"):
        assert words in text, words
    page.wait_for_function("document.querySelectorAll('#results .chart .main-svg').length >= 9")
    titles = " ".join(results.locator(".gtitle").all_text_contents())
    for words in ("Demand fill rate", "Irregular population", "Returnees employed at home"):
        assert words in titles
    _shot(page, "run-results", full_page=True)
    store = server[1]
    written = next((store / "dashboard").glob("run-*/scenario.toml")).read_text()
    assert "recognition_coverage = 0.3" in written
    assert page.errors == []


def test_jobs_queue_and_can_be_cancelled_then_a_comparison_shows_intervals_and_claims(page, server):
    page.click("#tabbutton-setup")
    page.locator("#end").fill("2032-12")  # a longer run that is still running when the next job comes
    page.click("#launch")
    _job(page, "running")
    page.locator("#end").fill("2026-06")
    page.check("input[name=kind][value=compare]")
    assert page.locator("#launch").inner_text() == "Compare"
    page.locator("#compare-choices input[value='japan-temporary']").uncheck()  # ticked by default: the shipped one
    page.locator("#compare-choices label", has_text="japan-temporary (uploaded)").locator("input").check()
    page.locator("#replicates").fill("3")
    page.locator('.lever[data-path="programme.recognition_coverage"] .lever-value').fill("0.4")
    page.click("#launch")
    queued = _job(page, "queued", 0)
    assert "number 1 in the queue" in queued.inner_text()
    _shot(page, "queue")
    page.locator("#jobs li.job.running button.cancel").click()
    _job(page, "cancelled", 1)
    compare = _job(page, "done", 0)
    assert "compare japan-circular with 1 lever changed, japan-temporary (3 replicates" in compare.inner_text()
    compare.locator("button.view").click()
    page.wait_for_selector("#results .claims, #results ul.claims, #results p")
    page.wait_for_function("document.querySelectorAll('#results .chart .main-svg').length >= 8")
    text = page.locator("#results").inner_text()
    assert "Comparison: japan-circular vs japan-temporary" in text and "over 3 replicates" in text
    verdicts = page.locator("#results .verdict").all_inner_texts()
    assert verdicts and set(verdicts) <= {"supported", "contradicted", "not shown"}
    balance = page.locator("#results tr.index-row", has_text="Balanced Coexistence Index").inner_text()
    assert balance.count("[") == 2 and " to " in balance  # median [5th to 95th] for each scenario
    titles = " ".join(page.locator("#results .gtitle").all_text_contents())
    assert "Actor scores and index (median, 90% interval)" in titles and "(median, 90% band)" in titles
    _shot(page, "compare-results", full_page=True)
    compared = next((server[1] / "dashboard").glob("compare-*"))
    assert "recognition_coverage = 0.4" in (compared / "japan-circular" / "scenario.toml").read_text()
    assert "recognition_coverage = 0.0" in (compared / "japan-temporary" / "scenario.toml").read_text()
    assert page.errors == []


def _past_runs(page) -> None:
    page.click("#tabbutton-runs")
    page.wait_for_selector("#runs-table:not([data-loading]) tr[data-run]")


def test_past_runs_are_listed_compared_side_by_side_and_downloaded(page, tmp_path):
    _past_runs(page)
    assert page.locator("#compares-table tbody tr").count() == 1
    rows = page.locator("#runs-table tbody tr[data-run]")
    assert rows.count() == 3  # the run and the comparison's two replicate-0 runs; the cancelled run wrote nothing
    _shot(page, "past-runs", full_page=True)
    compare_rows = page.locator("#runs-table tbody tr[data-run*='compare-']")
    for i in range(2):
        compare_rows.nth(i).locator("input.pick").check()
    page.click("#compare-selected")
    page.wait_for_selector("#results h2:has-text('Runs side by side')")
    header = page.locator("#results table.metrics thead").inner_text()
    assert "japan-circular" in header and "japan-temporary" in header
    assert page.locator("#results .downloads-box b").all_inner_texts() == ["japan-circular: ", "japan-temporary: "]
    page.wait_for_function("document.querySelectorAll('#results .chart .main-svg').length >= 12")
    _shot(page, "side-by-side", full_page=True)

    _past_runs(page)
    first = page.locator("#runs-table tbody tr[data-run]").first
    first.locator("details.run-downloads summary").click()
    for name, check in (("stocks.parquet", lambda p: pq.read_table(p).num_rows > 0),
                        ("flows.csv", lambda p: p.read_text().startswith('"month","flow"')),
                        ("report.html", lambda p: "<!DOCTYPE html>" in p.read_text()[:100])):
        with page.expect_download() as download:
            first.locator("a.download", has_text=name).click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.endswith(name.replace("report.html", "report.html")) and check(saved), name
    _past_runs(page)
    with page.expect_download() as download:
        page.locator("#compares-table a", has_text="report").click()
    assert download.value.suggested_filename.endswith("-report.html")
    assert page.errors == []


def test_a_request_the_server_refuses_shows_its_message(page):
    page.click("#tabbutton-setup")
    page.check("input[name=kind][value=run]")
    page.select_option("#scenario", "japan-circular")
    page.wait_for_function("document.querySelector('#end').value === '2050-12'")
    page.locator("#scale").fill("0.01")
    page.locator("#end").fill("2051-12")  # the page checks ranges; the horizon limit is the server's
    page.click("#launch")
    page.wait_for_selector("#alert:not([hidden])")
    assert "'end' must span at most 312 months on this server. Got 324" in page.locator("#alert").inner_text()


def _ask_pathways(page) -> None:
    page.click("#pw-ask")
    page.wait_for_function("document.querySelector('#pw-ask').disabled === false")


def test_a_pathway_shows_every_option_with_its_rule_and_the_likely_paths_under_two_regimes(page):
    page.errors.clear()  # the refusal shown by the test before is logged by the browser too
    page.click("#tabbutton-pathway")
    assert page.locator("#pw-scenario").input_value() == "japan-circular"
    assert page.locator("#pw-compare").input_value() == "japan-temporary"
    assert page.locator("#pw-statuses tr.pw-stint").count() == 2  # the example: TITP, then SSW-i
    assert page.locator("#pw-statuses .pw-stint-index").all_inner_texts() == ["[0]", "[1]"]
    page.locator("#pw-copies").fill("200")
    page.locator("#pw-horizon").fill("48")
    page.locator("#pw-family").check()
    _ask_pathways(page)
    assert page.locator("#pw-error").is_hidden()
    regimes = page.locator("#pathway-results .pw-regime")
    assert regimes.count() == 2
    assert [regimes.nth(i).get_attribute("data-scenario") for i in range(2)] == ["japan-circular", "japan-temporary"]
    circular = regimes.nth(0)
    options = circular.locator("td.pw-option").all_inner_texts()
    for option in ("renew", "change employer", "move to ssw2", "family", "leave now and come back",
                   "permanent residence"):
        assert option in options, option
    renew = circular.locator("table.pw-options tr", has_text="renew").first.inner_text()
    assert "statuses.ssw1.renewable" in renew and "OPEN" in renew and "2026-01" in renew
    back = circular.locator("table.pw-options tr", has_text="leave now and come back").inner_text()
    assert "2026-07" in back and "statuses.ssw1.leaving_ends_right" in back
    paths = circular.locator("table.pw-paths tbody tr").all_inner_texts()
    assert paths and all(row.strip().endswith("%") and row.startswith("ssw1") for row in paths)
    assert "2026-01 to 2029-12 (200 copies)" in circular.inner_text()
    page.wait_for_function("document.querySelectorAll('#pathway-results .chart .plot-container').length === 2")
    # the two regimes differ where the law differs: SSW-i's five-year total under japan-temporary
    temporary = regimes.nth(1).locator("table.pw-options tr", has_text="renew").first.inner_text()
    assert temporary != renew
    _shot(page, "pathway", full_page=True)
    assert page.errors == []


def test_an_overlapping_history_shows_the_api_s_error_and_the_page_carries_on(page):
    page.click("#tabbutton-pathway")
    second = page.locator("#pw-statuses tr.pw-stint").nth(1)
    second.locator(".pw-stint-from").fill("2025-02")
    _ask_pathways(page)
    error = page.locator("#pw-error")
    assert error.is_visible()
    assert ("'history.statuses[1].from' must start after statuses[0] (titp) ends (2025-03): a person holds one "
            "status at a time. Got '2025-02' instead.") in error.inner_text()
    assert "invalid" in second.locator(".pw-stint-from").get_attribute("class")
    _shot(page, "pathway-error")
    page.locator("#pw-add-status").click()
    page.locator("#pw-statuses tr.pw-stint").nth(2).locator(".pw-stint-status").fill("wizard")
    page.locator("#pw-statuses tr.pw-stint").nth(2).locator(".pw-stint-from").fill("2025-09")
    second.locator(".pw-stint-from").fill("2025-04")
    second.locator(".pw-stint-to").fill("2025-08")
    _ask_pathways(page)
    assert "'history.statuses[2].status' must be one of titp, " in error.inner_text()
    page.locator("#pw-statuses tr.pw-stint").nth(2).locator("button").click()
    second.locator(".pw-stint-to").fill("")
    page.locator("#pw-compare").select_option("")
    page.locator("#pw-copies").fill("50")
    page.locator("#pw-horizon").fill("12")
    _ask_pathways(page)
    assert error.is_hidden() and page.locator("#pathway-results .pw-regime").count() == 1
    assert page.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"] * 2
    page.errors.clear()
