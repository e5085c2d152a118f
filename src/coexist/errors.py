"""Errors raised by coexist. Every user-facing error derives from CoexistError."""

from __future__ import annotations

__all__ = [
    "CoexistError",
    "ScenarioError",
    "DataError",
    "InvariantError",
    "CoexistWarning",
    "CalibrationDriftWarning",
]


class CoexistError(Exception):
    """Base class: the CLI turns these into one line on stderr and exit status 2."""


class ScenarioError(CoexistError):
    """A scenario file, override or run option is invalid.

    The message names the file, the field, the value received and what is allowed.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        self.detail = message  # without the source and field, for callers that name the field their own way
        prefix = ""
        if source:
            prefix += f"{source}: "
        if field:
            prefix += f"'{field}' "
        super().__init__(prefix + message)


class DataError(CoexistError):
    """Embedded data is missing or inconsistent."""


class InvariantError(CoexistError):
    """The engine broke one of its own invariants (conservation, ranges)."""


class CoexistWarning(UserWarning):
    """Base class of coexist's warnings: the CLI prints each as one line on stderr."""


class CalibrationDriftWarning(CoexistWarning):
    """The engine no longer reproduces the shipped calibration's fingerprint (coexist.calibration.fingerprint).

    ``detail`` says what differs; ``command`` refreshes the calibration. The message names both.
    """

    def __init__(self, detail: str, command: str):
        self.detail, self.command = detail, command
        super().__init__(f"{detail}: refresh it with `{command}` (docs/calibration.md; in Python, "
                         "coexist.api.calibrate then coexist.api.ship_calibration)")
