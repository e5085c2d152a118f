"""Months of the result tables map to their position in the horizon, whatever string type
the month column has (tables read back from files may use large or dictionary strings)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from coexist.metrics.tables import Tables


@pytest.mark.parametrize("kind", ["string", "large_string", "dictionary"])
def test_month_index_by_position_and_minus_one_outside(kind):
    horizon = pa.table({"month": pa.array(["2025-01", "2025-02", "2025-03"])})
    months = pa.array(["2025-03", "2024-12", "2025-01", "2025-01"])
    if kind == "large_string":
        months = months.cast(pa.large_string())
    elif kind == "dictionary":
        months = months.dictionary_encode()
    empty = pa.table({"month": pa.array([], pa.string())})
    tables = Tables(stocks=horizon, flows=empty, demand=empty, measures=empty)
    np.testing.assert_array_equal(tables.month_index(pa.chunked_array([months])), [2, -1, 0, 0])
