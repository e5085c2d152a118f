"""``docs/data-dictionary.md``, generated from the code: every table the store writes, with
each column's type and unit, and every code those tables hold (statuses, sectors, origins,
flow labels, measures, metric units).

This module sits in store/ because the comparison's tables are declared here
(:mod:`coexist.store.compare`); the meanings are written once, below, next to the schemas
they describe. A test checks that the file in ``docs/`` equals :func:`dictionary_markdown`;
regenerate with ``python -c "from coexist.store.dictionary import dictionary_markdown;
print(dictionary_markdown(), end='')" > docs/data-dictionary.md`` (on one line).
"""

from __future__ import annotations

import pyarrow as pa

from coexist.codes import NO_SECTOR, ORIGIN_NAMES, ORIGINS, SECTORS, STATUSES
from coexist.engine.kernels import FLOW_TYPES
from coexist.engine.result import DEMAND_SCHEMA, FLOW_SCHEMA, MEASURE_SCHEMA, MEASURES, STOCK_SCHEMA
from coexist.engine.spells import PEOPLE_SCHEMA
from coexist.metrics import METRICS, format_value
from coexist.store.compare import PARAMETERS_SCHEMA, REPLICATES_SCHEMA, SERIES_SCHEMA

__all__ = [
    "dictionary_markdown",
    "ACRONYMS",
    "STATUS_NAMES",
    "FLOW_MEANINGS",
    "TABLE_COLUMNS",
    "TENURE_MEASURE",
    "OUTSIDE",
    "MEASURE_UNITS",
]

ACRONYMS: dict[str, str] = {
    "TITP": "Technical Intern Training Program (status `titp`)",
    "ESD": "Employment for Skill Development, the programme that replaces TITP from 2027-04 (status `esd`)",
    "SSW-i": "Specified Skilled Worker (i) (status `ssw1`)",
    "SSW-ii": "Specified Skilled Worker (ii), renewable, family allowed (status `ssw2`)",
    "SSW": "Specified Skilled Worker, (i) and (ii) together",
    "ISA": "Immigration Services Agency of Japan",
    "MHLW": "Ministry of Health, Labour and Welfare of Japan",
    "ISO": "ISO 3166-1 alpha-3 country codes (origins) and ISO 4217 currency codes",
    "ARD": "averaged relative difference (docs/validation.md)",
    "FY": "Japanese fiscal year, April to March",
}

# Full name and meaning of the shipped statuses, in code order (coexist.codes.STATUSES).
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "home": ("candidate pool", "candidates at origin: a count per origin, not agents (sector `none`)"),
    "titp": ("Technical Intern Training Program (TITP)", "programme status, recruited by employers with vacancies"),
    "esd": ("Employment for Skill Development (ESD)", "programme status that replaces TITP from 2027-04"),
    "ssw1": ("Specified Skilled Worker (i) (SSW-i)", "programme status, job change within the field"),
    "ssw2": ("Specified Skilled Worker (ii) (SSW-ii)", "programme status, renewable, family allowed"),
    "professional": ("professional and technical statuses", "skilled kind: entries from abroad, exits"),
    "student": ("students", "study kind: entries from abroad, exits"),
    "status_based": ("status-based residents (permanent residents, spouses, long-term residents)",
                     "settled kind: may stay for good"),
    "designated": ("designated activities", "designated kind (e.g. stranded interns 2020-2022)"),
    "irregular": ("irregular", "in the host without a valid status (absconded or overstayed)"),
    "returned": ("returned", "former worker living at origin"),
}
# Flows come from and go to this label; it is never a stock.
OUTSIDE = ("abroad", "outside the modelled population: a source and sink of flows, never a stock (flows only)")

# kernels.FLOW_TYPES: from -> to, and the event.
FLOW_MEANINGS: dict[str, tuple[str, str]] = {
    "entry": ("`home` → programme status; `abroad` → non-programme status", "arrival of a new entrant"),
    "reentry": ("`returned` → status", "arrival of an admitted returnee"),
    "return": ("status → `returned`", "return at expiry or early return"),
    "job_change": ("status → same status", "change of employer"),
    "abscond": ("programme status → `irregular`", "leaving the employer for irregular work"),
    "overstay": ("programme status → `irregular`", "staying on after expiry without a status"),
    "removal": ("`irregular` → `returned`", "detected and removed, with a ban"),
    "voluntary_departure": ("`irregular` → `returned`", "irregular worker leaves on their own"),
    "upgrade": ("status → other status", "change of status in the host (upgrade at a decision point, or hazard "
                "transition of a non-programme status)"),
    "placement_home": ("`returned` → `returned`", "placed in a job at home by bilateral matching"),
    "job_found_home": ("`returned` → `returned`", "found a job at home by own search"),
    "cohort_in": ("`abroad` → `home`", "new cohort enters a candidate pool"),
    "age_out": ("any state → `abroad`", "reaching `retirement_age_years` (agents) or cohort leaving a pool"),
    "death": ("status → `abroad`", "death"),
    "exit": ("non-programme status → `abroad`", "departure from a non-programme status"),
}

TENURE_MEASURE = (
    "tenure_months_sum:<status>",
    "one per host status that has people: months in that status summed over the people holding it at month "
    "end (elapsed tenure); divided by the persons in the status, the mean elapsed tenure",
    "person-months",
)

# Column meanings per table: (meaning, unit). Types come from the schemas.
_MONTH = ("calendar month, as the date of its first day (`2025-04-01` is April 2025)", "")
_SCENARIO = ("scenario name", "")
_REPLICATE = ("replicate number, 0 first; replicate k of every scenario shares its seed (paired)", "")
_SEED = ("random seed of the replicate", "")
TABLE_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "stocks": {
        "month": _MONTH,
        "status": ("status code (below)", ""),
        "origin": ("origin code (below)", ""),
        "sector": ("sector code (below); `none` for the candidate pools", ""),
        "persons": ("persons at month end, re-inflated by 1/scale (hence a float)", "persons"),
    },
    "flows": {
        "month": _MONTH,
        "flow": ("flow label (below)", ""),
        "status_from": ("status before the event, or `abroad`", ""),
        "status_to": ("status after the event, or `abroad`", ""),
        "origin": ("origin code", ""),
        "sector": ("sector code", ""),
        "persons": ("persons who made the move in the month, re-inflated by 1/scale", "persons per month"),
    },
    "demand": {
        "month": _MONTH,
        "sector": ("sector code", ""),
        "demand": ("labour demand for foreign workers at month end", "persons"),
        "employed": ("foreign workers in a regular status employed in the sector at month end", "persons"),
    },
    "measures": {
        "month": _MONTH,
        "origin": ("origin code", ""),
        "measure": ("measure name (below)", ""),
        "value": ("the measure's value for the month and origin", "the measure's unit (below)"),
    },
    "people": {
        "person_id": ("the person (stable over the run; the initial population first)", ""),
        "origin": ("origin code", ""),
        "status": ("status code of the spell; `returned` for a spell at origin between stays", ""),
        "sector": ("sector code (at origin and in irregular stay: the sector of the last job in the host)", ""),
        "employer_id": ("the employer (0 .. employers - 1); null at origin and in irregular stay", ""),
        "start": ("first month of the spell, `YYYY-MM` (the horizon's first month for the initial population)",
                  ""),
        "end": ("month of the flow that ended the spell, `YYYY-MM`; null while it goes on at the horizon's end",
                ""),
        "end_reason": ("the flow that ended the spell (flow labels below), null while it goes on", ""),
        "visit": ("stays in the host so far: 1 for the first, 2 for the second...; a spell at origin carries the "
                  "number of the stay it follows", "stays"),
    },
    "replicates": {
        "scenario": _SCENARIO,
        "replicate": _REPLICATE,
        "seed": _SEED,
        "metric": ("metric key (docs/metrics.md)", ""),
        "value": ("the metric's value; NaN when its denominator is zero", "the metric's unit (docs/metrics.md)"),
    },
    "parameters": {
        "replicate": _REPLICATE,
        "seed": _SEED,
        "parameter": ("name of a drawn parameter (docs/parameters.md)", ""),
        "value": ("the value drawn for the replicate", "the parameter's unit (docs/parameters.md)"),
    },
    "series": {
        "scenario": _SCENARIO,
        "replicate": _REPLICATE,
        "seed": _SEED,
        "year": ("calendar year", ""),
        "series": ("name of the annual series", ""),
        "value": ("the series' value for the year", "the series' unit"),
    },
}
_TABLES: tuple[tuple[str, str, pa.Schema, str], ...] = (
    ("stocks", "stocks.parquet", STOCK_SCHEMA, "run folder: one row per month × status × origin × sector"),
    ("flows", "flows.parquet", FLOW_SCHEMA,
     "run folder: one row per month × flow × status_from × status_to × origin × sector"),
    ("demand", "demand.parquet", DEMAND_SCHEMA, "run folder: one row per month × sector"),
    ("measures", "measures.parquet", MEASURE_SCHEMA, "run folder: one row per month × origin × measure"),
    ("people", "people.parquet", PEOPLE_SCHEMA, "run folder, with `coexist run --people` only: one row per status "
     "spell of each person (agents at the run's scale, not re-inflated; docs/user-guide.md, people and cohorts)"),
    ("replicates", "replicates.parquet", REPLICATES_SCHEMA,
     "comparison folder: every metric of every replicate of every scenario"),
    ("parameters", "parameters.parquet", PARAMETERS_SCHEMA, "comparison folder: the drawn parameter set of each "
     "replicate"),
    ("series", "series.parquet", SERIES_SCHEMA, "comparison folder: every replicate's annual series"),
)
# Unit of each measure of engine/result.py MEASURES (per month and origin).
MEASURE_UNITS: dict[str, str] = {
    "earnings": "host currency per month",
    "home_wage_counterfactual": "host currency per month",
    "remittances": "host currency per month",
    "debt": "host currency (outstanding at month end)",
    "workers_in_host": "persons",
    "regular_months": "person-months",
    "mobility_months": "person-months",
    "family_in_host": "persons",
    "skill_sum_host": "skill (0..1) summed over persons",
    "experienced_workers": "persons",
    "skill_years_home": "skill-years",
    "returnees_reaching_12m": "persons",
    "returnees_employed_12m": "persons",
    "placements_home": "persons",
    "returnee_home_income": "host currency per month (home incomes converted)",
    "returnee_home_wage": "host currency per month (home wages converted)",
    "returnee_skill": "skill (0..1) summed over returnee-months",
    "returnee_skill_in_use": "skill (0..1) summed over returnee-months",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _measure_row(name: str, text: str) -> str:
    return f"| `{name}` | {_cell(text.removesuffix(' (yen)'))} | {MEASURE_UNITS[name]} |"


def _type(arrow_type: pa.DataType) -> str:
    """A column's type as the readers see it: a dictionary-encoded text column is text."""
    if pa.types.is_dictionary(arrow_type):
        return f"{arrow_type.value_type} (dictionary-encoded)"
    return str(arrow_type)


def _tables_section() -> list[str]:
    lines = ["## Tables", ""]
    for name, file, schema, what in _TABLES:
        meanings = TABLE_COLUMNS[name]
        lines += [f"### {name} (`{file}`)", "", f"{what[0].upper()}{what[1:]}.", "",
                  "| column | type | meaning | unit |", "| --- | --- | --- | --- |"]
        for field in schema:
            meaning, unit = meanings[field.name]
            lines.append(f"| `{field.name}` | {_type(field.type)} | {_cell(meaning)} | {unit} |")
        lines.append("")
    lines += [
        "The catalogue of runs (`coexist.store.catalogue.connect`) shows the four run tables of every run folder as",
        "views of the same names, with a `run` column (the folder), beside a `runs` view (one row per run folder)",
        "and a `metrics` view (`run`, `metric`, `value`).",
        "",
    ]
    return lines


def _codes_section() -> list[str]:
    lines = [
        "## Codes",
        "",
        "### Statuses",
        "",
        "A scenario declares its statuses; `home`, `irregular` and `returned` are reserved. The shipped Japanese",
        "scenarios use these (`coexist.codes.STATUSES`):",
        "",
        "| code | full name | what it is |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{s}` | {_cell(STATUS_NAMES[s][0])} | {_cell(STATUS_NAMES[s][1])} |" for s in STATUSES]
    lines += [f"| `{OUTSIDE[0]}` | outside | {OUTSIDE[1]} |", ""]
    lines += ["### Sectors", "", "| code | sector |", "| --- | --- |"]
    lines += [f"| `{s}` | {s.replace('_', ' ')} |" for s in SECTORS]
    lines += [f"| `{NO_SECTOR}` | no sector: the candidate pools (status `home`) |", ""]
    lines += ["### Origins", "", "ISO 3166-1 alpha-3 codes; `OTH` groups every other nationality.", "",
              "| code | country |", "| --- | --- |"]
    lines += [f"| `{o}` | {ORIGIN_NAMES[o]} |" for o in ORIGINS]
    lines += ["", "### Flow labels", "",
              "`coexist.engine.kernels.FLOW_TYPES`, recorded at the moment of the event.", "",
              "| flow | from → to | event |", "| --- | --- | --- |"]
    lines += [f"| `{f}` | {FLOW_MEANINGS[f][0]} | {FLOW_MEANINGS[f][1]} |" for f in FLOW_TYPES]
    lines += ["", "### Measures", "", "`coexist.engine.result.MEASURES`, per month and origin; docs/model.md (2.11) "
              "says how each is summed.", "", "| measure | meaning | unit |", "| --- | --- | --- |"]
    lines += [_measure_row(name, text) for name, text in MEASURES.items()]
    lines += [f"| `{TENURE_MEASURE[0]}` | {TENURE_MEASURE[1]} | {TENURE_MEASURE[2]} |", ""]
    return lines


def _units_section() -> list[str]:
    lines = [
        "## Units",
        "",
        "Counts are persons, re-inflated by 1/scale (floats). Money is in the host currency (the scenario's",
        "`currency`, yen for Japan). The metrics' units (docs/metrics.md) print as follows:",
        "",
        "| unit | printed as |",
        "| --- | --- |",
    ]
    examples = {"share": 0.1234, "money per year": 2.5326e12, "money": 150000.0, "persons": 189489.0}
    for unit in dict.fromkeys(m.unit for m in METRICS.values()):
        value = next((v for k, v in examples.items() if unit.startswith(k)), 0.0652)
        lines.append(f"| {unit} | {format_value(value, unit)} |")
    lines.append("")
    return lines


def dictionary_markdown() -> str:
    """The whole of ``docs/data-dictionary.md``."""
    lines = [
        "<!-- Generated by coexist.store.dictionary.dictionary_markdown() from the table schemas and the codes; "
        "do not edit. -->",
        "",
        "# Data dictionary",
        "",
        "Every table coexist writes, with each column's type and unit, and every code those tables hold.",
        "The metrics computed from the tables are in [metrics.md](metrics.md).",
        "",
        "## Acronyms",
        "",
        "| acronym | meaning |",
        "| --- | --- |",
    ]
    lines += [f"| {a} | {m} |" for a, m in ACRONYMS.items()]
    lines.append("")
    return "\n".join(lines + _tables_section() + _codes_section() + _units_section())
