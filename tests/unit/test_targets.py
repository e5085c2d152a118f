"""The declared targets table, and the inputs of the historical run (none of them a target)."""

import datetime as dt
from collections import Counter

import pytest

from coexist.calibration import TARGET_COLUMNS, load_targets
from coexist.calibration.targets import MEASURE_KINDS
from coexist.codes import STATUSES
from coexist.data import initial_stocks, load_table
from coexist.errors import DataError
from coexist.scenario import load_scenario


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def _rows(targets, series):
    return {r["reference_date"]: r for r in targets.to_pylist() if r["series"] == series}


def test_targets_parse_dates_values_and_columns(targets):
    assert tuple(targets.column_names) == TARGET_COLUMNS
    rows = targets.to_pylist()
    assert all(isinstance(r["reference_date"], dt.date) for r in rows)
    assert all(isinstance(r["value"], float) for r in rows)
    assert {r["measure"] for r in rows} <= set(MEASURE_KINDS)
    assert len(rows) == 183


def test_targets_count_by_series(targets):
    counts = Counter(targets.column("series").to_pylist())
    assert counts["mhlw_workers_total"] == 8
    assert counts["mhlw_workers_titp"] == 8
    assert counts["ssw_holders"] == 14
    assert counts["titp_absconders"] == 8
    assert counts["overstayers_former_titp"] == 4
    assert counts["returnee_job_seeking_share"] == 3
    assert counts["titp_all_new_entries_per_year"] == 7
    assert counts["ssw_new_entries_per_year"] == 4
    assert counts["student_new_entries_per_year"] == 6


def test_entry_targets_are_the_rows_of_the_entries_table(targets):
    """Every entry target is a 2017-2024 row of new_entries_by_status.csv, with its value, URL and flag."""
    names = {"VNM": "Vietnam", "CHN": "China", "IDN": "Indonesia", "PHL": "Philippines", "MMR": "Myanmar",
             "NPL": "Nepal", "": "all"}
    source = [r for r in load_table("new_entries_by_status") if r["metric"] == "new_entrants" and r["value"]]
    entries = [r for r in targets.to_pylist() if r["source"] == "new_entries_by_status"]
    assert len(entries) == 64
    for r in entries:
        ref = r["reference_date"]
        assert ref.year >= 2017, r  # 2016 and earlier rows are inputs
        hits = [s for s in source if s["year"] == str(ref.year) and float(s["value"]) == r["value"]
                and s["source_url"] == r["source_url"] and s["flag"] == r["data_flag"]
                and s["nationality"] == names[r["origins"]]]
        assert len(hits) == 1, r
        if r["measure"] == "flow_period":  # a part of the year: January to the reference month
            assert r["period_start"] == dt.date(ref.year, 1, 1) and ref.month in (6, 9), r
        else:
            assert r["measure"] == "flow_calendar_year" and r["period_start"] is None, r
        # first entries of interns only where the source counts stage i; landings from abroad otherwise
        expected = "entry" if r["series"].startswith(("titp_new", "titp_1ro")) else "entry+reentry"
        assert r["flow"] == expected, r
    by_series = {(r["series"], r["reference_date"]): r for r in entries}
    h1 = by_series[("ssw_new_entries_h1_idn", dt.date(2024, 6, 30))]
    assert h1["value"] == 9_106 and h1["origins"] == "IDN" and h1["statuses"] == "ssw1+ssw2"
    assert h1["split"] == "validate"
    first = by_series[("titp_new_entries_per_year", dt.date(2017, 12, 31))]
    assert first["value"] == 127_671 and first["split"] == "fit"


def test_split_is_fit_2017_to_2022_and_validate_2023_2024(targets):
    for r in targets.to_pylist():
        year = r["reference_date"].year
        if r["measure"].endswith("fiscal_year"):
            year = year - 1 if r["reference_date"].month <= 3 else year  # the fiscal year's first year
        assert 2017 <= year <= 2024, r
        assert r["split"] == ("fit" if year <= 2022 else "validate"), r


def test_targets_reproduce_the_source_tables(targets):
    assert _rows(targets, "mhlw_workers_total")[dt.date(2017, 10, 31)]["value"] == 1_278_670
    assert _rows(targets, "mhlw_workers_titp")[dt.date(2024, 10, 31)]["value"] == 470_725
    professional = _rows(targets, "mhlw_workers_professional")[dt.date(2024, 10, 31)]
    assert professional["value"] == 718_812 and professional["statuses"] == "professional+ssw1+ssw2"
    assert _rows(targets, "titp_absconders")[dt.date(2023, 12, 31)]["value"] == 9_753
    assert _rows(targets, "ssw_holders")[dt.date(2024, 12, 31)]["flags"].startswith("holders (ISA)")
    assert _rows(targets, "overstayers_former_titp")[dt.date(2024, 1, 1)]["value"] == 11_210
    assert _rows(targets, "returnee_job_seeking_share")[dt.date(2018, 3, 31)]["value"] == pytest.approx(0.298)
    assert _rows(targets, "ssw_changed_status_share")[dt.date(2022, 12, 31)]["value"] == pytest.approx(
        106_520 / 130_923, abs=1e-4
    )
    vnm = _rows(targets, "mhlw_workers_vnm")[dt.date(2019, 10, 31)]
    assert vnm["origins"] == "VNM" and vnm["value"] == 401_326
    by_source = {r["source"] for r in targets.to_pylist()}
    for source in by_source:
        load_table(source)  # every source is a shipped data table


def _write(tmp_path, header, row):
    path = tmp_path / "t.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    return path


GOOD = {
    "series": "s",
    "source": "mhlw_by_status",
    "source_url": "u",
    "reference_date": "2020-10-31",
    "value": "5",
    "unit": "persons",
    "measure": "stock",
    "flow": "",
    "statuses": "titp",
    "origins": "",
    "flags": "f",
    "data_flag": "reported",
    "split": "fit",
    "notes": "",
}


def test_a_good_minimal_table_loads(tmp_path):
    table = load_targets(_write(tmp_path, list(GOOD), list(GOOD.values())))
    assert table.num_rows == 1 and table.column("reference_date").to_pylist() == [dt.date(2020, 10, 31)]


def test_unknown_column_is_rejected(tmp_path):
    header = [*GOOD, "weight"]
    with pytest.raises(DataError, match="unknown column.*weight"):
        load_targets(_write(tmp_path, header, [*GOOD.values(), "1"]))


def test_missing_column_is_rejected(tmp_path):
    header = [c for c in GOOD if c != "split"]
    with pytest.raises(DataError, match="missing column.*split"):
        load_targets(_write(tmp_path, header, [GOOD[c] for c in header]))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("reference_date", "2020-13-01", "reference_date must be a date"),
        ("value", "many", "value must be a number"),
        ("measure", "average", "measure must be one of"),
        ("statuses", "titp+intern", "statuses must be model statuses"),
        ("origins", "XXX", "origins must be empty"),
        ("split", "train", "split must be one of"),
        ("data_flag", "guess", "data_flag must be one of"),
        ("flow", "abscond", "only flow measures take a flow"),
    ],
)
def test_bad_cells_are_rejected_with_the_line(tmp_path, column, value, message):
    row = dict(GOOD, **{column: value})
    with pytest.raises(DataError, match=f"line 2: {message}"):
        load_targets(_write(tmp_path, list(row), list(row.values())))


def test_a_flow_measure_needs_a_known_flow(tmp_path):
    row = dict(GOOD, measure="flow_calendar_year", flow="vanish")
    with pytest.raises(DataError, match="needs flow among"):
        load_targets(_write(tmp_path, list(row), list(row.values())))


def test_a_flow_measure_may_join_flows_of_one_direction(tmp_path):
    row = dict(GOOD, measure="flow_calendar_year", flow="entry+reentry")
    assert load_targets(_write(tmp_path, list(row), list(row.values()))).column("flow").to_pylist() == ["entry+reentry"]
    row = dict(GOOD, measure="flow_calendar_year", flow="entry+abscond")
    with pytest.raises(DataError, match="line 2: flow must join arrivals"):
        load_targets(_write(tmp_path, list(row), list(row.values())))


def test_a_period_flow_needs_its_first_day(tmp_path):
    row = dict(GOOD, measure="flow_period", flow="entry", reference_date="2024-06-30", period_start="2024-01-01")
    table = load_targets(_write(tmp_path, list(row), list(row.values())))
    assert table.column("period_start").to_pylist() == [dt.date(2024, 1, 1)]
    for start, message in (("", "needs period_start"), ("2024-01-15", "first day of a month"),
                           ("2024-07-01", "on or before the reference date")):
        row["period_start"] = start
        with pytest.raises(DataError, match=f"line 2: .*{message}"):
            load_targets(_write(tmp_path, list(row), list(row.values())))
    row = dict(GOOD, period_start="2020-01-01")
    with pytest.raises(DataError, match="line 2: only measure 'flow_period' takes a period_start"):
        load_targets(_write(tmp_path, list(row), list(row.values())))


def test_duplicate_series_date_is_rejected(tmp_path):
    path = tmp_path / "t.csv"
    line = ",".join(GOOD.values())
    path.write_text(",".join(GOOD) + "\n" + line + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="two rows for 2020-10-31"):
        load_targets(path)


# ----- inputs of the historical run ----------------------------------------------------


def test_initial_stocks_2016_reproduce_their_margins_exactly():
    st = initial_stocks("2016-12")
    assert st.reference_date == "2016-12"
    by_status = st.by_status()
    for status, margin in st.margins["status"].items():
        assert by_status[status] == round(margin.value), status
    regular = tuple(s for s in st.margins["status"])
    by_origin = st.by_origin(regular)
    for origin, margin in st.margins["nationality"].items():
        assert by_origin[origin] == round(margin.value), origin
    assert sum(st.by_status()[s] for s in regular) == 1_083_769  # MHLW total, October 2016
    assert by_status["ssw1"] == by_status["ssw2"] == by_status["esd"] == 0
    assert by_status["irregular"] == 6_500
    assert st.counts.shape == (len(STATUSES), 8, 8) and not st.counts.flags.writeable


def test_initial_stocks_2016_read_nothing_dated_2017_or_later():
    st = initial_stocks("2016-12")
    for family, margins in st.margins.items():
        for key, value in margins.items():
            assert value.ref_date[:4] < "2017", (family, key, value.ref_date)
    for name, value in st.assumptions.items():
        assert value.low is not None and value.high is not None, name


def test_history_scenario_starts_from_2016_and_dates_the_border_closure():
    s = load_scenario("japan-history", overrides=['behaviour_defaults="embedded"'])  # the file's own values
    assert (s.horizon.start, s.horizon.end, s.horizon.earliest_start) == ("2017-01", "2024-12", "2017-01")
    assert s.population.initial == "japan-2016-12"
    assert s.programme.entry_openness == {
        "2017-01": 1.0,
        "2020-04": 0.05,
        "2020-10": 0.5,
        "2021-01": 0.05,
        "2022-03": 0.4,
        "2022-10": 1.0,
    }
    # by default the shipped calibration's border factors replace the written ones, same dates
    from coexist.data import calibration

    shipped = calibration()["assumptions"]
    openness = load_scenario("japan-history").programme.entry_openness
    assert openness == {
        "2017-01": 1.0,
        "2020-04": shipped["closed_border_openness"],
        "2020-10": shipped["partial_border_openness"],
        "2021-01": shipped["closed_border_openness"],
        "2022-03": shipped.get("reopening_openness", 0.4),
        "2022-10": 1.0,
    }
    assert "esd" not in s.statuses
    with pytest.raises(Exception, match="2017-01"):
        load_scenario("japan-history", start="2016-06")


def test_history_demand_is_not_an_observed_series(targets):
    s = load_scenario("japan-history")
    observed = {round(v) for v in targets.column("value").to_pylist()}
    assert not {round(v) for v in s.demand.initial.values()} & observed
