"""docs/data-dictionary.md: generated from the code, up to date, and complete."""

from pathlib import Path

from coexist.codes import ORIGINS, SECTORS, STATUSES
from coexist.engine.kernels import FLOW_TYPES
from coexist.engine.result import MEASURES
from coexist.store.dictionary import (
    FLOW_MEANINGS,
    MEASURE_UNITS,
    STATUS_NAMES,
    TABLE_COLUMNS,
    dictionary_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = (
    "python -c \"from coexist.store.dictionary import dictionary_markdown; print(dictionary_markdown(), end='')\" "
    "> docs/data-dictionary.md"
)


def test_docs_data_dictionary_is_up_to_date():
    path = ROOT / "docs" / "data-dictionary.md"
    assert path.read_text(encoding="utf-8") == dictionary_markdown(), (
        f"docs/data-dictionary.md is stale; regenerate it with {REGENERATE}"
    )


def test_every_code_has_a_meaning():
    assert list(STATUS_NAMES) == list(STATUSES)
    assert list(FLOW_MEANINGS) == list(FLOW_TYPES)
    assert set(MEASURE_UNITS) == set(MEASURES)


def test_every_code_and_column_is_in_the_markdown():
    text = dictionary_markdown()
    for code in (*STATUSES, *SECTORS, *ORIGINS, *FLOW_TYPES, *MEASURES, "abroad", "none",
                 "tenure_months_sum:<status>"):
        assert f"| `{code}` |" in text, code
    for table, columns in TABLE_COLUMNS.items():
        assert f"### {table} (`{table}.parquet`)" in text
        for column in columns:
            assert f"| `{column}` |" in text, (table, column)


def test_acronyms_are_spelled_out():
    text = dictionary_markdown()
    for full in ("Technical Intern Training Program", "Employment for Skill Development",
                 "Specified Skilled Worker (i)", "Specified Skilled Worker (ii)"):
        assert full in text
    assert "| `VNM` | Vietnam |" in text


def test_units_print_with_the_values():
    text = dictionary_markdown()
    assert "| persons | 189,489 persons |" in text
    assert "| money per year (host currency) | ¥2,532.6 bn per year |" in text
    assert "| months of earnings | 0.0652 months of earnings |" in text
