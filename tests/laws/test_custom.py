"""Users' own laws from Python functions: signature parsing, validation, derivatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit

from scalewatch import laws

BOUNDS = {"b1": (0.0, np.inf), "b2": (-np.inf, np.inf)}


def misra1a(x, b1, b2):
    return b1 * (1 - np.exp(-b2 * x))


def test_parameter_names_come_from_the_signature_after_the_inputs():
    law = laws.custom(misra1a, bounds=BOUNDS, grid={"b1": [100, 500], "b2": 1e-4}, scale={"b1": "log"})
    assert law.param_names == ("b1", "b2") and law.inputs == ("x",)
    assert law.name == "misra1a" and law.formula == "misra1a(x; b1, b2)" and law.output == "loss"
    assert [p.scale for p in law.parameters] == ["log", "linear"]
    np.testing.assert_array_equal(law.default_grid(), [[100.0, 1e-4], [500.0, 1e-4]])
    assert law.positive is False  # unknown unless declared
    x = np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(law({"x": x}, b1=2.0, b2=0.1), 2.0 * (1 - np.exp(-0.1 * x)), rtol=1e-15)


def test_inputs_may_sit_anywhere_in_the_signature_and_in_any_number():
    def nelson(b1, x1, b2, b3, x2):
        return b1 - b2 * x1 * np.exp(-b3 * x2)

    law = laws.custom(nelson, inputs=("x1", "x2"), bounds={n: (-np.inf, np.inf) for n in ("b1", "b2", "b3")})
    assert law.param_names == ("b1", "b2", "b3") and law.inputs == ("x1", "x2")
    pred = law.predict({"x1": [1.0, 2.0], "x2": [3.0, 4.0]}, [2.5, 0.01, 0.02])
    np.testing.assert_allclose(pred, [2.5 - 0.01 * np.exp(-0.06), 2.5 - 0.02 * np.exp(-0.08)], rtol=1e-15)


def test_positional_only_and_keyword_only_arguments():
    def f(x, b1, /, *, b2=0.5):
        return b1 * x**b2

    law = laws.custom(f, bounds={"b1": (0, np.inf), "b2": (0, 3)})
    assert law.param_names == ("b1", "b2")
    assert law.parameters[1].grid == (0.5,)  # the default value becomes the starting value
    np.testing.assert_allclose(law.predict({"x": [4.0]}, [3.0, 0.5]), [6.0], rtol=1e-15)
    np.testing.assert_allclose(law.jacobian({"x": [4.0]}, [3.0, 0.5]), [[2.0, 6.0 * math.log(4.0)]], rtol=1e-14)


def test_lambda_gets_a_generic_name_and_options_are_kept():
    law = laws.custom(
        lambda t, a, k: a * np.exp(-k * t),
        inputs="t",
        bounds={"a": (0, 10), "k": (0, 5)},
        name="decay",
        formula="y = a exp(-k t)",
        citation="textbook",
        output="score",
        positive=True,
        linear=("a",),
    )
    assert (law.name, law.formula, law.citation, law.output, law.positive) == ("decay", "y = a exp(-k t)", "textbook", "score", True)
    assert law.linear_params == ("a",)
    assert laws.custom(lambda x, a: a * x, bounds={"a": (0, 1)}).name == "custom"
    text = law.describe()
    assert text.splitlines()[0] == "decay: y = a exp(-k t)" and "reference: textbook" in text


def test_derivative_modes():
    def logistic(x, b1, b2):
        return b1 * expit(b2 * x)  # expit rejects complex input

    x = {"x": np.linspace(-2.0, 2.0, 9)}
    theta = [1.5, 0.8]
    s = expit(0.8 * x["x"])
    exact = np.stack([s, 1.5 * x["x"] * s * (1 - s)], axis=-1)
    auto = laws.custom(logistic, bounds=BOUNDS)
    np.testing.assert_allclose(auto.jacobian(x, theta), exact, rtol=1e-8, atol=1e-10)  # fell back to central
    central = laws.custom(misra1a, bounds=BOUNDS, derivative="central")
    complex_ = laws.custom(misra1a, bounds=BOUNDS, derivative="complex")
    xm = {"x": np.array([1.0, 10.0, 100.0])}
    J = complex_.jacobian(xm, [200.0, 5e-3])
    np.testing.assert_allclose(central.jacobian(xm, [200.0, 5e-3]), J, rtol=1e-7)
    with pytest.raises(TypeError, match=r"complex-step differentiation failed \(TypeError: .*derivative='central'"):
        laws.custom(logistic, bounds=BOUNDS, derivative="complex").jacobian(x, theta)
    with pytest.raises(ValueError, match=r"derivative='exact'\): allowed values are \('auto', 'complex', 'central'\)"):
        laws.custom(misra1a, bounds=BOUNDS, derivative="exact")


def test_functions_that_drop_the_imaginary_part_fall_back_to_central_differences():
    def casts(x, b1, b2):
        b2 = np.asarray(b2, dtype=np.float64)  # ComplexWarning under complex input: detected, not silently wrong
        return b1 * np.exp(-b2 * x)

    law = laws.custom(casts, bounds=BOUNDS)
    x = np.array([0.5, 1.0, 2.0])
    J = law.jacobian({"x": x}, [2.0, 0.7])
    exact = np.stack([np.exp(-0.7 * x), -2.0 * x * np.exp(-0.7 * x)], axis=-1)
    np.testing.assert_allclose(J, exact, rtol=1e-8)


def test_batched_parameters_reach_the_function_shaped_for_broadcasting():
    seen = []

    def f(x, b1, b2):
        seen.append((np.shape(x), np.shape(b1)))
        return b1 + b2 * x

    law = laws.custom(f, bounds=BOUNDS)
    feats = law.prepare(laws.as_design(law, {"x": [1.0, 2.0, 3.0]}))
    pred, J = law.evaluate(feats, np.ones((4, 5, 2)), jac=True)
    assert pred.shape == (4, 5, 3) and J.shape == (4, 5, 3, 2)
    assert seen[0] == ((3,), (4, 5, 1))  # inputs (n,), params (..., 1)
    assert seen[1] == ((3,), (4, 5, 2, 1))  # the complex step adds one axis, one row per parameter
    np.testing.assert_allclose(J[1, 2], [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]], rtol=1e-15)


def test_a_parameter_the_function_ignores_gets_a_zero_column():
    law = laws.custom(lambda x, a, unused: a * x, bounds={"a": (0, 1), "unused": (0, 1)})
    np.testing.assert_array_equal(law.jacobian({"x": [1.0, 2.0]}, [0.5, 0.5]), [[1.0, 0.0], [2.0, 0.0]])


# -- validation errors ----------------------------------------------------------------------


def test_non_callable_is_a_type_error():
    with pytest.raises(TypeError, match=r"custom\(func='b1 \* x'\): func must be a callable .*got str"):
        laws.custom("b1 * x", bounds={})


def test_star_args_are_rejected():
    def f(x, *b):
        return x

    def g(x, b1, **kw):
        return x

    with pytest.raises(ValueError, match=r"custom\(func=f\): f takes \*b/\*\*-style arguments; .*def f\(x, b1, b2\)"):
        laws.custom(f, bounds={})
    with pytest.raises(ValueError, match=r"g takes \*kw"):
        laws.custom(g, bounds={"b1": (0, 1)})


def test_inputs_must_be_arguments_of_the_function():
    with pytest.raises(ValueError, match=r"custom\(inputs=\('t',\)\): \['t'\] are not arguments of misra1a\(x, b1, b2\); allowed: \['x', 'b1', 'b2'\]"):
        laws.custom(misra1a, inputs="t", bounds=BOUNDS)
    with pytest.raises(ValueError, match=r"has no parameters besides the inputs"):
        laws.custom(lambda x: x, bounds={})
    with pytest.raises(ValueError, match=r"give 2 distinct column name"):
        laws.custom(misra1a, inputs=("x", "x"), bounds=BOUNDS)


def test_every_parameter_needs_bounds():
    with pytest.raises(ValueError, match=r"custom\(bounds=...\) has no bounds for \['b2'\]; give \(lower, upper\) for every parameter of misra1a: \['b1', 'b2'\] \(use \(-np.inf, np.inf\)"):
        laws.custom(misra1a, bounds={"b1": (0, 1)})
    with pytest.raises(ValueError, match=r"custom\(bounds=...\) names \['b3'\], which are not parameters of misra1a; parameters: \['b1', 'b2'\]"):
        laws.custom(misra1a, bounds={**BOUNDS, "b3": (0, 1)})
    with pytest.raises(ValueError, match=r"custom\(grid=...\) names \['x'\]"):
        laws.custom(misra1a, bounds=BOUNDS, grid={"x": 1.0})
    with pytest.raises(ValueError, match=r"custom\(bounds=\{'b1': 5\}\): give a pair \(lower, upper\)"):
        laws.custom(misra1a, bounds={"b1": 5, "b2": (0, 1)})
    with pytest.raises(ValueError, match=r"Param\('b1'\): lower=1.0 must be < upper=0.0"):
        laws.custom(misra1a, bounds={"b1": (1, 0), "b2": (0, 1)})
    with pytest.raises(ValueError, match=r"custom\(linear=\('b9',\)\): \['b9'\] are not parameters"):
        laws.custom(misra1a, bounds=BOUNDS, linear=("b9",))


def test_bad_return_values_are_reported():
    law = laws.custom(lambda x, a: np.ones(2) * a, bounds={"a": (0, 1)})
    with pytest.raises(ValueError, match=r"returned shape \(1, 2\), which does not broadcast to \(1, 3\)"):
        law.predict({"x": [1.0, 2.0, 3.0]}, [[0.5]])
    law = laws.custom(lambda x, a: np.emath.sqrt(x - a), bounds={"a": (0, 10)})
    with pytest.raises(TypeError, match=r"returned complex values for real parameters"):
        law.predict({"x": [1.0, 2.0]}, [5.0])
