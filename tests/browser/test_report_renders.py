"""The comparison report opened in headless Chromium, as a user would open it.

Skipped only when no Chromium is installed (CI installs the Debian package ``chromium``
in ``.ci/run``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from coexist import api
from coexist.testing import TINY_OVERRIDES

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

_CONSOLE = re.compile(r"CONSOLE\(\d+\)\]? ?\"?(.*)")


def _open(path: Path, tmp: Path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the page's console messages (errors and uncaught exceptions)."""
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0", "--window-size=1400,3000",
         "--virtual-time-budget=20000", "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [m.group(1) for line in proc.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return proc.stdout, console


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "cmp"
    c = api.compare(["japan-temporary", "japan-circular"], out=out, scale=1.0, seed=1,
                    overrides=[*TINY_OVERRIDES, 'horizon.end="2026-06"'], replicates=2, workers=1)
    return c.report


def test_every_chart_renders_and_the_console_is_clean(report, tmp_path):
    html = report.read_text(encoding="utf-8")
    charts = html.count('class="plotly-graph-div"')
    assert charts >= 15
    dom, console = _open(report, tmp_path)
    errors = [m for m in console if re.search(r"error|uncaught|failed", m, re.I)]
    assert errors == []
    # plotly drew each chart: one main SVG per chart (plus legends and axes as SVG text)
    assert dom.count('class="main-svg"') >= charts
    assert dom.count('class="xtick"') > 0 and dom.count('class="legendtext"') > 0
    # the tables an analyst reads first are in the rendered page
    for fragment in ("Headline verdicts", "Balanced Coexistence Index", "parameter uncertainty",
                     "How the verdicts move with the index"):
        assert fragment in dom


def test_a_broken_page_is_caught(tmp_path):
    """The console check itself works: an uncaught exception on the page is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom from page')</script></body></html>")
    _, console = _open(page, tmp_path)
    assert any("boom from page" in m for m in console)
