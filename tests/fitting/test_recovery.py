"""Parameter recovery on synthetic data: every law of the catalogue crossed with every loss.

Each law gets a design and true parameters; the targets carry small seeded
noise of known size sigma (multiplicative, i.e. Gaussian on log scale, for
positive laws; additive for the sigmoid and the custom law). The tolerance of
each parameter is derived from that noise, not tuned: the least-squares
standard error at the truth is

    se = sigma * sqrt(diag((J^T J)^-1)),

with J the Jacobian of the residuals in the space the fit uses (log or
linear). We require |estimate - truth| <= 6 se. Huber's loss with
delta >= sigma keeps more than 80% of least squares' efficiency, so its
errors are at most ~1.1 se: six of them leave a probability below 1e-8 of
a spurious failure per parameter. We also require se / |truth| <= 0.1, so
that the design really pins every parameter and the check is not vacuous.

The fits use the default global search (``starts=None``), as a user would.
Breaks of a broken power law are compared after sorting by location, since
relabelling breaks gives the same curve.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from scalewatch import fit, laws
from scalewatch.fitting import HuberLikelihood

LOSSES = ("lsq", "huber", "huber_likelihood")
SIGMA = 1e-3


def _grid(*axes):
    mesh = np.meshgrid(*axes, indexing="ij")
    return [m.ravel() for m in mesh]


def _nd(n_lo, n_hi, d_lo, d_hi, k=7):
    N, D = _grid(np.geomspace(10**n_lo, 10**n_hi, k), np.geomspace(10**d_lo, 10**d_hi, k))
    return {"N": N, "D": D}


def _repeats():
    N, U, ep = _grid(np.geomspace(1e7, 3e10, 7), np.geomspace(1e8, 1e11, 6), np.array([1.0, 2.0, 5.0, 15.0, 40.0, 100.0]))
    return {"N": N, "D": U * ep, "U_D": U}


def _decay(x, b1, b2, b3):
    return b1 * np.exp(-b2 * x) + b3


X1 = {"x": np.geomspace(1e3, 1e12, 40)}
DC_TRUTH = dict(laws.DataConstrained.published)

# name -> (law, design, truth)
CASES = {
    "power_law": (laws.PowerLaw(), X1, {"A": 300.0, "alpha": 0.25}),
    "saturating_power_law": (laws.SaturatingPowerLaw(), X1, {"E": 1.8, "A": 300.0, "alpha": 0.3}),
    "kaplan_n": (laws.KaplanN(), {"N": np.geomspace(1e6, 1e11, 30)}, dict(laws.KaplanN.published)),
    "kaplan_d": (laws.KaplanD(), {"D": np.geomspace(1e7, 1e12, 30)}, dict(laws.KaplanD.published)),
    "kaplan_c": (laws.KaplanC(), {"C": np.geomspace(1e17, 1e24, 30)}, dict(laws.KaplanC.published)),
    "kaplan_nd": (laws.KaplanND(), _nd(6, 11, 7, 12), dict(laws.KaplanND.published)),
    "chinchilla": (laws.Chinchilla(), _nd(7, 10.5, 8.5, 12.5), {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}),
    "chinchilla_tied": (laws.Chinchilla(tied=True), _nd(7, 10.5, 8.5, 12.5), {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.3}),
    "data_constrained": (laws.DataConstrained(), _repeats(), DC_TRUTH),
    "data_constrained_fixed_base": (
        laws.DataConstrained(fixed={k: DC_TRUTH[k] for k in ("E", "A", "B", "alpha", "beta")}),
        _repeats(),
        {"R_D_star": DC_TRUTH["R_D_star"], "R_N_star": DC_TRUTH["R_N_star"]},
    ),
    "bnsl_1": (laws.BrokenPowerLaw(1), X1, {"a": 0.5, "b": 200.0, "c0": 0.1, "c1": 0.3, "d1": 1e7, "f1": 0.5}),
    "bnsl_2": (
        laws.BrokenPowerLaw(2),
        {"x": np.geomspace(1e2, 1e14, 60)},
        {"a": 0.5, "b": 200.0, "c0": 0.1, "c1": 0.3, "d1": 1e5, "f1": 0.4, "c2": -0.2, "d2": 1e10, "f2": 0.4},
    ),
    "bnsl_3": (
        laws.BrokenPowerLaw(3),
        {"x": np.geomspace(1e1, 1e16, 90)},
        {
            "a": 0.5, "b": 200.0, "c0": 0.1,
            "c1": 0.3, "d1": 1e4, "f1": 0.3,
            "c2": -0.2, "d2": 1e8, "f2": 0.3,
            "c3": 0.25, "d3": 1e12, "f3": 0.3,
        },
    ),  # fmt: skip
    "sigmoid": (laws.Sigmoid(), {"x": np.linspace(17.0, 27.0, 41)}, {"floor": 0.25, "ceiling": 0.85, "k": 1.2, "x0": 22.0}),
    "sigmoid_fixed_floor": (
        laws.Sigmoid(floor=0.25, increasing=False),
        {"x": np.linspace(1.5, 4.5, 31)},
        {"ceiling": 0.8, "k": 3.0, "x0": 2.8},
    ),
    "custom": (
        laws.custom(
            _decay,
            bounds={"b1": (0.0, np.inf), "b2": (0.0, np.inf), "b3": (-np.inf, np.inf)},
            grid={"b1": [1.0, 10.0], "b2": [0.1, 1.0], "b3": [0.0, 1.0]},
            scale={"b1": "log", "b2": "log"},
        ),
        {"x": np.linspace(0.0, 8.0, 33)},
        {"b1": 3.0, "b2": 0.6, "b3": 0.4},
    ),
}


def _synthetic(law, design, truth, seed):
    """Targets with noise of size SIGMA in the space the fit will use."""
    rng = np.random.default_rng(seed)
    clean = law.predict(design, truth)
    z = SIGMA * rng.standard_normal(clean.shape)
    if law.positive:
        return clean * np.exp(z), "log"
    return clean + z, "linear"


def _expected_se(law, design, truth, space):
    J = law.jacobian(design, truth)
    if space == "log":
        J = J / law.predict(design, truth)[:, None]
    cov = np.linalg.inv(J.T @ J)
    return SIGMA * np.sqrt(np.diag(cov))


def _canonical(law, theta):
    """Breaks of a broken power law sorted by location (relabelling breaks leaves the curve unchanged)."""
    theta = np.asarray(theta, dtype=np.float64)
    if not isinstance(law, laws.BrokenPowerLaw):
        return theta
    blocks = theta[3:].reshape(law.n_breaks, 3)  # rows (c_i, d_i, f_i)
    return np.concatenate([theta[:3], blocks[np.argsort(blocks[:, 1])].ravel()])


@functools.cache
def _huber_scale_constants(delta):
    """For Gaussian noise of sd sigma: the Huber-likelihood scale's limit c sigma, and its asymptotic
    relative sd kappa / sqrt(n) (M-estimator of scale, Huber & Ronchetti 2009, section 5.2)."""

    def expect(f, c):
        return integrate.quad(lambda z: f(z, c) * stats.norm.pdf(z), -12, 12, points=[-delta * c, delta * c], limit=200)[0]

    def chi(z, c):  # psi(z/c) z/c - 1
        return min(z * z / (c * c), delta * abs(z) / c) - 1.0

    c = optimize.brentq(lambda c: expect(chi, c), 0.05, 5.0)
    slope = expect(lambda z, c: -2 * z * z / c**3 if abs(z) <= delta * c else -delta * abs(z) / c**2, c)
    kappa = np.sqrt(expect(lambda z, c: chi(z, c) ** 2, c)) / abs(c * slope)
    return c, kappa


# Failures of the engine seen with this data (tolerances unchanged), each pinned to the exception
# it raises; strict, so that a fix shows up as an unexpected pass and the entry is removed.
# (None at present: bnsl_2 with least squares stalled until the profile search also took the
# law's own starting grid, and was listed here as a strict xfail.)
KNOWN_FAILURES: dict[tuple[str, str], tuple[object, str]] = {}


def _case(case, loss):
    known = KNOWN_FAILURES.get((case, loss))
    marks = [pytest.mark.xfail(strict=True, raises=known[0], reason=known[1])] if known else []
    return pytest.param(case, loss, marks=marks, id=f"{case}-{loss}")


@pytest.mark.parametrize(("case", "loss"), [_case(c, loss) for c in sorted(CASES) for loss in LOSSES])
def test_parameters_are_recovered_within_the_noise(case, loss):
    law, design, truth = CASES[case]
    seed = sorted(CASES).index(case)  # same data for every loss
    y, space = _synthetic(law, design, truth, seed)
    se = _expected_se(law, design, truth, space)
    theta = law.theta_array(truth)
    assert np.all(se / np.abs(theta) <= 0.1), f"design too weak for {case}: se/|truth| = {se / np.abs(theta)}"

    result = fit(law, {**design, law.output: y}, loss=loss, space=space, seed=seed)

    assert result.status == "converged", result.message
    z = np.abs(_canonical(law, result.theta) - theta) / se
    assert np.all(z <= 6.0), f"{case}/{loss}: errors in units of se {dict(zip(law.param_names, z.round(2)))}"
    if loss == "huber_likelihood":
        # the profiled scale estimates c(delta) sigma, shrunk by the fitted parameters as for least squares
        n, p = len(y), law.n_params
        c, kappa = _huber_scale_constants(HuberLikelihood().delta)
        expected = c * SIGMA * np.sqrt((n - p) / n)
        assert abs(np.log(result.scale / expected)) <= 5 * kappa / np.sqrt(n), (result.scale, expected)
