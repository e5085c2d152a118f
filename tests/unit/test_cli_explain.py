"""`coexist explain`: the rules about one person, from the command line."""

import json

import pytest

from coexist import api
from coexist.cli.main import main
from coexist.errors import ScenarioError


def test_explain_prints_the_way_back(capsys):
    assert main(["explain", "japan-circular", "--month", "2030-01", "--status", "ssw1", "--sector", "construction",
                 "--months-in-status", "34", "--status-total", "58", "--cert", "1"]) == 0
    out = capsys.readouterr().out
    assert "months left in the status: 2" in out
    assert "way back at the end of the stay: ssw1 after 6 month(s) at home" in out


def test_explain_json_for_a_returnee(capsys):
    assert main(["explain", "japan-temporary", "--month", "2026-05", "--status", "returned", "--previous-status",
                 "titp", "--months-in-status", "36", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["way_back"]["status"] == "titp"
    assert answer["way_back"]["earliest_month"] == "2026-06"


def test_explain_with_an_override_changes_the_answer(capsys):
    args = ["explain", "japan-circular", "--month", "2030-01", "--status", "ssw1", "--months-in-status", "36",
            "--status-total", "36", "--json"]
    assert main(args) == 0
    default = json.loads(capsys.readouterr().out)
    assert main([*args, "--set", "statuses.ssw1.reentry_cooldown_months=12"]) == 0
    changed = json.loads(capsys.readouterr().out)
    assert default["way_back_if_leaving_now"]["cooldown_months"] == 6
    assert changed["way_back_if_leaving_now"]["cooldown_months"] == 12


def test_explain_bad_status_is_one_line_exit_2(capsys):
    assert main(["explain", "japan-temporary", "--month", "2026-05", "--status", "nonsense"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nonsense" in err[0]


def test_explain_bad_month_is_one_line_exit_2(capsys):
    assert main(["explain", "japan-temporary", "--month", "2026-13", "--status", "titp"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


BASE = ["explain", "japan-circular", "--month", "2030-01", "--status", "ssw1"]


def _refused(capsys, *args: str) -> str:
    assert main([*BASE, *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("coexist: error: ") and "Traceback" not in captured.err
    assert captured.out == ""
    return lines[0]


@pytest.mark.parametrize("flag", ["--months-in-status", "--status-total", "--months-abroad", "--months-in-stay",
                                  "--months-home"])
def test_explain_refuses_a_negative_duration(capsys, flag):
    line = _refused(capsys, flag, "-1")
    assert f"{flag} must be a whole number >= 0. Got -1 instead." in line


def test_explain_refuses_more_months_in_status_than_in_total(capsys):
    line = _refused(capsys, "--months-in-status", "40", "--status-total", "12")
    assert "--status-total must be at least the months in the current status (40)" in line and "Got 12 instead" in line


@pytest.mark.parametrize(("flag", "value", "allowed"), [
    ("--cert", "3", "from 0 to 2"), ("--cert", "-1", "from 0 to 2"),
    ("--language", "4", "from 0 to 3"), ("--language", "-1", "from 0 to 3"),
    ("--skill", "1.5", "from 0 to 1"), ("--skill", "-0.1", "from 0 to 1"), ("--skill", "nan", "from 0 to 1"),
])
def test_explain_refuses_levels_outside_their_scales(capsys, flag, value, allowed):
    line = _refused(capsys, flag, value)
    assert line.startswith(f"coexist: error: {flag} must be") and allowed in line and value in line


@pytest.mark.parametrize("month", ["1999-01", "2024-12", "2051-01"])
def test_explain_refuses_a_month_outside_the_scenario(capsys, month):
    assert main(["explain", "japan-circular", "--month", month, "--status", "ssw1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("coexist: error: --month must be a month from 2025-01")
    assert month in err[0]


def test_explain_refuses_an_unknown_status_or_sector(capsys):
    assert main(["explain", "japan-circular", "--month", "2030-01", "--status", "astronaut"]) == 2
    assert capsys.readouterr().err.startswith("coexist: error: --status must be one of")
    line = _refused(capsys, "--sector", "mining")
    assert line.startswith("coexist: error: --sector must be one of") and "'mining'" in line


def test_api_explain_names_the_person_field():
    with pytest.raises(ScenarioError, match="'cert' must be a whole number from 0 to 2"):
        api.explain("japan-circular", {"status": "ssw1", "cert": 5}, "2030-01")
    answer = api.explain("japan-circular", {"status": "ssw1", "months_in_status": 34, "status_total": 58, "cert": 1},
                         "2030-01")
    assert answer["months_left"] == 2
