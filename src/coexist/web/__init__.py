"""The dashboard: ``coexist serve`` starts it (a FastAPI application, see :mod:`coexist.web.app`)."""

from __future__ import annotations

import importlib
from typing import Any

from coexist.web.jobs import JobQueue
from coexist.web.limits import Limits

__all__ = ["create_app", "Limits", "JobQueue", "DASHBOARD_FOLDER"]

_APPLICATION = ("create_app", "DASHBOARD_FOLDER")


def __getattr__(name: str) -> Any:
    # the application (FastAPI, plotly) loads on first use, not with the package: every command of the
    # command line reads Limits for `coexist serve`'s option defaults and would otherwise pay its start-up cost
    if name in _APPLICATION:
        return getattr(importlib.import_module("coexist.web.app"), name)
    raise AttributeError(f"module 'coexist.web' has no attribute {name!r}")
