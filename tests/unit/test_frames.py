"""Results as pandas DataFrames: a run's tables and metrics, a comparison's samples,
intervals, claims and every replicate's annual series, in memory or written."""

from __future__ import annotations

import math
import pickle

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coexist import api
from coexist.errors import CoexistError
from coexist.experiments import replicate_seed
from coexist.experiments.frames import (
    ClaimVerdicts,
    MetricValues,
    PandasMissing,
    ReplicateSamples,
    ReplicateSeries,
    require_pandas,
)
from coexist.experiments.series import SERIES, annual_series
from coexist.metrics import METRICS, interval90, metric_definitions
from coexist.testing import TINY_OVERRIDES

SHORT = (*TINY_OVERRIDES, 'horizon.end="2026-12"')
SCENARIOS = ["japan-temporary", "japan-circular"]


def _without_pandas(name: str):
    raise ImportError(f"No module named {name!r}")


def test_a_missing_pandas_is_a_clear_error_naming_the_call_and_the_extra():
    with pytest.raises(PandasMissing) as caught:
        require_pandas(".stocks()", _without_pandas)
    assert str(caught.value) == "pandas is needed for .stocks(); install it with pip install 'coexist[pandas]'"
    assert isinstance(caught.value, CoexistError) and isinstance(caught.value, ImportError)


def test_require_pandas_returns_the_module_when_installed():
    assert require_pandas(".flows()") is pd


# -- one run ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def summary():
    return api.run("japan-temporary", overrides=SHORT, scale=1.0, seed=4)


@pytest.mark.parametrize("name", ["stocks", "flows", "demand", "measures"])
def test_run_tables_are_dataframes_of_the_pyarrow_tables_kept_in_result(summary, name):
    table = getattr(summary.result, name)
    assert isinstance(table, pa.Table)  # the pyarrow tables stay available
    frame = getattr(summary, name)()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == table.column_names and len(frame) == table.num_rows > 0
    pd.testing.assert_frame_equal(frame, table.to_pandas(date_as_object=False))
    assert pd.api.types.is_datetime64_any_dtype(frame["month"])  # months are dates: .dt and resampling work
    assert (frame["month"].dt.day == 1).all()


def test_run_metrics_stay_a_dict_and_give_one_row_per_metric_with_unit_and_actor(summary):
    assert isinstance(summary.metrics["host.fill_rate"], float)
    assert dict(summary.metrics) == summary.metrics and set(summary.metrics) == set(metric_definitions())
    frame = summary.metrics()
    assert list(frame.columns) == ["metric", "value", "unit", "actor", "label", "direction"]
    assert list(frame["metric"]) == list(summary.metrics)
    definitions = metric_definitions()
    for row in frame.to_dict("records"):
        assert row["unit"] == definitions[row["metric"]]["unit"] and row["actor"] == definitions[row["metric"]]["actor"]
        value = summary.metrics[row["metric"]]
        assert (math.isnan(value) and math.isnan(row["value"])) or row["value"] == value
    assert frame.set_index("metric").loc["index.balance", "actor"] == "all"


# -- a comparison in memory ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def in_memory(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cwd")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)  # anything written by default would land here
        compared = api.compare(SCENARIOS, overrides=SHORT, scale=1.0, seed=2, replicates=3, workers=1)
    return compared, cwd


def test_compare_without_out_writes_nothing_and_keeps_every_result(in_memory):
    compared, cwd = in_memory
    assert list(cwd.iterdir()) == []
    assert compared.folder is None and compared.report is None
    assert [s.folder for s in compared.runs] == [None, None]
    assert [s.name for s in compared.runs] == SCENARIOS and compared.runs[0].stocks().shape[0] > 0
    assert compared.seeds == [replicate_seed(2, r) for r in range(3)]


def test_compare_samples_are_long_one_row_per_scenario_replicate_and_metric(in_memory):
    compared, _ = in_memory
    frame = compared.samples()
    assert list(frame.columns) == ["scenario", "replicate", "seed", "metric", "value"]
    assert len(frame) == len(SCENARIOS) * 3 * len(metric_definitions())
    for row in frame.sample(20, random_state=0).to_dict("records"):
        assert row["seed"] == compared.seeds[row["replicate"]]
        value = compared.samples[row["scenario"]][row["metric"]][row["replicate"]]
        assert (math.isnan(value) and math.isnan(row["value"])) or row["value"] == value
    assert not frame.duplicated(["scenario", "replicate", "metric"]).any()


def test_compare_metrics_give_the_median_and_90_percent_interval_per_scenario_and_metric(in_memory):
    compared, _ = in_memory
    frame = compared.metrics()
    assert list(frame.columns) == ["scenario", "metric", "median", "lo", "hi", "n", "unit", "actor", "label"]
    assert len(frame) == len(SCENARIOS) * len(metric_definitions())
    row = frame.set_index(["scenario", "metric"]).loc[("japan-circular", "host.fill_rate")]
    lo, median, hi = interval90(compared.samples["japan-circular"]["host.fill_rate"])
    assert (row["lo"], row["median"], row["hi"], row["n"]) == (lo, median, hi, 3)
    assert lo <= median <= hi and row["unit"] == METRICS["host.fill_rate"].unit


def test_compare_claims_stay_a_list_and_give_one_row_per_claim_part(in_memory):
    compared, _ = in_memory
    assert compared.claims and compared.claims[0]["claim"] == "stable_host_supply"
    frame = compared.claims()
    assert len(frame) == sum(len(c["parts"]) for c in compared.claims)
    first = frame.iloc[0]
    claim = compared.claims[0]
    assert (first["claim"], first["scenario"], first["baseline"], first["verdict"]) == (
        claim["claim"], claim["scenario"], claim["baseline"], claim["verdict"])
    assert (first["metric"], first["n"], first["median"]) == (
        claim["parts"][0]["metric"], 3, claim["parts"][0]["median"])


def test_compare_keeps_every_replicates_annual_series(in_memory):
    compared, _ = in_memory
    frame = compared.series()
    assert list(frame.columns) == ["scenario", "replicate", "seed", "year", "series", "value"]
    assert sorted(frame["replicate"].unique()) == [0, 1, 2]
    assert set(frame["series"]) == set(SERIES) and set(frame["year"]) == {2025, 2026}
    assert len(frame) == len(SCENARIOS) * 3 * len(SERIES) * 2
    # replicate 0's rows are the annual series of the run kept in runs[0]
    first = annual_series(compared.runs[0].result)
    kept = frame[(frame["scenario"] == "japan-temporary") & (frame["replicate"] == 0)]
    assert kept.set_index(["series", "year"])["value"].to_dict() == pytest.approx(
        {(name, year): value for name in SERIES for year, value in zip(first["years"], first[name], strict=True)},
        nan_ok=True,
    )
    # replicates differ: a band over time is possible
    stock = frame[(frame["series"] == "host_stock") & (frame["year"] == 2026) & (frame["scenario"] == "japan-circular")]
    assert stock["value"].nunique() > 1


def test_compare_with_out_writes_what_the_summary_holds(in_memory, tmp_path):
    compared, _ = in_memory
    written = api.compare(SCENARIOS, out=tmp_path / "cmp", overrides=SHORT, scale=1.0, seed=2, replicates=3,
                          workers=1)
    assert written.folder == tmp_path / "cmp" and written.report.is_file()
    pd.testing.assert_frame_equal(written.samples(), compared.samples())
    pd.testing.assert_frame_equal(written.series(), compared.series())
    series = pq.read_table(tmp_path / "cmp" / "series.parquet").to_pandas()
    pd.testing.assert_frame_equal(series, compared.series(), check_dtype=False)
    replicates = pq.read_table(tmp_path / "cmp" / "replicates.parquet").to_pandas()
    pd.testing.assert_frame_equal(replicates, compared.samples(), check_dtype=False)


def test_the_result_containers_survive_a_pickle():
    samples = ReplicateSamples({"a": {"host.fill_rate": [0.5, 0.7]}}, seeds=[3, 4])
    series = ReplicateSeries({"a": [{"years": [2025], "host_stock": [1.0]}] * 2}, seeds=[3, 4])
    for value in (samples, series, MetricValues({"host.fill_rate": 0.5}), ClaimVerdicts([{"claim": "x", "parts": []}])):
        copy = pickle.loads(pickle.dumps(value))
        assert copy == value and type(copy) is type(value)
    assert pickle.loads(pickle.dumps(samples))().equals(samples())
    assert pickle.loads(pickle.dumps(series)).seeds == [3, 4]


def test_summaries_built_from_plain_dicts_and_lists_answer_with_dataframes():
    compared = api.CompareSummary(
        runs=[], folder=None, report=None, samples={"a": {"host.fill_rate": [0.5, 0.7]}},
        claims=[{"claim": "x", "scenario": "a", "baseline": "b", "verdict": "not shown", "statement": "s",
                 "parts": [{"metric": "host.fill_rate", "direction": "higher", "n": 2, "lo": -0.1, "median": 0.0,
                            "hi": 0.1, "verdict": "not shown"}]}],
        seeds=[8, 9], series={"a": [{"years": [2025], "host_stock": [1.0]}, {"years": [2025], "host_stock": [2.0]}]},
    )
    assert compared.samples()["seed"].tolist() == [8, 9]
    assert compared.claims()[["claim", "metric", "hi"]].to_dict("records") == [
        {"claim": "x", "metric": "host.fill_rate", "hi": 0.1}]
    assert compared.series()["value"].tolist() == [1.0, 2.0]
    assert compared.metrics()[["median", "n"]].to_dict("records") == [{"median": 0.6, "n": 2}]
    run = api.RunSummary("a", "h", 0, 1.0, "2025-01", "2025-12", {"host.fill_rate": 0.5}, 0.0, 0.0)
    assert run.metrics()["unit"].tolist() == ["share of demand"]
