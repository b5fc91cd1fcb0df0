r"""Trend models for dated series, their fits, forecasts and a slowdown test (private).

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
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from scalewatch.errors import IdentifiabilityWarning
from scalewatch.laws._base import Law, Param

__all__ = [
    "SCALES",
    "MODELS",
    "TrendSeries",
    "as_series",
    "year_fraction",
    "SteadyTrend",
    "LogisticTrend",
    "PiecewiseTrend",
    "trend_law",
    "TrendFit",
    "fit_trend",
    "crps_ensemble",
    "ForecastScore",
    "score_forecast",
    "SlowdownTest",
    "slowdown_test",
    "check_models",
    "top_k_at_release",
]

SCALES = ("log", "linear")
#: model names allowed on each scale; the first is the steady ("trend continues") model
MODELS: Mapping[str, tuple[str, ...]] = {
    "log": ("exponential", "logistic", "piecewise"),
    "linear": ("linear", "logistic", "piecewise"),
}
_LN10 = math.log(10.0)


# =============================================================================
# Series
# =============================================================================


def year_fraction(dates: Any) -> np.ndarray:
    """Fractional years from dates, datetime strings or numbers (taken as years).

    ``2004-07-02`` becomes ``2004 + 183 / 366``: the year plus the elapsed
    share of that year (day of year minus one over the days in the year).

    Raises
    ------
    ValueError
        If a value can be read neither as a number nor as a date.
    """
    import pandas as pd

    s = pd.Series(dates)
    if s.dtype.kind in "iuf":
        return s.to_numpy(dtype=np.float64)
    if s.dtype.kind != "M":
        numeric = pd.to_numeric(s, errors="coerce")
        if numeric.notna().sum() == s.notna().sum():
            return numeric.to_numpy(dtype=np.float64)
        try:
            s = pd.to_datetime(s, errors="raise", format="mixed")
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"dates must be numbers (years such as 2004.5) or dates such as '2004-07-02'; could not read them ({exc})."
            ) from None
    s = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
    year = s.dt.year.to_numpy(dtype=np.float64)
    day = s.dt.day_of_year.to_numpy(dtype=np.float64) - 1.0
    days = np.where(s.dt.is_leap_year.to_numpy(dtype=bool), 366.0, 365.0)
    out = year + day / days
    return np.where(s.isna().to_numpy(), np.nan, out)


@dataclass(frozen=True, eq=False)
class TrendSeries:
    """A dated series ready for trend fitting: sorted by time, finite, positive on the log scale.

    Attributes
    ----------
    t : ndarray (n,)
        Fractional years, sorted ascending.
    y : ndarray (n,)
        Values in ``unit``.
    scale : {"log", "linear"}
        Scale the trend models describe (see the module notes).
    label, unit : str
        What the series measures, for reports and figures.
    t_ref : float
        Reference year: model parameters such as the level ``a`` are values at
        this year (the last observation's year rounded down, by default).
    notes : tuple of str
        What was done to the data (rows dropped, ...).
    """

    t: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    scale: str = "log"
    label: str = "series"
    unit: str = ""
    t_ref: float = 2000.0
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.t.size)

    @property
    def z(self) -> np.ndarray:
        """Values on the model scale: ln y (log) or y (linear)."""
        return np.log(self.y) if self.scale == "log" else self.y

    @property
    def span(self) -> tuple[float, float]:
        return (float(self.t[0]), float(self.t[-1])) if self.n else (math.nan, math.nan)

    def subset(self, mask: np.ndarray) -> "TrendSeries":
        """The observations where ``mask`` holds (same scale, label and t_ref)."""
        return replace(self, t=self.t[mask], y=self.y[mask])

    def upto(self, year: float) -> "TrendSeries":
        """Observations at or before ``year``."""
        return self.subset(self.t <= year)

    def after(self, year: float, until: float = math.inf) -> "TrendSeries":
        """Observations after ``year`` and at or before ``until``."""
        return self.subset((self.t > year) & (self.t <= until))

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "unit": self.unit,
            "scale": self.scale,
            "n": self.n,
            "span": list(self.span),
            "t_ref": float(self.t_ref),
            "notes": list(self.notes),
        }


def as_series(
    data: Any,
    *,
    date_column: str = "date",
    value_column: str = "value",
    scale: str = "log",
    label: str | None = None,
    unit: str = "",
    t_ref: float | None = None,
    what: str = "as_series",
) -> TrendSeries:
    """A :class:`TrendSeries` from a table (DataFrame or mapping of columns).

    Rows with a missing date or value are dropped (and counted in ``notes``).

    Parameters
    ----------
    data : DataFrame, mapping of columns or TrendSeries
        The table; a TrendSeries is returned as is.
    date_column, value_column : str
        Columns holding the dates (dates, datetime strings or fractional years)
        and the values.
    scale : {"log", "linear"}, default "log"
        "log" for quantities that grow by factors (values must be > 0).
    label, unit : str, optional
        Description for reports; ``label`` defaults to ``value_column``.
    t_ref : float, optional
        Reference year of the parameters; default the last year, rounded down.
    what : str
        How the caller is named in error messages.

    Raises
    ------
    ValueError
        A column is missing, a scale is unknown, fewer than 5 usable rows, or a
        value is <= 0 on the log scale.
    TypeError
        ``data`` is not a table.
    """
    if isinstance(data, TrendSeries):
        return data
    if scale not in SCALES:
        raise ValueError(f"{what}(scale={scale!r}): allowed scales are {SCALES}; 'log' for quantities that grow by factors.")
    if not (isinstance(data, Mapping) or hasattr(data, "columns")):
        raise TypeError(f"{what}(data=...) takes a DataFrame or a mapping of columns; got {type(data).__name__}.")
    have = list(data.columns) if hasattr(data, "columns") else list(data)
    for option, col in (("date_column", date_column), ("value_column", value_column)):
        if col not in have:
            raise ValueError(f"{what}({option}={col!r}): no such column; columns: {have}.")
    t = year_fraction(np.asarray(data[date_column]) if not hasattr(data[date_column], "dt") else data[date_column])
    try:
        y = np.asarray(data[value_column], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what}(value_column={value_column!r}): the values must be numbers.") from None
    ok = np.isfinite(t) & np.isfinite(y)
    notes = []
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} row(s) with a missing date or value dropped")
    t, y = t[ok], y[ok]
    if scale == "log" and np.any(y <= 0):
        i = int(np.flatnonzero(y <= 0)[0])
        raise ValueError(
            f"{what}(scale='log') needs values > 0; {value_column!r} has {float(y[i]):g} at {t[i]:.2f}. "
            "Use scale='linear' for series that can be zero or negative."
        )
    if t.size < 5:
        raise ValueError(f"{what}(data=...) has {t.size} usable row(s); the trend models need at least 5 dated values.")
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    ref = float(math.floor(t[-1])) if t_ref is None else float(t_ref)
    return TrendSeries(t=t, y=y, scale=scale, label=label or value_column, unit=unit, t_ref=ref, notes=tuple(notes))


def top_k_at_release(t: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """Mask of the observations that rank among the ``k`` largest of all values up to their own date.

    The frontier of a population of dated systems (models, chips): a system
    belongs to it if fewer than ``k`` systems released on or before its date
    had a larger value. Epoch AI calls the models in the top 10 of training
    compute at their release "frontier models" (Epoch AI 2024, "Training
    compute of frontier AI models grows by 4-5x per year").

    >>> top_k_at_release(np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 1.0, 6.0, 2.0]), 1).tolist()
    [True, False, True, False]
    """
    t = np.asarray(t, dtype=np.float64)
    v = np.asarray(value, dtype=np.float64)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"top_k_at_release(k={k!r}); use an integer >= 1 (e.g. 10).")
    keep = np.zeros(t.size, dtype=bool)
    for i in range(t.size):
        earlier = v[t <= t[i]]
        keep[i] = int(np.sum(earlier > v[i])) < k
    return keep


def check_models(models: Sequence[str] | str | None, scale: str, what: str) -> tuple[str, ...]:
    """Validate model names for ``scale``; None gives all three."""
    allowed = MODELS[scale]
    if models is None:
        return allowed
    if isinstance(models, str):
        models = tuple(m.strip() for m in models.split(",") if m.strip())
    models = tuple(models)
    other = "linear" if scale == "log" else "log"
    for m in models:
        if m not in allowed:
            hint = ""
            if m in MODELS[other]:
                hint = f" ('{m}' is the steady model of scale='{other}'; on scale='{scale}' it is '{allowed[0]}')"
            raise ValueError(f"{what}(models=...) names {m!r}; on scale={scale!r} the models are {list(allowed)}{hint}.")
    if not models:
        raise ValueError(f"{what}(models=...) is empty; choose from {list(allowed)}.")
    return tuple(dict.fromkeys(models))


# =============================================================================
# Laws
# =============================================================================


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


# =============================================================================
# Starting points
# =============================================================================


def _ols(x: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    b = float(((x - xm) * (z - z.mean())).sum() / sxx) if sxx > 0 else 0.0
    return float(z.mean() - b * xm), b


def _hinge_ols(x: np.ndarray, z: np.ndarray, tau: float) -> np.ndarray:
    """(a, b1, b2) of the piecewise model with the break fixed at tau (least squares)."""
    d = x - tau
    X = np.column_stack([np.ones_like(x), d, np.maximum(d, 0.0)])
    coef, *_ = np.linalg.lstsq(X, z, rcond=None)
    return np.array([coef[0], coef[1], coef[1] + coef[2]])


def _best_rows(rss: np.ndarray, rows: np.ndarray, keep: int) -> np.ndarray:
    """The ``keep`` rows with the smallest finite RSS."""
    order = np.argsort(np.where(np.isfinite(rss), rss, np.inf), kind="stable")[:keep]
    return rows[order[np.isfinite(rss[order])]] if np.isfinite(rss[order]).any() else rows[:1]


def _starts(law: Law, series: TrendSeries, keep: int = 2) -> np.ndarray:
    """Starting points (S, p): the best points of a profile over the nonlinear parameters.

    For each grid value of the nonlinear parameters (the break tau; the
    logistic's rate and midpoint) the parameters that enter linearly are set
    by least squares, exactly; the ``keep`` best grid points are refined by the
    engine. The steady trend needs one start, its own least-squares solution.
    """
    x = series.t - series.t_ref
    z = series.z
    a0, b0 = _ols(x, z)
    if isinstance(law, SteadyTrend):
        return np.array([[a0, b0]])
    if isinstance(law, PiecewiseTrend):
        ux = np.unique(x)
        taus = ux[(ux >= law.tau_lower) & (ux <= law.tau_upper)]
        if taus.size > 60:
            taus = np.quantile(taus, np.linspace(0, 1, 60))
        if taus.size == 0:
            taus = np.array([0.5 * (law.tau_lower + law.tau_upper)])
        rows = np.array([[*_hinge_ols(x, z, tau), tau] for tau in taus])
        pred = law.predict(series.t[:, None], rows)
        zz = np.log(pred) if law.scale == "log" else pred
        return _best_rows(np.sum((zz - z) ** 2, axis=1), rows, keep)
    assert isinstance(law, LogisticTrend)
    width = max(x[-1] - x[0], 1.0)
    ms = np.linspace(law.m_lower, law.m_upper, 25)
    if law.scale == "log":
        rates = np.clip(max(abs(b0), 1e-2) * np.array([0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0]), 1e-4, law.r_upper)
        R, M = (g.ravel() for g in np.meshgrid(rates, ms, indexing="ij"))
        S = np.logaddexp(0.0, -R[:, None] * (x[None, :] - M[:, None]))  # (G, n)
        logK = np.mean(z[None, :] + S, axis=1)  # exact least squares in the linear parameter
        rss = np.sum((logK[:, None] - S - z[None, :]) ** 2, axis=1)
        return _best_rows(rss, np.column_stack([logK, R, M]), keep)
    rates = np.clip(1.0 / (width * np.array([0.05, 0.1, 0.2, 0.4, 0.8, 1.6])), 1e-4, law.r_upper)
    R, M = (g.ravel() for g in np.meshgrid(rates, ms, indexing="ij"))
    sg = 0.5 * (1.0 + np.tanh(0.5 * R[:, None] * (x[None, :] - M[:, None])))  # (G, n)
    sm = sg.mean(axis=1, keepdims=True)
    var = np.sum((sg - sm) ** 2, axis=1)
    slope = np.where(var > 1e-12, np.sum((sg - sm) * (z - z.mean())[None, :], axis=1) / np.where(var > 1e-12, var, 1.0), 0.0)
    lo = z.mean() - slope * sm[:, 0]
    rss = np.sum((lo[:, None] + slope[:, None] * sg - z[None, :]) ** 2, axis=1)
    rss = np.where(var > 1e-12, rss, np.inf)
    return _best_rows(rss, np.column_stack([lo, lo + slope, R, M]), keep)


# =============================================================================
# Fits
# =============================================================================


def _quiet_fit(law: Law, series: TrendSeries, notes: list[str], loss: str):
    """:func:`scalewatch.fit` with identifiability warnings turned into notes (see analyses._backtest.quiet_fit)."""
    from scalewatch.fitting import fit

    data = {"year": series.t, "value": series.y}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IdentifiabilityWarning)
        with np.errstate(all="ignore"):
            result = fit(
                law,
                data,
                loss=loss,
                space=series.scale,
                starts=_starts(law, series),
                keep=6,
                max_iter=300,
            )
    for w in caught:
        if issubclass(w.category, IdentifiabilityWarning):
            notes.append(str(w.message))
        else:  # pragma: no cover - passes unexpected warnings through unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


@dataclass(frozen=True, eq=False)
class TrendFit:
    """One trend model fitted to a dated series, with bootstrap draws of its parameters. Immutable.

    Attributes
    ----------
    model : str
        "exponential"/"linear", "logistic" or "piecewise".
    series : TrendSeries
        The data it was fitted to.
    fit : FitResult
        The full-data fit (least squares on the model scale).
    draws : ndarray (m, p)
        Parameter vectors of the successful bootstrap resamples (the full-data
        estimate alone when ``n_boot`` is 0).
    residuals : ndarray (n,)
        Full-data residuals on the model scale (observed minus fitted z).
    ci : float
        Confidence level of the intervals.
    n_boot, n_failed : int
        Resamples drawn and those whose refit failed (excluded).
    notes : tuple of str
        Identifiability notes of the fit (parameters at a bound, ...).
    """

    model: str
    series: TrendSeries = field(repr=False)
    fit: Any = field(repr=False)
    draws: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    ci: float = 0.9
    n_boot: int = 0
    n_failed: int = 0
    notes: tuple[str, ...] = ()

    @property
    def law(self) -> Law:
        return self.fit.law

    @property
    def params(self) -> dict[str, float]:
        return dict(self.fit.params)

    @property
    def sigma(self) -> float:
        """Residual scale on the model scale, sqrt(RSS / (n - p))."""
        n, p = self.residuals.size, self.law.n_params
        return float(math.sqrt(float(self.residuals @ self.residuals) / max(n - p, 1)))

    # -- predictions -----------------------------------------------------------
    def predict(self, years: Any) -> np.ndarray:
        """Fitted values at ``years`` (natural units)."""
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        return self.law.predict(t[:, None], self.fit.theta)

    def samples(self, years: Any, n: int = 400, *, noise: bool = True, seed: Any = 0) -> np.ndarray:
        """Predictive samples (n, k) on the model scale (ln y or y) at ``years``.

        Each sample takes a bootstrap parameter draw (cycled) and, with
        ``noise``, adds a full-data residual drawn at random, inflated by
        sqrt(n_obs / (n_obs - p)) (see the module notes).
        """
        rng = np.random.default_rng(seed)
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        idx = np.arange(n) % len(self.draws)
        with np.errstate(all="ignore"):
            pred = self.law.predict(t[:, None], self.draws[idx])  # (n, k)
            z = np.log(pred) if self.series.scale == "log" else pred
        if noise:
            nobs, p = self.residuals.size, self.law.n_params
            inflate = math.sqrt(nobs / max(nobs - p, 1))
            z = z + inflate * rng.choice(self.residuals, size=z.shape)
        return z

    def forecast(self, years: Any, *, ci: float | None = None, n: int = 400, seed: Any = 0) -> dict[str, np.ndarray]:
        """Median and central ``ci`` interval of the predictive distribution at ``years``, natural units."""
        ci = self.ci if ci is None else ci
        z = self.samples(years, n, seed=seed)
        lo, med, hi = _quantiles(z, ci)
        back = np.exp if self.series.scale == "log" else (lambda v: v)
        return {"year": np.atleast_1d(np.asarray(years, dtype=np.float64)), "median": back(med), "low": back(lo), "high": back(hi)}

    # -- derived quantities ---------------------------------------------------------
    def quantities(self) -> dict[str, tuple[float, float, float, str]]:
        """Readable quantities: name -> (estimate, low, high, unit) at confidence ``ci``.

        Exponential: growth factor per year and doubling time. Logistic: the
        plateau (ceiling), the midpoint year, the early growth factor.
        Piecewise: the break year and the growth before and after it.
        """
        names = self.law.param_names
        est = dict(zip(names, self.fit.theta))
        D = {nm: self.draws[:, i] for i, nm in enumerate(names)}
        t_ref, log = self.series.t_ref, self.series.scale == "log"
        unit = self.series.unit

        def q(fn, u: str) -> tuple[float, float, float, str]:
            with np.errstate(all="ignore"):
                e = float(fn(est))
                vals = np.asarray(fn(D), dtype=np.float64)
            vals = vals[np.isfinite(vals)]
            if vals.size >= 2:
                lo, hi = np.quantile(vals, [(1 - self.ci) / 2, (1 + self.ci) / 2])
            else:
                lo = hi = math.nan
            return (e, float(lo), float(hi), u)

        out: dict[str, tuple[float, float, float, str]] = {}
        if self.model in ("exponential", "linear"):
            if log:
                out["growth_per_year"] = q(lambda p: np.exp(p["b"]), "x/yr")
                out["doubling_time"] = q(lambda p: math.log(2.0) / np.asarray(p["b"]), "yr")
            else:
                out["slope_per_year"] = q(lambda p: p["b"], f"{unit}/yr".strip("/"))
        elif self.model == "logistic":
            if log:
                out["ceiling"] = q(lambda p: np.exp(p["logK"]), unit)
                out["early_growth_per_year"] = q(lambda p: np.exp(p["r"]), "x/yr")
            else:
                out["ceiling"] = q(lambda p: p["hi"], unit)
                out["floor"] = q(lambda p: p["lo"], unit)
            out["midpoint_year"] = q(lambda p: t_ref + np.asarray(p["m"]), "year")
        elif self.model == "piecewise":
            out["break_year"] = q(lambda p: t_ref + np.asarray(p["tau"]), "year")
            if log:
                out["growth_before"] = q(lambda p: np.exp(p["b1"]), "x/yr")
                out["growth_after"] = q(lambda p: np.exp(p["b2"]), "x/yr")
            else:
                out["slope_before"] = q(lambda p: p["b1"], f"{unit}/yr".strip("/"))
                out["slope_after"] = q(lambda p: p["b2"], f"{unit}/yr".strip("/"))
        return out

    # -- describe ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        return {
            "model": self.model,
            "formula": self.law.formula,
            "citation": self.law.citation,
            "scale": self.series.scale,
            "t_ref": float(self.series.t_ref),
            "n_obs": int(self.fit.n_obs),
            "params": {k: float(v) for k, v in self.fit.params.items()},
            "quantities": {k: {"value": v[0], "low": v[1], "high": v[2], "unit": v[3]} for k, v in self.quantities().items()},
            "ci": self.ci,
            "interval_method": f"bootstrap percentile ({self.n_boot} resamples of observations, {self.n_failed} failed)"
            if self.n_boot
            else "none (n_boot=0)",
            "sigma": self.sigma,
            "aic": float(self.fit.aic),
            "status": self.fit.status,
            "notes": list(self.notes),
        }

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        lines = [
            f"[[Trend]] {self.model}: {self.law.formula}  (t_ref = {self.series.t_ref:g})",
            f"    data        {self.series.label}: {self.fit.n_obs} values, {self.series.span[0]:.1f}-{self.series.span[1]:.1f}, {self.series.scale} scale",
            f"    fit         least squares on {'ln y' if self.series.scale == 'log' else 'y'}; {self.fit.status}; AIC {self.fit.aic:.4g}; residual sd {self.sigma:.3g}",
            f"    intervals   {pct} bootstrap percentile, {self.n_boot} resamples, {self.n_failed} failed",
        ]
        for name, (v, lo, hi, u) in self.quantities().items():
            lines.append(f"    {name:<22} {v:<12.5g} [{lo:.5g}, {hi:.5g}] {u}")
        for note in self.notes:
            lines.append(f"    note: {note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"TrendFit({self.model}, {self.fit.n_obs} values, {self.series.scale} scale)"


def fit_trend(
    series: TrendSeries,
    model: str,
    *,
    n_boot: int = 200,
    ci: float = 0.9,
    loss: str = "lsq",
    seed: Any = 0,
) -> TrendFit:
    """Fit one trend model to ``series`` and bootstrap its parameters.

    Parameters
    ----------
    series : TrendSeries
        From :func:`as_series`.
    model : str
        One of ``MODELS[series.scale]``.
    n_boot : int, default 200
        Bootstrap resamples (0: no intervals; forecasts then carry residual
        scatter only).
    ci : float, default 0.9
        Confidence level of the intervals.
    loss : {"lsq", "huber"}, default "lsq"
        Loss on the model-scale residuals (least squares: the AIC compares
        models on a Gaussian likelihood).
    seed : int, Generator or None
        Seed of the resampling.

    Returns
    -------
    TrendFit
    """
    check_models((model,), series.scale, "fit_trend")
    if not 0 < ci < 1:
        raise ValueError(f"fit_trend(ci={ci!r}); use a confidence level between 0 and 1, e.g. 0.9.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0 or n_boot == 1:
        raise ValueError(f"fit_trend(n_boot={n_boot!r}); use 0 (no intervals) or an integer >= 2, e.g. 200.")
    law = trend_law(model, series)
    if series.n < law.n_params + 2:
        raise ValueError(
            f"fit_trend(model={model!r}): {series.n} values; the {model} model has {law.n_params} parameters and needs at least {law.n_params + 2}."
        )
    notes: list[str] = []
    result = _quiet_fit(law, series, notes, loss)
    z = series.z
    with np.errstate(all="ignore"):
        zhat = np.log(result.predictions) if series.scale == "log" else result.predictions
    resid = z - zhat
    draws = result.theta[None, :]
    n_failed = 0
    if n_boot:
        from scalewatch.fitting import bootstrap

        with np.errstate(all="ignore"):
            bs = bootstrap(result, int(n_boot), seed=seed, n_grid_starts=0, keep=2, threads=1)
        draws = np.column_stack([bs.samples[nm] for nm in law.param_names])
        n_failed = bs.n_failed
        if len(draws) == 0:
            draws = result.theta[None, :]
            notes.append(f"all {n_boot} bootstrap resamples failed; intervals show residual scatter only")
    return TrendFit(
        model=model,
        series=series,
        fit=result,
        draws=draws,
        residuals=resid,
        ci=ci,
        n_boot=int(n_boot),
        n_failed=int(n_failed),
        notes=tuple(dict.fromkeys(notes)),
    )


# =============================================================================
# Scores
# =============================================================================


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


def _quantiles(z: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower, median and upper quantiles of the finite samples per column (NaN where none is finite).

    Predictions can overflow to inf for parameter draws far out on a
    logistic's flat directions; those samples are set aside, not averaged.
    """
    z = np.where(np.isfinite(z), z, np.nan)
    out = np.full((3, z.shape[1]), np.nan)
    ok = np.isfinite(z).any(axis=0)
    if ok.any():
        out[:, ok] = np.nanquantile(z[:, ok], [(1 - ci) / 2, 0.5, (1 + ci) / 2], axis=0)
    return out[0], out[1], out[2]


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


# =============================================================================
# Slowdown test
# =============================================================================


@dataclass(frozen=True)
class SlowdownTest:
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


# =============================================================================
# Plotly figure helpers (plain JSON dicts; plotly itself is never imported)
# =============================================================================


def num(x: Any) -> float | None:
    """A JSON-safe float (None for NaN and infinities)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def nums(xs: Any) -> list[float | None]:
    return [num(x) for x in np.asarray(xs, dtype=float).ravel()]


def figure(title: str, traces: list[dict[str, Any]], x_title: str, y_title: str, *, y_log: bool = False, x_log: bool = False, shapes: list | None = None) -> dict[str, Any]:
    """A plotly figure as a JSON dict."""
    layout: dict[str, Any] = {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}, "type": "log" if x_log else "linear"},
        "yaxis": {"title": {"text": y_title}, "type": "log" if y_log else "linear"},
        "legend": {"orientation": "h"},
        "template": "plotly_white",
    }
    if shapes:
        layout["shapes"] = shapes
    return {"data": traces, "layout": layout}


def scatter(x: Any, y: Any, name: str, *, mode: str = "markers", text: Any = None, **extra: Any) -> dict[str, Any]:
    tr: dict[str, Any] = {"type": "scatter", "mode": mode, "name": name, "x": nums(x), "y": nums(y)}
    if text is not None:
        tr["text"] = [str(t) for t in text]
    tr.update(extra)
    return tr


def band(x: Any, low: Any, high: Any, name: str, color: str) -> list[dict[str, Any]]:
    """Two traces that shade the area between ``low`` and ``high``."""
    return [
        {"type": "scatter", "mode": "lines", "x": nums(x), "y": nums(low), "line": {"width": 0, "color": color}, "showlegend": False, "hoverinfo": "skip", "name": name},
        {"type": "scatter", "mode": "lines", "x": nums(x), "y": nums(high), "line": {"width": 0, "color": color}, "fill": "tonexty", "fillcolor": color, "name": name},
    ]


def histogram(samples: Any, name: str, *, bins: int = 60, log10: bool = False, **extra: Any) -> dict[str, Any]:
    """A bar trace of the density of ``samples`` (binned here, so the figure stays small)."""
    v = np.asarray(samples, dtype=float)
    v = v[np.isfinite(v)]
    if log10:
        v = np.log10(v[v > 0])
    dens, edges = np.histogram(v, bins=bins, density=True)
    tr = {"type": "bar", "name": name, "x": nums(0.5 * (edges[1:] + edges[:-1])), "y": nums(dens), "opacity": 0.6}
    tr.update(extra)
    return tr


def vline(x: float, dash: str = "dot", color: str = "grey") -> dict[str, Any]:
    return {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": x, "x1": x, "line": {"dash": dash, "width": 1, "color": color}}


def hline(y: float, dash: str = "dot", color: str = "grey") -> dict[str, Any]:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y, "line": {"dash": dash, "width": 1, "color": color}}


def vrect(x0: float, x1: float, color: str = "rgba(200,0,0,0.08)") -> dict[str, Any]:
    return {"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "x0": x0, "x1": x1, "fillcolor": color, "line": {"width": 0}}
