"""Ordinary least squares of one response on one regressor: the straight line every analysis needs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["OLS", "ols"]


@dataclass(frozen=True)
class OLS:
    r"""The least-squares line :math:`y = a + b x`.

    Attributes
    ----------
    slope, intercept : float or numpy.ndarray
        :math:`\hat b` and :math:`\hat a`; arrays of the leading shape of ``y``
        when :func:`ols` was given several responses at once.
    stderr : float or numpy.ndarray
        Standard error of the slope, :math:`\sqrt{\sum r_i^2 / (n - 2) / S_{xx}}`
        (NaN with fewer than 3 points).
    r2 : float or numpy.ndarray
        Coefficient of determination (NaN when y is constant).
    n : int
        Number of points.
    """

    slope: Any
    intercept: Any
    stderr: Any
    r2: Any
    n: int

    def __iter__(self):  # type: ignore[no-untyped-def]
        """``slope, intercept = ols(x, y)`` unpacks the line."""
        return iter((self.slope, self.intercept))


def ols(x: Any, y: Any) -> OLS:
    r"""Least-squares line of ``y`` on ``x``, vectorised over the leading axes of ``y``.

    Parameters
    ----------
    x : array-like, shape (n,)
        Regressor.
    y : array-like, shape (n,) or (..., n)
        Response(s): one line per row of the leading axes. One response is
        summed pairwise; a stack (also of one row, shape (1, n)) through one
        matrix product: the two agree to rounding, not to the last bit.

    Returns
    -------
    OLS
        Slope, intercept, the slope's standard error and :math:`R^2` (floats for
        one response, arrays for several). A constant ``x`` gives slope 0 and
        the mean of ``y`` as intercept (no line is identified).

    Examples
    --------
    >>> fit = ols([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> float(fit.slope), float(fit.intercept)
    (2.0, 1.0)
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    if xv.ndim != 1 or yv.shape[-1:] != xv.shape:
        raise ValueError(f"ols(x, y): x has shape {xv.shape} and y {yv.shape}; y needs x's length on its last axis.")
    n = xv.size
    xm = xv.mean()
    dx = xv - xm
    if yv.ndim == 1:
        # one response: sums of centred products (NumPy's pairwise summation)
        ym = yv.mean()
        sxx = float(np.sum(dx**2))
        b = float(np.sum(dx * (yv - ym)) / sxx) if sxx > 0 else 0.0
        a = float(ym - b * xm)
        resid = yv - a - b * xv
        ssr, syy = float(np.sum(resid**2)), float(np.sum((yv - ym) ** 2))
        se = math.sqrt(ssr / (n - 2) / sxx) if n > 2 and sxx > 0 else math.nan
        return OLS(b, a, se, 1.0 - ssr / syy if syy > 0 else math.nan, n)
    # a stack of responses (bootstrap replicates, models): every line through one matrix product
    sxx = float(dx @ dx)
    ym = yv.mean(axis=-1)
    dy = yv - ym[..., None]
    slope = (dy @ dx) / sxx if sxx > 0 else np.zeros_like(ym)
    intercept = ym - slope * xm
    resid = dy - slope[..., None] * dx
    ssr, syy = np.sum(resid**2, axis=-1), np.sum(dy**2, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        stderr = np.sqrt(ssr / (n - 2) / sxx) if n > 2 and sxx > 0 else np.full_like(ym, math.nan)
        r2 = np.where(syy > 0, 1.0 - ssr / np.where(syy > 0, syy, 1.0), math.nan)
    return OLS(slope, intercept, stderr, r2, n)
