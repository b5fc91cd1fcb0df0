"""Forecast scores (error, coverage, CRPS) and the slowdown test of a dated series."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch.analyses.trends.fit import TrendFit, _quantiles
from scalewatch.analyses.trends.models import _LN10, _hinge_ols
from scalewatch.analyses.trends.series import TrendSeries
from scalewatch.findings import Result

__all__ = ["crps_ensemble", "ForecastScore", "score_forecast", "SlowdownTest", "slowdown_test"]


def crps_ensemble(samples: np.ndarray, obs: np.ndarray) -> np.ndarray:
    r"""CRPS of an ensemble forecast, per observation.

    .. math:: \mathrm{CRPS}(F, y) = E|X - y| - \tfrac12 E|X - X'|

    with X, X' independent draws from the ensemble (Gneiting & Raftery 2007,
    eq. 20), computed exactly for the empirical distribution of the samples
    in :math:`O(m \log m)` from the sorted samples:
    :math:`E|X - X'| = \frac{2}{m^2} \sum_i (2i - m - 1)\, x_{(i)}`.

    Parameters
    ----------
    samples : ndarray (m, k)
        m predictive samples for each of k observations.
    obs : ndarray (k,)
        The observations, on the same scale.

    Returns
    -------
    ndarray (k,)
        In the units of the observations; lower is better; 0 for a perfect
        point forecast.
    """
    x = np.sort(np.asarray(samples, dtype=np.float64), axis=0)
    y = np.asarray(obs, dtype=np.float64)
    m = x.shape[0]
    term1 = np.mean(np.abs(x - y[None, :]), axis=0)
    i = np.arange(1, m + 1, dtype=np.float64)[:, None]
    term2 = (2.0 / (m * m)) * np.sum((2 * i - m - 1) * x, axis=0)
    return term1 - 0.5 * term2


@dataclass(frozen=True)
class ForecastScore:
    """Held-out scores of one model's forecasts from one origin.

    Errors and CRPS are on the model scale, in decades (log10) for log-scale
    series and in the series' units for linear ones. ``error`` is the median
    forecast minus the observation (positive: the model forecast too high,
    the direction of an unforeseen plateau).
    """

    model: str
    origin: float
    years: np.ndarray = field(repr=False)
    observed: np.ndarray = field(repr=False)
    median: np.ndarray = field(repr=False)
    low: np.ndarray = field(repr=False)
    high: np.ndarray = field(repr=False)
    error: np.ndarray = field(repr=False)
    crps: np.ndarray = field(repr=False)
    covered: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        return int(self.years.size)

    def summary(self) -> dict[str, float]:
        if not self.n:
            return {"n": 0, "mae": math.nan, "bias": math.nan, "coverage": math.nan, "crps": math.nan}
        return {
            "n": self.n,
            "mae": float(np.mean(np.abs(self.error))),
            "bias": float(np.mean(self.error)),
            "coverage": float(np.mean(self.covered)),
            "crps": float(np.mean(self.crps)),
        }


def score_forecast(tf: TrendFit, held: TrendSeries, *, ci: float | None = None, n: int = 400, seed: Any = 0) -> ForecastScore:
    """Score the predictive distribution of ``tf`` on the held-out observations ``held``."""
    ci = tf.ci if ci is None else ci
    origin = float(tf.series.t[-1])
    if held.n == 0:
        e = np.empty(0)
        return ForecastScore(tf.model, origin, e, e, e, e, e, e, e, np.empty(0, dtype=bool))
    z = tf.samples(held.t, n, seed=seed)
    unit = _LN10 if held.scale == "log" else 1.0  # decades on the log scale
    z = z / unit
    obs = held.z / unit
    lo, med, hi = _quantiles(z, ci)
    z = np.where(np.isfinite(z), z, med[None, :])
    return ForecastScore(
        model=tf.model,
        origin=origin,
        years=held.t.copy(),
        observed=obs,
        median=med,
        low=lo,
        high=hi,
        error=med - obs,
        crps=crps_ensemble(z, obs),
        covered=(obs >= lo) & (obs <= hi),
    )


@dataclass(frozen=True)
class SlowdownTest(Result):
    """Result of :func:`slowdown_test`: did growth slow at some year inside the data?

    Attributes
    ----------
    statistic : float
        :math:`\\sup_\\tau` of the t-statistic of the slowdown (larger: stronger).
    p_value : float
        Dependent-wild-bootstrap p-value under one steady trend.
    detected : bool
        ``p_value < 1 - confidence``.
    break_year : float
        The year that maximises the statistic (NaN if no candidate).
    growth_before, growth_after : float
        Growth per year before and after ``break_year`` from the hinge
        regression (factor per year on the log scale, slope on the linear scale).
    """

    statistic: float
    p_value: float
    detected: bool
    confidence: float
    break_year: float
    growth_before: float
    growth_after: float
    n: int
    n_candidates: int
    n_boot: int
    block: int
    scale: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "sup-t of a slowdown hinge (one-sided), dependent wild bootstrap (Andrews 1993; Shao 2010)",
            "statistic": self.statistic,
            "p_value": self.p_value,
            "detected": self.detected,
            "confidence": self.confidence,
            "break_year": self.break_year,
            "growth_before": self.growth_before,
            "growth_after": self.growth_after,
            "growth_unit": "x/yr" if self.scale == "log" else "per yr",
            "n": self.n,
            "n_candidates": self.n_candidates,
            "n_boot": self.n_boot,
            "block": self.block,
        }


def slowdown_test(
    series: TrendSeries,
    *,
    confidence: float = 0.95,
    trim: float = 0.15,
    min_side: int = 4,
    n_boot: int = 499,
    block: int | None = None,
    seed: Any = 0,
) -> SlowdownTest:
    r"""Test one steady trend against a slowdown at an unknown year (see the module notes).

    Parameters
    ----------
    series : TrendSeries
        The data (the test uses ``series.z``: ln y or y).
    confidence : float, default 0.95
        A slowdown is ``detected`` when the p-value is below ``1 - confidence``.
    trim : float, default 0.15
        Share of the observations kept on each side of every candidate break
        (Andrews 1993 trims 15%).
    min_side : int, default 4
        At least this many observations on each side of a candidate break.
    n_boot : int, default 499
        Bootstrap replicates of the null distribution.
    block : int, optional
        Block length of the shared signs; default :math:`\lceil n^{1/3} \rceil`.
    seed : int, Generator or None
        Seed of the bootstrap.

    Returns
    -------
    SlowdownTest

    Raises
    ------
    ValueError
        Too few observations for any candidate break, or bad options.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"slowdown_test(confidence={confidence!r}); use a level between 0 and 1, e.g. 0.95.")
    if not 0 <= trim < 0.5:
        raise ValueError(f"slowdown_test(trim={trim!r}); use a share in [0, 0.5), e.g. 0.15.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 19:
        raise ValueError(f"slowdown_test(n_boot={n_boot!r}); use an integer >= 19 (e.g. 499) so that p < 0.05 is reachable.")
    rng = np.random.default_rng(seed)
    x = series.t - series.t_ref
    z = series.z
    n = z.size
    k = max(int(min_side), int(math.ceil(trim * n)))
    # candidate breaks: distinct times with at least k observations at or before and k after
    ux = np.unique(x)
    cand = np.array([u for u in ux if (x <= u).sum() >= k and (x > u).sum() >= k])
    if cand.size == 0:
        raise ValueError(
            f"slowdown_test: {n} values leave no candidate break with {k} values on each side; "
            "give a longer series or lower min_side/trim."
        )
    X0 = np.column_stack([np.ones(n), x])
    beta0, *_ = np.linalg.lstsq(X0, z, rcond=None)
    fitted0 = X0 @ beta0
    e0 = z - fitted0
    blk = int(block) if block is not None else int(math.ceil(n ** (1.0 / 3.0)))
    if blk < 1:
        raise ValueError(f"slowdown_test(block={block!r}); use a block length >= 1.")
    n_blocks = int(math.ceil(n / blk))
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_blocks, int(n_boot)))
    Zb = fitted0[:, None] + e0[:, None] * np.repeat(signs, blk, axis=0)[:n]  # (n, B): null replicates
    Z = np.column_stack([z, Zb])  # column 0: the data

    best = np.full(Z.shape[1], -np.inf)
    arg = np.zeros(Z.shape[1], dtype=int)
    for j, tau in enumerate(cand):
        X = np.column_stack([X0, np.maximum(x - tau, 0.0)])
        XtX_inv = np.linalg.inv(X.T @ X)
        coef = XtX_inv @ (X.T @ Z)  # (3, B+1)
        resid = Z - X @ coef
        s2 = np.sum(resid * resid, axis=0) / max(n - 3, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            tstat = -coef[2] / np.sqrt(s2 * XtX_inv[2, 2])
        tstat = np.where(np.isfinite(tstat), tstat, -np.inf)
        better = tstat > best
        best = np.where(better, tstat, best)
        arg = np.where(better, j, arg)
    stat = float(best[0])
    p = float((1 + np.sum(best[1:] >= stat)) / (n_boot + 1))
    tau = float(cand[arg[0]])
    b1, b2 = _hinge_ols(x, z, tau)[1:]
    g = np.exp if series.scale == "log" else (lambda v: v)
    return SlowdownTest(
        statistic=stat,
        p_value=p,
        detected=bool(p < 1 - confidence),
        confidence=float(confidence),
        break_year=float(series.t_ref + tau),
        growth_before=float(g(b1)),
        growth_after=float(g(b2)),
        n=int(n),
        n_candidates=int(cand.size),
        n_boot=int(n_boot),
        block=blk,
        scale=series.scale,
    )
