"""Shipping a calibration as the default of the Japan scenarios (calibration/ship.py, data/calibrated.py)."""

from __future__ import annotations

import tomllib

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from coexist import api
from coexist.calibration.fingerprint import fingerprint_drift
from coexist.calibration.ship import data_fingerprint
from coexist.calibration.targets import TARGET_COLUMNS
from coexist.data import calibrated
from coexist.engine.simulate import simulate
from coexist.engine.world import resolve_parameters
from coexist.errors import DataError
from coexist.scenario import load_scenario
from coexist.testing import TINY_OVERRIDES, tiny_world


def _targets(path):
    header = ",".join(TARGET_COLUMNS) + "\n"
    path.write_text(header + "titp_stock,test,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A tiny calibration, shipped into a temporary folder."""
    tmp = tmp_path_factory.mktemp("ship")
    targets = _targets(tmp / "targets.csv")
    out = api.calibrate("japan-temporary", targets, parameters=["abscond_base"], particles=4, budget=8, scale=0.1,
                        seed=2, out=tmp / "cal", workers=1, overrides=[*TINY_OVERRIDES, 'horizon.end="2025-12"'])
    files = api.ship_calibration(out.folder, targets=targets, command=["coexist", "calibrate", "japan-temporary"],
                                 end_state_scale=0.5, seed=3, dest=tmp / "calibrated")
    return out, files, targets


@pytest.fixture
def use_shipped(shipped, monkeypatch):
    """Point the package's shipped calibration at the temporary one."""
    _, files, _ = shipped
    monkeypatch.setattr(calibrated, "_path", lambda kind: files[kind])
    for cached in (calibrated.calibration, calibrated.calibrated_end_state, calibrated.posterior_samples):
        cached.cache_clear()
    yield files
    for cached in (calibrated.calibration, calibrated.calibrated_end_state, calibrated.posterior_samples):
        cached.cache_clear()


def test_shipped_files_hold_the_best_set_the_posterior_and_the_provenance(shipped):
    out, files, targets = shipped
    summary = tomllib.loads(files["summary"].read_text(encoding="utf-8"))
    assert summary["behaviour"]["abscond_base"] == pytest.approx(out.result.best["abscond_base"])
    prov = summary["provenance"]
    assert prov["scale"] == 0.1 and prov["particles"] == 4 and prov["generations"] == 2
    assert prov["simulations"] >= 8 and prov["calibration_seed"] == 2
    assert prov["data_sha256"] == data_fingerprint()
    assert prov["targets"] == "targets.csv" and len(prov["targets_sha256"]) == 64
    assert prov["command"] == "coexist calibrate japan-temporary"
    assert prov["best_fit_ard"] == pytest.approx(out.result.best_distance)
    fitted = [row for row in summary["parameters"] if row["fitted"] == "yes"]
    assert [row["name"] for row in fitted] == ["abscond_base"]
    others = [row for row in summary["parameters"] if row["fitted"] == "no"]  # listed as prior only, no posterior
    assert others and all(row["label"] == "prior only" and np.isnan(row["posterior_q50"]) for row in others)
    # the engine fingerprint of the shipped values, which the current engine reproduces
    assert summary["fingerprint"]["scenario"] == "japan-history" and summary["fingerprint"]["entries"] > 0
    assert fingerprint_drift(summary) is None
    other = 0.0019 if summary["behaviour"]["abscond_base"] < 0.0015 else 0.0002  # inside the range, far off
    moved = {**summary, "behaviour": {"abscond_base": other}}
    assert "absconders" in fingerprint_drift(moved)
    assert files["posterior"].read_bytes() == out.files["posterior"].read_bytes()  # shipped as it is
    posterior = pq.read_table(files["posterior"])
    np.testing.assert_allclose(posterior.column("abscond_base").to_numpy(), out.result.samples[:, 0])
    end = pq.read_table(files["end_state"])
    assert end.num_rows == prov["end_state_people"] > 0
    assert float(end.schema.metadata[b"scale"]) == 0.5


def test_calibrated_defaults_apply_only_where_the_scenario_asks(use_shipped, shipped):
    out, _, _ = shipped
    best = out.result.best["abscond_base"]
    calibrated_world = tiny_world("japan-temporary", ['behaviour_defaults="calibrated-japan"'])
    assert resolve_parameters(calibrated_world)["abscond_base"] == best
    from coexist.data import parameters

    assert resolve_parameters(tiny_world("japan-temporary", ['behaviour_defaults="embedded"']))["abscond_base"] == \
        parameters()["abscond_base"].default
    # the scenario's own value still wins
    own = tiny_world("japan-temporary", ['behaviour_defaults="calibrated-japan"', "behaviour.abscond_base=0.0015"])
    assert resolve_parameters(own)["abscond_base"] == 0.0015


def test_a_forward_run_starts_from_the_shipped_end_state(use_shipped):
    from coexist.engine.simulate import _Run

    scenario = load_scenario("japan-circular", scale=0.05, overrides=['population.attributes="calibrated-history"'])
    run = _Run(scenario, 1, 0.05)
    status = run.S.status[: run.n]
    end = calibrated.calibrated_end_state()
    rows = pc.sum(pc.equal(end["status"], "returned")).as_py()
    # returnees at origin carried over from the end state's scale (0.5) to this one (0.05)
    carried = int(np.count_nonzero(status == run.T.returned))
    assert abs(carried - rows * 0.1) < 4 * np.sqrt(rows * 0.1 * 0.9) + 1
    titp = status == run.T.status_names.index("titp")
    assert set(np.unique(run.S.months_in_status[: run.n][titp])) <= set(
        end.filter(pc.equal(end["status"], "titp")).column("months_in_status").to_pylist())
    assert simulate(load_scenario("japan-circular", scale=0.005, end="2025-02",
                                  overrides=['population.attributes="calibrated-history"']), seed=1).agents > 0


def test_shipping_needs_a_finished_calibration(tmp_path):
    def no_engine(scenario, seed, scale, progress, end_state):
        raise AssertionError("the engine ran")

    (tmp_path / "half").mkdir()
    with pytest.raises(DataError, match="has no best.toml"):
        api.ship_calibration(tmp_path / "half", targets=_targets(tmp_path / "t.csv"), dest=tmp_path / "d",
                             engine=api.Engine(simulate=no_engine))
    assert not (tmp_path / "d").exists()


def test_missing_shipped_files_say_how_to_make_them(monkeypatch, tmp_path):
    monkeypatch.setattr(calibrated.resources, "files", lambda package: tmp_path)
    calibrated.calibration.cache_clear()
    try:
        with pytest.raises(DataError, match="coexist.api.ship_calibration"):
            calibrated.calibration()
    finally:
        calibrated.calibration.cache_clear()


def test_calibrated_history_attributes_need_the_2024_stocks():
    with pytest.raises(Exception, match="japan-2024-12"):
        load_scenario("japan-history", overrides=['population.attributes="calibrated-history"'])


def test_shipped_assumption_values_go_to_scenarios_declaring_those_priors(monkeypatch):
    monkeypatch.setattr(calibrated, "calibration", lambda: {"behaviour": {}, "assumptions": {"demand_growth": 0.05}})
    monkeypatch.setattr(calibrated, "calibrated_behaviour", lambda: {})
    import coexist.data

    monkeypatch.setattr(coexist.data, "calibration", calibrated.calibration)
    from coexist.scenario import apply_calibrated

    use = 'behaviour_defaults="calibrated-japan"'
    assert load_scenario("japan-history", overrides=[use]).demand.growth["retail"]["2017-01"] == 0.05
    # the user's own --set wins; without the calibrated defaults, the file's value stays
    assert load_scenario("japan-history", overrides=[use, "demand.growth.retail=0.2"]).demand.growth["retail"] == 0.2
    file_value = load_scenario("japan-history", overrides=['behaviour_defaults="embedded"']).demand.growth["retail"]
    assert file_value["2017-01"] != 0.05
    # a calibration's best set goes in the same way, on top
    best = apply_calibrated("japan-history", {"stranded_intern_hazard": 0.1})
    growth = best.demand.growth["retail"]["2017-01"]
    assert growth == (0.05 if best.behaviour_defaults == "calibrated-japan" else file_value["2017-01"])
