"""The Balanced Coexistence Index: hand-computed cases against small hand-built references."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from test_metrics import tiny_result

from coexist.errors import DataError
from coexist.metrics import (
    ACTORS,
    INDEX_KEYS,
    METRICS,
    MetricReference,
    Reference,
    actor_scores,
    balance_index,
    compute_metrics,
    index_values,
    load_reference,
    normalise,
)
from coexist.metrics.index import run_weights

EQUAL = {"host": 1 / 3, "migrants": 1 / 3, "origin": 1 / 3}


def ref(entries: dict[str, tuple[float, float, float]], floor: float = 0.05) -> Reference:
    """A reference built by hand: name -> (worst, best, weight)."""
    return Reference(
        "test", "2025-01-01", floor, "",
        {n: MetricReference(n, w, b, wt, "set by hand for a test case") for n, (w, b, wt) in entries.items()},
    )


SMALL = ref({
    "host.fill_rate": (0.5, 1.0, 1.0),
    "host.experienced_share": (0.2, 0.8, 3.0),
    "host.irregular_mean": (80000.0, 0.0, 0.0),
    "migrants.debt_burden": (6.0, 0.0, 1.0),
    "migrants.family_unity": (0.0, 0.6, 1.0),
    "origin.returnee_employment_12m": (0.5, 0.95, 1.0),
})


# -- normalisation ---------------------------------------------------------------------------------
def test_normalise_is_linear_between_worst_and_best_and_clipped():
    assert normalise(0.75, 0.5, 1.0) == 0.5
    assert normalise(0.5, 0.5, 1.0) == 0.0 and normalise(1.0, 0.5, 1.0) == 1.0
    assert normalise(0.2, 0.5, 1.0) == 0.0  # below worst: clipped
    assert normalise(1.3, 0.5, 1.0) == 1.0  # above best: clipped
    # minimise: worst above best
    assert normalise(1.5, 6.0, 0.0) == 0.75
    assert normalise(9.0, 6.0, 0.0) == 0.0
    assert normalise(-1.0, 6.0, 0.0) == 1.0
    assert math.isnan(normalise(math.nan, 0.5, 1.0))


# -- actor scores --------------------------------------------------------------------------------------
def test_actor_scores_weights_floor_and_clipping_by_hand():
    metrics = {
        "host.fill_rate": 0.75,  # -> 0.5
        "host.experienced_share": 0.65,  # -> 0.75, weight 3
        "host.irregular_mean": 1e6,  # -> 0, but weight 0: not counted
        "migrants.debt_burden": 9.0,  # -> 0 (clipped)
        "migrants.family_unity": 0.03,  # -> 0.05
        "origin.returnee_employment_12m": 1.0,  # -> 1 (clipped)
    }
    s = actor_scores(metrics, SMALL)
    assert s["host"] == pytest.approx((1 * 0.5 + 3 * 0.75) / 4)  # 0.6875
    assert s["migrants"] == pytest.approx(0.05)  # mean 0.025, floored at 0.05
    assert s["origin"] == 1.0
    assert balance_index(s, EQUAL) == pytest.approx((0.6875 * 0.05 * 1.0) ** (1 / 3))


def test_floor_only_applies_below_it():
    metrics = {"host.fill_rate": 0.5, "host.experienced_share": 0.2, "migrants.debt_burden": 6.0,
               "migrants.family_unity": 0.0, "origin.returnee_employment_12m": 0.5}
    assert actor_scores(metrics, SMALL) == {"host": 0.05, "migrants": 0.05, "origin": 0.05}
    assert (
        actor_scores(metrics, ref({**{n: (r.worst, r.best, r.weight) for n, r in SMALL.metrics.items()}}, floor=0.1))[
            "host"
        ]
        == 0.1
    )
    # one actor at zero does not erase the others: index = floor^(1/3) with the other two at 1
    assert balance_index({"host": 1.0, "migrants": 1.0, "origin": 0.05}, EQUAL) == pytest.approx(0.05 ** (1 / 3))
    assert 0.36 < 0.05 ** (1 / 3) < 0.37


def test_undefined_metric_is_left_out_and_weights_renormalised():
    metrics = {
        "host.fill_rate": 0.75,
        "host.experienced_share": math.nan,
        "migrants.debt_burden": 3.0,
        "origin.returnee_employment_12m": math.nan,
    }
    s = actor_scores(metrics, SMALL)
    assert s["host"] == 0.5  # only fill_rate counts
    assert s["migrants"] == 0.5  # family_unity absent
    assert math.isnan(s["origin"])  # nothing defined
    assert math.isnan(balance_index(s, EQUAL))
    # an actor with weight 0 does not count, even when undefined
    assert balance_index(s, {"host": 0.5, "migrants": 0.5, "origin": 0.0}) == pytest.approx(0.5)


# -- the geometric mean --------------------------------------------------------------------------------
def test_balance_index_weights_by_hand():
    scores = {"host": 0.8, "migrants": 0.5, "origin": 0.2}
    assert balance_index(scores, EQUAL) == pytest.approx(0.08 ** (1 / 3))  # 0.430887
    assert balance_index(scores, {"host": 0.5, "migrants": 0.5, "origin": 0.0}) == pytest.approx(math.sqrt(0.4))
    assert balance_index(scores, {"host": 1.0, "migrants": 0.0, "origin": 0.0}) == pytest.approx(0.8)
    assert balance_index(scores, {"host": 0.5, "migrants": 0.25, "origin": 0.25}) == pytest.approx(
        0.8**0.5 * 0.5**0.25 * 0.2**0.25
    )
    assert balance_index(scores) == balance_index(scores, EQUAL)


def test_imbalanced_design_scores_below_balanced_one_with_same_mean():
    balanced = {"host": 0.5, "migrants": 0.5, "origin": 0.5}
    imbalanced = {"host": 0.9, "migrants": 0.5, "origin": 0.1}  # same arithmetic mean 0.5
    assert sum(balanced.values()) == pytest.approx(sum(imbalanced.values()))
    assert balance_index(balanced, EQUAL) == pytest.approx(0.5)
    assert balance_index(imbalanced, EQUAL) == pytest.approx(0.045 ** (1 / 3))  # 0.3557
    assert balance_index(imbalanced, EQUAL) < balance_index(balanced, EQUAL)


@pytest.mark.parametrize(
    "weights",
    [
        {"host": 0.5, "migrants": 0.5},
        {"host": 0.5, "migrants": 0.5, "origin": 0.5},
        {"host": 1.2, "migrants": -0.2, "origin": 0.0},
    ],
)
def test_balance_index_rejects_bad_weights(weights):
    with pytest.raises(ValueError, match="balance weights"):
        balance_index({"host": 0.5, "migrants": 0.5, "origin": 0.5}, weights)


# -- on a run ----------------------------------------------------------------------------------------
TINY_REF = ref(
    {
        "host.fill_rate": (0.5, 1.0, 1.0),  # 380/450 -> (380/450 - 0.5) * 2 = 31/45
        "host.irregular_mean": (20.0, 0.0, 1.0),  # 10 -> 0.5
        "migrants.debt_burden": (1.5, 0.0, 1.0),  # 0.75 -> 0.5
        "origin.returnee_employment_12m": (0.5, 0.9, 1.0),  # 0.7 -> 0.5
        "origin.remittances_per_year": (0.0, 2.4e7, 1.0),  # 1.2e7 -> 0.5
    }
)


def test_compute_metrics_adds_the_three_scores_and_the_index_by_hand():
    scenario = SimpleNamespace(balance_weights={"host": 0.5, "migrants": 0.25, "origin": 0.25})
    values = compute_metrics(tiny_result(), scenario, reference=TINY_REF)
    host = (31 / 45 + 0.5) / 2
    assert values["index.host"] == pytest.approx(host)
    assert values["index.migrants"] == pytest.approx(0.5)
    assert values["index.origin"] == pytest.approx(0.5)
    assert values["index.balance"] == pytest.approx(host**0.5 * 0.5**0.25 * 0.5**0.25)
    # without a scenario: equal weights
    plain = compute_metrics(tiny_result(), reference=TINY_REF)
    assert plain["index.balance"] == pytest.approx((host * 0.25) ** (1 / 3))
    assert list(plain)[len(METRICS) : len(METRICS) + 4] == list(INDEX_KEYS)  # then the values per origin


def test_adding_another_scenario_never_changes_a_runs_index():
    run_a = tiny_result()
    alone = compute_metrics(run_a, reference=TINY_REF)
    # a much better second scenario, computed beside it
    b = tiny_result()
    better = SimpleNamespace(stocks=b.stocks.slice(0, 0), flows=b.flows, demand=b.demand, measures=b.measures)
    others = compute_metrics(better, reference=TINY_REF)
    assert others["index.host"] != alone["index.host"]
    again = compute_metrics(run_a, reference=TINY_REF)
    assert again == pytest.approx(alone, nan_ok=True)
    # and the index is a function of the run's own metrics and the reference only
    own = {k: v for k, v in alone.items() if k not in INDEX_KEYS}
    assert index_values(own, EQUAL, TINY_REF) == pytest.approx({k: alone[k] for k in INDEX_KEYS})


def test_index_depends_on_the_reference_file():
    values = compute_metrics(tiny_result(), reference=TINY_REF)
    stricter = ref(
        {
            **{n: (r.worst, r.best, r.weight) for n, r in TINY_REF.metrics.items()},
            "migrants.debt_burden": (0.75, 0.0, 1.0),
        }
    )  # 0.75 now scores 0 -> floor
    assert compute_metrics(tiny_result(), reference=stricter)["index.migrants"] == 0.05
    assert values["index.migrants"] == pytest.approx(0.5)


def test_run_weights_from_scenario_then_stored_toml_then_equal():
    sc = SimpleNamespace(balance_weights={"host": 0.6, "migrants": 0.2, "origin": 0.2})
    assert run_weights(None, sc) == {"host": 0.6, "migrants": 0.2, "origin": 0.2}
    loaded = SimpleNamespace(scenario_toml='name = "x"\n[balance_weights]\nhost = 0.2\nmigrants = 0.2\norigin = 0.6\n')
    assert run_weights(loaded) == {"host": 0.2, "migrants": 0.2, "origin": 0.6}
    assert run_weights(SimpleNamespace(scenario_toml='name = "x"\n')) == pytest.approx(EQUAL)


# -- the shipped reference file ------------------------------------------------------------------------
def test_shipped_reference_covers_every_scored_metric_once_with_a_reason():
    r = load_reference()
    assert r.version and r.date and 0 < r.floor < 1
    scored = {n for n, m in METRICS.items() if m.direction != "info"}
    assert set(r.metrics) == scored
    for name, m in r.metrics.items():
        assert len(m.reason.split()) >= 10, name
        direction = METRICS[name].direction
        assert (m.best > m.worst) if direction == "maximise" else (m.best < m.worst), name
    for actor in ACTORS:
        assert sum(m.weight for n, m in r.metrics.items() if METRICS[n].actor == actor) > 0
    assert (r.metrics["host.fill_rate"].worst, r.metrics["host.fill_rate"].best) == (0.5, 1.0)
    assert (r.metrics["migrants.debt_burden"].worst, r.metrics["migrants.debt_burden"].best) == (6.0, 0.0)
    assert (r.metrics["origin.returnee_employment_12m"].worst, r.metrics["origin.returnee_employment_12m"].best) == (
        0.5,
        0.95,
    )


def test_shipped_reference_scores_the_tiny_run_within_the_floor_and_one():
    values = compute_metrics(tiny_result())
    floor = load_reference().floor
    for key in INDEX_KEYS:
        assert floor <= values[key] <= 1.0, key


def _shipped_text() -> str:
    from importlib import resources

    return (resources.files("coexist.data") / "reference_values.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("floor = 0.05", "floor = 0.05\nflor = 0.1"), "unknown key"),
        (
            lambda t: t.replace(
                '[metrics."host.fill_rate"]\nworst = 0.5\nbest = 1.0',
                '[metrics."host.fill_rate"]\nworst = 1.0\nbest = 0.5',
            ),
            "'best' must be above",
        ),
        (
            lambda t: (
                t
                + '\n[metrics."host.turnover_annual"]\nworst = 1.0\nbest = 0.0\nweight = 1.0\nreason = "a b c d e f"\n'
            ),
            "direction 'info'",
        ),
        (
            lambda t: t.replace('[metrics."migrants.family_unity"]', '[metrics."migrants.family_unit"]'),
            "not a registered metric",
        ),
        (lambda t: t.replace("floor = 0.05", "floor = 0.0"), "'floor'"),
    ],
)
def test_reference_file_errors_name_the_problem(tmp_path, edit, message):
    path = tmp_path / "ref.toml"
    text = edit(_shipped_text())
    assert text != _shipped_text()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_reference(path)


def test_reference_file_missing_metric_is_an_error(tmp_path):
    text = _shipped_text()
    start = text.index('[metrics."migrants.family_unity"]')
    end = text.index("[metrics.", start + 1)
    path = tmp_path / "ref.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(DataError, match="no reference for"):
        load_reference(path)
