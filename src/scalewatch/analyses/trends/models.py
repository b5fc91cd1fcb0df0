r"""Trend models for dated series, their fits, forecasts and a slowdown test.

A dated series is a set of values :math:`y_i` observed at fractional years
:math:`t_i`. The models describe :math:`z = g(y)` as a function of
:math:`x = t - t_{ref}`, where :math:`g = \ln` (``scale="log"``: growth is
multiplicative, as for compute or clock speed) or the identity
(``scale="linear"``: growth is additive, as for a capability index):

=============  =============================================================  ==========================
model          :math:`z(x)`                                                   parameters
=============  =============================================================  ==========================
exponential    :math:`a + b x` (``scale="log"``; called ``linear`` on the     a, b
               linear scale)
logistic       log: :math:`\ln K - \operatorname{softplus}(-r (x - m))`,       logK, r, m (log);
               i.e. :math:`y = K / (1 + e^{-r (x - m)})`;                     lo, hi, r, m (linear)
               linear: :math:`lo + (hi - lo)\, \sigma(r (x - m))`
piecewise      :math:`a + b_1 (x - \tau) + (b_2 - b_1) (x - \tau)_+`           a, b1, b2, tau
=============  =============================================================  ==========================

The exponential is the "trend continues" model; the logistic levels off at a
ceiling K (a plateau); the piecewise (broken) trend changes its growth rate
from :math:`b_1` to :math:`b_2` at year :math:`t_{ref} + \tau` (a plateau when
:math:`b_2 \approx 0`). All are fitted by :func:`scalewatch.fit` (least
squares on :math:`z`: log residuals for ``scale="log"``) with analytic
Jacobians and explicit, data-driven starting points.

Intervals and forecasts
-----------------------
Parameter uncertainty comes from :func:`scalewatch.bootstrap` (observations
resampled, every resample refitted). A forecast at year :math:`t` is the
predictive distribution: each resampled parameter vector predicts
:math:`z(t)` and a residual of the full-data fit, drawn at random and
inflated by :math:`\sqrt{n / (n - p)}`, is added (Efron & Tibshirani 1993,
ch. 9, residual resampling; Davison & Hinkley 1997, sec. 6.3.3). Forecasts
are scored by their error in :math:`z` (decades, :math:`\log_{10}`, on the
log scale), the coverage of their central interval and the continuous ranked
probability score (CRPS; Gneiting & Raftery 2007, eq. 20), estimated from the
predictive samples.

Slowdown test
-------------
:func:`slowdown_test` asks whether growth slowed: for every candidate break
:math:`\tau` in the trimmed interior of the data it regresses :math:`z` on
:math:`[1, x, (x - \tau)_+]` and takes :math:`T(\tau) = -\hat c / \mathrm{se}(\hat c)`
(:math:`c < 0`: slower after :math:`\tau`); the statistic is
:math:`\sup_\tau T(\tau)` (Andrews 1993). Under the null of one steady trend
the break is not identified (Davies 1987), so the p-value comes from a
dependent wild bootstrap of the null residuals (Rademacher signs shared
within blocks of consecutive observations; Shao 2010), which keeps
heteroscedasticity and short-range dependence.

References
----------
Andrews (1993), Econometrica 61(4), 821-856. Davies (1987), Biometrika
74(1), 33-43. Shao (2010), "The dependent wild bootstrap", JASA 105(489),
218-235. Gneiting & Raftery (2007), "Strictly proper scoring rules,
prediction, and estimation", JASA 102(477), 359-378. Efron & Tibshirani
(1993), *An Introduction to the Bootstrap*. Davison & Hinkley (1997),
*Bootstrap Methods and their Application*. Muggeo (2003), Stat. Med. 22(19)
(segmented regression).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalewatch.analyses.trends.series import MODELS, SCALES, TrendSeries
from scalewatch.laws import Law, Param

__all__ = ["SteadyTrend", "LogisticTrend", "PiecewiseTrend", "trend_law"]


_LN10 = math.log(10.0)


def _out(z: np.ndarray, dz: np.ndarray | None, scale: str, jac: bool):
    """Prediction y (and dy/dtheta) from z and dz/dtheta on ``scale``."""
    if scale == "log":
        pred = np.exp(z)
        return pred, (dz * pred[..., None] if jac else None)
    return z, (dz if jac else None)


@dataclass(frozen=True)
class _TrendLaw(Law):
    """Shared settings of the trend laws: the reference year and the scale."""

    inputs: ClassVar[tuple[str, ...]] = ("year",)
    output: ClassVar[str] = "value"
    t_ref: float = 2000.0
    scale: str = "log"

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"{type(self).__name__}(scale={self.scale!r}): allowed scales are {SCALES}.")

    @property
    def positive(self) -> bool:  # type: ignore[override]
        return self.scale == "log"

    def prepare(self, X: np.ndarray) -> np.ndarray:
        return X[:, 0] - self.t_ref  # x: years since t_ref, (n,)


@dataclass(frozen=True)
class SteadyTrend(_TrendLaw):
    r"""The trend continues: exponential growth on the log scale, a straight line on the linear scale.

    .. math:: z = a + b\,(t - t_{ref}), \qquad z = \ln y \text{ (log) or } y \text{ (linear)}

    ``b`` is the growth rate per year: :math:`e^b` is the factor per year and
    :math:`\ln 2 / b` the doubling time on the log scale.

    Examples
    --------
    >>> law = SteadyTrend(t_ref=2000.0, scale="log")
    >>> round(float(law({"year": [2001.0]}, a=0.0, b=math.log(2.0))[0]), 12)
    2.0
    """

    name: ClassVar[str] = "exponential"
    citation: ClassVar[str] = "log-linear (exponential) trend; cf. Moore (1965), Electronics 38(8)"

    @property
    def formula(self) -> str:  # type: ignore[override]
        return "ln y = a + b (t - t_ref)" if self.scale == "log" else "y = a + b (t - t_ref)"

    @property
    def parameters(self) -> tuple[Param, ...]:
        unit = "ln(value)" if self.scale == "log" else "value"
        return (
            Param("a", -np.inf, np.inf, "linear", (), f"level at t_ref, {unit}"),
            Param("b", -np.inf, np.inf, "linear", (), f"growth per year, {unit}/yr"),
        )

    def evaluate(self, features, theta, jac=False):
        x = features
        a, b = theta[..., 0, None], theta[..., 1, None]
        z = a + b * x
        dz = np.stack([np.ones_like(z), np.broadcast_to(x, z.shape)], axis=-1) if jac else None
        return _out(z, dz, self.scale, jac)


@dataclass(frozen=True)
class LogisticTrend(_TrendLaw):
    r"""Growth that levels off: a logistic curve in time.

    Log scale (three parameters; early on :math:`y \approx K e^{r (x - m)}`,
    exponential growth at rate r, later :math:`y \to K`):

    .. math:: y = \frac{K}{1 + e^{-r (x - m)}}, \qquad
              \ln y = \ln K - \ln\left(1 + e^{-r (x - m)}\right)

    Linear scale (four parameters, from ``lo`` to ``hi``):

    .. math:: y = lo + \frac{hi - lo}{1 + e^{-r (x - m)}}

    with :math:`x = t - t_{ref}`. ``m`` is bounded to
    ``[m_lower, m_upper]`` (years since t_ref): a series with no visible
    plateau drives it to the upper bound, where the logistic is the
    exponential for all practical purposes.

    References
    ----------
    Verhulst (1838), Corresp. Math. Phys. 10, 113-121; Modis (2002),
    "Forecasting the growth of complexity and change", Technol. Forecast.
    Soc. Change 69(4) (logistic fits to technology trends).

    Examples
    --------
    >>> law = LogisticTrend(t_ref=2000.0, scale="log")
    >>> round(float(law({"year": [2005.0]}, logK=math.log(8.0), r=1.0, m=5.0)[0]), 12)
    4.0
    """

    name: ClassVar[str] = "logistic"
    citation: ClassVar[str] = "logistic growth, Verhulst (1838); Modis (2002), Technol. Forecast. Soc. Change 69(4)"
    m_lower: float = -200.0
    m_upper: float = 200.0
    r_upper: float = 50.0

    @property
    def formula(self) -> str:  # type: ignore[override]
        if self.scale == "log":
            return "y = K / (1 + exp(-r (t - t_ref - m))), K = exp(logK)"
        return "y = lo + (hi - lo) / (1 + exp(-r (t - t_ref - m)))"

    @property
    def parameters(self) -> tuple[Param, ...]:
        m = Param("m", self.m_lower, self.m_upper, "linear", (), "midpoint, years since t_ref")
        r = Param("r", 1e-4, self.r_upper, "log", (), "rate, 1/yr (log scale: early growth rate of ln y)")
        if self.scale == "log":
            return (Param("logK", -np.inf, np.inf, "linear", (), "ln of the ceiling K"), r, m)
        return (
            Param("lo", -np.inf, np.inf, "linear", (), "lower asymptote, value"),
            Param("hi", -np.inf, np.inf, "linear", (), "upper asymptote (plateau), value"),
            r,
            m,
        )

    def evaluate(self, features, theta, jac=False):
        x = features
        if self.scale == "log":
            logK, r, m = (theta[..., i, None] for i in range(3))
            u = -r * (x - m)
            z = logK - np.logaddexp(0.0, u)
            if not jac:
                return _out(z, None, "log", False)
            s = 0.5 * (1.0 + np.tanh(0.5 * u))  # sigmoid(u) = d softplus / du, overflow-free
            dz = np.stack([np.ones_like(z), s * (x - m), -s * r], axis=-1)
            return _out(z, dz, "log", True)
        lo, hi, r, m = (theta[..., i, None] for i in range(4))
        v = r * (x - m)
        sg = 0.5 * (1.0 + np.tanh(0.5 * v))
        z = lo + (hi - lo) * sg
        if not jac:
            return z, None
        ds = sg * (1.0 - sg) * (hi - lo)
        dz = np.stack([1.0 - sg, sg, ds * (x - m), -ds * r], axis=-1)
        return z, dz


@dataclass(frozen=True)
class PiecewiseTrend(_TrendLaw):
    r"""A broken trend: growth rate b1 before year :math:`t_{ref} + \tau`, b2 after, continuous at the break.

    .. math:: z = a + b_1 (x - \tau) + (b_2 - b_1)\,(x - \tau)_+, \qquad x = t - t_{ref}

    ``a`` is the level at the break. :math:`b_2 < b_1` is a slowdown,
    :math:`b_2 \approx 0` a plateau. ``tau`` is bounded to
    ``[tau_lower, tau_upper]`` (years since t_ref), normally the span of the
    data. The model is the segmented regression of Muggeo (2003) with one
    break; in log-log form it is the broken power law of Caballero et al.
    (2022) with a sharp break.

    Examples
    --------
    >>> law = PiecewiseTrend(t_ref=2000.0, scale="linear", tau_lower=-10.0, tau_upper=10.0)
    >>> law({"year": [1999.0, 2002.0]}, a=1.0, b1=1.0, b2=0.0, tau=0.0).tolist()
    [0.0, 1.0]
    """

    name: ClassVar[str] = "piecewise"
    citation: ClassVar[str] = "segmented regression, Muggeo (2003), Stat. Med. 22(19); cf. Caballero et al. (2022), arXiv:2210.14891"
    tau_lower: float = -100.0
    tau_upper: float = 100.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.tau_lower < self.tau_upper:
            raise ValueError(
                f"PiecewiseTrend(tau_lower={self.tau_lower}, tau_upper={self.tau_upper}): tau_lower must be < tau_upper."
            )

    @property
    def formula(self) -> str:  # type: ignore[override]
        lhs = "ln y" if self.scale == "log" else "y"
        return f"{lhs} = a + b1 (x - tau) + (b2 - b1) max(x - tau, 0), x = t - t_ref"

    @property
    def parameters(self) -> tuple[Param, ...]:
        unit = "ln(value)" if self.scale == "log" else "value"
        return (
            Param("a", -np.inf, np.inf, "linear", (), f"level at the break, {unit}"),
            Param("b1", -np.inf, np.inf, "linear", (), f"growth per year before the break, {unit}/yr"),
            Param("b2", -np.inf, np.inf, "linear", (), f"growth per year after the break, {unit}/yr"),
            Param("tau", self.tau_lower, self.tau_upper, "linear", (), "break, years since t_ref"),
        )

    def evaluate(self, features, theta, jac=False):
        x = features
        a, b1, b2, tau = (theta[..., i, None] for i in range(4))
        d = x - tau
        after = d > 0
        h = np.where(after, d, 0.0)
        z = a + b1 * d + (b2 - b1) * h
        if not jac:
            return _out(z, None, self.scale, False)
        dz = np.stack([np.ones_like(z), d - h, h, -np.where(after, b2, b1)], axis=-1)
        return _out(z, dz, self.scale, True)


def trend_law(model: str, series: TrendSeries) -> Law:
    """The law of ``model`` for ``series``, with bounds set from the series' time span."""
    x0, x1 = series.t[0] - series.t_ref, series.t[-1] - series.t_ref
    width = max(x1 - x0, 1.0)
    if model in ("exponential", "linear"):
        return SteadyTrend(t_ref=series.t_ref, scale=series.scale)
    if model == "logistic":
        # a midpoint more than 3 spans beyond the data: no plateau within reach of the data
        return LogisticTrend(t_ref=series.t_ref, scale=series.scale, m_lower=x0 - width, m_upper=x1 + 3.0 * width)
    if model == "piecewise":
        # at least k observations on each side of the break (k = 3, or 10% of the data):
        # a break with one or two points after it extrapolates a slope fitted to noise
        x = series.t - series.t_ref
        k = max(3, int(math.ceil(0.1 * x.size)))
        lo, hi = (x[k - 1], x[-k - 1]) if x.size > 2 * k and x[k - 1] < x[-k - 1] else (x0, x1)
        return PiecewiseTrend(t_ref=series.t_ref, scale=series.scale, tau_lower=float(lo), tau_upper=float(hi))
    raise ValueError(f"unknown trend model {model!r}; models: {sorted(set(MODELS['log']) | set(MODELS['linear']))}.")


def _hinge_ols(x: np.ndarray, z: np.ndarray, tau: float) -> np.ndarray:
    """(a, b1, b2) of the piecewise model with the break fixed at tau (least squares)."""
    d = x - tau
    X = np.column_stack([np.ones_like(x), d, np.maximum(d, 0.0)])
    coef, *_ = np.linalg.lstsq(X, z, rcond=None)
    return np.array([coef[0], coef[1], coef[1] + coef[2]])
