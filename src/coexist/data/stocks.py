"""Initial stocks by status x origin x sector, raked to the official marginals.

Four starting points ship: December 2024 (forward runs, ``"2024-12"``), December 2022
and December 2023 (the origins of the rolling-origin backtests, ``coexist backtest``),
built by the same code from the rows of their year, and December 2016 (the historical
run ``japan-history``, ``"2016-12"``). The 2016 one reads only data dated before 2017, so
that no calibration target (2017 onwards) feeds it; the backtest origins read nothing
dated after their year but the 1 January count of overstayers that closes it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from coexist.codes import ORIGINS, SECTORS, STATUSES
from coexist.data._core import Sourced, _num, _pick, _url, load_table
from coexist.data.assumptions import read_data_toml
from coexist.data.raking import Margin, integerise, integerise_2d, rake
from coexist.errors import DataError

__all__ = ["InitialStocks", "initial_stocks", "REFERENCES", "SEED_STATUS_BY_ORIGIN", "SEED_SECTOR_BY_STATUS"]

#: Statuses raked to the MHLW October 2024 marginals (irregular is added separately).
RAKED_STATUSES: tuple[str, ...] = ("titp", "ssw1", "ssw2", "professional", "student", "status_based", "designated")
SSW = ("ssw1", "ssw2")

# ---------------------------------------------------------------------------------------
# Seed structure (an assumption; see docs/data-audit.md). Only the pattern matters: the
# raking rescales it to the official marginals. Rows: share of an origin's workers in each
# status (order of RAKED_STATUSES, ssw1 and ssw2 share one "ssw" weight split later by
# the marginals).
# ---------------------------------------------------------------------------------------
SEED_STATUS_BY_ORIGIN: dict[str, tuple[float, ...]] = {
    #      titp  ssw1  ssw2   prof  student status_based designated
    "VNM": (0.40, 0.20, 0.001, 0.15, 0.20, 0.03, 0.02),
    "CHN": (0.08, 0.04, 0.001, 0.35, 0.15, 0.35, 0.03),
    "PHL": (0.15, 0.10, 0.001, 0.07, 0.02, 0.65, 0.01),
    "NPL": (0.03, 0.03, 0.001, 0.25, 0.55, 0.10, 0.04),
    "IDN": (0.50, 0.30, 0.001, 0.07, 0.05, 0.05, 0.03),
    "MMR": (0.35, 0.25, 0.001, 0.12, 0.15, 0.03, 0.10),
    "BRA": (0.002, 0.002, 0.0, 0.01, 0.003, 0.97, 0.01),
    "OTH": (0.05, 0.04, 0.001, 0.30, 0.20, 0.35, 0.06),
}
# Share of a status's workers in each sector (order of SECTORS).
SEED_SECTOR_BY_STATUS: dict[str, tuple[float, ...]] = {
    #              mfg  food_mfg constr agri  care  food_lodg retail other
    "titp": (0.45, 0.15, 0.20, 0.08, 0.04, 0.01, 0.01, 0.06),
    "ssw1": (0.18, 0.27, 0.13, 0.11, 0.14, 0.07, 0.00, 0.10),
    "ssw2": (0.30, 0.20, 0.40, 0.05, 0.00, 0.03, 0.00, 0.02),
    "professional": (0.20, 0.02, 0.03, 0.00, 0.02, 0.06, 0.15, 0.52),
    "student": (0.08, 0.12, 0.00, 0.00, 0.02, 0.30, 0.30, 0.18),
    "status_based": (0.35, 0.08, 0.06, 0.02, 0.06, 0.08, 0.10, 0.25),
    "designated": (0.15, 0.10, 0.05, 0.05, 0.10, 0.15, 0.10, 0.30),
}
# Care is a strong niche for Indonesia, the Philippines and Myanmar (EPA candidates and
# SSW care): the seed doubles their caregiving weight.
CARE_BOOST: dict[str, float] = {"IDN": 2.0, "PHL": 2.0, "MMR": 2.0}

#: The months initial stocks are built for.
REFERENCES: tuple[str, ...] = ("2024-12", "2023-12", "2022-12", "2016-12")


@functools.cache
def _assumed() -> dict[str, dict]:
    """The assumed values that fill the gaps of the official series (stock_assumptions.toml),
    by name, with their ranges, sources and reasons; read once."""
    return read_data_toml("stock_assumptions.toml")


@dataclass(frozen=True)
class InitialStocks:
    """Persons in each host status at the start of a forward run.

    Attributes
    ----------
    reference_date : str
        Month the stocks stand for (``"2024-12"``); the MHLW counts are at end
        of October 2024, the SSW shares at June-September 2024, the irregular
        count at 1 January 2024 (each margin says which).
    counts : numpy.ndarray
        int64, shape ``(len(STATUSES), len(ORIGINS), len(SECTORS))``; zeros for
        ``home``, ``returned`` and ``esd``. Read-only.
    fitted : numpy.ndarray
        The raked float array before integerisation (same shape). Read-only.
    margins : dict
        ``{family: {key: Sourced}}``: the official (or assumed) marginals the
        array was fitted to, in persons.
    assumptions : dict
        ``{name: Sourced}``: every assumption that shaped the stocks, with its
        range.
    """

    reference_date: str
    counts: np.ndarray
    fitted: np.ndarray
    margins: dict[str, dict[str, Sourced]] = field(repr=False)
    assumptions: dict[str, Sourced] = field(repr=False)

    @property
    def total(self) -> int:
        """Persons in all host statuses, irregular included."""
        return int(self.counts.sum())

    def by_status(self) -> dict[str, int]:
        """Total persons per status code name."""
        return {s: int(v) for s, v in zip(STATUSES, self.counts.sum(axis=(1, 2)), strict=True)}

    def by_origin(self, statuses: tuple[str, ...] | None = None) -> dict[str, int]:
        """Persons per origin, over ``statuses`` (all by default)."""
        return {o: int(v) for o, v in zip(ORIGINS, self._rows(statuses).sum(axis=(0, 2)), strict=True)}

    def by_sector(self, statuses: tuple[str, ...] | None = None) -> dict[str, int]:
        """Persons per sector, over ``statuses`` (all by default)."""
        return {s: int(v) for s, v in zip(SECTORS, self._rows(statuses).sum(axis=(0, 1)), strict=True)}

    def _rows(self, statuses: tuple[str, ...] | None) -> np.ndarray:
        if statuses is None:
            return self.counts
        return self.counts[[STATUSES.index(s) for s in statuses]]


def _mhlw_status(year: str) -> dict[str, dict[str, str]]:
    return {r["status_category"]: r for r in load_table("mhlw_by_status") if r["year_end_october"] == year}


def _assumption(name: str, value: float, ref: str, note: str, source: str = "assumption") -> Sourced:
    """An assumed value with the range of its entry in stock_assumptions.toml."""
    entry = _assumed()[name]
    return Sourced(value, source, ref, "assumption", note, low=entry["low"], high=entry["high"])


def _stated(name: str, ref: str) -> Sourced:
    """An assumption whose value, range and reason are all in stock_assumptions.toml."""
    entry = _assumed()[name]
    return _assumption(name, entry["value"], ref, entry["reason"])


def _ssw_workers(rows: dict[str, dict[str, str]], year: int, assumptions: dict[str, Sourced]) -> tuple[float, str]:
    """MHLW SSW workers (end of October) and where the number comes from."""
    if "of_which_SSW" in rows:
        return _num(rows["of_which_SSW"], "workers"), _url(rows["of_which_SSW"])
    name = f"ssw_workers_{year}"
    if name not in _assumed():
        raise DataError(f"mhlw_by_status.csv has no SSW row for {year} and stock_assumptions.toml no [{name}].")
    assumptions[name] = _stated(name, f"{year}-10-31")
    return assumptions[name].value, "assumption"


def _ssw_split(n_ssw: float, year: int, assumptions: dict[str, Sourced]) -> tuple[np.ndarray, str]:
    """SSW workers split into SSW-i and SSW-ii: by the ISA holder ratio at the end of the year
    where it is published, else by the assumed SSW-ii share."""
    date = f"{year}-12-31"
    holders = [r for r in load_table("ssw_holders_total") if r["date"] == date and r["ssw1"] and r["ssw2"]]
    if holders:
        h1, h2 = _num(holders[0], "ssw1"), _num(holders[0], "ssw2")
        split = integerise(np.array([n_ssw * h1 / (h1 + h2), n_ssw * h2 / (h1 + h2)]))
        return split, (
            f"MHLW SSW workers {n_ssw:,.0f} split by the ISA {date} holder ratio ssw1:ssw2 = {h1:,.0f}:{h2:,.0f} "
            f"({_url(holders[0])}); largest-remainder rounding"
        )
    name = f"ssw2_share_{year}"
    share = _stated(name, date)
    assumptions[name] = share
    split = integerise(np.array([n_ssw * (1.0 - share.value), n_ssw * share.value]))
    return split, f"MHLW SSW workers {n_ssw:,.0f} split by the assumed SSW-ii share {share.value:.3%} ({name})"


def _status_margins(year: int, assumptions: dict[str, Sourced]) -> dict[str, Sourced]:
    rows = _mhlw_status(str(year))
    ref = f"{year}-10-31"
    prof = rows["professional_technical"]
    n_prof = _num(prof, "workers")
    n_ssw, ssw_source = _ssw_workers(rows, year, assumptions)
    split, note_split = _ssw_split(n_ssw, year, assumptions)
    ssw_note = f"SSW workers {n_ssw:,.0f} ({ssw_source})"
    return {
        "titp": _sourced(rows["technical_intern_TITP"], "workers", ref),
        "ssw1": Sourced(float(split[0]), ssw_source, ref, "derived", note_split),
        "ssw2": Sourced(float(split[1]), ssw_source, ref, "derived", note_split),
        "professional": Sourced(
            n_prof - n_ssw,
            _url(prof),
            ref,
            "derived",
            f"MHLW professional/technical {n_prof:,.0f} minus its {ssw_note}",
        ),
        "student": _sourced(
            rows["activity_outside_status"], "workers", ref, "MHLW 'activity outside status' (mostly students)"
        ),
        "status_based": _sourced(rows["status_based"], "workers", ref),
        "designated": _sourced(rows["designated_activities"], "workers", ref),
    }


def _sourced(row: dict[str, str], column: str, ref: str, note: str = "") -> Sourced:
    notes = "; ".join(x for x in (note, row.get("notes", "")) if x)
    return Sourced(_num(row, column), _url(row), ref, row["flag"], notes)


_NATIONALITY = {
    "VNM": "Vietnam",
    "CHN": "China",
    "PHL": "Philippines",
    "NPL": "Nepal",
    "IDN": "Indonesia",
    "MMR": "Myanmar",
    "BRA": "Brazil",
}


def _nationality_gap(name: str, year: int) -> Sourced:
    """A nationality the MHLW rows of ``year`` do not give: the value stock_assumptions.toml
    states, or (no value there) the last value reported before ``year``, held."""
    key = f"workers_{name.lower()}_{year}"
    if key not in _assumed():
        raise DataError(f"mhlw_by_nationality.csv has no {name} row for {year} and stock_assumptions.toml no [{key}].")
    entry = _assumed()[key]
    ref = f"{year}-10-31"
    if "value" in entry:
        return _assumption(key, entry["value"], ref, f"{name} {year} is a gap in mhlw_by_nationality.csv: "
                           + entry["reason"])
    earlier = [r for r in load_table("mhlw_by_nationality") if r["nationality"] == name
               and int(r["year_end_october"]) < year]
    last = max(earlier, key=lambda r: int(r["year_end_october"]))
    value = _num(last, "workers")
    return _assumption(
        key,
        value,
        ref,
        f"{name} {year} is a gap in mhlw_by_nationality.csv: held at its last reported value "
        f"({last['year_end_october']}: {value:,.0f}, {_url(last)}); range spans 2017-2020 reported values",
    )


def _nationality_margins(year: int, status_total: float, assumptions: dict[str, Sourced]) -> dict[str, Sourced]:
    ref = f"{year}-10-31"
    rows = {r["nationality"]: r for r in load_table("mhlw_by_nationality") if r["year_end_october"] == str(year)}
    out: dict[str, Sourced] = {}
    gaps = []
    for code, name in _NATIONALITY.items():
        if name in rows:
            out[code] = _sourced(rows[name], "workers", ref)
        else:
            out[code] = _nationality_gap(name, year)
            assumptions[f"workers_{name.lower()}_{year}"] = out[code]
            gaps.append(name)
    total = _pick("mhlw_foreign_workers_total", year_end_october=str(year))
    named = sum(v.value for v in out.values())
    out["OTH"] = Sourced(
        status_total - named,
        _url(total),
        ref,
        "derived",
        f"sum of the MHLW status categories ({status_total:,.0f}; the published total is "
        f"{_num(total, 'foreign_workers_total'):,.0f}, the difference being workers of unknown status) minus the "
        f"seven named nationalities ({', '.join(gaps)} assumed)",
    )
    return {o: out[o] for o in ORIGINS}


def _industry_margins(year: int, status_total: float, assumptions: dict[str, Sourced]) -> dict[str, Sourced] | None:
    """Workers by sector from the MHLW industry rows of ``year``; None where the year has none
    (the sector split then follows the seed structure and the SSW fields)."""
    table = load_table("mhlw_by_industry")
    rows = {r["industry"]: r for r in table if r["year"] == str(year) and r["metric"] == "workers"}
    if not rows:
        return None
    sample = {r["industry"]: r for r in table
              if r["year"] == str(year) and r["metric"] == "workers_sample_survey_estimate"}
    ref = f"{year}-10-31"
    manuf = rows["manufacturing"]
    n_manuf = _num(manuf, "value")
    food_share = _assumption(
        "food_manufacturing_share_of_manufacturing",
        _assumed()["food_manufacturing_share_of_manufacturing"]["value"],
        ref,
        "share of food and beverage manufacturing in MHLW manufacturing (a gap): SSW food/beverage holders are "
        "~27% of SSW holders and ~40% of SSW manufacturing-type holders (ssw_by_field.csv, 2023-12/2024-09); "
        "TITP and status-based workers are more in metal/machinery work",
    )
    assumptions["food_manufacturing_share_of_manufacturing"] = food_share
    n_food = round(n_manuf * food_share.value)
    cons_sample = _num(sample["construction"], "value")
    all_sample = _num(sample["all"], "value")
    construction = Sourced(
        _assumed()[f"workers_construction_{year}"]["value"],
        "assumption",
        ref,
        "assumption",
        f"MHLW construction {year} is a gap (only +22.7% y/y). Low end: the {year} sample-survey estimate "
        f"{cons_sample:,.0f} ({_url(sample['construction'])}); high end: that estimate scaled by the ratio of "
        f"the notified total to the sample-survey total ({status_total:,.0f}/{all_sample:,.0f})",
        low=cons_sample,
        high=round(cons_sample * status_total / all_sample, -3),
    )
    agriculture = _assumption(
        f"workers_agriculture_{year}",
        _assumed()[f"workers_agriculture_{year}"]["value"],
        ref,
        f"MHLW agriculture/forestry/fishery {year} is a gap. SSW agriculture holders alone were 29,384 in "
        "September 2024 (ssw_by_field.csv); TITP in farming adds several tens of thousands",
    )
    assumptions[f"workers_construction_{year}"] = construction
    assumptions[f"workers_agriculture_{year}"] = agriculture
    note_map = "MHLW industry mapped to the model sector"
    out = {
        "manufacturing": Sourced(
            n_manuf - n_food,
            _url(manuf),
            ref,
            "derived",
            f"MHLW manufacturing {n_manuf:,.0f} minus the assumed food-manufacturing share",
        ),
        "food_manufacturing": Sourced(
            float(n_food),
            _url(manuf),
            ref,
            "derived",
            f"MHLW manufacturing {n_manuf:,.0f} x assumed food share {food_share.value}",
        ),
        "construction": construction,
        "agriculture": agriculture,
        "caregiving": _sourced(rows["medical_welfare"], "value", ref, f"{note_map}: medical_welfare"),
        "food_lodging": _sourced(
            rows["accommodation_food_service"], "value", ref, f"{note_map}: accommodation_food_service"
        ),
        "retail": _sourced(rows["wholesale_retail"], "value", ref, f"{note_map}: wholesale_retail"),
    }
    rest = status_total - sum(v.value for v in out.values())
    out["other_services"] = Sourced(
        rest,
        _url(_pick("mhlw_foreign_workers_total", year_end_october=str(year))),
        ref,
        "derived",
        "residual: all workers minus the other sectors (services n.e.c., ICT, education, transport, ...)",
    )
    return {s: out[s] for s in SECTORS}


# SSW field (ssw_by_field.csv) -> sector. Aviation and auto repair go to other_services.
_SSW_FIELD_SECTOR = {
    "food_beverage_manufacturing": "food_manufacturing",
    "manufacturing_3_fields": "manufacturing",
    "caregiving": "caregiving",
    "construction": "construction",
    "agriculture": "agriculture",
}


def _ssw_window(year: int) -> tuple[str, str]:
    """The dates of the ISA SSW rows that stand for the end of ``year``: the year up to its last
    day, from the last day of the year before (a field or nationality not published in it is
    left free in the raking)."""
    return f"{year - 1}-12-31", f"{year}-12-31"


def _latest_share_rows(rows: list[dict[str, str]], key: str, total_of,
                       window: tuple[str, str]) -> dict[str, tuple[float, str, dict[str, str]]]:
    """For each key, the share of SSW holders at the latest date of ``window`` where it is given."""
    out: dict[str, tuple[float, str, dict[str, str]]] = {}
    first, last = window
    for r in sorted(rows, key=lambda r: r["date"]):
        if not first <= r["date"] <= last:
            continue
        name = r[key]
        if name.endswith("_share_pct"):
            out[name[: -len("_share_pct")]] = (_num(r, "holders") / 100.0, r["date"], r)
        else:
            total = total_of(r)
            if total is not None:
                out[name] = (_num(r, "holders") / total, r["date"], r)
    return out


def _ssw_totals() -> dict[str, float]:
    return {r["date"]: _num(r, "ssw_total") for r in load_table("ssw_holders_total")}


def _ssw_field_margins(n_ssw: float, year: int) -> dict[str, Sourced]:
    totals = _ssw_totals()
    shares = _latest_share_rows(load_table("ssw_by_field"), "field", lambda r: totals.get(r["date"]),
                                _ssw_window(year))
    out: dict[str, Sourced] = {}
    for field_name, sector in _SSW_FIELD_SECTOR.items():
        if field_name not in shares:
            continue
        share, date, row = shares[field_name]
        out[sector] = Sourced(
            share * n_ssw,
            _url(row),
            date,
            "uncertain" if row["flag"] == "uncertain" else "derived",
            f"SSW field '{field_name}' = {share:.2%} of SSW holders at {date} (latest date for this field) "
            f"x MHLW SSW workers {n_ssw:,.0f}",
        )
    return out


_SSW_NATIONALITY = {v: k for k, v in _NATIONALITY.items() if k != "BRA"}


def _ssw_nationality_margins(n_ssw: float, year: int) -> dict[str, Sourced]:
    first, last = _ssw_window(year)
    rows = [r for r in load_table("ssw_by_nationality") if first <= r["date"] <= last]
    totals = _ssw_totals()
    by_date: dict[tuple[str, str], float] = {}
    for r in rows:  # holders per (date, nationality) summed over SSW1 and SSW2
        if not r["nationality"].endswith("_share_pct"):
            by_date[(r["date"], r["nationality"])] = by_date.get((r["date"], r["nationality"]), 0.0) + _num(
                r, "holders"
            )
    out: dict[str, Sourced] = {}
    for name, code in _SSW_NATIONALITY.items():
        cands = []
        for r in rows:
            if r["nationality"] == f"{name}_share_pct":
                cands.append((r["date"], _num(r, "holders") / 100.0, r, "share"))
            elif r["nationality"] == name and r["date"] in totals:
                cands.append((r["date"], by_date[(r["date"], name)] / totals[r["date"]], r, "count"))
        if not cands:
            continue
        date, share, row, kind = max(cands, key=lambda c: c[0])
        out[code] = Sourced(
            share * n_ssw,
            _url(row),
            date,
            "uncertain" if row["flag"] == "uncertain" else "derived",
            f"{name} = {share:.2%} of SSW holders at {date} (latest date for this nationality; "
            f"{'published share' if kind == 'share' else 'SSW1+SSW2 holders / all holders'}) "
            f"x MHLW SSW workers {n_ssw:,.0f}",
        )
    return {o: out[o] for o in ORIGINS if o in out}


def _latest_absconder_split(year: int) -> tuple[int, dict[str, float]]:
    """The latest year up to ``year`` whose TITP absconders by nationality stock_assumptions.toml
    gives (from the notes of titp_disappearances.csv), and that split."""
    years = [int(k.rsplit("_", 1)[1]) for k in _assumed() if k.startswith("titp_absconders_by_nationality_")]
    split_year = max(y for y in years if y <= year)
    return split_year, _counts_by_origin(_assumed()[f"titp_absconders_by_nationality_{split_year}"])


def _irregular(year: int, assumptions: dict[str, Sourced]) -> tuple[dict[str, Sourced], np.ndarray, float]:
    """Irregular stock by origin (former TITP overstayers at the latest 1 January up to the one
    after ``year``) and the construction share of its sectors."""
    rows = [r for r in load_table("overstayers") if r["reference_date"] <= f"{year + 1}-01-01"]
    row = max(rows, key=lambda r: r["reference_date"])
    assumed = _assumed()
    name = f"irregular_titp_{year}"
    entry = assumed[name]
    if entry["source"] == "overstayers.csv":
        count = f"TITP {entry['value']:,.0f}"
        if count not in row["notes"]:
            raise DataError(f"overstayers.csv: the {row['reference_date']} note must give the TITP-status count "
                            f"({count!r}).")
        total = Sourced(
            entry["value"],
            _url(row),
            row["reference_date"],
            "reported",
            f"overstayers whose former status was TITP (note of the {row['reference_date']} row: '{count}'); most "
            f"of the {_num(row, 'illegal_overstayers'):,.0f} overstayers are former short-stay visitors and are not "
            f"modelled. {entry['reason']}",
            low=entry["low"],
            high=entry["high"],
        )
    else:
        total = _stated(name, row["reference_date"])
        assumptions[name] = total
    split_year, named = _latest_absconder_split(year)
    absc = _pick("titp_disappearances", year=str(split_year))
    n_absc = _num(absc, "titp_absconders")
    shares = {o: named.get(o, 0.0) / n_absc for o in ORIGINS}
    shares["OTH"] = 1.0 - sum(shares.values())
    listed = ", ".join(f"{o} {v:,.0f}" for o, v in named.items())
    origin = _assumption(
        "irregular_origin_mix",
        shares["VNM"],
        str(split_year),
        f"origin mix of the irregular stock = TITP absconders of {split_year} by nationality ({listed} of "
        f"{n_absc:,.0f}; the rest go to OTH). Value shown: Vietnam's share",
        source=_url(absc),
    )
    share_name = f"irregular_construction_share_{year}" if f"irregular_construction_share_{year}" in assumed else (
        "irregular_construction_share")
    construction = _assumption(
        share_name,
        assumed[share_name]["value"],
        str(split_year) if share_name == "irregular_construction_share" else str(year),
        "sector mix of the irregular stock: " + assumed[share_name]["reason"] + " The rest spread like the TITP stock",
        source=_url(absc) if share_name == "irregular_construction_share" else "assumption",
    )
    assumptions["irregular_origin_mix"] = origin
    assumptions[share_name] = construction
    margins = {o: Sourced(total.value * shares[o], _url(absc), total.ref_date, "derived",
                          f"{total.value:,.0f} former-TITP overstayers x {shares[o]:.1%} ({split_year} absconder mix)")
               for o in ORIGINS}
    margins["total"] = total
    return margins, np.array([shares[o] for o in ORIGINS]), construction.value


def _seed() -> np.ndarray:
    seed = np.zeros((len(RAKED_STATUSES), len(ORIGINS), len(SECTORS)))
    for o, origin in enumerate(ORIGINS):
        for s, status in enumerate(RAKED_STATUSES):
            profile = np.array(SEED_SECTOR_BY_STATUS[status], dtype=float)
            if origin in CARE_BOOST:
                profile[SECTORS.index("caregiving")] *= CARE_BOOST[origin]
            seed[s, o] = SEED_STATUS_BY_ORIGIN[origin][s] * profile / profile.sum()
    return seed


def _vector(d: dict[str, Sourced], keys: tuple[str, ...]) -> np.ndarray:
    return np.array([d[k].value if k in d else np.nan for k in keys], dtype=float)


@functools.cache
def initial_stocks(reference: str = "2024-12") -> InitialStocks:
    """Persons in each host status by origin and sector at the start of a forward run.

    Built by raking an assumed seed structure (status x origin x sector) to the
    official marginals of the reference year: MHLW workers by status, by nationality
    and by industry (end of October), and the ISA SSW holders by field and by
    nationality (the latest date of the year ending on the reference month) as
    partial margins on the SSW block, scaled to the MHLW SSW worker count. Where the
    year has no row for a margin, a documented assumption stands in
    (stock_assumptions.toml); a year with no industry rows has no industry margin.
    The status x origin table is rounded so that both its margins stay exact;
    each cell is then split over sectors with largest remainders. Former-TITP
    overstayers are added as ``irregular``.

    Parameters
    ----------
    reference : str
        Month the stocks stand for: ``"2024-12"`` (default, forward runs), ``"2023-12"``
        or ``"2022-12"`` (the origins of the backtests; they read no data dated after
        their year but the 1 January count of overstayers that closes it), or
        ``"2016-12"`` (the historical run; see :func:`_initial_stocks_2016`).

    Returns
    -------
    InitialStocks

    Raises
    ------
    DataError
        For another reference month, or if the embedded data are inconsistent.

    Examples
    --------
    >>> stocks = initial_stocks()
    >>> stocks.by_status()["titp"]
    470725
    """
    if reference not in REFERENCES:
        raise DataError(f"initial stocks reference must be one of {', '.join(REFERENCES)}. Got {reference!r} instead.")
    if reference == "2016-12":
        return _initial_stocks_2016()
    year = int(reference[:4])
    assumptions: dict[str, Sourced] = {}
    status = _status_margins(year, assumptions)
    status_total = sum(v.value for v in status.values())
    nationality = _nationality_margins(year, status_total, assumptions)
    industry = _industry_margins(year, status_total, assumptions)
    n_ssw = status["ssw1"].value + status["ssw2"].value
    ssw_field = _ssw_field_margins(n_ssw, year)
    ssw_nat = _ssw_nationality_margins(n_ssw, year)
    ssw_rows = [RAKED_STATUSES.index(s) for s in SSW]
    margins = [
        Margin(keep=(0,), target=_vector(status, RAKED_STATUSES), name="status"),
        Margin(keep=(1,), target=_vector(nationality, ORIGINS), name="nationality"),
    ]
    if industry is not None:
        margins.append(Margin(keep=(2,), target=_vector(industry, SECTORS), name="industry"))
    margins += [
        Margin(keep=(2,), target=_vector(ssw_field, SECTORS), select=(ssw_rows, None, None), name="ssw by field"),
        Margin(keep=(1,), target=_vector(ssw_nat, ORIGINS), select=(ssw_rows, None, None), name="ssw by nationality"),
    ]
    fitted_block = rake(_seed(), margins, tol=1e-11, max_iter=5000)

    # Integer persons: status x origin exactly on both margins, then each cell over sectors.
    block = _integer_block(fitted_block)

    counts, fitted = _place_raked(block, fitted_block)

    irregular, origin_shares, construction_share = _irregular(year, assumptions)
    titp_sectors = fitted_block[RAKED_STATUSES.index("titp")].sum(axis=0)
    irr, irr_fit = _irregular_block(irregular["total"].value, origin_shares, construction_share, titp_sectors)
    counts[STATUSES.index("irregular")] = irr
    fitted[STATUSES.index("irregular")] = irr_fit

    seed_note = Sourced(
        1.0,
        "assumption",
        reference,
        "assumption",
        "seed structure of the raking (status x origin x sector patterns, see SEED_STATUS_BY_ORIGIN and "
        "SEED_SECTOR_BY_STATUS and docs/data-audit.md); only cells not pinned by a marginal depend on it"
        + ("" if industry is not None else
           f"; with no MHLW industry rows for {year} it sets the sector split of all but the SSW block"),
        low=0.0,
        high=1.0,
    )
    assumptions["raking_seed_structure"] = seed_note
    counts.flags.writeable = False
    fitted.flags.writeable = False
    families = {"status": status, "nationality": nationality, "industry": industry, "ssw_by_field": ssw_field,
                "ssw_by_nationality": ssw_nat, "irregular": irregular}
    return InitialStocks(
        reference_date=reference,
        counts=counts,
        fitted=fitted,
        margins={k: v for k, v in families.items() if v is not None},
        assumptions=assumptions,
    )


# ---------------------------------------------------------------------------------------
# December 2016: the starting point of the historical run (japan-history, 2017-01 on).
# Only data dated before 2017 are read here: every MHLW, ISA and overstayer figure from
# 2017 on is a calibration or validation target (coexist.calibration.targets).
# ---------------------------------------------------------------------------------------
_REF_2016 = "2016-10-31"


def _counts_by_origin(table: dict) -> dict[str, float]:
    """The origin codes' entries of an assumption table (its text keys left out)."""
    return {code: value for code, value in table.items() if code in ORIGINS}


def _row(table: str, **match: str) -> dict[str, str]:
    return _pick(table, **match)


def _grown_2015(category: str, low_growth: float, high_growth: float) -> Sourced:
    """A 2016 status group: the 2015 MHLW level grown at the reported 2014-15 growth."""
    rows = {r["year_end_october"]: r for r in load_table("mhlw_by_status") if r["status_category"] == category}
    v14, v15 = _num(rows["2014"], "workers"), _num(rows["2015"], "workers")
    growth = v15 / v14 - 1.0
    return Sourced(
        round(v15 * (1.0 + growth)),
        "assumption",
        _REF_2016,
        "assumption",
        f"MHLW 2016 '{category}' is a gap: the 2015 level {v15:,.0f} ({_url(rows['2015'])}) grown at the "
        f"2014-15 growth {growth:.1%} (2014 is derived in the source); range: 2015 level grown {low_growth:.0%} "
        f"to {high_growth:.0%}",
        low=round(v15 * (1.0 + low_growth)),
        high=round(v15 * (1.0 + high_growth)),
    )


def _status_margins_2016(assumptions: dict[str, Sourced]) -> tuple[dict[str, Sourced], float]:
    total_row = _row("mhlw_foreign_workers_total", year_end_october="2016")
    total = _num(total_row, "foreign_workers_total")
    holders_row = _row("isa_residents_titp_holders", date="2016-12-31", metric="TITP_holders")
    holders = _num(holders_row, "persons")
    assumed = _assumed()
    ratio = Sourced(
        assumed["titp_workers_per_holder_2016"]["value"],
        "assumption",
        "2016-12",
        "assumption",
        "notified TITP workers per ISA TITP holder (MHLW TITP 2016 is a gap): interns in the first-month "
        "lecture period and between placements hold the status but are not yet notified workers",
        low=assumed["titp_workers_per_holder_2016"]["low"],
        high=assumed["titp_workers_per_holder_2016"]["high"],
    )
    assumptions["titp_workers_per_holder_2016"] = ratio
    growth = assumed["growth_professional_2016"]
    professional = _grown_2015("professional_technical", growth["low"], growth["high"])
    growth = assumed["growth_status_based_2016"]
    status_based = _grown_2015("status_based", growth["low"], growth["high"])
    designated = Sourced(
        assumed["workers_designated_2016"]["value"],
        "assumption",
        _REF_2016,
        "assumption",
        "MHLW designated activities 2016 is a gap (EPA nurse and care-worker candidates, working holiday, "
        "interns' post-programme stays and others)",
        low=assumed["workers_designated_2016"]["low"],
        high=assumed["workers_designated_2016"]["high"],
    )
    assumptions["workers_professional_2016"] = professional
    assumptions["workers_status_based_2016"] = status_based
    assumptions["workers_designated_2016"] = designated
    titp = Sourced(
        round(holders * ratio.value),
        _url(holders_row),
        "2016-12-31",
        "derived",
        f"ISA TITP holders 31 Dec 2016 {holders:,.0f} x assumed workers-per-holder ratio {ratio.value}",
    )
    named = titp.value + professional.value + status_based.value + designated.value
    students_2015 = _row("mhlw_by_status", year_end_october="2015", status_category="outside_status_students_only")
    student = Sourced(
        total - named,
        _url(total_row),
        _REF_2016,
        "derived",
        f"residual: MHLW total {total:,.0f} (October 2016) minus the other status groups (TITP derived, the others "
        f"assumed); it absorbs their errors. For scale, MHLW students alone were "
        f"{_num(students_2015, 'workers'):,.0f} in October 2015",
    )
    out = {
        "titp": titp,
        "ssw1": Sourced(0.0, "law", "2016-12", "reported", "SSW starts 2019-04"),
        "ssw2": Sourced(0.0, "law", "2016-12", "reported", "SSW starts 2019-04"),
        "professional": professional,
        "student": student,
        "status_based": status_based,
        "designated": designated,
    }
    return out, total


_NATIONALITY_2016_ASSUMED = {
    # code: (value, low, high, basis)
    "IDN": (
        35_000.0,
        25_000.0,
        45_000.0,
        "MHLW Indonesia 2016 is a gap: a sending country of interns (TITP) with few other workers; "
        "assumed about 3% of the 2016 total",
    ),
    "MMR": (
        6_000.0,
        3_000.0,
        12_000.0,
        "MHLW Myanmar 2016 is a gap: a small, young corridor in 2016 (absconders from Myanmar 336 in 2015)",
    ),
}


def _nationality_margins_2016(total: float, assumptions: dict[str, Sourced]) -> dict[str, Sourced]:
    rows = {r["nationality"]: r for r in load_table("mhlw_by_nationality") if r["year_end_october"] == "2016"}
    out: dict[str, Sourced] = {}
    for code, name in _NATIONALITY.items():
        if name in rows:
            out[code] = _sourced(rows[name], "workers", _REF_2016, "blog reproduction of the MHLW release")
    for code, (value, low, high, basis) in _NATIONALITY_2016_ASSUMED.items():
        if code not in out:
            out[code] = Sourced(value, "assumption", _REF_2016, "assumption", basis, low=low, high=high)
            assumptions[f"workers_{code.lower()}_2016"] = out[code]
    named = sum(v.value for v in out.values())
    out["OTH"] = Sourced(
        total - named,
        _url(_row("mhlw_foreign_workers_total", year_end_october="2016")),
        _REF_2016,
        "derived",
        f"MHLW total {total:,.0f} minus the seven named nationalities (Indonesia and Myanmar assumed)",
    )
    return {o: out[o] for o in ORIGINS}


def _irregular_2016(assumptions: dict[str, Sourced]) -> tuple[dict[str, Sourced], np.ndarray, float]:
    """Former-TITP irregular stock at the end of 2016 (a gap: an assumption from pre-2017 absconders)."""
    rows = {r["year"]: r for r in load_table("titp_disappearances")}
    a15, a16 = _num(rows["2015"], "titp_absconders"), _num(rows["2016"], "titp_absconders")
    assumed = _assumed()
    total = Sourced(
        assumed["irregular_stock_2016"]["value"],
        "assumption",
        "2016-12",
        "assumption",
        f"former-TITP overstayers at the end of 2016 are a gap (the TITP split of overstayers starts in 2019): "
        f"about 60% of the 2015-16 absconders ({a15:,.0f} + {a16:,.0f}) assumed still in Japan",
        low=assumed["irregular_stock_2016"]["low"],
        high=assumed["irregular_stock_2016"]["high"],
    )
    if "China 3,116; Vietnam 1,705; Myanmar 336" not in rows["2015"]["notes"]:
        raise DataError("titp_disappearances.csv: the 2015 note must give the nationality split.")
    named = _counts_by_origin(assumed["titp_absconders_by_nationality_2015"])
    shares = {o: named.get(o, 0.0) / a15 for o in ORIGINS}
    shares["OTH"] = 1.0 - sum(shares.values())
    origin = Sourced(
        shares["CHN"],
        _url(rows["2015"]),
        "2015",
        "assumption",
        "origin mix of the irregular stock = TITP absconders of 2015 by nationality (CN 3,116, VN 1,705, "
        f"MM 336 of {a15:,.0f}; the rest to OTH). Value shown: China's share",
        low=assumed["irregular_origin_mix_2016"]["low"],
        high=assumed["irregular_origin_mix_2016"]["high"],
    )
    construction = Sourced(
        assumed["irregular_construction_share_2016"]["value"],
        "assumption",
        "2016",
        "assumption",
        "sector mix of the irregular stock: construction share of absconded interns (no data before 2017), "
        "the rest spread like the TITP stock",
        low=assumed["irregular_construction_share_2016"]["low"],
        high=assumed["irregular_construction_share_2016"]["high"],
    )
    assumptions["irregular_stock_2016"] = total
    assumptions["irregular_origin_mix_2016"] = origin
    assumptions["irregular_construction_share_2016"] = construction
    margins = {
        o: Sourced(total.value * shares[o], _url(rows["2015"]), "2016-12", "derived",
                   f"{total.value:,.0f} x {shares[o]:.1%} (2015 absconder mix)")
        for o in ORIGINS
    }
    margins["total"] = total
    return margins, np.array([shares[o] for o in ORIGINS]), construction.value


def _integer_block(fitted_block: np.ndarray) -> np.ndarray:
    """Whole persons: status x origin exact on both margins, then each cell split over sectors."""
    cells = integerise_2d(fitted_block.sum(axis=2))
    block = np.zeros(fitted_block.shape, dtype=np.int64)
    for s in range(block.shape[0]):
        for o in range(block.shape[1]):
            weights = fitted_block[s, o]
            if cells[s, o] == 0:
                continue
            if weights.sum() <= 0:
                weights = np.array(SEED_SECTOR_BY_STATUS[RAKED_STATUSES[s]], dtype=float)
            block[s, o] = integerise(weights * (cells[s, o] / weights.sum()))
    return block


def _place_raked(block: np.ndarray, fitted_block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole and fitted persons of the raked statuses in the full status x origin x sector array."""
    counts = np.zeros((len(STATUSES), len(ORIGINS), len(SECTORS)), dtype=np.int64)
    fitted = np.zeros(counts.shape)
    for s, name in enumerate(RAKED_STATUSES):
        counts[STATUSES.index(name)] = block[s]
        fitted[STATUSES.index(name)] = fitted_block[s]
    return counts, fitted


def _irregular_block(total: float, origin_shares: np.ndarray, construction_share: float, titp_sectors: np.ndarray):
    """Former-TITP overstayers by origin and sector: the construction share fixed, the rest
    spread like TITP workers; whole persons per origin."""
    sector_w = np.where(np.arange(len(SECTORS)) == SECTORS.index("construction"), 0.0, titp_sectors)
    sector_w = sector_w / sector_w.sum() * (1.0 - construction_share)
    sector_w[SECTORS.index("construction")] = construction_share
    irr_fit = total * np.outer(origin_shares, sector_w)
    origin_int = integerise(irr_fit.sum(axis=1))
    irr = np.zeros(irr_fit.shape, dtype=np.int64)
    for o in range(len(ORIGINS)):
        if origin_int[o]:
            irr[o] = integerise(irr_fit[o] * origin_int[o] / irr_fit[o].sum())
    return irr, irr_fit


def _initial_stocks_2016() -> InitialStocks:
    """Stocks at the end of 2016 for the historical run (reads no data dated 2017 or later).

    Margins: MHLW workers by status (October 2016; most groups are gaps, filled by
    documented assumptions, students the residual to the reported total), MHLW
    workers by nationality (October 2016; Indonesia and Myanmar assumed). There is
    no 2016 industry breakdown in the data: the sector split follows the seed
    structure (an assumption). No SSW (it starts in 2019-04). Former-TITP
    overstayers are an assumption from the 2015-16 absconders.
    """
    assumptions: dict[str, Sourced] = {}
    status, total = _status_margins_2016(assumptions)
    nationality = _nationality_margins_2016(total, assumptions)
    margins = [
        Margin(keep=(0,), target=_vector(status, RAKED_STATUSES), name="status"),
        Margin(keep=(1,), target=_vector(nationality, ORIGINS), name="nationality"),
    ]
    fitted_block = rake(_seed(), margins, tol=1e-11, max_iter=5000)
    counts, fitted = _place_raked(_integer_block(fitted_block), fitted_block)
    irregular, origin_shares, construction_share = _irregular_2016(assumptions)
    titp_sectors = fitted_block[RAKED_STATUSES.index("titp")].sum(axis=0)
    irr, irr_fit = _irregular_block(irregular["total"].value, origin_shares, construction_share, titp_sectors)
    counts[STATUSES.index("irregular")] = irr
    fitted[STATUSES.index("irregular")] = irr_fit
    assumptions["raking_seed_structure_2016"] = Sourced(
        1.0,
        "assumption",
        "2016-12",
        "assumption",
        "seed structure of the raking (the 2024 patterns SEED_STATUS_BY_ORIGIN and SEED_SECTOR_BY_STATUS, SSW rows "
        "zeroed by their margins); with no 2016 industry margin it sets the whole sector split",
        low=0.0,
        high=1.0,
    )
    counts.flags.writeable = False
    fitted.flags.writeable = False
    return InitialStocks(
        reference_date="2016-12",
        counts=counts,
        fitted=fitted,
        margins={"status": status, "nationality": nationality, "irregular": irregular},
        assumptions=assumptions,
    )
