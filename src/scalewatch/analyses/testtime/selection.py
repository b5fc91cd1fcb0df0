"""Selecting one answer without an oracle: majority vote and best-of-n with an imperfect verifier, and ``test-time.selection``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch.analyses.testtime._common import (
    DATASET,
    KEY_SELECTION,
    SELECTION_GAP_PP,
    _CITE_BROWN,
    _CITE_CHEN,
    _CITE_EFRON,
    _CITE_WANG,
    _counts_and_params,
    model_label,
    _matrices,
    _model_order,
    _pct,
)
from scalewatch.analyses.testtime.passk import DEFAULT_KS, _ints
from scalewatch.findings import Finding, Number, analysis
from scalewatch.plots import PALETTE, curve, figure, hline, points
from scalewatch import seeds

__all__ = [
    "AnswerDistributions",
    "simulate_answer_distributions",
    "majority_vote_limit",
    "majority_vote_accuracy",
    "majority_at_k",
    "verifier_best_of_k",
    "verifier_plateau",
    "best_of_k",
    "selection_verdict",
    "selection_finding",
    "selection_analysis",
]


@dataclass(frozen=True)
class AnswerDistributions:
    """Per-problem distributions over final answers; answer 0 is the correct one.

    Attributes
    ----------
    probs : numpy.ndarray, shape (P, A)
        Row i: probability of each of A distinct final answers for problem i
        (rows sum to 1); column 0 is the correct answer.
    note : str
        How the distributions were made (simulated with which assumptions, or
        the user's own).
    """

    probs: np.ndarray = field(repr=False)
    note: str = ""

    def __post_init__(self) -> None:
        p = np.asarray(self.probs, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] < 2:
            raise ValueError(f"AnswerDistributions(probs=...) needs shape (problems, answers >= 2); got {p.shape}.")
        if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-9):
            raise ValueError("AnswerDistributions(probs=...): each row is a probability distribution (>= 0, summing to 1).")
        p.setflags(write=False)
        object.__setattr__(self, "probs", p)

    @property
    def p_correct(self) -> np.ndarray:
        """Single-sample success rate per problem (column 0)."""
        return self.probs[:, 0]

    def __repr__(self) -> str:
        return f"AnswerDistributions({self.probs.shape[0]} problems, {self.probs.shape[1]} answers)"


def simulate_answer_distributions(
    p_correct: Any,
    *,
    n_wrong: int = 20,
    concentration: float = 0.5,
    seed: int | np.random.Generator | None = 0,
) -> AnswerDistributions:
    r"""Answer distributions with given per-problem success rates and random wrong answers.

    Problem i puts mass :math:`p_i` on the correct answer and spreads
    :math:`1 - p_i` over ``n_wrong`` wrong answers by a symmetric Dirichlet
    with parameter ``concentration``: small values (0.1) pile the wrong mass on
    one or two popular wrong answers, large values (10) spread it evenly.

    Parameters
    ----------
    p_correct : array of float, shape (P,)
        Single-sample success rate per problem, in [0, 1] (e.g. ``c / n`` of
        real counts).
    n_wrong : int, default 20
        Distinct wrong answers per problem.
    concentration : float, default 0.5
        Dirichlet parameter of the wrong answers (> 0).
    seed : int, Generator or None, default 0

    Returns
    -------
    AnswerDistributions

    Notes
    -----
    Real counts of correct samples (llmonkeys) fix :math:`p_i` but say nothing
    about how wrong answers cluster, which is what decides majority vote; the
    two Dirichlet parameters are that missing assumption, made explicit.

    Examples
    --------
    >>> d = simulate_answer_distributions([0.3, 0.0], n_wrong=4, seed=1)
    >>> d.probs.shape, d.p_correct.tolist()
    ((2, 5), [0.3, 0.0])
    """
    p = np.asarray(p_correct, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ValueError("simulate_answer_distributions(p_correct=...) takes a 1-d array of success rates in [0, 1].")
    if isinstance(n_wrong, bool) or not isinstance(n_wrong, (int, np.integer)) or n_wrong < 1:
        raise ValueError(f"simulate_answer_distributions(n_wrong={n_wrong!r}) must be an integer >= 1.")
    if not (isinstance(concentration, (int, float)) and concentration > 0):
        raise ValueError(f"simulate_answer_distributions(concentration={concentration!r}) must be > 0, e.g. 0.5.")
    rng = seeds.rng(seed)
    wrong = rng.dirichlet(np.full(int(n_wrong), float(concentration)), size=p.size)  # (P, W)
    probs = np.column_stack([p, (1.0 - p)[:, None] * wrong])  # rows of `wrong` sum to 1
    return AnswerDistributions(
        probs,
        f"simulated: correct mass p_i given; wrong mass over {n_wrong} answers ~ Dirichlet({concentration:g}), seed {seeds.seed_label(seed)}",
    )


def majority_vote_limit(dist: AnswerDistributions) -> np.ndarray:
    """Per-problem majority-vote accuracy as k -> infinity.

    1 where the correct answer is the unique mode, 1/m where it ties with m-1
    others for the mode, 0 otherwise.

    Examples
    --------
    >>> d = AnswerDistributions(np.array([[0.5, 0.3, 0.2], [0.2, 0.7, 0.1], [0.4, 0.4, 0.2]]))
    >>> majority_vote_limit(d).tolist()
    [1.0, 0.0, 0.5]
    """
    p = dist.probs
    top = p.max(axis=1, keepdims=True)
    is_top = np.isclose(p, top, rtol=0, atol=1e-12)
    return np.where(is_top[:, 0], 1.0 / is_top.sum(axis=1), 0.0)


def _vote(counts: np.ndarray) -> np.ndarray:
    """Share of draws whose plurality answer is answer 0 (ties broken uniformly). counts: (R, A)."""
    top = counts.max(axis=1, keepdims=True)
    is_top = counts == top
    return np.where(is_top[:, 0], 1.0 / is_top.sum(axis=1), 0.0)


def majority_vote_accuracy(
    dist: AnswerDistributions,
    ks: Sequence[int],
    *,
    n_draws: int = 400,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Majority-vote accuracy at each k, averaged over problems, by seeded Monte Carlo.

    For each problem and k, ``n_draws`` multinomial draws of k answers; the
    plurality answer is correct with the share of draws (ties count 1/m).

    Parameters
    ----------
    dist : AnswerDistributions
    ks : sequence of int
        Samples per vote (>= 1).
    n_draws : int, default 400
        Monte Carlo draws per problem and k.
    seed : int, Generator or None, default 0

    Returns
    -------
    accuracy, stderr : numpy.ndarray, shape (K,)
        Mean accuracy over problems and its Monte Carlo standard error.

    Examples
    --------
    >>> d = AnswerDistributions(np.array([[0.6, 0.4], [0.1, 0.9]]))
    >>> acc, se = majority_vote_accuracy(d, [1, 101], n_draws=2000, seed=0)
    >>> round(float(acc[1]), 1)  # problem 1 always, problem 2 never: 0.5
    0.5
    """
    if not isinstance(dist, AnswerDistributions):
        raise TypeError(f"majority_vote_accuracy(dist=...) takes AnswerDistributions; got {type(dist).__name__}.")
    kk = _ints(np.atleast_1d(ks), "ks", "majority_vote_accuracy")
    if kk.ndim != 1 or np.any(kk < 1):
        raise ValueError("majority_vote_accuracy(ks=...) takes a 1-d sequence of integers >= 1.")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"majority_vote_accuracy(n_draws={n_draws!r}) must be an integer >= 1.")
    rng = seeds.rng(seed)
    P = dist.probs
    acc = np.empty(kk.size)
    se = np.empty(kk.size)
    for j, k in enumerate(kk):
        per_problem = np.empty((P.shape[0], int(n_draws)))
        for i in range(P.shape[0]):
            per_problem[i] = _vote(rng.multinomial(int(k), P[i], size=int(n_draws)))
        means = per_problem.mean(axis=0)  # (draws,): accuracy over problems in each draw
        acc[j] = means.mean()
        se[j] = means.std(ddof=1) / np.sqrt(n_draws) if n_draws > 1 else np.nan
    return acc, se


def majority_at_k(
    answers: Any,
    correct_answer: Any,
    k: int,
    *,
    n_draws: int = 1000,
    seed: int | np.random.Generator | None = 0,
) -> tuple[float, float]:
    """Majority@k from a user's own samples: per problem, draw k of its n answers without replacement and vote.

    Parameters
    ----------
    answers : sequence of sequences
        ``answers[i]`` the n_i final answers (hashable: strings, numbers) sampled for problem i.
    correct_answer : sequence
        The reference answer of each problem.
    k : int
        Samples per vote, <= every n_i.
    n_draws : int, default 1000
        Random subsets per problem (seeded).
    seed : int, Generator or None, default 0

    Returns
    -------
    accuracy, stderr : float
        Mean over problems of the share of subsets whose plurality answer is
        correct (ties count 1/m), and its Monte Carlo standard error.

    Examples
    --------
    >>> majority_at_k([["4", "4", "5"], ["x", "y", "y"]], ["4", "x"], k=3)
    (0.5, 0.0)
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"majority_at_k(k={k!r}) must be an integer >= 1.")
    answers = list(answers)
    correct_answer = list(correct_answer)
    if len(answers) != len(correct_answer) or not answers:
        raise ValueError(f"majority_at_k: {len(answers)} answer lists but {len(correct_answer)} reference answers; give one of each per problem.")
    rng = seeds.rng(seed)
    per_problem = np.empty((len(answers), int(n_draws)))
    for i, (ans, ref) in enumerate(zip(answers, correct_answer)):
        ans = list(ans)
        if len(ans) < k:
            raise ValueError(f"majority_at_k(k={k}): problem {i} has only {len(ans)} samples; use k <= {len(ans)}.")
        labels, codes = np.unique(np.array([str(a) for a in ans]), return_inverse=True)
        hit = np.flatnonzero(labels == str(ref))
        if hit.size == 0:  # the reference never sampled: every vote is wrong
            per_problem[i] = 0.0
            continue
        # move the correct label to column 0
        perm = np.r_[hit[0], np.delete(np.arange(labels.size), hit[0])]
        col = np.empty_like(perm)
        col[perm] = np.arange(perm.size)
        codes = col[codes.ravel()]
        picks = np.argsort(rng.random((int(n_draws), len(ans))), axis=1)[:, :k]  # k without replacement
        counts = np.zeros((int(n_draws), labels.size))
        np.add.at(counts, (np.repeat(np.arange(int(n_draws)), k), codes[picks].ravel()), 1.0)
        per_problem[i] = _vote(counts)
    means = per_problem.mean(axis=0)
    se = float(means.std(ddof=1) / np.sqrt(n_draws)) if n_draws > 1 else float("nan")
    return float(means.mean()), se


def _check_rate(x: Any, name: str, func: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating)) or not 0 <= float(x) <= 1:
        raise ValueError(f"{func}({name}={x!r}) is a probability in [0, 1].")
    return float(x)


def verifier_best_of_k(p: Any, k: Any, *, tpr: float, fpr: float) -> np.ndarray:
    r"""Probability that best-of-k with a threshold verifier returns a correct answer.

    .. math:: P_k = \bigl(1 - (1-a-b)^k\bigr) \frac{a}{a+b} + (1-a-b)^{k-1} p (1 - \mathrm{tpr}),
              \quad a = p\,\mathrm{tpr},\ b = (1-p)\,\mathrm{fpr}

    The verifier accepts a correct sample with probability ``tpr`` and a wrong
    one with probability ``fpr``, independently; the returned answer is a
    uniformly random accepted sample, or a uniformly random sample when none is
    accepted.

    Parameters
    ----------
    p : array of float
        Single-sample success rate per problem.
    k : int or array of int
        Samples (>= 1); broadcasts with ``p``.
    tpr, fpr : float
        Verifier's true- and false-positive rates.

    Returns
    -------
    numpy.ndarray
        Success probability per broadcast element.

    Examples
    --------
    >>> round(float(verifier_best_of_k(0.3, 1, tpr=0.9, fpr=0.1)), 12)  # one sample: p
    0.3
    >>> bool(np.isclose(verifier_best_of_k(0.3, 50, tpr=1.0, fpr=0.0), 1 - 0.7**50))  # a perfect verifier: pass@k
    True
    """
    func = "verifier_best_of_k"
    tpr, fpr = _check_rate(tpr, "tpr", func), _check_rate(fpr, "fpr", func)
    p_ = np.asarray(p, dtype=np.float64)
    if np.any((p_ < 0) | (p_ > 1)):
        raise ValueError(f"{func}(p=...) takes success rates in [0, 1].")
    k_ = _ints(k, "k", func)
    if np.any(k_ < 1):
        raise ValueError(f"{func}(k=...) must be >= 1.")
    a, b = p_ * tpr, (1.0 - p_) * fpr
    q = 1.0 - a - b  # neither accepted: P(a sample is rejected)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(a + b > 0, a / np.where(a + b > 0, a + b, 1.0), 0.0)
        # all k rejected: a uniformly random rejected sample is correct w.p. p (1 - tpr) / q
        rejected_ok = np.where(q > 0, p_ * (1.0 - tpr) / np.where(q > 0, q, 1.0), 0.0)
    qk = np.power(q, k_)
    return (1.0 - qk) * share + qk * rejected_ok


def verifier_plateau(p: Any, *, tpr: float, fpr: float) -> np.ndarray:
    r"""Best-of-k success as :math:`k \to \infty`: :math:`p\,\mathrm{tpr} / (p\,\mathrm{tpr} + (1-p)\,\mathrm{fpr})`.

    Problems with :math:`p = 0` stay at 0; with ``fpr = 0`` every problem with
    :math:`p\,\mathrm{tpr} > 0` reaches 1 (coverage's limit).

    Examples
    --------
    >>> verifier_plateau([0.01, 0.5, 0.0], tpr=0.9, fpr=0.01).round(4).tolist()
    [0.4762, 0.989, 0.0]
    """
    func = "verifier_plateau"
    tpr, fpr = _check_rate(tpr, "tpr", func), _check_rate(fpr, "fpr", func)
    p_ = np.asarray(p, dtype=np.float64)
    if np.any((p_ < 0) | (p_ > 1)):
        raise ValueError(f"{func}(p=...) takes success rates in [0, 1].")
    a, b = p_ * tpr, (1.0 - p_) * fpr
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a + b > 0, a / np.where(a + b > 0, a + b, 1.0), 0.0)


def best_of_k(correct: Any, scores: Any, k: int) -> float:
    r"""Exact, unbiased best-of-k accuracy from a user's scored samples.

    For each problem with n scored samples, the probability that the
    highest-scored of k samples drawn without replacement is correct:

    .. math:: \sum_i \mathbb{1}[\text{sample } i \text{ correct}]\,
              \binom{r_i}{k-1} \Big/ \binom{n}{k}

    with :math:`r_i` the number of samples scored strictly below sample i;
    tied scores share their probability equally (a uniformly random
    tie-break). Averaged over problems.

    Parameters
    ----------
    correct : sequence of sequences of bool
        ``correct[i][j]``: sample j of problem i is correct.
    scores : sequence of sequences of float
        Verifier scores, same shapes (higher is preferred).
    k : int
        Samples per selection, <= every n_i.

    Returns
    -------
    float

    Examples
    --------
    >>> round(best_of_k([[True, False, False]], [[0.2, 0.9, 0.1]], k=1), 12)  # a random sample: 1/3
    0.333333333333
    >>> best_of_k([[True, False, False]], [[0.2, 0.9, 0.1]], k=3)  # all three: the top score is wrong
    0.0
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"best_of_k(k={k!r}) must be an integer >= 1.")
    correct, scores = list(correct), list(scores)
    if len(correct) != len(scores) or not correct:
        raise ValueError(f"best_of_k: {len(correct)} problems of correctness flags but {len(scores)} of scores; give both per problem.")
    total = 0.0
    for i, (ok, sc) in enumerate(zip(correct, scores)):
        ok = np.asarray(ok, dtype=bool)
        sc = np.asarray(sc, dtype=np.float64)
        if ok.shape != sc.shape or ok.ndim != 1:
            raise ValueError(f"best_of_k: problem {i} has {ok.size} correctness flags but {sc.size} scores.")
        n = ok.size
        if n < k:
            raise ValueError(f"best_of_k(k={k}): problem {i} has only {n} samples; use k <= {n}.")
        # P(the max of a k-subset falls in the tie group of score s, and this member is picked)
        uniq, inv = np.unique(sc, return_inverse=True)
        size = np.bincount(inv.ravel(), minlength=uniq.size).astype(np.int64)
        below = np.concatenate([[0], np.cumsum(size)[:-1]])  # samples scored strictly below each group
        # P(max group is g) = [C(below_g + size_g, k) - C(below_g, k)] / C(n, k); members equally likely
        p_group = np.exp(_log_comb(below + size, k) - _log_comb(np.array([n]), k)) - np.exp(_log_comb(below, k) - _log_comb(np.array([n]), k))
        ok_group = np.bincount(inv.ravel(), weights=ok.astype(float), minlength=uniq.size)
        total += float(np.sum(p_group * ok_group / size))
    return total / len(correct)


def _log_comb(m: np.ndarray, k: int) -> np.ndarray:
    """log C(m, k), -inf where m < k (exact to rounding of gammaln; used for selection weights)."""
    from scipy.special import gammaln

    m = np.asarray(m, dtype=np.float64)
    out = np.full(m.shape, -np.inf)
    ok = m >= k
    out[ok] = gammaln(m[ok] + 1) - gammaln(k + 1) - gammaln(m[ok] - k + 1)
    return out


def selection_verdict(gap: tuple[float, float, float], *, threshold: float = SELECTION_GAP_PP) -> tuple[str, str]:
    """Verdict from the gap between coverage and the verifier's plateau (points, pooled over models).

    Examples
    --------
    >>> selection_verdict((40.0, 35.0, 45.0))[0], selection_verdict((1.0, 0.2, 2.0))[0], selection_verdict((5.0, 2.0, 8.0))[0]
    ('bends', 'holds', 'inconclusive')
    """
    est, lo, hi = gap
    if lo > threshold:
        return "bends", f"best-of-n levels off {est:.0f} points below coverage"
    if hi < threshold:
        return "holds", f"best-of-n stays within {threshold:g} points of coverage"
    return "inconclusive", f"the gap's interval [{lo:.1f}, {hi:.1f}] straddles {threshold:g} points"


def _fpr_needed(rates: np.ndarray, target: np.ndarray, tpr: float) -> np.ndarray:
    """False-positive rate at which the mean verifier plateau over problems equals ``target``; rates (R, P), target (R,)."""
    lo = np.full(rates.shape[0], -12.0)  # log10 fpr
    hi = np.zeros(rates.shape[0])
    a = rates * tpr
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        f = 10.0 ** mid[:, None]
        den = a + (1.0 - rates) * f
        plateau = np.where(den > 0, a / np.where(den > 0, den, 1.0), 0.0).mean(axis=1)
        above = plateau >= target  # plateau falls as fpr rises
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 10.0 ** (0.5 * (lo + hi))


def selection_finding(
    per_problem: Any,
    runs: Any = None,
    *,
    tpr: float = 0.9,
    fpr: float = 0.05,
    share: float = 0.9,
    ks: Sequence[int] = DEFAULT_KS,
    n_wrong: int = 20,
    concentration: float = 0.5,
    n_draws: int = 200,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = DATASET,
    data_citation: str | None = None,
) -> Finding:
    r"""Where majority vote and best-of-n with an imperfect verifier level off, against coverage.

    Parameters
    ----------
    per_problem, runs
        As in :func:`coverage_law_finding`.
    tpr, fpr : float, default 0.9, 0.05
        The assumed verifier: accepts a correct sample w.p. ``tpr``, a wrong
        one w.p. ``fpr``.
    share : float, default 0.9
        The finding reports the false-positive rate a verifier needs for its
        plateau to reach this share of the coverage at the largest k.
    ks : sequence of int
        k grid.
    n_wrong, concentration : int, float
        Simulated answer distributions (:func:`simulate_answer_distributions`).
    n_draws : int, default 200
        Monte Carlo draws per problem and k for simulated majority vote.
    n_resamples : int, default 1000
        Problem resamples for the intervals.
    ci : float, default 0.95
    seed : int, Generator or None, default 0
    source, data_citation : str

    Returns
    -------
    Finding
        ``test-time.selection``.
    """
    from scalewatch.analyses.testtime.passk import _check_ci, _check_resamples, _ints

    func = "selection_finding"
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func, minimum=20)
    tpr, fpr = _check_rate(tpr, "tpr", func), _check_rate(fpr, "fpr", func)
    if not 0 < share <= 1:
        raise ValueError(f"{func}(share={share!r}) is a share of coverage in (0, 1], e.g. 0.9.")
    counts, params, _ = _counts_and_params(per_problem, runs)
    names = _model_order(counts, params)
    kk = _ints(np.asarray(ks), "ks", func)
    mats, rates, problems = _matrices(counts, names, kk)
    rng = seeds.rng(seed)
    P = len(problems)
    idx = rng.integers(0, P, size=(n_resamples, P))
    k_last = int(kk.max())
    rows, gap_draws = [], []
    for m in names:
        p = rates[m]
        cov_last = mats[m][:, -1].mean()
        cov_b = mats[m][idx, -1].mean(axis=1)
        plat = verifier_plateau(p, tpr=tpr, fpr=fpr)
        plat_b = plat[idx].mean(axis=1)
        gap_draws.append(100.0 * (cov_b - plat_b))
        need = float(_fpr_needed(p[None, :], np.array([share * cov_last]), tpr)[0])
        need_b = _fpr_needed(p[idx], share * cov_b, tpr)
        lo_mv = (p > 0.5).astype(float)
        hi_mv = (p > 0).astype(float)
        rows.append({
            "model": m, "coverage": float(cov_last), "cov_b": cov_b, "plateau": float(plat.mean()), "plat_b": plat_b,
            "gap": 100.0 * (cov_last - plat.mean()), "need": need, "need_b": need_b,
            "mv_low": float(lo_mv.mean()), "mv_low_b": lo_mv[idx].mean(axis=1), "mv_high": float(hi_mv.mean()), "mv_high_b": hi_mv[idx].mean(axis=1),
            "bo_curve": verifier_best_of_k(p[:, None], kk[None, :], tpr=tpr, fpr=fpr).mean(axis=0),
        })
    gap_b = np.mean(np.vstack(gap_draws), axis=0)
    gap_est = float(np.mean([r["gap"] for r in rows]))
    glo, ghi = _pct(gap_b, ci)
    verdict, reason = selection_verdict((gap_est, glo, ghi))

    # simulated majority vote, for the largest model (the data have no answer distributions)
    big = rows[-1]
    dist = simulate_answer_distributions(rates[big["model"]], n_wrong=n_wrong, concentration=concentration, seed=rng)
    mv_limit = float(majority_vote_limit(dist).mean())
    mv_ks = kk[kk <= 10000]
    mv_acc, mv_se = majority_vote_accuracy(dist, mv_ks, n_draws=n_draws, seed=rng)

    # -- numbers --
    lab_big = model_label(big["model"])
    numbers = [
        Number(
            "coverage minus verifier plateau", gap_est, glo, ghi, "points", ci,
            f"coverage at k = {k_last:,} minus the k -> infinity success of best-of-n with a verifier of tpr {tpr:g}, fpr {fpr:g} (assumed), "
            f"mean over {len(names)} models",
        ),
    ]
    for r in rows:
        numbers.append(Number(
            f"false-positive rate needed ({model_label(r['model'])})", r["need"], *_pct(r["need_b"], ci), "", ci,
            f"for the best-of-n plateau to reach {100 * share:g}% of coverage at k = {k_last:,} (tpr {tpr:g}); "
            "interval from resampling problems",
        ))
    numbers += [
        Number(f"verifier plateau ({lab_big})", big["plateau"], *_pct(big["plat_b"], ci), "", ci,
               f"mean over problems of p tpr / (p tpr + (1-p) fpr), p = c/n; coverage at k = {k_last:,} is {big['coverage']:.3f}"),
        Number(f"majority-vote limit, lower bound ({lab_big})", big["mv_low"], *_pct(big["mv_low_b"], ci), "", ci,
               "share of problems with p > 1/2: there the correct answer is the mode whatever the wrong answers are"),
        Number(f"majority-vote limit, upper bound ({lab_big})", big["mv_high"], *_pct(big["mv_high_b"], ci), "", ci,
               "share of problems with p > 0 (coverage's limit); which value in between depends on how wrong answers cluster, "
               "which counts of correct samples cannot tell"),
        Number(f"majority-vote limit, simulated ({lab_big})", mv_limit, unit="",
               note=f"SIMULATED: wrong answers spread over {n_wrong} answers by Dirichlet({concentration:g}) (seeded); illustrates the bracket, "
                    "not a measurement; no interval"),
    ]

    # -- figures --
    kg = kk.astype(float)
    traces: list[dict[str, Any]] = [points(kg, mats[big["model"]].mean(axis=0), "coverage (oracle verifier)", color="#24292f")]
    p_big = rates[big["model"]]
    for i, f_ in enumerate(sorted({0.1, fpr, 0.01, 0.001}, reverse=True)):
        y = verifier_best_of_k(p_big[:, None], kk[None, :], tpr=tpr, fpr=f_).mean(axis=0)
        name = f"best-of-n, verifier fpr {f_:g}" + (" (assumed)" if f_ == fpr else "")
        traces.append(curve(kg, y, name, color=PALETTE[(i + 1) % len(PALETTE)], dash=None if f_ == fpr else "dot"))
    traces.append(points(mv_ks.astype(float), mv_acc, "majority vote (SIMULATED answers)", color=PALETTE[3], size=6,
                         error_y={"type": "data", "array": (1.96 * mv_se).tolist(), "thickness": 1}))
    fig_sel = figure(
        f"Selecting one answer: {lab_big}", traces, x_title="samples per problem k", y_title="share of problems answered correctly", y_log=False,
        shapes=[hline(big["mv_low"], dash="dot"), hline(big["mv_high"], dash="dot")], height=460,
        caption=(f"Coverage assumes an oracle. Best-of-n with a verifier accepting correct samples w.p. {tpr:g} and wrong ones w.p. fpr levels off at "
                 f"p tpr / (p tpr + (1-p) fpr) per problem. Majority vote uses simulated answer distributions (the data have none); dotted "
                 f"lines bracket its limit from the counts alone."),
    )
    xs = [params.get(r["model"], float(i + 1)) for i, r in enumerate(rows)]
    need = np.array([r["need"] for r in rows])
    nlo = np.array([_pct(r["need_b"], ci)[0] for r in rows])
    nhi = np.array([_pct(r["need_b"], ci)[1] for r in rows])
    fig_need = figure(
        "Verifier false-positive rate needed to keep up with coverage",
        [points(xs, need, f"fpr for {100 * share:g}% of coverage", color=PALETTE[0], text=[model_label(r["model"]) for r in rows],
                error_y={"type": "data", "symmetric": False, "array": (nhi - need).tolist(), "arrayminus": (need - nlo).tolist()})],
        x_title="parameters N", y_title=f"false-positive rate (tpr {tpr:g})",
        caption=f"The largest fpr at which best-of-n still reaches {100 * share:g}% of the coverage at k = {k_last:,}; weaker models need better verifiers.",
    )
    table = [{
        "model": model_label(r["model"]), "params": params.get(r["model"]), f"coverage at k={k_last}": r["coverage"],
        "verifier plateau": r["plateau"], "gap (points)": r["gap"], "fpr needed": r["need"],
        "majority limit >=": r["mv_low"], "majority limit <=": r["mv_high"],
        **{f"best-of-{int(k)}": float(v) for k, v in zip(kk[[0, 4, 8, len(kk) - 1]], r["bo_curve"][[0, 4, 8, len(kk) - 1]])},
    } for r in rows]
    sens = [{"fpr": f_, **{model_label(r["model"]): float(verifier_plateau(rates[r["model"]], tpr=tpr, fpr=f_).mean()) for r in rows}}
            for f_ in (0.2, 0.1, 0.05, 0.01, 1e-3, 1e-4, 0.0)]
    where = {"bends": "levels off", "holds": "stays", "inconclusive": "ends"}[verdict]
    summary = (
        f"With a verifier that accepts {100 * tpr:g}% of correct and {100 * fpr:g}% of wrong samples (assumed), best-of-n on MATH {where} "
        f"{numbers[0].text()} points below coverage on average; staying within {100 - 100 * share:g}% of {lab_big}'s coverage needs a "
        f"false-positive rate near {big['need']:.1g}, and majority vote cannot be measured from these counts (its limit lies between "
        f"{big['mv_low']:.2f} and {big['mv_high']:.2f})."
    )
    method = (
        "Data: per-problem counts of correct samples (n = 10,000) for each Pythia model on 128 MATH problems. They give each problem's "
        "single-sample success rate p = c/n but not the distribution of wrong answers, which majority vote needs.\n\n"
        f"Best-of-n with an imperfect verifier (closed form): the verifier accepts a correct sample w.p. tpr = {tpr:g} and a wrong one w.p. "
        f"fpr = {fpr:g} (assumptions; the sensitivity table varies fpr); one accepted sample is returned at random, any sample if none is "
        "accepted. Per problem P_k = (1 - q^k) a/(a+b) + q^(k-1) p (1 - tpr) with a = p tpr, b = (1-p) fpr, q = 1 - a - b, tending to "
        "a/(a+b). The false-positive rate needed to reach a share of coverage is solved by bisection in log fpr.\n\n"
        "Majority vote (self-consistency, Wang et al. 2023): as k grows it is right exactly where the correct answer is the mode. From counts "
        "alone that limit is bracketed by the share of problems with p > 1/2 (the mode whatever the wrong answers) and the share with p > 0. "
        f"The curve shown is SIMULATED for {lab_big}: the observed p per problem, wrong mass spread over {n_wrong} answers by a symmetric "
        f"Dirichlet({concentration:g}), {n_draws} seeded multinomial draws per problem and k; use scalewatch.analyses._passk.majority_at_k "
        "with real per-sample answers to measure it.\n\n"
        f"Intervals: {n_resamples} resamples of problems (the same for every model); {100 * ci:g}% percentile. Verdict: 'bends' if coverage "
        f"minus the verifier plateau (mean over models) exceeds {SELECTION_GAP_PP:g} points over its whole interval, 'holds' if it stays below, "
        "'inconclusive' otherwise."
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_BROWN, _CITE_WANG, _CITE_CHEN, _CITE_EFRON)
    return Finding(
        key=KEY_SELECTION, question="test-time", title="Majority vote and an imperfect verifier against coverage",
        verdict=verdict, summary=summary, numbers=numbers, figures=[fig_sel, fig_need],
        tables=[("Selection per model", table), (f"Verifier plateau by false-positive rate (tpr {tpr:g})", sens)],
        method=method, data_sources=(source,), citations=citations,
        notes=(f"majority vote is simulated: the data hold counts of correct samples (n = {int(counts['n'].min()):,}), not answer distributions",),
        headline="coverage minus verifier plateau",
    )


@analysis(KEY_SELECTION, question="test-time", requires=(DATASET,), title="Majority vote and an imperfect verifier against coverage")
def selection_analysis(ctx: Any) -> Finding:
    """Majority vote and best-of-n with an imperfect verifier against coverage."""
    ds = ctx.dataset(DATASET)
    return selection_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), n_draws=ctx.pick(200, 50), seed=ctx.seed,
        source=ds.name, data_citation=ds.citation,
    )
