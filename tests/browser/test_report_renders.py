"""The comparison and validation reports opened in headless Chromium, as a user would open them.

Skipped only when no Chromium is installed (CI installs the Debian package ``chromium``
in ``.ci/run``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numba
import pyarrow as pa
import pytest

from coexist import api
from coexist.calibration.measures import SIMULATED_SCHEMA
from coexist.report.calibration import render_fit_report
from coexist.store.compare import write_report
from coexist.testing import TINY_OVERRIDES

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

# Injected first into a copy of the page: records uncaught exceptions and console.error calls
# as elements of the DOM, which --dump-dom then shows.
_PROBE = """<script>
(function () {
  function record(text) {
    var el = document.createElement("pre");
    el.className = "__page_error";
    el.textContent = String(text);
    (document.body || document.documentElement).appendChild(el);
  }
  window.addEventListener("error", function (e) { record("uncaught: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) { record("unhandled rejection: " + e.reason); });
  var original = console.error;
  console.error = function () {
    record("console.error: " + Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
})();
</script>"""


def _open(path: Path, tmp: Path) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the errors the page raised or logged."""
    text = path.read_text(encoding="utf-8")
    probed = tmp / ("probed-" + path.name)
    probed.write_text(
        text.replace("<head>", "<head>" + _PROBE, 1) if "<head>" in text else _PROBE + text, encoding="utf-8"
    )
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp / 'profile'}",
            "--window-size=1400,3000",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probed.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    errors = re.findall(r'<pre class="__page_error">(.*?)</pre>', proc.stdout, re.S)
    return proc.stdout, errors


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "cmp"
    c = api.compare(
        ["japan-temporary", "japan-circular"],
        out=out,
        scale=1.0,
        seed=1,
        overrides=[*TINY_OVERRIDES, 'horizon.end="2026-06"'],
        replicates=2,
        workers=1,
    )
    return c.report


def test_every_chart_renders_and_the_console_is_clean(report, tmp_path):
    html = report.read_text(encoding="utf-8")
    charts = html.count('class="plotly-graph-div"')
    assert charts >= 15
    dom, errors = _open(report, tmp_path)
    assert errors == []
    # plotly drew each chart: one main SVG per chart (plus legends and axes as SVG text)
    assert dom.count('class="main-svg"') >= charts
    assert dom.count('class="xtick"') > 0 and dom.count('class="legendtext"') > 0
    # the tables an analyst reads first are in the rendered page
    for fragment in (
        "Headline verdicts",
        "Balanced Coexistence Index",
        "parameter uncertainty",
        "How the verdicts move with the index",
    ):
        assert fragment in dom


def test_the_new_sections_render_with_their_charts_and_csv_links(report, tmp_path):
    dom, errors = _open(report, tmp_path)
    assert errors == []
    differences = dom[dom.index('id="differences"') : dom.index('id="stocks"')]
    by_origin = dom[dom.index('id="by-origin"') : dom.index('id="sensitivity"')]
    assert differences.count('class="main-svg"') >= 3 and "japan-circular minus japan-temporary" in differences
    assert by_origin.count('class="main-svg"') >= 6 and "<b>Vietnam</b>" in by_origin
    assert "Only 2 replicates." in dom  # the warning is in the page
    # every table's CSV link points to a file the comparison wrote beside the report
    links = re.findall(r'<a href="(tables/[^"]+\.csv)" download=', dom)
    assert len(links) == dom.count("<table") and links
    for href in links:
        assert (report.parent / href).is_file(), href


def test_fit_page_renders_without_script_errors(tmp_path):
    rows = [
        {"series": s, "reference_date": dt.date(y, 10, 31), "split": "fit" if y < 2023 else "validate",
         "unit": "persons", "measure": "stock", "observed": 100.0 + y, "simulated": 90.0 + y, "model_period": ""}
        for s in ("mhlw_workers_titp", "mhlw_workers_vnm") for y in range(2017, 2025)
    ]
    page = write_report(tmp_path / "fit.html", render_fit_report(pa.Table.from_pylist(rows, schema=SIMULATED_SCHEMA)))
    dom, errors = _open(page, tmp_path)
    assert errors == []
    assert dom.count('class="main-svg"') >= 2 and "How near the best particle comes" in dom


def test_a_broken_page_is_caught(tmp_path):
    """The console check itself works: an uncaught exception on the page is reported."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom from page')</script></body></html>"
    )
    dom, errors = _open(page, tmp_path)
    assert any("boom from page" in m for m in errors)
    assert "<p>x</p>" in dom


@contextlib.contextmanager
def _one_engine_thread() -> Iterator[None]:
    """The compiled passes on one thread (the cores are shared with the other test workers)."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)


def _rendered(report: Path, tmp: Path) -> tuple[int, str]:
    """The charts in ``report`` and its DOM, once it opened without an error and drew every chart."""
    charts = report.read_text(encoding="utf-8").count('class="plotly-graph-div"')
    dom, errors = _open(report, tmp)
    assert errors == []
    assert dom.count('class="main-svg"') >= charts
    return charts, dom


@pytest.fixture(scope="module")
def validation_report(tmp_path_factory) -> Path:
    """``coexist validate`` on japan-history at a tiny scale: a real report with every kind of chart
    (band, naive lines, series without a fitted row, series the model does not simulate)."""
    with _one_engine_thread():
        v = api.validate(
            "japan-history",
            scale=0.002,
            replicates=2,
            workers=1,
            seed=1,
            out=tmp_path_factory.mktemp("browser") / "validation",
        )
    return v.files["validation.html"]


def test_validation_report_renders_every_chart_and_the_console_is_clean(validation_report, tmp_path):
    charts, dom = _rendered(validation_report, tmp_path)
    assert charts >= 20  # one per target series
    assert dom.count('class="xtick"') > 0 and dom.count('class="ytick"') > 0
    assert dom.count("held out") >= charts // 2  # the held-out region is labelled on the charts
    for fragment in ("ARD per series", "persistence", "linear trend", "What was run"):
        assert fragment in dom


@pytest.fixture(scope="module")
def backtest_report(tmp_path_factory) -> Path:
    """``coexist backtest`` from both default origins at a tiny scale."""
    with _one_engine_thread():
        b = api.backtest(scale=0.002, replicates=2, workers=1, seed=1,
                         out=tmp_path_factory.mktemp("browser") / "backtest")
    return b.files["backtest.html"]


def test_backtest_report_renders_every_chart_and_the_console_is_clean(backtest_report, tmp_path):
    charts, dom = _rendered(backtest_report, tmp_path)
    assert charts >= 20  # one per origin and series with a held-out row
    assert dom.count("held out") >= charts  # the months after the origin are labelled on every chart
    for fragment in ("From 2022-12", "From 2023-12", "Total foreign workers", "ARD by status", "What was run"):
        assert fragment in dom
