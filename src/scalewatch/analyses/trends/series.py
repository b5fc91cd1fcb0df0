"""Dated series: fractional years, the :class:`TrendSeries` container, and the frontier at each release."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = [
    "SCALES",
    "MODELS",
    "year_fraction",
    "TrendSeries",
    "as_series",
    "top_k_at_release",
    "check_models",
]


SCALES = ("log", "linear")


#: model names allowed on each scale; the first is the steady ("trend continues") model
MODELS: Mapping[str, tuple[str, ...]] = {
    "log": ("exponential", "logistic", "piecewise"),
    "linear": ("linear", "logistic", "piecewise"),
}


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
