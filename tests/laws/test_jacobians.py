"""Analytic Jacobians of every law against finite differences, single and batched.

The reference is a five-point central difference in natural units (truncation
error O(h^4), h = 1e-3 of the parameter's magnitude), accurate to ~1e-11
relative here, so the asserted 1e-6 column-wise relative error tests the
formulas, not the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from scalewatch import laws

def _nd_grid(n_lo, n_hi, d_lo, d_hi, k=5):
    N, D = np.meshgrid(np.logspace(n_lo, n_hi, k), np.logspace(d_lo, d_hi, k), indexing="ij")
    return {"N": N.ravel(), "D": D.ravel()}


def _repeated_runs():
    """N x U_D x epochs, chosen so that some rows have excess parameters (N > N_opt(U_D))."""
    N, U, ep = np.meshgrid(np.logspace(7, 12, 6), np.logspace(7, 11, 5), np.array([1.0, 4.0, 40.0]), indexing="ij")
    return {"N": N.ravel(), "D": (U * ep).ravel(), "U_D": U.ravel()}


def _exp_decay(x, b1, b2, b3):
    return b1 * np.exp(-b2 * x) + b3


def _logistic(x, b1, b2, b3):
    return b1 * expit(b2 * (x - b3))  # expit has no complex loop: the law falls back to central differences


X1 = np.logspace(3, 12, 19)
CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
DC = dict(laws.DataConstrained.published)

CASES = {
    "power_law": (laws.PowerLaw(), {"x": X1}, {"A": 1e3, "alpha": 0.3}),
    "power_law_named_input": (laws.PowerLaw(inputs="N"), {"N": X1}, {"A": 50.0, "alpha": -0.2}),
    "saturating": (laws.SaturatingPowerLaw(), {"x": X1}, {"E": 1.7, "A": 400.0, "alpha": 0.3}),
    "kaplan_n": (laws.KaplanN(), {"N": np.logspace(6, 11, 11)}, dict(laws.KaplanN.published)),
    "kaplan_d": (laws.KaplanD(), {"D": np.logspace(8, 12, 11)}, dict(laws.KaplanD.published)),
    "kaplan_c": (laws.KaplanC(), {"C": np.logspace(17, 24, 11)}, dict(laws.KaplanC.published)),
    "kaplan_nd": (laws.KaplanND(), _nd_grid(6, 11, 7, 12), dict(laws.KaplanND.published)),
    "chinchilla": (laws.Chinchilla(), _nd_grid(7, 11, 9, 13), CHINCHILLA),
    "chinchilla_tied": (
        laws.Chinchilla(tied=True),
        _nd_grid(7, 11, 9, 13),
        {k: v for k, v in CHINCHILLA.items() if k != "beta"},
    ),
    "data_constrained": (laws.DataConstrained(), _repeated_runs(), DC),
    "data_constrained_tied": (
        laws.DataConstrained(tied=True),
        _repeated_runs(),
        {k: v for k, v in DC.items() if k != "beta"},
    ),
    "data_constrained_fixed_base": (
        laws.DataConstrained(fixed={k: DC[k] for k in ("E", "A", "B", "alpha", "beta")}),
        _repeated_runs(),
        {"R_D_star": 15.4, "R_N_star": 5.3},
    ),
    "data_constrained_fixed_some": (
        laws.DataConstrained(fixed={"E": 1.9, "R_N_star": 5.3}),
        _repeated_runs(),
        {k: v for k, v in DC.items() if k not in ("E", "R_N_star")},
    ),
    "bnsl_1": (
        laws.BrokenPowerLaw(1),
        {"x": X1},
        {"a": 0.5, "b": 1e3, "c0": 0.3, "c1": 0.4, "d1": 1e7, "f1": 0.5},
    ),
    "bnsl_2": (
        laws.BrokenPowerLaw(2),
        {"x": X1},
        {"a": 0.5, "b": 1e3, "c0": 0.3, "c1": 0.4, "d1": 1e6, "f1": 0.5, "c2": -0.2, "d2": 1e10, "f2": 0.3},
    ),
    "bnsl_3": (
        laws.BrokenPowerLaw(3),
        {"x": X1},
        {
            "a": 0.5, "b": 1e3, "c0": 0.3,
            "c1": 0.4, "d1": 1e5, "f1": 0.5,
            "c2": -0.2, "d2": 1e8, "f2": 0.3,
            "c3": 0.3, "d3": 1e11, "f3": 1.0,
        },
    ),
    "sigmoid": (laws.Sigmoid(), {"x": np.linspace(1.0, 5.0, 17)}, {"floor": 0.2, "ceiling": 0.9, "k": 2.0, "x0": 3.0}),
    "sigmoid_fixed_floor_decreasing": (
        laws.Sigmoid(floor=0.25, increasing=False),
        {"x": np.linspace(1.5, 4.5, 13)},
        {"ceiling": 0.8, "k": 3.0, "x0": 2.8},
    ),
    "custom_complex_step": (
        laws.custom(_exp_decay, bounds={"b1": (0, np.inf), "b2": (0, np.inf), "b3": (-np.inf, np.inf)}),
        {"x": np.linspace(0.0, 5.0, 11)},
        {"b1": 2.0, "b2": 0.7, "b3": 0.3},
    ),
    "custom_fallback": (
        laws.custom(_logistic, bounds={"b1": (0, np.inf), "b2": (0, np.inf), "b3": (-np.inf, np.inf)}),
        {"x": np.linspace(0.0, 5.0, 11)},
        {"b1": 2.0, "b2": 1.5, "b3": 2.5},
    ),
    "custom_central": (
        laws.custom(_exp_decay, bounds={"b1": (0, np.inf), "b2": (0, np.inf), "b3": (-np.inf, np.inf)},
                    scale={"b2": "log"}, derivative="central"),
        {"x": np.linspace(0.0, 5.0, 11)},
        {"b1": 2.0, "b2": 0.7, "b3": 0.3},
    ),
}  # fmt: skip


def random_points(law: laws.Law, center: dict, k: int, rng: np.random.Generator) -> np.ndarray:
    """k parameter vectors (k, p) scattered around ``center``, inside the bounds."""
    out = np.empty((k, law.n_params))
    for j, p in enumerate(law.parameters):
        c = center[p.name]
        if p.scale == "log":
            v = c * np.exp(0.2 * rng.standard_normal(k))
        else:
            v = c + 0.1 * max(abs(c), 0.1) * rng.standard_normal(k)
        out[:, j] = np.clip(v, p.lower, p.upper)
    return out


def five_point_jacobian(law: laws.Law, features, theta: np.ndarray) -> np.ndarray:
    """(n, p) by the five-point stencil, one parameter at a time."""
    cols = []
    for j, p in enumerate(law.parameters):
        h = 1e-3 * (abs(theta[j]) if p.scale == "log" else max(abs(theta[j]), 0.1))
        vals = []
        for m in (-2, -1, 1, 2):
            t = theta.copy()
            t[j] += m * h
            vals.append(law.evaluate(features, t)[0])
        cols.append((vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h))
    return np.stack(cols, axis=-1)


def _far_from_kink(law, features, theta, n) -> np.ndarray:
    """Rows where DataConstrained is smooth within the stencil: N not within 5% of N_opt(U_D)."""
    if not isinstance(law, laws.DataConstrained):
        return np.ones(n, dtype=bool)
    full = dict(law.fixed_values)
    full.update(zip(law.param_names, theta))
    if law.tied:
        full["beta"] = full["alpha"]
    log_n, log_u, _ = features
    a, b = full["alpha"], full["beta"]
    log_nopt = (np.log(a * full["A"]) - np.log(b * full["B"]) + b * log_u) / a
    return np.abs(log_n - log_nopt) > 0.05


@pytest.mark.parametrize("case", sorted(CASES))
def test_jacobian_matches_finite_differences(case):
    law, data, center = CASES[case]
    features = law.prepare(laws.as_design(law, data))
    rng = np.random.default_rng(20240601)
    for theta in random_points(law, center, 4, rng):
        pred, J = law.evaluate(features, theta, jac=True)
        assert pred.shape == (len(next(iter(data.values()))),)
        assert J.shape == pred.shape + (law.n_params,)
        J_fd = five_point_jacobian(law, features, theta)
        rows = _far_from_kink(law, features, theta, pred.shape[-1])
        err = np.abs(J - J_fd)[rows].max(axis=0)
        scale = np.abs(J_fd)[rows].max(axis=0)
        assert np.all(np.abs(J[rows]).max(axis=0) > 0), f"{case}: a Jacobian column is identically zero at {theta}"
        rel = err / scale
        assert np.all(rel < 1e-6), f"{case}: relative errors {dict(zip(law.param_names, rel))} at {theta}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_batched_theta_matches_one_at_a_time(case):
    law, data, center = CASES[case]
    features = law.prepare(laws.as_design(law, data))
    n = len(next(iter(data.values())))
    rng = np.random.default_rng(7)
    flat = random_points(law, center, 6, rng)  # (S, p)
    single = [law.evaluate(features, t, jac=True) for t in flat]
    ref_pred = np.stack([s[0] for s in single])
    ref_J = np.stack([s[1] for s in single])

    pred, J = law.evaluate(features, flat, jac=True)
    assert pred.shape == (6, n) and J.shape == (6, n, law.n_params)
    np.testing.assert_allclose(pred, ref_pred, rtol=1e-13, atol=0)
    np.testing.assert_allclose(J, ref_J, rtol=1e-9, atol=1e-12 * np.abs(ref_J).max())

    pred3, J3 = law.evaluate(features, flat.reshape(2, 3, -1), jac=True)  # (R, S, p)
    assert pred3.shape == (2, 3, n) and J3.shape == (2, 3, n, law.n_params)
    np.testing.assert_allclose(pred3.reshape(6, n), ref_pred, rtol=1e-13, atol=0)
    np.testing.assert_allclose(J3.reshape(6, n, -1), ref_J, rtol=1e-9, atol=1e-12 * np.abs(ref_J).max())

    # without jac: same predictions, no Jacobian
    pred_only, none = law.evaluate(features, flat.reshape(2, 3, -1))
    assert none is None
    np.testing.assert_array_equal(pred_only, pred3)


def test_complex_step_is_exact_to_rounding():
    law, data, _ = CASES["custom_complex_step"]
    x = data["x"]
    b1, b2, b3 = 2.0, 0.7, 0.3
    J = law.jacobian(data, [b1, b2, b3])
    exact = np.stack([np.exp(-b2 * x), -b1 * x * np.exp(-b2 * x), np.ones_like(x)], axis=-1)
    np.testing.assert_allclose(J, exact, rtol=1e-15, atol=1e-15)


def test_data_constrained_jacobian_is_continuous_across_the_excess_parameter_kink():
    law = laws.DataConstrained()
    theta = dict(laws.DataConstrained.published)
    U = 1e10
    G = (theta["alpha"] * theta["A"] / (theta["beta"] * theta["B"])) ** (1 / (theta["alpha"] + theta["beta"]))
    n_opt = G * (G * U) ** (theta["beta"] / theta["alpha"])
    data = {"N": [n_opt * (1 - 1e-9), n_opt * (1 + 1e-9)], "D": [4 * U, 4 * U], "U_D": [U, U]}
    J = law.jacobian(data, theta)
    np.testing.assert_allclose(J[0], J[1], rtol=1e-6, atol=1e-12)
