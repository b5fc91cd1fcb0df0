"""A fitting problem: a law, its inputs and targets, a loss and a residual space.

The solver works in an internal parametrisation ``u``: parameters with
``scale="log"`` are searched as their logarithm (so A, B and E of Chinchilla
stay positive without a constraint, as in Hoffmann et al.), the rest as they
are, clipped to their bounds.

Shapes: ``u`` is (B, p) for a batch of B problems that share the inputs; the
observation weights ``w`` are (n,) or, for bootstrap resamples, (B, n).

Bounded memory: the objective, gradient and curvature are sums over the
observations, so they are accumulated over tiles of at most ``chunk_size``
observations and a block of starts small enough that a tile holds at most
:data:`TILE` (start, observation) pairs. The (b, c, p) Jacobian of a tile and
its temporaries take ~25 x 8 bytes per pair (~200 MB at the default tile),
whatever n and the number of starts; the problem itself holds O(n) arrays
(inputs, their features, targets). A batch that fits in one tile is computed
exactly as before tiling (same expressions, same summation order); a tiled one
agrees with it to rounding. Losses with a profiled scale (``HuberLikelihood``)
need each start's full residual vector for its scale, so their starts are
blocked to keep that (b, n) array near 64 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scalewatch.fitting._losses import Loss
from scalewatch.laws import Law

__all__ = ["Problem", "DEFAULT_CHUNK", "TILE"]

#: observations per chunk when none is given: large enough that numpy's per-call
#: overhead vanishes, small enough that a chunk's arrays stay in the caches' reach
DEFAULT_CHUNK = 65_536
#: most (start, observation) pairs evaluated at once (the (b, c, p) Jacobian tile)
TILE = 2**20
#: most entries of the (b, n) residual block a profiled-scale loss needs at once
_RESID_BLOCK = 2**23


def _rows(w: np.ndarray, rows: slice) -> np.ndarray:
    return w[rows] if w.ndim == 2 else w


def _cols(w: np.ndarray, a: int, b: int) -> np.ndarray:
    return w[..., a:b]


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything the solver needs; built once per fit by :func:`scalewatch.fit`."""

    law: Law
    X: np.ndarray  # (n, k) inputs
    y: np.ndarray  # (n,) observed targets, natural units
    loss: Loss
    space: str  # "log": r = log(pred) - log(y); "linear": r = pred - y
    chunk_size: int | None = None  # observations per chunk (None: DEFAULT_CHUNK)

    def __post_init__(self) -> None:
        chunk = DEFAULT_CHUNK if self.chunk_size is None else self.chunk_size
        if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
            raise ValueError(f"chunk_size={self.chunk_size!r}; use a positive integer (observations per chunk, e.g. 65536) or None.")
        object.__setattr__(self, "chunk", int(chunk))
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

    @property
    def n(self) -> int:
        return len(self.y)

    def subset(self, idx: np.ndarray) -> "Problem":
        """The same problem on the observations ``idx`` (a subsample)."""
        return Problem(self.law, self.X[idx], self.y[idx], self.loss, self.space, self.chunk_size)

    # -- tiling ---------------------------------------------------------------
    def chunks(self) -> list[tuple[int, int]]:
        """Half-open observation ranges [a, b) of at most ``chunk`` observations."""
        n, c = self.n, self.chunk
        return [(a, min(a + c, n)) for a in range(0, n, c)]

    def _blocks(self, B: int) -> list[slice]:
        """Blocks of starts whose tiles hold at most TILE (start, observation) pairs
        (and, for a profiled scale, whose (b, n) residuals hold at most _RESID_BLOCK)."""
        step = TILE // min(self.n, self.chunk)
        if self.loss.profiled_scale:
            step = min(step, _RESID_BLOCK // self.n)
        step = max(1, step)
        return [slice(i, min(i + step, B)) for i in range(0, B, step)]

    def _one_tile(self, B: int) -> bool:
        return self.n <= self.chunk and B * self.n <= TILE

    def feature_slice(self, a: int, b: int) -> Any:
        """The law's features of observations [a, b): views where the features allow."""
        f, n = self.features, self.n
        if a == 0 and b == n:
            return f
        if isinstance(f, np.ndarray) and f.shape[:1] == (n,):
            return f[a:b]
        if isinstance(f, tuple) and all(isinstance(x, np.ndarray) and x.shape[:1] == (n,) for x in f):
            return tuple(x[a:b] for x in f)
        return self.law.prepare(self.X[a:b])  # features of another layout: recompute per chunk

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
    def _residual_tile(self, theta: np.ndarray, a: int, b: int) -> np.ndarray:
        with np.errstate(all="ignore"):
            pred, _ = self.law.evaluate(self.feature_slice(a, b), theta)
            if self.space == "log":
                # log of a non-positive prediction is NaN or -inf: the objective becomes inf
                return np.log(pred) - self.target[a:b]
            return pred - self.target[a:b]

    def residuals(self, u: np.ndarray) -> np.ndarray:
        """Residuals (B, n); NaN where the prediction is invalid (O(B n) memory)."""
        theta = self.theta(u)
        if self.n <= self.chunk:
            return self._residual_tile(theta, 0, self.n)
        out = np.empty(theta.shape[:-1] + (self.n,))
        for a, b in self.chunks():
            out[..., a:b] = self._residual_tile(theta, a, b)
        return out

    def predict(self, theta: np.ndarray) -> np.ndarray:
        """Predictions (..., n) at natural parameters ``theta``, chunk by chunk."""
        if self.n <= self.chunk:
            return self.law.evaluate(self.features, theta)[0]
        out = np.empty(np.shape(theta)[:-1] + (self.n,))
        for a, b in self.chunks():
            out[..., a:b] = self.law.evaluate(self.feature_slice(a, b), theta)[0]
        return out

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
        u = np.asarray(u, dtype=np.float64)
        B = len(u)
        if self._one_tile(B):
            return self.objective_from_residuals(self.residuals(u), w)
        theta = self.theta(u)
        f = np.zeros(B)
        with np.errstate(all="ignore"):
            for rows in self._blocks(B):
                wr = _rows(w, rows)
                if self.loss.profiled_scale:
                    # the scale needs each start's whole residual vector: (b, n) per block
                    f[rows] = self.objective_from_residuals(self.residuals(u[rows]), wr)
                    continue
                th = theta[rows]
                for a, b in self.chunks():
                    r = self._residual_tile(th, a, b)
                    f[rows] += (_cols(wr, a, b) * self.loss.rho(r)).sum(axis=-1)
        return np.where(np.isfinite(f), f, np.inf)

    def _linear_tile(self, theta, a, b, w, s):
        """Residuals (b, c) and the tile's sums: gradient, curvature, damping scale."""
        with np.errstate(all="ignore"):
            # the Jacobian parameter-major, (b, p, c): the contractions over the c
            # observations below are then matrix products over a contiguous axis
            pred, Jt = self.law.evaluate_columns(self.feature_slice(a, b), theta)
            # chain rule through theta = exp(u), and d log(pred) = d pred / pred, in place
            if self.log_mask.any():
                Jt *= np.where(self.log_mask, theta, 1.0)[..., :, None]
            target = self.target[a:b]
            if self.space == "log":
                r = np.log(pred) - target
                Jt *= (1.0 / pred)[..., None, :]
            else:
                r = pred - target
            if isinstance(s, str):  # "profile": the whole batch is in this tile
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
            g = (Jt @ psi[..., :, None])[..., 0]
            H = (Jt * dp[..., None, :]) @ np.swapaxes(Jt, -1, -2)
            D = ((Jt * Jt) @ om[..., :, None])[..., 0]
        return r, g, H, D

    def linearize(self, u: np.ndarray, w: np.ndarray):
        """Objective (B,), gradient (B, p), Gauss-Newton curvature (B, p, p) and
        damping scale (B, p): the diagonal of the IRLS curvature, all in ``u``."""
        theta = self.theta(u)
        B, p = theta.shape
        if self._one_tile(B):
            r, g, H, D = self._linear_tile(theta, 0, self.n, w, "profile")
            f = self.objective_from_residuals(r, w)
        else:
            f, g, H, D = np.zeros(B), np.zeros((B, p)), np.zeros((B, p, p)), np.zeros((B, p))
            profiled = self.loss.profiled_scale
            for rows in self._blocks(B):
                th, wr = theta[rows], _rows(w, rows)
                s = None
                if profiled:
                    r_all = self.residuals(u[rows])
                    s = self._scale(r_all, wr)
                    f[rows] = self.objective_from_residuals(r_all, wr)
                    del r_all
                for a, b in self.chunks():
                    wt = _cols(wr, a, b)
                    r, gt, Ht, Dt = self._linear_tile(th, a, b, wt, s)
                    g[rows] += gt
                    H[rows] += Ht
                    D[rows] += Dt
                    if not profiled:
                        with np.errstate(all="ignore"):
                            f[rows] += (wt * self.loss.rho(r)).sum(axis=-1)
            f = np.where(np.isfinite(f), f, np.inf)
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
        if self.n <= self.chunk:
            pred, J = self.law.evaluate(self.features, theta, jac=True)
            if self.space == "log":
                return np.log(pred) - self.target, J / pred[..., None]
            return pred - self.target, J
        r = np.empty(self.n)
        J = np.empty((self.n, self.law.n_params))
        for a, b in self.chunks():
            pred, Jt = self.law.evaluate(self.feature_slice(a, b), theta, jac=True)
            if self.space == "log":
                r[a:b] = np.log(pred) - self.target[a:b]
                np.divide(Jt, pred[..., None], out=J[a:b])
            else:
                r[a:b] = pred - self.target[a:b]
                J[a:b] = Jt
        return r, J
