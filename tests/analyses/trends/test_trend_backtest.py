"""Rolling-origin backtests of trends and plateau detection, on planted plateaus and real histories."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scalewatch.analyses.trends import (
    as_series,
    backtest_trends,
    capability_series,
    default_origins,
    fit_trend,
    frontier_compute_series,
    microprocessor_series,
    stitch_capabilities,
)
from scalewatch.analyses.trends.plateau import VERDICTS, plateau_study


def _plateau(onset=2004.0, noise=0.1, seed=0, step=0.25):
    rng = np.random.default_rng(seed)
    t = np.arange(1985, 2020, step)
    z = np.where(t < onset, 0.3 * (t - onset), 0.0) + 8 + noise * rng.standard_normal(t.size)
    return as_series({"year": t, "mhz": np.exp(z)}, date_column="year", value_column="mhz")


@pytest.fixture(scope="module")
def planted():
    s = _plateau()
    return backtest_trends(s, origins=(1998.0, 2002.0, 2006.0, 2010.0), horizon=4.0, n_boot=15, n_test=199, seed=0)


def test_a_sharp_plateau_is_detected_only_after_it_begins(planted):
    bt = planted
    assert bt.onset is not None and bt.onset["low"] < 2004.0 < bt.onset["high"]
    first = bt.first_detection
    assert first is not None and 2004.0 <= first <= 2008.0
    assert bt.timing == "after onset" and bt.lead_time <= 0
    det = bt.detections()
    # before the onset the test can only err: at most an isolated false alarm at its 5% size
    assert det[det["origin"] < 2004]["detected"].mean() <= 0.15
    assert bt.false_alarms == 0


def test_forecasts_across_a_plateau_punish_the_steady_trend(planted):
    skill = planted.skill().set_index("model")
    # forecasts from 2002 and 2006 cross or follow the plateau: the exponential overshoots by decades
    assert skill.loc["exponential", "bias"] > 0.3
    assert skill.loc["exponential", "crps"] > skill.loc["piecewise", "crps"]
    pts = planted.points()
    assert set(pts["model"]) == {"exponential", "logistic", "piecewise"}
    assert pts["origin"].nunique() == 4 and (pts["year"] > pts["origin"]).all() and (pts["year"] <= pts["origin"] + 4).all()
    fc = planted.forecasts()
    row = fc[(fc["origin"] == 2010.0) & (fc["model"] == "piecewise")].iloc[0]
    assert row["low"] < math.exp(8) < row["high"]  # after the plateau, the broken trend forecasts it


def test_backtest_to_dict_is_json_safe_and_report_names_the_timing(planted):
    d = planted.to_dict()
    text = json.dumps(d)
    assert d["timing"] == "after onset" and d["error_unit"] == "decades (log10)"
    assert len(d["test_origins"]) > len(d["origins"])
    assert "timing: after onset" in planted.report() and "NaN" not in text


def test_steady_series_has_no_onset_and_the_backtest_is_reproducible():
    rng = np.random.default_rng(3)
    t = np.arange(1990, 2020, 0.5)
    s = as_series({"year": t, "v": np.exp(0.3 * (t - 1990) + 0.2 * rng.standard_normal(t.size))}, date_column="year", value_column="v")
    a = backtest_trends(s, origins=(2005.0, 2012.0), horizon=3.0, n_boot=10, n_test=99, seed=4)
    b = backtest_trends(s, origins=(2005.0, 2012.0), horizon=3.0, n_boot=10, n_test=99, seed=4)
    assert a.onset is None and a.timing == "no slowdown" and a.lead_time is None
    assert a.points().equals(b.points()) and a.detections().equals(b.detections())


def test_backtest_errors():
    s = _plateau()
    with pytest.raises(ValueError, match="no origin has 10 values"):
        backtest_trends(s, origins=(1980.0,))
    with pytest.raises(ValueError, match="horizon=0"):
        backtest_trends(s, horizon=0)


def test_default_origins_are_whole_years_inside_the_data():
    s = _plateau(step=1.0)
    o = default_origins(s, min_points=10)
    assert o[0] == 1994.0  # 1985-1994 are the first ten years
    assert o[-1] <= 2018.0 and all(float(x).is_integer() for x in o)
    assert np.all(np.diff(o) == 2.0)  # a 34-year span: a step of round(34 / 15) = 2 years


# -- real series --------------------------------------------------------------------------------------


def test_cpu_clock_stalled_in_the_mid_2000s():
    # "clock speed stalled in the mid-2000s" (Sutter 2005, 'The free lunch is over'; Rupp's data)
    s = microprocessor_series("frequency_mhz")
    assert s.unit == "MHz" and "Horowitz" in s.notes[0]
    tf = fit_trend(s, "piecewise", n_boot=30, seed=0)
    year, lo, hi, _ = tf.quantities()["break_year"]
    assert 2003 <= year <= 2007
    assert tf.quantities()["growth_after"][0] == pytest.approx(1.0, abs=0.03)  # flat after the break
    with pytest.raises(ValueError, match="metrics"):
        microprocessor_series("mips")


def test_frontier_compute_grows_four_to_five_fold_a_year():
    # Epoch AI (2024), "Training compute of frontier AI models grows by 4-5x per year" (2010 onwards)
    s = frontier_compute_series(start=2010.0)
    g, lo, hi, _ = fit_trend(s, "exponential", n_boot=100, seed=0).quantities()["growth_per_year"]
    assert 4.0 <= g <= 5.3 and lo < 5.0 and hi > 4.0


def test_stitched_capabilities_follow_upstream_and_rank_recent_models_first():
    st = stitch_capabilities()
    assert st.converged and st.anchor == "Winogrande"
    b = st.benchmarks.set_index("benchmark")
    assert b.loc["Winogrande", "difficulty"] == 0.0 and b.loc["Winogrande", "slope"] == 1.0
    # harder benchmarks sit higher on the scale
    assert b.loc["GPQA diamond", "difficulty"] > b.loc["MMLU", "difficulty"] > b.loc["PIQA", "difficulty"]
    caps = st.capabilities
    assert caps["n_benchmarks"].min() >= 4 and (caps["release_date"] >= "2022-11-01").all()
    top = caps.nlargest(5, "capability")
    assert (top["year"] > 2025.0).all()  # the strongest models are the latest
    gpt4 = caps[caps["version"] == "gpt-4-0314"]["capability"].iloc[0]
    assert top["capability"].min() > gpt4 + 0.3
    cs = capability_series()
    assert cs.scale == "linear" and cs.n >= 20


@pytest.fixture(scope="module")
def study():
    return plateau_study(fast=True, seed=0)


def test_plateau_study_fast_reaches_the_cpu_verdict(study):
    assert study.verdict in VERDICTS
    leads = study.lead_times()
    assert set(leads) == {"cpu-clock", "cpu-single-thread"}
    for d in leads.values():
        assert 2003 <= d["onset"] <= 2007
        assert d["first_detection"] is not None and d["first_detection"] >= d["onset"]
        assert d["timing"] == "after onset"
    assert study.verdict == "not detectable"
    assert study.backtests["transistors"].onset is None and study.backtests["transistors"].false_alarms == 0
    assert study.backtests["ai-compute"].full_test.p_value > 0.05  # no slowdown in the large-scale era
    assert study.era_test is not None and 2014 <= study.era_test.break_year <= 2018  # Sevilla et al. (2022)'s era boundary
    json.dumps(study.to_dict())
    assert "not detectable" in study.report()


def test_trends_finding_fast_is_a_valid_finding(study):
    from scalewatch.findings import Finding

    f = study.to_finding()
    assert f.key == "trends.plateau_backtests" and f.question == "trends"
    assert f.verdict == "not detectable" and f.tone == "warn"
    lead = f.number("cpu-clock detection lead time")
    assert lead.has_interval and lead.high < 0  # detected only after the clock plateau began
    assert f.number("transistors false alarms").value == 0
    assert len(f.figures) == 4 and {t for t, _ in f.tables} >= {"slowdown test by origin"}
    assert Finding.from_dict(json.loads(f.to_json())) == f


def test_plateau_analysis_is_registered_with_its_datasets():
    import scalewatch.analyses.trends as trends
    from scalewatch.findings import registered

    (entry,) = [a for a in registered() if a.key == "trends.plateau_backtests"]
    assert entry.question == "trends" and entry.func is trends.plateau_analysis
    assert set(entry.requires) == {"microprocessor-trend-data", "epoch-ai-models", "epoch-benchmark-stitching"}
