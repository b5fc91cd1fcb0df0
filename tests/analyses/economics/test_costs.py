"""The cost machinery itself: assumptions, their Monte Carlo propagation, cost estimates, hardware and prices."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scalewatch.analyses.economics import Assumption, CostEstimate, api_price, cluster_for_budget, hardware
from scalewatch.analyses.economics.assumptions import _as_assumption, _propagate
from scalewatch.analyses.trends import year_fraction


def test_a_symmetric_log_triangular_assumption_has_its_value_as_median() -> None:
    # mode 2 halfway between 1 and 4 on the log scale: the log-triangular draw is symmetric, median = mode
    a = Assumption("x", 2.0, 1.0, 4.0)
    d = a.sample(200_000, np.random.default_rng(1))
    assert np.median(d) == pytest.approx(2.0, rel=0.005)
    assert d.min() >= 1.0 and d.max() <= 4.0
    lin = Assumption("share", 0.5, 0.0, 1.0, scale="linear").sample(200_000, np.random.default_rng(2))
    assert lin.mean() == pytest.approx(0.5, abs=0.003)  # a symmetric triangle's mean is its mode


def test_assumption_rejects_what_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match=r"scale='bogus'\): allowed scales are 'log' and 'linear'"):
        Assumption("x", 1.0, scale="bogus")
    with pytest.raises(ValueError, match="must be finite"):
        Assumption("x", float("nan"))
    with pytest.raises(ValueError, match="no finite values"):
        Assumption.from_values("x", [float("nan")])


def test_a_users_value_replaces_the_range_and_says_so() -> None:
    default = Assumption("H100 price", 2.5, 1.5, 4.0, "USD/h", "cloud offers, 2025")
    given = _as_assumption(3.0, default, "training_cost", "gpu_hour_price")
    assert given.fixed and given.value == 3.0 and given.source == "given (default: 2.5 USD/h)"
    triple = _as_assumption((1.0, 2.0, 3.0), default, "training_cost", "gpu_hour_price")
    assert (triple.low, triple.value, triple.high, triple.unit) == (1.0, 2.0, 3.0, "USD/h")
    assert _as_assumption(None, default, "f", "x") is default
    with pytest.raises(ValueError, match=r"training_cost\(gpu_hour_price=-1.0\) must be a positive number \(USD/h\)"):
        _as_assumption(-1.0, default, "training_cost", "gpu_hour_price")


def test_propagation_is_the_function_applied_draw_by_draw() -> None:
    a = Assumption("a", 3.0)  # fixed: draws no random numbers
    b = Assumption("b", 1.0, 0.5, 2.0)
    est = _propagate("product", lambda a, b: {"c": a * b}, {"a": a, "b": b}, {"c": "USD"}, n_draws=1000, ci=0.9, seed=7)
    expected = 3.0 * b.sample(1000, np.random.default_rng(7))  # the same stream, the same order
    np.testing.assert_array_equal(est.draws["c"], expected)
    c = est["c"]
    assert c.value == 3.0  # the central estimate uses the central values
    assert (c.low, c.high) == pytest.approx(tuple(np.quantile(expected, [0.05, 0.95])))
    assert est.seed == 7 and est.ci == 0.9 and est.n_draws == 1000


def test_propagation_of_fixed_inputs_is_exact_and_checks_its_settings() -> None:
    est = _propagate("sum", lambda a, b: {"s": a + b}, {"a": Assumption("a", 1.0), "b": Assumption("b", 2.0)}, {"s": ""},
                     n_draws=100, ci=0.95, seed=0)
    assert (est["s"].value, est["s"].low, est["s"].high) == (3.0, 3.0, 3.0)
    (n,) = est.numbers()
    assert n.low is None and "exact under the stated inputs" in n.note
    with pytest.raises(ValueError, match=r"n_draws=10 must be an integer >= 100"):
        _propagate("sum", lambda a: {"s": a}, {"a": Assumption("a", 1.0)}, {"s": ""}, n_draws=10, ci=0.95, seed=0)
    with pytest.raises(ValueError, match=r"ci=1.5 must be a level between 0 and 1"):
        _propagate("sum", lambda a: {"s": a}, {"a": Assumption("a", 1.0)}, {"s": ""}, n_draws=100, ci=1.5, seed=0)


def test_cost_estimate_names_its_parts_and_serialises() -> None:
    est = cluster_for_budget(1e9, seed=0)
    assert isinstance(est, CostEstimate)
    d = json.loads(json.dumps(est.to_dict(), allow_nan=False))
    assert {c["name"] for c in d["components"]} == {c.name for c in est.components}
    assert d["seed"] == 0 and d["interval"].startswith("percentiles")
    with pytest.raises(KeyError, match="has no component 'nope'; components:"):
        est["nope"]
    assert "[[Assumptions]]" in est.report() and "<pre" in est._repr_html_()


def test_cluster_size_is_inversely_proportional_to_the_server_price() -> None:
    first = next(c.name for c in cluster_for_budget(1e9, server_price=30_000, interconnect=1.0).components)
    n1 = cluster_for_budget(1e9, server_price=30_000, interconnect=1.0)[first].value
    n2 = cluster_for_budget(1e9, server_price=60_000, interconnect=1.0)[first].value
    assert n1 == pytest.approx(2 * n2) and n1 == pytest.approx(1e9 / 30_000)


def test_hardware_and_prices_by_name() -> None:
    assert hardware("h100") is hardware("NVIDIA H100 SXM5 80GB") and hardware(hardware("b200")).name == "NVIDIA B200"
    with pytest.raises(ValueError, match=r"hardware 'tpu9' is not known; use one of \['a100', 'b200', 'h100', 'h200'\]"):
        hardware("tpu9")
    assert api_price("o1").usd_per_m_output == 60.0
    with pytest.raises(ValueError, match=r"no published price for 'gpt-9'; known: \["):
        api_price("gpt-9")


def test_prices_use_the_one_date_convention() -> None:
    # year plus the elapsed share of the year (day of year minus one over the days in that year)
    assert year_fraction(["2024-07-02", "2023-01-01", "2023-12-31"]).tolist() == pytest.approx(
        [2024 + 183 / 366, 2023.0, 2023 + 364 / 365]
    )
    assert math.isnan(year_fraction([None, "2020-01-01"])[0])


def test_the_all_in_cluster_is_the_servers_only_cluster_times_the_hardware_share() -> None:
    # constructed: $1B, $40K per GPU, no network overhead; servers 60% of the cost of ownership, staff 40% of the whole
    servers = cluster_for_budget(1e9, server_price=40_000, interconnect=1.0)
    all_in = cluster_for_budget(1e9, scenario="all-in", server_price=40_000, interconnect=1.0, server_share=0.6, staff_share=0.4)
    assert servers["gpus"].value == 25_000
    assert all_in["hardware_share"].value == pytest.approx(0.6 * (1 - 0.4))
    assert all_in["gpus"].value == pytest.approx(1e9 * 0.6 * 0.6 / 40_000)  # 9,000 H100s
    assert all_in["usd_per_gpu"].value == pytest.approx(40_000 / 0.36)
    # the quoted defaults: every draw buys fewer H100s all-in than servers only (same seed: the same server prices)
    s, a = cluster_for_budget(1e9, seed=3), cluster_for_budget(1e9, scenario="all-in", seed=3)
    assert np.all(a.draws["gpus"] < s.draws["gpus"]) and a["gpus"].high < s["gpus"].low
    np.testing.assert_allclose(a.draws["gpus"], s.draws["gpus"] * a.draws["hardware_share"], rtol=1e-12)
    assert a["gpus"].value == pytest.approx(1e9 * 0.60 * (1 - 0.39) / (34918.56 * 1.15))
    sources = {x.name: x.source for x in a.assumptions}
    assert "quoted" in sources["servers' share of an AI datacenter's annual cost of ownership"]
    assert "29\u201349%" in sources["R&D staff share of a frontier model's development cost"]


def test_the_all_in_cluster_checks_its_scenario_and_shares() -> None:
    with pytest.raises(ValueError, match=r"scenario='cloud'\): allowed: 'servers', 'all-in'"):
        cluster_for_budget(1e9, scenario="cloud")
    with pytest.raises(ValueError, match=r"belong to scenario='all-in'"):
        cluster_for_budget(1e9, staff_share=0.3)
    with pytest.raises(ValueError, match=r"staff_share=...\) is a share strictly between 0 and 1"):
        cluster_for_budget(1e9, scenario="all-in", staff_share=(0.5, 0.9, 1.2))
