r"""Broken neural scaling law (Caballero et al. 2022) with 1 to 3 breaks.

.. math::

    y = a + b\, x^{-c_0} \prod_{i=1}^{n} \left(1 + (x / d_i)^{1/f_i}\right)^{-c_i f_i}

Between breaks the curve is a power law; around :math:`x = d_i` its log-log
slope changes by :math:`-c_i` over a width set by :math:`f_i` (small f: a sharp
break). Evaluated in log space,

.. math::

    \log(y - a) = \log b - c_0 \log x - \sum_i c_i f_i\, \mathrm{softplus}\!\left(\frac{\log x - \log d_i}{f_i}\right),

with a softplus that cannot overflow, so sharp breaks (f -> 0) and distant
break points are safe; the exponent is capped at ``_LOG_MAX`` so that
extreme parameter vectors give a huge finite value rather than inf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from scalewatch.laws._base import Law, Param
from scalewatch.laws._common import log_positive, normalise_inputs, ones, softplus

__all__ = ["BrokenPowerLaw"]

_ALLOWED_BREAKS = (1, 2, 3)
# exp(700) ~ 1e304 stays finite; beyond it the prediction is capped (and the
# Jacobian of the capped part is zero), never inf
_LOG_MAX = 700.0

# Starting grid. Break locations span the scales that x takes in scaling
# studies (parameters, tokens, FLOP: 1e3 to 1e21); with several breaks only
# ordered locations d_1 < d_2 < d_3 are kept, since relabelling breaks gives
# the same curve.
_A_GRID = (0.1, 1.0, 3.0)
_B_GRID = tuple(float(np.exp(v)) for v in (0.0, 7.0, 14.0, 21.0))
_C0_GRID = (0.05, 0.2, 0.5)
_D_GRIDS = {
    1: tuple(10.0**k for k in (3, 6, 9, 12, 15, 18, 21)),
    2: tuple(10.0**k for k in (3, 6, 9, 12, 15, 18, 21)),
    3: tuple(10.0**k for k in (4, 8, 12, 16, 20)),
}
_C_GRIDS = {1: (-0.2, 0.2, 0.5), 2: (-0.2, 0.3), 3: (-0.2, 0.3)}
_F_GRIDS = {1: (0.1, 1.0), 2: (0.5,), 3: (0.5,)}


@dataclass(frozen=True)
class BrokenPowerLaw(Law):
    r"""Broken neural scaling law with ``n_breaks`` smooth breaks (1 to 3).

    .. math:: y = a + b\, x^{-c_0} \prod_{i=1}^{n} \left(1 + (x / d_i)^{1/f_i}\right)^{-c_i f_i}

    Parameters (in order): ``a`` (limit as x grows, when the final exponent
    :math:`c_0 + \sum_i c_i` is positive), ``b`` (scale), ``c0`` (initial slope), then for each break i:
    ``ci`` (change of slope), ``di`` (location, units of x) and ``fi``
    (sharpness; smaller is sharper). With every ``ci = 0`` the law is the
    saturating power law :math:`a + b x^{-c_0}`. Rescaling :math:`x \to s\,x`
    is absorbed by :math:`b \to b\, s^{c_0}`, :math:`d_i \to s\, d_i`.

    Parameters
    ----------
    n_breaks : {1, 2, 3}, default 1
        Number of breaks.
    inputs : str or tuple of one str, default ``("x",)``
        Name of the data column holding x.

    Raises
    ------
    ValueError
        If ``n_breaks`` is not 1, 2 or 3.

    References
    ----------
    Caballero, Gupta, Rish & Krueger (2022), "Broken Neural Scaling Laws",
    ICLR 2023, arXiv:2210.14891, eq. 1.

    Examples
    --------
    >>> law = BrokenPowerLaw(n_breaks=2)
    >>> law.param_names
    ('a', 'b', 'c0', 'c1', 'd1', 'f1', 'c2', 'd2', 'f2')
    """

    name: ClassVar[str] = "broken_power_law"
    formula: ClassVar[str] = "y = a + b x^-c0 prod_i (1 + (x/d_i)^(1/f_i))^(-c_i f_i)"
    citation: ClassVar[str] = "Caballero et al. (2022), 'Broken Neural Scaling Laws', arXiv:2210.14891, eq. 1"
    linear_params: ClassVar[tuple[str, ...]] = ("a", "b")

    n_breaks: int = 1
    inputs: tuple[str, ...] = field(default=("x",), kw_only=True)

    def __post_init__(self) -> None:
        if isinstance(self.n_breaks, bool) or not isinstance(self.n_breaks, (int, np.integer)):
            raise TypeError(
                f"BrokenPowerLaw(n_breaks={self.n_breaks!r}): n_breaks must be an integer, one of {_ALLOWED_BREAKS}."
            )
        if self.n_breaks not in _ALLOWED_BREAKS:
            raise ValueError(
                f"BrokenPowerLaw(n_breaks={self.n_breaks!r}): allowed values are {_ALLOWED_BREAKS}; "
                "for no break use SaturatingPowerLaw."
            )
        object.__setattr__(self, "n_breaks", int(self.n_breaks))
        object.__setattr__(self, "inputs", normalise_inputs("BrokenPowerLaw", self.inputs, 1))

    @property
    def parameters(self) -> tuple[Param, ...]:
        n = self.n_breaks
        ps = [
            Param("a", 0.0, np.inf, "log", _A_GRID, "limit of y as x grows (when c0 + sum c_i > 0), units of y"),
            Param("b", 0.0, np.inf, "log", _B_GRID, "scale, units of y x x^c0"),
            Param("c0", -3.0, 3.0, "linear", _C0_GRID, "initial log-log slope (negated)"),
        ]
        for i in range(1, n + 1):
            ps += [
                Param(f"c{i}", -3.0, 3.0, "linear", _C_GRIDS[n], f"change of slope at break {i}"),
                Param(f"d{i}", 0.0, np.inf, "log", _D_GRIDS[n], f"location of break {i}, units of x"),
                Param(f"f{i}", 0.0, 10.0, "log", _F_GRIDS[n], f"sharpness of break {i} (smaller: sharper)"),
            ]
        return tuple(ps)

    def default_grid(self) -> np.ndarray:
        """Product of the parameters' grids, keeping ordered break locations d1 < d2 < ...

        With 1, 2, 3 breaks: 1512, 3024, 2880 starts.
        """
        grid = super().default_grid()
        if self.n_breaks == 1:
            return grid
        d_cols = [4 + 3 * i for i in range(self.n_breaks)]
        d = grid[:, d_cols]
        return grid[np.all(np.diff(d, axis=1) > 0, axis=1)]

    def prepare(self, X: np.ndarray) -> np.ndarray:
        (log_x,) = log_positive(self, X)
        return log_x  # (n,)

    def evaluate(self, features, theta, jac=False):
        log_x = features
        a, b, c0 = theta[..., 0, None], theta[..., 1, None], theta[..., 2, None]
        with np.errstate(divide="ignore"):  # b = 0 is allowed (variable projection sets it): log 0 = -inf, P = 0
            log_b = np.log(b)
        rest = -c0 * log_x  # log((y - a) / b), (..., n)
        parts = []
        for i in range(self.n_breaks):
            c, d, f = (theta[..., 3 + 3 * i + k, None] for k in range(3))
            z = (log_x - np.log(d)) / f
            s, sig, s_minus = softplus(z)
            rest = rest - c * f * s
            parts.append((c, d, f, s, sig, s_minus))
        expo = log_b + rest  # log(y - a)
        capped = expo > _LOG_MAX
        P = np.exp(np.minimum(expo, _LOG_MAX))  # b x^-c0 prod(...), (..., n)
        pred = a + P
        if not jac:
            return pred, None
        Pj = np.where(capped, 0.0, P)  # the capped value does not move with the parameters
        # dP/db = P / b, or the product itself where b = 0
        dP_db = np.where(b > 0, Pj / np.where(b > 0, b, 1.0), np.exp(np.minimum(rest, _LOG_MAX)))
        cols = [ones(pred), dP_db, -log_x * Pj]
        for c, d, f, s, sig, s_minus in parts:
            cols += [
                -f * s * Pj,  # d/dc_i
                c * sig / d * Pj,  # d/dd_i: dz/dd = -1 / (f d)
                -c * s_minus * Pj,  # d/df_i = -c (s - z sigma) P
            ]
        cols = [np.broadcast_to(col, pred.shape) for col in cols]
        return pred, np.stack(cols, axis=-1)
