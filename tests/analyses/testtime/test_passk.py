"""pass@k, coverage curves, majority vote and best-of-n with an imperfect verifier."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from math import comb

import numpy as np
import pandas as pd
import pytest

from scalewatch.analyses.testtime.passk import coverage_curves, pass_at_k, pass_at_k_matrix
from scalewatch.analyses.testtime.selection import (
    AnswerDistributions,
    best_of_k,
    majority_at_k,
    majority_vote_accuracy,
    majority_vote_limit,
    simulate_answer_distributions,
    verifier_best_of_k,
    verifier_plateau,
)


def _exact(n: int, c: int, k: int) -> float:
    """1 - C(n-c, k)/C(n, k) in exact rational arithmetic."""
    if n - c < k:
        return 1.0
    return float(1 - Fraction(comb(n - c, k), comb(n, k)))


# -- pass@k ---------------------------------------------------------------------------------


def test_pass_at_k_matches_exact_rationals_up_to_n_100000():
    rng = np.random.default_rng(0)
    cases = [(100_000, 1, 1), (100_000, 1, 100_000), (100_000, 99_999, 1), (100_000, 50_000, 3), (100_000, 3, 50_000), (10_000, 2328, 10_000)]
    for _ in range(40):
        n = int(rng.integers(1, 100_001))
        c = int(rng.integers(0, min(n, 300) + 1)) if rng.random() < 0.5 else int(rng.integers(0, n + 1))
        k = int(rng.integers(1, min(n, 2000) + 1)) if rng.random() < 0.5 else int(rng.integers(1, n + 1))
        cases.append((n, c, k))
    n, c, k = (np.array(v) for v in zip(*cases))
    got = pass_at_k(n, c, k)
    want = np.array([_exact(*t) for t in cases])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_pass_at_k_small_cases_and_limits():
    assert pass_at_k(10, 0, 5) == 0.0  # nothing correct
    assert pass_at_k(10, 6, 5) == 1.0  # every 5-subset holds a correct sample
    np.testing.assert_allclose(pass_at_k(7, 3, 1), 3 / 7, rtol=1e-15)  # k = 1: the success rate
    np.testing.assert_allclose(pass_at_k(10_000, 1, 10_000), 1.0)
    # relative precision of tiny values: 1 - (1 - k/n) for c = 1
    np.testing.assert_allclose(pass_at_k(100_000, 1, 1), 1e-5, rtol=1e-10)


def test_pass_at_k_broadcasts_and_matrix_agrees():
    n, c = np.array([100, 100, 50]), np.array([0, 10, 25])
    ks = [1, 5, 50]
    M = pass_at_k_matrix(n, c, ks)
    assert M.shape == (3, 3)
    np.testing.assert_allclose(M, pass_at_k(n[:, None], c[:, None], np.array(ks)[None, :]))
    assert np.all(np.diff(M, axis=1) >= 0)  # coverage never falls with k


@pytest.mark.parametrize(
    ("n", "c", "k", "exc", "message"),
    [
        (10, 11, 1, ValueError, r"c=11 with n=10"),
        (10, 3, 11, ValueError, r"k=11 > n=10"),
        (10, 3, 0, ValueError, r"k=...\) must be >= 1"),
        (0, 0, 1, ValueError, r"n=...\) is the number of samples"),
        (10.5, 3, 1, ValueError, "whole numbers"),
        ("10", 3, 1, TypeError, "takes integers"),
    ],
)
def test_pass_at_k_rejects_bad_counts_with_a_fix(n, c, k, exc, message):
    with pytest.raises(exc, match=message):
        pass_at_k(n, c, k)


def test_pass_at_k_reproduces_the_mirror_coverage_curve_to_1e_10(mirror):
    counts = pd.read_csv(mirror / "llmonkeys-pythia-math" / "pythia_math_per_problem_counts.csv")
    ref = pd.read_csv(mirror / "llmonkeys-pythia-math" / "pythia_math_coverage_curve.csv")
    cc = coverage_curves(counts, sorted(ref["k"].unique()), n_resamples=0)
    m = cc.table.merge(ref, on=["model", "k"], suffixes=("", "_ref"))
    assert len(m) == len(ref) == 105
    np.testing.assert_allclose(m["coverage"], m["coverage_ref"], rtol=0, atol=1e-10)


# -- coverage curves -----------------------------------------------------------------------


def _counts(seed: int = 0, n_problems: int = 60, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.beta(0.3, 3.0, size=n_problems)
    rows = [{"model": m, "problem": i, "n": n, "c": int(rng.binomial(n, min(1.0, q * s)))}
            for m, s in (("small", 1.0), ("big", 3.0)) for i, q in enumerate(p)]
    return pd.DataFrame(rows)


def test_coverage_curves_intervals_bracket_the_estimate_and_are_seeded():
    t = _counts()
    a = coverage_curves(t, [1, 4, 16, 64, 200], n_resamples=300, seed=3)
    b = coverage_curves(t, [1, 4, 16, 64, 200], n_resamples=300, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert np.all((a.table["low"] <= a.table["coverage"]) & (a.table["coverage"] <= a.table["high"]))
    assert a.models == ("small", "big")
    big, small = a.curve("big"), a.curve("small")
    assert np.all(big["coverage"].to_numpy() >= small["coverage"].to_numpy() - 1e-12)
    d = json.loads(json.dumps(a.to_dict()))
    assert d["n_resamples"] == 300 and len(d["curves"]) == 10 and "Chen" in d["estimator"]
    assert "[[small]]" in a.report()


def test_coverage_curves_default_grid_columns_and_errors():
    t = _counts(n=100).rename(columns={"c": "n_correct"})
    cc = coverage_curves(t, columns={"c": "n_correct"}, n_resamples=0)
    assert cc.ks == (1, 2, 4, 8, 16, 32, 64, 100)
    assert np.isnan(cc.table["low"]).all()
    with pytest.raises(ValueError, match=r"asks for k=500 .* only n=100 samples; use ks <= 100"):
        coverage_curves(t, [1, 500], columns={"c": "n_correct"})
    with pytest.raises(ValueError, match=r"needs a 'c' column"):
        coverage_curves(t.drop(columns=["n_correct"]))
    dup = pd.concat([t.iloc[:1], t.iloc[:1]])
    with pytest.raises(ValueError, match="appears more than once"):
        coverage_curves(dup, columns={"c": "n_correct"})
    with pytest.raises(KeyError, match="no model 'x'"):
        cc.curve("x")


# -- majority vote -------------------------------------------------------------------------


def test_simulated_distributions_keep_the_success_rates_and_are_seeded():
    p = np.array([0.0, 0.1, 0.5, 1.0])
    a = simulate_answer_distributions(p, n_wrong=5, concentration=0.3, seed=7)
    b = simulate_answer_distributions(p, n_wrong=5, concentration=0.3, seed=7)
    np.testing.assert_array_equal(a.probs, b.probs)
    np.testing.assert_allclose(a.probs.sum(axis=1), 1.0)
    np.testing.assert_array_equal(a.p_correct, p)
    with pytest.raises(ValueError, match="success rates in \\[0, 1\\]"):
        simulate_answer_distributions([1.5])


def test_majority_vote_limit_and_its_bracket():
    d = AnswerDistributions(np.array([[0.5, 0.3, 0.2], [0.2, 0.7, 0.1], [0.4, 0.4, 0.2], [0.34, 0.33, 0.33]]))
    np.testing.assert_allclose(majority_vote_limit(d), [1.0, 0.0, 0.5, 1.0])
    # whatever the wrong answers, p > 1/2 guarantees the mode and p = 0 excludes it
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 300) * (rng.random(300) < 0.8)
    for conc in (0.05, 1.0, 50.0):
        lim = majority_vote_limit(simulate_answer_distributions(p, n_wrong=8, concentration=conc, seed=2))
        assert np.all(lim[p > 0.5] == 1.0) and np.all(lim[p == 0] == 0.0)


def test_majority_vote_accuracy_is_p_at_k1_and_its_limit_at_large_k():
    d = AnswerDistributions(np.array([[0.45, 0.30, 0.25], [0.2, 0.7, 0.1], [0.6, 0.4, 0.0]]))
    acc, se = majority_vote_accuracy(d, [1, 301], n_draws=3000, seed=0)
    assert abs(acc[0] - d.p_correct.mean()) < 4 * se[0] + 1e-3  # one sample: its own answer
    assert abs(acc[1] - majority_vote_limit(d).mean()) < 0.02


def test_majority_at_k_from_answers_agrees_with_exact_enumeration():
    answers = [["4", "4", "5", "6", "4"], ["x", "y", "y", "z", "x"]]
    refs = ["4", "x"]
    k = 3
    exact = []
    for ans, ref in zip(answers, refs):
        tot = 0.0
        subsets = list(itertools.combinations(range(len(ans)), k))
        for s in subsets:
            vals, counts = np.unique([ans[i] for i in s], return_counts=True)
            top = vals[counts == counts.max()]
            tot += (ref in top) / len(top)
        exact.append(tot / len(subsets))
    acc, se = majority_at_k(answers, refs, k, n_draws=4000, seed=0)
    assert abs(acc - np.mean(exact)) < 4 * se + 1e-3
    assert majority_at_k(answers, refs, 5) == (0.75, 0.0)  # all five: problem 1 right, problem 2 a tie of x and y
    with pytest.raises(ValueError, match="only 5 samples; use k <= 5"):
        majority_at_k(answers, refs, 6)


# -- best-of-n with a verifier ---------------------------------------------------------------


def test_verifier_best_of_k_limits():
    p = np.array([0.0, 0.01, 0.3, 0.9])
    np.testing.assert_allclose(verifier_best_of_k(p, 1, tpr=0.8, fpr=0.2), p)  # one sample: its own correctness
    k = 37
    np.testing.assert_allclose(verifier_best_of_k(p, k, tpr=1.0, fpr=0.0), 1 - (1 - p) ** k)  # a perfect verifier is pass@k
    np.testing.assert_allclose(verifier_best_of_k(p, 10**6, tpr=0.9, fpr=0.05), verifier_plateau(p, tpr=0.9, fpr=0.05), atol=1e-9)
    np.testing.assert_allclose(verifier_plateau(p, tpr=0.9, fpr=0.05), np.where(p > 0, 0.9 * p / (0.9 * p + 0.05 * (1 - p)), 0))
    with pytest.raises(ValueError, match=r"fpr=1.5\) is a probability"):
        verifier_plateau(p, tpr=0.9, fpr=1.5)


def test_verifier_best_of_k_matches_a_seeded_simulation():
    rng = np.random.default_rng(0)
    p, tpr, fpr, k, R = 0.2, 0.7, 0.1, 6, 200_000
    correct = rng.random((R, k)) < p
    accepted = np.where(correct, rng.random((R, k)) < tpr, rng.random((R, k)) < fpr)
    pick_pool = np.where(accepted.any(axis=1, keepdims=True), accepted, True)  # none accepted: any sample
    w = pick_pool * rng.random((R, k))
    chosen = correct[np.arange(R), np.argmax(w, axis=1)]
    assert abs(chosen.mean() - float(verifier_best_of_k(p, k, tpr=tpr, fpr=fpr))) < 0.004


def test_best_of_k_is_exact_against_enumeration_with_ties():
    correct = [[True, False, False, True, False], [False, True, False]]
    scores = [[0.2, 0.9, 0.1, 0.9, 0.5], [0.3, 0.3, 0.1]]
    for k in (1, 2, 3):
        want = []
        for ok, sc in zip(correct, scores):
            subs = list(itertools.combinations(range(len(ok)), k))
            tot = 0.0
            for s in subs:
                best = max(sc[i] for i in s)
                top = [i for i in s if sc[i] == best]
                tot += sum(ok[i] for i in top) / len(top)
            want.append(tot / len(subs))
        assert best_of_k(correct, scores, k) == pytest.approx(np.mean(want), abs=1e-12)
    with pytest.raises(ValueError, match="2 correctness flags but 3 scores"):
        best_of_k([[True, False]], [[0.1, 0.2, 0.3]], 1)
