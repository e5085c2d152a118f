"""ABC-SMC on a cheap synthetic model, determinism, resumability, and calibrate's wiring."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from coexist.calibration import abc
from coexist.calibration.abc import abc_smc
from coexist.errors import ScenarioError

PRIOR = {"theta": (-5.0, 5.0)}


def _model(params, seed):
    # observed summary: the mean of 20 draws of Normal(theta, 1)
    return float(np.random.default_rng(seed).normal(params["theta"], 1.0, size=20).mean())


def _dist(sim, obs):
    return abs(sim - obs)


def _run(obs, seed, generations=4, state_path=None, particles=60):
    return abc_smc(_model, PRIOR, obs, _dist, particles=particles, generations=generations, seed=seed, state_path=state_path)


def test_posterior_narrows_and_covers_truth():
    covered = 0
    for k, truth in enumerate((-3.0, -1.2, 0.0, 1.7, 3.5)):
        obs = _model({"theta": truth}, 1000 + k)
        res = _run(obs, seed=k)
        row = res.prior_vs_posterior()[0]
        assert row["width_ratio"] <= 0.5, row
        assert row["label"] == "identified"
        assert res.epsilons[0] == float("inf") and res.epsilons[-1] < res.epsilons[1]
        assert np.isclose(res.weights.sum(), 1.0)
        covered += row["posterior_q05"] <= truth <= row["posterior_q95"]
    assert covered >= 4


def test_uninformative_parameter_stays_prior_only():
    res = abc_smc(lambda p, s: _model({"theta": 1.0}, s), {"noise": (0.0, 1.0)}, 1.0, _dist,
                  particles=40, generations=3, seed=3)
    assert res.prior_vs_posterior()[0]["label"] == "prior only"


def test_deterministic_for_a_seed():
    a, b = _run(0.5, seed=7, generations=3), _run(0.5, seed=7, generations=3)
    c = _run(0.5, seed=8, generations=3)
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.weights, b.weights)
    assert a.epsilons == b.epsilons
    assert not np.array_equal(a.samples, c.samples)


def test_resume_equals_straight_run(tmp_path):
    state = tmp_path / "state.json"
    first = _run(0.5, seed=11, generations=2, state_path=state)
    saved = json.loads(state.read_text())
    assert saved["generation"] == 2 and len(saved["epsilons"]) == 2
    resumed = _run(0.5, seed=11, generations=3, state_path=state)
    straight = _run(0.5, seed=11, generations=3)
    assert len(first.epsilons) == 2
    assert np.array_equal(resumed.samples, straight.samples)
    assert np.array_equal(resumed.weights, straight.weights)
    assert resumed.epsilons == straight.epsilons
    # a state written with other settings is refused
    with pytest.raises(ValueError, match="seed"):
        _run(0.5, seed=12, generations=3, state_path=state)


def test_workers_give_the_same_posterior_and_progress_per_simulation():
    calls = {1: [], 2: []}
    res = {w: abc_smc(_model, PRIOR, 0.7, _dist, particles=20, generations=3, seed=5, workers=w,
                      progress=lambda done, total, w=w: calls[w].append((done, total))) for w in (1, 2)}
    assert np.array_equal(res[1].samples, res[2].samples) and np.array_equal(res[1].weights, res[2].weights)
    assert np.array_equal(res[1].distances, res[2].distances) and res[1].epsilons == res[2].epsilons
    assert res[1].history == res[2].history
    for w in (1, 2):  # one call per simulation, counting up to the simulations run
        assert [done for done, _ in calls[w]] == list(range(1, res[w].simulations + 1))
        assert calls[w][-1][1] == res[w].simulations
    with pytest.raises(ValueError, match="workers"):
        abc_smc(_model, PRIOR, 0.7, _dist, particles=4, generations=1, seed=5, workers=0)


def _fake_targets(path):
    header = "series,source,source_url,reference_date,value,unit,measure,flow,statuses,origins,flags,data_flag,split,notes\n"
    rows = ("titp_stock,test,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n"
            "titp_stock,test,,2025-10-01,1800,persons,stock,,titp,,,reported,validate,\n")
    path.write_text(header + rows, encoding="utf-8")


class _FakeResult:
    """A run whose titp stock in every month is 10^6 x abscond_base (the fit row wants 2000: 0.002)."""

    def __init__(self, params):
        import pyarrow as pa

        months = [f"2025-{m:02d}" for m in range(1, 13)]
        value = 1e6 * params["abscond_base"]
        self.stocks = pa.table({"month": months, "status": ["titp"] * 12, "origin": ["VNM"] * 12,
                                "persons": [value] * 12})
        self.flows = pa.table({"month": pa.array([], pa.string()), "flow": pa.array([], pa.string()),
                               "status_from": pa.array([], pa.string()), "status_to": pa.array([], pa.string()),
                               "origin": pa.array([], pa.string()), "persons": pa.array([], pa.float64())})
        self.measures = pa.table({"month": pa.array([], pa.string()), "origin": pa.array([], pa.string()),
                                  "measure": pa.array([], pa.string()), "value": pa.array([], pa.float64())})


def test_calibrate_wiring(tmp_path, monkeypatch):
    calls = []

    def fake(scenario_ref, params, seed, scale, overrides, base=None):
        calls.append((scenario_ref, dict(params), scale))
        return _FakeResult(params)

    monkeypatch.setattr(abc, "_run_particle", fake)
    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    out = abc.calibrate("japan-temporary", targets, parameters=["abscond_base"], particles=20, budget=80,
                        scale=0.1, seed=1, out=tmp_path / "cal", workers=1)  # the fake runs in this process only
    assert calls[0][0] == "japan-temporary" and calls[0][2] == 0.1
    assert set(calls[0][1]) == {"abscond_base"}
    assert len(out.result.epsilons) == 4
    assert out.result.best["abscond_base"] == pytest.approx(0.002, rel=0.1)
    assert out.best_ard < 0.1
    post = pq.read_table(out.files["posterior"])
    assert post.column_names == ["abscond_base", "weight", "distance"] and post.num_rows == 20
    assert "[behaviour]" in out.files["best"].read_text()
    assert "abscond_base" in (tmp_path / "cal" / "prior_posterior.csv").read_text()
    assert len(json.loads(out.files["history"].read_text())["generations"]) == 4
    html = out.files["fit"].read_text()
    assert html.count("titp_stock") >= 1 and html.count("<script type=\"text/javascript\">/**") <= 1


def test_calibrate_fits_the_scenario_priors_too(tmp_path, monkeypatch):
    from coexist.testing import TINY_OVERRIDES

    seen = []

    def fake(scenario_ref, params, seed, scale, overrides, base=None):
        seen.append(dict(params))
        return _FakeResult(params)

    monkeypatch.setattr(abc, "_run_particle", fake)
    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    # the tiny world replaces the dated inflows the border priors write into: they leave the default set
    out = abc.calibrate("japan-history", targets, particles=4, budget=4, seed=1, out=tmp_path / "cal", workers=1,
                        overrides=TINY_OVERRIDES)
    expected = [*abc.DEFAULT_PARAMETERS, "demand_growth", "stranded_intern_hazard"]
    assert out.result.names == expected and list(seen[0]) == expected
    rows = (tmp_path / "cal" / "prior_posterior.csv").read_text().splitlines()
    assert rows[0].endswith(",kind") and rows[-1].endswith(",assumption") and rows[1].endswith(",behaviour")
    text = out.files["best"].read_text()
    assert "[assumptions]\ndemand_growth = " in text and "overrides = [" in text
    with pytest.raises(ScenarioError, match="closed_border_openness"):
        abc.calibrate("japan-history", targets, parameters=["closed_border_openness"], particles=4, budget=4,
                      out=tmp_path / "o", workers=1, overrides=TINY_OVERRIDES)


def test_calibrate_bad_input(tmp_path):
    from coexist.errors import CoexistError

    with pytest.raises(CoexistError, match="does not exist"):
        abc.calibrate("japan-temporary", tmp_path / "missing.csv", out=tmp_path / "o")
    targets = tmp_path / "t.csv"
    _fake_targets(targets)
    with pytest.raises(CoexistError, match="budget"):
        abc.calibrate("japan-temporary", targets, particles=10, budget=5, out=tmp_path / "o")
    with pytest.raises(CoexistError, match="unknown parameter"):
        abc.calibrate("japan-temporary", targets, parameters=["nope"], particles=4, budget=4, out=tmp_path / "o")


def test_calibrate_end_to_end_tiny(tmp_path):
    from coexist.testing import TINY_OVERRIDES

    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    kwargs = dict(parameters=["abscond_base"], particles=6, budget=12, scale=0.1, seed=2,
                  overrides=[*TINY_OVERRIDES, 'horizon.end="2025-12"'])
    out = abc.calibrate("japan-temporary", targets, out=tmp_path / "cal", workers=2, **kwargs)
    r = out.result
    # the same posterior from particles run one after another in this process
    one = abc.calibrate("japan-temporary", targets, out=tmp_path / "cal1", workers=1, **kwargs).result
    assert np.array_equal(r.samples, one.samples) and np.array_equal(r.distances, one.distances)
    assert np.array_equal(r.weights, one.weights) and r.epsilons == one.epsilons
    assert len(r.epsilons) == 2 and r.history[1]["simulations"] >= 6
    assert r.epsilons[1] <= max(h["median_distance"] for h in r.history)
    low, high = r.priors["abscond_base"]
    assert np.all((r.samples >= low) & (r.samples <= high))
    assert 0.0 <= out.best_ard < 1.0
    assert (tmp_path / "cal" / "abc_state.json").is_file()
    # the best set re-applies: as best.toml through apply_calibrated, or as the written scenario
    from coexist.scenario import apply_calibrated, load_scenario

    best = apply_calibrated("japan-temporary", out.files["best"])
    assert best.behaviour["abscond_base"] == pytest.approx(r.best["abscond_base"])
    assert best.population.initial == "empty"  # the calibration's overrides are re-applied too
    written = load_scenario(str(out.files["best_scenario"]))
    assert written.behaviour == best.behaviour and written.population == best.population


def test_cli_calibrate_bad_input(tmp_path, capsys):
    from coexist.cli.main import main

    assert main(["calibrate", "japan-temporary", "--targets", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1
    targets = tmp_path / "t.csv"
    _fake_targets(targets)
    assert main(["calibrate", "japan-temporary", "--targets", str(targets), "--particles", "8", "--budget", "4"]) == 2
    assert "--budget" in capsys.readouterr().err
    assert main(["calibrate", "japan-temporary", "--targets", str(targets), "--param", "stranded_intern_hazard"]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter" in err and "stranded_intern_hazard" in err and err.count("\n") == 1
    assert main(["calibrate", "japan-temporary", "--targets", str(targets), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
