"""Robust losses on residuals, summed (never averaged) over observations.

Each loss gives rho(r), its derivative psi(r), its curvature rho''(r) and the
iteratively reweighted least-squares weight omega(r) = psi(r) / r. The solver
minimises ``sum_i w_i rho(r_i)`` with damped Gauss-Newton steps: the step's
model uses the exact curvature ``J^T diag(w rho'') J`` (fast, semi-smooth Newton
convergence once the set of points inside delta settles), and the damping is
scaled by the diagonal of the IRLS curvature ``J^T diag(w omega) J``, which stays
positive when every point lies beyond delta, so a heavily damped step is a
scaled descent step of the quadratic that majorises Huber's loss.

Summing matters: averaging divides the gradient by n, and with Huber delta =
1e-3 L-BFGS then meets its gradient tolerance long before the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = ["Loss", "LeastSquares", "Huber", "HuberLikelihood", "as_loss"]


@dataclass(frozen=True)
class Loss:
    """Base class: a loss applied to each residual and summed."""

    name: ClassVar[str] = "loss"
    #: the loss has a scale parameter that is profiled out (fitted) per problem
    profiled_scale: ClassVar[bool] = False

    def rho(self, r: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def psi(self, r: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def omega(self, r: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def dpsi(self, r: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """rho''(r): the exact curvature, used for the Newton model of a step."""
        raise NotImplementedError

    def label(self) -> str:
        return self.name

    def to_dict(self) -> dict:
        return {"name": self.name}


@dataclass(frozen=True)
class LeastSquares(Loss):
    r"""Half the sum of squared residuals, :math:`\rho(r) = r^2 / 2`."""

    name: ClassVar[str] = "lsq"

    def rho(self, r):
        return 0.5 * r * r

    def psi(self, r):
        return r

    def omega(self, r):
        return np.ones_like(r)

    def dpsi(self, r):
        return np.ones_like(r)

    def label(self) -> str:
        return "least squares"


@dataclass(frozen=True)
class Huber(Loss):
    r"""Huber's loss: quadratic within ``delta`` of zero, linear beyond.

    .. math::
        \rho_\delta(r) = \begin{cases} r^2/2 & |r| \le \delta \\
        \delta (|r| - \delta/2) & |r| > \delta \end{cases}

    Hoffmann et al. (2022) fit the Chinchilla law with delta = 1e-3 on
    log-loss residuals.

    References
    ----------
    Huber (1964), "Robust Estimation of a Location Parameter", Ann. Math. Stat. 35(1).
    """

    name: ClassVar[str] = "huber"
    delta: float = 1e-3

    def __post_init__(self) -> None:
        if not (np.isfinite(self.delta) and self.delta > 0):
            raise ValueError(f"Huber(delta={self.delta!r}): delta must be a finite number > 0, e.g. 1e-3.")

    def rho(self, r):
        # m (a - m/2) with m = min(|r|, delta) is r^2/2 inside delta and delta (|r| - delta/2) outside
        a = np.abs(r)
        m = np.minimum(a, self.delta)
        return m * (a - 0.5 * m)

    def psi(self, r):
        d = self.delta
        return np.clip(r, -d, d)

    def omega(self, r):
        return self.delta / np.maximum(np.abs(r), self.delta)

    def dpsi(self, r):
        return (np.abs(r) <= self.delta).astype(np.float64)

    def label(self) -> str:
        return f"Huber (delta={self.delta:g})"

    def to_dict(self) -> dict:
        return {"name": self.name, "delta": self.delta}


@dataclass(frozen=True)
class HuberLikelihood(Huber):
    r"""Negative log-likelihood of a Huber density with a fitted scale sigma.

    .. math:: \sum_i \rho_\delta(r_i / \sigma) + n \log \sigma

    The scale is profiled out: for each parameter vector the solver finds the
    sigma that minimises the expression (a one-dimensional monotone equation),
    so a fit reports sigma next to the law's parameters.
    """

    name: ClassVar[str] = "huber_likelihood"
    profiled_scale: ClassVar[bool] = True
    delta: float = 1.0

    def label(self) -> str:
        return f"Huber likelihood (delta={self.delta:g}, fitted scale)"

    def profile_scale(self, r: np.ndarray, w: np.ndarray) -> np.ndarray:
        """sigma* (B,) minimising sum w rho(r/sigma) + W log sigma, for r (B, n)."""
        wsum = np.broadcast_to(w, r.shape).sum(axis=-1)
        r2 = (w * r * r).sum(axis=-1)
        # sum w psi(z) z <= sum w z^2, so at s_hi = sqrt(sum w r^2 / W) the
        # stationarity equation h(s) = sum w psi(r/s) r/s - W is <= 0; h rises
        # without bound as s -> 0. Bisect log s on [log s_hi - 40, log s_hi].
        hi = 0.5 * np.log(np.maximum(r2 / wsum, 1e-300))
        lo = hi - 40.0
        absr = np.abs(r)
        d = self.delta
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            z = absr / np.exp(mid)[..., None]
            h = (w * np.where(z <= d, z * z, d * z)).sum(axis=-1) - wsum
            pos = h > 0
            lo = np.where(pos, mid, lo)
            hi = np.where(pos, hi, mid)
        return np.exp(0.5 * (lo + hi))


def as_loss(loss: "str | Loss", delta: float | None = None) -> Loss:
    """Resolve ``loss=`` as given by a user to a :class:`Loss` value."""
    if isinstance(loss, Loss):
        if delta is not None:
            raise ValueError("pass delta either inside the Loss object or as delta=..., not both.")
        return loss
    allowed = {"lsq": LeastSquares, "least_squares": LeastSquares, "huber": Huber, "huber_likelihood": HuberLikelihood}
    if not isinstance(loss, str) or loss not in allowed:
        raise ValueError(
            f"loss={loss!r} is not a known loss; use one of {sorted(allowed)} or a scalewatch.fitting Loss object."
        )
    cls = allowed[loss]
    if cls is LeastSquares:
        if delta is not None:
            raise ValueError(f"loss={loss!r} takes no delta; got delta={delta}.")
        return LeastSquares()
    return cls() if delta is None else cls(delta=float(delta))
