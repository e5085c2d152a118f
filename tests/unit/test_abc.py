"""ABC-SMC on a cheap synthetic model, determinism, resumability, and calibrate's wiring."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from coexist import api
from coexist.calibration import abc
from coexist.calibration.abc import abc_smc
from coexist.calibration.targets import TARGET_COLUMNS, load_targets
from coexist.data import parameters
from coexist.errors import CoexistError, DataError, ScenarioError
from coexist.scenario import apply_calibrated, load_scenario
from coexist.store.calibration import StateFile
from coexist.testing import TINY_OVERRIDES

PRIOR = {"theta": (-5.0, 5.0)}


def _model(params, seed):
    # observed summary: the mean of 20 draws of Normal(theta, 1)
    return float(np.random.default_rng(seed).normal(params["theta"], 1.0, size=20).mean())


def _dist(sim, obs):
    return abs(sim - obs)


def _run(obs, seed, generations=4, checkpoint=None, particles=60):
    return abc_smc(_model, PRIOR, obs, _dist, particles=particles, generations=generations, seed=seed,
                   checkpoint=checkpoint)


class _MemoryCheckpoint:
    """A checkpoint in memory: what abc_smc saved, and how often."""

    def __init__(self) -> None:
        self.state, self.saves = None, 0

    def __str__(self) -> str:
        return "the state in memory"

    def load(self):
        return None if self.state is None else json.loads(json.dumps(self.state))

    def save(self, state):
        self.state, self.saves = json.loads(json.dumps(state)), self.saves + 1


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


@pytest.mark.parametrize("make_checkpoint", [lambda tmp: _MemoryCheckpoint(), lambda tmp: StateFile(tmp / "s.json")])
def test_resume_equals_straight_run(tmp_path, make_checkpoint):
    checkpoint = make_checkpoint(tmp_path)
    first = _run(0.5, seed=11, generations=2, checkpoint=checkpoint)
    saved = checkpoint.load()
    assert saved["generation"] == 2 and len(saved["epsilons"]) == 2
    resumed = _run(0.5, seed=11, generations=3, checkpoint=checkpoint)
    straight = _run(0.5, seed=11, generations=3)
    assert len(first.epsilons) == 2
    assert np.array_equal(resumed.samples, straight.samples)
    assert np.array_equal(resumed.weights, straight.weights)
    assert resumed.epsilons == straight.epsilons
    # a state written with other settings is refused, naming where it is kept
    with pytest.raises(DataError, match=f"{checkpoint} was written with seed=11, not 12"):
        _run(0.5, seed=12, generations=3, checkpoint=checkpoint)


def test_a_run_saves_after_each_generation_and_a_finished_one_runs_nothing_more():
    checkpoint = _MemoryCheckpoint()
    _run(0.5, seed=4, generations=3, checkpoint=checkpoint)
    assert checkpoint.saves == 3

    def no_model(params, seed):
        raise AssertionError("a finished generation ran again")

    again = abc_smc(no_model, PRIOR, 0.5, _dist, particles=60, generations=3, seed=4, checkpoint=checkpoint)
    assert checkpoint.saves == 3 and len(again.epsilons) == 3


def test_state_file_refuses_what_a_calibration_did_not_save(tmp_path):
    state = StateFile(tmp_path / "cal" / "abc_state.json")
    assert state.load() is None
    state.save({"generation": 1, "epsilons": [float("inf")]})  # creates the folder; inf as JSON's Infinity
    assert state.load() == {"generation": 1, "epsilons": [float("inf")]}
    assert sorted(p.name for p in (tmp_path / "cal").iterdir()) == ["abc_state.json"]  # no temporary file left
    state.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="remove it to start the calibration afresh"):
        state.load()
    state.path.write_bytes(b"\xff\xfe")
    with pytest.raises(DataError, match="abc_state.json must be the JSON"):
        state.load()


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
    header = ",".join(TARGET_COLUMNS) + "\n"
    rows = ("titp_stock,test,,2025-07-01,2000,persons,stock,,titp,,,reported,fit,\n"
            "titp_stock,test,,2025-10-01,1800,persons,stock,,titp,,,reported,validate,\n")
    path.write_text(header + rows, encoding="utf-8")


class _FakeResult:
    """A run whose titp stock in every month is 10^6 x abscond_base (the fit row wants 2000: 0.002)."""

    def __init__(self, abscond_base):
        months = [f"2025-{m:02d}" for m in range(1, 13)]
        value = 1e6 * abscond_base
        self.stocks = pa.table({"month": months, "status": ["titp"] * 12, "origin": ["VNM"] * 12,
                                "persons": [value] * 12})
        self.flows = pa.table({"month": pa.array([], pa.string()), "flow": pa.array([], pa.string()),
                               "status_from": pa.array([], pa.string()), "status_to": pa.array([], pa.string()),
                               "origin": pa.array([], pa.string()), "persons": pa.array([], pa.float64())})
        self.measures = pa.table({"month": pa.array([], pa.string()), "origin": pa.array([], pa.string()),
                                  "measure": pa.array([], pa.string()), "value": pa.array([], pa.float64())})


class _FakeEngine:
    """Stands in for the engine's simulate(): records what it ran, answers with a _FakeResult."""

    def __init__(self):
        self.calls = []

    def __call__(self, scenario, seed, scale, progress):
        self.calls.append((scenario, seed, scale))
        return _FakeResult(scenario.behaviour["abscond_base"])


def test_calibrate_wiring(tmp_path):
    engine = _FakeEngine()
    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    out = api.calibrate("japan-temporary", targets, parameters=["abscond_base"], particles=20, budget=80,
                        scale=0.1, seed=1, out=tmp_path / "cal", workers=1, engine=api.Engine(simulate=engine))
    scenario, _, scale = engine.calls[0]
    assert scenario.name == "japan-temporary" and scale == 0.1
    assert len(engine.calls) >= 80 + 1  # every particle, then the best set once more
    assert len(out.result.epsilons) == 4
    assert out.result.best["abscond_base"] == pytest.approx(0.002, rel=0.1)
    assert out.best_ard < 0.1
    post = pq.read_table(out.files["posterior"])
    assert post.column_names == ["abscond_base", "weight", "distance"] and post.num_rows == 20
    assert "[behaviour]" in out.files["best"].read_text()
    assert "abscond_base" in (tmp_path / "cal" / "prior_posterior.csv").read_text()
    assert len(json.loads(out.files["history"].read_text())["generations"]) == 4
    assert json.loads(out.files["state"].read_text())["generation"] == 4
    html = out.files["fit"].read_text()
    assert html.count("titp_stock") >= 1 and html.count("<script type=\"text/javascript\">/**") <= 1
    assert sorted(p.name for p in out.folder.iterdir()) == sorted(
        ["abc_state.json", "best-scenario.toml", "best.toml", "distance_history.json", "fit.html",
         "posterior.parquet", "prior_posterior.csv"])


def test_calibrate_resumes_from_its_folder(tmp_path):
    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    kwargs = dict(parameters=["abscond_base"], particles=6, scale=0.1, seed=3, workers=1)
    first = api.calibrate("japan-temporary", targets, budget=12, out=tmp_path / "cal",
                          engine=api.Engine(simulate=_FakeEngine()), **kwargs)
    assert len(first.result.epsilons) == 2
    engine = _FakeEngine()
    resumed = api.calibrate("japan-temporary", targets, budget=18, out=tmp_path / "cal",
                            engine=api.Engine(simulate=engine), **kwargs)
    straight = api.calibrate("japan-temporary", targets, budget=18, out=tmp_path / "one",
                             engine=api.Engine(simulate=_FakeEngine()),
                             **kwargs)
    assert len(engine.calls) == resumed.result.history[2]["simulations"] + 1  # the third generation only, and the best
    assert np.array_equal(resumed.result.samples, straight.result.samples)
    for name in ("posterior.parquet", "best.toml", "distance_history.json", "prior_posterior.csv", "abc_state.json"):
        assert (tmp_path / "cal" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    with pytest.raises(DataError, match="abc_state.json was written with seed=3, not 4"):
        api.calibrate("japan-temporary", targets, budget=18, out=tmp_path / "cal", engine=api.Engine(simulate=engine),
                      **{**kwargs, "seed": 4})


def test_calibrate_fits_the_scenario_priors_too(tmp_path):
    engine = _FakeEngine()
    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    with targets.open("a", encoding="utf-8") as handle:  # a fit row of the series that identifies abscond_base
        handle.write("titp_absconders,test,,2025-12-31,50,persons per year,flow_calendar_year,abscond,titp,,,"
                     "reported,fit,\n")
    # the tiny world replaces the dated inflows the border priors write into: they leave the default set
    out = api.calibrate("japan-history", targets, particles=4, budget=4, seed=1, out=tmp_path / "cal", workers=1,
                        overrides=TINY_OVERRIDES, engine=api.Engine(simulate=engine))
    priors = ["demand_growth", "closure_demand_growth", "ssw_shortage_share", "reopening_openness", "ssw_route_ramp",
              "ssw_abroad_ramp", "stranded_intern_hazard"]
    assert out.result.names == ["abscond_base", *priors]
    first = engine.calls[0][0]
    assert first.behaviour["abscond_base"] == out.result.samples[0][0]
    assert first.demand.growth["retail"]["2017-01"] == out.result.samples[0][1]
    with (tmp_path / "cal" / "prior_posterior.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["kind"], r["fitted"]) for r in rows[:8]] == [
        ("abscond_base", "behaviour", "yes"), *((name, "assumption", "yes") for name in priors)]
    assert rows[0]["identification"] == "target: titp_absconders" and rows[1]["identification"] == "scenario prior"
    # every other behavioural parameter is listed once, not fitted, at its prior
    rest = {r["name"]: r for r in rows[8:]}
    assert set(rest) == set(parameters()) - {"abscond_base"}
    assert all(r["fitted"] == "no" and r["label"] == "prior only" and r["posterior_q50"] == "nan"
               for r in rest.values())
    assert rest["beta_fee"]["identification"] == "prior only" and float(rest["beta_fee"]["prior_high"]) > 0
    text = out.files["best"].read_text()
    assert "[assumptions]\ndemand_growth = " in text and "overrides = [" in text
    with pytest.raises(ScenarioError, match="closed_border_openness"):
        api.calibrate("japan-history", targets, parameters=["closed_border_openness"], particles=4, budget=4,
                      out=tmp_path / "o", workers=1, overrides=TINY_OVERRIDES, engine=api.Engine(simulate=engine))


def test_the_default_set_is_every_parameter_a_fitted_series_identifies():
    shipped = load_targets()
    fitted_series = set(shipped.filter(pc.equal(shipped["split"], "fit")).column("series").to_pylist())
    all_series = set(shipped.column("series").to_pylist())
    names = abc.identified_parameters(shipped)
    for name, spec in parameters().items():
        series = spec.identification.removeprefix("target: ")
        if spec.identification != "prior only":
            assert series in all_series, (name, spec.identification)  # names a real series
        assert (name in names) == (series in fitted_series), name
    assert {"abscond_base", "application_rate", "return_hazard_base", "beta_gain"} <= set(names)
    assert "test_threshold_ssw2" not in names  # ssw2_holders has held-out rows only
    assert "beta_fee" not in names  # prior only
    validate_only = shipped.filter(pc.equal(shipped["split"], "validate"))
    assert abc.identified_parameters(validate_only) == ()


def _no_engine(scenario, seed, scale, progress):
    raise AssertionError("the engine ran before the input was checked")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"targets": "missing.csv"}, "targets file 'missing.csv' does not exist"),
        ({"targets": "."}, "targets file '.' must be a file. Got a folder instead"),
        ({"targets": "binary.csv"}, "targets file 'binary.csv' must be UTF-8 text"),
        ({"targets": "validate_only.csv"}, "has no row with split 'fit'"),
        ({"particles": 10, "budget": 5}, "'budget' must be at least particles (10). Got 5 instead."),
        ({"particles": 1}, "'particles' must be at least 2. Got 1 instead."),
        ({"particles": 2.5}, "'particles' must be a whole number >= 1"),
        ({"budget": 0}, "'budget' must be a whole number >= 1"),
        ({"seed": -1}, "'seed' must be a whole number from 0 to 9223372036854775807. Got -1 instead."),
        ({"scale": 0.0}, "'scale' must be a number in (0, 1]"),
        ({"quantile": 1.0}, "'quantile' must be a number in (0, 1)"),
        ({"workers": 0}, "'workers' must be a whole number >= 1"),
        ({"out": "taken"}, "output folder taken must be a folder. Got a file instead"),
        ({"parameters": ["nope"]}, "unknown parameter"),
    ],
)
def test_calibrate_bad_input_runs_nothing_and_writes_nothing(kwargs, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _fake_targets(tmp_path / "t.csv")
    (tmp_path / "validate_only.csv").write_text(
        (tmp_path / "t.csv").read_text().replace(",fit,", ",validate,").replace("2025-07-01", "2025-04-01"))
    (tmp_path / "binary.csv").write_bytes(b"series,\xff\xfe\x00\n")
    (tmp_path / "taken").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    arguments = {"targets": "t.csv", "particles": 4, "budget": 4, "out": "cal", "workers": 1, **kwargs}
    with pytest.raises(CoexistError) as caught:
        api.calibrate("japan-temporary", arguments.pop("targets"), engine=api.Engine(simulate=_no_engine),
                      **arguments)
    assert fragment in str(caught.value)
    assert "--" not in str(caught.value)  # library words: no command-line flags
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_calibrate_end_to_end_tiny(tmp_path):
    targets = tmp_path / "targets.csv"
    _fake_targets(targets)
    kwargs = dict(parameters=["abscond_base"], particles=6, budget=12, scale=0.1, seed=2,
                  overrides=[*TINY_OVERRIDES, 'horizon.end="2025-12"'])
    out = api.calibrate("japan-temporary", targets, out=tmp_path / "cal", workers=2, **kwargs)
    r = out.result
    # the same posterior from particles run one after another in this process
    one = api.calibrate("japan-temporary", targets, out=tmp_path / "cal1", workers=1, **kwargs).result
    assert np.array_equal(r.samples, one.samples) and np.array_equal(r.distances, one.distances)
    assert np.array_equal(r.weights, one.weights) and r.epsilons == one.epsilons
    assert len(r.epsilons) == 2 and r.history[1]["simulations"] >= 6
    assert r.epsilons[1] <= max(h["median_distance"] for h in r.history)
    low, high = r.priors["abscond_base"]
    assert np.all((r.samples >= low) & (r.samples <= high))
    assert 0.0 <= out.best_ard < 1.0
    assert (tmp_path / "cal" / "abc_state.json").is_file()
    # the best set re-applies: as best.toml through apply_calibrated, or as the written scenario
    best = apply_calibrated("japan-temporary", out.files["best"])
    assert best.behaviour["abscond_base"] == pytest.approx(r.best["abscond_base"])
    assert best.population.initial == "empty"  # the calibration's overrides are re-applied too
    written = load_scenario(str(out.files["best_scenario"]))
    assert written.behaviour == best.behaviour and written.population == best.population
