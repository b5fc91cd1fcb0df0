"""The fitting layer's shared helpers: the straight line (ols) and the quiet fit of the analyses."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from scalewatch.errors import IdentifiabilityWarning
from scalewatch.fitting import OLS, ols, quiet_fit


def test_ols_recovers_a_line_with_the_textbook_standard_error():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 10, 50)
    y = 1.5 + 0.7 * x + rng.normal(0, 0.3, x.size)
    line = ols(x, y)
    assert isinstance(line, OLS) and line.n == 50
    slope, intercept = np.polyfit(x, y, 1)
    assert (line.slope, line.intercept) == pytest.approx((slope, intercept), rel=1e-12)
    resid = y - intercept - slope * x
    se = np.sqrt(resid @ resid / (x.size - 2) / np.sum((x - x.mean()) ** 2))
    assert line.stderr == pytest.approx(se, rel=1e-12)
    assert line.r2 == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-12)
    b, a = line  # unpacks to (slope, intercept)
    assert (b, a) == (line.slope, line.intercept)


def test_ols_fits_a_stack_of_responses_at_once():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    Y = np.array([[1.0, 3.0, 5.0, 7.0], [0.0, -1.0, -2.0, -3.0], [2.0, 2.0, 2.0, 2.0]])
    line = ols(x, Y)
    np.testing.assert_allclose(line.slope, [2.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(line.intercept, [1.0, 0.0, 2.0], atol=1e-12)
    assert np.isnan(line.r2[2])  # a constant response explains nothing
    for row, s in zip(Y, line.slope):  # one row of the stack agrees with the single-response path
        assert ols(x, row).slope == pytest.approx(s, abs=1e-12)


def test_ols_degenerate_inputs():
    assert ols([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]).slope == 0.0  # constant x: no line is identified
    assert np.isnan(ols([0.0, 1.0], [0.0, 1.0]).stderr)  # two points: no residual degree of freedom
    with pytest.raises(ValueError, match=r"ols\(x, y\): x has shape \(3,\) and y \(2,\)"):
        ols([1.0, 2.0, 3.0], [1.0, 2.0])


def test_quiet_fit_turns_identifiability_warnings_into_notes(monkeypatch):
    import scalewatch.fitting._quiet as quiet

    def noisy_fit(law, data, **kwargs):
        warnings.warn("the floor E is not identified", IdentifiabilityWarning, stacklevel=2)
        warnings.warn("something else", UserWarning, stacklevel=2)
        np.log(np.array([-1.0]))  # a floating-point warning of a rejected trial step: silenced
        return ("fitted", law, kwargs)

    monkeypatch.setattr(quiet, "fit", noisy_fit)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = quiet_fit("law", {}, notes, loss="lsq")
    assert out == ("fitted", "law", {"loss": "lsq"})
    assert notes == ["the floor E is not identified"]
    assert [str(w.message) for w in caught] == ["something else"]  # other warnings pass through, once
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning):
            quiet_fit("law", {}, None)  # notes=None drops the identifiability notes but not the rest
