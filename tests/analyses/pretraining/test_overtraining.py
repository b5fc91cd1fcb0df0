"""The pooled trend test of the over-training excess, with run-group dependence."""

from __future__ import annotations

import numpy as np
import pytest

from scalewatch.analyses import pretraining as pt
from scalewatch.findings.rules import rule


@pytest.fixture(scope="module")
def ot():
    return pt.overtraining_test(fast=True, seed=0)


def test_pooled_trend_on_gadre(ot):
    t = ot.trend
    # every per-bin excess is positive and grows with M: pooled within models +0.93% per doubling of M
    assert t["slope"] == pytest.approx(0.93, abs=0.05)
    assert t["n_groups"] == 18 and t["n_runs"] == 62  # 3 training sets x 6 model sizes
    # the parameter bootstrap alone calls it significant (fit uncertainty shared within a training set) ...
    assert t["bootstrap_low"] > 0 and t["bootstrap_p"] < 0.01
    # ... but dropping one model and refitting moves the slope enough that the jackknife interval holds 0
    assert t["jackknife_low"] < 0 < t["jackknife_high"]
    assert t["low"] == min(t["jackknife_low"], t["bootstrap_low"]) and t["high"] == max(t["jackknife_high"], t["bootstrap_high"])
    assert ot.verdict == ot.decision.verdict == "inconclusive"
    f = ot.to_finding()
    assert f.rule["rule"]["name"] == "overtraining.excess_trend"
    assert any("Gadre et al. (2024), abstract" in n for n in f.notes)


def test_pooled_trend_recovers_a_planted_trend_and_none():
    # synthetic runs of a Chinchilla law; over-trained runs get +1% excess per doubling of M (or none)
    from scalewatch import laws

    law = laws.Chinchilla()
    par = dict(E=1.8, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    rng = np.random.default_rng(0)
    rows = []
    for ds in ("a", "b"):
        for N in np.geomspace(1e7, 1e9, 8):
            for M in (0.5, 0.7, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0):
                D = 20 * M * N
                L = float(law.predict({"N": [N], "D": [D]}, par)[0])
                rows.append({"params": N, "tokens": D, "M": M, "ds": ds, "L": L, "noise": rng.normal(0, 0.002)})
    import pandas as pd

    base = pd.DataFrame(rows)
    for planted in (1.0, 0.0):
        df = base.assign(
            loss=base["L"] * np.exp(base["noise"] + planted / 100 * np.log2(np.maximum(base["M"], 1.0))),
            chinchilla_multiplier=base["M"],
            train_dataset=base["ds"],
        )[["params", "tokens", "loss", "chinchilla_multiplier", "train_dataset"]]
        r = pt.overtraining_test(df, n_boot=20, seed=0, min_multiplier=None)
        assert r.trend["slope"] == pytest.approx(planted, abs=0.2)
        assert r.trend["low"] < planted < r.trend["high"]


def test_trend_rule():
    r = rule("overtraining.excess_trend")
    assert r.decide(0.5, 1.5).verdict == "bends"
    assert r.decide(-0.1, 0.2).verdict == "holds"
    assert r.decide(-0.26, 2.16).verdict == "inconclusive"  # the measured interval: too wide


def test_gadre_style_extrapolation_to_the_large_runs(ot):
    ex = ot.extrapolation.set_index(["train_dataset", "M", "params"])
    # Chinchilla's law fitted to the 0.011B-0.411B runs of RedPajama predicts the 1.4B, 900B-token run
    # (M = 32, Gadre et al.'s headline target) to -0.64%, the 6.9B compute-optimal runs 2-4% too low
    big = ex.xs(32.0, level="M").iloc[0]
    assert big.tokens == pytest.approx(9.2147e11, rel=1e-3) and abs(big.rel_error_pct) < 1.5
    seven = ex[ex.index.get_level_values("params") > 6e9]
    assert len(seven) == 3 and (seven["rel_error_pct"].abs() < 6).all()
    names = [n.name for n in ot.to_finding().numbers]
    assert any(n.startswith("ours: Gadre-style extrapolation to 1.4B params, 921B tokens") for n in names)


def test_finding_sets_published_beside_our_repeat_of_their_procedure(ot):
    f = ot.to_finding()
    names = [n.name for n in f.numbers]
    pub = [n for n in f.numbers if n.name.startswith("published (authors' repository)")]
    assert len(pub) == 2 and sorted(n.value for n in pub) == [0.7103, 0.7320]
    assert all("quoted as printed" in n.note for n in pub)
    ours = {n.name: n.value for n in f.numbers if n.name.startswith("ours, Gadre et al.'s procedure: error")}
    target = "ours, Gadre et al.'s procedure: error of the predicted loss, 1.4B params, D/N = 640 (rpj)"
    assert target in ours and round(ours[target], 4) == 0.7103
    assert sum(n.startswith("ours, Gadre et al.'s procedure: fitted exponent eta") for n in names) == 3
    titles = [t[0] for t in f.tables]
    assert any(t.startswith("Gadre et al.'s extrapolation: published") for t in titles)
    assert any("to within" in n and "percentage points on 2 targets" in n for n in f.notes)
    assert "own extrapolation, repeated" in ot.method() and "not read from the paper" in ot.method()
    d = ot.to_dict()
    assert d["published_repo"]["rpj 6.9B M=20"]["value_pct"] == 0.7320 and len(d["procedure"]) == 9


def test_tokens_per_parameter_of_any_value_are_put_on_the_power_of_two_grid():
    # runs with no chinchilla_multiplier column and tokens per parameter off the grid (jittered by up to +-30%)
    from scalewatch import laws

    law = laws.Chinchilla()
    par = dict(E=1.8, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    rng = np.random.default_rng(1)
    N = np.repeat(np.geomspace(1e7, 1e9, 8), 8)
    M = np.tile([0.5, 0.7, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0], 8) * np.exp(rng.uniform(-0.3, 0.3, N.size))
    D = 20 * M * N
    loss = law.predict({"N": N, "D": D}, par) * np.exp(rng.normal(0, 0.002, N.size))
    import pandas as pd

    r = pt.overtraining_test(pd.DataFrame({"params": N, "tokens": D, "loss": loss}), n_boot=20, seed=0, min_multiplier=None)
    grid = set(r.by_multiplier["M"])
    assert grid <= {0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0} and len(grid) >= 5  # held-out bins, powers of two only
    assert "rounded to the nearest power of two (64 distinct values of M put on" in r.data_note
