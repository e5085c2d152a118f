"""``coexist serve``: its options, the loopback default and the warning for another address."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from coexist.cli import main as cli_main
from coexist.cli import serve
from coexist.errors import CoexistWarning


def _serve(argv: list[str]):
    calls = []
    lines = []
    args = cli_main.build_parser().parse_args(["serve", *argv])
    serve.run(args, lines.append, serve=lambda app, **options: calls.append((app, options)))
    return calls, lines


def test_serve_listens_on_loopback_by_default(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoexistWarning)
        calls, lines = _serve(["--store", str(tmp_path)])
    (app, options), = calls
    assert isinstance(app, FastAPI)
    assert options == {"host": "127.0.0.1", "port": serve.DEFAULT_PORT, "log_level": "warning"}
    assert lines == [f"coexist dashboard on http://127.0.0.1:{serve.DEFAULT_PORT}/ (run store: {tmp_path}); "
                     "Ctrl-C stops it"]


def test_the_limits_given_reach_the_application(tmp_path):
    calls, _ = _serve(["--store", str(tmp_path), "--port", "9001", "--max-scale", "0.2", "--max-replicates", "5",
                       "--max-months", "60", "--max-jobs", "2", "--max-queued", "3", "--max-upload-kb", "10",
                       "--max-copies", "300"])
    app, options = calls[0]
    limits = TestClient(app).get("/api/settings").json()["limits"]
    assert options["port"] == 9001
    assert (limits["max_scale"], limits["max_replicates"], limits["max_months"], limits["max_running"],
            limits["max_waiting"], limits["max_upload_bytes"], limits["max_copies"]) == (
        0.2, 5, 60, 2, 3, 10 * 1024, 300)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org"])
def test_another_host_warns(tmp_path, host):
    with pytest.warns(CoexistWarning, match=f"the dashboard listens on {host}, not only on this computer"):
        calls, _ = _serve(["--store", str(tmp_path), "--host", host])
    assert calls[0][1]["host"] == host


@pytest.mark.parametrize("host", ["localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_do_not_warn(tmp_path, host):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoexistWarning)
        _serve(["--store", str(tmp_path), "--host", host])


@pytest.mark.parametrize(("argv", "words"), [
    (["--port", "0"], "argument --port: must be a whole number from 1 to 65535. Got '0' instead."),
    (["--port", "99999"], "must be a whole number from 1 to 65535"),
    (["--max-scale", "2"], "argument --max-scale: must be a number in (0, 1]"),
    (["--max-jobs", "0"], "argument --max-jobs: must be a whole number >= 1"),
])
def test_bad_options_exit_2_with_one_line(argv, words, capsys):
    assert cli_main.main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_other_commands_do_not_load_the_web_framework():
    """The command line imports cli/serve.py for every command; FastAPI and uvicorn load only when serve runs."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, coexist.cli.main, coexist.web; "
         "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"],
        capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]"
