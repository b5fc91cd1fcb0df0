"""Properties every law of the catalogue shares: immutability, description,
search space, input checks, rescaling and errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scalewatch import laws


def _exp_decay(x, b1, b2):
    return b1 * np.exp(-b2 * x)


ALL_LAWS = {
    "power_law": laws.PowerLaw(),
    "saturating": laws.SaturatingPowerLaw(inputs="N"),
    "kaplan_n": laws.KaplanN(),
    "kaplan_d": laws.KaplanD(),
    "kaplan_c": laws.KaplanC(),
    "kaplan_nd": laws.KaplanND(),
    "chinchilla": laws.Chinchilla(),
    "data_constrained": laws.DataConstrained(),
    "data_constrained_fixed": laws.DataConstrained(fixed={"E": 1.87}, tied=True),
    "bnsl_1": laws.BrokenPowerLaw(1),
    "bnsl_2": laws.BrokenPowerLaw(2),
    "bnsl_3": laws.BrokenPowerLaw(3),
    "sigmoid": laws.Sigmoid(),
    "sigmoid_floor": laws.Sigmoid(floor=0.25),
    "custom": laws.custom(_exp_decay, bounds={"b1": (0, np.inf), "b2": (0, 10)}, citation="NIST Misra1a-like"),
}


@pytest.mark.parametrize("key", sorted(ALL_LAWS))
def test_laws_are_frozen_hashable_values(key):
    law = ALL_LAWS[key]
    with pytest.raises(dataclasses.FrozenInstanceError):
        law.inputs = ("z",)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        law.anything = 1  # type: ignore[attr-defined]
    assert hash(law) == hash(dataclasses.replace(law))
    assert law == dataclasses.replace(law)


def test_options_are_part_of_the_value():
    assert laws.BrokenPowerLaw(2) != laws.BrokenPowerLaw(3)
    assert laws.Sigmoid(floor=0.25) != laws.Sigmoid()
    assert laws.DataConstrained(fixed={"E": 1.8}) == laws.DataConstrained(fixed=[("E", 1.8)])
    assert laws.DataConstrained(fixed={"E": 1.8}).fixed == (("E", 1.8),)
    assert laws.PowerLaw(inputs="N").inputs == ("N",)


@pytest.mark.parametrize("key", sorted(ALL_LAWS))
def test_describe_lists_formula_parameters_bounds_and_citation(key):
    law = ALL_LAWS[key]
    text = law.describe()
    assert text.startswith(f"{law.name}: {law.formula}")
    assert f"inputs: {', '.join(law.inputs)}" in text
    for p in law.parameters:
        assert f"  {p.name:<10} [{p.lower:g}, {p.upper:g}] ({p.scale})" in text
    assert law.citation and f"reference: {law.citation}" in text.splitlines()


def test_describe_reports_fixed_parameters():
    text = laws.DataConstrained(fixed={"E": 1.87, "R_N_star": 5.3}, tied=True).describe()
    assert text.splitlines()[-2:] == ["tied: beta = alpha", "fixed: E=1.87, R_N_star=5.3"]
    assert "R_D_star" in text and "  E " not in text
    assert laws.Sigmoid(floor=0.25, increasing=False).describe().splitlines()[-2:] == [
        "direction: decreasing in x",
        "fixed: floor=0.25",
    ]


@pytest.mark.parametrize("key", sorted(ALL_LAWS))
def test_parameters_have_a_search_space(key):
    law = ALL_LAWS[key]
    names = law.param_names
    assert len(set(names)) == len(names) and all(n.isidentifier() for n in names)
    grid = law.default_grid()
    assert grid.ndim == 2 and grid.shape[1] == law.n_params and 1 <= len(grid) <= 5000
    for j, p in enumerate(law.parameters):
        assert np.all((grid[:, j] >= p.lower) & (grid[:, j] <= p.upper))
        if p.scale == "log":
            assert p.lower >= 0 and np.all(grid[:, j] > 0)
        assert p.doc or key == "custom"
    assert set(getattr(law, "linear_params", ())) <= set(names)


@pytest.mark.parametrize(
    ("law", "data"),
    [
        (laws.PowerLaw(), {"x": np.logspace(1, 9, 7)}),
        (laws.SaturatingPowerLaw(), {"x": np.logspace(1, 9, 7)}),
        (laws.DataConstrained(), {"N": [1e8, 1e9, 1e10], "D": [1e10, 1e10, 4e10], "U_D": [1e9, 1e10, 1e10]}),
        (laws.DataConstrained(fixed={"A": 500.0}), {"N": [1e8, 1e9], "D": [1e10, 1e10], "U_D": [1e9, 1e10]}),
        (laws.BrokenPowerLaw(2), {"x": np.logspace(1, 9, 7)}),
        (laws.Sigmoid(), {"x": np.linspace(1, 5, 7)}),
        (laws.Sigmoid(floor=0.25), {"x": np.linspace(1, 5, 7)}),
    ],
)
def test_declared_linear_parameters_enter_linearly(law, data):
    """Variable projection sets these parameters to 0 and 1: the prediction must be affine in them."""
    rng = np.random.default_rng(3)
    theta = law.default_grid()[rng.integers(len(law.default_grid()))]
    lin = [law.param_names.index(n) for n in law.linear_params]
    assert lin
    base = theta.copy()
    base[lin] = 0.0
    p0 = law.predict(data, base)  # no warnings for zero coefficients (log 0 is handled)
    v = rng.uniform(0.5, 2.0, len(lin))
    t1, t2 = base.copy(), base.copy()
    t1[lin], t2[lin] = v, 2 * v
    np.testing.assert_allclose(law.predict(data, t2) - p0, 2 * (law.predict(data, t1) - p0), rtol=1e-12, atol=1e-12)


# -- rescaling the inputs is absorbed by the parameters -------------------------------------


def test_power_law_rescaling():
    x = np.logspace(2, 8, 7)
    c = 1e3
    A, alpha = 40.0, 0.3
    np.testing.assert_allclose(
        laws.PowerLaw().predict({"x": c * x}, [A * c**alpha, alpha]), laws.PowerLaw().predict({"x": x}, [A, alpha]), rtol=1e-13
    )
    sat = laws.SaturatingPowerLaw()
    np.testing.assert_allclose(
        sat.predict({"x": c * x}, [1.7, A * c**alpha, alpha]), sat.predict({"x": x}, [1.7, A, alpha]), rtol=1e-13
    )


@pytest.mark.parametrize(("law", "column"), [(laws.KaplanN(), "N"), (laws.KaplanD(), "D"), (laws.KaplanC(), "C")])
def test_kaplan_rescaling_moves_only_the_critical_constant(law, column):
    x = np.logspace(8, 12, 5)
    xc, alpha = law.published.values()
    c = 1e-9  # e.g. counts in billions
    np.testing.assert_allclose(law.predict({column: c * x}, [c * xc, alpha]), law.predict({column: x}, [xc, alpha]), rtol=1e-13)


def test_two_input_laws_rescaling():
    N = np.array([1e8, 1e9, 1e10, 7e10])
    D = np.array([2e9, 2e10, 2e11, 1.4e12])
    cn, cd = 1e-9, 1e-12  # billions of parameters, trillions of tokens
    chin = laws.Chinchilla()
    t = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    t2 = t | {"A": t["A"] * cn ** t["alpha"], "B": t["B"] * cd ** t["beta"]}
    np.testing.assert_allclose(chin.predict({"N": cn * N, "D": cd * D}, t2), chin.predict({"N": N, "D": D}, t), rtol=1e-13)
    kap = laws.KaplanND()
    p = dict(kap.published)
    p2 = p | {"Nc": cn * p["Nc"], "Dc": cd * p["Dc"]}
    np.testing.assert_allclose(kap.predict({"N": cn * N, "D": cd * D}, p2), kap.predict({"N": N, "D": D}, p), rtol=1e-13)


def test_data_constrained_rescaling_keeps_compute_optimal_split():
    """Rescaling N (A -> A c^alpha) or tokens (B -> B c^beta) leaves N_opt(U_D) consistent, so L is unchanged."""
    law = laws.DataConstrained()
    p = dict(law.published) | {"alpha": 0.3, "beta": 0.4}  # untied, so the check is not a symmetric accident
    data = {"N": np.array([1e8, 3e9, 1e11, 1e12]), "D": np.array([1e10, 1e11, 5e11, 4e11]), "U_D": np.array([1e9, 1e10, 5e11, 1e10])}
    ref = law.predict(data, p)
    cn, cd = 1e-9, 1e-12
    scaled = {"N": cn * data["N"], "D": cd * data["D"], "U_D": cd * data["U_D"]}
    p2 = p | {"A": p["A"] * cn ** p["alpha"], "B": p["B"] * cd ** p["beta"]}
    np.testing.assert_allclose(law.predict(scaled, p2), ref, rtol=1e-12)
    # the excess-parameter branch is exercised in the reference
    n_eff, _ = law.effective_counts(data, p)
    assert np.any(n_eff < data["N"]) and np.any(n_eff == data["N"])


def test_bnsl_rescaling():
    law = laws.BrokenPowerLaw(2)
    x = np.logspace(3, 12, 10)
    t = {"a": 0.4, "b": 3e2, "c0": 0.2, "c1": 0.5, "d1": 1e5, "f1": 0.7, "c2": -0.3, "d2": 1e9, "f2": 0.2}
    s = 1e-6
    t2 = t | {"b": t["b"] * s ** t["c0"], "d1": s * t["d1"], "d2": s * t["d2"]}
    np.testing.assert_allclose(law.predict({"x": s * x}, t2), law.predict({"x": x}, t), rtol=1e-12)


def test_sigmoid_affine_rescaling():
    law = laws.Sigmoid()
    x = np.linspace(18.0, 26.0, 9)  # log10 FLOP
    t = {"floor": 0.25, "ceiling": 0.9, "k": 1.2, "x0": 22.0}
    c, shift = np.log(10.0), 0.0  # log10 -> natural log
    t2 = t | {"k": t["k"] / c, "x0": c * t["x0"] + shift}
    np.testing.assert_allclose(law.predict({"x": c * x + shift}, t2), law.predict({"x": x}, t), rtol=1e-13)


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 4, -1])
def test_bnsl_rejects_unsupported_break_counts(bad):
    with pytest.raises(ValueError, match=r"n_breaks=.*allowed values are \(1, 2, 3\)"):
        laws.BrokenPowerLaw(n_breaks=bad)


@pytest.mark.parametrize("bad", [1.0, "2", True])
def test_bnsl_rejects_non_integer_break_counts(bad):
    with pytest.raises(TypeError, match=r"n_breaks must be an integer, one of \(1, 2, 3\)"):
        laws.BrokenPowerLaw(n_breaks=bad)


def test_sigmoid_errors():
    with pytest.raises(ValueError, match=r"floor=1.5\): the floor must lie in score_range \[0, 1\]"):
        laws.Sigmoid(floor=1.5)
    with pytest.raises(ValueError, match=r"score_range=\(1, 0\)\): need finite lowest < highest"):
        laws.Sigmoid(score_range=(1, 0))
    with pytest.raises(TypeError, match=r"floor='chance'\): the floor must be a number or None"):
        laws.Sigmoid(floor="chance")
    with pytest.raises(TypeError, match=r"increasing='yes'\): pass True or False"):
        laws.Sigmoid(increasing="yes")
    assert laws.Sigmoid(floor=25, score_range=(0, 100)).param_names == ("ceiling", "k", "x0")


def test_data_constrained_errors():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['gamma'\]; allowed: \['E', 'A'"):
        laws.DataConstrained(fixed={"gamma": 1.0})
    with pytest.raises(ValueError, match=r"\{'R_D_star': -1.0\}\): the value must be finite and inside the bounds"):
        laws.DataConstrained(fixed={"R_D_star": -1.0})
    with pytest.raises(ValueError, match=r"fixes every parameter"):
        laws.DataConstrained(fixed=dict(laws.DataConstrained.published))
    with pytest.raises(ValueError, match=r"tied=True.*fix 'alpha' instead"):
        laws.DataConstrained(tied=True, fixed={"beta": 0.3})
    with pytest.raises(TypeError, match=r"the value must be a number"):
        laws.DataConstrained(fixed={"E": "high"})
    law = laws.DataConstrained()
    with pytest.raises(ValueError, match=r"U_D \(unique tokens seen\) must be <= D.*row 1 has U_D=2e\+10 > D=1e\+10"):
        law.predict({"N": [1e9, 1e9], "D": [1e10, 1e10], "U_D": [1e9, 2e10]}, law.published)


@pytest.mark.parametrize(
    ("law", "data"),
    [
        (laws.PowerLaw(), {"x": [1.0, 0.0]}),
        (laws.KaplanN(), {"N": [1e9, -3.0]}),
        (laws.BrokenPowerLaw(1), {"x": [2.0, 0.0]}),
        (laws.KaplanND(), {"N": [1e9, 1e9], "D": [1e9, 0.0]}),
    ],
)
def test_non_positive_inputs_are_rejected_with_the_row(law, data):
    with pytest.raises(ValueError, match=r"must be > 0 \(it enters through its logarithm\); row 1 has"):
        law.prepare(laws.as_design(law, data))


def test_input_name_errors():
    with pytest.raises(ValueError, match=r"PowerLaw\(inputs=\('a', 'b'\)\): give 1 distinct column name"):
        laws.PowerLaw(inputs=("a", "b"))
    with pytest.raises(ValueError, match=r"give 1 distinct column name"):
        laws.BrokenPowerLaw(1, inputs="not a name")
    with pytest.raises(ValueError, match=r"needs input\(s\) \['N'\] but the data lack \['N'\]"):
        laws.PowerLaw(inputs="N").predict({"x": [1.0]}, [1.0, 0.5])
    with pytest.raises(ValueError, match=r"has parameters \['A', 'alpha'\]; missing \['alpha'\], unknown \['beta'\]"):
        laws.PowerLaw().predict({"x": [1.0]}, {"A": 1.0, "beta": 0.5})


def test_every_catalogued_law_is_found_by_name():
    found = laws.catalogue()
    assert set(found) == {
        "power_law", "saturating_power_law", "kaplan_n", "kaplan_d", "kaplan_c", "kaplan_nd",
        "chinchilla", "data_constrained", "broken_power_law", "sigmoid",
    }  # fmt: skip
    for name, cls in found.items():
        law = laws.get(name)
        assert isinstance(law, cls) and law.name == name
    assert laws.get("broken_power_law", n_breaks=3).n_params == 12
    with pytest.raises(ValueError, match=r"unknown law 'kaplan'; known laws: broken_power_law, chinchilla"):
        laws.get("kaplan")
