"""A fitting problem: a law, its inputs and targets, a loss and a residual space.

The solver works in an internal parametrisation ``u``: parameters with
``scale="log"`` are searched as their logarithm (so A, B and E of Chinchilla
stay positive without a constraint, as in Hoffmann et al.), the rest as they
are, clipped to their bounds.

Shapes: ``u`` is (B, p) for a batch of B problems that share the inputs; the
observation weights ``w`` are (n,) or, for bootstrap resamples, (B, n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalewatch.fitting._losses import Loss
from scalewatch.laws import Law

__all__ = ["Problem"]


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything the solver needs; built once per fit by :func:`scalewatch.fit`."""

    law: Law
    X: np.ndarray  # (n, k) inputs
    y: np.ndarray  # (n,) observed targets, natural units
    loss: Loss
    space: str  # "log": r = log(pred) - log(y); "linear": r = pred - y

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", self.law.prepare(self.X))
        object.__setattr__(self, "target", np.log(self.y) if self.space == "log" else self.y)
        params = self.law.parameters
        log_mask = np.array([p.scale == "log" for p in params])
        with np.errstate(divide="ignore"):
            lo = np.array([np.log(p.lower) if p.scale == "log" else p.lower for p in params], dtype=np.float64)
            hi = np.array([np.log(p.upper) if p.scale == "log" else p.upper for p in params], dtype=np.float64)
        object.__setattr__(self, "log_mask", log_mask)
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    # -- parametrisation ------------------------------------------------------
    def theta(self, u: np.ndarray) -> np.ndarray:
        """Natural parameters from internal ones (same shape)."""
        if not self.log_mask.any():
            return u
        with np.errstate(over="ignore"):  # exp of a huge log-parameter is inf: the objective says so
            return np.where(self.log_mask, np.exp(np.where(self.log_mask, u, 0.0)), u)

    def to_u(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.log_mask, np.log(np.where(self.log_mask, theta, 1.0)), theta)

    # -- residuals and objective ---------------------------------------------------
    def residuals(self, u: np.ndarray) -> np.ndarray:
        """Residuals (B, n); NaN where the prediction is invalid."""
        with np.errstate(all="ignore"):
            pred, _ = self.law.evaluate(self.features, self.theta(u))
            if self.space == "log":
                # log of a non-positive prediction is NaN or -inf: the objective becomes inf
                return np.log(pred) - self.target
            return pred - self.target

    def _scale(self, r: np.ndarray, w: np.ndarray) -> np.ndarray | None:
        if not self.loss.profiled_scale:
            return None
        return self.loss.profile_scale(np.nan_to_num(r, nan=0.0), w)  # type: ignore[attr-defined]

    def objective_from_residuals(self, r: np.ndarray, w: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            s = self._scale(r, w)
            if s is None:
                f = (w * self.loss.rho(r)).sum(axis=-1)
            else:
                wsum = np.broadcast_to(w, r.shape).sum(axis=-1)
                f = (w * self.loss.rho(r / s[..., None])).sum(axis=-1) + wsum * np.log(s)
        return np.where(np.isfinite(f), f, np.inf)

    def objective(self, u: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Summed loss (B,); +inf where the prediction is invalid."""
        return self.objective_from_residuals(self.residuals(u), w)

    def linearize(self, u: np.ndarray, w: np.ndarray):
        """Objective (B,), gradient (B, p), Gauss-Newton curvature (B, p, p) and
        damping scale (B, p): the diagonal of the IRLS curvature, all in ``u``."""
        theta = self.theta(u)
        with np.errstate(all="ignore"):
            pred, J = self.law.evaluate(self.features, theta, jac=True)
            # chain rule through theta = exp(u), and d log(pred) = d pred / pred: the
            # (B, n, p) Jacobian is scaled in place by a column factor and then a row
            # factor, with no (B, n, p) temporary for their quotient
            J = J * np.where(self.log_mask, theta, 1.0)[..., None, :] if self.log_mask.any() else np.array(J)
            if self.space == "log":
                r = np.log(pred) - self.target
                J *= (1.0 / pred)[..., None]
            else:
                r = pred - self.target
            s = self._scale(r, w)
            if s is None:
                z = r
                psi = w * self.loss.psi(z)
                om = w * self.loss.omega(z)
                dp = w * self.loss.dpsi(z)
            else:
                z = r / s[..., None]
                psi = w * self.loss.psi(z) / s[..., None]
                om = w * self.loss.omega(z) / (s * s)[..., None]
                dp = w * self.loss.dpsi(z) / (s * s)[..., None]
            f = self.objective_from_residuals(r, w)
            # contract J (B, n, p) over n, with the weights as row vectors
            g = (psi[..., None, :] @ J)[..., 0, :]
            H = np.swapaxes(J * dp[..., None], -1, -2) @ J
            D = (om[..., None, :] @ (J * J))[..., 0, :]
        bad = ~np.isfinite(f) | ~np.isfinite(g).all(axis=-1) | ~np.isfinite(H).all(axis=(-1, -2)) | ~np.isfinite(D).all(axis=-1)
        if bad.any():
            f = np.where(bad, np.inf, f)
            g = np.where(bad[..., None], 0.0, g)
            H = np.where(bad[..., None, None], 0.0, H)
            D = np.where(bad[..., None], 1.0, D)
        return f, g, H, D

    def jacobian_residuals(self, u_or_theta: np.ndarray, *, natural: bool = True):
        """Residuals (n,) and their Jacobian (n, p) at one point, for covariances."""
        theta = u_or_theta if natural else self.theta(u_or_theta)
        pred, J = self.law.evaluate(self.features, theta, jac=True)
        if self.space == "log":
            return np.log(pred) - self.target, J / pred[..., None]
        return pred - self.target, J
