"""The learning-curve analysis: a law fitted to whole loss curves, backtested on the largest models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.curves import KEY, MIN_FRACTION, curve_points, curves_decision, learning_curve_finding

E, A, B, ALPHA, BETA = 1.82, 482.0, 2085.0, 0.3478, 0.3658


def law_curves(noise: float = 0.002, seed: int = 0, warmup_bump: float = 0.0):
    """12 runs (6 sizes x 20 and 80 tokens per parameter), 10 logged points each, loss from Chinchilla's law."""
    rng = np.random.default_rng(seed)
    runs, pts = [], []
    k = 0
    for n in np.geomspace(1e7, 1e9, 6):
        for tpp in (20, 80):
            d = np.geomspace(tpp * n / 100, tpp * n, 10)
            loss = (E + A / n**ALPHA + B / d**BETA) * np.exp(noise * rng.standard_normal(10))
            loss[: 3] *= 1 + warmup_bump  # early points off the law (warm-up)
            for j in range(10):
                pts.append({"run_id": f"r{k}", "step": 100 * (j + 1), "tokens": d[j], "loss": loss[j]})
            runs.append({"run_id": f"r{k}", "params": n, "tokens": d[-1], "loss": loss[-1]})
            k += 1
    return pd.DataFrame(runs), pd.DataFrame(pts)


def test_curve_points_cut_keeps_late_points_and_the_final_one():
    runs, curves = law_curves()
    pts = curve_points(runs, curves, 0.2)
    for rid, g in pts.groupby("run_id"):
        d_end = curves.loc[curves.run_id == rid, "tokens"].max()
        assert g["D"].min() >= 0.2 * d_end and g["final"].sum() == 1 and g.loc[g.final, "D"].item() == d_end
    assert len(curve_points(runs, curves, 1.0)) == len(runs)  # only the final points
    with pytest.raises(ValueError, match=r"min_fraction=0\).*use a fraction in \(0, 1\]"):
        curve_points(runs, curves, 0)
    with pytest.raises(ValueError, match=r"curve points of 1 run\(s\) with no params"):
        curve_points(runs.iloc[1:], curves)


def test_finding_on_curves_from_the_law_holds_and_recovers_the_exponents():
    runs, curves = law_curves(noise=0.0005, warmup_bump=0.05)
    f = learning_curve_finding(runs, curves, n_boot=40, seed=0)
    assert f.key == KEY and f.rule["rule"]["name"] == "curves.heldout_final"
    assert f.verdict == "holds", f.rule["reason"]
    ex = f.number("held-out mean excess (curve fit)")
    assert ex.low < 0 < ex.high and -1 < ex.low and ex.high < 1
    assert f.number("alpha (curves)").value == pytest.approx(ALPHA, abs=0.03)
    assert f.number("beta (curves)").value == pytest.approx(BETA, abs=0.03)
    # ten points per run pin the law down better than one: a narrower backtest interval than the final-loss fit's
    fin = f.number("held-out mean excess (final-loss fit)")
    assert ex.high - ex.low < fin.high - fin.low
    held = dict(f.tables)["Held-out runs (largest sizes): final loss and predictions"]
    assert len(held) == 4 and sorted({r["N"] for r in held}) == pytest.approx([10 ** (7 + 2 * 4 / 5), 1e9])
    cuts = dict(f.tables)["Sensitivity to the minimum-step cut (fit to the smaller models' curves)"]
    assert [r["used"] for r in cuts].count(True) == 1 and any(r["min fraction of final tokens"] == MIN_FRACTION for r in cuts)


def test_finding_sees_a_larger_model_that_falls_short():
    runs, curves = law_curves()
    big = runs["params"] >= runs["params"].max() / 3  # the held-out sizes end 5% above the law
    ids = set(runs.loc[big, "run_id"])
    curves.loc[curves.run_id.isin(ids), "loss"] *= 1.05
    runs.loc[big, "loss"] *= 1.05
    f = learning_curve_finding(runs, curves, n_boot=40, seed=0)
    assert f.verdict == "falls short of the law"
    assert f.number("held-out mean excess (curve fit)").value == pytest.approx(5.0, abs=1.0)


def test_decision_rule_and_too_few_runs():
    assert curves_decision(4, -0.4, 0.5).verdict == "holds"
    assert curves_decision(2, -0.4, 0.5).outcome == "overruled"
    runs, curves = law_curves()
    few = runs.iloc[:5]
    with pytest.raises(ValueError, match="needs curves of at least 6 runs"):
        learning_curve_finding(few, curves[curves.run_id.isin(few.run_id)], n_boot=20)


def test_on_our_sweep_curves():
    from scalewatch.experiments import load_sweep

    runset, curves = load_sweep()
    f = learning_curve_finding(runset.runs, curves, n_boot=20, seed=0, loss_unit="nats/byte")
    assert f.question == "sweep" and f.verdict in {"holds", "beats the law", "falls short of the law", "inconclusive"}
    assert len(dict(f.tables)["Held-out runs (largest sizes): final loss and predictions"]) == 3
    assert f.number("curve points fitted").value > 150


def test_registered_in_the_default_report():
    from scalewatch.analyses import ANALYSIS_MODULES, load_analyses
    from scalewatch.findings.registry import registered

    assert "scalewatch.analyses.curves" in ANALYSIS_MODULES
    load_analyses()
    assert any(a.key == KEY for a in registered())
