"""The ``coexist`` command as a user runs it: in its own process, from this package's source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import coexist

__all__ = ["run_cli", "one_line"]

#: The folder that holds the ``coexist`` package the tests import.
SRC = str(Path(coexist.__file__).resolve().parents[1])


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``coexist *args`` in a new process (in ``cwd``, default: this one's), with this package first on the path; its
    output is captured as text."""
    # one engine thread: the test machine's cores are shared with the other test workers
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), NUMBA_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "coexist.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)


def one_line(text: str) -> str:
    """The one line of ``text`` (an error message on stderr); fails if there are more, or a traceback."""
    lines = text.strip("\n").split("\n")
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]
