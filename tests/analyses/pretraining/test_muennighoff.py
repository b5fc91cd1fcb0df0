"""Muennighoff et al.'s two-stage fit repeated from their notebook; profile likelihoods; the joint search."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scalewatch.analyses import pretraining as pt
from scalewatch.findings.rules import rule


@pytest.fixture(scope="module")
def stage2():
    return pt.muennighoff2023()


def test_the_notebook_runs_and_the_objective_at_the_published_constants():
    runs = pt.notebook_stage2_runs()
    # the notebook prints "Samples:  182" (cell 29)
    assert len(runs) == pt.PUBLISHED_STAGE2["n_runs"] == 182
    assert not runs["run_name"].str.endswith("dedup").any()
    f = float(pt.stage2_objective(pt.PUBLISHED_STAGE2["R_D_star"], pt.PUBLISHED_STAGE2["R_N_star"], runs))
    # float64 value; the notebook prints 0.015825936570763588 from float32 PyTorch
    assert f == pytest.approx(0.0158259353, rel=1e-8)
    assert f == pytest.approx(pt.PUBLISHED_STAGE2["objective_float32"], rel=1e-6)
    assert math.isnan(float(pt.stage2_objective(0.0, 5.0, runs)))  # the notebook's starts at 0 give NaN


def test_the_notebook_procedure_reaches_the_published_constants(stage2):
    nb, pub = stage2.notebook, stage2.published
    # no worse than the published constants' objective, and the same constants to 0.2%
    assert nb["objective"] <= pub["objective_float64"]
    assert nb["R_D_star"] == pytest.approx(15.387756, rel=2e-3)
    assert nb["R_N_star"] == pytest.approx(5.309743, rel=2e-3)
    assert stage2.starts["objective"].isna().sum() == 7  # the 7 starts with an R* of 0
    # a wider search finds a lower objective far from R_D* = 15.4: the valley along R_D* is flat
    assert stage2.ours["objective"] < nb["objective"]
    assert stage2.ours["R_D_star"] > 30


def test_profile_flags_r_d_star_as_not_identified(stage2):
    rd, rn = stage2.profiles["R_D_star"], stage2.profiles["R_N_star"]
    assert not rd.identified and math.isinf(rd.high) and rd.allowed_high >= 1e4
    assert "not identified by these runs" in rd.text()
    assert rd.allowed_low < 15.4  # the published value is inside the range the runs allow
    assert rn.identified and rn.low < 5.31 < rn.high
    # an open interval cannot "hold" on the constant
    assert rule("repetition.constant_identified").decide(math.log10(rd.allowed_low / 15.4), None).verdict == "inconclusive"
    json.dumps(stage2.to_dict())


def test_profile_likelihood_recovers_a_gaussian_interval_and_flags_a_flat_one():
    # least squares in one parameter with n = 100 and unit-scale residuals: F(t) = n (1 + (t - 2)^2 / 100)
    n = 100

    def sse(t):
        return n * (1.0 + (t[0] - 2.0) ** 2 / 100.0) + (t[1] - 1.0) ** 2

    grid = np.linspace(-2.0, 6.0, 801)
    prof = pt.profile_likelihood(sse, [2.0, 1.0], 0, grid, n_obs=n, log_space=False, error_model="gaussian")
    # n log(1 + d^2/100) = 3.84 -> d = 10 sqrt(exp(3.84/100) - 1) = 1.98
    d = 10 * math.sqrt(math.exp(3.841458820694124 / n) - 1)
    assert prof.identified and prof.low == pytest.approx(2 - d, abs=0.011) and prof.high == pytest.approx(2 + d, abs=0.011)

    def flat(t):
        return n * (1.0 + 1e-6 * np.tanh(t[0])) + (t[1] - 1.0) ** 2

    prof = pt.profile_likelihood(flat, [0.0, 1.0], 0, grid, n_obs=n, log_space=False, error_model="gaussian")
    assert not prof.identified and "not identified by these runs" in prof.text()
    with pytest.raises(ValueError, match="increasing"):
        pt.profile_likelihood(flat, [0.0, 1.0], 0, [1.0, 0.0, 2.0], n_obs=n)


def test_the_joint_search_finds_the_lower_optimum():
    from scalewatch import datasets
    from scalewatch.analyses.pretraining.candidates import _data_constrained_starts
    from scalewatch.laws import DataConstrained

    df, _ = pt.datablations_runs(datasets.load("datablations-runs"))
    res, profiles = pt.robust_fit(DataConstrained(), df, _data_constrained_starts(), notes=[], seed=0)
    # the default starts alone stop at 0.0206931 (R_D* 89); 256 Sobol starts find 0.0206924 (R_D* ~79)
    assert res.objective < 0.0206928
    assert 60 < res.params["R_D_star"] < 100
    assert set(profiles) == {"R_D_star", "R_N_star"}


def test_the_repetition_verdict_comes_from_the_written_rule():
    r = rule("repetition.heldout_rms")
    assert r.decide(16.6, 23.0).verdict == "falls short of the law"  # the measured 19.8% RMS is not "holds"
    assert r.decide(0.5, 1.5).verdict == "holds"
    assert r.decide(1.0, 12.0).verdict == "inconclusive"


def test_repetition_test_uses_the_robust_search_and_the_rules():
    r = pt.repetition_test(fast=True, seed=0)
    # the default path of the analysis reaches the lower optimum (0.0206924, R_D* ~79), not 0.0206931 (R_D* 89)
    assert r.fit.objective < 0.0206928
    # the profiles count the 231 distinct configurations of the 296 runs (seeds share a configuration's deviation):
    # R_D* of the joint fit is then open above (profile statistic flat below the threshold up to 3e4), R_N* is closed
    rd, rn = r.profiles["R_D_star"], r.profiles["R_N_star"]
    assert rd.n_obs == 231 and not rd.identified and rd.allowed_low > 15.4
    assert rn.identified and rn.low < 5.3 < rn.high
    # the held-out RMS of 19.8% is not "holds": the written rule says it falls short
    assert r.rms["rms_pct"] == pytest.approx(19.8, abs=0.3)
    assert r.verdict == r.decision.verdict == "falls short of the law"
    f = r.to_finding()
    assert f.rule["rule"]["name"] == "repetition.heldout_rms"
    # the reproduction of the authors' stage 2 is in the finding, published and ours side by side
    names = [n.name for n in f.numbers]
    assert "R_D*, published (Muennighoff et al. 2023; notebook cell 29)" in names
    assert "R_D*, ours: the notebook's stage 2 repeated" in names
    assert "not identified by these runs" in f.summary
    # the judged number leads; an unidentified constant has no point estimate; an identified one has one interval,
    # its profile interval (the bootstrap range only in the note)
    assert f.headline_number.name.startswith("held-out RMS excess") and f.headline_number.low is not None
    rd_n = f.number("R_D* (all runs), ours: not identified (profile likelihood)")
    assert rd_n.value is None and rd_n.low is None and "not identified" in rd_n.note
    rn_n = f.number("R_N* (all runs), ours")
    assert (rn_n.low, rn_n.high) == pytest.approx((rn.low, rn.high)) and "bootstrap percentile range" in rn_n.note
    assert sum(n.name.startswith("R_N* (all runs)") for n in f.numbers) == 1
