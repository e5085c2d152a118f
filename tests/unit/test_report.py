"""The comparison report: self-contained HTML with every scenario, its provenance and assumptions."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import re
import urllib.parse

import numpy as np
import pyarrow as pa
import pytest
from pydantic import BaseModel

from coexist.calibration.measures import SIMULATED_SCHEMA
from coexist.codes import HOST_STATUSES, ORIGIN_NAMES, ORIGINS, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA, SimulationResult
from coexist.metrics import ORIGIN_METRICS, format_value, interval90, origin_key
from coexist.periods import month_dates, parse_month
from coexist.report import figures, render_compare_report
from coexist.report.calibration import render_fit_report
from coexist.store import StoreError, read_run, write_run
from coexist.store.compare import write_report


def fake_result(seed: int, n_months: int = 24) -> SimulationResult:
    rng = np.random.default_rng(seed)
    months = month_dates(parse_month("2025-01") + np.arange(n_months)).to_pylist()
    stocks = [
        {"month": m, "status": s, "origin": o, "sector": "construction", "persons": float(rng.integers(0, 100))}
        for m in months for s in HOST_STATUSES + ("returned",) for o in ORIGINS[:3]
    ]
    flows = [
        {"month": m, "flow": f, "status_from": a, "status_to": b, "origin": "PHL", "sector": "construction",
         "persons": float(rng.integers(0, 10))}
        for m in months for f, a, b in [("entry", "home", "esd"), ("abscond", "esd", "irregular")]
    ]
    demand = [
        {"month": m, "sector": s, "demand": 100.0, "employed": float(rng.integers(50, 120))}
        for m in months
        for s in SECTORS
    ]
    measures = [
        {"month": m, "origin": "PHL", "measure": k, "value": float(rng.integers(1, 1000))}
        for m in months
        for k in MEASURES
    ]
    return SimulationResult(
        stocks=pa.Table.from_pylist(stocks, schema=STOCK_SCHEMA),
        flows=pa.Table.from_pylist(flows, schema=FLOW_SCHEMA),
        demand=pa.Table.from_pylist(demand, schema=DEMAND_SCHEMA),
        measures=pa.Table.from_pylist(measures, schema=MEASURE_SCHEMA),
        agents=10,
        agent_months=240,
        wall_seconds=0.5,
        seed=0,
        scale=0.1,
    )


class Assumption(BaseModel):
    name: str
    date: dt.date
    note: str


class FakeScenario(BaseModel):
    name: str
    description: str = "toy"
    start: str = "2025-01"
    end: str = "2026-12"
    scale: float = 1.0
    assumptions: list[Assumption] = []


@pytest.fixture
def two_runs(tmp_path):
    runs = []
    for i, name in enumerate(["toy-temporary", "toy-circular"]):
        sc = FakeScenario(
            name=name, assumptions=[Assumption(name=f"wage_growth_{name}", date=dt.date(2030, 1, 1), note="1% a year")]
        )
        runs.append(
            (
                name,
                write_run(
                    tmp_path / name,
                    fake_result(i),
                    sc,
                    wall_seconds_total=1.0,
                    described=("", f"hash-of-{name}-0123456789"),
                ),
            )
        )
    return runs


def test_report_is_self_contained(tmp_path, two_runs):
    from plotly.offline import get_plotlyjs

    path = write_report(tmp_path / "out" / "report.html", render_compare_report(two_runs))
    text = path.read_text(encoding="utf-8")
    assert get_plotlyjs() in text
    assert not re.search(r"<script[^>]+src=", text)
    assert "https://cdn" not in text.replace(get_plotlyjs(), "")
    assert (
        text.count('class="plotly-graph-div"') == 2 * 3 + 6
    )  # status, origin and sector per scenario, 6 shared charts
    for name in ("toy-temporary", "toy-circular"):
        assert name in text
        assert f"wage_growth_{name}" in text
    assert "2030-01-01" in text and "1% a year" in text
    assert "hash-of-toy-circular" in text
    assert "scale 0.1" in text and "one agent for every 10 persons" in text
    assert "Demand fill rate" in text
    assert not list((tmp_path / "out").glob(".*partial*"))
    # every table carries its CSV in its link (nothing beside the report to go stale)
    links = _links(text)
    assert len(links) == text.count("<table") and all(href.startswith("data:text/csv") for href, _ in links)
    assert "class='warning'" not in text  # no replicates, no warning about their number


def test_report_accepts_loaded_runs_and_results(two_runs):
    loaded = [(name, read_run(folder)) for name, folder in two_runs]
    text = render_compare_report(loaded + [("in-memory", fake_result(5))])
    assert "in-memory" in text and "toy-temporary" in text


def test_report_needs_runs():
    with pytest.raises(ValueError, match="at least one run"):
        render_compare_report([])


def test_figures_have_one_trace_per_scenario():
    runs = [("a", fake_result(1)), ("b", fake_result(2))]
    for fn in (
        figures.fill_rate,
        figures.irregular_population,
        figures.absconding,
        figures.returnee_employment,
        figures.skill_years_home,
        figures.remittances,
    ):
        fig = fn(runs)
        assert [t.name for t in fig.data] == ["a", "b"], fn.__name__
    status = figures.stocks_by_status("a", runs[0][1])
    assert [t.name for t in status.data] == list(HOST_STATUSES)
    assert "returned" not in [t.name for t in status.data]
    origin = figures.stocks_by_origin("a", runs[0][1])
    assert [t.name for t in origin.data] == ["Vietnam", "China", "Philippines"]
    # the stacked total equals the host stock of the table
    t = runs[0][1]
    first = t.stocks.filter(
        pa.compute.and_(
            pa.compute.equal(t.stocks["month"], pa.scalar(dt.date(2025, 1, 1))),
            pa.compute.is_in(t.stocks["status"], pa.array(list(HOST_STATUSES))),
        )
    )
    assert sum(tr.y[0] for tr in origin.data) == pytest.approx(pa.compute.sum(first["persons"]).as_py())


# -- the report of a comparison over replicates -------------------------------------------------
def _ensemble(names, replicates=5, seed=0):
    from coexist.experiments import DISTRIBUTION, draw_parameters, replicate_seed
    from coexist.experiments.analysis import claims_report, reference_sensitivity
    from coexist.experiments.series import annual_series
    from coexist.metrics import INDEX_KEYS, METRICS, load_reference

    rng = np.random.default_rng(seed)
    ref = load_reference()
    samples, series = {}, {}
    for k, name in enumerate(names):
        cols = {}
        for key in METRICS:
            r = ref.metrics.get(key)
            mid, span = ((r.worst + r.best) / 2, r.best - r.worst) if r else (1.0, 1.0)
            cols[key] = list(mid + span * (0.1 * k + 0.03 * rng.standard_normal(replicates)))
        for key in INDEX_KEYS:
            cols[key] = list(0.5 + 0.05 * k + 0.01 * rng.standard_normal(replicates))
        for origin in ORIGINS[:3]:  # the fake runs have people from three origins
            for key in ORIGIN_METRICS:
                cols[origin_key(key, origin)] = list(cols[key] * (1 + 0.1 * rng.standard_normal(replicates)))
        samples[name] = cols
        series[name] = [annual_series(fake_result(10 * k + r)) for r in range(replicates)]
    draws = [draw_parameters(seed, r) for r in range(replicates)]
    settings = {
        "scenarios": list(names),
        "scenario_hashes": {n: f"hash-{n}" for n in names},
        "seed": seed,
        "replicates": replicates,
        "replicate_seeds": [replicate_seed(seed, r) for r in range(replicates)],
        "scale": 0.05,
        "workers": 2,
        "parameter_distribution": DISTRIBUTION,
        "reference_version": "1.0.0",
        "reference_date": "2025-06-01",
        "version": "0.0.test",
        "engine_seconds": 12.0,
        "wall_seconds": 7.0,
    }
    return {
        "settings": settings,
        "samples": samples,
        "series": series,
        "claims": claims_report(samples, draws),
        "sensitivity": reference_sensitivity(samples, {}, random_shifts=10),
        "draws": draws,
    }


@pytest.fixture
def japan_runs(tmp_path):
    runs = []
    for i, name in enumerate(["japan-temporary", "japan-circular", "japan-circular-unconnected"]):
        sc = FakeScenario(
            name=name,
            description=f"{name} described",
            assumptions=[
                Assumption(name="shared caps", date=dt.date(2029, 4, 1), note="held"),
                Assumption(name=f"only_{name}", date=dt.date(2030, 1, 1), note="x"),
            ],
        )
        runs.append(
            (
                name,
                write_run(
                    tmp_path / name,
                    fake_result(i),
                    sc,
                    wall_seconds_total=1.0,
                    described=("", f"hash-of-{name}-0123456789"),
                ),
            )
        )
    return runs


def test_ensemble_report_has_the_sections_an_analyst_needs(tmp_path, japan_runs):
    ens = _ensemble([n for n, _ in japan_runs])
    text = write_report(tmp_path / "r.html", render_compare_report(japan_runs, ensemble=ens)).read_text(
        encoding="utf-8"
    )
    assert not re.search(r"<script[^>]+src=", text)
    # uncertainty is explained, with the scale
    assert "The intervals include parameter uncertainty" in text
    assert "median and 90% interval over 5 replicates" in text and "scale 0.05" in text
    # summary on top: what was compared, verdicts, the index with the three scores beside it
    summary = text[text.index('id="summary"') : text.index('id="claims"')]
    assert "japan-circular described" in summary and "Headline verdicts" in summary
    for label in ("Host society score", "Migrants score", "Origin countries score", "Balanced Coexistence Index"):
        assert label in summary
    assert summary.count('class="ci"') >= 12  # 3 scenarios x (3 scores + index), each with its interval
    # claims table: claim, metric, paired difference with interval, verdict, parameters with prior-only flags
    claims = text[text.index('id="claims"') : text.index('id="metrics"')]
    assert "<table class='claims'>" in claims
    for c in ens["claims"]:
        assert c["claim"] in claims and c["verdict"] in claims
        for p in c["parameters"]:
            assert p in claims
    assert claims.count("prior only") >= sum(len(c["prior_only"]) for c in ens["claims"])
    assert "&rho;=" in claims
    # reference sensitivity
    sens = text[text.index('id="sensitivity"') : text.index('id="assumptions"')]
    for label in ("shipped", "worst +20%", "worst -20%", "best +20%", "best -20%"):
        assert label in sens
    assert "balance claim kept its verdict" in sens
    # charts: bands, sector fill rates, stocks by status, origin and sector per scenario
    # ... the paired differences over time (3 series) and one chart per metric by origin
    assert text.count('class="plotly-graph-div"') == 1 + 3 * 3 + 4 + 1 + 3 + 3 + len(ORIGIN_METRICS)
    assert "persons in the host by sector" in text and "Fill rate by sector" in text
    # assumptions: shared once, then each scenario's own
    assumptions = text[text.index('id="assumptions"') : text.index('id="provenance"')]
    assert assumptions.count("shared caps") == 1 and "only_japan-circular-unconnected" in assumptions
    # what was run
    run = text[text.index('id="provenance"') :]
    for fragment in (
        "hash-japan-circular",
        "0.0.test",
        "triangular",
        str(ens["settings"]["replicate_seeds"][0]),
        "replicates per scenario",
    ):
        assert fragment in run


def test_ensemble_report_with_one_replicate_says_there_are_no_intervals(tmp_path, japan_runs):
    ens = _ensemble([n for n, _ in japan_runs], replicates=1)
    text = render_compare_report(japan_runs, ensemble=ens)
    assert "With one replicate there are no intervals" in text
    assert all(c["verdict"] == "not shown" for c in ens["claims"])


def test_ensemble_report_says_when_parameters_came_from_the_calibrated_posterior(japan_runs):
    from coexist.experiments import DISTRIBUTION_CALIBRATED

    ens = _ensemble([n for n, _ in japan_runs], replicates=2)
    ens["settings"]["parameter_distribution"] = DISTRIBUTION_CALIBRATED
    text = render_compare_report(japan_runs, ensemble=ens)
    lead = text[: text.index('id="claims"')]
    assert "one particle of the shipped ABC-SMC posterior" in lead
    run = text[text.index('id="provenance"') :]
    assert "weighted resampling of particles" in run and "triangular mode when not calibrated" in run
    plain = render_compare_report(japan_runs, ensemble=_ensemble([n for n, _ in japan_runs], replicates=2))
    assert "posterior" not in plain[: plain.index('id="claims"')] and "default (mode)" in plain


def test_band_figure_shows_median_and_90_band():
    from coexist.experiments.series import annual_series

    reps = [annual_series(fake_result(s)) for s in range(7)]
    fig = figures.band([("a", reps)], "fill_rate", "Fill", "share", ".0%")
    hi, lo, mid = fig.data
    assert mid.name == "a" and lo.fill == "tonexty"
    values = np.array([r["fill_rate"] for r in reps])
    assert np.allclose(mid.y, np.median(values, axis=0))
    assert np.allclose(lo.y, np.percentile(values, 5, axis=0)) and np.allclose(hi.y, np.percentile(values, 95, axis=0))


# -- tables as CSV, few replicates, neutral zero differences, per origin, differences over time ----
def _links(text: str) -> list[str]:
    return re.findall(r'<p class="csv"><a href="([^"]+)" download="([^"]+)"', text)


def test_every_table_has_a_csv_written_beside_the_report(tmp_path, japan_runs):
    ens = _ensemble([n for n, _ in japan_runs])
    tables: dict[str, str] = {}
    text = render_compare_report(japan_runs, ensemble=ens, tables=tables)
    links = _links(text)
    assert text.count("<table") == len(links)  # one link per table
    assert {href for href, _ in links} == {f"tables/{name}" for name in tables}
    for name in ("headline.csv", "metrics.csv", "paired-differences.csv", "by-origin-migrants.csv",
                 "by-origin-origin.csv", "claims.csv", "index.csv", "reference-sensitivity.csv", "parameters.csv",
                 "settings.csv", "runs.csv"):
        assert name in tables, name
    rows = list(csv.DictReader(io.StringIO(tables["headline.csv"])))
    fill = [r for r in rows if r["metric"] == "host.fill_rate" and r["scenario"] == "japan-circular"][0]
    lo, med, hi = interval90(ens["samples"]["japan-circular"]["host.fill_rate"])
    assert float(fill["median"]) == med and float(fill["p05"]) == lo and float(fill["p95"]) == hi  # full precision
    path = write_report(tmp_path / "cmp" / "report.html", text, tables)
    for href, _ in links:
        assert (path.parent / href).is_file(), href
    # a second report replaces the tables of the first
    (path.parent / "tables" / "stale.csv").write_text("x\n")
    write_report(path, text, {"headline.csv": tables["headline.csv"]})
    assert sorted(p.name for p in (path.parent / "tables").iterdir()) == ["headline.csv"]


def test_a_report_kept_in_memory_carries_its_tables_in_its_links(japan_runs):
    text = render_compare_report(japan_runs, ensemble=_ensemble([n for n, _ in japan_runs]))
    links = _links(text)
    assert links and all(href.startswith("data:text/csv;charset=utf-8,") for href, _ in links)
    headline = next(href for href, name in links if name == "headline.csv")
    decoded = urllib.parse.unquote(html.unescape(headline).split(",", 1)[1])
    assert decoded.splitlines()[0] == "metric,label,unit,scenario,median,p05,p95,replicates"


def test_write_report_refuses_a_table_name_that_is_a_path(tmp_path):
    with pytest.raises(StoreError, match="plain name ending in .csv"):
        write_report(tmp_path / "report.html", "<html></html>", {"../x.csv": "a\n"})


@pytest.mark.parametrize("replicates, warned", [(3, True), (9, True), (10, False)])
def test_fewer_than_10_replicates_are_warned_about(japan_runs, replicates, warned):
    text = render_compare_report(japan_runs, ensemble=_ensemble([n for n, _ in japan_runs], replicates=replicates))
    assert (f"Only {replicates} replicates" in text) is warned
    assert ("class='warning'" in text) is warned


def test_a_difference_that_prints_as_zero_is_neutral_not_a_loss(japan_runs):
    ens = _ensemble([n for n, _ in japan_runs][:2], replicates=10)
    base, other = ens["settings"]["scenarios"][:2]
    values = list(np.linspace(0.5, 0.6, 10))
    ens["samples"][base]["host.fill_rate"] = values
    ens["samples"][other]["host.fill_rate"] = [v - 1e-7 for v in values]  # worse, but by 0.00001 pp
    ens["samples"][other]["host.experienced_share"] = [
        v - 0.02 for v in ens["samples"][base]["host.experienced_share"]
    ]
    text = render_compare_report(japan_runs[:2], ensemble=ens)
    paired = text[text.index("Paired differences against") :]
    fill = re.search(r'<td class="num([^"]*)">(.*?)</td>', paired[paired.index("<code>host.fill_rate</code>") :])
    assert fill.group(1) == "" and "<b>0.0 pp</b>" in fill.group(2) and "[0.0 to 0.0]" in fill.group(2)
    share = re.search(r'<td class="num([^"]*)">', paired[paired.index("<code>host.experienced_share</code>") :])
    assert share.group(1) == " worse"


def test_by_origin_section_shows_each_origin_with_intervals_and_a_chart_per_metric(japan_runs):
    ens = _ensemble([n for n, _ in japan_runs])
    text = render_compare_report(japan_runs, ensemble=ens)
    section = text[text.index('id="by-origin"') : text.index('id="sensitivity"')]
    for origin in ORIGINS[:3]:
        assert f"<b>{ORIGIN_NAMES[origin]}</b>" in section
    assert "<b>Myanmar</b>" not in section  # no persons from there in the runs
    assert section.count('class="plotly-graph-div"') == len(ORIGIN_METRICS)
    assert section.count("<h3>Migrants</h3>") == 1 and section.count("<h3>Countries of origin</h3>") == 1
    lo, med, hi = interval90(ens["samples"]["japan-circular"]["origin.remittances_per_year.CHN"])
    assert f"<b>{format_value(med, 'money per year (host currency)', with_unit=False)}</b>" in section


def test_paired_series_subtract_replicate_by_replicate():
    a = [{"years": [2025, 2026], "host_stock": [10.0, 12.0]}, {"years": [2025, 2026], "host_stock": [20.0, None]}]
    b = [{"years": [2025, 2026], "host_stock": [7.0, 8.0]}, {"years": [2026], "host_stock": [5.0]}]
    out = figures.paired_series(a, b, "host_stock")
    assert out[0] == {"years": [2025, 2026], "host_stock": [3.0, 4.0]}
    assert out[1]["years"] == [2026] and math.isnan(out[1]["host_stock"][0])


def test_difference_band_draws_the_median_paired_difference_and_zero():
    base = [{"years": [2025, 2026], "host_stock": [100.0, 100.0]} for _ in range(5)]
    other = [{"years": [2025, 2026], "host_stock": [100.0 + r, 110.0 + r]} for r in range(5)]
    fig = figures.difference_band([("b minus a", other, base)], "host_stock", "Stock", "persons")
    hi, lo, mid = fig.data
    assert mid.name == "b minus a" and list(mid.y) == [2.0, 12.0]
    assert list(lo.y) == pytest.approx([0.2, 10.2]) and list(hi.y) == pytest.approx([3.8, 13.8])
    assert any(shape.y0 == 0 and shape.y1 == 0 for shape in fig.layout.shapes)  # the zero line
    assert fig.layout.xaxis.tickformat == "d" and fig.layout.xaxis.dtick == 1


def test_ensemble_report_has_differences_over_time_for_each_scenario_against_the_first(japan_runs):
    text = render_compare_report(japan_runs, ensemble=_ensemble([n for n, _ in japan_runs]))
    section = text[text.index('id="differences"') : text.index('id="stocks"')]
    assert section.count('class="plotly-graph-div"') == 3
    assert "japan-circular minus japan-temporary" in section
    assert "japan-circular-unconnected minus japan-temporary" in section
    one = render_compare_report(japan_runs[:1], ensemble=_ensemble([japan_runs[0][0]]))
    assert 'id="differences"' not in one


def test_fit_page_is_in_the_house_style_with_ard_per_series(tmp_path):
    rows = [
        {"series": s, "reference_date": dt.date(y, 10, 31), "split": "fit" if y < 2023 else "validate",
         "unit": "persons", "measure": "stock", "observed": 100.0, "simulated": 110.0 if s == "a" else 95.0,
         "model_period": f"{y}-10"}
        for s in ("a", "b") for y in (2021, 2022, 2023)
    ]
    text = render_fit_report(pa.Table.from_pylist(rows, schema=SIMULATED_SCHEMA))
    assert "<nav>" in text and 'id="summary"' in text and 'id="series"' in text and "<footer>" in text
    assert ":root { --fg:#1d2433;" in text  # the comparison report's style sheet
    summary = text[text.index('id="summary"') : text.index('id="series"')]
    assert "<td class='num'>0.100</td>" in summary and "<td class='num'>0.050</td>" in summary
    assert "<b>0.075</b>" in summary  # mean over the two series
    assert text.count('class="plotly-graph-div"') == 2
    assert len(_links(text)) == 2 and text.count("<table") == 2
    empty = render_fit_report(pa.Table.from_pylist([], schema=SIMULATED_SCHEMA))
    assert "No target rows" in empty
