"""Model size over time: segmented Huber trend, smallest model at a score (capabilities.model_size)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.capabilities.size import model_size_analysis, segmented_trend, smallest_at_score
from scalewatch.findings import rule


def test_segmented_trend_recovers_a_break_despite_outliers():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(2018, 2026, 200))
    y = 10 + 0.6 * (t - 2023) - 0.8 * np.maximum(t - 2023, 0) + rng.normal(0, 0.1, t.size)
    y[::20] += 3.0  # a few gross outliers (mislabelled models)
    a, b, d = segmented_trend(t, y, 2023.0)
    assert abs(b - 0.6) < 0.05 and abs(d + 0.8) < 0.08 and abs(a - 10) < 0.08


def test_segmented_trend_needs_points_on_both_sides():
    assert np.isnan(segmented_trend([2019.0, 2020.0, 2021.0, 2024.0], [1.0, 2.0, 3.0, 4.0], 2023.0)).all()
    with pytest.raises(ValueError, match="one value per date"):
        segmented_trend([2019.0, 2020.0], [1.0], 2023.0)


def test_smallest_at_score_keeps_record_setters_only():
    per = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "params": [100.0, 200.0, 50.0, 60.0], "score": [0.7, 0.8, 0.5, 0.9]})
    assert smallest_at_score(per, 0.65).tolist() == [0, 3]


@pytest.fixture(scope="module")
def size():
    return model_size_analysis(fast=True, seed=0)


def test_model_size_finding_and_rule(size):
    f = size.to_finding()
    assert f.key == "capabilities.model_size" and f.verdict == size.decision.verdict
    assert size.decision.rule == rule("capabilities.size_break")
    fr = size.fits[(size.fits["series"] == "frontier") & (size.fits["break_year"] == 2023.0)].iloc[0]
    assert fr.change_low <= fr.change <= fr.change_high
    assert 0.3 < fr.slope_before < 1.5  # frontier models grew by well over an order of magnitude per 2 years before 2023
    assert 0 < fr.permutation_p <= 1
    names = [n.name for n in f.numbers]
    assert any("without a parameter count" in n for n in names)
    assert any("smallest model reaching MMLU >= 0.65" in n for n in names)
    json.dumps(f.to_dict())


def test_smallest_series_matches_the_economics_finding(size):
    """Same data and method as economics.price_decline's model-size trend at MMLU >= 0.65."""
    from scalewatch.analyses.economics.prices import price_decline

    pd_ = price_decline(n_resamples=20, seed=0)
    ours = size.record_rates.set_index("threshold").loc[0.65, "rate"]
    assert ours == pytest.approx(pd_.size_rate, rel=1e-9)
    # one quantity, one interval (issue 16, item 6): with the report's resamples and seed the two findings share the draws
    from scalewatch.analyses.capabilities.size import SIZE_N_BOOT

    shared = price_decline(n_resamples=20, seed=0, size_n_boot=SIZE_N_BOOT[1], size_seed=0)
    r = size.record_rates.set_index("threshold").loc[0.65]
    assert (shared.size_low, shared.size_high) == (r["low"], r["high"])


def test_permutation_p_is_large_without_a_break():
    """No break in the data: the residual-permutation p-value of the frontier fit's machinery is not small."""
    from scalewatch.analyses.capabilities.size import _huber_line

    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(2018, 2026, 120))
    y = 10 + 0.5 * (t - 2023) + rng.normal(0, 0.3, t.size)
    b = _huber_line(t, y, 2023.0)
    fit = b[0] + b[1] * (t - 2023.0)
    d = segmented_trend(t, y, 2023.0)[2]
    perm = np.array([segmented_trend(t, fit + rng.permutation(y - fit), 2023.0)[2] for _ in range(200)])
    assert np.mean(np.abs(perm) >= abs(d)) > 0.05
