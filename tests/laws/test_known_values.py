"""Published reference values and limiting cases of the catalogue's laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalewatch import laws

CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. (2022), eq. 10


def test_chinchilla_published_constants_give_the_papers_loss_for_chinchilla():
    # Hoffmann et al. (2022): Chinchilla, 70B parameters on 1.4T tokens, L ~ 1.937
    loss = laws.Chinchilla().predict({"N": [70e9], "D": [1.4e12]}, CHINCHILLA)
    assert loss[0] == pytest.approx(1.937, abs=5e-4)


@pytest.mark.parametrize(
    ("law", "column", "x"),
    [
        (laws.KaplanN(), "N", 1e9),
        (laws.KaplanD(), "D", 1e11),
        (laws.KaplanC(), "C", 1e23),
    ],
)
def test_kaplan_single_input_laws_with_published_constants(law, column, x):
    xc, alpha = law.published.values()
    expected = (xc / x) ** alpha  # the paper's form, evaluated independently
    assert law.predict({column: [x]}, law.published)[0] == pytest.approx(expected, rel=1e-13)
    # at X = Xc the loss is exactly 1 nat
    assert law.predict({column: [xc]}, law.published)[0] == pytest.approx(1.0, rel=1e-15)


def test_kaplan_published_values():
    assert dict(laws.KaplanN.published) == {"Nc": 8.8e13, "alphaN": 0.076}
    assert dict(laws.KaplanD.published) == {"Dc": 5.4e13, "alphaD": 0.095}
    assert dict(laws.KaplanC.published_pf_days) == {"Cc": 3.1e8, "alphaC": 0.050}
    assert laws.KaplanC.published["Cc"] == pytest.approx(3.1e8 * 8.64e19)
    assert dict(laws.KaplanND.published) == {"Nc": 6.4e13, "Dc": 1.8e13, "alphaN": 0.076, "alphaD": 0.103}


def test_kaplan_c_in_flop_equals_kaplan_c_in_pf_days():
    law = laws.KaplanC()
    C_flop = np.logspace(18, 25, 8)
    in_flop = law.predict({"C": C_flop}, law.published)
    in_pf_days = law.predict({"C": C_flop / laws.PF_DAY}, law.published_pf_days)
    np.testing.assert_allclose(in_flop, in_pf_days, rtol=1e-13)


def test_kaplan_nd_reduces_to_the_single_input_laws():
    law = laws.KaplanND()
    p = dict(law.published)
    N = np.logspace(6, 11, 6)
    huge = np.full_like(N, 1e200)
    # D -> infinity: L(N) = (Nc / N)^alphaN
    np.testing.assert_allclose(law.predict({"N": N, "D": huge}, p), (p["Nc"] / N) ** p["alphaN"], rtol=1e-12)
    # N -> infinity: L(D) = (Dc / D)^alphaD
    D = np.logspace(8, 12, 6)
    np.testing.assert_allclose(law.predict({"N": huge, "D": D}, p), (p["Dc"] / D) ** p["alphaD"], rtol=1e-12)
    # in between, the paper's formula evaluated directly
    n, d = 1e9, 1e10
    direct = ((p["Nc"] / n) ** (p["alphaN"] / p["alphaD"]) + p["Dc"] / d) ** p["alphaD"]
    assert law.predict({"N": [n], "D": [d]}, p)[0] == pytest.approx(direct, rel=1e-13)


# -- data-constrained law (Muennighoff et al. 2023) ------------------------------


def test_data_constrained_matches_the_authors_reference_values():
    # README of github.com/huggingface/datablations, "Parametric Fit": the two models of Figure 1 (right)
    law = laws.DataConstrained()
    data = {"N": [6.34e9, 8.67e9], "D": [242e9, 178e9], "U_D": [25e9, 25e9]}
    np.testing.assert_allclose(
        law.predict(data, law.published), [2.2256440889984477, 2.2269634075087867], rtol=1e-12
    )


def test_data_constrained_published_constants():
    p = laws.DataConstrained.published
    # rounded in the paper: R_D* = 15.4, R_N* = 5.3, E = 1.87, A = 521, B = 1488, alpha = beta = 0.353
    assert p["R_D_star"] == pytest.approx(15.4, abs=0.05)
    assert p["R_N_star"] == pytest.approx(5.3, abs=0.05)
    assert (p["E"], p["A"], p["B"]) == pytest.approx((1.87, 521.0, 1488.0), rel=2e-3)
    assert p["alpha"] == p["beta"] == pytest.approx(0.353, abs=1e-3)


def _n_opt(p, U):
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
    return G * (G * U) ** (p["beta"] / p["alpha"])


@pytest.mark.parametrize("base", [CHINCHILLA, {k: laws.DataConstrained.published[k] for k in CHINCHILLA}])
def test_data_constrained_with_one_epoch_equals_chinchilla(base):
    D = np.logspace(9, 13, 9)
    N = 0.5 * _n_opt(base, D)  # at most the compute-optimal size for D tokens: no excess parameters
    theta = {**base, "R_D_star": 15.4, "R_N_star": 5.3}
    dc = laws.DataConstrained().predict({"N": N, "D": D, "U_D": D}, theta)
    chin = laws.Chinchilla().predict({"N": N, "D": D}, base)
    np.testing.assert_allclose(dc, chin, rtol=1e-13)


def test_excess_parameters_are_worth_less_than_under_chinchilla():
    base = {k: laws.DataConstrained.published[k] for k in CHINCHILLA}
    theta = dict(laws.DataConstrained.published)
    D = np.full(4, 1e10)
    N = _n_opt(base, D) * np.array([2.0, 10.0, 100.0, 1e4])
    dc = laws.DataConstrained().predict({"N": N, "D": D, "U_D": D}, theta)
    chin = laws.Chinchilla().predict({"N": N, "D": D}, base)
    assert np.all(dc > chin)
    # N' saturates at U_N (1 + R_N*): the loss stops improving with N
    n_eff, _ = laws.DataConstrained().effective_counts({"N": N, "D": D, "U_D": D}, theta)
    np.testing.assert_allclose(n_eff[-1], _n_opt(base, 1e10) * (1 + theta["R_N_star"]), rtol=1e-6)


def test_effective_data_saturates_at_unique_times_one_plus_rd_star():
    law = laws.DataConstrained()
    theta = dict(law.published)
    U = 1e9
    epochs = np.array([1.0, 2.0, 10.0, 100.0, 1e4, 1e7])
    data = {"N": np.full(6, 1e8), "D": U * epochs, "U_D": np.full(6, U)}
    _, d_eff = law.effective_counts(data, theta)
    assert d_eff[0] == U  # one epoch: every token is fresh
    limit = U * (1 + theta["R_D_star"])
    assert np.all(np.diff(d_eff[:4]) > 0) and np.all(d_eff[:4] < limit)  # up to 100 epochs repeats still help
    np.testing.assert_allclose(d_eff[4:], limit, rtol=1e-14)  # beyond, D' has reached U_D (1 + R_D*)
    # a few repetitions are worth almost as much as fresh data: D' = D - U R_D^2 / (2 R_D*) + ...
    R = 1e-3
    _, d_small = law.effective_counts({"N": [1e8], "D": [U * (1 + R)], "U_D": [U]}, theta)
    assert d_small[0] == pytest.approx(U * (1 + R - R * R / (2 * theta["R_D_star"])), rel=1e-12)
    # and the loss converges to the value at D'
    loss = law.predict(data, theta)
    N_eff, _ = law.effective_counts(data, theta)
    expect = theta["E"] + theta["A"] / N_eff[-1] ** theta["alpha"] + theta["B"] / limit ** theta["beta"]
    assert loss[-1] == pytest.approx(expect, rel=1e-12)


def test_data_constrained_fixed_base_equals_joint_law_at_the_same_values():
    p = dict(laws.DataConstrained.published)
    base = {k: p[k] for k in CHINCHILLA}
    data = {"N": [1e8, 3e9, 1e11], "D": [1e10, 1e11, 5e11], "U_D": [1e9, 1e10, 5e11]}
    joint = laws.DataConstrained().predict(data, p)
    staged = laws.DataConstrained(fixed=base).predict(data, {"R_D_star": p["R_D_star"], "R_N_star": p["R_N_star"]})
    tied = laws.DataConstrained(tied=True).predict(data, {k: v for k, v in p.items() if k != "beta"})
    np.testing.assert_allclose(staged, joint, rtol=1e-15)
    np.testing.assert_allclose(tied, joint, rtol=1e-15)  # the published fit has alpha == beta


# -- broken neural scaling law --------------------------------------------------------


@pytest.mark.parametrize("n_breaks", [1, 2, 3])
def test_bnsl_without_effective_breaks_is_a_saturating_power_law(n_breaks):
    law = laws.BrokenPowerLaw(n_breaks)
    x = np.logspace(2, 14, 25)
    theta = {"a": 0.3, "b": 50.0, "c0": 0.25}
    for i in range(1, n_breaks + 1):
        theta |= {f"c{i}": 0.0, f"d{i}": 10.0 ** (3 * i + 2), f"f{i}": 0.1 * i}
    expected = laws.SaturatingPowerLaw().predict({"x": x}, {"E": 0.3, "A": 50.0, "alpha": 0.25})
    np.testing.assert_allclose(law.predict({"x": x}, theta), expected, rtol=1e-14)
    np.testing.assert_allclose(expected, 0.3 + 50.0 * x**-0.25, rtol=1e-14)


def test_bnsl_matches_equation_1_evaluated_directly():
    law = laws.BrokenPowerLaw(2)
    x = np.logspace(2, 12, 11)
    t = {"a": 0.4, "b": 3e2, "c0": 0.2, "c1": 0.5, "d1": 1e5, "f1": 0.7, "c2": -0.3, "d2": 1e9, "f2": 0.2}
    part = t["b"] * x ** -t["c0"]
    for i in (1, 2):
        c, d, f = t[f"c{i}"], t[f"d{i}"], t[f"f{i}"]
        part = part * (1 + (x / d) ** (1 / f)) ** (-c * f)
    np.testing.assert_allclose(law.predict({"x": x}, t), t["a"] + part, rtol=1e-13)


def test_bnsl_slopes_before_and_after_a_sharp_break():
    law = laws.BrokenPowerLaw(1)
    t = {"a": 0.0, "b": 1e2, "c0": 0.2, "c1": 0.5, "d1": 1e8, "f1": 0.05}
    x = np.array([1e3, 1e4, 1e12, 1e13])
    y = law.predict({"x": x}, t)
    slope_before = np.log(y[1] / y[0]) / np.log(10)
    slope_after = np.log(y[3] / y[2]) / np.log(10)
    assert slope_before == pytest.approx(-0.2, abs=1e-9)
    assert slope_after == pytest.approx(-0.7, abs=1e-9)


def test_bnsl_extreme_parameters_stay_finite_without_warnings():
    law = laws.BrokenPowerLaw(1)
    x = {"x": np.logspace(-3, 20, 12)}
    extreme = [0.1, 1e300, 3.0, -3.0, 1e-300, 1e-6]  # exponent far above exp's range
    pred = law.predict(x, extreme)
    J = law.jacobian(x, extreme)
    assert np.all(np.isfinite(pred)) and np.all(np.isfinite(J))
    sharp = [0.1, 1.0, 0.5, 0.5, 1e5, 1e-8]  # f -> 0: a step in slope, no overflow in the softplus
    assert np.all(np.isfinite(law.jacobian(x, sharp)))


# -- sigmoid -----------------------------------------------------------------------------


def test_sigmoid_midpoint_and_limits():
    law = laws.Sigmoid()
    t = {"floor": 0.25, "ceiling": 0.85, "k": 4.0, "x0": 22.0}
    y = law.predict({"x": [22.0, -1e6, 1e6]}, t)
    np.testing.assert_allclose(y, [0.55, 0.25, 0.85], rtol=1e-15)
    # decreasing in x (x = loss): floor reached at large loss
    down = laws.Sigmoid(floor=0.25, increasing=False)
    y = down.predict({"x": [2.0, 1e6, -1e6]}, {"ceiling": 0.85, "k": 4.0, "x0": 2.0})
    np.testing.assert_allclose(y, [0.55, 0.25, 0.85], rtol=1e-15)
    assert law.positive is False and down.output == "score"


def test_sigmoid_with_fixed_floor_equals_free_floor_at_that_value():
    x = {"x": np.linspace(0.0, 6.0, 13)}
    fixed = laws.Sigmoid(floor=0.25).predict(x, {"ceiling": 0.9, "k": 1.3, "x0": 3.0})
    free = laws.Sigmoid().predict(x, {"floor": 0.25, "ceiling": 0.9, "k": 1.3, "x0": 3.0})
    np.testing.assert_array_equal(fixed, free)
    direct = 0.25 + 0.65 / (1 + np.exp(-1.3 * (x["x"] - 3.0)))
    np.testing.assert_allclose(fixed, direct, rtol=1e-14)


def test_power_laws_known_values():
    x = np.array([1.0, 10.0, 1e6])
    np.testing.assert_allclose(laws.PowerLaw().predict({"x": x}, [5.0, 0.5]), 5.0 * x**-0.5, rtol=1e-14)
    np.testing.assert_allclose(
        laws.SaturatingPowerLaw().predict({"x": x}, [1.5, 5.0, 0.5]), 1.5 + 5.0 * x**-0.5, rtol=1e-14
    )
    assert math.isclose(laws.PowerLaw().predict({"x": [4.0]}, [3.0, -1.0])[0], 12.0, rel_tol=1e-14)
