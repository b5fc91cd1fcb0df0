"""The Chinchilla law L(N, D) = E + A / N^alpha + B / D^beta."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from scalewatch.laws._base import Law, Param

__all__ = ["Chinchilla"]

# Hoffmann et al. (2022), Appendix D.2: the 4500-point initialisation grid,
# alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}
# with E = exp(e), A = exp(a), B = exp(b).
_EXPONENT_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)
_E_GRID = tuple(float(np.exp(e)) for e in (-1.0, -0.5, 0.0, 0.5, 1.0))
_AB_GRID = tuple(float(np.exp(a)) for a in (0.0, 5.0, 10.0, 15.0, 20.0, 25.0))


@dataclass(frozen=True)
class Chinchilla(Law):
    r"""Loss from parameters N and training tokens D (Chinchilla, Approach 3).

    .. math:: L(N, D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^{\beta}}

    E is the irreducible loss (nats/token), A/N^alpha the excess loss of a model
    of N parameters trained to convergence and B/D^beta that of finite data.

    The default starting grid is the 4500-point grid of Hoffmann et al.
    (Appendix D.2). A, B and E are searched on log scale, as in their fit.

    References
    ----------
    Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models",
    arXiv:2203.15556, eq. 2 and Appendix D.2.

    Examples
    --------
    >>> law = Chinchilla()
    >>> float(law({"N": [70e9], "D": [1.4e12]}, E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)[0])  # doctest: +ELLIPSIS
    1.936...
    """

    name: ClassVar[str] = "chinchilla"
    inputs: ClassVar[tuple[str, ...]] = ("N", "D")
    formula: ClassVar[str] = "L = E + A / N^alpha + B / D^beta"
    citation: ClassVar[str] = "Hoffmann et al. (2022), arXiv:2203.15556, eq. 2"
    linear_params: ClassVar[tuple[str, ...]] = ("E", "A", "B")
    #: tie alpha = beta (one exponent), a remedy when the data cannot separate them
    tied: bool = False

    @property
    def parameters(self) -> tuple[Param, ...]:
        ps = [
            Param("E", 0.0, np.inf, "log", _E_GRID, "irreducible loss, nats/token"),
            Param("A", 0.0, np.inf, "log", _AB_GRID, "model-size coefficient, nats/token x N^alpha"),
            Param("B", 0.0, np.inf, "log", _AB_GRID, "data coefficient, nats/token x D^beta"),
            Param("alpha", 0.0, 3.0, "linear", _EXPONENT_GRID, "model-size exponent"),
        ]
        if not self.tied:
            ps.append(Param("beta", 0.0, 3.0, "linear", _EXPONENT_GRID, "data exponent"))
        return tuple(ps)

    def prepare(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if np.any(X <= 0):
            raise ValueError("Chinchilla inputs N and D must be positive counts.")
        return np.log(X[:, 0]), np.log(X[:, 1])  # (n,), (n,)

    def _terms(self, features, theta):
        """log N, log D (n,), N^-alpha, D^-beta, A N^-alpha, B D^-beta and the prediction (..., n)."""
        log_n, log_d = features
        E, A, B, alpha = (theta[..., i, None] for i in range(4))
        beta = alpha if self.tied else theta[..., 4, None]
        pn = np.exp(-alpha * log_n)  # N^-alpha, (..., n)
        pd = np.exp(-beta * log_d)  # D^-beta
        tn = A * pn
        td = B * pd
        return log_n, log_d, pn, pd, tn, td, E + tn + td

    def evaluate(self, features, theta, jac=False):
        if not jac:
            return self._terms(features, theta)[-1], None
        pred, Jt = self.evaluate_columns(features, theta)
        return pred, np.ascontiguousarray(np.swapaxes(Jt, -1, -2))

    def evaluate_columns(self, features, theta):
        log_n, log_d, pn, pd, tn, td, pred = self._terms(features, theta)
        Jt = np.empty(pred.shape[:-1] + (self.n_params, pred.shape[-1]))  # (..., p, n)
        Jt[..., 0, :] = 1.0
        Jt[..., 1, :] = pn
        Jt[..., 2, :] = pd
        np.multiply(tn, -log_n, out=Jt[..., 3, :])
        if self.tied:
            Jt[..., 3, :] -= log_d * td
        else:
            np.multiply(td, -log_d, out=Jt[..., 4, :])
        return pred, Jt
