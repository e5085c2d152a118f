"""Inputs other than the stocks: origin profiles, host wages, caps, demand anchors, entry flows."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from coexist.codes import ORIGIN_NAMES, ORIGINS, SECTORS
from coexist.data._core import Sourced, _num, _pick, _url, load_table
from coexist.data.raking import integerise
from coexist.errors import DataError

__all__ = [
    "OriginProfile",
    "CapRecord",
    "origin_profiles",
    "exchange_rate_assumptions",
    "exchange_rates_by_year",
    "home_wages_by_year",
    "fees_by_year",
    "fee_wage_elasticity",
    "recruitment_weights",
    "SERIES_YEARS",
    "host_wages",
    "sector_wage_factors",
    "caps",
    "demand_anchors",
    "other_status_inflows",
    "SSW_FIELD_SECTOR",
]

A = "assumption"


def _assume(value: float, low: float, high: float, ref: str, note: str) -> Sourced:
    return Sourced(float(value), A, ref, A, note, low=float(low), high=float(high))


# ----------------------------------------------------------------------------------------
# Exchange rates (2024 annual averages are gaps in exchange_rates.csv)
# ----------------------------------------------------------------------------------------
@functools.cache
def exchange_rate_assumptions() -> dict[str, Sourced]:
    """Units of each currency per US dollar, 2024 annual average (all assumptions).

    Returns
    -------
    dict of str to Sourced
        Keyed by ISO currency code (JPY, VND, CNY, PHP, NPR, IDR). The 2022-2024
        rates are gaps in ``exchange_rates.csv``; each value states its reasoning
        and range. Myanmar's kyat is not used (home wage set in dollars).
    """
    last = {}
    for r in load_table("exchange_rates"):
        if r["value"] and r["flag"] in ("reported", "uncertain"):
            cur = r["currency"]
            if cur not in last or int(r["year"]) > int(last[cur]["year"]):
                last[cur] = r

    def basis(cur: str) -> str:
        r = last[cur]
        return f"last value in exchange_rates.csv: {r['year']} {float(r['value']):g} ({r['flag']})"

    ref = "2024"
    return {
        "JPY": _assume(150.0, 140.0, 160.0, ref, f"yen per USD; {basis('JPY')}; the yen kept weakening in 2024"),
        "VND": _assume(
            25_300.0,
            24_500.0,
            25_800.0,
            ref,
            f"dong per USD; {basis('VND')}; origin_country_wages_unemployment.csv prints 7.7m VND as ~USD 304 "
            "for 2024 (= 25,300)",
        ),
        "CNY": _assume(7.15, 6.9, 7.3, ref, f"yuan per USD; {basis('CNY')}; managed rate, weaker since 2022"),
        "PHP": _assume(57.0, 54.0, 59.0, ref, f"pesos per USD; {basis('PHP')}; gradual depreciation since 2021"),
        "NPR": _assume(
            133.0, 128.0, 137.0, ref, f"rupees per USD; {basis('NPR')}; pegged to the Indian rupee at 1.6"
        ),
        "IDR": _assume(15_900.0, 15_200.0, 16_400.0, ref, f"rupiah per USD; {basis('IDR')}; gradual depreciation"),
    }


@dataclass(frozen=True)
class OriginProfile:
    """What the model needs to know about an origin country.

    Attributes
    ----------
    code, name : str
        ORIGINS code and English name.
    home_wage_jpy : Sourced
        Average monthly earnings at home in 2024, in yen per month.
    unemployment_rate : Sourced
        Fraction of the labour force (0-1).
    fee_jpy : Sourced
        Average pre-departure payments of a TITP entrant, yen.
    borrowed_share : Sourced
        Share of entrants who borrowed to pay them (0-1).
    pool_size : Sourced
        Persons who would consider working in Japan (assumption).
    home_wage_by_year, fee_by_year : dict of str to Sourced
        The dated tables (``"YYYY-01"`` -> value) of :func:`home_wages_by_year` and
        :func:`fees_by_year`; their 2024 and 2022 entries are ``home_wage_jpy`` and
        ``fee_jpy``.
    recruitment_weight : Sourced
        Relative capacity of the origin's sending channel (:func:`recruitment_weights`).
    """

    code: str
    name: str
    home_wage_jpy: Sourced
    unemployment_rate: Sourced
    fee_jpy: Sourced
    borrowed_share: Sourced
    pool_size: Sourced
    home_wage_by_year: dict[str, Sourced]
    fee_by_year: dict[str, Sourced]
    recruitment_weight: Sourced

    def scenario_values(self) -> dict[str, float | dict[str, float]]:
        """The profile as the values of a scenario's ``[origins.<code>]`` (dated tables where
        the data is dated), the defaults of a yen host."""
        return {
            "home_wage": {month: s.value for month, s in self.home_wage_by_year.items()},
            "fee": {month: s.value for month, s in self.fee_by_year.items()},
            "recruitment_weight": self.recruitment_weight.value,
            "pool_size": self.pool_size.value,
            "unemployment_rate": self.unemployment_rate.value,
        }


def _home_wages() -> dict[str, Sourced]:
    fx = exchange_rate_assumptions()
    jpy = fx["JPY"]
    out: dict[str, Sourced] = {}

    def convert(code: str, local: float, cur: str, row: dict[str, str], what: str, flag: str = "derived") -> None:
        rate = fx[cur]
        value = local / rate.value * jpy.value
        out[code] = Sourced(
            round(value, -1),
            _url(row),
            "2024",
            flag,
            f"{what}: {local:,.0f} {cur}/month ({row['flag']}) at assumed {rate.value:g} {cur}/USD and "
            f"{jpy.value:g} JPY/USD",
            low=round(local / rate.high * jpy.low, -1),
            high=round(local / rate.low * jpy.high, -1),
        )

    vn = _pick("origin_country_wages_unemployment", country="Vietnam", year="2024", metric="avg_monthly_income_workers")
    convert("VNM", _num(vn, "value") * 1e6, "VND", vn, "GSO average monthly income of workers 2024")
    cn = _pick("origin_wages_more", country="China", year="2024", metric="migrant_worker_monthly_income")
    convert(
        "CHN", _num(cn, "value"), "CNY", cn, "NBS migrant-worker monthly income 2024 (the candidate population)",
        flag="uncertain",
    )
    ph = _pick(
        "origin_country_wages_unemployment", country="Philippines", year="2024",
        metric="avg_monthly_wage_time_rated_fulltime",
    )
    convert("PHL", _num(ph, "value"), "PHP", ph, "PSA occupational wage survey 2024 (formal firms; overstates)")
    idn = _pick(
        "origin_country_wages_unemployment", country="Indonesia", year="2024", metric="avg_monthly_wage_employees"
    )
    convert("IDN", _num(idn, "value") * 1e6, "IDR", idn, "BPS average monthly wage of employees, August 2024")
    npl = _pick("origin_country_wages_unemployment", country="Nepal", year="2017/18", metric="avg_monthly_earnings")
    base = _num(npl, "value")
    grown = base * 1.07**6
    rate = fx["NPR"]
    out["NPL"] = _assume(
        round(grown / rate.value * jpy.value, -1),
        round(base * 1.04**6 / rate.high * jpy.low, -1),
        round(base * 1.10**6 / rate.low * jpy.high, -1),
        "2024",
        f"NLFS III 2017/18 average monthly earnings {base:,.0f} NPR ({_url(npl)}) grown 7%/year nominal "
        f"(range 4-10%) for six years, at assumed {rate.value:g} NPR/USD and {jpy.value:g} JPY/USD",
    )
    mm = _pick(
        "origin_country_wages_unemployment", country="Myanmar", year="2018", metric="statutory_minimum_wage_daily"
    )
    out["MMR"] = _assume(
        100.0 * jpy.value,
        70.0 * jpy.low,
        150.0 * jpy.high,
        "2024",
        f"no wage series (a gap): USD 100/month, near the 2018 daily minimum wage {_num(mm, 'value'):,.0f} kyat "
        f"(~USD 3.5/day, {_url(mm)}) x 26 days; the kyat's collapse after 2021 makes a kyat figure meaningless",
    )
    out["BRA"] = _assume(
        600.0 * jpy.value,
        450.0 * jpy.low,
        750.0 * jpy.high,
        "2024",
        "no Brazilian wage in data (a gap): USD 600/month, the order of average usual earnings in an "
        "upper-middle-income country; matters little since Brazilians are almost all status-based",
    )
    out["OTH"] = _assume(
        300.0 * jpy.value,
        150.0 * jpy.low,
        700.0 * jpy.high,
        "2024",
        "mixed group (Cambodia, Thailand, Sri Lanka, Korea, ...): USD 300/month, weighted towards the "
        "programme origins of South and Southeast Asia",
    )
    return out


def _unemployment() -> dict[str, Sourced]:
    def rep(table: str, note: str, **match: str) -> Sourced:
        r = _pick(table, **match)
        return Sourced(round(_num(r, "value") / 100.0, 6), _url(r), match.get("year", ""), r["flag"], note)

    return {
        "VNM": rep(
            "origin_country_wages_unemployment",
            "IMF WEO April 2024 (projection)",
            country="Vietnam",
            year="2024",
            metric="unemployment_rate_IMF_WEO_Apr2024",
        ),
        "CHN": _assume(0.051, 0.045, 0.06, "2024", "a gap in the data (China urban surveyed unemployment ~5%)"),
        "PHL": rep(
            "origin_country_wages_unemployment",
            "PSA labour force survey, July 2024",
            country="Philippines",
            year="2024",
            metric="unemployment_rate_Jul",
        ),
        "NPL": rep(
            "origin_wages_more",
            "NSO Nepal Living Standards Survey IV, FY2022/23",
            country="Nepal",
            year="2022/23",
            metric="unemployment_rate_NLSS_IV",
        ),
        "IDN": rep(
            "origin_country_wages_unemployment",
            "BPS open unemployment, August 2024",
            country="Indonesia",
            year="2024",
            metric="open_unemployment_rate_Aug",
        ),
        "MMR": Sourced(
            0.027,
            _url(
                _pick(
                    "origin_wages_more", country="Myanmar", year="2019", metric="unemployment_rate_intercensal_survey"
                )
            ),
            "2019",
            "uncertain",
            "2019 inter-censal survey, before the 2021 coup; likely higher now",
            low=0.027,
            high=0.10,
        ),
        "BRA": _assume(0.07, 0.06, 0.09, "2024", "a gap in the data"),
        "OTH": _assume(0.05, 0.03, 0.08, "2024", "a gap: mixed group of origins"),
    }


def _fees() -> tuple[dict[str, Sourced], dict[str, Sourced]]:
    ref = "2021-12/2022-04"

    def get(metric: str, nat: str) -> dict[str, str]:
        return _pick("titp_fees_debt_isa2022", metric=metric, nationality=nat)

    fees: dict[str, Sourced] = {}
    for code, nat in (
        ("VNM", "Vietnam"),
        ("CHN", "China"),
        ("PHL", "Philippines"),
        ("IDN", "Indonesia"),
        ("MMR", "Myanmar"),
    ):
        r = get("total_pre_departure_payments_avg_yen", nat)
        fees[code] = Sourced(_num(r, "value"), _url(r), ref, r["flag"], "ISA 2022 survey, average over payers")
    all_row = get("total_pre_departure_payments_avg_yen", "All (6 countries)")
    fees["NPL"] = _assume(
        500_000.0,
        300_000.0,
        700_000.0,
        ref,
        "Nepal is not in the ISA 2022 survey (a gap): a high-cost South Asian corridor, near the six-country "
        f"average {_num(all_row, 'value'):,.0f} yen",
    )
    fees["BRA"] = _assume(
        100_000.0,
        0.0,
        300_000.0,
        ref,
        "a gap: Brazilians enter on family-based statuses with no broker fee; travel only",
    )
    fees["OTH"] = _assume(
        _num(all_row, "value"),
        300_000.0,
        600_000.0,
        ref,
        f"a gap: the six-country average of the ISA 2022 survey ({_url(all_row)}; Cambodia, the largest other "
        "TITP origin, paid 573,607)",
    )
    # Borrowing: reported for All, Vietnam, Cambodia; the pooled share of the other four is derived.
    n = {"VN": 930, "CN": 416, "ID": 324, "PH": 281, "MM": 125, "KH": 108}
    if "VN 930 CN 416 ID 324 PH 281 MM 125 KH 108" not in all_row["notes"]:
        raise DataError("titp_fees_debt_isa2022.csv: the sample sizes in the notes changed; update _fees().")
    s_all = _num(get("share_borrowed_pct", "All"), "value") / 100
    s_vn = _num(get("share_borrowed_pct", "Vietnam"), "value") / 100
    s_kh = _num(get("share_borrowed_pct", "Cambodia"), "value") / 100
    rest = n["CN"] + n["ID"] + n["PH"] + n["MM"]
    pooled = (s_all * sum(n.values()) - s_vn * n["VN"] - s_kh * n["KH"]) / rest
    src = _url(get("share_borrowed_pct", "All"))
    borrowed = {
        "VNM": Sourced(s_vn, src, ref, "reported", "ISA 2022 survey"),
    }
    for code in ("CHN", "PHL", "IDN", "MMR"):
        borrowed[code] = Sourced(
            round(pooled, 3),
            src,
            ref,
            "derived",
            f"pooled share of China, Indonesia, Philippines, Myanmar: (54.7% x 2,184 - 80.0% x 930 - 83.5% x 108) "
            f"/ {rest} respondents; the survey does not give them separately",
            low=0.15,
            high=0.50,
        )
    borrowed["NPL"] = _assume(0.6, 0.3, 0.85, ref, "a gap: high-cost corridor, likely close to Vietnam's 80%")
    borrowed["BRA"] = _assume(0.2, 0.0, 0.4, ref, "a gap: little to finance")
    borrowed["OTH"] = _assume(s_all, 0.3, 0.85, ref, "a gap: the six-country share 54.7% (Cambodia 83.5%)")
    return fees, borrowed


_POOLS = {
    # code: (default, low, high) persons who would consider working in Japan
    "VNM": (1_500_000, 500_000, 4_000_000),
    "CHN": (800_000, 300_000, 3_000_000),
    "PHL": (600_000, 200_000, 2_000_000),
    "NPL": (600_000, 200_000, 2_000_000),
    "IDN": (1_000_000, 300_000, 3_000_000),
    "MMR": (600_000, 200_000, 2_000_000),
    "BRA": (100_000, 30_000, 500_000),
    "OTH": (800_000, 300_000, 3_000_000),
}


@functools.cache
def origin_profiles() -> dict[str, OriginProfile]:
    """Home wage, unemployment, fees, borrowing and candidate pool for every origin.

    Returns
    -------
    dict of str to OriginProfile
        One entry per code in ``ORIGINS``, in that order.

    Examples
    --------
    >>> profiles = origin_profiles()
    >>> profiles["VNM"].fee_jpy.value
    688143.0
    """
    wages = _home_wages()
    unemployment = _unemployment()
    fees, borrowed = _fees()
    dated_wages, dated_fees, weights = home_wages_by_year(), fees_by_year(), recruitment_weights()
    pools = {
        code: _assume(
            d,
            lo,
            hi,
            "2024",
            "candidates who would consider working in Japan: about ten times the origin's yearly entries in "
            "working and student statuses (2024 entries: TITP 147,922, SSW 64,626, students 167,087, engineers "
            "56,532, all origins); wide range because no survey measures it; with application_rate ~1%/month "
            "the pool supplies more applicants than vacancies, so demand binds",
        )
        for code, (d, lo, hi) in _POOLS.items()
    }
    return {
        code: OriginProfile(
            code=code,
            name=ORIGIN_NAMES[code],
            home_wage_jpy=wages[code],
            unemployment_rate=unemployment[code],
            fee_jpy=fees[code],
            borrowed_share=borrowed[code],
            pool_size=pools[code],
            home_wage_by_year=dated_wages[code],
            fee_by_year=dated_fees[code],
            recruitment_weight=weights[code],
        )
        for code in ORIGINS
    }


# ----------------------------------------------------------------------------------------
# Host wages
# ----------------------------------------------------------------------------------------
_WAGE_SURVEY = "MHLW Basic Survey on Wage Structure"


def _wage_rows() -> list[dict[str, str]]:
    return [r for r in load_table("japan_wages_foreign_workers") if r["survey"].startswith(_WAGE_SURVEY)]


def _latest_wage(category: str) -> dict[str, str]:
    rows = [r for r in _wage_rows() if r["category"] == category]
    if not rows:
        raise DataError(f"japan_wages_foreign_workers.csv has no '{category}' row of the {_WAGE_SURVEY}.")
    return max(rows, key=lambda r: int(r["year"]))


@functools.cache
def host_wages() -> dict[str, Sourced]:
    """Monthly scheduled earnings in Japan by status, yen per month.

    From the Basic Survey on Wage Structure (June scheduled earnings of general
    workers), latest year per category. Keys: titp, esd, ssw1, ssw2,
    professional, student, status_based, designated.

    Returns
    -------
    dict of str to Sourced
    """

    def rep(category: str, note: str = "") -> Sourced:
        r = _latest_wage(category)
        return Sourced(
            _num(r, "monthly_wage_yen"), _url(r), r["year"], r["flag"], f"{category} {r['year']}; {note}".strip("; ")
        )

    titp = rep("TITP")
    ssw = rep("SSW")
    prof = rep("professional_excl_SSW")
    other = rep("other")
    return {
        "titp": titp,
        "esd": _assume(
            titp.value,
            round(titp.value * 0.95, -2),
            round(titp.value * 1.15, -2),
            titp.ref_date,
            "ESD starts 2027-04 and has no wage data: set equal to TITP (the same entry-level work)",
        ),
        "ssw1": rep("SSW", "all SSW (SSW-ii holders are 0.3% of them)"),
        "ssw2": _assume(
            round(ssw.value * 1.1, -2),
            ssw.value,
            prof.value,
            ssw.ref_date,
            "no SSW-ii wage in data: SSW x 1.1 (experienced, supervisory work), between SSW and professional",
        ),
        "professional": prof,
        "student": _assume(
            130_000.0,
            90_000.0,
            150_000.0,
            "2024",
            "part-time work capped at 28 hours/week: ~28 h x 4.3 weeks x ~1,100 yen/hour",
        ),
        "status_based": rep("status_based", "latest year in this survey"),
        "designated": Sourced(
            other.value,
            other.source,
            other.ref_date,
            "uncertain",
            "'other' statuses of the wage survey (includes designated activities)",
        ),
    }


_INDUSTRY_SECTOR = {
    "industry_manufacturing": "manufacturing",
    "industry_construction": "construction",
    "industry_accommodation_food": "food_lodging",
    "industry_medical_welfare": "caregiving",
}


@functools.cache
def sector_wage_factors() -> dict[str, Sourced]:
    """Sector wage relative to the all-foreign average (2023 wage-structure industry rows).

    Returns
    -------
    dict of str to Sourced
        One factor per sector code. Sectors without an industry row are 1.0
        (assumption), except food manufacturing, which takes the manufacturing
        factor (it is part of that industry).

    Notes
    -----
    The factors mix status composition into the sector effect (manufacturing is
    low partly because it employs many TITP): multiplying a status wage by them
    double-counts part of the status gap. Calibrate or shrink them if it matters.
    """
    rows = {r["category"]: r for r in _wage_rows() if r["year"] == "2023"}
    base = rows["all_foreign"]
    b = _num(base, "monthly_wage_yen")
    out: dict[str, Sourced] = {}
    for cat, sector in _INDUSTRY_SECTOR.items():
        r = rows[cat]
        out[sector] = Sourced(
            round(_num(r, "monthly_wage_yen") / b, 4),
            _url(r),
            "2023",
            "derived",
            f"{cat} {_num(r, 'monthly_wage_yen'):,.0f} / all foreign {b:,.0f} yen",
        )
    m = out["manufacturing"].value
    out["food_manufacturing"] = _assume(m, m, 1.0, "2023", "a gap: takes the manufacturing factor")
    for sector in ("agriculture", "retail", "other_services"):
        out[sector] = _assume(1.0, 0.8, 1.1, "2023", "a gap: no industry row in the wage survey")
    return {s: out[s] for s in SECTORS}


# ----------------------------------------------------------------------------------------
# Caps
# ----------------------------------------------------------------------------------------
#: SSW field -> model sector (aviation and auto repair are services: other_services).
SSW_FIELD_SECTOR: dict[str, str] = {
    "industrial_products_manufacturing": "manufacturing",
    "sokeizai_materials": "manufacturing",
    "industrial_machinery": "manufacturing",
    "electronics": "manufacturing",
    "shipbuilding": "manufacturing",
    "auto_repair": "other_services",
    "aviation": "other_services",
    "food_beverage_manufacturing": "food_manufacturing",
    "construction": "construction",
    "agriculture": "agriculture",
    "fishery": "agriculture",
    "forestry": "agriculture",
    "wood_industry": "agriculture",
    "caregiving": "caregiving",
    "food_service": "food_lodging",
    "lodging": "food_lodging",
    "building_cleaning": "other_services",
    "automobile_transport": "other_services",
    "railway": "other_services",
}


@dataclass(frozen=True)
class CapRecord:
    """A ceiling on the stock of holders of a status in one sector, from a month on.

    Attributes
    ----------
    status : str
        ``"ssw1"`` or ``"esd"``.
    sector : str
        Sector code.
    valid_from : str
        First month it applies (``"YYYY-MM"``); it holds until the next record
        of the same status and sector.
    persons : int
        Ceiling on the number of holders.
    source : str
        URL (or ``"assumption"`` where the sector split is assumed).
    flag : str
        reported / derived / assumption.
    note : str
        The fields summed and any split applied.
    """

    status: str
    sector: str
    valid_from: str
    persons: int
    source: str
    flag: str
    note: str = ""


def _cap_rows(prefix: str, scheme: str) -> dict[str, dict[str, str]]:
    return {
        r["field"]: r for r in load_table("ssw_esd_caps") if r["period"].startswith(prefix) and r["scheme"] == scheme
    }


def _fy2024_fields() -> tuple[dict[str, float], dict[str, str], str]:
    """FY2024-28 SSW caps per field, gaps filled as documented. Returns (persons, flag, url)."""
    rows = _cap_rows("FY2024-FY2028", "SSW1")
    url = _url(rows["TOTAL"])
    shortage = {r["sector"]: r for r in load_table("sector_shortage") if r["target_period"] == "FY2024-FY2028"}
    fields = {
        "industrial_products_manufacturing": _num(rows["industrial_products_manufacturing"], "cap_persons"),
        "food_beverage_manufacturing": _num(rows["food_beverage_manufacturing"], "cap_persons"),
        "caregiving": _num(rows["caregiving"], "cap_persons"),
        "food_service": _num(rows["food_service"], "cap_persons"),
        "construction": _num(shortage["construction"], "value"),
        "agriculture": _num(shortage["agriculture"], "value"),
        "automobile_transport": _num(shortage["logistics (automobile transport: truck/bus/taxi drivers)"], "value"),
        "railway": _num(shortage["railway"], "value"),
    }
    flags = {k: "reported" for k in fields}
    total = _num(rows["TOTAL"], "cap_persons")
    mhlw = _num(rows["MHLW_fields_total(incl care)"], "cap_persons")
    mlit = _num(rows["MLIT_fields_total(construction etc)"], "cap_persons")
    fields["building_cleaning"] = mhlw - fields["caregiving"]
    flags["building_cleaning"] = "derived"
    mlit_rest = mlit - fields["construction"] - fields["automobile_transport"] - fields["railway"]
    old = _cap_rows("FY2019-FY2023", "SSW1")
    split_fields = ("shipbuilding", "auto_repair", "aviation", "lodging")
    weights = np.array([_num(old[f], "cap_persons") for f in split_fields])
    split = integerise(mlit_rest * weights / weights.sum())
    for f, v in zip(split_fields, split, strict=True):
        fields[f] = float(v)
        flags[f] = "assumption"
    # MAFF fields: total minus METI (industrial products), MHLW and MLIT fields, minus the known MAFF fields.
    maff_rest = (
        total
        - fields["industrial_products_manufacturing"]
        - mhlw
        - mlit
        - fields["agriculture"]
        - fields["food_beverage_manufacturing"]
        - fields["food_service"]
    )
    fields["fishery_forestry_wood"] = maff_rest
    flags["fishery_forestry_wood"] = "derived"
    return fields, flags, url


_FIELD_SECTOR_EXTRA = {"fishery_forestry_wood": "agriculture"}


def _to_sectors(fields: dict[str, float]) -> dict[str, float]:
    out = dict.fromkeys(SECTORS, 0.0)
    for f, v in fields.items():
        out[SSW_FIELD_SECTOR.get(f) or _FIELD_SECTOR_EXTRA[f]] += v
    return out


@functools.cache
def caps() -> tuple[CapRecord, ...]:
    """Acceptance ceilings (stocks of holders) for SSW-i and ESD, by sector and start month.

    Three sets: FY2019-23 (from 2019-04, SSW-i), FY2024-28 (from 2024-04, SSW-i)
    and the January 2026 revision to the end of FY2028 (from 2026-01, SSW-i and
    ESD). Fields are summed into sectors with :data:`SSW_FIELD_SECTOR`.

    Returns
    -------
    tuple of CapRecord

    Notes
    -----
    FY2024-28: the per-field figures for shipbuilding, auto repair, aviation and
    lodging are gaps; their sum is derived (MLIT fields total minus
    construction, automobile transport and railway) and split in proportion to
    their FY2019-23 caps (an assumption). Building cleaning = MHLW fields total
    minus caregiving; fishery + forestry + wood = the total minus every other
    field. The 2026 revision gives manufacturing (industrial products),
    construction, lodging and food service; the rest of each total is split in
    proportion to the FY2024-28 caps of the remaining fields (an assumption).
    """
    out: list[CapRecord] = []
    old = _cap_rows("FY2019-FY2023", "SSW1")
    old_fields = {f: _num(r, "cap_persons") for f, r in old.items() if f != "TOTAL"}
    for sector, v in _to_sectors(old_fields).items():
        if v <= 0:
            continue
        fs = sorted(f for f in old_fields if SSW_FIELD_SECTOR[f] == sector)
        out.append(
            CapRecord("ssw1", sector, "2019-04", int(v), _url(old["TOTAL"]), "reported", "fields: " + ", ".join(fs))
        )
    if sum(r.persons for r in out) != int(_num(old["TOTAL"], "cap_persons")):
        raise DataError("ssw_esd_caps.csv: FY2019-23 fields do not add up to the total.")

    fields, flags, url = _fy2024_fields()
    for sector, v in _to_sectors(fields).items():
        if v <= 0:
            continue
        fs = sorted(f for f in fields if (SSW_FIELD_SECTOR.get(f) or _FIELD_SECTOR_EXTRA[f]) == sector)
        flag = (
            "assumption"
            if any(flags[f] == "assumption" for f in fs)
            else ("derived" if any(flags[f] == "derived" for f in fs) or len(fs) > 1 else "reported")
        )
        note = "fields: " + ", ".join(f"{f} {fields[f]:,.0f} ({flags[f]})" for f in fs)
        out.append(CapRecord("ssw1", sector, "2024-04", int(round(v)), url, flag, note))

    rev_rows = {
        (r["scheme"], r["field"]): r
        for r in load_table("ssw_esd_caps")
        if r["period"].startswith("to end FY2028") and r["scheme"] in ("SSW", "ESD")
    }
    given_fields = ("industrial_products_manufacturing", "construction", "lodging", "food_service")
    for scheme, status in (("SSW", "ssw1"), ("ESD", "esd")):
        total_row = rev_rows[(scheme, "TOTAL")]
        total = _num(total_row, "cap_persons")
        given = {f: _num(rev_rows[(scheme, f)], "cap_persons") for f in given_fields}
        others = {f: v for f, v in fields.items() if f not in given}
        weights = np.array(list(others.values()))
        split = integerise((total - sum(given.values())) * weights / weights.sum())
        rev = dict(given)
        rev.update({f: float(v) for f, v in zip(others, split, strict=True)})
        for sector, v in _to_sectors(rev).items():
            if v <= 0:
                continue
            fs = sorted(f for f in rev if (SSW_FIELD_SECTOR.get(f) or _FIELD_SECTOR_EXTRA[f]) == sector)
            assumed = [f for f in fs if f not in given]
            note = "cabinet decision 2026-01-23; fields: " + ", ".join(
                f"{f} {rev[f]:,.0f}{' (split of the rest by the FY2024-28 caps)' if f in assumed else ''}" for f in fs
            )
            out.append(
                CapRecord(
                    status,
                    sector,
                    "2026-01",
                    int(round(v)),
                    _url(total_row),
                    "assumption" if assumed else "reported",
                    note,
                )
            )
    return tuple(out)


# ----------------------------------------------------------------------------------------
# Demand anchors and entry flows
# ----------------------------------------------------------------------------------------
@functools.cache
def demand_anchors() -> dict[str, Sourced]:
    """Projected needs for foreign workers and care workers, and the 2024 level, in persons.

    Keys: ``jica_2030_needed``, ``jica_2040_needed``, ``jica_2040_supply``,
    ``mhlw_care_workers_2022_actual``, ``mhlw_care_workers_needed_2026``,
    ``mhlw_care_workers_needed_2040``, ``foreign_workers_2024_10``.

    Notes
    -----
    The care figures are all care workers (Japanese included), not foreign
    demand; the engine must turn the gap into foreign demand with a documented
    share.
    """
    proj = load_table("projections")

    def row(study: str, year: str, metric: str) -> dict[str, str]:
        hits = [r for r in proj if r["study"].startswith(study) and r["target_year"] == year and r["metric"] == metric]
        if len(hits) != 1:
            raise DataError(f"projections.csv must have one row {study}/{year}/{metric}. Found {len(hits)}.")
        return hits[0]

    def s(r: dict[str, str], ref: str, note: str) -> Sourced:
        return Sourced(_num(r, "value"), _url(r), ref, r["flag"], note)

    total = _pick("mhlw_foreign_workers_total", year_end_october="2024")
    return {
        "jica_2030_needed": s(
            row("JICA 2024 update", "2030", "foreign_workers_needed"),
            "2030",
            "JICA 2024 update: foreign workers needed for the GDP target",
        ),
        "jica_2040_needed": s(
            row("JICA 2024 update", "2040", "foreign_workers_needed"),
            "2040",
            "JICA 2024 update: foreign workers needed",
        ),
        "jica_2040_supply": s(
            row("JICA 2024 update", "2040", "foreign_workers_supply"),
            "2040",
            "JICA 2024 update: supply on current trends",
        ),
        "mhlw_care_workers_2022_actual": s(
            row("MHLW care workforce (9th", "2022", "care_workers_actual"), "FY2022", "all care workers"
        ),
        "mhlw_care_workers_needed_2026": s(
            row("MHLW care workforce", "2026", "care_workers_needed"), "FY2026", "all care workers needed (9th plan)"
        ),
        "mhlw_care_workers_needed_2040": s(
            row("MHLW care workforce", "2040", "care_workers_needed"), "FY2040", "all care workers needed (9th plan)"
        ),
        "foreign_workers_2024_10": Sourced(
            _num(total, "foreign_workers_total"),
            _url(total),
            "2024-10-31",
            total["flag"],
            "MHLW notified foreign workers",
        ),
    }


@functools.cache
def other_status_inflows() -> dict[str, Sourced]:
    """Monthly new entries from abroad, and related shares, from ``new_entries_by_status.csv``.

    Keys
    ----
    professional_monthly
        (Engineer/Specialist + Highly Skilled + Intra-company) 2024 / 12.
    student_monthly
        Student new entrants 2024 / 12 (holders; not all work).
    designated_monthly
        Designated-activities new entrants 2024 / 12 (includes non-workers).
    titp_monthly, ssw_monthly
        TITP (all stages) and SSW new entrants 2024 / 12, for reference.
    ssw_share_entered_from_abroad
        SSW holders who landed as SSW / all SSW holders, end of 2023.
    """
    rows = load_table("new_entries_by_status")

    def get(status: str, year: str = "2024") -> dict[str, str]:
        hits = [
            r
            for r in rows
            if r["status"] == status
            and r["year"] == year
            and r["ref_period"] == "calendar year"
            and r["nationality"] == "all"
            and r["metric"] == "new_entrants"
            and r["flag"] == "reported"
        ]
        if len(hits) != 1:
            raise DataError(f"new_entries_by_status.csv must have one reported {year} row for {status!r}.")
        return hits[0]

    eng = get("Engineer/Specialist in Humanities/Intl Services (gijinkoku)")
    hsp = get("Highly Skilled Professional")
    ict = get("Intra-company Transferee")
    prof = sum(_num(r, "value") for r in (eng, hsp, ict))

    def monthly(r: dict[str, str], note: str) -> Sourced:
        return Sourced(
            round(_num(r, "value") / 12, 1), _url(r), "2024", "derived", f"{_num(r, 'value'):,.0f} in 2024 / 12; {note}"
        )

    t = {r["date"] + "|" + r["metric"]: r for r in load_table("transitions_and_tenure")}
    abroad = t["2023-12-31|SSW_holders_entered_from_abroad"]
    changed = t["2023-12-31|SSW_holders_who_changed_status_in_Japan"]
    a, c = _num(abroad, "value"), _num(changed, "value")
    return {
        "professional_monthly": Sourced(
            round(prof / 12, 1),
            _url(eng),
            "2024",
            "derived",
            f"(engineer/specialist {_num(eng, 'value'):,.0f} + highly skilled {_num(hsp, 'value'):,.0f} + "
            f"intra-company {_num(ict, 'value'):,.0f}) in 2024 / 12",
        ),
        "student_monthly": monthly(get("Student (ryugaku)"), "holders entering; not all of them work"),
        "designated_monthly": Sourced(
            round(_num(get("Designated Activities"), "value") / 12, 1),
            _url(get("Designated Activities")),
            "2024",
            "uncertain",
            "all designated-activities entrants (working holiday etc. included) / 12",
        ),
        "titp_monthly": monthly(get("TITP_all (1go+2go+3go)"), "all TITP stages (stage iii re-entries included)"),
        "ssw_monthly": monthly(get("SSW (tokutei ginou)"), "SSW new entrants from abroad"),
        "ssw_share_entered_from_abroad": Sourced(
            round(a / (a + c), 4),
            _url(abroad),
            "2023-12-31",
            "derived",
            f"{a:,.0f} landed as SSW / ({a:,.0f} + {c:,.0f} who changed status in Japan)",
        ),
    }


# the official entry series that stand for a programme status's entries from abroad, in order of
# preference (all stages of TITP count: stage-iii re-entries are entries from abroad too)
_ENTRY_SERIES = {
    "titp": ("TITP_all (1go+2go+3go)", "TITP_1 (1go i+ro)"),
    "ssw1": ("SSW (tokutei ginou)",),
}


def _reported_entries(year: str) -> dict[str, tuple[float, dict]]:
    """{status: (persons, row)}: the reported calendar-year entries from abroad of ``year`` into
    each programme status with a row (the first series of _ENTRY_SERIES that has one)."""
    rows = [
        r
        for r in load_table("new_entries_by_status")
        if r["year"] == year and r["ref_period"] == "calendar year" and r["nationality"] == "all"
        and r["metric"] == "new_entrants" and r["flag"] == "reported"
    ]
    out = {}
    for status, series in _ENTRY_SERIES.items():
        for name in series:
            hits = [r for r in rows if r["status"] == name]
            if len(hits) > 1:
                raise DataError(f"new_entries_by_status.csv must have one reported {year} row for {name!r}.")
            if hits:
                out[status] = (_num(hits[0], "value"), hits[0])
                break
    return out


@functools.cache
def recent_entries(reference: str) -> dict[str, Sourced]:
    """Monthly entries from abroad into the programme statuses in the year that ends at
    `reference` (``"2024-12"``): the reported calendar-year new entrants of
    ``new_entries_by_status.csv`` / 12. A status without a reported row that year is left
    out (the engine then assumes a steady state, stock / stay).

    They fill the recruitment pipeline at the start of a run, so that people admitted
    before the start keep arriving in its first months.
    """
    year = reference[:4]
    return {
        status: Sourced(
            round(yearly / 12, 1), _url(row), year, "derived", f"{row['status']}: {yearly:,.0f} in {year} / 12"
        )
        for status, (yearly, row) in _reported_entries(year).items()
    }


@functools.cache
def entry_history(reference: str, months: int) -> dict[str, np.ndarray]:
    """{status: [months] persons}: the monthly entries from abroad into each programme status in
    the ``months`` months that end at `reference` (``"2022-12"``), most recent first: each
    calendar year's reported entries / 12. A status is left out unless every year of the span
    has a reported row.

    They give the initial stock its cohorts: a stock built from the large entries of 2022 after
    the closure has few members whose stay ends in 2023, while a steady stream spreads them
    evenly.
    """
    last_year, last_month = int(reference[:4]), int(reference[5:7])
    years = [last_year - (12 - last_month + k) // 12 for k in range(months)]
    by_year = {year: _reported_entries(str(year)) for year in set(years)}
    return {
        status: np.array([by_year[year][status][0] / 12.0 for year in years])
        for status in _ENTRY_SERIES
        if all(status in by_year[year] for year in years)
    }


# ----------------------------------------------------------------------------------------
# Dated origin profiles: home wages, fees and recruitment weights by year
# ----------------------------------------------------------------------------------------
#: Years of the dated origin series (the span of exchange_rates.csv).
SERIES_YEARS = tuple(range(2012, 2025))


def _year_key(year: int) -> str:
    """The month from which a year's value holds in a dated table (its annual value from January)."""
    return f"{year}-01"


def _log_interpolate(year: int, before: tuple[int, float], after: tuple[int, float]) -> float:
    (y0, v0), (y1, v1) = before, after
    return float(v0 * (v1 / v0) ** ((year - y0) / (y1 - y0)))


@functools.cache
def exchange_rates_by_year() -> dict[str, dict[int, Sourced]]:
    """Units of each currency per US dollar, every year of :data:`SERIES_YEARS`.

    Returns
    -------
    dict of str to dict of int to Sourced
        Keyed by currency (JPY, VND, CNY, PHP, NPR, IDR), then year. Reported and
        uncertain rows of ``exchange_rates.csv`` keep their row; 2024 is the assumption
        of :func:`exchange_rate_assumptions`; a year between two known years (the gaps of
        2021-2023) is interpolated log-linearly between them, an assumption whose range
        is the two neighbours.
    """
    known: dict[str, dict[int, Sourced]] = {}
    for r in load_table("exchange_rates"):
        if not r["value"] or r["flag"] not in ("reported", "uncertain"):
            continue
        by_year = known.setdefault(r["currency"], {})
        year = int(r["year"])
        if year not in by_year:  # JPY 2021 has two rows: the first one holds
            by_year[year] = Sourced(
                _num(r, "value"), _url(r), r["year"], r["flag"], f"exchange_rates.csv {r['currency']} {r['year']}"
            )
    out: dict[str, dict[int, Sourced]] = {}
    for cur, assumed in exchange_rate_assumptions().items():
        by_year = dict(known.get(cur, {}))
        by_year.setdefault(SERIES_YEARS[-1], assumed)
        years = sorted(by_year)
        for year in SERIES_YEARS:
            if year in by_year or year < years[0]:
                continue
            y0 = max(y for y in years if y < year)
            y1 = min(y for y in years if y > year)
            a, b = by_year[y0].value, by_year[y1].value
            by_year[year] = _assume(
                round(_log_interpolate(year, (y0, a), (y1, b)), 4),
                min(a, b),
                max(a, b),
                str(year),
                f"{cur} per USD: a gap in exchange_rates.csv, interpolated log-linearly between {y0} ({a:g}, "
                f"{by_year[y0].flag}) and {y1} ({b:g}, {by_year[y1].flag})",
            )
        out[cur] = dict(sorted(by_year.items()))
    return out


def _local_wage_series() -> dict[str, tuple[str, dict[int, tuple[float, dict[str, str] | None, str]]]]:
    """Each origin's home-wage series in its own money: code -> (currency, {year: (value, row, what)}).

    A row of None marks a value that is not read from a table (an assumption of
    ``_home_wages``); its note says where it comes from.
    """

    def rows(table: str, scale: float, what: str, **match: str) -> dict[int, tuple[float, dict[str, str], str]]:
        hits = [r for r in load_table(table) if all(r.get(k) == v for k, v in match.items()) and r["value"]]
        return {int(r["year"]): (_num(r, "value") * scale, r, f"{what} ({table}.csv {r['year']})") for r in hits}

    vnm = rows("origin_wages_more", 1e6, "GSO average monthly income of the employed", country="Vietnam",
               ref_period="year", metric="avg_monthly_income_employed")
    vnm.update(rows("origin_country_wages_unemployment", 1e6, "GSO average monthly income of workers",
                    country="Vietnam", metric="avg_monthly_income_workers"))
    chn = rows("origin_wages_more", 1.0, "NBS migrant-worker monthly income", country="China",
               metric="migrant_worker_monthly_income")
    phl = rows("origin_country_wages_unemployment", 1.0, "PSA occupational wage survey", country="Philippines",
               metric="avg_monthly_wage_time_rated_fulltime")
    idn = rows("origin_wages_more", 1e6, "BPS average monthly wage of employees (August)", country="Indonesia",
               metric="avg_monthly_wage_employees")
    idn.update(rows("origin_country_wages_unemployment", 1e6, "BPS average monthly wage of employees (August)",
                    country="Indonesia", metric="avg_monthly_wage_employees"))
    npl = _pick("origin_country_wages_unemployment", country="Nepal", year="2017/18", metric="avg_monthly_earnings")
    base = _num(npl, "value")
    return {
        "VNM": ("VND", vnm),
        "CHN": ("CNY", chn),
        "PHL": ("PHP", phl),
        "IDN": ("IDR", idn),
        # NLFS III (fiscal 2017/18, centred on January 2018) and its assumed 7% a year to 2024
        "NPL": ("NPR", {
            2018: (base, npl, "NLFS III 2017/18 average monthly earnings"),
            2024: (base * 1.07**6, None, "the 2017/18 earnings grown 7% a year (the 2024 assumption)"),
        }),
    }


@functools.cache
def home_wages_by_year() -> dict[str, dict[str, Sourced]]:
    """Each origin's home wage in yen per month, by year, as dated tables.

    Returns
    -------
    dict of str to dict of str to Sourced
        Keyed by origin code, then by the month from which the year's value holds
        (``"2019-01"``). Between an origin's data years the wage in its own money is
        interpolated log-linearly; every year is converted at that year's exchange rates
        (:func:`exchange_rates_by_year`); the 2024 value is the profile's
        ``home_wage_jpy``. The table spans the data years only: before and after them
        the engine grows the level at ``economy.home_wage_growth``. Origins with no
        wage series (Myanmar, Brazil, the others) hold their dollar wage, the 2024
        assumption, converted at each year's yen rate.
    """
    fx = exchange_rates_by_year()
    jpy = fx["JPY"]
    latest = _home_wages()
    out: dict[str, dict[str, Sourced]] = {}
    for code, (cur, series) in _local_wage_series().items():
        years = sorted(series)
        table: dict[str, Sourced] = {}
        for year in range(years[0], years[-1] + 1):
            if year == SERIES_YEARS[-1]:
                table[_year_key(year)] = latest[code]
                continue
            rate, yen = fx[cur][year], jpy[year]
            if year in series:
                local, row, what = series[year]
                how = what
            else:
                y0 = max(y for y in years if y < year)
                y1 = min(y for y in years if y > year)
                local = _log_interpolate(year, (y0, series[y0][0]), (y1, series[y1][0]))
                row, how = series[y0][1], f"interpolated between {series[y0][2]} and {series[y1][2]}"
            value = round(local / rate.value * yen.value, -1)
            note = (f"{how}: {local:,.0f} {cur}/month at {rate.value:g} {cur}/USD ({rate.flag}) and "
                    f"{yen.value:g} JPY/USD ({yen.flag}) of {year}")
            exact = row is not None and year in series and rate.flag == yen.flag == "reported"
            if rate.flag == "assumption" or yen.flag == "assumption":
                low = round(local / (rate.high or rate.value) * (yen.low or yen.value), -1)
                high = round(local / (rate.low or rate.value) * (yen.high or yen.value), -1)
                table[_year_key(year)] = _assume(value, min(low, value), max(high, value), str(year), note)
            else:
                table[_year_key(year)] = Sourced(
                    value, _url(row) if row is not None else A, str(year), "derived" if exact else "uncertain", note
                )
        out[code] = table
    for code in ("MMR", "BRA", "OTH"):
        dollars = latest[code].value / exchange_rate_assumptions()["JPY"].value
        table = {}
        for year in SERIES_YEARS:
            yen = jpy[year]
            value = round(dollars * yen.value, -1)
            if year == SERIES_YEARS[-1]:
                table[_year_key(year)] = latest[code]
                continue
            low_usd = latest[code].low / exchange_rate_assumptions()["JPY"].low
            high_usd = latest[code].high / exchange_rate_assumptions()["JPY"].high
            table[_year_key(year)] = _assume(
                value,
                round(low_usd * (yen.low or yen.value), -1),
                round(high_usd * (yen.high or yen.value), -1),
                str(year),
                f"the 2024 assumption held in dollars (USD {dollars:,.0f}/month, range {low_usd:,.0f}-"
                f"{high_usd:,.0f}) at {yen.value:g} JPY/USD of {year} ({yen.flag}); no wage series in the data",
            )
        out[code] = table
    return {code: out[code] for code in ORIGINS}


@functools.cache
def fee_wage_elasticity() -> Sourced:
    """How the recruitment fee of years other than the 2022 survey follows the home wage."""
    return _assume(
        1.0,
        0.0,
        1.0,
        "2012-2024",
        "fees have one survey (ISA 2022); another year's fee is the 2022 fee x (home wage that year / home wage "
        "2022) ^ elasticity. 1: fees are priced in the origin's money and move with its earnings in yen (brokers' "
        "fees and pre-departure training are local prices); 0: held at the 2022 yen level",
    )


@functools.cache
def fees_by_year() -> dict[str, dict[str, Sourced]]:
    """Each origin's average pre-departure payments in yen, by year, as dated tables.

    Returns
    -------
    dict of str to dict of str to Sourced
        Keyed by origin code, then ``"YYYY-01"``, over the years of the origin's home
        wage table (:func:`home_wages_by_year`). The 2022 entry is the profile's
        ``fee_jpy`` (the ISA 2022 survey, or its gap assumption); the other years follow
        the home wage (:func:`fee_wage_elasticity`). Beyond the table the fee holds.
    """
    fees, _ = _fees()
    elasticity = fee_wage_elasticity()
    survey = _year_key(2022)
    out: dict[str, dict[str, Sourced]] = {}
    for code, wages in home_wages_by_year().items():
        fee = fees[code]
        base = wages[survey].value
        table: dict[str, Sourced] = {}
        for key, wage in wages.items():
            if key == survey:
                table[key] = fee
                continue
            grown = fee.value * (wage.value / base) ** elasticity.value
            value = round(grown, -2)
            table[key] = _assume(
                value,
                min(value, fee.value),
                max(value, fee.value),
                key[:4],
                f"the 2022 fee {fee.value:,.0f} yen x home wage {wage.value:,.0f} / {base:,.0f} (2022), "
                f"elasticity {elasticity.value:g} (range: held at the 2022 level)",
            )
        out[code] = table
    return out


@functools.cache
def recruitment_weights() -> dict[str, Sourced]:
    """The relative capacity of each origin's sending channel (a multiplier on its applications).

    No shipped series counts sending organisations or supervising organisations by
    country, and the entries by nationality of the fitted or held-out years may not set
    it; so 1.0 for every origin and every year, an assumption with a range the
    calibration may explore.
    """
    return {
        code: _assume(
            1.0,
            0.5,
            2.0,
            "2012-2024",
            "no series of licensed sending agencies or supervising organisations by country is shipped; "
            "every channel equal, any difference left to the network and the wage gap",
        )
        for code in ORIGINS
    }
