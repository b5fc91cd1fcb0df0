r"""The data-constrained law of Muennighoff et al. (2023): repeated data and excess parameters.

Effective data and parameters replace D and N in Chinchilla's law:

.. math::

    D' = U_D + U_D R_D^* \left(1 - e^{-R_D / R_D^*}\right), \qquad R_D = D / U_D - 1

    N' = U_N + U_N R_N^* \left(1 - e^{-R_N / R_N^*}\right), \qquad R_N = N / U_N - 1

    L = E + A / N'^{\alpha} + B / D'^{\beta}

:math:`R_D` counts repetitions beyond the first epoch; a repeated token is
worth less than a fresh one and :math:`D'` saturates at
:math:`U_D (1 + R_D^*)`. :math:`U_N` is the compute-optimal number of
parameters for :math:`U_D` tokens under the base Chinchilla law, capped at N,

.. math::

    U_N = \min\{N_{opt}(U_D), N\}, \qquad N_{opt}(U_D) = G\,(G\, U_D)^{\beta/\alpha},
    \qquad G = \left(\frac{\alpha A}{\beta B}\right)^{1/(\alpha + \beta)},

so parameters beyond what the unique data can feed (:math:`R_N > 0`) also lose
value. :math:`N_{opt}` inverts Chinchilla's compute-optimal allocation
:math:`N_{opt}(C) = G (C/6)^{\beta/(\alpha+\beta)}`,
:math:`D_{opt}(C) = G^{-1} (C/6)^{\alpha/(\alpha+\beta)}` (Hoffmann et al.
2022, eq. 4), and takes A, B, alpha, beta from the law's own parameters,
whether they are fitted jointly or fixed. The min makes N' continuously
differentiable (the derivative of the saturating map is 1 at R_N = 0), so the
Jacobian is continuous across the kink.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from scalewatch.laws._base import Law, Param, as_design
from scalewatch.laws._common import log_positive, normalise_fixed

__all__ = ["DataConstrained"]

_CITATION = (
    "Muennighoff et al. (2023), 'Scaling Data-Constrained Language Models', arXiv:2305.16264, eqs. 5-7; "
    "U_N as in the authors' code (github.com/huggingface/datablations, README 'Parametric Fit')"
)

# Coarser than Chinchilla's 4500-point grid: with the two R* the product has 7 axes.
_E_GRID = tuple(float(np.exp(e)) for e in (-0.5, 0.25, 1.0))
_AB_GRID = tuple(float(np.exp(a)) for a in (2.0, 6.0, 10.0, 14.0))
_EXP_GRID = (0.2, 0.35, 0.6)
_RD_GRID = (3.0, 15.0, 60.0)
_RN_GRID = (1.0, 5.0)


def _all_params() -> tuple[Param, ...]:
    return (
        Param("E", 0.0, np.inf, "log", _E_GRID, "irreducible loss, nats/token"),
        Param("A", 0.0, np.inf, "log", _AB_GRID, "model-size coefficient, nats/token x N^alpha"),
        Param("B", 0.0, np.inf, "log", _AB_GRID, "data coefficient, nats/token x D^beta"),
        Param("alpha", 0.0, 3.0, "log", _EXP_GRID, "model-size exponent (> 0: it divides in N_opt)"),
        Param("beta", 0.0, 3.0, "log", _EXP_GRID, "data exponent (> 0: it divides in N_opt)"),
        Param("R_D_star", 0.0, np.inf, "log", _RD_GRID, "repetitions of the data after which its value decays by 1/e"),
        Param("R_N_star", 0.0, np.inf, "log", _RN_GRID, "excess-parameter ratio after which their value decays by 1/e"),
    )


_NAMES = tuple(p.name for p in _all_params())


def _saturate(R: np.ndarray, R_star: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""g = R* (1 - e^{-R/R*}), dg/dR = e^{-R/R*} and dg/dR* = 1 - e^{-q} (1 + q), q = R/R*."""
    q = R / R_star
    eq = np.exp(-q)
    g = -R_star * np.expm1(-q)
    dg_dstar = -np.expm1(-q) - q * eq
    return g, eq, dg_dstar


@dataclass(frozen=True)
class DataConstrained(Law):
    r"""Loss from parameters N, tokens D and unique tokens U_D (repeated data).

    .. math:: L = E + \frac{A}{N'^{\alpha}} + \frac{B}{D'^{\beta}}

    with the effective counts N' and D' of Muennighoff et al. (2023), eqs. 5-7
    (see the module docstring for U_N and R_N). U_D is the number of unique
    tokens seen, so U_D <= D; D / U_D is the number of epochs.

    With one epoch (U_D = D) and N <= N_opt(D) the law equals
    :class:`Chinchilla` with the same E, A, B, alpha, beta; as the repetitions
    grow, D' approaches U_D (1 + R_D*).

    Parameters
    ----------
    fixed : mapping name -> value, default {}
        Parameters held at a given value instead of fitted, e.g. the base
        Chinchilla constants from an earlier fit on single-epoch runs
        (``DataConstrained(fixed=chinchilla_result.params)``, the authors' two-stage
        procedure), leaving ``R_D_star`` and ``R_N_star`` free. Stored as sorted
        (name, value) pairs so that the law stays hashable.
    tied : bool, default False
        Tie beta = alpha (one exponent, as in the authors' published fit).

    Notes
    -----
    ``published`` holds the authors' C4 fit (README of the reference code;
    rounded in the paper to R_D* = 15.4, R_N* = 5.3, E = 1.87, A = 521,
    B = 1488, alpha = beta = 0.353).

    References
    ----------
    Muennighoff et al. (2023), "Scaling Data-Constrained Language Models",
    NeurIPS 2023, arXiv:2305.16264, eqs. 5-7; reference implementation and
    fitted constants: github.com/huggingface/datablations (README,
    "Parametric Fit"). Hoffmann et al. (2022), arXiv:2203.15556, eq. 4 for
    N_opt.

    Examples
    --------
    >>> law = DataConstrained()
    >>> round(float(law.predict({"N": [6.34e9], "D": [242e9], "U_D": [25e9]}, law.published)[0]), 6)
    2.225644
    """

    name: ClassVar[str] = "data_constrained"
    inputs: ClassVar[tuple[str, ...]] = ("N", "D", "U_D")
    formula: ClassVar[str] = (
        "L = E + A / N'^alpha + B / D'^beta; D' = U_D (1 + R_D* (1 - exp(-R_D/R_D*))), R_D = D/U_D - 1; "
        "N' = U_N (1 + R_N* (1 - exp(-R_N/R_N*))), R_N = N/U_N - 1, U_N = min(N_opt(U_D), N)"
    )
    citation: ClassVar[str] = _CITATION
    published: ClassVar[MappingProxyType] = MappingProxyType(
        {
            # a, b, e = 6.255414, 7.3049974, 0.6254804 are fitted as logs by the authors
            "E": math.exp(0.6254804),
            "A": math.exp(6.255414),
            "B": math.exp(7.3049974),
            "alpha": 0.3526596,
            "beta": 0.3526596,
            "R_D_star": 15.387756,
            "R_N_star": 5.309743,
        }
    )

    fixed: Mapping[str, float] | Iterable[tuple[str, float]] = field(default=())
    tied: bool = False

    def __post_init__(self) -> None:
        candidates = tuple(p for p in _all_params() if not (self.tied and p.name == "beta"))
        if self.tied and "beta" in dict(self.fixed.items() if isinstance(self.fixed, Mapping) else self.fixed):
            raise ValueError(
                "DataConstrained(tied=True, fixed={'beta': ...}): with tied=True beta equals alpha; fix 'alpha' instead."
            )
        pairs = normalise_fixed("DataConstrained", self.fixed, candidates)
        object.__setattr__(self, "fixed", pairs)
        if len(pairs) == len(candidates):
            raise ValueError(
                f"DataConstrained(fixed=...) fixes every parameter {[n for n, _ in pairs]}; "
                "leave at least one free (to predict with known constants use law.predict with the values instead)."
            )

    # -- parameters -------------------------------------------------------
    @property
    def fixed_values(self) -> dict[str, float]:
        """The fixed parameters as a plain dict."""
        return dict(self.fixed)  # type: ignore[arg-type]

    @property
    def parameters(self) -> tuple[Param, ...]:
        fixed = self.fixed_values
        return tuple(
            p for p in _all_params() if p.name not in fixed and not (self.tied and p.name == "beta")
        )

    @property
    def linear_params(self) -> tuple[str, ...]:
        # A and B also enter N_opt through G, so only E is linear
        return ("E",) if "E" not in self.fixed_values else ()

    def describe(self) -> str:
        text = super().describe()
        extra = []
        if self.tied:
            extra.append("tied: beta = alpha")
        if self.fixed:
            extra.append("fixed: " + ", ".join(f"{n}={v:g}" for n, v in self.fixed))  # type: ignore[misc]
        return text + ("\n" + "\n".join(extra) if extra else "")

    # -- evaluation -------------------------------------------------------
    def prepare(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        log_n, log_d, log_u = log_positive(self, X)
        over = np.flatnonzero(X[:, 2] > X[:, 1])
        if over.size:
            i = int(over[0])
            raise ValueError(
                f"data_constrained: U_D (unique tokens seen) must be <= D (tokens seen); row {i} has "
                f"U_D={X[i, 2]:g} > D={X[i, 1]:g}. If U_D is the size of the available pool, pass min(U_D, D)."
            )
        R_D = np.expm1(log_d - log_u)  # repetitions beyond the first epoch, >= 0
        return log_n, log_u, R_D  # (n,) each

    def _full_theta(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        """The seven parameters (..., 1) each, from the free ones plus fixed and tied values."""
        fixed = self.fixed_values
        free = {p.name: i for i, p in enumerate(self.parameters)}
        cols = {}
        for name in _NAMES:
            if name in free:
                cols[name] = theta[..., free[name], None]
            elif name in fixed:
                cols[name] = np.full(theta.shape[:-1] + (1,), fixed[name])
        if self.tied:
            cols["beta"] = cols["alpha"]
        return tuple(cols[n] for n in _NAMES)

    def evaluate(self, features, theta, jac=False):
        log_n, log_u, R_D = features
        E, A, B, alpha, beta, rd_star, rn_star = self._full_theta(theta)

        # effective data D' = U_D (1 + g_D)
        g_d, _, dgd_dstar = _saturate(R_D, rd_star)
        log_dp = log_u + np.log1p(g_d)
        td = B * np.exp(-beta * log_dp)

        # U_N = min(N_opt(U_D), N); log N_opt = [log(alpha A) - log(beta B) + beta log U_D] / alpha
        log_nopt = (np.log(alpha * A) - np.log(beta * B) + beta * log_u) / alpha
        excess = log_nopt < log_n  # (..., n): more parameters than the unique data can feed
        log_un = np.where(excess, log_nopt, log_n)
        R_N = np.expm1(log_n - log_un)  # >= 0, 0 where not in excess
        g_n, dgn_dR, dgn_dstar = _saturate(R_N, rn_star)
        log_np = log_un + np.log1p(g_n)
        tn = A * np.exp(-alpha * log_np)

        pred = E + tn + td
        if not jac:
            return pred, None

        # d log N' / d log U_N, for U_N = N_opt(theta); zero where U_N = N (no dependence on theta)
        dlnp = np.where(excess, 1.0 - dgn_dR * (1.0 + R_N) / (1.0 + g_n), 0.0)
        kn = -alpha * tn * dlnp  # d tn / d log U_N
        one = np.ones_like(pred)
        full = [
            one,  # E
            tn / A + kn / (alpha * A),  # A
            td / B - kn / (alpha * B),  # B
            -log_np * tn + kn * (1.0 / alpha - log_nopt) / alpha,  # alpha
            -log_dp * td + kn * (log_u - 1.0 / beta) / alpha,  # beta
            -beta * td * dgd_dstar / (1.0 + g_d),  # R_D_star
            -alpha * tn * dgn_dstar / (1.0 + g_n),  # R_N_star
        ]
        full = [np.broadcast_to(c, pred.shape) for c in full]
        if self.tied:
            full[3] = full[3] + full[4]
        free = {p.name for p in self.parameters}
        return pred, np.stack([c for n, c in zip(_NAMES, full) if n in free], axis=-1)

    def effective_counts(self, data, theta) -> tuple[np.ndarray, np.ndarray]:
        """Effective parameters N' and data D' at ``data`` for ``theta``, each (..., n).

        Examples
        --------
        >>> law = DataConstrained()
        >>> n_eff, d_eff = law.effective_counts({"N": [1e9], "D": [1e12], "U_D": [1e9]}, law.published)
        >>> round(float(d_eff[0] / 1e9), 2)  # 1000 epochs: close to U_D (1 + R_D*)
        16.39
        """
        X = as_design(self, data)
        log_n, log_u, R_D = self.prepare(X)
        E, A, B, alpha, beta, rd_star, rn_star = self._full_theta(self.theta_array(theta))
        g_d, _, _ = _saturate(R_D, rd_star)
        log_nopt = (np.log(alpha * A) - np.log(beta * B) + beta * log_u) / alpha
        excess = log_nopt < log_n
        U_N = np.where(excess, np.exp(log_nopt), X[:, 0])
        g_n, _, _ = _saturate(np.where(excess, np.expm1(log_n - log_nopt), 0.0), rn_star)
        return U_N * (1.0 + g_n), X[:, 2] * (1.0 + g_d)
