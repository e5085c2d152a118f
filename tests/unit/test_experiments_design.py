"""Experiment designs: the shipped one loads; a broken file gives one line naming the field; factors map
the unit cube to their values and their values to scenario overrides."""

from __future__ import annotations

import pytest

from coexist.data import parameters
from coexist.errors import ScenarioError
from coexist.experiments.design import design_toml, load_design, shipped_designs
from coexist.scenario import load_scenario

MINIMAL = """
name = "small"
scenario = "japan-circular"
metrics = ["index.balance"]
[uncertainties.behaviour.nu_option]
[levers."programme.recognition_coverage"]
low = 0.0
high = 1.0
"""


def _write(tmp_path, text):
    path = tmp_path / "design.toml"
    path.write_text(text)
    return path


def test_shipped_design_keeps_uncertainties_apart_from_levers_and_loads_its_scenario_with_every_factor():
    assert "japan-circular-levers" in dict(shipped_designs())
    design = load_design("japan-circular-levers")
    kinds = [f.kind for f in design.factors()]
    assert kinds == sorted(kinds, key=["behaviour", "assumption", "lever"].index)  # uncertainties first
    assert {"behaviour", "assumption", "lever"} <= set(kinds)
    for factor in design.factors():
        if factor.kind == "behaviour":  # the documented plausible range by default
            assert (factor.low, factor.high) == (parameters()[factor.name].low, parameters()[factor.name].high)
        for u in (0.0, 1.0):
            load_scenario(design.scenario, overrides=factor.overrides(factor.value(u)))  # every extreme is valid
    assert "japan-circular-levers" in design_toml(design)


def test_factor_values_cover_ranges_whole_numbers_and_choices(tmp_path):
    design = load_design(_write(tmp_path, MINIMAL + """
[levers."statuses.ssw1.reentry_cooldown_months"]
low = 0
high = 24
integer = true
[levers."programme.former_employer_rehire"]
choices = [true, false]
"""))
    share, cooldown, rehire = design.lever_factors()
    assert (share.value(0.0), share.value(0.25), share.value(1.0)) == (0.0, 0.25, 1.0)
    assert (cooldown.value(0.51), cooldown.value(1.0)) == (12, 24)
    assert (rehire.value(0.2), rehire.value(0.7), rehire.value(1.0)) == (True, False, False)
    assert rehire.overrides(False) == ["programme.former_employer_rehire=false"]
    assert cooldown.overrides(7) == ["statuses.ssw1.reentry_cooldown_months=7"]


@pytest.mark.parametrize(("extra", "field", "words"), [
    ('\n[sampler]\nmethod = "grid"\n', "sampler.method", "Got \"grid\" instead"),
    ('\nreplicates = 0\n', "replicates", "Got 0 instead"),
    ('\ncolour = "red"\n', "colour", "is not a known field"),
    ('\n[uncertainties.behaviour.nu_optoin]\n', "", "Did you mean 'nu_option'?"),
    ('\n[levers."programme.detection_rate"]\nlow = 0.1\nhigh = 0.2\nchoices = [1, 2]\n', "levers.programme",
     "either choices or low and high"),
    ('\n[[constraints]]\nmetric = "host.fill_rate"\nmax = 1.0\n', "", "must bound recorded metrics"),
])
def test_a_broken_design_names_the_file_and_the_field(tmp_path, extra, field, words):
    text = MINIMAL + extra if extra.startswith("\n[") else extra + MINIMAL  # keys at the top, tables at the end
    with pytest.raises(ScenarioError) as err:
        load_design(_write(tmp_path, text))
    message = str(err.value)
    assert message.startswith(str(tmp_path / "design.toml")) and words in message
    assert field in message


def test_unknown_metric_and_unknown_design_are_refused_with_what_is_allowed(tmp_path):
    with pytest.raises(ScenarioError, match="Did you mean 'index.balance'"):
        load_design(_write(tmp_path, MINIMAL.replace('["index.balance"]', '["index.balanc"]')))
    with pytest.raises(ScenarioError, match="japan-circular-levers") as err:
        load_design("no-such-design")
    assert err.value.field == "design"
