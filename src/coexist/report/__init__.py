"""Reports: pure figure functions (figures.py) and HTML assembly (html.py)."""

from __future__ import annotations

from coexist.report.html import render_compare_report, write_compare_report

__all__ = ["render_compare_report", "write_compare_report"]
