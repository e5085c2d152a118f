"""Scenario files: strict validation with one-line errors, inheritance, overrides, hashing.

Every bad input must raise ScenarioError whose single line names the file (or shipped
scenario), the field, the value received and what is allowed.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from coexist.errors import ScenarioError
from coexist.periods import format_month, parse_month
from coexist.policy.dated import value_at
from coexist.scenario import OverrideError, load_scenario, scenario_hash, shipped_scenarios, to_toml
from coexist.scenario.schema import HOLDER_RULES

TEMP = "japan-temporary"
CIRC = "japan-circular"
UNCONNECTED = "japan-circular-unconnected"
JAPAN = (TEMP, CIRC, UNCONNECTED)


def error_of(ref: object = TEMP, overrides=(), **options) -> str:
    """The message of the ScenarioError that loading raises; it must be one line."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(ref, overrides=overrides, **options)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} missing from: {message}"


def shipped_raw(name: str) -> dict:
    text = resources.files("coexist.scenario.library").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def temp():
    return load_scenario(TEMP)


@pytest.fixture(scope="module")
def circ():
    return load_scenario(CIRC)


# ----- files ------------------------------------------------------------------------------


def test_missing_file_names_it_and_lists_shipped_scenarios(tmp_path):
    message = error_of(str(tmp_path / "nope.toml"))
    assert_names(message, "nope.toml", "Shipped scenarios", TEMP, CIRC)


def test_misspelled_shipped_name_lists_the_shipped_ones():
    assert_names(error_of("japan-temprary"), "'japan-temprary'", TEMP)


def test_bad_toml_syntax_names_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nstatuses = {\n', encoding="utf-8")
    assert_names(error_of(str(path)), str(path), "not valid TOML", "line 2")


def test_unknown_top_level_key_in_a_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(f'name = "mine"\nextends = "{TEMP}"\ncolour = "red"\n', encoding="utf-8")
    message = error_of(str(path))
    assert_names(message, str(path), "'colour'", "not a known field", '"red"', "programme", "statuses")


def test_extends_a_relative_file_and_inheritance_loops_are_errors(tmp_path):
    (tmp_path / "a.toml").write_text('name = "a"\nextends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('name = "b"\nextends = "a.toml"\n', encoding="utf-8")
    assert_names(error_of(str(tmp_path / "a.toml")), "'extends'", "loop")


# ----- unknown keys, types, ranges --------------------------------------------------------


def test_unknown_nested_key_suggests_the_right_one():
    message = error_of(overrides=["statuses.ssw1.max_stay_monthz=3"])
    assert_names(message, "scenario 'japan-temporary'", "'statuses.ssw1.max_stay_monthz'", "not a known field", "3")
    assert "Did you mean 'max_stay_months'?" in message


@pytest.mark.parametrize(
    ("override", "field", "received", "allowed"),
    [
        ('programme.recognition_coverage="high"', "programme.recognition_coverage", '"high"', "a number in [0.0, 1.0]"),
        ("statuses.ssw1.max_stay_months=3.5", "statuses.ssw1.max_stay_months", "3.5", "an integer in [0, 600]"),
        ("programme.former_employer_rehire=1", "programme.former_employer_rehire", "1", "true or false"),
        ('statuses.ssw1.job_change="sometimes"', "statuses.ssw1.job_change", '"sometimes"', "'within_field'"),
        ("statuses.ssw1.entry_language_level=1.0", "statuses.ssw1.entry_language_level", "1.0", "must be an integer"),
        ('behaviour.beta_gain="x"', "behaviour.beta_gain", '"x"', "must be a number"),
        ("statuses.ssw1=3", "statuses.ssw1", "3", "must be a table"),
    ],
)
def test_wrong_type_gives_one_readable_line(override, field, received, allowed):
    message = error_of(overrides=[override])
    assert_names(message, "scenario 'japan-temporary'", f"'{field}'", f"Got {received} instead", allowed)
    # a dated field is a union of a scalar and a table: still one problem, not one per branch
    assert "more problem" not in message
    assert "Input should" not in message


@pytest.mark.parametrize(
    ("override", "field", "received", "allowed"),
    [
        ("programme.recognition_coverage=1.5", "programme.recognition_coverage", "1.5", "[0.0, 1.0]"),
        ("statuses.ssw1.max_stay_months=-12", "statuses.ssw1.max_stay_months", "-12", "[0, 600]"),
        ("programme.reintegration_support_months=61", "programme.reintegration_support_months", "61", "[0, 60]"),
        ("statuses.titp.fee_cap_months=-2.0", "statuses.titp.fee_cap_months", "-2.0", "[-1.0, 120.0]"),
        ("population.employers_per_sector=0", "population.employers_per_sector", "0", "greater than or equal to 1"),
    ],
)
def test_out_of_range_value(override, field, received, allowed):
    message = error_of(overrides=[override])
    assert_names(message, "scenario 'japan-temporary'", f"'{field}'", f"Got {received} instead", allowed)


@pytest.mark.parametrize("table", ["transitions", "return_paths"])
def test_unknown_status_in_a_transition_or_return_path(table):
    message = error_of(overrides=[f'statuses.titp.{table}=[{{to="ssw3"}}]'])
    assert_names(message, f"'statuses.titp.{table}.0.to'", '"ssw3"', "declared status", "ssw1", "esd")


def test_reserved_status_names_cannot_be_declared():
    message = error_of(overrides=["statuses.irregular={wage=1.0}"])
    assert_names(message, "'statuses.irregular'", "reserved")


def test_end_before_start():
    message = error_of(overrides=['horizon.end="2024-12"'])
    assert_names(message, "'horizon.end'", '"2024-12"', "must not be before horizon.start (2025-01)")


@pytest.mark.parametrize("name", JAPAN)
def test_start_before_the_data_is_an_error(name):
    message = error_of(name, start="2024-06")
    assert_names(message, f"scenario '{name}'", "'horizon.start'", '"2024-06"', "2025-01")


def test_start_option_must_be_a_month():
    message = error_of(start="2027-13")
    assert_names(message, "'start'", "2027-13", "YYYY-MM")
    assert "--" not in message  # the library speaks of its arguments, not of command-line flags


def test_a_folder_is_not_a_scenario(tmp_path):
    assert_names(error_of(str(tmp_path)), "scenario file", "must be a file", "folder")


def test_a_scenario_file_that_is_not_utf8_text(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"name = \"x\"\n\xff\xfe\x00\x81")
    assert_names(error_of(str(path)), "binary.toml", "must be UTF-8 text", "0xff")


# ----- --set ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("programme.nonexistent=1", ("'programme.nonexistent'", "not a known field", "recognition_coverage")),
        ("notatable.x=1", ("'notatable'", "not a known field", "programme")),
        ("=3", ("an override must look like dotted.path=value", "'=3'")),
        ("novalue", ("an override must look like dotted.path=value", "'novalue'")),
        ("programme..recognition_coverage=1", ("an override must look like dotted.path=value",)),
        ("programme.recognition_coverage.x=1", ("'programme.recognition_coverage' is a value, not a table", "'x'")),
    ],
)
def test_bad_set_path(override, expected):
    message = error_of(overrides=[override])
    assert_names(message, "scenario 'japan-temporary'", *expected)


def test_error_from_an_override_says_which_override_caused_it():
    message = error_of(overrides=["programme.recognition_coverage=0.2", "programme.detection_rate=7"])
    assert message.endswith("(from the override 'programme.detection_rate=7')")


@pytest.mark.parametrize("override",
                         ["nonsense.key=1", "novalue", "programme.recognition_coverage.x=1", "behaviour.foo=1"])
def test_override_errors_speak_of_overrides_not_flags(override):
    with pytest.raises(OverrideError) as caught:
        load_scenario("japan-temporary", overrides=[override])
    assert caught.value.override == override
    assert "--" not in str(caught.value)
    assert str(caught.value) == f"{caught.value.problem} (from the override {override!r})"


@pytest.mark.parametrize("scale", [0, -1, 2, 1.5, True, "0.5"])
def test_bad_scale(scale):
    message = error_of(scale=scale)
    assert_names(message, "'scale'", "(0, 1]", repr(scale))
    assert "--" not in message  # the library speaks of its arguments, not of command-line flags


def test_unknown_behavioural_parameter():
    message = error_of(overrides=["behaviour.beta_gian=1.0"])
    assert_names(message, "'behaviour.beta_gian'", "not a behavioural parameter", "'beta_gain'", "docs/parameters.md")


def test_out_of_range_behavioural_parameter():
    message = error_of(overrides=["behaviour.beta_gain=99"])
    assert_names(message, "'behaviour.beta_gain'", "[0.3, 2.0]", "99")


# ----- dated tables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field", "expected"),
    [
        ('programme.recognition_coverage={"2031-01"=0.5, "2030-01"=0.2}', "programme.recognition_coverage",
         "increasing order"),
        ('programme.recognition_coverage={"2030-13"=0.5}', "programme.recognition_coverage", '"2030-13"'),
        ('programme.recognition_coverage={"2030"=0.5}', "programme.recognition_coverage", "YYYY-MM"),
        ("programme.recognition_coverage={}", "programme.recognition_coverage", "at least one"),
        ('programme.recognition_coverage={"2030-01"=1.5}', "programme.recognition_coverage.2030-01", "[0.0, 1.0]"),
        (
            'programme.recognition_coverage={"2030-01"="x"}',
            "programme.recognition_coverage.2030-01",
            'a number in [0.0, 1.0] at every date. Got "x"',
        ),
        ('statuses.ssw1.max_stay_months={"2030-01"=2.5}', "statuses.ssw1.max_stay_months.2030-01", "an integer"),
        ('statuses.ssw1.caps.construction={"2030-01"=-1}', "statuses.ssw1.caps.construction.2030-01", "[0, 100000000]"),
    ],
)
def test_bad_dated_table(override, field, expected):
    message = error_of(overrides=[override])
    assert_names(message, "scenario 'japan-temporary'", f"'{field}'", expected)
    assert "more problem" not in message


# ----- non-Japan hosts --------------------------------------------------------------------


def test_a_host_in_another_currency_needs_origin_money():
    message = error_of("example-seasonal", overrides=["origins.CHN.active=true"])
    assert_names(message, "scenario 'example-seasonal'", "'origins.CHN.home_wage'", "AUD", "active = false")


def test_example_scenario_is_shipped():
    names = dict(shipped_scenarios())
    assert "example-seasonal" in names
    assert "illustrative" in names["example-seasonal"].lower()


# ----- inheritance ------------------------------------------------------------------------


def test_circular_inherits_temporary_and_overrides_only_what_it_writes(temp, circ):
    written = shipped_raw(CIRC)["statuses"]
    assert list(circ.statuses) == list(temp.statuses)
    changed = 0
    for name, rules in temp.statuses.items():
        mine = circ.statuses[name].model_dump()
        reform_date = written.get(name, {}).get("reform_transition", {}).get("reform_date")
        for field, value in rules.model_dump().items():
            if field in written.get(name, {}):
                expected = written[name][field]
                if field == "reform_transition":  # the loader uses up the reform date
                    expected = {k: v for k, v in expected.items() if k != "reform_date"}
                elif reform_date is not None and field in HOLDER_RULES:  # the base's value before the reform date
                    expected = {format_month(parse_month(reform_date) - 1): value, reform_date: expected}
                assert mine[field] == expected, (name, field)
                changed += mine[field] != value
            else:
                assert mine[field] == value, f"statuses.{name}.{field} changed without being written"
    assert changed >= 6
    assert circ.extends == TEMP
    assert circ.horizon == temp.horizon and circ.demand == temp.demand and circ.economy == temp.economy
    # a child adds its assumptions to its parent's
    assert circ.assumptions[: len(temp.assumptions)] == temp.assumptions
    assert len(circ.assumptions) > len(temp.assumptions)


def test_unconnected_is_circular_without_matching_and_recognition(circ):
    unconnected = load_scenario(UNCONNECTED)
    assert not any(unconnected.programme.matching_capacity.values())
    assert unconnected.programme.recognition_coverage == 0.0
    assert sum(circ.programme.matching_capacity.values()) > 0 and circ.programme.recognition_coverage > 0
    a, b = unconnected.model_dump(), circ.model_dump()
    for data in (a, b):
        for key in ("name", "description", "extends"):
            data.pop(key)
        data["programme"].pop("matching_capacity")
        data["programme"].pop("recognition_coverage")
    assert a == b


# ----- overrides --------------------------------------------------------------------------


def test_override_a_scalar(temp):
    sc = load_scenario(TEMP, overrides=["programme.recognition_coverage=0.3"])
    assert sc.programme.recognition_coverage == 0.3
    assert sc.programme.detection_rate == temp.programme.detection_rate


def test_override_with_a_dated_table_replaces_the_value_whole():
    sc = load_scenario(TEMP, overrides=['programme.recognition_coverage={"2030-01"=0.5}'])
    assert sc.programme.recognition_coverage == {"2030-01": 0.5}
    # a dated table in a parent is replaced, never merged with the child's table
    sc = load_scenario(TEMP, overrides=['statuses.titp.admits_from_abroad={"2026-01"=false}'])
    assert sc.statuses["titp"].admits_from_abroad == {"2026-01": False}


def test_override_a_nested_status_field_leaves_its_siblings(temp):
    sc = load_scenario(TEMP, overrides=["statuses.ssw1.max_stay_months=24", "statuses.ssw1.caps.construction=1000"])
    assert sc.statuses["ssw1"].max_stay_months == 24
    assert sc.statuses["ssw1"].caps["construction"] == 1000
    assert sc.statuses["ssw1"].caps["agriculture"] == temp.statuses["ssw1"].caps["agriculture"]
    assert sc.statuses["esd"] == temp.statuses["esd"]


def test_ints_are_numbers_where_a_number_is_expected():
    sc = load_scenario(TEMP, overrides=["programme.recognition_coverage=1", 'economy.host_wage_growth={"2030-01"=0}'])
    assert sc.programme.recognition_coverage == 1.0 and isinstance(sc.programme.recognition_coverage, float)
    assert isinstance(sc.economy.host_wage_growth["2030-01"], float)


# ----- hashing and writing ----------------------------------------------------------------


def test_hash_is_stable(temp):
    assert scenario_hash(load_scenario(TEMP)) == scenario_hash(temp)
    # setting a lever to the value it already has is no change
    assert scenario_hash(load_scenario(TEMP, overrides=["programme.recognition_coverage=0.0"])) == scenario_hash(temp)


@pytest.mark.parametrize(
    "override",
    [
        "programme.recognition_coverage=0.5",
        "programme.matching_capacity.retail=10.0",
        "programme.detection_rate=0.05",
        "programme.former_employer_rehire=true",
        "programme.cumulative_abroad_counts=true",
        "programme.reentry_fee_cap_months=1.0",
        "statuses.ssw1.max_total_months=72",
        "statuses.ssw1.reentry_cooldown_months=3",
        'statuses.ssw1.job_change="free"',
        'statuses.esd.caps.agriculture={"2026-01"=40000}',
        "demand.initial_vacancy_rate=0.1",
        "behaviour.beta_gain=1.1",
        'horizon.end="2040-12"',
        "population.scale=0.5",
    ],
)
def test_hash_changes_when_a_lever_changes(temp, override):
    assert scenario_hash(load_scenario(TEMP, overrides=[override])) != scenario_hash(temp)


@pytest.mark.parametrize("name", [*JAPAN, "example-seasonal"])
def test_to_toml_round_trips(tmp_path, name):
    sc = load_scenario(name, overrides=['programme.recognition_coverage={"2030-01"=0.25}'])
    path = tmp_path / f"{name}-resolved.toml"
    path.write_text(to_toml(sc), encoding="utf-8")
    again = load_scenario(str(path))
    assert scenario_hash(again) == scenario_hash(sc)
    assert again.statuses == sc.statuses and again.assumptions == sc.assumptions


# ----- the lever table of DESIGN.md "Shipped scenarios", one test per row ------------------


def test_lever_leaving_ends_the_right_to_come_back(temp, circ):
    # japan-temporary: yes, except the paths the law has (TITP iii, SSW-i within its 5 years)
    assert temp.statuses["titp"].leaving_ends_right is True
    assert temp.statuses["esd"].leaving_ends_right is True
    assert temp.statuses["ssw1"].leaving_ends_right is False and temp.statuses["ssw1"].max_total_months == 60
    assert [p.to for p in temp.statuses["titp"].return_paths] == ["titp", "ssw1"]
    # japan-circular: multi-entry ESD and SSW-i
    assert circ.statuses["esd"].leaving_ends_right is False
    assert circ.statuses["ssw1"].leaving_ends_right is False


def test_lever_reentry_cooldown(temp, circ):
    assert temp.statuses["esd"].leaving_ends_right is True  # n/a: no re-entry to cool down from
    assert circ.statuses["esd"].reentry_cooldown_months == 6
    assert circ.statuses["ssw1"].reentry_cooldown_months == 6


def _at_start(scenario, status, field):
    """A status rule's value in force in the scenario's first month (a reform may date it)."""
    return value_at(getattr(scenario.statuses[status], field), parse_month(scenario.start))


def test_lever_stay_per_entry(temp, circ):
    def limits(scenario, status):
        return _at_start(scenario, status, "max_stay_months"), _at_start(scenario, status, "max_total_months")

    assert limits(temp, "esd") == (36, 36)
    assert limits(temp, "ssw1") == (0, 60)
    assert limits(circ, "esd") == (36, 0)
    assert limits(circ, "ssw1") == (36, 0)
    # holders already in SSW-i keep japan-temporary's limits (docs/scenarios.md, section 7)
    assert circ.statuses["ssw1"].max_stay_months == {"2024-12": 0, "2025-01": 36}
    assert circ.statuses["ssw1"].max_total_months == {"2024-12": 60, "2025-01": 0}
    assert circ.statuses["ssw1"].reform_transition.max_stay_months == "new_permits"
    assert circ.statuses["ssw1"].reform_transition.max_total_months == "new_permits"


def test_lever_cumulative_months_abroad(temp, circ):
    assert temp.programme.cumulative_abroad_counts is False
    assert circ.programme.cumulative_abroad_counts is True


def test_lever_job_change(temp, circ):
    assert temp.statuses["esd"].job_change == "after" and 12 <= temp.statuses["esd"].job_change_after_months <= 24
    assert temp.statuses["ssw1"].job_change == "within_field"
    for status in ("esd", "ssw1"):
        assert _at_start(circ, status, "job_change") == "after"
        assert _at_start(circ, status, "job_change_after_months") == 12
    assert circ.statuses["ssw1"].reform_transition.job_change == "new_permits"


def test_lever_skill_recognition_at_home(temp, circ):
    assert temp.programme.recognition_coverage == 0.0
    assert circ.programme.recognition_coverage == 0.6


def test_lever_bilateral_return_job_matching(temp, circ):
    assert not any(temp.programme.matching_capacity.values())
    assert sum(circ.programme.matching_capacity.values()) == 10850


def test_lever_reentry_fee_cap_and_former_employer(temp, circ):
    assert temp.programme.reentry_fee_cap_months == -1.0 and temp.programme.former_employer_rehire is False
    assert circ.programme.reentry_fee_cap_months == 1.0 and circ.programme.former_employer_rehire is True


def test_lever_reintegration_support(temp, circ):
    assert temp.programme.reintegration_support_months == 0
    assert circ.programme.reintegration_support_months == 3


def test_lever_family_in_the_host(temp, circ):
    for scenario in (temp, circ):
        allowed = {name for name, rules in scenario.statuses.items() if rules.family_allowed}
        assert allowed == {"ssw2", "professional", "status_based"}
        assert all(rules.family_after_months == 0 for rules in scenario.statuses.values())
