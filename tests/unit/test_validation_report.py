"""The validation scores, files, figures and report, on small synthetic tables (no engine)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from coexist.calibration import compare_forecasts
from coexist.calibration.measures import SIMULATED_SCHEMA
from coexist.calibration.validation import CSV_COLUMNS, simulated_csv, summarise, validation_csv
from coexist.report import figures
from coexist.report.validation import render_validation_report

D = dt.date

# (series, date, split, unit, observed); the model's value per replicate comes from SIMULATED
OBSERVED = [
    # "good": the model tracks the held-out years, the naive forecasts do not (growth accelerates)
    ("good", D(2020, 10, 31), "fit", "persons", 100.0),
    ("good", D(2021, 10, 31), "fit", "persons", 110.0),
    ("good", D(2022, 10, 31), "fit", "persons", 120.0),
    ("good", D(2023, 10, 31), "validate", "persons", 150.0),
    ("good", D(2024, 10, 31), "validate", "persons", 180.0),
    # "bad": a steady line the trend gets exactly; the model overshoots
    ("bad", D(2021, 12, 31), "fit", "persons", 10.0),
    ("bad", D(2022, 12, 31), "fit", "persons", 20.0),
    ("bad", D(2023, 12, 31), "validate", "persons", 30.0),
    ("bad", D(2024, 12, 31), "validate", "persons", 40.0),
    # one fitted point: trend = persistence
    ("single", D(2022, 6, 30), "fit", "share", 0.5),
    ("single", D(2023, 6, 30), "validate", "share", 0.4),
    # no fitted row: model scored alone
    ("newcomer", D(2024, 6, 30), "validate", "persons", 50.0),
    # not simulated (NaN in every replicate)
    ("tenure", D(2023, 7, 31), "validate", "years", 2.0),
]
SIMULATED = {  # per replicate, in OBSERVED order
    0: [100, 110, 120, 150, 180, 10, 20, 60, 80, 0.5, 0.3, 60, math.nan],
    1: [90, 100, 110, 135, 162, 11, 21, 45, 60, 0.5, 0.2, 40, math.nan],
    2: [110, 120, 130, 165, 198, 9, 19, 30, 40, 0.5, 0.35, 50, math.nan],
}


def _tables(reps=(0, 1, 2)) -> list[pa.Table]:
    out = []
    for rep in reps:
        rows = [
            {"series": s, "reference_date": d, "split": sp, "unit": u, "measure": "stock", "observed": o,
             "simulated": float(m), "model_period": f"{d.year}-{d.month:02d}"}
            for (s, d, sp, u, o), m in zip(OBSERVED, SIMULATED[rep], strict=True)
        ]
        out.append(pa.Table.from_pylist(rows, schema=SIMULATED_SCHEMA))
    return out


@pytest.fixture(scope="module")
def summary():
    return summarise(_tables())


def _row(summary, name):
    return next(r for r in summary.rows if r["series"] == name)


def test_model_ard_is_the_mean_over_replicates_with_its_spread(summary):
    good = _row(summary, "good")
    # replicate 0 exact; 1 and 2 off by 10% on both held-out dates
    per_rep = [0.0, 0.1, 0.1]
    assert good["ard_validate_model_by_replicate"] == pytest.approx(per_rep)
    assert good["ard_validate_model"] == pytest.approx(np.mean(per_rep))
    assert good["ard_validate_model_p05"] == pytest.approx(np.percentile(per_rep, 5))
    assert good["ard_validate_model_p95"] == pytest.approx(0.1)
    assert good["n_fit"] == 3 and good["n_validate"] == 2


def test_naive_forecasts_are_those_of_compare_forecasts(summary):
    ref = {r["series"]: r for r in compare_forecasts(_tables()[0]).to_pylist()}
    for row in summary.rows:
        for mine, theirs in (("ard_validate_persistence", "ard_persistence"), ("ard_validate_trend", "ard_trend")):
            a, b = row[mine], ref[row["series"]][theirs]
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
    # by hand: "bad" persistence 20 -> (10/30 + 20/40) / 2; its trend is exact
    bad = _row(summary, "bad")
    assert bad["ard_validate_persistence"] == pytest.approx((10 / 30 + 20 / 40) / 2)
    assert bad["ard_validate_trend"] == pytest.approx(0.0, abs=1e-3)  # years of 365.25 days: nearly exact


def test_best_and_who_beats_whom(summary):
    assert _row(summary, "good")["best"] == "model"
    assert _row(summary, "bad")["best"] == "trend"
    single = _row(summary, "single")
    assert single["best"] == "persistence = trend"  # 0.25 each
    assert single["ard_validate_model"] == pytest.approx((0.1 + 0.2 + 0.05) / 0.4 / 3)
    assert _row(summary, "newcomer")["best"] == ""  # nothing to compare with
    assert _row(summary, "tenure")["best"] == ""
    o = summary.overall
    assert o["series"] == ["bad", "good", "single"]
    assert o["beats_persistence"] == ["good"] and o["beats_trend"] == ["good"]
    assert o["beats_both"] == ["good"] and o["loses_to_both"] == ["bad", "single"]
    assert o["no_naive_forecast"] == ["newcomer"] and o["not_simulated"] == ["tenure"]


def test_overall_is_the_mean_over_the_series_scored_by_all_three(summary):
    o = summary.overall
    rows = [_row(summary, s) for s in ("bad", "good", "single")]
    for key in ("ard_validate_model", "ard_validate_persistence", "ard_validate_trend", "ard_fit_model"):
        assert o[key] == pytest.approx(np.mean([r[key] for r in rows]))
    by_rep = [np.mean([r["ard_validate_model_by_replicate"][k] for r in rows]) for k in range(3)]
    assert o["ard_validate_model_by_replicate"] == pytest.approx(by_rep)
    assert o["ard_validate_model_p05"] <= o["ard_validate_model"] <= o["ard_validate_model_p95"]
    assert o["n_series"] == 3 and o["n_fit"] == 3 + 2 + 1 and o["n_validate"] == 2 + 2 + 1
    assert o["best"] == "trend"


def test_chart_points_median_band_and_where_the_naive_lines_start(summary):
    good = summary.points["good"]
    last = good["points"][-1]
    assert last["simulated_median"] == pytest.approx(180.0)
    assert last["simulated_p05"] == pytest.approx(np.percentile([180, 162, 198], 5))
    assert last["persistence"] == pytest.approx(120.0)
    assert last["trend"] == pytest.approx(140.0, rel=1e-3)  # +10 a year, two years after 2022-10
    assert math.isnan(good["points"][0]["persistence"])  # naive values only on held-out dates
    assert good["forecast_from"]["reference_date"] == D(2022, 10, 31)
    assert good["forecast_from"]["persistence"] == pytest.approx(120.0)
    assert good["boundary"] == D(2022, 11, 1)
    assert summary.points["newcomer"]["forecast_from"] is None
    assert summary.points["newcomer"]["boundary"] == D(2024, 1, 1)
    assert math.isnan(summary.points["tenure"]["points"][0]["simulated_median"])


def test_replicates_must_measure_the_same_rows():
    a, b = _tables((0, 1))
    with pytest.raises(ValueError, match="replicate 1"):
        summarise([a, b.slice(0, 5)])
    with pytest.raises(ValueError):
        summarise([])


def test_one_replicate_has_no_spread():
    s = summarise(_tables((0,)))
    good = _row(s, "good")
    assert good["ard_validate_model_p05"] == good["ard_validate_model"] == good["ard_validate_model_p95"] == 0.0


def test_validation_csv_has_one_row_per_series_and_an_overall_row(summary):
    rows = list(csv.DictReader(io.StringIO(validation_csv(summary))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["series"] for r in rows] == ["bad", "good", "newcomer", "single", "tenure", "overall"]
    assert rows[-1]["best"] == "trend"
    assert rows[4]["ard_validate_model"] == ""  # NaN is an empty cell
    assert float(rows[1]["ard_validate_model"]) == pytest.approx(summary.rows[1]["ard_validate_model"], rel=1e-5)


def test_simulated_csv_is_long_form_with_replicate_and_seed():
    text = simulated_csv(_tables((0, 1)), [11, 22])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 * len(OBSERVED)
    assert rows[0]["replicate"] == "0" and rows[0]["seed"] == "11" and rows[-1]["seed"] == "22"
    assert rows[0]["reference_date"] == "2020-10-31"


def test_figure_draws_band_observed_naive_lines_and_the_held_out_region(summary):
    fig = figures.validation_series("good", summary.points["good"], "persons", subtitle="x", replicates=3)
    names = [t.name for t in fig.data]
    assert names == ["model 95th", "model 5-95%", "model (median)", "observed (fit)", "observed (held out)",
                     "persistence", "linear trend"]
    assert fig.data[1].fill == "tonexty"
    assert fig.data[5].line.dash == "dash" and fig.data[6].line.dash == "dashdot"
    assert list(fig.data[5].x)[0] == D(2022, 10, 31)  # the naive lines start at the last fitted date
    shapes = fig.layout.shapes
    assert any(s.type == "rect" and s.x0 == D(2022, 11, 1) for s in shapes)
    assert any(s.type == "line" and s.x0 == D(2022, 11, 1) for s in shapes)
    # one fitted point: a single naive line; one replicate: no band
    single = figures.validation_series("single", summary.points["single"], "share", replicates=1)
    names = [t.name for t in single.data]
    assert "persistence = trend" in names and "linear trend" not in names and "model 5-95%" not in names
    assert single.layout.yaxis.tickformat == ".0%"
    # not simulated: observed points only
    tenure = figures.validation_series("tenure", summary.points["tenure"], "years", replicates=3)
    assert [t.name for t in tenure.data] == ["observed (held out)"]


PROVENANCE = {
    "scenario": "toy-history",
    "scenario_ref": "toy-history",
    "scenario_hash": "abc123",
    "horizon": "2017-01 to 2024-12",
    "scale": 0.05,
    "seed": 0,
    "replicates": 3,
    "replicate_seeds": [1, 2, 3],
    "workers": 1,
    "params": None,
    "overrides": [],
    "targets": {"path": "targets.csv", "sha256": "f00", "rows": 13, "fit_rows": 6, "validate_rows": 7},
    "version": "0.1.0",
    "created": "2026-01-01T00:00:00+00:00",
    "wall_seconds": 1.0,
}


def test_report_is_self_contained_with_a_chart_per_series_and_an_honest_summary(summary):
    page = render_validation_report(summary, PROVENANCE)
    from plotly.offline import get_plotlyjs

    assert page.startswith("<!DOCTYPE html>") and get_plotlyjs() in page  # plotly.js inline
    rest = page.replace(get_plotlyjs(), "")
    assert "<script src=" not in rest and "https://" not in rest
    assert page.count('class="plotly-graph-div"') == len(summary.rows)
    o = summary.overall
    assert o["ard_validate_trend"] < o["ard_validate_model"] < o["ard_validate_persistence"]
    assert "The model beats one naive forecast overall, not the linear trend" in page
    assert f"<b>{o['ard_validate_model']:.3f}</b>" in page and f"<b>{o['ard_validate_trend']:.3f}</b>" in page
    assert "closer than persistence on <b>1 of 3</b>" in page and "closer than the trend on <b>1 of 3</b>" in page
    assert "It loses to both on: <code>bad</code>, <code>single</code>" in page
    assert "<code>newcomer</code>" in page and "not simulated" in page
    assert "abc123" in page and "toy-history" in page
    for section in ("summary", "table", "charts", "scoring", "provenance"):
        assert f'<section id="{section}">' in page


def test_report_says_so_when_the_model_wins_or_nothing_can_be_scored():
    winning = summarise([t.filter(pc.equal(t["series"], "good")) for t in _tables()])
    assert "The model beats both naive forecasts overall" in render_validation_report(winning, PROVENANCE)
    losing = summarise([t.filter(pc.equal(t["series"], "bad")) for t in _tables()])
    assert "The model does not beat the naive forecasts overall" in render_validation_report(losing, PROVENANCE)
    empty = summarise([t.filter(pc.equal(t["series"], "tenure")) for t in _tables()])
    assert "No series could be scored" in render_validation_report(empty, PROVENANCE)
