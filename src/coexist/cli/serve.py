"""``coexist serve``: start the dashboard, a local web application (coexist.web)."""

from __future__ import annotations

import argparse
import ipaddress
import warnings
from collections.abc import Callable
from typing import Any

from coexist import api
from coexist.errors import CoexistWarning
from coexist.web.limits import Limits

__all__ = ["add_parser", "run", "DEFAULT_HOST", "DEFAULT_PORT"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_DEFAULTS = Limits()


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535. Got {text!r} instead.")
    return int(text)


def _whole(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1. Got {text!r} instead.")
    return int(text)


def add_parser(sub, parser_class, scale_type) -> None:
    p = sub.add_parser(
        "serve",
        help="start the dashboard, a web page to change levers, run, compare and browse runs",
        description=(
            "Start the dashboard: a local web application in which you pick or upload a scenario, change its "
            "policy levers, run it or compare it with others as background jobs, look at the results and "
            "download past runs' tables and reports. It listens on 127.0.0.1 (this computer only) unless --host "
            "says otherwise; open the address it prints in a browser. Stop it with Ctrl-C."
        ),
        epilog="Example: coexist serve --port 8765 --store runs (then open http://127.0.0.1:8765/)",
    )
    p.add_argument("--host", default=DEFAULT_HOST, metavar="ADDRESS",
                   help=f"address to listen on (default: {DEFAULT_HOST}, this computer only); any other address "
                   "lets other computers run simulations on this one")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N", help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--store", default="runs", metavar="DIR",
                   help="run store: the dashboard writes its runs to DIR/dashboard/ and lists every run under DIR "
                   "(default: runs)")
    p.add_argument("--max-scale", type=scale_type, default=_DEFAULTS.max_scale, metavar="F",
                   help=f"largest scale a user may ask for (default: {_DEFAULTS.max_scale})")
    p.add_argument("--max-replicates", type=_whole, default=_DEFAULTS.max_replicates, metavar="N",
                   help=f"most replicates per scenario in a comparison (default: {_DEFAULTS.max_replicates})")
    p.add_argument("--max-months", type=_whole, default=_DEFAULTS.max_months, metavar="N",
                   help=f"longest horizon in months (default: {_DEFAULTS.max_months}, 2025-01 to 2050-12)")
    p.add_argument("--max-jobs", type=_whole, default=_DEFAULTS.max_running, metavar="N",
                   help=f"jobs that run at once; later ones wait in a queue (default: {_DEFAULTS.max_running})")
    p.add_argument("--max-queued", type=_whole, default=_DEFAULTS.max_waiting, metavar="N",
                   help=f"jobs that may wait in the queue; more are refused (default: {_DEFAULTS.max_waiting})")
    p.add_argument("--max-upload-kb", type=_whole, default=_DEFAULTS.max_upload_bytes // 1024, metavar="N",
                   help=f"largest scenario file accepted, in KiB (default: {_DEFAULTS.max_upload_bytes // 1024})")
    p.add_argument("--workers", type=_whole, default=_DEFAULTS.workers, metavar="N",
                   help=f"worker processes of one comparison (default: {_DEFAULTS.workers})")
    p.add_argument("--max-copies", type=_whole, default=_DEFAULTS.max_copies, metavar="N",
                   help="most copies of the person in a pathway question of the Pathway tab (default: "
                   f"{_DEFAULTS.max_copies}); its months ahead are bounded by --max-months")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace, out: Callable[[str], None], engine: api.Engine = api.ENGINE, *,
        serve: Callable[..., Any] | None = None) -> None:
    """Build the application from the options and hand it to ``serve`` (default: uvicorn's ``run``)."""
    # FastAPI and uvicorn load here, when the dashboard starts: cli/main.py imports this module for
    # every command, and importing them with it would add their start-up time to each
    import uvicorn

    from coexist.web.app import create_app
    if not _loopback(args.host):
        warnings.warn(f"the dashboard listens on {args.host}, not only on this computer: anyone who reaches that "
                      "address can run simulations here and read the run store. Use --host 127.0.0.1 unless you "
                      "mean it.", CoexistWarning, stacklevel=2)
    limits = Limits(max_scale=args.max_scale, max_replicates=args.max_replicates, max_months=args.max_months,
                    max_running=args.max_jobs, max_waiting=args.max_queued,
                    max_upload_bytes=args.max_upload_kb * 1024, workers=args.workers, max_copies=args.max_copies)
    app = create_app(args.store, limits=limits, engine=engine)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    out(f"coexist dashboard on http://{shown}:{args.port}/ (run store: {args.store}); Ctrl-C stops it")
    (serve or uvicorn.run)(app, host=args.host, port=args.port, log_level="warning")
