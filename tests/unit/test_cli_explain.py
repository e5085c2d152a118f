"""`coexist explain`: the rules about one person, from the command line."""

import json

from coexist.cli.main import main


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
