"""The dashboard's web application (FastAPI): one page, and the JSON API it calls.

Every computation goes through :mod:`coexist.api` (``run``, ``compare``, ``pathways``, ``runs``)
in a background job (:mod:`coexist.web.jobs`); results are written into the run store and read
back from it (:mod:`coexist.web.views`). Bad input of any kind gets a 4xx answer with one
message, in the words the command line uses, and the server carries on.

Routes (all JSON unless said otherwise):

``GET /``                              the page (HTML); ``/static/...`` its script, style and plotly.js
``GET /api/settings``                  limits, defaults and version
``GET /api/scenarios``                 shipped and uploaded scenarios
``GET /api/levers?scenario=REF``       the lever form of a scenario
``POST /api/uploads``                  upload a scenario file (multipart ``file``)
``GET /api/pathway-form?scenario=REF`` what the form of one person's history offers
``POST /api/pathways``                 one person's pathways under one or two regimes, as a job
``POST /api/jobs``                     start a run or a comparison; ``GET /api/jobs``, ``GET /api/jobs/ID``
``POST /api/jobs/ID/cancel``           cancel a job
``GET /api/runs``                      past runs and comparisons in the store
``GET /api/view?run=ID&run=ID``        one run or several side by side
``GET /api/compare?id=ID``             a comparison
``GET /api/table?run=ID&table=T&format=F``   a run's table as Parquet or CSV (a download)
``GET /api/report?run=ID`` / ``?compare=ID`` the HTML report (a download)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from plotly.offline import get_plotlyjs
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from coexist import api
from coexist.codes import ORIGIN_NAMES, SECTORS
from coexist.errors import CoexistError, ScenarioError
from coexist.explain.history import LANGUAGE_NAMES, first_data_month
from coexist.report import render_compare_report
from coexist.scenario import load_scenario, shipped_scenarios
from coexist.scenario.options import check_count, check_scale, check_seed
from coexist.scenario.schema import TEST_LEVELS
from coexist.version import __version__
from coexist.web.jobs import JobControl, JobQueue, QueueFull, UnknownJob
from coexist.web.levers import lever_form, lever_overrides
from coexist.web.limits import Limits, check_pathway_size, check_run_size
from coexist.web.uploads import Uploads
from coexist.web.views import NotFound, RunStore, compare_view, run_view, table_bytes

__all__ = ["create_app", "DASHBOARD_FOLDER"]

#: The folder inside the run store that the dashboard's runs and comparisons go into.
DASHBOARD_FOLDER = "dashboard"
_UPLOADS_FOLDER = ".uploads"  # dot folders: the catalogue does not search them
_DERIVED_FOLDER = ".derived"  # a compared scenario with the levers changed, resolved
_STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
_MAX_MESSAGE = 600
_MAX_JSON_BYTES = 64 * 1024
_JOB_KINDS = ("run", "compare")
# what the form offers first: a run of the full horizon in about 20 s, a comparison with intervals
_FORM_SCALE = 0.01
_FORM_REPLICATES = 2
# what the pathway form offers first: a few seconds at most (api.pathways, 1000 copies over ten years)
_FORM_COPIES = 1000
_FORM_HORIZON_MONTHS = 120
_PATHWAY_FIELDS = ("scenario", "compare_with", "month", "history", "copies", "horizon_months", "seed")


def _static(name: str) -> str:
    return resources.files("coexist.web").joinpath("static", name).read_text(encoding="utf-8")


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    text = " ".join(str(message).split())
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE] + "..."
    return JSONResponse({"error": text, "field": field}, status_code=status)


class _BodyLimit:
    """ASGI middleware: refuse a request body larger than ``limit`` bytes (413), counted as it
    arrives, so that neither a lying Content-Length nor a chunked body gets past it."""

    def __init__(self, app: Any, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _error(413, f"the request must be at most {self.limit:,} bytes. Got {declared.decode()[:20]} "
                              "bytes instead.")(scope, receive, send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _error(413, f"the request must be at most {self.limit:,} bytes.")(scope, receive, send)


class _TooLarge(Exception):
    pass


def _scenario_ref(uploads: Uploads, ref: Any) -> str:
    """A scenario reference from a request as the loader takes it: a shipped name, or the
    file of an upload id. Anything else is refused (no path from a request is ever opened)."""
    if isinstance(ref, str) and ref in {name for name, _ in shipped_scenarios()}:
        return ref
    path = uploads.path(ref)
    if path is None:
        shown = str(ref)[:80] if isinstance(ref, (str, int, float)) else type(ref).__name__
        raise ScenarioError(f"must be a shipped scenario or an uploaded one. Got {shown!r} instead: pick one from "
                            "the list.", field="scenario")
    return str(path)


def _month_or_none(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 7:
        raise ScenarioError(f"must be a month written YYYY-MM. Got {str(value)[:20]!r} instead.", field=key)
    return value


async def _json_body(request: Request, example: str) -> Any:
    """A request's body read as JSON, at most _MAX_JSON_BYTES."""
    raw = await request.body()
    if len(raw) > _MAX_JSON_BYTES:
        raise ScenarioError(f"must be at most {_MAX_JSON_BYTES:,} bytes of JSON. Got {len(raw):,} instead.",
                            field="body")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ScenarioError(f"must be JSON, e.g. {example}. Got something else instead.", field="body") from None
    if not isinstance(body, dict):
        raise ScenarioError(f"must be a JSON object. Got {type(body).__name__} instead.", field="body")
    return body


def create_app(store: str | Path = "runs", *, limits: Limits | None = None, engine: api.Engine = api.ENGINE,
               queue: JobQueue | None = None) -> FastAPI:
    """The dashboard application.

    Parameters
    ----------
    store : path
        The run store: runs and comparisons go into ``store/dashboard/``, uploads into
        ``store/.uploads/``; every run folder under ``store`` is listed.
    limits : Limits, optional
        Run sizes, jobs at once and upload size (default :class:`Limits()`).
    engine : coexist.api.Engine
        The model the jobs run (a test passes its own).
    queue : JobQueue, optional
        The job queue (default: one with ``limits.max_running`` and ``limits.max_waiting``).
    """
    limits = limits or Limits()
    root = Path(store)
    runs = RunStore(root)
    uploads = Uploads(root / _UPLOADS_FOLDER, limits.max_upload_bytes, limits.max_uploads)
    jobs = queue or JobQueue(max_running=limits.max_running, max_waiting=limits.max_waiting)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.close()  # the server stops: the waiting jobs never start, the running ones stop at their next report

    app = FastAPI(title="coexist dashboard", version=__version__, docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.jobs = jobs
    app.add_middleware(_BodyLimit, limit=limits.max_upload_bytes + 16 * 1024)

    @app.exception_handler(CoexistError)
    async def _coexist_error(request: Request, exc: CoexistError) -> JSONResponse:
        status = 404 if isinstance(exc, (NotFound, UnknownJob)) else 429 if isinstance(exc, QueueFull) else 400
        return _error(status, str(exc), getattr(exc, "field", None))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        return _error(400, f"'{where}' {first.get('msg', 'is not valid')}.", where or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    # -- the page ------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse(_static("index.html"))

    @app.get("/static/plotly.min.js")
    def plotly_js() -> Response:
        return Response(get_plotlyjs(), media_type="text/javascript",
                        headers={"Cache-Control": "max-age=86400"})

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in _STATIC:
            raise NotFound(f"no such file: {name[:80]!r}.")
        return Response(_static(name), media_type=_STATIC[name])

    # -- scenarios and levers ------------------------------------------------------------
    @app.get("/api/settings")
    def settings() -> dict[str, Any]:
        return {"version": __version__, "limits": asdict(limits), "store": str(root),
                "defaults": {"scale": min(_FORM_SCALE, limits.max_scale),
                             "replicates": min(_FORM_REPLICATES, limits.max_replicates), "seed": 0}}

    @app.get("/api/scenarios")
    def scenarios() -> list[dict[str, Any]]:
        shipped = [{"ref": name, "name": name, "description": text, "uploaded": False}
                   for name, text in shipped_scenarios()]
        return shipped + uploads.listed()

    @app.get("/api/levers")
    def levers(scenario: str) -> dict[str, Any]:
        loaded = load_scenario(_scenario_ref(uploads, scenario))
        return {"scenario": scenario, "name": loaded.name, "start": loaded.start, "end": loaded.end,
                "earliest_start": loaded.horizon.earliest_start, "levers": lever_form(loaded)}

    @app.post("/api/uploads")
    async def upload(request: Request) -> dict[str, Any]:
        form = await request.form(max_files=1, max_fields=4)
        item = form.get("file")
        if item is None or isinstance(item, str):
            raise ScenarioError("must be a scenario file sent as the form field 'file'. Got none.", field="file")
        data = await item.read(limits.max_upload_bytes + 1)
        return uploads.add(data, item.filename or "")

    # -- jobs -----------------------------------------------------------------------------
    def _job(body: Any) -> tuple[Callable[[JobControl], Any], str, str]:
        """The work, label and progress unit of a job request, checked in full before it is queued."""
        kind = body.get("kind")
        if kind not in _JOB_KINDS:
            raise ScenarioError(f"must be 'run' or 'compare'. Got {str(kind)[:40]!r} instead.", field="kind")
        chosen = body.get("scenarios")
        if not isinstance(chosen, list) or not chosen or (kind == "run" and len(chosen) != 1):
            wanted = "one scenario" if kind == "run" else "a list of scenarios"
            raise ScenarioError(f"must be {wanted}. Got {str(chosen)[:80]} instead.", field="scenarios")
        refs = [_scenario_ref(uploads, ref) for ref in chosen[: limits.max_scenarios + 1]]
        overrides = lever_overrides(body.get("levers") or {})
        scale = check_scale(body.get("scale"))
        if scale is None:
            raise ScenarioError("must be a number in (0, 1], e.g. 0.01. Got none.", field="scale")
        seed = check_seed(body.get("seed", 0))
        replicates = check_count(body.get("replicates", 1), "replicates") if kind == "compare" else 1
        start, end = _month_or_none(body, "start"), _month_or_none(body, "end")
        # the levers change the scenario picked first; those it is compared with run as they are
        loaded = [engine.load(refs[0], overrides, start, end)] + [engine.load(ref, (), start, end) for ref in refs[1:]]
        check_run_size(limits, loaded, scale=scale, replicates=replicates)
        for scenario in loaded:
            engine.check_scale(scenario, scale)
        changed = f" with {len(overrides)} lever{'s' if len(overrides) > 1 else ''} changed" if overrides else ""
        names = ", ".join([f"{loaded[0].name}{changed}", *(str(sc.name) for sc in loaded[1:])])
        out = root / DASHBOARD_FOLDER / f"{kind}-{_stamp()}"
        if kind == "compare" and overrides:
            # api.compare applies its overrides to every scenario: the changed one goes in resolved, as a file
            derived = root / _DERIVED_FOLDER / f"derived-{uuid.uuid4().hex}.toml"
            derived.parent.mkdir(parents=True, exist_ok=True)
            derived.write_text(engine.describe(loaded[0])[0], encoding="utf-8")
            refs, overrides = [str(derived), *refs[1:]], []
        if kind == "run":
            def work(control: JobControl) -> str:
                control.check()
                api.run(refs[0], out=out, seed=seed, scale=scale, start=start, end=end, overrides=overrides,
                        progress=control.progress, notice=control.notice, engine=engine)
                return out.relative_to(root).as_posix()
            return work, f"run {names} (scale {scale:g}, seed {seed})", "month"

        def work(control: JobControl) -> str:
            control.check()
            api.compare(refs, out=out, seed=seed, scale=scale, start=start, end=end, overrides=overrides,
                        replicates=replicates, workers=limits.workers, progress=control.progress,
                        notice=control.notice, engine=engine)
            return out.relative_to(root).as_posix()
        return work, f"compare {names} ({replicates} replicates, scale {scale:g}, seed {seed})", "run"

    @app.post("/api/jobs")
    async def submit(request: Request) -> dict[str, Any]:
        body = await _json_body(request, '{"kind": "run", "scenarios": ["japan-circular"], "scale": 0.01}')
        work, label, unit = _job(body)
        job_id = jobs.submit(work, label=label, unit=unit)
        return _job_status(job_id)

    def _job_status(job_id: str) -> dict[str, Any]:
        status = jobs.status(job_id)
        status["result"] = jobs.result(job_id) if status["state"] == "done" else None
        status["kind"] = status["label"].split(" ", 1)[0]
        return status

    @app.get("/api/jobs")
    def list_jobs() -> list[dict[str, Any]]:
        return [_job_status(j["id"]) for j in jobs.jobs()]

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str) -> dict[str, Any]:
        return _job_status(job_id)

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> dict[str, Any]:
        jobs.cancel(job_id)
        return _job_status(job_id)

    # -- pathways ---------------------------------------------------------------------------
    @app.get("/api/pathway-form")
    def pathway_form(scenario: str) -> dict[str, Any]:
        loaded = load_scenario(_scenario_ref(uploads, scenario))
        return {"scenario": scenario, "name": loaded.name, "start": loaded.start, "end": loaded.end,
                "first_month": first_data_month(), "statuses": [*loaded.statuses, "irregular"],
                "origins": [{"code": code, "name": name} for code, name in ORIGIN_NAMES.items()],
                "sectors": list(SECTORS), "certified": list(TEST_LEVELS),
                "languages": [0, *LANGUAGE_NAMES], "copies": min(_FORM_COPIES, limits.max_copies),
                "horizon_months": min(_FORM_HORIZON_MONTHS, limits.max_months)}

    @app.post("/api/pathways")
    async def ask_pathways(request: Request) -> dict[str, Any]:
        body = await _json_body(request, '{"scenario": "japan-circular", "month": "2026-01", "history": {...}}')
        unknown = sorted(str(key)[:40] for key in set(body) - set(_PATHWAY_FIELDS))
        if unknown:
            raise ScenarioError(f"has unknown field(s) {unknown}; allowed: {', '.join(_PATHWAY_FIELDS)}.",
                                field="body")
        history = body.get("history")
        if not isinstance(history, dict):  # api.pathways reads a string as a file: no request names a file
            raise ScenarioError(f"must be a table of the person's history. Got {type(history).__name__} instead.",
                                field="history")
        ref = _scenario_ref(uploads, body.get("scenario"))
        other = body.get("compare_with")
        other_ref = None if other in (None, "") else _scenario_ref(uploads, other)
        month = _month_or_none(body, "month")
        copies, horizon = check_pathway_size(
            limits, copies=body.get("copies", min(_FORM_COPIES, limits.max_copies)),
            horizon_months=body.get("horizon_months", min(_FORM_HORIZON_MONTHS, limits.max_months)))
        seed = check_seed(body.get("seed", 0))
        asked = functools.partial(api.pathways, ref, history, month, compare_with=other_ref, seed=seed, engine=engine)
        # the question asked with one copy for one month (a fraction of a second) checks all of it, so that an
        # impossible history is refused here (400) and not in the job
        await run_in_threadpool(asked, copies=1, horizon_months=1)

        def work(control: JobControl) -> dict[str, Any]:
            control.check()
            control.notice("estimating the likely paths")
            return asked(copies=copies, horizon_months=horizon)

        names = " vs ".join(str(name)[:80] for name in (body["scenario"], other) if name not in (None, ""))
        label = f"pathways under {names} ({copies:,} copies, {horizon} months, seed {seed})"
        return _job_status(jobs.submit(work, label=label, unit="regime"))

    # -- results --------------------------------------------------------------------------
    @app.get("/api/runs")
    def past_runs() -> dict[str, Any]:
        return {"runs": runs.runs(), "compares": runs.compares()}

    @app.get("/api/view")
    def view(request: Request) -> dict[str, Any]:
        ids = request.query_params.getlist("run")
        if not 1 <= len(ids) <= limits.max_scenarios:
            raise ScenarioError(f"must name 1 to {limits.max_scenarios} runs. Got {len(ids)} instead.", field="run")
        return run_view(runs, ids)

    @app.get("/api/compare")
    def compare(id: str) -> dict[str, Any]:  # noqa: A002 - the query parameter's name
        return compare_view(runs, id)

    @app.get("/api/table")
    def table(run: str, table: str, format: str) -> Response:  # noqa: A002
        folder = runs.run_folder(run)
        data = table_bytes(folder, table, format)
        media = "application/vnd.apache.parquet" if format == "parquet" else "text/csv"
        name = f"{folder.name}-{table}.{format}"
        return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/report")
    def report(run: str | None = None, compare: str | None = None) -> Response:
        if compare is not None:
            folder = runs.compare_folder(compare)
            html = (folder / "report.html").read_text(encoding="utf-8")
        elif run is not None:
            folder = runs.run_folder(run)
            html = render_compare_report([(folder.name, folder)], title=f"coexist: {folder.name}")
        else:
            raise ScenarioError("must name a run or a comparison (run=ID or compare=ID). Got neither.", field="run")
        return Response(html, media_type="text/html",
                        headers={"Content-Disposition": f'attachment; filename="{folder.name}-report.html"'})

    return app


def _stamp() -> str:
    """A folder name part that no request chooses: the UTC time and a random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]
