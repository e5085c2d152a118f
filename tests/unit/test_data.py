"""Tests of the embedded data: raking, integerisation, stocks, sources, parameters."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from coexist.codes import ORIGINS, SECTORS, STATUSES
from coexist.data import (
    FLAGS,
    Margin,
    Sourced,
    caps,
    data_assumptions,
    demand_anchors,
    exchange_rates_by_year,
    fees_by_year,
    home_wages_by_year,
    host_wages,
    initial_stocks,
    integerise,
    integerise_2d,
    load_table,
    origin_profiles,
    other_status_inflows,
    parameters,
    parameters_markdown,
    rake,
    sector_wage_factors,
    table_names,
)
from coexist.data.parameters import PARAMETER_NAMES, _parse
from coexist.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- raking and rounding
def _toy_seed() -> np.ndarray:
    return np.random.default_rng(42).uniform(0.1, 1.0, size=(3, 4, 5))


def test_rake_reproduces_full_and_partial_margins_on_3d_example():
    margins = [
        Margin(keep=(0,), target=[100.0, 200.0, 300.0], name="a"),
        Margin(keep=(1, 2), target=np.full((4, 5), 30.0), name="bc"),
        Margin(keep=(2,), target=[np.nan, 20.0, 40.0, 10.0, np.nan], select=([0, 1], None, None), name="partial"),
        Margin(keep=(), target=15.0, select=([0], [3], [0, 1]), name="scalar block"),
    ]
    fitted = rake(_toy_seed(), margins)
    assert np.allclose(fitted.sum(axis=(1, 2)), [100, 200, 300])
    assert np.allclose(fitted.sum(axis=0), 30.0)
    assert np.allclose(fitted[:2].sum(axis=(0, 1))[1:4], [20, 40, 10])
    assert fitted[0, 3, :2].sum() == pytest.approx(15.0)
    assert (fitted >= 0).all()


def test_rake_accepts_tuples_and_keeps_structural_zeros():
    seed = np.ones((2, 3))
    seed[0, 0] = 0.0
    fitted = rake(seed, [((0,), [4.0, 6.0]), (None, 1, [3.0, 3.0, 4.0])])
    assert fitted[0, 0] == 0.0
    assert np.allclose(fitted.sum(axis=1), [4, 6]) and np.allclose(fitted.sum(axis=0), [3, 3, 4])


def test_rake_rejects_inconsistent_margins():
    with pytest.raises(DataError, match="did not converge"):
        rake(np.ones((2, 2)), [((0,), [1.0, 1.0]), ((1,), [5.0, 5.0])], max_iter=50)
    with pytest.raises(DataError, match="only zeros"):
        rake(np.zeros((2, 2)), [((0,), [1.0, 1.0])])


@pytest.mark.parametrize("rng", [None, np.random.default_rng(3)])
def test_integerise_keeps_total_and_stays_within_one(rng):
    x = np.random.default_rng(7).uniform(0, 50, size=(4, 6))
    out = integerise(x, rng)
    assert out.dtype == np.int64
    assert out.sum() == round(x.sum())
    assert np.all(np.abs(out - x) < 2) and (out >= 0).all()


def test_integerise_is_deterministic_largest_remainder():
    assert integerise(np.array([0.2, 0.7, 1.1])).tolist() == [0, 1, 1]


def test_integerise_2d_keeps_row_and_column_sums():
    m = rake(_toy_seed().sum(axis=2), [((0,), [101.0, 57.0, 42.0]), ((1,), [50.0, 50.0, 60.0, 40.0])])
    out = integerise_2d(m)
    assert out.sum(axis=1).tolist() == [101, 57, 42]
    assert out.sum(axis=0).tolist() == [50, 50, 60, 40]
    assert np.all(np.abs(out - m) < 1)


# ---------------------------------------------------------------- initial stocks
def test_initial_stocks_reproduce_status_and_nationality_exactly():
    st = initial_stocks()
    assert st.counts.shape == (len(STATUSES), len(ORIGINS), len(SECTORS))
    assert st.counts.dtype == np.int64 and (st.counts >= 0).all()
    by_status = st.by_status()
    for status, target in st.margins["status"].items():
        assert by_status[status] == target.value, status
    raked = tuple(st.margins["status"])
    by_origin = st.by_origin(raked)
    for origin, target in st.margins["nationality"].items():
        assert by_origin[origin] == target.value, origin
    for status in ("home", "returned", "esd"):
        assert by_status[status] == 0


def test_initial_stocks_reproduce_other_margins_within_half_percent():
    st = initial_stocks()
    raked = tuple(st.margins["status"])
    checks = [
        ("industry", st.by_sector(raked)),
        ("ssw_by_field", st.by_sector(("ssw1", "ssw2"))),
        ("ssw_by_nationality", st.by_origin(("ssw1", "ssw2"))),
    ]
    for family, got in checks:
        for key, target in st.margins[family].items():
            assert got[key] == pytest.approx(target.value, rel=0.005, abs=2), (family, key)
    irregular = st.by_origin(("irregular",))
    assert sum(irregular.values()) == st.margins["irregular"]["total"].value
    assert st.total == sum(v.value for v in st.margins["status"].values()) + 11_210


def test_initial_stocks_headline_numbers_and_read_only():
    st = initial_stocks()
    assert st.reference_date == "2024-12"
    assert st.by_status()["ssw1"] + st.by_status()["ssw2"] == 206_995
    assert st.by_status()["professional"] == 718_812 - 206_995
    assert (
        st.by_origin()["BRA"] >= 0.95 * 131_112
        and st.counts[STATUSES.index("status_based"), ORIGINS.index("BRA")].sum() > 0.9 * 131_112
    )
    with pytest.raises(ValueError):
        st.counts[1, 0, 0] = 0
    with pytest.raises(DataError, match="2024-12"):
        initial_stocks("2019-12")


# ---------------------------------------------------------------- sourced values
def _all_sourced() -> list[tuple[str, Sourced]]:
    st = initial_stocks()
    out = [(f"margin {f}.{k}", v) for f, d in st.margins.items() for k, v in d.items()]
    out += [(f"assumption {k}", v) for k, v in data_assumptions().items()]
    for code, p in origin_profiles().items():
        out += [
            (f"{code}.{a}", getattr(p, a))
            for a in ("home_wage_jpy", "unemployment_rate", "fee_jpy", "borrowed_share", "pool_size")
        ]
    out += [(f"{code} home wage {month}", v) for code, t in home_wages_by_year().items() for month, v in t.items()]
    out += [(f"{code} fee {month}", v) for code, t in fees_by_year().items() for month, v in t.items()]
    out += [(f"{cur} per USD {year}", v) for cur, t in exchange_rates_by_year().items() for year, v in t.items()]
    out += [(f"wage {k}", v) for k, v in host_wages().items()]
    out += [(f"factor {k}", v) for k, v in sector_wage_factors().items()]
    out += [(f"anchor {k}", v) for k, v in demand_anchors().items()]
    out += [(f"inflow {k}", v) for k, v in other_status_inflows().items()]
    return out


def test_every_sourced_value_has_source_date_and_flag():
    items = _all_sourced()
    assert len(items) > 100
    for label, s in items:
        assert s.flag in FLAGS, label
        assert s.source == "assumption" or s.source.startswith("http"), label
        assert s.ref_date, label
        if s.flag == "assumption":
            assert s.low is not None and s.high is not None and s.low <= s.value <= s.high, label
            assert s.note, label


def test_sourced_rejects_bad_flag_and_unranged_assumption():
    with pytest.raises(DataError):
        Sourced(1.0, "assumption", "2024", "guess")
    with pytest.raises(DataError, match="range"):
        Sourced(1.0, "assumption", "2024", "assumption")


def test_origin_profiles_cover_all_origins_with_plausible_values():
    profiles = origin_profiles()
    assert tuple(profiles) == ORIGINS
    for code, p in profiles.items():
        assert 5_000 < p.home_wage_jpy.value < 200_000, code
        assert 0 < p.unemployment_rate.value < 0.3, code
        assert 0 <= p.borrowed_share.value <= 1, code
        assert p.pool_size.value > 0 and p.fee_jpy.value >= 0, code
    assert profiles["VNM"].fee_jpy.value == 688_143 and profiles["VNM"].fee_jpy.flag == "reported"


def test_dated_origin_profiles_keep_their_sources_and_meet_the_2024_profile():
    wages, fees, fx = home_wages_by_year(), fees_by_year(), exchange_rates_by_year()
    assert tuple(wages) == tuple(fees) == ORIGINS
    for code, profile in origin_profiles().items():
        assert profile.home_wage_by_year is wages[code] and profile.fee_by_year is fees[code]
        assert wages[code]["2024-01"] == profile.home_wage_jpy  # forward runs start from the same level
        assert fees[code]["2022-01"] == profile.fee_jpy  # the survey year keeps the survey's value
        assert list(wages[code]) == sorted(wages[code]) and set(fees[code]) == set(wages[code])
        assert "2017-01" in wages[code] or code in ("VNM", "PHL", "IDN", "NPL")  # the others grow back
    # a reported year: the local series' row and that year's reported exchange rates
    row = [r for r in load_table("origin_wages_more")
           if r["country"] == "China" and r["year"] == "2019" and r["metric"] == "migrant_worker_monthly_income"][0]
    china = wages["CHN"]["2019-01"]
    assert china.value == round(3962 / fx["CNY"][2019].value * fx["JPY"][2019].value, -1)
    assert china.source == row["source_url"] and "origin_wages_more.csv 2019" in china.note
    # a year between survey years is interpolated in the local money, at its own exchange rates
    philippines = wages["PHL"]["2019-01"]
    local = (18108 * 16486) ** 0.5
    assert philippines.value == round(local / fx["PHP"][2019].value * fx["JPY"][2019].value, -1)
    assert "interpolated" in philippines.note
    # a gap in the exchange rates: between its neighbours, an assumption that says so
    yen = fx["JPY"][2022]
    assert yen.flag == "assumption" and yen.low == fx["JPY"][2021].value and yen.high == fx["JPY"][2023].value
    assert yen.low < yen.value < yen.high and "interpolated" in yen.note
    # fees follow the home wage from the 2022 survey (elasticity 1), ranged down to the 2022 level
    fee = fees["VNM"]["2024-01"]
    ratio = wages["VNM"]["2024-01"].value / wages["VNM"]["2022-01"].value
    assert fee.value == round(688_143 * ratio, -2) and fee.low == 688_143 and fee.flag == "assumption"


def test_origin_profiles_as_scenario_values_are_dated_tables():
    values = origin_profiles()["IDN"].scenario_values()
    assert values["home_wage"]["2024-01"] == origin_profiles()["IDN"].home_wage_jpy.value
    assert list(values["fee"]) == list(values["home_wage"])
    assert values["recruitment_weight"] == 1.0 and values["pool_size"] > 0


def test_host_wages_and_factors():
    wages = host_wages()
    assert set(wages) == {"titp", "esd", "ssw1", "ssw2", "professional", "student", "status_based", "designated"}
    assert wages["titp"].value == 182_700 and wages["esd"].value == wages["titp"].value
    assert wages["titp"].value < wages["ssw1"].value < wages["professional"].value
    factors = sector_wage_factors()
    assert tuple(factors) == SECTORS
    assert factors["manufacturing"].value == pytest.approx(192_600 / 232_600, abs=1e-4)


def test_caps_are_positive_dated_and_sum_to_published_totals():
    records = caps()
    totals: dict[tuple[str, str], int] = {}
    for c in records:
        assert c.persons > 0 and c.status in ("ssw1", "esd") and c.sector in SECTORS
        assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", c.valid_from) and c.source
        totals[(c.status, c.valid_from)] = totals.get((c.status, c.valid_from), 0) + c.persons
    assert totals == {
        ("ssw1", "2019-04"): 345_150,
        ("ssw1", "2024-04"): 820_000,
        ("ssw1", "2026-01"): 805_700,
        ("esd", "2026-01"): 426_200,
    }


def test_demand_anchors_and_inflows():
    anchors = demand_anchors()
    assert anchors["foreign_workers_2024_10"].value == 2_302_587
    assert anchors["jica_2040_needed"].value > anchors["jica_2030_needed"].value
    inflows = other_status_inflows()
    assert inflows["student_monthly"].value == pytest.approx(167_087 / 12, abs=0.1)
    assert 0 < inflows["ssw_share_entered_from_abroad"].value < 1


def test_load_table_returns_copies_and_rejects_unknown():
    assert "mhlw_by_status" in table_names()
    rows = load_table("mhlw_by_status")
    rows[0]["workers"] = "x"
    assert load_table("mhlw_by_status")[0]["workers"] != "x"
    assert all("source_url" in r for r in rows)
    with pytest.raises(DataError, match="must be one of"):
        load_table("no_such_table")


# ---------------------------------------------------------------- parameters
def test_parameters_complete_and_in_range():
    params = parameters()
    expected = [n for names in PARAMETER_NAMES.values() for n in names]
    assert list(params) == expected and len(expected) == 65
    for p in params.values():
        assert p.low <= p.default <= p.high, p.name
        assert p.source and p.unit and p.description, p.name
        assert p.identification == "prior only" or p.identification.startswith("target: "), p.name
    for name in ("abscond_tie", "abscond_option", "nu_option", "match_premium_annual"):
        assert params[name].identification == "prior only"


def _toml_with(extra: str) -> str:
    text = (ROOT / "src/coexist/data/parameters.toml").read_text()
    return text + extra


def test_parameters_reject_unknown_keys_and_bad_ranges():
    text = (ROOT / "src/coexist/data/parameters.toml").read_text()
    with pytest.raises(DataError, match="unknown parameter"):
        _parse(_toml_with("\n[skills.typo_rate]\ndefault = 1\n"), "x.toml")
    with pytest.raises(DataError, match="unknown parameter group"):
        _parse(_toml_with("\n[nonsense.a]\ndefault = 1\n"), "x.toml")
    bad = text.replace(
        "[recruitment.application_rate]\ndefault = 0.01", "[recruitment.application_rate]\ndefault = 0.5", 1
    )
    assert bad != text
    with pytest.raises(DataError, match="low <= default <= high"):
        _parse(bad, "x.toml")
    extra_key = text.replace("[recruitment.beta_gain]\n", "[recruitment.beta_gain]\nflag = 'x'\n", 1)
    with pytest.raises(DataError, match="exactly the keys"):
        _parse(extra_key, "x.toml")


def test_docs_parameters_md_is_up_to_date():
    doc = (ROOT / "docs/parameters.md").read_text()
    assert doc == parameters_markdown(), "regenerate docs/parameters.md with coexist.data.parameters_markdown()"
