"""Trend models of dated series: laws, fits, forecasts, CRPS and the slowdown test."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from scalewatch.analyses.trends import (
    LogisticTrend,
    PiecewiseTrend,
    SteadyTrend,
    as_series,
    crps_ensemble,
    fit_trend,
    score_forecast,
    slowdown_test,
    top_k_at_release,
    year_fraction,
)
from scalewatch.analyses.trends.compare import compare_trends

# -- reading series ----------------------------------------------------------------------------


def test_year_fraction_reads_dates_strings_and_numbers():
    got = year_fraction(pd.to_datetime(["2004-01-01", "2004-07-02", "2005-12-31"]))
    np.testing.assert_allclose(got, [2004.0, 2004 + 183 / 366, 2005 + 364 / 365])
    np.testing.assert_allclose(year_fraction(["2004-07-02"]), [2004 + 183 / 366])
    np.testing.assert_allclose(year_fraction([2004.5, 2010]), [2004.5, 2010.0])
    np.testing.assert_allclose(year_fraction(["2004.5", "2010"]), [2004.5, 2010.0])
    with pytest.raises(ValueError, match="dates such as"):
        year_fraction(["soon", "later"])


def test_as_series_sorts_drops_missing_and_checks():
    dates = ["2003-01-01", "2001-01-01", None, "2002-01-01", "2004-01-01", "2005-01-01", "2006-01-01"]
    df = pd.DataFrame({"d": dates, "v": [4.0, 1.0, 3.0, 2.0, 5.0, np.nan, 6.0]})
    s = as_series(df, date_column="d", value_column="v")
    np.testing.assert_allclose(s.t, [2001, 2002, 2003, 2004, 2006])
    np.testing.assert_allclose(s.y, [1, 2, 4, 5, 6])
    assert s.notes == ("2 row(s) with a missing date or value dropped",)
    with pytest.raises(ValueError, match="has 4 usable row"):
        as_series(df.iloc[:6], date_column="d", value_column="v")
    good = pd.DataFrame({"year": np.arange(2000, 2010.0), "v": np.arange(10.0)})
    with pytest.raises(ValueError, match=r"needs values > 0; 'v' has 0 at 2000.00. Use scale='linear'"):
        as_series(good, date_column="year", value_column="v")
    with pytest.raises(ValueError, match=r"date_column='when'\): no such column; columns: \['year', 'v'\]"):
        as_series(good, date_column="when", value_column="v")
    with pytest.raises(ValueError, match="allowed scales"):
        as_series(good, date_column="year", value_column="v", scale="sqrt")
    with pytest.raises(TypeError, match="DataFrame or a mapping"):
        as_series([1, 2, 3])
    lin = as_series(good, date_column="year", value_column="v", scale="linear")
    assert lin.t_ref == 2009.0 and lin.scale == "linear"


def test_top_k_at_release():
    t = np.array([2000.0, 2001, 2002, 2003, 2004])
    v = np.array([10.0, 5, 20, 15, 1])
    np.testing.assert_array_equal(top_k_at_release(t, v, 1), [True, False, True, False, False])
    np.testing.assert_array_equal(top_k_at_release(t, v, 2), [True, True, True, True, False])
    with pytest.raises(ValueError, match="integer >= 1"):
        top_k_at_release(t, v, 0)


# -- laws ------------------------------------------------------------------------------------------


LAWS = [
    (SteadyTrend(t_ref=2000.0, scale="log"), [1.0, 0.3]),
    (SteadyTrend(t_ref=2000.0, scale="linear"), [1.0, 0.3]),
    (LogisticTrend(t_ref=2000.0, scale="log"), [3.0, 0.5, 4.0]),
    (LogisticTrend(t_ref=2000.0, scale="linear"), [0.5, 3.0, 0.7, 2.0]),
    (PiecewiseTrend(t_ref=2000.0, scale="log", tau_lower=-5, tau_upper=5), [2.0, 0.4, 0.05, 0.3]),
    (PiecewiseTrend(t_ref=2000.0, scale="linear", tau_lower=-5, tau_upper=5), [2.0, 0.4, -0.1, 0.3]),
]


@pytest.mark.parametrize(("law", "theta"), LAWS, ids=lambda x: getattr(x, "name", "") + "-" + getattr(x, "scale", ""))
def test_analytic_jacobian_matches_central_differences(law, theta):
    years = np.linspace(1995.1, 2009.9, 23)[:, None]  # no point exactly at the break
    theta = np.asarray(theta, dtype=float)
    J = law.jacobian(years, theta)
    h = 1e-6
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        fd = (law.predict(years, theta + e) - law.predict(years, theta - e)) / (2 * h)
        np.testing.assert_allclose(J[:, j], fd, rtol=1e-5, atol=1e-8)


def test_logistic_is_the_exponential_early_and_its_ceiling_late():
    law = LogisticTrend(t_ref=0.0, scale="log")
    K, r, m = 1000.0, 0.5, 20.0
    early, late = law.predict([[-20.0], [80.0]], [math.log(K), r, m])
    assert early == pytest.approx(K * math.exp(r * (-20 - m)), rel=1e-8)
    assert late == pytest.approx(K, rel=1e-8)


def test_piecewise_bounds_are_checked():
    with pytest.raises(ValueError, match="tau_lower must be < tau_upper"):
        PiecewiseTrend(tau_lower=3.0, tau_upper=1.0)


# -- fits: parameter recovery -----------------------------------------------------------------------


def _series(t, y, scale="log"):
    return as_series({"year": t, "value": y}, date_column="year", value_column="value", scale=scale)


def test_exponential_fit_recovers_growth_and_interval_covers_it():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(1990, 2010, 60))
    y = 50 * 1.41 ** (t - 1990) * np.exp(0.2 * rng.standard_normal(t.size))
    tf = fit_trend(_series(t, y), "exponential", n_boot=200, seed=0)
    g, lo, hi, unit = tf.quantities()["growth_per_year"]
    assert unit == "x/yr" and lo < 1.41 < hi and abs(g - 1.41) < 0.02
    d, dlo, dhi, _ = tf.quantities()["doubling_time"]
    assert dlo < math.log(2) / math.log(1.41) < dhi
    assert tf.n_failed == 0 and tf.draws.shape == (200, 2)


def test_logistic_fit_recovers_a_planted_ceiling():
    rng = np.random.default_rng(1)
    t = np.linspace(1980, 2020, 80)
    K, r, mid = 3000.0, 0.35, 2003.0
    y = K / (1 + np.exp(-r * (t - mid))) * np.exp(0.05 * rng.standard_normal(t.size))
    tf = fit_trend(_series(t, y), "logistic", n_boot=100, seed=0)
    q = tf.quantities()
    assert q["ceiling"][1] < K < q["ceiling"][2]
    assert q["midpoint_year"][1] < mid < q["midpoint_year"][2]
    assert q["early_growth_per_year"][0] == pytest.approx(math.exp(r), rel=0.03)


def test_piecewise_fit_recovers_a_planted_break():
    rng = np.random.default_rng(2)
    t = np.sort(rng.uniform(1990, 2020, 90))
    z = np.where(t < 2005, 0.3 * (t - 2005), 0.02 * (t - 2005)) + 8 + 0.1 * rng.standard_normal(t.size)
    tf = fit_trend(_series(t, np.exp(z)), "piecewise", n_boot=100, seed=0)
    q = tf.quantities()
    assert q["break_year"][1] < 2005 < q["break_year"][2] and abs(q["break_year"][0] - 2005) < 1.0
    assert q["growth_before"][1] < math.exp(0.3) < q["growth_before"][2]
    assert q["growth_after"][1] < math.exp(0.02) < q["growth_after"][2]


def test_linear_scale_fits_a_straight_line():
    t = np.linspace(2023, 2026, 30)
    y = 1.0 + 0.4 * (t - 2023) + 0.01 * np.sin(11 * t)
    tf = fit_trend(_series(t, y, scale="linear"), "linear", n_boot=50, seed=0)
    s, lo, hi, _ = tf.quantities()["slope_per_year"]
    assert s == pytest.approx(0.4, abs=0.01) and lo < 0.4 < hi


def test_forecast_intervals_are_calibrated_on_a_steady_trend():
    # residual scatter dominates: a 90% interval should cover about 90% of new observations
    rng = np.random.default_rng(3)
    t = np.arange(1990, 2010, 0.25)
    z = 2 + 0.3 * (t - 1990) + 0.3 * rng.standard_normal(t.size)
    tf = fit_trend(_series(t, np.exp(z)), "exponential", n_boot=100, seed=0)
    tn = np.arange(2010, 2013, 0.01)
    held = _series(tn, np.exp(2 + 0.3 * (tn - 1990) + 0.3 * rng.standard_normal(tn.size)))
    sc = score_forecast(tf, held, n=800, seed=1)
    assert 0.84 < sc.summary()["coverage"] < 0.96
    assert abs(sc.summary()["bias"]) < 0.05


@pytest.mark.parametrize(("n_boot", "message"), [(1, "n_boot=1"), (-3, "n_boot=-3")])
def test_fit_trend_rejects_bad_bootstrap_counts(n_boot, message):
    s = _series(np.arange(2000, 2010.0), np.arange(1, 11.0))
    with pytest.raises(ValueError, match=message):
        fit_trend(s, "exponential", n_boot=n_boot)


def test_model_names_are_checked_per_scale():
    s = _series(np.arange(2000, 2010.0), np.arange(1, 11.0), scale="linear")
    with pytest.raises(ValueError, match="'exponential' is the steady model of scale='log'; on scale='linear' it is 'linear'"):
        fit_trend(s, "exponential")
    with pytest.raises(ValueError, match="on scale='linear' the models are"):
        compare_trends(s, models="gompertz")


def test_too_few_points_for_a_model_is_an_error():
    s = _series(np.arange(2000, 2005.0), np.arange(1, 6.0))
    with pytest.raises(ValueError, match="piecewise model has 4 parameters and needs at least 6"):
        fit_trend(s, "piecewise")


# -- CRPS ---------------------------------------------------------------------------------------


def test_crps_of_a_large_normal_ensemble_matches_the_closed_form():
    # Gneiting & Raftery (2007), eq. 5: CRPS(N(mu, s^2), y) = s [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]
    rng = np.random.default_rng(0)
    mu, s = 1.0, 2.0
    ens = mu + s * rng.standard_normal((40_000, 1))
    for y in (-3.0, 1.0, 2.5):
        z = (y - mu) / s
        exact = s * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert crps_ensemble(ens, np.array([y]))[0] == pytest.approx(exact, rel=0.01)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    ens = np.full((7, 2), 3.0)
    np.testing.assert_allclose(crps_ensemble(ens, np.array([1.0, 3.0])), [2.0, 0.0])


def test_crps_rewards_calibration_over_false_sharpness():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(2000)
    calibrated = rng.standard_normal((500, 1)) * np.ones((1, y.size))
    overconfident = 0.1 * rng.standard_normal((500, 1)) * np.ones((1, y.size))
    assert crps_ensemble(calibrated, y).mean() < crps_ensemble(overconfident, y).mean()


# -- slowdown test --------------------------------------------------------------------------------


def test_slowdown_test_holds_its_size_on_steady_trends():
    rng = np.random.default_rng(5)
    t = np.arange(1990, 2015, 0.5)
    rejections = 0
    n = 40
    for i in range(n):
        z = 0.3 * (t - 1990) + 0.3 * rng.standard_normal(t.size)
        rejections += slowdown_test(_series(t, np.exp(z)), n_boot=99, seed=i).detected
    # nominal 5%: at most 6 of 40 rejections (binomial upper tail ~1%)
    assert rejections <= 6


def test_slowdown_test_finds_a_plateau_and_its_year():
    rng = np.random.default_rng(6)
    t = np.arange(1990, 2015, 0.5)
    z = np.where(t < 2004, 0.3 * (t - 2004), 0.0) + 0.15 * rng.standard_normal(t.size)
    res = slowdown_test(_series(t, np.exp(z)), n_boot=199, seed=0)
    assert res.detected and res.p_value < 0.01
    assert abs(res.break_year - 2004) <= 1.0
    assert res.growth_before == pytest.approx(math.exp(0.3), rel=0.05)
    assert res.growth_after == pytest.approx(1.0, abs=0.05)
    # an acceleration is not a slowdown (one-sided)
    fast = slowdown_test(_series(t, np.exp(-z)), n_boot=199, seed=0)
    assert not fast.detected
    json.dumps(res.to_dict())


def test_slowdown_test_rejects_series_too_short_and_bad_options():
    s = _series(np.arange(2000, 2007.0), np.arange(1, 8.0))
    with pytest.raises(ValueError, match="no candidate break"):
        slowdown_test(s)
    s = _series(np.arange(2000, 2020.0), np.arange(1, 21.0))
    with pytest.raises(ValueError, match="n_boot=10"):
        slowdown_test(s, n_boot=10)
    with pytest.raises(ValueError, match="confidence"):
        slowdown_test(s, confidence=95)


# -- comparison --------------------------------------------------------------------------------------


def test_compare_trends_prefers_the_broken_trend_on_a_plateau():
    rng = np.random.default_rng(7)
    t = np.arange(1985, 2020, 0.5)
    z = np.where(t < 2005, 0.35 * (t - 2005), 0.0) + 8 + 0.1 * rng.standard_normal(t.size)
    cmp = compare_trends({"year": t, "mhz": np.exp(z)}, date_column="year", value_column="mhz", n_boot=40, n_test=199, seed=0)
    w = cmp.akaike_weights()
    assert sum(w.values()) == pytest.approx(1.0)
    assert w["exponential"] < 1e-6
    assert cmp.best_out_of_sample in ("piecewise", "logistic")
    sc = {m: s.summary() for m, s in cmp.scores.items()}
    assert sc["exponential"]["bias"] > 0.5  # the steady trend overshoots the plateau by decades
    assert cmp.test is not None and cmp.test.detected
    fc = cmp.forecast([2030.0])
    assert set(fc["model"]) == {"exponential", "logistic", "piecewise"}
    d = cmp.to_dict()
    json.dumps(d)
    assert d["out_of_sample"]["n_train"] + d["out_of_sample"]["n_test"] == t.size
    assert "[[Out of sample]]" in cmp.report()
