"""Standard errors: the robust sandwich against the bootstrap and against a Monte Carlo of the estimator.

(The classical least-squares errors are checked against NIST's certified standard
deviations in test_nist.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalewatch import bootstrap, datasets, fit, laws


def _spread(law, params, samples):
    """SD of each parameter in the parameterisation the search uses (log for coefficients like A, B)."""
    out = {}
    for prm in law.parameters:
        v = np.asarray(samples[prm.name], dtype=float)
        out[prm.name] = np.std(np.log(v)) if prm.scale == "log" else np.std(v)
    return out


def _se(law, result):
    return {
        prm.name: result.stderr[prm.name] / (result.params[prm.name] if prm.scale == "log" else 1.0)
        for prm in law.parameters
    }


@pytest.mark.slow
def test_robust_standard_errors_match_the_bootstrap_on_chinchilla(mirror):
    """The Huber fit's SEs are within 30% of the run bootstrap's SD for every parameter (the
    old sandwich, with psi(r)/r in the bread, gave alpha +/-0.0046 against a bootstrap SD of 0.015)."""
    runs = datasets.load("chinchilla-hoffmann2022").runs.runs.sort_values("loss").iloc[:-5]
    law = laws.Chinchilla()
    result = fit(law, runs)
    assert result.stderr_method == "sandwich"
    boot = bootstrap(result, 2000, seed=0)
    sd, se = _spread(law, result.params, boot.samples), _se(law, result)
    ratios = {k: se[k] / sd[k] for k in sd}
    assert all(0.7 < r < 1.3 for r in ratios.values()), ratios
    assert result.stderr["alpha"] > 0.01  # not the 3x-too-small 0.0046


@pytest.mark.slow
def test_robust_standard_errors_are_calibrated_in_a_monte_carlo():
    """On a Chinchilla-like grid with i.i.d. log-normal noise and Huber delta = 1e-3 (much
    smaller than the noise), the median SE of each parameter is within 20% of the spread of
    the estimates over 120 simulated datasets."""
    truth = dict(E=1.8, A=450.0, B=2000.0, alpha=0.34, beta=0.36)
    N, D = np.meshgrid(np.geomspace(5e7, 1e10, 10), np.geomspace(5e9, 5e11, 10))
    N, D = N.ravel(), D.ravel()
    law = laws.Chinchilla()
    clean = law(np.c_[N, D], **truth)
    rng = np.random.default_rng(0)
    estimates, ses = [], []
    for _ in range(120):
        runs = pd.DataFrame({"params": N, "tokens": D, "loss": clean * np.exp(0.006 * rng.standard_normal(N.size))})
        r = fit(law, runs)
        estimates.append({k: r.params[k] for k in r.params})
        ses.append(_se(law, r))
    sd = _spread(law, truth, {k: [e[k] for e in estimates] for k in truth})
    for k in truth:
        median_se = float(np.median([s[k] for s in ses]))
        assert median_se == pytest.approx(sd[k], rel=0.2), (k, median_se, sd[k])


def test_least_squares_errors_are_classical():
    """For least squares the SEs are s^2 (J'J)^-1, computed here independently by finite differences."""
    x = np.linspace(1.0, 10.0, 30)
    rng = np.random.default_rng(1)
    y = 3.0 * x**-0.5 + 0.5 + 0.01 * rng.standard_normal(x.size)
    law = laws.custom(lambda x, a, b, c: a * x**-b + c, inputs=("x",), bounds={"a": (0, 10), "b": (0, 2), "c": (0, 2)})
    r = fit(law, {"x": x, "loss": y}, loss="lsq", space="linear")
    assert r.stderr_method == "classical"
    theta = np.array([r.params[k] for k in ("a", "b", "c")])

    def model(t):
        return t[0] * x ** -t[1] + t[2]

    J = np.column_stack([(model(theta + e) - model(theta - e)) / (2 * 1e-6) for e in np.eye(3) * 1e-6])
    s2 = np.sum((y - model(theta)) ** 2) / (x.size - 3)
    expected = np.sqrt(np.diag(s2 * np.linalg.inv(J.T @ J)))
    np.testing.assert_allclose([r.stderr[k] for k in ("a", "b", "c")], expected, rtol=1e-5)
