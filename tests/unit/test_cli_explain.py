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
    assert "way back at the end of the stay: ssw1 after 6 month(s) at home, from 2030-09" in out


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


def test_explain_refuses_the_nonsense_the_issue_reported(capsys):
    line = _refused(capsys, "--months-in-status", "-5")
    assert "--months-in-status must be a whole number >= 0. Got -5 instead." in line
    assert main(["explain", "japan-circular", "--month", "1999-01", "--status", "ssw1"]) == 2
    assert "Got '1999-01' instead" in capsys.readouterr().err


HISTORY = """\
# a Vietnamese worker in construction: TITP, then SSW-i
as_of: "2026-01"
origin: Vietnam
sector: construction
language: N4
statuses:
  - {status: titp, from: "2022-04", to: "2025-03"}
  - {status: ssw1, from: "2025-04"}
"""


def _history_file(tmp_path, text=HISTORY):
    path = tmp_path / "worker.yaml"
    path.write_text(text)
    return str(path)


def test_explain_history_prints_options_and_likely_paths(capsys, tmp_path):
    assert main(["explain", "japan-temporary", "--history", _history_file(tmp_path), "--copies", "100",
                 "--horizon-months", "24"]) == 0
    out = capsys.readouterr().out
    assert "as of 2026-01: titp 2022-04..2025-03, ssw1 2025-04..now" in out
    assert "move to ssw2: earliest 2027-04 - opens 2027-04 once the ssw2 skill test is passed" in out
    assert "[statuses.ssw1.job_change = \"within_field\"]" in out
    assert "likely paths over 2026-01..2027-12 (100 copies through the engine's monthly passes)" in out


def test_explain_history_compares_two_regimes_as_json(capsys, tmp_path):
    assert main(["explain", "japan-temporary", "--history", _history_file(tmp_path), "--compare-with",
                 "japan-circular", "--copies", "50", "--horizon-months", "12", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["scenario"] for r in result["regimes"]] == ["japan-temporary", "japan-circular"]
    jobs = [next(o for o in r["options"] if o["option"] == "change employer") for r in result["regimes"]]
    assert [j["earliest"] for j in jobs] == ["2026-01", "2026-04"]


def test_explain_month_overrides_the_history_as_of(capsys, tmp_path):
    assert main(["explain", "japan-temporary", "--history", _history_file(tmp_path), "--month", "2026-06",
                 "--copies", "10", "--horizon-months", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["history"]["as_of"] == "2026-06"


@pytest.mark.parametrize(("statuses", "words"), [
    ('[{status: titp, from: "2022-04", to: "2025-06"}, {status: ssw1, from: "2025-04"}]',
     "'history.statuses[1].from' must start after statuses[0] (titp) ends (2025-06)"),
    ('[{status: ssw1, from: "2026-05"}]', "'history.statuses[0].from' must not be after the month asked about"),
    ('[{status: titp, from: "2024-05", to: "2024-01"}]', "'history.statuses[0].to' must not be before 'from'"),
    ('[{status: pilot, from: "2024-05"}]', "'history.statuses[0].status' must be one of"),
    ('[{status: titp, from: "1990-01", to: "1992-12"}]', "'history.statuses[0].from' must not be before"),
])
def test_explain_refuses_an_inconsistent_history(capsys, tmp_path, statuses, words):
    text = HISTORY.split("statuses:")[0] + f"statuses: {statuses}\n"
    assert main(["explain", "japan-temporary", "--history", _history_file(tmp_path, text)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and captured.out == ""


@pytest.mark.parametrize(("args", "words"), [
    (["--month", "2026-01"], "--status must be given (or a person's history with --history)."),
    (["--status", "ssw1"], "--month must be given"),
    (["--month", "2026-01", "--status", "ssw1", "--compare-with", "japan-circular"], "--compare-with compares"),
])
def test_explain_needs_a_person(capsys, args, words):
    assert main(["explain", "japan-temporary", *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]


def test_explain_history_bounds_the_copies(capsys, tmp_path):
    assert main(["explain", "japan-temporary", "--history", _history_file(tmp_path), "--copies", "0"]) == 2
    assert "--copies must be a whole number from 1 to 100,000. Got 0 instead." in capsys.readouterr().err
    assert main(["explain", "japan-temporary", "--history", str(tmp_path / "none.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_explain_history_puts_two_regimes_side_by_side(capsys, tmp_path):
    assert main(["explain", "japan-temporary", "--history", _history_file(tmp_path), "--compare-with",
                 "japan-circular", "--copies", "50", "--horizon-months", "12"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("side by side"):].splitlines()
    assert table[1].split() == ["japan-temporary", "japan-circular"]
    assert next(line for line in table if line.strip().startswith("change employer")).split()[-2:] == [
        "now", "2026-04"]
    assert next(line for line in table if line.strip().startswith("come back after the stay ends")).split()[-2:] == [
        "closed", "2028-10"]
