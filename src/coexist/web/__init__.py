"""The dashboard: ``coexist serve`` starts it (a FastAPI application, see :mod:`coexist.web.app`)."""

from __future__ import annotations

from coexist.web.app import DASHBOARD_FOLDER, create_app
from coexist.web.jobs import JobQueue
from coexist.web.limits import Limits

__all__ = ["create_app", "Limits", "JobQueue", "DASHBOARD_FOLDER"]
