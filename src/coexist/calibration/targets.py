"""The declared calibration and validation targets (``coexist/data/targets.csv``).

One row per official number: the series it belongs to, the data file and URL it
comes from, its reference date, its value and unit, how the model measures it
(``measure``, and ``flow`` for flow measures: one engine flow or several joined by ``+``), the model statuses it
counts (``statuses``, joined by ``+``), the origins (empty: all), what the official figure counts (``flags``, e.g.
notified workers vs holders), the data flag of the source row, the split (``fit`` for 2017-2022, ``validate`` for
2023-2024) and, for a flow over a period of the row's own (``flow_period``), the first day of that period
(``period_start``; the column may be left out of a file that has no such row).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyarrow as pa

from coexist.calibration.measures import ARRIVAL_FLOWS
from coexist.codes import ORIGINS, STATUSES
from coexist.data.text_files import read_text_file
from coexist.engine.kernels import FLOW_TYPES
from coexist.errors import DataError

__all__ = ["load_targets", "read_targets", "TargetsFile", "SHIPPED_LABEL", "TARGET_COLUMNS", "OPTIONAL_COLUMNS",
           "MEASURE_KINDS", "SPLITS", "TARGET_SCHEMA"]

TARGET_COLUMNS: tuple[str, ...] = (
    "series",
    "source",
    "source_url",
    "reference_date",
    "value",
    "unit",
    "measure",
    "flow",
    "statuses",
    "origins",
    "flags",
    "data_flag",
    "split",
    "notes",
    "period_start",
)
#: Columns a targets file may leave out (read as empty).
OPTIONAL_COLUMNS: tuple[str, ...] = ("period_start",)

#: How the model measures a target (coexist.calibration.measures).
MEASURE_KINDS: dict[str, str] = {
    "stock": "persons in the statuses at the end of the month before the reference date's day "
             "(end of month for a month-end date)",
    "flow_calendar_year": "model flow summed over the calendar year that ends on the reference date",
    "flow_fiscal_year": "model flow summed over the Japanese fiscal year (April-March) that ends on the reference date",
    "flow_period": "model flow summed over the months from period_start to the reference date (e.g. January-June)",
    "share_not_employed_12m_fiscal_year": "1 - returnees employed within 12 months / returnees reaching 12 months, "
                                          "over the fiscal year",
    "share_changed_status_cumulative": "upgrades into the statuses / all inflows into them (upgrades, entries, "
                                       "re-entries), cumulated to the reference date",
    "mean_elapsed_tenure_years": "mean months in the current status / 12 "
                                 "(the engine's measures 'tenure_months_sum:<status>')",
}
SPLITS: tuple[str, ...] = ("fit", "validate")
DATA_FLAGS: tuple[str, ...] = ("reported", "derived", "uncertain")
# Statuses a target may count: the host statuses and the returnees at origin.
_COUNTABLE = tuple(STATUSES[1:])

TARGET_SCHEMA = pa.schema(
    [
        ("series", pa.string()),
        ("source", pa.string()),
        ("source_url", pa.string()),
        ("reference_date", pa.date32()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("measure", pa.string()),
        ("flow", pa.string()),
        ("statuses", pa.string()),
        ("origins", pa.string()),
        ("flags", pa.string()),
        ("data_flag", pa.string()),
        ("split", pa.string()),
        ("notes", pa.string()),
        ("period_start", pa.date32()),
    ]
)


def _fail(line: int, message: str) -> DataError:
    return DataError(f"targets table, line {line}: {message}")


def _period_start(row: dict[str, str], reference: dt.date, line: int) -> dt.date | None:
    """The first day of a ``flow_period`` row's period (None for other measures, which take none)."""
    text = row.get("period_start", "").strip()
    if row["measure"] != "flow_period":
        if text:
            raise _fail(line, f"only measure 'flow_period' takes a period_start. Got {text!r} for measure "
                              f"{row['measure']!r}: leave it empty.")
        return None
    try:
        start = dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(line, "measure 'flow_period' needs period_start, the first day of the period (YYYY-MM-01). "
                          f"Got {text!r} instead.") from None
    if start.day != 1 or start > reference:
        raise _fail(line, f"period_start must be the first day of a month on or before the reference date "
                          f"{reference.isoformat()}. Got {text!r} instead.")
    return start


def _check_row(row: dict[str, str], line: int) -> dict:
    out: dict = dict(row)
    for required in ("series", "source", "reference_date", "value", "measure", "statuses", "split"):
        if not row.get(required, "").strip():
            raise _fail(line, f"column {required!r} must not be empty.")
    try:
        out["reference_date"] = dt.date.fromisoformat(row["reference_date"])
    except ValueError:
        raise _fail(line, f"reference_date must be a date YYYY-MM-DD. Got {row['reference_date']!r} instead.") from None
    try:
        value = float(row["value"])
    except ValueError:
        raise _fail(line, f"value must be a number. Got {row['value']!r} instead.") from None
    if not math.isfinite(value) or value < 0:
        raise _fail(line, f"value must be a finite number >= 0. Got {row['value']!r} instead.")
    out["value"] = value
    if row["measure"] not in MEASURE_KINDS:
        raise _fail(line, f"measure must be one of {', '.join(MEASURE_KINDS)}. Got {row['measure']!r} instead.")
    for status in row["statuses"].split("+"):
        if status not in _COUNTABLE:
            raise _fail(line, f"statuses must be model statuses among {', '.join(_COUNTABLE)} joined by '+'. "
                              f"Got {status!r}.")
    for origin in filter(None, row.get("origins", "").split("+")):
        if origin not in ORIGINS:
            raise _fail(line, f"origins must be empty (all) or codes among {', '.join(ORIGINS)}. Got {origin!r}.")
    if row["measure"].startswith("flow_"):
        flows = row.get("flow", "").split("+")
        if not all(f in FLOW_TYPES for f in flows):
            raise _fail(line, f"a flow measure needs flow among {', '.join(FLOW_TYPES)} (several joined by '+'). "
                              f"Got {row.get('flow')!r} instead.")
        if 0 < sum(f in ARRIVAL_FLOWS for f in flows) < len(flows):
            raise _fail(line, f"flow must join arrivals ({'+'.join(ARRIVAL_FLOWS)}, counted into the statuses) or "
                              f"other flows (counted out of them), not both. Got {row['flow']!r} instead.")
    elif row.get("flow", ""):
        raise _fail(line, f"only flow measures take a flow. Got {row['flow']!r} for measure {row['measure']!r}.")
    out["period_start"] = _period_start(row, out["reference_date"], line)
    if row["split"] not in SPLITS:
        raise _fail(line, f"split must be one of {', '.join(SPLITS)}. Got {row['split']!r} instead.")
    if row.get("data_flag", "") not in DATA_FLAGS:
        raise _fail(line, f"data_flag must be one of {', '.join(DATA_FLAGS)}. Got {row.get('data_flag')!r} instead.")
    if row["measure"].startswith("share") and not value <= 1.0:
        raise _fail(line, f"a share must be in [0, 1]. Got {value!r} instead.")
    return out


def load_targets(path: str | Path | None = None) -> pa.Table:
    """The targets table, validated, one row per official number.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of :data:`TARGET_COLUMNS`; the shipped
        ``coexist/data/targets.csv`` by default.

    Returns
    -------
    pyarrow.Table
        With :data:`TARGET_SCHEMA` (reference dates parsed to dates, values to
        floats), sorted by series and reference date.

    Raises
    ------
    DataError
        For a file that is missing, a folder or not UTF-8 text; for an unknown or missing column,
        an unparseable date or value, an
        unknown measure, status, origin, flow, split or data flag, a flow measure that joins arrivals with
        other flows, a ``period_start`` missing from a ``flow_period`` row (or given to another measure), or a
        duplicated (series, reference_date) pair.

    Examples
    --------
    >>> targets = load_targets()
    >>> sorted(set(targets.column("split").to_pylist()))
    ['fit', 'validate']
    """
    if path is None:
        text = (resources.files("coexist.data") / "targets.csv").read_text(encoding="utf-8")
    else:
        text = read_text_file(path, "targets file")
    reader = csv.DictReader(io.StringIO(text))
    columns = tuple(reader.fieldnames or ())
    unknown = [c for c in columns if c not in TARGET_COLUMNS]
    if unknown:
        raise DataError(f"targets table: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(TARGET_COLUMNS)}.")
    missing = [c for c in TARGET_COLUMNS if c not in columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise DataError(f"targets table: missing column(s) {', '.join(missing)}.")
    rows = []
    seen: set[tuple[str, dt.date]] = set()
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise _fail(line, "has more cells than the header.")
        checked = _check_row({k: (v or "") for k, v in row.items()}, line)
        key = (checked["series"], checked["reference_date"])
        if key in seen:
            raise _fail(line, f"series {key[0]!r} has two rows for {key[1].isoformat()}.")
        seen.add(key)
        rows.append(checked)
    rows.sort(key=lambda r: (r["series"], r["reference_date"]))
    return pa.Table.from_pylist(rows, schema=TARGET_SCHEMA)


#: How the shipped targets table is named in provenance records.
SHIPPED_LABEL = "coexist/data/targets.csv (shipped)"


@dataclass(frozen=True)
class TargetsFile:
    """A targets table with what provenance records of it: its ``label`` (the path as given,
    or :data:`SHIPPED_LABEL`) and the SHA-256 of its bytes."""

    table: pa.Table
    label: str
    sha256: str


def read_targets(path: str | Path | None = None) -> TargetsFile:
    """:func:`load_targets`, with the file's label and SHA-256 (the shipped table by default)."""
    table = load_targets(path)
    if path is None:
        data, label = (resources.files("coexist.data") / "targets.csv").read_bytes(), SHIPPED_LABEL
    else:
        data, label = Path(path).read_bytes(), str(Path(path))
    return TargetsFile(table, label, hashlib.sha256(data).hexdigest())
