"""pretraining.chinchilla_fit: the published refit reproduced, intervals on every number, an honest verdict rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scalewatch import datasets, laws
from scalewatch.analyses.pretraining.fit import KEY, PUBLISHED, chinchilla_fit_finding, chinchilla_verdict
from scalewatch.findings import VERDICTS


@pytest.fixture(scope="module")
def finding():
    runs = datasets.load("chinchilla-hoffmann2022").runs.runs
    return chinchilla_fit_finding(runs, n_boot=200, seed=0)


def test_reproduces_the_replication_and_reports_intervals(finding):
    assert finding.key == KEY and finding.verdict in VERDICTS["pretraining"]
    assert finding.loss_label == "Huber (delta=0.001) on log residuals"
    names = [n.name for n in finding.numbers]
    assert names == ["mean excess of the largest runs", "a", "E", "A", "B", "alpha", "beta"]
    for n in finding.numbers:
        assert n.has_interval and n.ci == 0.95, n.name
        assert n.low <= n.value <= n.high, n.name
    # Besiroglu et al. (2024): alpha 0.3478, beta 0.3658, E 1.82 on the same runs and loss
    besiroglu = PUBLISHED["Besiroglu et al. (2024)"]
    assert finding.number("alpha").value == pytest.approx(besiroglu["alpha"], abs=0.002)
    assert finding.number("beta").value == pytest.approx(besiroglu["beta"], abs=0.003)
    assert finding.number("E").value == pytest.approx(besiroglu["E"], abs=0.005)
    a = finding.number("a")
    assert 0.47 < a.low < a.value < a.high < 0.57
    assert finding.headline_number.name == "mean excess of the largest runs"


def test_figures_tables_and_sources(finding):
    loss_fig, resid_fig = finding.figures
    assert loss_fig.spec["layout"]["xaxis"]["type"] == "log" and loss_fig.spec["layout"]["yaxis"]["type"] == "log"
    assert resid_fig.spec["layout"]["yaxis"]["type"] == "linear"
    traces = loss_fig.spec["data"]
    left_out = [t for t in traces if t["name"].startswith("left out")]
    assert len(left_out) == 1 and len(left_out[0]["x"]) == 5 and left_out[0]["marker"]["symbol"] == "diamond-open"
    assert any(t.get("fill") == "tonexty" for t in traces)  # the frontier's band
    sizes = [t for t in traces if t["name"].startswith("N ") and t["mode"] == "markers"]
    assert len(sizes) >= 5 and len({t["marker"]["color"] for t in sizes}) == len(sizes)  # one colour per size class
    assert sum(len(t["x"]) for t in sizes) == 240
    titles = [t for t, _ in finding.tables]
    assert titles[0] == "Constants: this fit and the published ones" and len(finding.tables[2][1]) == 5
    assert finding.data_sources == ("chinchilla-hoffmann2022",)
    assert any("Besiroglu" in c for c in finding.citations)


@pytest.mark.parametrize(
    "n_top, low, high, verdict",
    [
        (24, -0.5, 0.5, "holds"),  # equivalence: inside 0 +/- 1%
        (24, -1.5, -0.2, "inconclusive"),  # straddles the margin
        (24, -2.5, -1.2, "beats the law"),  # favourable miss: not "holds"
        (24, 0.2, 1.5, "inconclusive"),  # straddles the margin
        (24, 1.2, 2.5, "bends"),  # unfavourable miss
        (4, 1.2, 2.5, "inconclusive"),  # too few runs
        (24, -3.0, 3.0, "inconclusive"),  # wider than the 4-point gate
        (24, math.nan, 1.0, "inconclusive"),
    ],
)
def test_verdict_rule(n_top, low, high, verdict):
    assert chinchilla_verdict(n_top, low, high)[0] == verdict


def _synthetic(bump: float, seed: int) -> pd.DataFrame:
    """Runs on isoFLOP lines that follow the law, with the top 10% of compute worse by ``bump``."""
    rng = np.random.default_rng(seed)
    truth = dict(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    C = np.repeat(np.geomspace(1e18, 1e22, 10), 20)
    N = np.sqrt(C / 120.0) * np.exp(rng.uniform(-1.5, 1.5, C.size))
    D = C / (6 * N)
    L = laws.Chinchilla()(np.c_[N, D], **truth) * np.exp(0.005 * rng.standard_normal(C.size))
    L = L * np.where(C >= np.quantile(C, 0.9), 1 + bump, 1.0)
    return pd.DataFrame({"params": N, "tokens": D, "compute": C, "loss": L})


@pytest.mark.parametrize("bump, verdict", [(0.0, "holds"), (0.03, "bends")])
def test_verdict_on_synthetic_runs(bump, verdict):
    f = chinchilla_fit_finding(_synthetic(bump, seed=1), n_boot=100, seed=1, drop_highest=0)
    assert f.verdict == verdict
    assert f.number("a").value == pytest.approx(0.37 / 0.72, abs=0.02)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_boot": 5}, "n_boot=5"), ({"drop_highest": -1}, "drop_highest=-1"), ({"top_share": 1.5}, "top_share=1.5")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        chinchilla_fit_finding(_synthetic(0.0, 0), **kwargs)


def test_one_bootstrap_per_fit_is_shared_whatever_the_order_of_the_runs():
    """Issue 16, item 6: the report computes the Chinchilla bootstrap once; every finding quoting a gets that interval."""
    from scalewatch.analyses.pretraining._common import chinchilla_bootstrap

    df = _synthetic(0.0, seed=3)
    res, boot = chinchilla_bootstrap(df["params"], df["tokens"], df["loss"], n_boot=20, seed=5)
    shuffled = df.sample(frac=1.0, random_state=1)
    res2, boot2 = chinchilla_bootstrap(shuffled["params"], shuffled["tokens"], shuffled["loss"], n_boot=20, seed=5)
    assert boot2 is boot and res2 is res  # the same runs in another order: the cached fit
    assert boot.interval("a") == boot2.interval("a") and boot.n_resamples == 20
    f = chinchilla_fit_finding(shuffled, n_boot=20, seed=5, drop_highest=0)
    assert (f.number("a").low, f.number("a").high) == pytest.approx(boot.interval("a"))
    assert "20 bootstrap resamples" in f.number("a").note


def test_the_wall_test_quotes_the_same_interval_of_the_top_runs(finding):
    # one quantity, one interval (issue 16, item 6): the wall test's "top 24 runs: mean excess" pairs the same shared
    # Chinchilla bootstrap with the same cluster resample of model sizes as this finding's headline number
    from scalewatch.analyses.pretraining.wall import wall_test

    w = wall_test(datasets.load("chinchilla-hoffmann2022"), fast=True, calibrate=False, seed=0)
    ours = finding.number("mean excess of the largest runs")
    assert w.top.k == 24 and w.top_grouped.n_boot == 200 and w.top_grouped.n_groups == 17
    assert (w.top_grouped.mean, w.top_grouped.low, w.top_grouped.high) == pytest.approx((ours.value, ours.low, ours.high), abs=1e-12)
    quoted = [n for n in w.to_finding().numbers if n.name.startswith("top 24 runs")]
    assert len(quoted) == 1 and (quoted[0].low, quoted[0].high) == pytest.approx((ours.low, ours.high), abs=1e-12)
    assert "bootstrap parameters" in quoted[0].note
