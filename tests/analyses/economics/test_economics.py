"""Costs: training and inference arithmetic, defaults from the data, allocation, the debate's numbers, and the findings."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.economics import KEY_COST, KEY_DEBATE
from scalewatch.analyses.economics.allocation import HOFFMANN_2022, inference_aware_allocation
from scalewatch.analyses.economics.assumptions import Assumption
from scalewatch.analyses.economics.cost_to_target import cost_to_target, cost_verdict
from scalewatch.analyses.economics.costs import (
    DEFAULTS,
    cluster_for_budget,
    defaults_from_data,
    hardware,
    inference_cost,
    inference_flop_cost,
    training_cost,
)
from scalewatch.analyses.economics.debate import LLAMA31_405B_GPU_HOURS
from scalewatch.analyses.economics.prices import API_PRICES, api_price, price_decline, reasoning_premium
from scalewatch.findings import VERDICTS, Finding

H100 = 9.894e14  # FLOP/s, dense BF16 (Epoch chip database)


# -- assumptions --------------------------------------------------------------------------


def test_assumption_sampling_and_validation():
    rng = np.random.default_rng(0)
    a = Assumption("x", 2.0, 1.0, 8.0)
    d = a.sample(20_000, rng)
    assert d.min() >= 1.0 and d.max() <= 8.0
    assert np.median(np.log(d)) == pytest.approx((math.log(1) + math.log(2) + math.log(8)) / 3, abs=0.05)  # log-triangular mean
    obs = Assumption.from_values("p", [1.0, 2.0, 9.0])
    assert (obs.value, obs.low, obs.high) == (2.0, 1.0, 9.0) and set(np.unique(obs.sample(100, rng))) <= {1.0, 2.0, 9.0}
    assert Assumption("f", 3.0).fixed and np.all(Assumption("f", 3.0).sample(5, rng) == 3.0)
    with pytest.raises(ValueError, match="need low <= value <= high"):
        Assumption("x", 9.0, 1.0, 8.0)
    with pytest.raises(ValueError, match="give both low and high"):
        Assumption("x", 1.0, low=0.5)
    with pytest.raises(ValueError, match="scale='log' needs positive values"):
        Assumption("x", 0.0, -1.0, 1.0)
    with pytest.raises(TypeError, match=r"mfu=...\) takes a number, a \(low, value, high\) triple or an Assumption"):
        training_cost(1e24, mfu="high")


def test_defaults_are_what_the_data_snapshots_give():
    got = defaults_from_data()
    for key in ("mfu", "gpu_hour_price", "server_price"):
        d, g = DEFAULTS[key], got[key]
        assert (g.value, g.low, g.high) == pytest.approx((d.value, d.low, d.high), rel=1e-9), key
    assert len(got["mfu"].values) == 61 and len(got["gpu_hour_price"].values) == 16 and len(got["server_price"].values) == 12


# -- training and inference ---------------------------------------------------------------


def test_training_cost_arithmetic_with_fixed_inputs():
    est = training_cost(1e24, mfu=0.5, gpu_hour_price=2.0, server_price=40_000, interconnect=1.0, lifetime_years=4.0,
                        pue=1.2, tdp_fraction=1.0, electricity=0.1)
    hours = 1e24 / (3600 * H100 * 0.5)
    assert est["gpu_hours"].value == pytest.approx(hours)
    assert est["cloud_usd"].value == pytest.approx(2.0 * hours)
    assert est["hardware_usd"].value == pytest.approx(hours * 40_000 / (4 * 24 * 365.25))
    mwh = hours * 700 * (10.2 / 8 / 0.7) * 1.2 / 1e6  # chip TDP x DGX H100 server share x PUE
    assert est["energy_mwh"].value == pytest.approx(mwh)
    assert est["energy_usd"].value == pytest.approx(mwh * 1000 * 0.1)
    assert all(c.low == c.high == c.value for c in est.components)  # nothing uncertain: no range


def test_training_cost_default_interval_contains_llama_405b_reported_hours():
    # Llama 3.1 405B: 3.8e25 FLOP (Llama 3 paper) and 30.84M H100-hours (model card)
    est = training_cost(3.8e25)
    h = est["gpu_hours"]
    assert h.low < LLAMA31_405B_GPU_HOURS < h.high
    assert h.value == pytest.approx(3.8e25 / (3600 * H100 * 0.38))
    again = training_cost(3.8e25)
    assert again["cloud_usd"] == est["cloud_usd"]  # seeded
    d = json.loads(json.dumps(est.to_dict()))
    assert {a["name"] for a in d["assumptions"]} >= {"training utilisation (MFU)", "H100 price per GPU-hour"}
    assert "[[Assumptions]]" in est.report()


def test_inference_costs():
    assert inference_cost(1000, 500, price_in=2.5, price_out=10.0)["usd_per_task"].value == pytest.approx(0.0075)
    est = inference_flop_cost(1e10, 1e6, inference_mfu=0.25, gpu_hour_price=4.0)
    assert est["flop"].value == 2e16
    assert est["usd"].value == pytest.approx(2e16 / (3600 * H100 * 0.25) * 4.0)
    ranged = inference_cost((500, 1000, 2000), 500, price_in=2.5, price_out=10.0)
    c = ranged["usd_per_task"]
    assert c.low < c.value < c.high


def test_hardware_lookup():
    assert hardware("A100").peak_flops == 3.12e14 and hardware("h100").tdp_w == 700
    with pytest.raises(ValueError, match="hardware 'TPU9' is not known"):
        hardware("TPU9")


# -- the debate's numbers -------------------------------------------------------------------


def test_one_billion_dollars_buys_about_25k_h100s():
    assert cluster_for_budget(1e9, server_price=40_000, interconnect=1.0)["gpus"].value == 25_000
    est = cluster_for_budget(1e9)
    g = est["gpus"]
    assert g.value == pytest.approx(1e9 / (34918.56 * 1.15))  # median DGX/HGX quote per GPU x interconnect
    assert g.low < 25_000 < g.high  # the claim sits inside the range of the data


def test_o1_is_six_times_gpt4o_per_token_and_more_per_task():
    o1, g4o = api_price("o1"), api_price("gpt-4o-2024-08-06")
    assert (o1.usd_per_m_input, o1.usd_per_m_output, g4o.usd_per_m_input, g4o.usd_per_m_output) == (15.0, 60.0, 2.5, 10.0)
    r = reasoning_premium(reasoning_tokens=0)
    assert r["input_price_ratio"].value == r["output_price_ratio"].value == r["task_cost_ratio"].value == 6.0
    r = reasoning_premium(tokens_in=1000, tokens_out=500, reasoning_tokens=4000)
    want = (1000 * 15 + 4500 * 60) / (1000 * 2.5 + 500 * 10)
    assert r["task_cost_ratio"].value == pytest.approx(want)
    launch = reasoning_premium(baseline="gpt-4o", reasoning_tokens=0)
    assert (launch["input_price_ratio"].value, launch["output_price_ratio"].value) == (3.0, 4.0)
    assert len({p.model for p in API_PRICES}) == len(API_PRICES)
    with pytest.raises(ValueError, match="no published price for 'gpt-9'"):
        api_price("gpt-9")


def test_inference_aware_allocation_reduces_to_chinchilla_and_shrinks_with_demand():
    p = HOFFMANN_2022
    a = p["beta"] / (p["alpha"] + p["beta"])
    G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
    base = inference_aware_allocation(reference_params=13e9, inference_tokens=0.0)
    assert base.n == pytest.approx(13e9, rel=1e-6) and base.chinchilla_n == pytest.approx(13e9, rel=1e-6)
    assert base.n == pytest.approx(G * (6 * base.n * base.d / 6) ** a, rel=1e-5)  # on the closed-form N_opt(C)
    assert base.saving_share == pytest.approx(0.0, abs=1e-9)
    # Sardana et al.'s Figure 1 case with Hoffmann's constants: 8.0B, 10% fewer FLOP (their own fit: 7B, 17%)
    ex = inference_aware_allocation(reference_params=13e9, inference_tokens=2e12)
    assert ex.n == pytest.approx(8.02e9, rel=0.01) and ex.saving_share == pytest.approx(0.101, abs=0.002)
    loss = HOFFMANN_2022["E"] + 0.3
    ns = [inference_aware_allocation(loss, d).n for d in (0.0, 1e11, 1e12, 1e13)]
    assert all(x > y for x, y in zip(ns, ns[1:]))
    with pytest.raises(ValueError, match="at or below the irreducible loss"):
        inference_aware_allocation(1.5, 0.0)
    with pytest.raises(ValueError, match="give either loss"):
        inference_aware_allocation(2.0, 0.0, reference_params=1e9)


def test_price_decline_on_epoch_data_falls_short_of_three_orders_in_two_years():
    d = price_decline(n_resamples=200, seed=0)
    # measured: hardware 0.126 [0.10, 0.15] OOM/yr, smallest model at MMLU >= 0.65 0.43 [0.31, 1.3] OOM/yr
    assert 0.05 < d.hardware_low < d.hardware_rate < d.hardware_high < 0.3
    assert d.size_low < d.size_rate < d.size_high
    est, lo, hi = d.over_horizon
    assert est == pytest.approx(2 * (d.hardware_rate + d.size_rate))
    assert hi < 3.0
    assert d.size_points["model"].iloc[0] == "Chinchilla" and d.size_points["params"].is_monotonic_decreasing
    pair = d.list_price_pairs.set_index(["older", "newer"]).loc[("gpt-4 (8K)", "gpt-4o-mini")]
    assert pair["ratio"] == pytest.approx(37.5 / 0.26)  # Epoch's 3:1 blends (epoch-llm-inference-prices)
    assert pair["older_price_source"].startswith("epoch-llm-inference-prices")
    with pytest.raises(ValueError, match="record-setting models"):
        price_decline(threshold=0.95, n_resamples=10)


def test_cost_verdict():
    """Rule economics.cost_ratio: log10 of the ratio against parity, margin 0.1 (x1.26), gate 1.5 decades."""
    assert cost_verdict((2.0, 1.5, 3.0))[0] == "test-time cheaper"
    assert cost_verdict((0.5, 0.3, 0.7))[0] == "pretraining cheaper"
    assert cost_verdict((0.5, 0.3, 0.9))[0] == "inconclusive"  # 0.9x is inside the margin of parity: straddles
    assert cost_verdict((1.0, 0.85, 1.15))[0] == "depends"  # equivalence: within x1.26 of parity
    assert cost_verdict((1.0, 0.01, 100.0))[0] == "inconclusive"  # too wide


def test_cost_to_target_totals_add_up(mirror):
    from scalewatch.analyses.testtime.exchange import exchange_rate

    counts = pd.read_csv(mirror / "llmonkeys-pythia-math" / "pythia_math_per_problem_counts.csv")
    pythia = pd.read_csv(mirror / "pythia-evals" / "pythia_models.csv")
    pythia = pythia[pythia["deduped"] == 0].set_index("size")
    models = pd.DataFrame({"model": counts["model"].unique()})
    sizes = models["model"].str.removeprefix("Pythia-").str.lower()
    models["params"] = pythia.loc[sizes, "params_total"].to_numpy()
    models["tokens"] = pythia.loc[sizes, "final_tokens"].to_numpy()
    ex = exchange_rate(counts, models, targets=[0.5], n_resamples=100, seed=0)
    r = cost_to_target(ex, 0.5, demand=1e6, tokens_per_sample=256, mfu=0.4, inference_mfu=0.2, gpu_hour_price=3.0)
    o = r.options
    np.testing.assert_allclose(o["total_usd"], o["train_usd"] + 1e6 * o["infer_usd"])
    np.testing.assert_allclose(o["train_usd"], o["train_flop"] * 3.0 / (3600 * H100 * 0.4))
    np.testing.assert_allclose(o["infer_usd"], 2 * o["params"] * 256 * o["k_star"] * 3.0 / (3600 * H100 * 0.2))
    assert r.pretrain_route == "Pythia-12B" and "Pythia-70M" not in set(o["model"])  # 70M needs k* beyond the data
    assert r.ratio[0] > 1 and r.break_even[0] == math.inf  # a smaller model is cheaper per problem: 12B never wins
    # pretraining pushed along the fitted iso-coverage line to k* = 1
    slope, icpt = np.polyfit(np.log10(o["train_flop"]), np.log10(o["k_star"]), 1)
    c1, lo, hi = r.extrapolated["train_flop"]
    assert c1 == pytest.approx(10 ** (-icpt / slope), rel=1e-9) and lo < c1 < hi
    assert c1 > o["train_flop"].max() and r.extrapolated["params"][0] == pytest.approx(c1 / (6 * 2.998927e11), rel=1e-6)
    with pytest.raises(ValueError, match="is not a target"):
        cost_to_target(ex, 0.9)


# -- the registered findings ------------------------------------------------------------------


@pytest.fixture(scope="module")
def findings():
    from scalewatch.reporting import run_report

    report = run_report(modules=["scalewatch.analyses.economics"], only=[KEY_COST, KEY_DEBATE], fast=True)
    out = {}
    for o in report.outcomes:
        assert o.status == "ok" and o.warnings == (), (o.key, o.error, o.warnings)
        (f,) = o.findings
        out[f.key] = f
    return out


def _expected(verdict: str) -> str:
    return verdict if verdict in VERDICTS["test-time"] else "inconclusive"


def test_cost_to_target_finding(findings):
    f = findings[KEY_COST]
    head = f.headline_number
    assert head.name == "cost of the largest model over a smaller one sampled more (coverage 0.5)"
    assert head.low > 1  # measured 2.7 [2.0, 4.8]: sampling Pythia-160M more beats Pythia-12B
    assert f.verdict == _expected("test-time cheaper")
    assert "never" in f.number("demand from which the largest model is cheapest (coverage 0.5)").note
    assert Finding.from_dict(json.loads(f.to_json())) == f


def test_debate_numbers_finding(findings):
    f = findings[KEY_DEBATE]
    assert f.verdict == _expected("depends")
    g = f.number("H100s bought with $1B")
    assert g.low < 25_000 < g.high
    # all-in (datacenter, power, network, staff): measured 9.1K [6.5K, 11.5K]; the claimed ~25K lies outside
    a = f.number("H100s bought with $1B, all-in (datacenter, power, network, staff)")
    assert a.high < 25_000 and a.value < g.low
    name, rows = f.tables[0]
    assert name.startswith("What $1B buys in H100s") and [r["scenario"] for r in rows] == ["servers only", "all-in"]
    assert [r["claimed ~25K inside the range"] for r in rows] == [True, False]
    assert f.number("o1 / GPT-4o price per output token").value == 6.0
    assert f.number("fall in cost per token at MMLU >= 0.65 over 2 years (data)").high < 3.0
    assert any("three orders of magnitude" in n for n in f.notes)
    tasks = f.headline_number
    assert 1e7 < tasks.value < 1e10 and tasks.low < tasks.value < tasks.high
    assert f.number("inference-aware model size, 13B quality and 2T inference tokens").value == pytest.approx(8.02e9, rel=0.01)
    assert {"epoch-ml-hardware", "epoch-benchmark-stitching", "epoch-ai-models"} <= set(f.data_sources)
    assert Finding.from_dict(json.loads(f.to_json())) == f
