"""The comparison report: self-contained HTML with every scenario, its provenance and assumptions."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pytest
from pydantic import BaseModel

from coexist.codes import HOST_STATUSES, ORIGINS, SECTORS
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA, SimulationResult
from coexist.metrics import ORIGIN_METRICS, origin_key
from coexist.periods import month_dates, parse_month
from coexist.report import figures, render_compare_report
from coexist.store import read_run, write_run
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
