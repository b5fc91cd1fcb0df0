"""Test-time findings: exchange rate recovery, verdict rules, and the registered analyses on llmonkeys."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch.findings import VERDICTS, Finding
from scalewatch.analyses.testtime.exchange import exchange_rate
from scalewatch.analyses.testtime import (
    KEY_COVERAGE,
    KEY_EXCHANGE,
    KEY_SELECTION,
    PROPOSED_VERDICTS,
    checked_verdict,
)
from scalewatch.analyses.testtime.coverage_finding import coverage_verdict
from scalewatch.analyses.testtime.exchange import exchange_verdict
from scalewatch.analyses.testtime.selection_finding import selection_verdict


def _planted(eps: float, seed: int = 0, n: int = 1_000_000, n_problems: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Model j succeeds like m_j samples of a base model: p_j = 1 - (1 - p)^m_j, m_j = (C_j / C_0)^eps.

    Then coverage_j(k) = coverage_base(k m_j), so k*_j = k*_base / m_j and 10x
    training compute replaces exactly 10^eps x samples. Success rates with a
    heavy left tail (Beta(0.2, 30)) make every curve close to Brown's law
    (Schaeffer et al. 2025), and n = 10^6 keeps the counts' rounding small.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(0.2, 30.0, size=n_problems)
    N = np.array([1e8, 4e8, 1.6e9, 6.4e9])
    D = 3e11
    m = (N / N[0]) ** eps
    rows = []
    for j, (nn, mj) in enumerate(zip(N, m)):
        pj = 1 - (1 - p) ** mj
        rows += [{"model": f"m{j}", "problem": i, "n": n, "c": int(round(n * q))} for i, q in enumerate(pj)]
    return pd.DataFrame(rows), pd.DataFrame({"model": [f"m{j}" for j in range(4)], "params": N, "tokens": D})


@pytest.mark.parametrize("eps", [0.3, 0.5])
def test_exchange_rate_recovers_a_planted_elasticity(eps):
    counts, models = _planted(eps)
    ks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
    ex = exchange_rate(counts, models, targets=[0.3], ks=ks, n_resamples=200, seed=1)
    s = ex.at(0.3)
    assert s["samples_per_10x"] == pytest.approx(10**eps, rel=0.05)  # the law misfits where k* nears 1 (eps >= 0.8 here)
    assert s["samples_per_10x_low"] < s["samples_per_10x"] < s["samples_per_10x_high"]
    # training tokens fixed: C is proportional to N, so test-time FLOP = samples x N and eps_flop = eps_samples - 1
    assert s["eps_flop"] == pytest.approx(s["eps_samples"] - 1.0, abs=1e-9)
    assert ex.k_draws[0.3].shape == (200 - ex.n_failed, 4)
    assert json.loads(json.dumps(ex.to_dict()))["slopes"][0]["target"] == 0.3


def test_exchange_rate_errors():
    counts, models = _planted(0.5, n_problems=40)
    with pytest.raises(ValueError, match="not in models=..."):
        exchange_rate(counts, models.iloc[:2], n_resamples=0)
    with pytest.raises(ValueError, match="coverages strictly between 0 and 1"):
        exchange_rate(counts, models, targets=[1.5], n_resamples=0)
    shuffled = counts.copy()
    shuffled.loc[shuffled["model"] == "m1", "problem"] += 1000
    with pytest.raises(ValueError, match="answered different problems"):
        exchange_rate(shuffled, models, n_resamples=0)


def test_verdict_rules():
    assert coverage_verdict(2, (0.0, -1.0, 1.0), (5.0, 4.0, 6.0))[0] == "inconclusive"
    assert coverage_verdict(7, (0.0, -8.0, 8.0), (5.0, 4.0, 6.0))[0] == "inconclusive"
    assert coverage_verdict(7, (-3.0, -4.0, -1.0), (5.0, 4.0, 6.0))[0] == "bends"
    assert coverage_verdict(7, (3.0, 1.0, 4.0), (5.0, 4.0, 6.0))[0] == "holds"
    assert coverage_verdict(7, (-3.0, -4.0, -1.0), (0.3, 0.1, 0.8))[0] == "breaks"
    assert selection_verdict((10.0, 6.0, 14.0))[0] == "bends"
    assert exchange_verdict((0.5, 0.4, 0.9))[0] == "test-time cheaper"
    assert exchange_verdict((2.0, 1.2, 3.0))[0] == "depends"
    assert exchange_verdict((1.0, 0.8, 1.3))[0] == "inconclusive"


def test_checked_verdict_passes_known_verdicts_and_notes_proposed_ones():
    notes: list[str] = []
    assert checked_verdict("bends", notes) == "bends" and notes == []
    shown = checked_verdict("test-time cheaper", notes)
    if "test-time cheaper" in VERDICTS["test-time"]:
        assert shown == "test-time cheaper" and notes == []
    else:
        assert shown == "inconclusive" and "'test-time cheaper'" in notes[0]
    assert set(PROPOSED_VERDICTS) == {"test-time cheaper", "pretraining cheaper", "depends"}


@pytest.fixture(scope="module")
def findings():
    from scalewatch.reporting import run_report

    report = run_report(modules=["scalewatch.analyses.testtime"], only=["test-time.coverage_law", "test-time.selection", "test-time.exchange_rate"], fast=True)
    out = {}
    for o in report.outcomes:
        assert o.status == "ok" and o.warnings == (), (o.key, o.error, o.warnings)
        (f,) = o.findings
        out[f.key] = f
    return out


def test_coverage_law_finding_on_llmonkeys(findings):
    f = findings[KEY_COVERAGE]
    assert f.question == "test-time" and f.verdict == "holds"
    head = f.headline_number
    assert head.name == "forecast error one decade ahead" and head.low < 0 < head.high  # measured -0.7 [-4.0, 3.0]
    assert -3 < head.value < 2
    b12, b70 = f.number("b (Pythia-12B)"), f.number("b (Pythia-70M)")
    assert b12.value == pytest.approx(0.369, abs=0.002) and b70.value == pytest.approx(0.190, abs=0.002)
    assert b12.low > b70.high  # larger models gain faster from sampling
    ext = f.number("coverage at 100,000 samples (Pythia-12B)")
    assert 0.875 < ext.value < 1 and ext.low < ext.value < ext.high
    assert {fig.title for fig in f.figures} >= {"Coverage against samples per problem"}
    assert any("Brown" in c for c in f.citations) and any("Chen" in c for c in f.citations)
    assert Finding.from_dict(json.loads(f.to_json())) == f


def test_selection_finding_says_majority_vote_is_simulated(findings):
    f = findings[KEY_SELECTION]
    assert f.verdict == "bends"
    gap = f.headline_number
    assert gap.low > 5 and gap.value > 40  # measured 57.6 [52.2, 62.5] points with tpr 0.9, fpr 0.05
    lo, hi = f.number("majority-vote limit, lower bound (Pythia-12B)"), f.number("majority-vote limit, upper bound (Pythia-12B)")
    assert lo.value == 0.0 and hi.value == pytest.approx(112 / 128)  # 16 of 128 problems never solved in 10,000 samples
    assert "SIMULATED" in f.number("majority-vote limit, simulated (Pythia-12B)").note
    assert any("not answer distributions" in n for n in f.notes)
    need = f.number("false-positive rate needed (Pythia-12B)")
    assert 1e-5 < need.value < 1e-3


def test_exchange_finding_on_llmonkeys(findings):
    f = findings[KEY_EXCHANGE]
    head = f.headline_number
    assert head.name == "test-time FLOP replaced by 10x training compute (coverage 0.5)"
    assert head.high < 1  # measured 0.60 [0.45, 0.88]: bigger Pythia models do not pay for their forward pass
    s = f.number("samples replaced by 10x training compute (coverage 0.5)")
    assert s.value == pytest.approx(10 * head.value, rel=1e-9)
    expected = "test-time cheaper" if "test-time cheaper" in VERDICTS["test-time"] else "inconclusive"
    assert f.verdict == expected


def test_own_arithmetic_finding_describes_our_own_models_not_pythia():
    """The report's finding on the committed arithmetic sweep names its subject and needs no download."""
    from types import SimpleNamespace

    from scalewatch.analyses.testtime import KEY_OWN
    from scalewatch.analyses.testtime.arithmetic import own_arithmetic_analysis as own_arithmetic
    from scalewatch.experiments._arith import load_arithmetic_testtime

    res = load_arithmetic_testtime()
    assert res.per_problem["num_samples"].min() >= 64
    ctx = SimpleNamespace(fast=True, seed=0, pick=lambda full, fast: fast)
    finding = own_arithmetic(ctx)
    assert finding.key == KEY_OWN and finding.question == "test-time"
    assert "arithmetic" in finding.summary and "Pythia" not in finding.summary and "MATH" not in finding.summary
    assert finding.verdict in VERDICTS["test-time"]
    assert finding.numbers[0].low <= finding.numbers[0].value <= finding.numbers[0].high
