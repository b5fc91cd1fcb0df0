"""Emergence or metric artefact (scalewatch.analyses._emergence; Schaeffer et al. 2023)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scalewatch.analyses.capabilities.metrics import (
    PAIR_LABELS,
    SHARP_MAX,
    SMOOTH_MIN,
    compare_metrics,
    pair_label,
    pairs_table,
    shape_label,
    sharpness,
)

RNG_SEED = 0


def _scale(n=40):
    rng = np.random.default_rng(RNG_SEED)
    return np.sort(rng.uniform(20.0, 25.0, n)), rng


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0.05, SHARP_MAX, "sharp"), (SMOOTH_MIN, 2.0, "smooth"), (0.1, 0.3, "unclear"), (0.3, 0.45, "unclear")],
)
def test_shape_label(low, high, expected):
    assert shape_label(low, high) == expected


@pytest.mark.parametrize(
    ("disc", "cont", "expected"),
    [
        ("sharp", "smooth", "metric artefact"),
        ("sharp", "sharp", "emergent under both"),
        ("smooth", "smooth", "smooth under both"),
        ("unclear", "smooth", "unresolved"),
        ("smooth", "sharp", "unresolved"),
        ("sharp", None, "untestable"),
    ],
)
def test_pair_label(disc, cont, expected):
    assert pair_label(disc, cont) == expected
    assert expected in PAIR_LABELS


def test_exact_match_of_a_smoothly_improving_model_is_a_metric_artefact():
    """Schaeffer et al.'s mechanism: per-token accuracy p rises linearly, exact match of 20 tokens is p^20."""
    x, rng = _scale()
    p = 0.3 + 0.69 * (x - 20.0) / 5.0
    exact = p**20 + rng.normal(0.0, 0.005, x.size)
    loglik = np.log(p) + rng.normal(0.0, 0.005, x.size)  # per-token log-likelihood, higher is better
    pair = compare_metrics(x, exact, loglik, task="synthetic", names=("exact match", "log-likelihood"), n_boot=100, seed=1)
    assert pair.discontinuous.shape == "sharp"
    assert pair.continuous.shape == "smooth"
    assert pair.label == "metric artefact"
    # the same under token edit distance, which falls as the model improves
    edit = 20 * (1 - p)
    pair2 = compare_metrics(x, exact, edit, continuous_higher_is_better=False, n_boot=100, seed=1)
    assert pair2.label == "metric artefact"
    assert pair2.continuous.interval[0] >= SMOOTH_MIN and not pair2.continuous.higher_is_better


def test_a_real_jump_stays_sharp_under_both_metrics():
    x, rng = _scale()
    p = 0.3 + 0.65 / (1.0 + np.exp(-12.0 * (x - 22.5)))  # per-token accuracy itself jumps
    pair = compare_metrics(x, p**5 + rng.normal(0, 0.005, x.size), np.log(p) + rng.normal(0, 0.005, x.size), n_boot=100, seed=2)
    assert pair.label == "emergent under both"


def test_linear_metrics_are_smooth_under_both():
    x, rng = _scale()
    a = 0.1 + 0.1 * (x - 20) + rng.normal(0, 0.01, x.size)
    b = 2.0 - 0.3 * (x - 20) + rng.normal(0, 0.01, x.size)
    pair = compare_metrics(x, a, b, continuous_higher_is_better=False, n_boot=100, seed=3)
    assert pair.label == "smooth under both"
    assert pair.discontinuous.relative_width > SMOOTH_MIN


def test_width_is_in_units_of_x_and_relative_to_the_range():
    x = np.linspace(20.0, 24.0, 30)
    y = 1.0 / (1.0 + np.exp(-4.0 * (x - 22.0)))  # k = 4 per decade: 10-90 % width 2 ln 9 / 4 = 1.10 decades
    s = sharpness(x, y, n_boot=0)
    assert s.width == pytest.approx(2 * np.log(9) / 4.0, rel=1e-4)
    assert s.relative_width == pytest.approx(s.width / 4.0, rel=1e-12)
    assert s.y_range == (pytest.approx(y.min()), pytest.approx(y.max()))
    assert s.shape == "unclear"  # 0.27 of the range: neither sharp nor smooth


def test_single_metric_task_is_untestable_but_measured():
    x, rng = _scale()
    step = np.where(x > 23.0, 0.7, 0.0) + rng.normal(0, 0.005, x.size)
    pair = compare_metrics(x, step, None, task="arithmetic", n_boot=50, seed=0)
    assert pair.label == "untestable"
    assert pair.continuous is None
    assert pair.discontinuous.shape == "sharp"
    assert "no continuous metric" in pair.note
    d = json.loads(json.dumps(pair.to_dict()))
    assert d["continuous"] is None and d["label"] == "untestable"
    assert "none in the data" in pair.report()


def test_noise_has_no_shape():
    x, rng = _scale()
    pair = compare_metrics(x, rng.uniform(0, 1, x.size), None, n_boot=20)
    assert pair.discontinuous.shape == "unclear"


def test_pairs_table_has_one_row_per_pair():
    x, rng = _scale()
    a = compare_metrics(x, 0.1 * (x - 20), 0.2 * (x - 20), task="a", n_boot=0)
    b = compare_metrics(x, np.where(x > 22, 1.0, 0.0), None, task="b", n_boot=0)
    t = pairs_table([a, b])
    assert list(t["task"]) == ["a", "b"]
    assert np.isnan(t.loc[1, "continuous_r"]) and t.loc[1, "label"] == "untestable"


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.arange(5.0), np.arange(5.0), "5 models with finite values; need at least 6"),
        (np.arange(8.0), np.full(8, 0.3), "every model scores 0.3"),
        (np.arange(8.0), np.arange(7.0), "x has 8 values and y has 7"),
    ],
)
def test_sharpness_errors(x, y, match):
    with pytest.raises(ValueError, match=match):
        sharpness(x, y, n_boot=0)
