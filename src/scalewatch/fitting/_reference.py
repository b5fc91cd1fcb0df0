"""The common way to fit Chinchilla, kept as a reference for tests and benchmarks.

One ``scipy.optimize.minimize(method="L-BFGS-B")`` call per start over the
4500-point grid of Hoffmann et al. (2022), on the objective of their
Appendix D.2 as replicated by Besiroglu et al. (2024): Huber loss (delta 1e-3)
of log-loss residuals, summed, with A, B, E log-parametrised,

    r_i = LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i.

The gradient is analytic here (faster than the finite differences often
used), which makes the reference stronger, not weaker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

__all__ = ["ReferenceFit", "reference_chinchilla_fit", "hoffmann_grid"]


def hoffmann_grid() -> np.ndarray:
    """The 4500 starts (a, b, e, alpha, beta) of Hoffmann et al. (2022), App. D.2."""
    ab = np.arange(0.0, 25.1, 5.0)
    e = np.arange(-1.0, 1.1, 0.5)
    ex = np.arange(0.0, 2.1, 0.5)
    mesh = np.meshgrid(ab, ab, e, ex, ex, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=-1)


def _objective(x, log_n, log_d, log_l, delta, w):
    a, b, e, alpha, beta = x
    terms = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    pred = logsumexp(terms, axis=0)
    r = pred - log_l
    ar = np.abs(r)
    quad = ar <= delta
    f = np.sum(w * np.where(quad, 0.5 * r * r, delta * (ar - 0.5 * delta)))
    psi = w * np.clip(r, -delta, delta)
    s = softmax(terms, axis=0)  # d pred / d (a, b, e)
    g = np.array([
        psi @ s[0],
        psi @ s[1],
        psi @ s[2],
        -(psi * s[0]) @ log_n,
        -(psi * s[1]) @ log_d,
    ])
    return f, g


@dataclass(frozen=True)
class ReferenceFit:
    """Best of the per-start L-BFGS-B runs."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    objectives: np.ndarray  # (S,) final objective of every start
    n_starts: int


def reference_chinchilla_fit(N, D, L, *, delta: float = 1e-3, starts: np.ndarray | None = None, weights=None) -> ReferenceFit:
    """Fit Chinchilla the common way: a Python loop of L-BFGS-B calls, one per start."""
    log_n, log_d, log_l = np.log(N), np.log(D), np.log(L)
    w = np.ones_like(log_l) if weights is None else np.asarray(weights, dtype=np.float64)
    starts = hoffmann_grid() if starts is None else starts
    best_x, best_f = None, np.inf
    finals = np.empty(len(starts))
    for i, x0 in enumerate(starts):
        res = minimize(_objective, x0, args=(log_n, log_d, log_l, delta, w), jac=True, method="L-BFGS-B")
        finals[i] = res.fun
        if res.fun < best_f:
            best_f, best_x = res.fun, res.x
    a, b, e, alpha, beta = best_x
    return ReferenceFit(E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)), alpha=float(alpha), beta=float(beta),
                        objective=float(best_f), objectives=finals, n_starts=len(starts))
