"""Reports: pure figure functions (figures.py) and HTML assembly (html.py), returned as
text; coexist.store writes them."""

from __future__ import annotations

from coexist.report.html import render_compare_report

__all__ = ["render_compare_report"]
