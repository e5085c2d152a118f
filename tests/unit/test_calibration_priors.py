"""Scenario assumptions as calibration parameters: [calibration.priors], --set into lists,
apply_calibrated and calibrated_overrides (docs/calibration.md)."""

from __future__ import annotations

import pytest

from coexist.errors import ScenarioError
from coexist.scenario import apply_calibrated, calibrated_overrides, calibration_priors, load_scenario, to_toml

HISTORY = "japan-history"
DECLARED = (
    "demand_growth", "closure_demand_growth", "ssw_shortage_share", "closed_border_openness", "partial_border_openness",
    "reopening_openness", "ssw_route_ramp", "ssw_abroad_ramp", "stranded_intern_hazard",
)


def one_line_error(fn, *args, **kwargs) -> str:
    with pytest.raises(ScenarioError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def write(tmp_path, prior: str, name: str = "s.toml") -> str:
    path = tmp_path / name
    path.write_text('extends = "japan-temporary"\nname = "t"\n' + prior, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def history():
    return load_scenario(HISTORY)


def test_history_declares_its_assumption_priors(history):
    priors = history.calibration.priors
    assert tuple(priors) == DECLARED
    assumptions = {a.name for a in history.assumptions}
    assert all(p.assumption in assumptions for p in priors.values())
    assert calibration_priors(history, ["closed_border_openness", "stranded_intern_hazard", "abscond_base"]) == {
        "closed_border_openness": (0.0, 0.2),
        "stranded_intern_hazard": (0.02, 0.2),
        "abscond_base": (0.0001, 0.002),
    }
    for name in DECLARED:  # both ends of every prior give a valid scenario
        low, high = calibration_priors(history, [name])[name]
        apply_calibrated(history, {name: low})
        apply_calibrated(history, {name: high})


def test_history_priors_at_their_written_values_give_the_scenario():
    # the closed and partial factors written in the file (0.05, 0.5) reproduce its dated inflows
    # (the file's own values: without the shipped calibration's)
    history = load_scenario(HISTORY, overrides=['behaviour_defaults="embedded"'])
    same = apply_calibrated(history, {"closed_border_openness": 0.05, "partial_border_openness": 0.5})
    for status in ("professional", "student", "designated"):
        written, applied = history.statuses[status].inflow_per_month, same.statuses[status].inflow_per_month
        assert written.keys() == applied.keys()
        assert all(abs(written[m] - applied[m]) <= 0.5 for m in written), status
    assert same.programme.entry_openness == history.programme.entry_openness


def test_values_reach_the_scenario(history):
    sc = apply_calibrated(history, {"demand_growth": 0.05, "stranded_intern_hazard": 0.15, "abscond_base": 0.001})
    assert {(table["2017-01"], table["2022-04"]) for table in sc.demand.growth.values()} == {(0.05, 0.05)}
    assert sc.statuses["titp"].transitions[1].hazard == 0.15
    assert sc.behaviour["abscond_base"] == 0.001
    sets = calibrated_overrides(history, {"closed_border_openness": 0.1})
    assert "programme.entry_openness.2020-04=0.1" in sets
    assert "statuses.professional.inflow_per_month.2020-04=308.6" in sets
    assert load_scenario(HISTORY, overrides=sets).programme.entry_openness["2021-01"] == 0.1


def test_unknown_names_are_clear(history):
    message = one_line_error(calibration_priors, history, ["stranded_hazard", "abscond_base"])
    assert "unknown parameter(s) 'stranded_hazard'" in message and "stranded_intern_hazard" in message
    message = one_line_error(calibration_priors, load_scenario("japan-temporary"), ["demand_growth"])
    assert "'demand_growth'" in message and "(none)" in message
    assert "unknown parameter" in one_line_error(apply_calibrated, HISTORY, {"nope": 1.0})


def test_a_prior_whose_path_an_override_removed_is_refused_when_used():
    # the tiny test worlds set the inflows to scalars: the scenario loads, the border prior cannot be used
    sc = load_scenario(HISTORY, overrides=["statuses.professional.inflow_per_month=0.0"])
    assert calibration_priors(sc, ["stranded_intern_hazard"])
    message = one_line_error(calibration_priors, sc, ["closed_border_openness"])
    assert "calibration.priors.closed_border_openness" in message
    assert "statuses.professional.inflow_per_month.2020-04" in message


def test_set_reaches_list_items_by_index():
    sc = load_scenario(HISTORY, overrides=["statuses.titp.transitions.1.hazard=0.1",
                                           "statuses.titp.transitions.0.min_months_in_status=30"])
    assert sc.statuses["titp"].transitions[1].hazard == 0.1
    assert sc.statuses["titp"].transitions[0].min_months_in_status == 30
    for bad in ("statuses.titp.transitions.2.hazard=0.1", "statuses.titp.transitions.x.hazard=0.1"):
        message = one_line_error(load_scenario, HISTORY, overrides=[bad])
        assert "'statuses.titp.transitions' is a list of 2 item(s)" in message and "0 to 1" in message


@pytest.mark.parametrize(
    ("prior", "expected"),
    [
        (
            '[calibration.priors.x]\nlow = 0.5\nhigh = 0.1\nkeys = { "programme.detection_rate" = 1.0 }\n',
            "calibration.priors.x.low",
        ),
        ("[calibration.priors.x]\nlow = 0.0\nhigh = 0.1\nkeys = {}\n", "calibration.priors.x.keys"),
        (
            '[calibration.priors.x]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme..detection_rate" = 1.0 }\n',
            "calibration.priors.x.keys",
        ),
        (
            '[calibration.priors.x]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme.detection_rate" = 0.0 }\n',
            "non-zero multiplier",
        ),
        (
            '[calibration.priors.Bad-Name]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme.detection_rate" = 1.0 }\n',
            "Bad-Name",
        ),
        (
            '[calibration.priors.x]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme.detection_rate" = 1.0 '
            '}\nassumption = "nope"\n',
            "calibration.priors.x.assumption",
        ),
        (
            '[calibration.priors.x]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme.detection_rate" = 1.0 }\nwidth = 2\n',
            "calibration.priors.x.width",
        ),
        (
            '[calibration.priors.abscond_base]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme.detection_rate" = 1.0 }\n',
            "name of a behavioural parameter",
        ),
    ],
)
def test_bad_priors_are_one_line_errors(tmp_path, prior, expected):
    assert expected in one_line_error(load_scenario, write(tmp_path, prior))


def test_a_prior_of_a_user_scenario(tmp_path):
    ref = write(
        tmp_path,
        "[calibration.priors.detection]\nlow = 0.0\nhigh = 0.1\n"
        'keys = { "programme.detection_rate" = 1.0, "statuses.titp.transitions.0.hazard" = 0.5 }\n',
    )
    sc = load_scenario(ref)
    message = one_line_error(calibration_priors, sc, ["detection"])  # japan-temporary's titp has no transitions
    assert "statuses.titp.transitions.0.hazard" in message
    ref = write(
        tmp_path, '[calibration.priors.detection]\nlow = 0.0\nhigh = 0.1\nkeys = { "programme.detection_rate" = 1.0 }\n'
    )
    assert apply_calibrated(ref, {"detection": 0.07}).programme.detection_rate == 0.07


def test_scenarios_without_priors_are_unchanged():
    text = to_toml(load_scenario("japan-temporary"))
    assert "calibration" not in text
    assert "[calibration.priors.stranded_intern_hazard]" in to_toml(load_scenario(HISTORY))


def test_apply_calibrated_reads_best_toml(tmp_path, history):
    best = tmp_path / "best.toml"
    best.write_text(
        'scenario = "japan-history"\noverrides = ["programme.detection_rate=0.03"]\n\n'
        "[behaviour]\nabscond_base = 0.0007\n\n[assumptions]\nstranded_intern_hazard = 0.12\n",
        encoding="utf-8",
    )
    sc = apply_calibrated(HISTORY, best)
    assert sc.behaviour["abscond_base"] == 0.0007 and sc.statuses["titp"].transitions[1].hazard == 0.12
    assert sc.programme.detection_rate == 0.03
    assert apply_calibrated(history, best, scale=0.1).scale == 0.1
    best.write_text('[behaviour]\nabscond_base = "high"\n', encoding="utf-8")
    assert "behaviour" in one_line_error(apply_calibrated, HISTORY, best)
    assert "does not exist" in one_line_error(apply_calibrated, HISTORY, tmp_path / "missing.toml")
