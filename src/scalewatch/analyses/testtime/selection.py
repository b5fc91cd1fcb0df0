"""Selecting one answer without an oracle: majority vote and best-of-n with an imperfect verifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.testtime.passk import _ints

__all__ = [
    "AnswerDistributions",
    "simulate_answer_distributions",
    "majority_vote_limit",
    "majority_vote_accuracy",
    "majority_at_k",
    "verifier_best_of_k",
    "verifier_plateau",
    "best_of_k",
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
