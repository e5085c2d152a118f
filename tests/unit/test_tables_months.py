"""Months: the tables carry them as dates (the first day of the month); every reader maps
them to their position in the horizon, and text months of older files still read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from coexist.engine.simulate import simulate
from coexist.metrics.tables import Tables
from coexist.periods import format_month, month_dates, month_indices, parse_month
from coexist.store import read_run, write_run
from coexist.testing import tiny_world


def test_month_dates_are_first_days_and_round_trip():
    index = np.arange(parse_month("1969-11"), parse_month("2051-02"))
    dates = month_dates(index)
    assert dates.type == pa.date32()
    assert dates[0].as_py() == dt.date(1969, 11, 1) and dates[-1].as_py() == dt.date(2051, 1, 1)
    assert all(d.day == 1 for d in dates.to_pylist())
    np.testing.assert_array_equal(month_indices(dates), index)
    np.testing.assert_array_equal(month_indices(pa.chunked_array([dates[:5], dates[5:]])), index)
    assert [format_month(m) for m in month_indices(dates[:2])] == ["1969-11", "1969-12"]


def test_month_indices_reads_text_dates_and_datetimes_alike():
    expected = [parse_month("2025-03"), parse_month("2024-12")]
    for values in (
        ["2025-03", "2024-12"],
        pa.array(["2025-03", "2024-12"]),
        pa.array(["2025-03", "2024-12"]).dictionary_encode(),
        [dt.date(2025, 3, 1), dt.date(2024, 12, 1)],
        np.array(["2025-03-01", "2024-12-01"], dtype="datetime64[D]"),
        pa.array([dt.datetime(2025, 3, 1), dt.datetime(2024, 12, 1)], type=pa.timestamp("ms")),
    ):
        assert month_indices(values).tolist() == expected


def _as(kind: str, texts: list[str]) -> pa.Array:
    months = pa.array(texts)
    if kind == "date32":
        return month_dates(month_indices(months))
    if kind == "large_string":
        return months.cast(pa.large_string())
    if kind == "dictionary":
        return months.dictionary_encode()
    return months


@pytest.mark.parametrize("kind", ["date32", "string", "large_string", "dictionary"])
def test_month_index_by_position_and_minus_one_outside(kind):
    horizon = pa.table({"month": _as(kind, ["2025-01", "2025-02", "2025-03"])})
    months = _as(kind, ["2025-03", "2024-12", "2025-01", "2025-01", "2025-04"])
    empty = pa.table({"month": pa.array([], pa.date32())})
    tables = Tables(stocks=horizon, flows=empty, demand=empty, measures=empty)
    np.testing.assert_array_equal(tables.month_index(pa.chunked_array([months])), [2, -1, 0, 0, -1])
    assert tables.months == [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert tables.calendar_years.tolist() == [2025, 2025, 2025]


def test_a_run_returns_and_stores_months_as_dates(tmp_path):
    scenario = tiny_world("japan-temporary", ['horizon.end="2025-03"'])
    result = simulate(scenario, seed=1)
    folder = write_run(tmp_path / "run", result, scenario, wall_seconds_total=1.0)
    stored = read_run(folder)
    for name in ("stocks", "flows", "demand", "measures"):
        assert getattr(result, name).schema.field("month").type == pa.date32(), name
        assert getattr(stored, name).schema.field("month").type == pa.date32(), name
    assert sorted(set(stored.demand.column("month").to_pylist())) == [dt.date(2025, m, 1) for m in (1, 2, 3)]
