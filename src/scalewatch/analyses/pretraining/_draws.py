"""Resampled draws at scale: bounded blocks, and the normal limit of a resampled mean.

The backtests, the over-training test and the top-run residuals draw means of
resampled residuals (thousands of draws of k runs each). On tens of runs the
draws are made as arrays; on a million runs an array of 4000 draws of 300,000
held-out runs is 9.6 GB and ~10 s of random numbers per call. Two remedies:

* :func:`draw_blocks` splits the draws into blocks of at most
  :data:`DRAW_BLOCK` entries (one block, the same draws as one array, up to
  that size);
* above :data:`EXACT_DRAW_ENTRIES` entries, :func:`normal_mean_draws` draws the
  mean of k values resampled from a population (with or without replacement)
  from its normal limit with the exact mean and variance, sigma^2 / k, times
  the finite-population correction (N - k) / (N - 1) without replacement
  (Hajek 1960, "Limiting distributions in simple random sampling from a
  finite population", Publ. Math. Inst. Hungar. Acad. Sci. 5). The gap to the
  exact distribution is bounded by Berry-Esseen, 0.48 rho / (sigma^3 sqrt k):
  at the threshold (k above 16,777 for 4000 draws) below 0.004 times the
  residuals' standardised third absolute moment.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DRAW_BLOCK", "EXACT_DRAW_ENTRIES", "NULL_DRAWS", "draw_blocks", "normal_mean_draws", "exact_draws"]

#: most entries of a block of simulated draws (draws x runs): 128 MB of float64
DRAW_BLOCK = 2**24
#: most entries (draws x runs) drawn one by one; above, a resampled mean is drawn from its normal limit
EXACT_DRAW_ENTRIES = 2**26
#: draws of a held-out mean excess (or trend) under the law: the backtest's and the over-training test's default
NULL_DRAWS = 4000


def draw_blocks(n: int, per: int, budget: int = DRAW_BLOCK) -> list[slice]:
    """Slices of range(n) whose blocks hold at most ``budget`` entries when each item takes ``per``.

    One slice when all fit: the draws are then those of one array (a split
    array's random stream differs only in its order).
    """
    step = max(1, budget // max(per, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def exact_draws(n_draws: int, k: int) -> bool:
    """Whether ``n_draws`` resampled means of ``k`` values each are drawn value by value."""
    return int(n_draws) * int(k) <= EXACT_DRAW_ENTRIES


def normal_mean_draws(values: np.ndarray, k: int, n_draws: int, rng: np.random.Generator, *, replace: bool = True,
                      weights: np.ndarray | None = None) -> np.ndarray:
    r"""Draws (n_draws,) of the mean of k values resampled from ``values``, from the normal limit.

    With ``weights`` (k,), the weighted sum :math:`\sum_i w_i r_i` of k
    values drawn with replacement instead: mean :math:`\mu \sum w`, variance
    :math:`\sigma^2 \sum w^2`.
    """
    v = np.asarray(values, dtype=float)
    mu, var = float(v.mean()), float(v.var())
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        return rng.normal(mu * float(w.sum()), np.sqrt(var * float(w @ w)), int(n_draws))
    sd = np.sqrt(var / k * ((v.size - k) / max(v.size - 1, 1) if not replace else 1.0))
    return rng.normal(mu, sd, int(n_draws))
