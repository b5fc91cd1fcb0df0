r"""Random-effects pooling of per-benchmark frontier slopes (DerSimonian & Laird 1986).

Each benchmark :math:`i = 1..k` gives an estimate :math:`y_i` (its frontier slope) with a
standard error :math:`s_i`. The random-effects model is
:math:`y_i = \mu + u_i + e_i`, :math:`u_i \sim N(0, \tau^2)` (benchmarks differ),
:math:`e_i \sim N(0, s_i^2)` (sampling error). DerSimonian & Laird's moment estimate is

.. math::

    w_i = 1 / s_i^2, \quad \bar y_w = \frac{\sum w_i y_i}{\sum w_i}, \quad
    Q = \sum w_i (y_i - \bar y_w)^2, \\
    \hat\tau^2 = \max\Big(0, \frac{Q - (k - 1)}{\sum w_i - \sum w_i^2 / \sum w_i}\Big), \quad
    w_i^* = \frac{1}{s_i^2 + \hat\tau^2}, \quad \hat\mu = \frac{\sum w_i^* y_i}{\sum w_i^*}.

The interval is Hartung & Knapp's (2001): :math:`\hat\mu \pm t_{k-1}\, \mathrm{se}_{HK}` with
:math:`\mathrm{se}_{HK}^2 = \max(1, q)/\sum w_i^*`, :math:`q = \sum w_i^* (y_i - \hat\mu)^2 / (k - 1)`
(the ``max(1, .)`` is the modification of Röver, Knapp & Friede 2015, which keeps it no
narrower than the DerSimonian-Laird normal interval). :math:`I^2 = \max(0, (Q - (k-1))/Q)`.

Dependence. The model assumes independent sampling errors; benchmarks scored on the same models
are not independent. :func:`dersimonian_laird` therefore also gives a *dependence bound*: the
normal interval of :math:`\hat\mu` when every pair of sampling errors is perfectly correlated,
:math:`\mathrm{Var}(\hat\mu) \le [(\sum w_i^* s_i)^2 + \hat\tau^2 \sum w_i^{*2}] / (\sum w_i^*)^2`
(Cauchy-Schwarz: no correlation structure gives more).

References
----------
DerSimonian, R. & Laird, N. (1986), "Meta-analysis in clinical trials", *Controlled Clinical
Trials* 7(3), 177-188. Hartung, J. & Knapp, G. (2001), "A refined method for the meta-analysis
of controlled clinical trials with binary outcome", *Statistics in Medicine* 20(24), 3875-3889.
Röver, C., Knapp, G. & Friede, T. (2015), "Hartung-Knapp-Sidik-Jonkman approach and its
modification for random-effects meta-analysis with few studies", *BMC Medical Research
Methodology* 15:99.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalewatch.findings import finite

__all__ = ["POOLING_CITATIONS", "Pooled", "dersimonian_laird", "dl_means", "model_bootstrap", "se_from_interval"]

#: what a finding using :func:`dersimonian_laird` cites
POOLING_CITATIONS = (
    "DerSimonian & Laird (1986), Meta-analysis in clinical trials, Controlled Clinical Trials 7(3):177-188",
    "Hartung & Knapp (2001), A refined method for the meta-analysis of controlled clinical trials with binary outcome, "
    "Statistics in Medicine 20(24):3875-3889",
    "Roever, Knapp & Friede (2015), Hartung-Knapp-Sidik-Jonkman approach and its modification for random-effects "
    "meta-analysis with few studies, BMC Medical Research Methodology 15:99",
)


@dataclass(frozen=True)
class Pooled:
    """A DerSimonian-Laird random-effects pooled estimate.

    Attributes
    ----------
    estimate, se : float
        :math:`\\hat\\mu` and its Hartung-Knapp standard error.
    low, high : float
        Hartung-Knapp interval at level ``ci`` (t with k - 1 degrees of freedom).
    dl_low, dl_high : float
        DerSimonian-Laird normal interval (:math:`\\hat\\mu \\pm z / \\sqrt{\\sum w_i^*}`).
    dep_low, dep_high : float
        Normal interval under perfectly correlated sampling errors (the dependence bound).
    tau2, q, i2 : float
        Between-benchmark variance, Cochran's Q, and I^2.
    k : int
        Estimates pooled.
    weights : tuple of float
        Random-effects weights :math:`w_i^* / \\sum w_i^*`, in input order.
    ci : float
        Level of the intervals.
    """

    estimate: float
    se: float
    low: float
    high: float
    dl_low: float
    dl_high: float
    dep_low: float
    dep_high: float
    tau2: float
    q: float
    i2: float
    k: int
    weights: tuple[float, ...]
    ci: float = 0.95
    boot_low: float = math.nan
    boot_high: float = math.nan
    n_boot: int = 0

    @property
    def deciding(self) -> tuple[float, float]:
        """The interval a verdict uses: the hull of the Hartung-Knapp and the model-bootstrap intervals."""
        lo = self.low if not math.isfinite(self.boot_low) else min(self.low, self.boot_low)
        hi = self.high if not math.isfinite(self.boot_high) else max(self.high, self.boot_high)
        return lo, hi

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": finite(self.estimate), "se": finite(self.se), "low": finite(self.low), "high": finite(self.high),
            "dl_low": finite(self.dl_low), "dl_high": finite(self.dl_high),
            "dep_low": finite(self.dep_low), "dep_high": finite(self.dep_high),
            "tau2": finite(self.tau2), "q": finite(self.q), "i2": finite(self.i2), "k": int(self.k),
            "weights": [finite(w) for w in self.weights], "ci": self.ci,
            "boot_low": finite(self.boot_low), "boot_high": finite(self.boot_high), "n_boot": int(self.n_boot),
            "deciding": [finite(v) for v in self.deciding],
        }


def se_from_interval(low: float, high: float, ci: float = 0.95) -> float:
    """Normal-equivalent standard error of a percentile interval: :math:`(high - low) / (2 z_{(1+ci)/2})`.

    Robust to the few runaway resamples a sigmoid bootstrap can have (their standard deviation is not).

    Examples
    --------
    >>> round(se_from_interval(-1.959964, 1.959964), 6)
    1.0
    """
    from scipy.special import ndtri

    return float((high - low) / (2.0 * ndtri(0.5 + ci / 2)))


def dersimonian_laird(estimates: Any, ses: Any, *, ci: float = 0.95) -> Pooled:
    """Pool estimates with standard errors by the DerSimonian-Laird random-effects model.

    Parameters
    ----------
    estimates, ses : array-like (k,)
        Per-study (here: per-benchmark) estimates and standard errors, finite, ``ses > 0``.
    ci : float, default 0.95
        Level of the intervals, in (0, 1).

    Returns
    -------
    Pooled
        Estimate, Hartung-Knapp interval, DerSimonian-Laird interval, dependence bound, tau^2, Q, I^2
        (formulas in the module docstring).

    Raises
    ------
    ValueError
        Fewer than 2 estimates, lengths that differ, non-finite values, a standard error <= 0, or
        ``ci`` outside (0, 1).

    Examples
    --------
    >>> p = dersimonian_laird([1.0, 2.0, 4.0], [1.0, 1.0, 1.0])
    >>> round(p.estimate, 4), round(p.tau2, 4)
    (2.3333, 1.3333)
    """
    from scipy.special import ndtri, stdtrit

    y = np.asarray(estimates, dtype=np.float64).reshape(-1)
    s = np.asarray(ses, dtype=np.float64).reshape(-1)
    if y.size != s.size:
        raise ValueError(f"dersimonian_laird: {y.size} estimates and {s.size} standard errors; pass one of each per study.")
    if y.size < 2:
        raise ValueError(f"dersimonian_laird: {y.size} estimate(s); pooling needs at least 2.")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s))):
        raise ValueError("dersimonian_laird: estimates and standard errors must be finite; drop the studies without an interval.")
    if np.any(s <= 0):
        raise ValueError(f"dersimonian_laird: standard errors must be > 0; got {s[s <= 0].tolist()}.")
    if not 0.0 < ci < 1.0:
        raise ValueError(f"dersimonian_laird(ci={ci!r}): the level must lie in (0, 1), e.g. 0.95.")
    k = y.size
    v = s * s
    w = 1.0 / v
    yw = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - yw) ** 2))
    c = float(np.sum(w) - np.sum(w * w) / np.sum(w))
    tau2 = max(0.0, (q - (k - 1)) / c) if c > 0 else 0.0
    ws = 1.0 / (v + tau2)
    W = float(np.sum(ws))
    mu = float(np.sum(ws * y) / W)
    q_hk = float(np.sum(ws * (y - mu) ** 2) / (k - 1))
    se_hk = math.sqrt(max(1.0, q_hk) / W)
    t = float(stdtrit(k - 1, 0.5 + ci / 2))
    z = float(ndtri(0.5 + ci / 2))
    se_dl = math.sqrt(1.0 / W)
    se_dep = math.sqrt(float(np.sum(ws * s)) ** 2 + tau2 * float(np.sum(ws * ws))) / W
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    return Pooled(
        estimate=mu, se=se_hk, low=mu - t * se_hk, high=mu + t * se_hk, dl_low=mu - z * se_dl, dl_high=mu + z * se_dl,
        dep_low=mu - z * se_dep, dep_high=mu + z * se_dep, tau2=float(tau2), q=q, i2=float(i2), k=int(k),
        weights=tuple(float(x) for x in ws / W), ci=float(ci),
    )


def dl_means(y: Any, v: Any) -> np.ndarray:
    """DerSimonian-Laird estimates :math:`\\hat\\mu` of many replicates at once: rows of ``y`` and ``v`` (R, k) are studies' estimates and variances.

    Examples
    --------
    >>> dl_means([[0.0, 2.0, 6.0]], [[1.0, 1.0, 4.0]]).round(4).tolist()
    [2.2016]
    """
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    v = np.atleast_2d(np.asarray(v, dtype=np.float64))
    k = y.shape[1]
    w = 1.0 / v
    sw = w.sum(axis=1)
    yw = (w * y).sum(axis=1) / sw
    q = (w * (y - yw[:, None]) ** 2).sum(axis=1)
    c = sw - (w * w).sum(axis=1) / sw
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(c > 0, np.maximum(0.0, (q - (k - 1)) / c), 0.0)
    ws = 1.0 / (v + tau2[:, None])
    return (ws * y).sum(axis=1) / ws.sum(axis=1)


def model_bootstrap(draws: Any, ses: Any, *, ci: float = 0.95) -> tuple[float, float, int]:
    """Percentile interval of the DerSimonian-Laird estimate over paired bootstrap resamples of the models.

    Resample :math:`r` takes every benchmark's slope from its bootstrap resample :math:`r` of the models
    (column ``r`` of ``draws``) and re-estimates :math:`\\hat\\mu` (and :math:`\\hat\\tau^2`) with the
    standard errors fixed. Where the benchmarks' bootstraps drew the same resamples of one set of models,
    the dependence through shared models is kept; the benchmarks themselves are not resampled (with
    precisely estimated near-zero slopes, resampling them breaks the moment estimate of tau^2: a
    benchmark drawn twice drives it to 0), so the interval is conditional on these benchmarks and the
    between-benchmark part is the Hartung-Knapp interval's.

    Parameters
    ----------
    draws : array-like (k, B)
        Bootstrap draws of each benchmark's estimate, resample ``r`` in column ``r``.
    ses : array-like (k,)
        Standard errors (fixed within the resamples' DerSimonian-Laird weights).
    ci : float, default 0.95
        Level of the interval.

    Returns
    -------
    (low, high, B)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> lo, hi, b = model_bootstrap(rng.normal(1.0, 0.1, (6, 400)), np.full(6, 0.1))
    >>> bool(0.9 < lo < 1.0 < hi < 1.1), b
    (True, 400)
    """
    d = np.asarray(draws, dtype=np.float64)
    s = np.asarray(ses, dtype=np.float64).reshape(-1)
    if d.ndim != 2 or d.shape[0] != s.size or d.shape[0] < 2 or d.shape[1] < 2:
        raise ValueError(f"model_bootstrap: draws must be (k, B) with k = {s.size} standard errors, k >= 2 and B >= 2; got shape {d.shape}.")
    b = d.shape[1]
    mu = dl_means(d.T, np.broadcast_to(s * s, (b, s.size)))
    mu = mu[np.isfinite(mu)]
    a = 1.0 - ci
    lo, hi = np.quantile(mu, [a / 2, 1 - a / 2])
    return float(lo), float(hi), int(b)
