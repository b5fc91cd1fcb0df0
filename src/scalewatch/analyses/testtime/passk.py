r"""Repeated sampling: pass@k, coverage curves, majority vote and best-of-n with an imperfect verifier.

pass@k
------
Draw :math:`n` samples for a problem, :math:`c` of them correct. The unbiased
estimator of the probability that at least one of :math:`k \le n` samples is
correct (Chen et al. 2021, eq. 1) is

.. math:: \widehat{\mathrm{pass@}k} = 1 - \binom{n-c}{k} \Big/ \binom{n}{k}
          = 1 - \prod_{i=0}^{k-1} \Bigl(1 - \frac{c}{n-i}\Bigr)
          = 1 - \prod_{j=0}^{c-1} \Bigl(1 - \frac{k}{n-j}\Bigr).

The ratio of binomials is evaluated as a sum of ``log1p`` terms (whichever of
the two products is shorter, or one cumulative sum that serves every k of a
problem), never as a difference of log-gamma values: at :math:`n = 10^5`,
``gammaln`` is about :math:`10^6` and its last bit alone is worth
:math:`2 \times 10^{-10}` in the result. The sums are exact to about
:math:`10^{-14}` for :math:`n` up to :math:`10^5` and beyond.

*Coverage* is pass@k averaged over the problems of a benchmark (Brown et al.
2024); its interval here comes from resampling problems, the unit the
benchmark samples.

Selecting one answer
--------------------
Coverage counts a problem solved when *any* sample is correct, which needs an
oracle verifier. Without one a single answer must be chosen:

* **majority vote** (self-consistency, Wang et al. 2023): the most frequent
  final answer of k samples. As :math:`k \to \infty` it is correct exactly on
  the problems whose correct answer is the mode of the answer distribution, so
  it plateaus at the share of such problems, below coverage's limit (the share
  of problems with :math:`p_i > 0`). It needs per-problem *answer
  distributions*, not just counts of correct samples.
* **best-of-n with an imperfect verifier**: a verifier that accepts a correct
  sample with probability ``tpr`` and a wrong one with probability ``fpr``; one
  of the accepted samples is returned at random (any sample if none is
  accepted). Per problem with single-sample success rate :math:`p`, with
  :math:`a = p\,\mathrm{tpr}` and :math:`b = (1-p)\,\mathrm{fpr}`,

  .. math:: P_k = \bigl(1 - (1-a-b)^k\bigr) \frac{a}{a+b}
                 + (1-a-b)^{k-1}\, p\,(1-\mathrm{tpr}),

  which tends to :math:`a / (a + b)`: a plateau below 1 whenever
  :math:`\mathrm{fpr} > 0`. Brown et al. (2024) see majority vote and
  reward-model selection level off after a few hundred samples while coverage
  keeps rising.

For a user's own per-sample results, :func:`majority_at_k` (answers) and
:func:`best_of_k` (verifier scores) estimate the same quantities;
:func:`best_of_k` is exact and unbiased, like pass@k: among k samples drawn
without replacement from n, sample i is picked when it has the highest score,
with probability :math:`\binom{r_i}{k-1} / \binom{n}{k}` where :math:`r_i` is
the number of samples scored below it.

References
----------
Chen et al. (2021), "Evaluating Large Language Models Trained on Code",
arXiv:2107.03374, eq. 1 and Fig. 3 (numerically stable form).
Brown et al. (2024), "Large Language Monkeys: Scaling Inference Compute with
Repeated Sampling", arXiv:2407.21787.
Wang et al. (2023), "Self-Consistency Improves Chain of Thought Reasoning in
Language Models", ICLR, arXiv:2203.11171.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.findings import Result

__all__ = [
    "DEFAULT_KS",
    "pass_at_k",
    "pass_at_k_matrix",
    "CoverageCurves",
    "coverage_curves",
    "per_problem_counts",
]


#: the k grid of the llmonkeys coverage curve: powers of two up to 8192, and 10,000
DEFAULT_KS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 10000)


def _ints(x: Any, name: str, func: str) -> np.ndarray:
    """``x`` as an int64 array; floats only when they hold whole numbers."""
    arr = np.asarray(x)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"{func}({name}=...) takes integers (counts); got {arr.dtype} values.")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{func}({name}=...) takes whole numbers (counts); got non-integer values such as {arr[arr != np.round(arr)][:1]}.")
    return arr.astype(np.int64)


def _check_counts(n: np.ndarray, c: np.ndarray, func: str) -> None:
    if np.any(n < 1):
        raise ValueError(f"{func}(n=...) is the number of samples per problem and must be >= 1; got {int(n.min())}.")
    if np.any(c < 0) or np.any(c > n):
        bad = np.flatnonzero(((c < 0) | (c > n)).ravel())[0]
        raise ValueError(
            f"{func}(c=...) counts correct samples and must lie in [0, n]; got c={int(c.ravel()[bad])} with n={int(n.ravel()[bad])}."
        )


def _check_k(k: np.ndarray, n: np.ndarray, func: str) -> None:
    if np.any(k < 1):
        raise ValueError(f"{func}(k=...) must be >= 1; got {int(k.min())}.")
    if np.any(k > n):
        bad = np.flatnonzero((k > n).ravel())[0]
        raise ValueError(
            f"{func}(k=...) cannot exceed the samples drawn: k={int(k.ravel()[bad])} > n={int(n.ravel()[bad])}; "
            "the unbiased estimator needs k <= n (draw more samples or use a smaller k)."
        )


def _log_ratio_short(n: int, c: int, ks: np.ndarray) -> np.ndarray:
    """log C(n-c, k)/C(n, k) for each k, as the c-term product (c small)."""
    j = np.arange(c, dtype=np.float64)
    return np.log1p(-ks[:, None] / (n - j)[None, :]).sum(axis=1)


def _log_ratio_cumulative(n: int, c: int, kmax: int) -> np.ndarray:
    """log C(n-c, k)/C(n, k) for k = 1..kmax (kmax <= n - c), one cumulative sum."""
    i = np.arange(kmax, dtype=np.float64)
    return np.cumsum(np.log1p(-c / (n - i)))


def _fail_prob(n: int, c: int, ks: np.ndarray) -> np.ndarray:
    """C(n-c, k)/C(n, k) for each k of ``ks`` (one problem), exact to ~1e-14."""
    out = np.zeros(ks.shape, dtype=np.float64)
    if c == 0:
        return np.ones(ks.shape, dtype=np.float64)
    ok = ks <= n - c  # otherwise every draw of k contains a correct sample: ratio 0
    if not ok.any():
        return out
    kk = ks[ok]
    kmax = int(kk.max())
    if c * kk.size < kmax:  # fewer terms through the c-term product
        out[ok] = np.exp(_log_ratio_short(n, c, kk.astype(np.float64)))
    else:
        cum = _log_ratio_cumulative(n, c, kmax)
        out[ok] = np.exp(cum[kk - 1])
    return out


def pass_at_k(n: Any, c: Any, k: Any) -> np.ndarray:
    r"""Unbiased pass@k from n samples of which c are correct (Chen et al. 2021).

    .. math:: \widehat{\mathrm{pass@}k} = 1 - \binom{n-c}{k} \Big/ \binom{n}{k}

    Parameters
    ----------
    n : int or array of int
        Samples drawn per problem (>= 1).
    c : int or array of int
        Correct samples per problem, in ``[0, n]``.
    k : int or array of int
        Samples per attempt, in ``[1, n]``.

    ``n``, ``c`` and ``k`` broadcast against each other.

    Returns
    -------
    numpy.ndarray of float
        pass@k per broadcast element (0-d for scalar inputs).

    Raises
    ------
    ValueError
        Counts out of range (``c > n``, ``k > n``, ``k < 1``) or not whole numbers.
    TypeError
        Non-numeric input.

    Notes
    -----
    The ratio of binomials is the product :math:`\prod_{i<k} (1 - c/(n-i))`,
    summed in logs with ``log1p``; for each distinct (n, c) one cumulative sum
    serves every requested k (or the shorter c-term product is used). Exact to
    about 1e-14 for n up to 1e5 (see the module notes for why not ``gammaln``).

    References
    ----------
    Chen et al. (2021), arXiv:2107.03374, eq. 1 and Fig. 3.

    Examples
    --------
    >>> round(float(pass_at_k(10, 1, 1)), 12)
    0.1
    >>> round(float(pass_at_k(10, 1, 5)), 12)  # 1 - C(9,5)/C(10,5)
    0.5
    >>> pass_at_k(10_000, [0, 10, 10_000], 100).round(6).tolist()
    [0.0, 0.095659, 1.0]
    """
    func = "pass_at_k"
    n_, c_, k_ = np.broadcast_arrays(_ints(n, "n", func), _ints(c, "c", func), _ints(k, "k", func))
    _check_counts(n_, c_, func)
    _check_k(k_, n_, func)
    flat_n, flat_c, flat_k = n_.ravel(), c_.ravel(), k_.ravel()
    fail = np.empty(flat_n.shape, dtype=np.float64)
    pairs, inverse = np.unique(np.stack([flat_n, flat_c], axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(pairs) + 1))
    for p, (nn, cc) in enumerate(pairs):
        idx = order[bounds[p] : bounds[p + 1]]
        ks = flat_k[idx]
        uk, where = np.unique(ks, return_inverse=True)
        fail[idx] = _fail_prob(int(nn), int(cc), uk)[where.ravel()]
    return (1.0 - fail).reshape(n_.shape)


def pass_at_k_matrix(n: Any, c: Any, ks: Sequence[int] | np.ndarray) -> np.ndarray:
    """pass@k of every problem (rows) at every k of ``ks`` (columns).

    Parameters
    ----------
    n, c : array of int, shape (P,)
        Samples and correct samples per problem.
    ks : sequence of int, shape (K,)
        Values of k, each <= min(n).

    Returns
    -------
    numpy.ndarray, shape (P, K)

    Examples
    --------
    >>> pass_at_k_matrix([4, 4], [0, 2], [1, 2]).round(6).tolist()
    [[0.0, 0.0], [0.5, 0.833333]]
    """
    n_ = np.atleast_1d(np.asarray(n))
    c_ = np.atleast_1d(np.asarray(c))
    if n_.ndim != 1 or c_.shape != n_.shape:
        raise ValueError(f"pass_at_k_matrix(n, c): give one n and one c per problem (1-d, same length); got shapes {n_.shape} and {c_.shape}.")
    k_ = np.atleast_1d(np.asarray(ks))
    if k_.ndim != 1 or k_.size == 0:
        raise ValueError(f"pass_at_k_matrix(ks=...) takes a 1-d sequence of k values; got shape {k_.shape}.")
    return pass_at_k(n_[:, None], c_[:, None], k_[None, :])


def _check_ci(ci: Any, func: str) -> float:
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ValueError(f"{func}(ci={ci!r}) is a confidence level between 0 and 1, e.g. 0.95.")
    return float(ci)


def _check_resamples(n: Any, func: str, minimum: int = 0) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{func}(n_resamples={n!r}) must be an integer >= {minimum} (1000 for reported intervals).")
    return int(n)


@dataclass(frozen=True)
class CoverageCurves(Result):
    """Coverage (mean pass@k over problems) per model and k, with problem-bootstrap intervals.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (model, k): ``model, k, coverage, low, high, n_problems,
        n_samples`` (``n_samples`` the smallest n of the model's problems).
    ks : tuple of int
        The k values.
    ci : float
        Level of the intervals.
    n_resamples : int
        Bootstrap resamples of problems (0: no intervals).
    seed : int or None
        Seed of the resampling.
    """

    table: Any = field(repr=False)
    ks: tuple[int, ...]
    ci: float
    n_resamples: int
    seed: Any = None

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.table["model"].tolist()))

    def curve(self, model: str) -> Any:
        """The rows of one model, ordered by k."""
        rows = self.table[self.table["model"] == model]
        if rows.empty:
            raise KeyError(f"no model {model!r} in these coverage curves; models: {list(self.models)}")
        return rows.sort_values("k").reset_index(drop=True)

    def to_frame(self) -> Any:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: settings and one record per (model, k)."""
        from scalewatch.findings import json_safe

        return json_safe({
            "ks": list(self.ks),
            "ci": self.ci,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "estimator": "unbiased pass@k, 1 - C(n-c, k)/C(n, k) (Chen et al. 2021), averaged over problems",
            "curves": self.table.to_dict(orient="records"),
        })

    def report(self) -> str:
        lines = [
            f"[[Coverage curves]] {len(self.models)} model(s), k = {self.ks[0]} .. {self.ks[-1]}",
            "    estimator   unbiased pass@k (Chen et al. 2021), mean over problems",
            f"    interval    {100 * self.ci:g}% percentile, {self.n_resamples} resamples of problems"
            if self.n_resamples else "    interval    none (n_resamples=0)",
        ]
        for m in self.models:
            cur = self.curve(m)
            lines.append(f"[[{m}]] {int(cur['n_problems'].iloc[0])} problems, n >= {int(cur['n_samples'].iloc[0])} samples each")
            for _, r in cur.iterrows():
                iv = f"[{r['low']:.4f}, {r['high']:.4f}]" if np.isfinite(r["low"]) else ""
                lines.append(f"    k = {int(r['k']):>7}   {r['coverage']:.4f} {iv}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CoverageCurves({len(self.models)} models, {len(self.ks)} values of k, ci={self.ci:g}, n_resamples={self.n_resamples})"


def _resolve_columns(table: Any, columns: Mapping[str, str] | None, func: str) -> dict[str, str]:
    defaults = {"model": "model", "problem": "problem", "n": "n", "c": "c"}
    aliases = {
        "model": ("model", "run_id", "model_id"),
        "problem": ("problem", "problem_idx", "problem_id", "task"),
        "n": ("n", "num_samples", "samples"),
        "c": ("c", "num_correct", "correct"),
    }
    have = list(table.columns)
    out = {}
    for role in defaults:
        given = (columns or {}).get(role)
        if given is not None:
            if given not in have:
                raise ValueError(f"{func}(columns={{{role!r}: {given!r}}}) names no column; columns: {have}.")
            out[role] = given
            continue
        found = next((a for a in aliases[role] if a in have), None)
        if found is None and role != "model":
            raise ValueError(
                f"{func}: the table needs a {role!r} column (one of {aliases[role]}); columns: {have}; "
                f"pass columns={{{role!r}: 'your_column'}}."
            )
        if found is not None:
            out[role] = found
    return out


def per_problem_counts(table: Any, *, columns: Mapping[str, str] | None = None, func: str = "coverage_curves") -> Any:
    """A per-problem table with standard columns ``model, problem, n, c`` (ints), checked.

    Accepts the llmonkeys names (``run_id``/``model``, ``problem_idx``,
    ``num_samples``, ``num_correct``) and ``model, problem, n, c``; without a
    model column every row belongs to model ``"model"``.
    """
    import pandas as pd

    if not hasattr(table, "columns"):
        table = pd.DataFrame(table)
    cols = _resolve_columns(table, columns, func)
    out = pd.DataFrame({
        "model": table[cols["model"]].astype(str).to_numpy() if "model" in cols else np.full(len(table), "model"),
        "problem": table[cols["problem"]].to_numpy(),
        "n": _ints(table[cols["n"]].to_numpy(), "n", func),
        "c": _ints(table[cols["c"]].to_numpy(), "c", func),
    })
    if out.empty:
        raise ValueError(f"{func}: the table has no rows; give one row per (model, problem) with n and c.")
    _check_counts(out["n"].to_numpy(), out["c"].to_numpy(), func)
    dup = out.duplicated(["model", "problem"])
    if dup.any():
        r = out[dup].iloc[0]
        raise ValueError(f"{func}: problem {r['problem']!r} of model {r['model']!r} appears more than once; give one row per (model, problem).")
    return out


def coverage_curves(
    table: Any,
    ks: Sequence[int] | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> CoverageCurves:
    r"""Coverage against k per model, from per-problem sample counts, with intervals.

    .. math:: \mathrm{coverage}(k) = \frac{1}{P} \sum_{i=1}^{P} \widehat{\mathrm{pass@}k}_i

    Parameters
    ----------
    table : DataFrame or mapping of columns
        One row per (model, problem): ``model`` (optional), ``problem``,
        ``n`` (samples drawn) and ``c`` (correct samples). The llmonkeys
        column names (``run_id``, ``problem_idx``, ``num_samples``,
        ``num_correct``) are recognised too.
    ks : sequence of int, optional
        Values of k; default powers of two up to the smallest n, and n itself.
    columns : mapping, optional
        Role -> column name for other names, e.g. ``{"c": "n_correct"}``.
    n_resamples : int, default 1000
        Bootstrap resamples of problems (with replacement, the same draw for
        every k, so a curve's points move together); 0 for no interval.
    ci : float, default 0.95
        Level of the percentile intervals.
    seed : int, Generator or None, default 0
        Seed of the resampling.

    Returns
    -------
    CoverageCurves

    Raises
    ------
    ValueError
        Missing columns, counts out of range, a k above a model's smallest n.

    References
    ----------
    Brown et al. (2024), arXiv:2407.21787 (coverage); Chen et al. (2021),
    eq. 1.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"problem": [0, 1], "n": [10, 10], "c": [0, 5]})
    >>> coverage_curves(t, [1, 10], n_resamples=0).table[["k", "coverage"]].values.tolist()
    [[1.0, 0.25], [10.0, 0.5]]
    """
    import pandas as pd

    func = "coverage_curves"
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func)
    counts = per_problem_counts(table, columns=columns, func=func)
    rng = seeds.rng(seed)
    rows = []
    ks_used: tuple[int, ...] | None = None
    for model, grp in counts.groupby("model", sort=False):
        n, c = grp["n"].to_numpy(), grp["c"].to_numpy()
        nmin = int(n.min())
        if ks is None:
            grid = [2**j for j in range(int(np.log2(nmin)) + 1)]
            kk = np.array(grid + ([nmin] if grid[-1] != nmin else []), dtype=np.int64)
        else:
            kk = _ints(np.atleast_1d(ks), "ks", func)
            if kk.ndim != 1 or kk.size == 0:
                raise ValueError(f"{func}(ks=...) takes a non-empty 1-d sequence of k values.")
            if kk.max() > nmin:
                raise ValueError(
                    f"{func}(ks=...) asks for k={int(kk.max())} but model {model!r} has a problem with only n={nmin} samples; "
                    f"use ks <= {nmin}."
                )
            _check_k(kk, np.full(kk.shape, nmin), func)
        ks_used = tuple(int(v) for v in kk) if ks_used is None else tuple(sorted(set(ks_used) | set(int(v) for v in kk)))
        P = pass_at_k_matrix(n, c, kk)  # (problems, K)
        cov = P.mean(axis=0)
        if n_resamples:
            idx = rng.integers(0, len(n), size=(n_resamples, len(n)))
            boot = P[idx].mean(axis=1)  # (R, K)
            lo, hi = np.quantile(boot, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
        else:
            lo = hi = np.full(len(kk), np.nan)
        for j, k in enumerate(kk):
            rows.append({
                "model": str(model), "k": int(k), "coverage": float(cov[j]), "low": float(lo[j]), "high": float(hi[j]),
                "n_problems": int(len(n)), "n_samples": nmin,
            })
    return CoverageCurves(pd.DataFrame(rows), ks_used or (), ci, n_resamples, seeds.seed_label(seed))
