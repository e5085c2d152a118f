"""The engine fingerprint of the shipped calibration: recorded when it ships, checked once per process."""

from __future__ import annotations

import copy
import warnings

import pytest

from coexist import api
from coexist.calibration.fingerprint import (
    FINGERPRINT_NUMBERS,
    REFERENCE_RUN,
    CalibrationCheck,
    fingerprint_drift,
    reference_fingerprint,
)
from coexist.cli.main import main
from coexist.data import calibration
from coexist.errors import CalibrationDriftWarning

SHORT_RUN = ["--scale", "0.002", "--end", "2017-02", "--seed", "1"]


def _changed_calibration() -> dict:
    """The shipped calibration with one behavioural value moved and the fingerprint left as recorded."""
    changed = copy.deepcopy(calibration())
    best = changed["behaviour"]["abscond_base"]
    changed["behaviour"]["abscond_base"] = 0.0019 if best < 0.0015 else 0.0002  # inside its range, far off
    return changed


def _drift_warnings(caught) -> list:
    return [w for w in caught if issubclass(w.category, CalibrationDriftWarning)]


def test_the_current_engine_reproduces_the_shipped_fingerprint():
    shipped = calibration()
    recorded = shipped["fingerprint"]
    assert {k: recorded[k] for k in REFERENCE_RUN} == REFERENCE_RUN
    assert recorded["entries"] > 0 and recorded["persons_end"] > 0 and recorded["absconders"] > 0
    assert fingerprint_drift(shipped) is None


def test_the_fingerprint_follows_the_values_not_the_shipped_file():
    shipped = calibration()
    values = {**shipped["behaviour"], **shipped["assumptions"]}
    same = reference_fingerprint(values)
    assert same == shipped["fingerprint"]
    moved = reference_fingerprint({**values, "demand_growth": values["demand_growth"] + 0.05})
    assert any(moved[k] != same[k] for k in FINGERPRINT_NUMBERS)


def test_a_changed_parameter_warns_exactly_once_naming_the_refresh_command():
    check = CalibrationCheck(calibration=_changed_calibration)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check()
        check()  # once per process: the second call checks nothing
    drift = _drift_warnings(caught)
    assert len(drift) == 1
    message = str(drift[0].message)
    assert "coexist calibrate japan-history" in message and "--ship" in message
    assert "absconders" in message and drift[0].message.command == calibration()["provenance"]["command"]


def test_a_calibration_without_fingerprint_warns():
    def unfingerprinted():
        return {k: v for k, v in calibration().items() if k != "fingerprint"}

    assert "no engine fingerprint" in fingerprint_drift(unfingerprinted())
    with pytest.warns(CalibrationDriftWarning, match="refresh it with `coexist calibrate japan-history"):
        CalibrationCheck(calibration=unfingerprinted)()


def test_commands_check_only_scenarios_that_take_the_calibration(tmp_path):
    engine = api.Engine(check_calibration=CalibrationCheck(calibration=_changed_calibration))
    short = dict(scale=0.002, end="2017-02", seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.run("japan-history", overrides=['behaviour_defaults="embedded"'], engine=engine, **short)
        assert _drift_warnings(caught) == []  # the embedded defaults: nothing to check
        api.run("japan-history", engine=engine, **short)
        api.run("japan-history", engine=engine, **short)
    assert len(_drift_warnings(caught)) == 1


def test_the_cli_shows_the_warning_as_one_line_on_stderr(tmp_path, capsys):
    engine = api.Engine(check_calibration=CalibrationCheck(calibration=_changed_calibration))
    assert main(["run", "japan-history", *SHORT_RUN, "--out", str(tmp_path / "a")], engine=engine) == 0
    assert main(["run", "japan-history", *SHORT_RUN, "--out", str(tmp_path / "b")], engine=engine) == 0
    lines = capsys.readouterr().err.splitlines()
    warned = [line for line in lines if line.startswith("coexist: warning:")]
    assert len(warned) == 1 and len(lines) == 1
    assert "refresh it with `coexist calibrate japan-history" in warned[0] and "--ship`" in warned[0]


def test_explain_checks_the_calibration_its_answer_uses():
    engine = api.Engine(check_calibration=CalibrationCheck(calibration=_changed_calibration))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = api.explain("japan-temporary", {"status": "ssw1", "months_in_status": 34}, "2030-01", engine=engine)
    assert answer["status"] == "ssw1" and len(_drift_warnings(caught)) == 1
