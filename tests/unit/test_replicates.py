"""Replicates: parameter draws, common random numbers, the process pool, the compare outputs."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coexist import api
from coexist.cli.main import main
from coexist.data import parameters
from coexist.data.calibrated import CalibratedSource
from coexist.errors import DataError
from coexist.experiments import draw_parameters, replicate_plan, replicate_seed, run_ensemble, with_parameters
from coexist.experiments.analysis import reference_sensitivity, shifted_reference
from coexist.metrics import load_reference, metric_definitions
from coexist.testing import TINY_OVERRIDES, tiny_world

SHORT = ('horizon.end="2026-12"',)


# -- parameter draws ---------------------------------------------------------------------------
def test_draws_stay_inside_the_documented_ranges():
    specs = parameters()
    for r in range(60):
        draw = draw_parameters(7, r)
        assert set(draw) == set(specs)
        for name, value in draw.items():
            assert specs[name].low <= value <= specs[name].high, (name, value)
            if specs[name].unit == "months":
                assert value == round(value), (name, value)


def test_draws_are_triangular_with_mode_at_the_default():
    specs = parameters()
    draws = [draw_parameters(1, r) for r in range(2000)]
    for name in ("beta_gain", "theta_home", "application_rate", "remigration_base"):
        s = specs[name]
        values = np.array([d[name] for d in draws])
        assert values.mean() == pytest.approx((s.low + s.default + s.high) / 3, rel=0.05, abs=0.02 * (s.high - s.low))
        assert values.min() < s.default < values.max()
        # more mass near the default than near either end of the range
        width = 0.1 * (s.high - s.low)
        near = np.mean(np.abs(values - s.default) < width)
        assert near > np.mean(values < s.low + width) and near > np.mean(values > s.high - width)


def test_draws_and_seeds_are_deterministic_and_differ_across_replicates():
    assert draw_parameters(3, 2) == draw_parameters(3, 2)
    assert replicate_seed(3, 2) == replicate_seed(3, 2)
    assert draw_parameters(3, 2) != draw_parameters(3, 1)
    assert draw_parameters(3, 2) != draw_parameters(4, 2)
    seeds = [replicate_seed(0, r) for r in range(50)]
    assert len(set(seeds)) == 50 and all(0 <= s < 2**31 for s in seeds)
    # a replicate does not depend on how many there are
    assert replicate_plan(5, 3) == replicate_plan(5, 8)[:3]


def test_scenario_values_win_over_draws():
    sc = tiny_world(overrides=("behaviour.beta_gain=1.7",))
    out = with_parameters(sc, draw_parameters(0, 0))
    assert out.behaviour["beta_gain"] == 1.7
    assert out.behaviour["theta_home"] == draw_parameters(0, 0)["theta_home"]
    assert sc.behaviour == {"beta_gain": 1.7}  # the original is unchanged


# -- draws from the shipped calibration's posterior (a synthetic one here) ----------------------
# three particles, far apart and with very unequal weights; demand_growth is a scenario
# assumption (not behavioural) and must be ignored; recruitment_lag_months is a months
# parameter that the particles carry at non-integer values (used as they are)
_PARTICLES = {
    "beta_gain": [0.4, 1.9, 1.2],
    "theta_home": [-0.8, 1.9, 0.2],
    "recruitment_lag_months": [6.5, 11.5, 9.25],
    "demand_growth": [0.5, -0.5, 0.1],
    "weight": [0.7, 0.2, 0.1],
    "distance": [0.1, 0.2, 0.3],
}
_FITTED = ("beta_gain", "theta_home", "recruitment_lag_months")


@pytest.fixture
def posterior():
    """A tiny calibration: the posterior above and a best particle (the first)."""
    table = pa.table({k: pa.array(v, pa.float64()) for k, v in _PARTICLES.items()})
    return CalibratedSource(posterior_samples=lambda: table,
                            calibrated_behaviour=lambda: {k: _PARTICLES[k][0] for k in _FITTED})


def _particle_of(draw: dict) -> int:
    rows = [k for k in range(3) if all(draw[p] == _PARTICLES[p][k] for p in _FITTED)]
    assert len(rows) == 1, {p: draw[p] for p in _FITTED}  # jointly from one particle, never mixed
    return rows[0]


def test_calibrated_draws_take_the_fitted_parameters_jointly_from_weighted_particles(posterior):
    picks = [_particle_of(draw_parameters(3, r, calibrated=True, calibration=posterior)) for r in range(600)]
    share = np.bincount(picks, minlength=3) / len(picks)
    assert share == pytest.approx([0.7, 0.2, 0.1], abs=0.06)


def test_calibrated_draws_leave_the_other_parameters_as_without_calibration(posterior):
    specs = parameters()
    for r in range(20):
        cal, plain = draw_parameters(5, r, calibrated=True, calibration=posterior), draw_parameters(5, r)
        assert list(cal) == list(plain) == list(specs)  # every parameter, in file order
        assert "demand_growth" not in cal and "weight" not in cal and "distance" not in cal
        for name in specs:
            if name not in _FITTED:
                assert cal[name] == plain[name], name
    # the calibrated draws are pure functions of (seed, replicate) and vary with both
    assert draw_parameters(5, 2, True, posterior) == draw_parameters(5, 2, True, posterior)
    plan = replicate_plan(5, 4, calibrated=True, calibration=posterior)
    assert plan == replicate_plan(5, 9, calibrated=True, calibration=posterior)[:4]
    assert plan[2].parameters == draw_parameters(5, 2, True, posterior)
    assert len({_particle_of(draw_parameters(s, r, True, posterior)) for s in range(3) for r in range(10)}) == 3


def test_calibrated_draws_centre_the_rest_on_a_calibrated_value_outside_the_posterior(posterior):
    # a calibrated value for a parameter the posterior lacks moves that parameter's mode there
    posterior = dataclasses.replace(posterior, calibrated_behaviour=lambda: {"remigration_base": 0.025})
    s = parameters()["remigration_base"]
    cal = np.array([draw_parameters(1, r, True, posterior)["remigration_base"] for r in range(400)])
    plain = np.array([draw_parameters(1, r)["remigration_base"] for r in range(400)])
    assert cal.mean() == pytest.approx((s.low + 0.025 + s.high) / 3, rel=0.08)
    assert cal.mean() > plain.mean() and cal.min() >= s.low and cal.max() <= s.high


def test_calibrated_draws_need_a_usable_posterior():
    def missing():
        raise DataError("the shipped calibration has no japan-posterior.parquet")

    absent = CalibratedSource(posterior_samples=missing, calibrated_behaviour=dict)
    draw_parameters(0, 0, calibration=absent)  # not needed without calibration
    with pytest.raises(DataError, match="japan-posterior"):
        draw_parameters(0, 0, calibrated=True, calibration=absent)
    bad = pa.table({"beta_gain": [1.0, 1.5], "weight": [0.0, 0.0]})
    with pytest.raises(DataError, match="weight"):
        draw_parameters(0, 0, calibrated=True, calibration=dataclasses.replace(absent, posterior_samples=lambda: bad))


def test_a_comparison_draws_from_the_posterior_only_when_every_scenario_is_calibrated(posterior):
    from types import SimpleNamespace

    from coexist.errors import ScenarioError
    from coexist.experiments import DISTRIBUTION, DISTRIBUTION_CALIBRATED, EnsembleResult, uses_calibration

    cal = SimpleNamespace(name="c", behaviour={}, behaviour_defaults="calibrated-japan")
    emb = SimpleNamespace(name="e", behaviour={}, behaviour_defaults="embedded")
    assert uses_calibration([("a", cal), ("b", cal)]) is True
    assert uses_calibration([("a", emb), ("b", object())]) is False
    with pytest.raises(ScenarioError, match="must share behaviour_defaults") as err:
        run_ensemble([("japan-cal", cal), ("japan-emb", emb)], seed=0, replicates=2, scale=1.0, workers=1)
    assert "\n" not in str(err.value) and "japan-cal" in str(err.value) and "japan-emb" in str(err.value)
    # the real scenario model carries the field (and a --set override reaches it)
    real = tiny_world(overrides=('behaviour_defaults="calibrated-japan"',))
    assert real.behaviour_defaults == "calibrated-japan"
    with pytest.raises(ScenarioError, match="behaviour_defaults"):
        uses_calibration([("x", real), ("y", tiny_world(overrides=('behaviour_defaults="embedded"',)))])

    class Seen(Exception):
        pass

    seen = []

    def stop(scenario, seed, scale):  # records replicate 0's parameters, then stops the ensemble
        seen.append(dict(scenario.behaviour))
        raise Seen

    with pytest.raises(Seen):
        run_ensemble([("a", cal), ("b", cal)], seed=4, replicates=3, scale=1.0, workers=1, simulate=stop,
                     calibration=posterior)
    assert seen == [draw_parameters(4, 0, calibrated=True, calibration=posterior)]
    assert EnsembleResult([], [], {}, calibrated=True).distribution == DISTRIBUTION_CALIBRATED
    assert EnsembleResult([], [], {}).distribution == DISTRIBUTION
    assert "posterior" in DISTRIBUTION_CALIBRATED and "posterior" not in DISTRIBUTION


# -- common random numbers ---------------------------------------------------------------------
class _Recorder:
    def __init__(self, real):
        self.calls = []
        self.real = real

    def __call__(self, scenario, seed, scale):
        self.calls.append((scenario.name, seed, dict(scenario.behaviour)))
        return self.real(scenario, seed=seed, scale=scale)


def test_replicate_r_uses_the_same_seed_and_parameters_in_every_scenario():
    from coexist.engine import simulate

    rec = _Recorder(simulate)
    scenarios = [("a", tiny_world("japan-temporary", SHORT)), ("b", tiny_world("japan-circular", SHORT))]
    ens = run_ensemble(scenarios, seed=11, replicates=3, scale=1.0, workers=1, simulate=rec)
    assert len(rec.calls) == 6
    by_name = {"japan-temporary": [], "japan-circular": []}
    for name, seed, behaviour in rec.calls:
        by_name[name].append((seed, behaviour))
    assert by_name["japan-temporary"] == by_name["japan-circular"]  # paired: same seed and draws per replicate
    seeds = [s for s, _ in by_name["japan-temporary"]]
    assert seeds == [replicate_seed(11, r) for r in range(3)]
    assert len({json.dumps(b, sort_keys=True) for _, b in by_name["japan-temporary"]}) == 3
    assert by_name["japan-temporary"][1][1] == draw_parameters(11, 1, calibrated=True)  # the shipped calibration
    # samples are stored by replicate, and every registered metric and index key is sampled
    assert set(ens.samples["a"]) == set(metric_definitions())  # with the index and the values per origin
    assert all(len(v) == 3 for v in ens.samples["b"].values())
    assert set(ens.kept) == {"a", "b"} and ens.kept["a"].replicate == 0 and ens.kept["a"].result is not None
    assert len(ens.series["a"]) == 3 and ens.series["a"][0]["years"] == [2025, 2026]


def _same(a: dict, b: dict) -> bool:
    for name in a:
        for metric, values in a[name].items():
            x, y = np.asarray(values), np.asarray(b[name][metric])
            if not np.array_equal(x, y, equal_nan=True):
                return False
    return set(a) == set(b)


def test_one_and_two_workers_give_identical_samples():
    scenarios = [("t", tiny_world("japan-temporary", SHORT)), ("c", tiny_world("japan-circular", SHORT))]
    one = run_ensemble(scenarios, seed=4, replicates=3, scale=1.0, workers=1)
    two = run_ensemble(scenarios, seed=4, replicates=3, scale=1.0, workers=2)
    assert two.workers == 2
    assert _same(one.samples, two.samples)
    assert one.series == two.series
    other = run_ensemble(scenarios[:1], seed=5, replicates=1, scale=1.0, workers=1)
    assert other.samples["t"]["host.fill_rate"] != one.samples["t"]["host.fill_rate"][:1]


def test_ensemble_rejects_bad_counts():
    with pytest.raises(ValueError, match="replicates"):
        run_ensemble([("a", object())], seed=0, replicates=0, scale=1.0)
    with pytest.raises(ValueError, match="workers"):
        run_ensemble([("a", object())], seed=0, replicates=1, scale=1.0, workers=0)


# -- reference sensitivity ---------------------------------------------------------------------
def test_shifted_reference_moves_points_by_a_share_of_the_span():
    ref = load_reference()
    r = ref.metrics["host.fill_rate"]
    up = shifted_reference(ref, worst=0.2).metrics["host.fill_rate"]
    assert up.worst == pytest.approx(r.worst + 0.2 * (r.best - r.worst)) and up.best == r.best
    down = shifted_reference(ref, best=-0.2).metrics["host.irregular_mean"]
    m = ref.metrics["host.irregular_mean"]
    assert down.best == pytest.approx(m.best - 0.2 * (m.best - m.worst)) and down.worst == m.worst


def test_reference_sensitivity_recomputes_the_index_and_the_balance_claim():
    rng = np.random.default_rng(0)
    ref = load_reference()
    base = {k: 0.5 * (r.worst + r.best) for k, r in ref.metrics.items()}
    samples = {}
    for name, bump in (("japan-temporary", 0.0), ("japan-circular", 0.15)):
        cols = {}
        for k, mid in base.items():
            r = ref.metrics[k]
            cols[k] = list(mid + (r.best - r.worst) * (bump + 0.02 * rng.standard_normal(10)))
        samples[name] = cols
    out = reference_sensitivity(samples, {}, random_shifts=20)
    labels = [v["label"] for v in out["variants"]]
    assert labels == ["shipped", "worst +20%", "worst -20%", "best +20%", "best -20%"]
    shipped, stricter = out["variants"][0], out["variants"][1]
    assert shipped["balance"]["verdict"] == "supported"
    # a stricter zero lowers every score of the same metrics
    balance = "index.balance"
    assert stricter["index"]["japan-temporary"][balance][1] < shipped["index"]["japan-temporary"][balance][1]
    assert out["random"]["draws"] == 20 and sum(out["random"]["verdicts"].values()) == 20


# -- compare end to end (tiny world, real engine) ----------------------------------------------
@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "out"
    seen = []
    summary = api.compare(
        ["japan-temporary", "japan-circular", "japan-circular-unconnected"],
        out=out,
        scale=1.0,
        seed=2,
        overrides=[*TINY_OVERRIDES, *SHORT],
        replicates=3,
        workers=1,
        progress=lambda d, t: seen.append((d, t)),
    )
    return summary, out, seen


def test_compare_writes_replicates_claims_and_one_run_folder_per_scenario(compared):
    summary, out, seen = compared
    assert seen[-1] == (9, 9) and len(seen) == 9  # one tick per run, over replicates
    table = pq.read_table(out / "replicates.parquet")
    assert table.column_names == ["scenario", "replicate", "seed", "metric", "value"]
    rows = table.to_pylist()
    assert len(rows) == 3 * 3 * len(metric_definitions())
    assert {r["seed"] for r in rows if r["replicate"] == 1} == {replicate_seed(2, 1)}
    claims = json.loads((out / "claims.json").read_text())
    assert [c["claim"] for c in claims["claims"]] == [
        "stable_host_supply",
        "skill_transfer",
        "unconnected_markets",
        "balance",
    ]
    for c in claims["claims"]:
        assert c["verdict"] in ("supported", "contradicted", "not shown")
        assert set(c["prior_only"]) <= set(c["parameters"])
        assert all(p["n"] == 3 for p in c["parts"])
    assert claims["settings"]["replicates"] == 3 and claims["settings"]["scale"] == 1.0
    assert "triangular" in claims["settings"]["parameter_distribution"]
    for name in ("japan-temporary", "japan-circular", "japan-circular-unconnected"):
        metrics = json.loads((out / name / "metrics.json").read_text())["metrics"]
        assert set(metrics) == set(metric_definitions())  # every metric, three scores, the index, per origin
        run = json.loads((out / name / "run.json").read_text())
        assert run["seed"] == replicate_seed(2, 0)
        # replicate 0's metrics.json equals its replicate sample
        sample = {r["metric"]: r["value"] for r in rows if r["scenario"] == name and r["replicate"] == 0}
        for k, v in metrics.items():
            assert (v is None and math.isnan(sample[k])) or v == pytest.approx(sample[k]), k
    assert summary.samples["japan-circular"]["index.balance"] == [
        r["value"] for r in rows if r["scenario"] == "japan-circular" and r["metric"] == "index.balance"
    ]


def test_compare_report_has_claims_intervals_and_sensitivity(compared):
    _, out, _ = compared
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "parameter uncertainty" in text
    assert "median and 90% interval over 3 replicates" in text
    assert "scale 1" in text
    assert "<table class='claims'>" in text and "prior only" in text
    for claim in ("stable_host_supply", "skill_transfer", "unconnected_markets", "balance"):
        assert claim in text
    assert 'id="sensitivity"' in text and "worst +20%" in text and "best -20%" in text
    assert 'class="ci"' in text  # intervals next to medians
    for key in ("Host society score", "Migrants score", "Origin countries score", "Balanced Coexistence Index"):
        assert key in text
    assert "replicates.parquet" in text and str(replicate_seed(2, 0)) in text
    import re

    assert not re.search(r"<script[^>]+src=", text)


# -- command line ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--replicates", "0"], "--replicates"),
        (["--replicates", "abc"], "--replicates"),
        (["--replicates", "2.5"], "--replicates"),
        (["--workers", "0"], "--workers"),
        (["--workers", "-2"], "--workers"),
    ],
)
def test_compare_count_options_are_checked(args, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "japan-temporary", "japan-circular", "--out", "cmp", *args]) == 2
    err = capsys.readouterr().err.strip().split("\n")
    assert len(err) == 1 and fragment in err[0] and "Traceback" not in err[0]
    assert list(Path(tmp_path).iterdir()) == []


def test_api_compare_checks_counts(tmp_path):
    from coexist.errors import ScenarioError

    with pytest.raises(ScenarioError, match="'replicates'"):
        api.compare(["japan-temporary"], out=tmp_path / "x", replicates=0)
    with pytest.raises(ScenarioError, match="'workers'"):
        api.compare(["japan-temporary"], out=tmp_path / "x", workers=0)
    assert not (tmp_path / "x").exists()
