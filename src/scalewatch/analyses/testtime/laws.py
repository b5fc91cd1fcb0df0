"""Coverage laws: the candidate curves of coverage against the number of samples k, with their starting values."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch.fitting import ols

__all__ = ["CoverageLaw", "COVERAGE_LAWS", "coverage_law"]


def _loglog(c: np.ndarray) -> np.ndarray:
    """log(-log c): the space every law is fitted in (c in (0, 1))."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(-np.log(c))


def _line(x: np.ndarray, Y: np.ndarray) -> tuple[Any, Any]:
    """Slope and intercept of Y (..., n) on x (n,) by :func:`scalewatch.fitting.ols`, vectorised over leading axes.

    A single curve goes in as a one-row stack, so that every start and forecast
    of the coverage laws takes the same arithmetic (one matrix product) whether
    it is computed for one curve or for all bootstrap replicates at once.
    """
    Y = np.asarray(Y, dtype=float)
    line = ols(x, Y[None] if Y.ndim == 1 else Y)
    return (line.slope[0], line.intercept[0]) if Y.ndim == 1 else (line.slope, line.intercept)


@dataclass(frozen=True)
class CoverageLaw:
    """A coverage law c(k): name, formula, parameter names, citation and its curve.

    Build one with :func:`coverage_law`; fit it with :func:`fit_coverage`.

    Attributes
    ----------
    name, formula, citation : str
    params : tuple of str
        Parameter names, in the order of ``theta``.
    """

    name: str
    formula: str
    params: tuple[str, ...]
    citation: str
    _curve: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False, compare=False)
    _start: Callable[[np.ndarray, np.ndarray], list[np.ndarray]] = field(repr=False, compare=False)
    _to_u: Callable[[np.ndarray], np.ndarray] = field(repr=False, compare=False)
    _from_u: Callable[[np.ndarray], np.ndarray] = field(repr=False, compare=False)

    def predict(self, k: Any, theta: Any) -> np.ndarray:
        """Coverage at ``k`` (shape (K,)) for parameters ``theta`` (shape (p,) or (R, p)) -> (K,) or (R, K)."""
        kk = np.asarray(k, dtype=np.float64)
        th = np.asarray(theta, dtype=np.float64)
        if th.shape[-1] != len(self.params):
            raise ValueError(f"coverage law {self.name!r} takes {len(self.params)} parameters {self.params}; got shape {th.shape}.")
        return self._curve(kk, th)

    def fit_curve(self, k: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, float]:
        """Least squares on log(-log c) for one curve; returns (theta, residual sum of squares)."""
        k = np.asarray(k, dtype=np.float64)
        y = _loglog(np.asarray(c, dtype=np.float64))
        if self.name == "brown":
            slope, icpt = _line(np.log(k), y)
            theta = np.array([math.exp(icpt), -slope])
            return theta, float(np.sum((y - (icpt + slope * np.log(k))) ** 2))
        from scipy.optimize import least_squares

        def resid(u: np.ndarray) -> np.ndarray:
            pred = self._curve(k, self._from_u(u))
            r = _loglog(np.clip(pred, 1e-300, 1.0 - 1e-16)) - y
            return np.where(np.isfinite(r), r, 1e3)

        best: tuple[np.ndarray, float] | None = None
        for start in self._start(k, c):
            u0 = self._to_u(start)
            if not np.all(np.isfinite(u0)):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                sol = least_squares(resid, u0, method="lm", max_nfev=2000)
            sse = float(np.sum(sol.fun**2))
            if best is None or sse < best[1]:
                best = (self._from_u(sol.x), sse)
        if best is None:
            raise ValueError(f"coverage law {self.name!r}: no usable starting point for these data (coverage {c.min():.3g} .. {c.max():.3g}).")
        return best

    def k_for(self, coverage: float, theta: Any, *, k_max: float = 1e15) -> np.ndarray:
        """Samples k at which the law reaches ``coverage`` (inf where it never does, below ``k_max``)."""
        th = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        if self.name == "brown":
            a, b = th[:, 0], th[:, 1]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                k = (a / -math.log(coverage)) ** (1.0 / b)
            k = np.where(b > 0, np.maximum(k, 1.0), np.inf)
            return k if np.ndim(theta) > 1 else k[0]
        # coverage rises monotonically with log k: bisection on log k in [0, log k_max], per parameter row
        lo = np.zeros(len(th))
        hi = np.full(len(th), math.log(k_max))
        reached = self._curve(np.full((len(th), 1), k_max), th)[:, 0] >= coverage
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            below = self._curve(np.exp(mid)[:, None], th)[:, 0] < coverage
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        k = np.where(reached, np.exp(hi), np.inf)
        return k if np.ndim(theta) > 1 else k[0]


def _brown_curve(k: np.ndarray, th: np.ndarray) -> np.ndarray:
    a, b = th[..., 0, None], th[..., 1, None]
    return np.exp(-a * k ** (-b))


def _plateau_curve(k: np.ndarray, th: np.ndarray) -> np.ndarray:
    m, a, b = th[..., 0, None], th[..., 1, None], th[..., 2, None]
    return m * np.exp(-a * k ** (-b))


def _beta_curve(k: np.ndarray, th: np.ndarray) -> np.ndarray:
    from scipy.special import betaln

    al, be = th[..., 0, None], th[..., 1, None]
    # E_p[1 - (1-p)^k] = 1 - B(alpha, beta + k) / B(alpha, beta); -expm1 keeps small coverages exact
    return -np.expm1(betaln(al, be + k) - betaln(al, be))


def _logistic_curve(k: np.ndarray, th: np.ndarray) -> np.ndarray:
    s, t = th[..., 0, None], th[..., 1, None]
    from scipy.special import expit

    return expit(s * np.log(k) + t)


def _failure_curve(k: np.ndarray, th: np.ndarray) -> np.ndarray:
    A, b = th[..., 0, None], th[..., 1, None]
    return 1.0 - A * k ** (-b)


def _brown_start(k: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    slope, icpt = _line(np.log(k), _loglog(c))
    return [np.array([math.exp(icpt), max(-slope, 1e-3)])]


def _plateau_start(k: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    starts = []
    for m in (1.0 - 1e-6, 0.5 * (1.0 + c.max()), c.max() + 0.25 * (1.0 - c.max())):
        slope, icpt = _line(np.log(k), _loglog(np.clip(c / m, 1e-300, 1 - 1e-12)))
        starts.append(np.array([min(m, 1.0 - 1e-9), math.exp(icpt), max(-slope, 1e-3)]))
    return starts


def _beta_start(k: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    return [np.array([al, be]) for al in (0.05, 0.2, 0.8) for be in (1.0, 30.0, 1000.0)]


def _logistic_start(k: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    slope, icpt = _line(np.log(k), np.log(c / (1.0 - c)))
    return [np.array([max(slope, 1e-3), icpt])]


def _failure_start(k: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    slope, icpt = _line(np.log(k), np.log(1.0 - c))
    return [np.array([min(math.exp(icpt), 1.0), max(-slope, 1e-3)])]


def _logit(x: np.ndarray) -> np.ndarray:
    return np.log(x) - np.log1p(-x)


def _expit(x: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(x)


#: name -> law; see the module docstring for formulas and references
COVERAGE_LAWS: Mapping[str, CoverageLaw] = {
    "brown": CoverageLaw(
        "brown", "c = exp(-a k^-b)", ("a", "b"),
        "Brown et al. (2024), 'Large Language Monkeys', arXiv:2407.21787 (exponentiated power law)",
        _brown_curve, _brown_start, lambda t: np.log(t), lambda u: np.exp(u),
    ),
    "brown_plateau": CoverageLaw(
        "brown_plateau", "c = m exp(-a k^-b), m <= 1", ("m", "a", "b"),
        "Brown et al. (2024) with a ceiling m: coverage that never reaches 1",
        _plateau_curve, _plateau_start,
        lambda t: np.r_[_logit(np.clip(t[:1], 1e-12, 1 - 1e-12)), np.log(t[1:])],
        lambda u: np.r_[_expit(u[:1]), np.exp(u[1:])],
    ),
    "beta": CoverageLaw(
        "beta", "c = 1 - B(alpha, beta + k) / B(alpha, beta)", ("alpha", "beta"),
        "Schaeffer et al. (2025), 'How Do Large Language Monkeys Get Their Power (Laws)?', ICML, arXiv:2502.17578",
        _beta_curve, _beta_start, lambda t: np.log(t), lambda u: np.exp(u),
    ),
    "logistic": CoverageLaw(
        "logistic", "c = 1 / (1 + exp(-(s log k + t)))", ("s", "t"),
        "an S-curve in log k (linear in log k on a logit scale)",
        _logistic_curve, _logistic_start, lambda t: np.r_[np.log(t[:1]), t[1:]], lambda u: np.r_[np.exp(u[:1]), u[1:]],
    ),
    "power_failure": CoverageLaw(
        "power_failure", "1 - c = A k^-b", ("A", "b"),
        "a power law in the failure rate (the large-k limit of Schaeffer et al. 2025)",
        _failure_curve, _failure_start, lambda t: np.log(t), lambda u: np.exp(u),
    ),
}


def coverage_law(name: str | CoverageLaw) -> CoverageLaw:
    """The coverage law called ``name`` (one of :data:`COVERAGE_LAWS`).

    Examples
    --------
    >>> coverage_law("brown").params
    ('a', 'b')
    """
    if isinstance(name, CoverageLaw):
        return name
    try:
        return COVERAGE_LAWS[name]
    except (KeyError, TypeError):
        raise ValueError(f"coverage law {name!r} is not known; use one of {list(COVERAGE_LAWS)}.") from None
