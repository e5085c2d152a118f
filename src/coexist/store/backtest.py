"""The files of ``coexist backtest``: backtest.html, backtest.csv, backtest.json, simulated_targets.csv.

Text files are written atomically (a reader never sees half a file).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coexist.calibration.backtest import Backtest, backtest_csv, simulated_csv
from coexist.store.files import json_text, write_text_files

__all__ = ["BACKTEST_FILES", "backtest_document", "write_backtest"]

#: What :func:`write_backtest` writes.
BACKTEST_FILES = ("backtest.html", "backtest.csv", "backtest.json", "simulated_targets.csv")


def backtest_document(backtest: Backtest, provenance: Mapping[str, Any]) -> dict[str, Any]:
    """What backtest.json holds: per origin its overall figures (as validation.json's) and
    headline checks, the per-series rows (with the model's ARD per replicate), and the
    provenance."""
    return {
        "origins": {
            origin: {
                "overall": dict(scored.summary.overall),
                "checks": scored.checks,
                "horizon": scored.horizon,
                "scenario_hash": scored.scenario_hash,
            }
            for origin, scored in backtest.origins.items()
        },
        "series": [
            {"origin": origin, **{k: v for k, v in r.items() if k != "what"}}
            for origin, scored in backtest.origins.items()
            for r in scored.summary.rows
            if r["n_validate"]
        ],
        "provenance": dict(provenance),
    }


def write_backtest(folder: str | Path, backtest: Backtest, provenance: Mapping[str, Any],
                   report_html: str) -> dict[str, Path]:
    """Write the files of a backtest (:data:`BACKTEST_FILES`) into ``folder``: the rendered
    ``report_html``, the tables of ``backtest`` and, in backtest.json, its scores with
    ``provenance``. Returns their paths by name."""
    written = write_text_files(Path(folder), {
        "simulated_targets.csv": simulated_csv(backtest),
        "backtest.csv": backtest_csv(backtest),
        "backtest.json": json_text(backtest_document(backtest, provenance)),
        "backtest.html": report_html,
    })
    return {name: written[name] for name in BACKTEST_FILES}
