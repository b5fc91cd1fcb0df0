"""Exact non-negative least squares for a batch of small problems.

The variable-projection search sets the linear parameters of a law (E, A, B
of Chinchilla) at hundreds of exponent values at once. With m <= 4 linear
parameters, the non-negative solution is found exactly by trying every
support: NNLS always has an optimal solution whose support columns are
linearly independent (Lawson & Hanson 1974, ch. 23), and on that support it is
the unconstrained least-squares solution. So the best non-negative
least-squares solution over the 2^m - 1 supports (plus the zero vector) is the
NNLS optimum, and all G problems are solved together from one batch of
normal equations (columns scaled to unit norm first).

Rank-deficient supports (for example a zero exponent makes D^-beta a copy of
the constant column) are skipped: a smaller support reaches the same fit.

References
----------
Lawson & Hanson (1974), *Solving Least Squares Problems*, Prentice-Hall.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import nnls

__all__ = ["batched_lstsq", "lstsq_from_normal"]

#: most linear parameters solved by support enumeration (2^m - 1 supports)
_MAX_ENUMERATED = 4


def batched_lstsq(A: np.ndarray, b: np.ndarray, *, nonneg: bool = True) -> np.ndarray:
    """Least-squares coefficients (G, m) of G problems min |A_g c - b_g|, c >= 0 if ``nonneg``.

    Parameters
    ----------
    A : ndarray, shape (G, n, m)
        Designs (already weighted).
    b : ndarray, shape (G, n)
        Targets (already weighted).
    nonneg : bool
        Constrain every coefficient to be >= 0.

    Returns
    -------
    ndarray, shape (G, m)
        The exact solution of each problem; for a rank-deficient unconstrained
        problem, the minimum-norm one.
    """
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    G, n, m = A.shape
    At = np.swapaxes(A, 1, 2)  # (G, m, n)
    if not nonneg or m > _MAX_ENUMERATED:
        norm = np.linalg.norm(A, axis=1)  # (G, m)
        norm = np.where(norm > 0, norm, 1.0)
        As = A / norm[:, None, :]
        if not nonneg:
            return np.einsum("gmn,gn->gm", np.linalg.pinv(As, rcond=1e-12), b) / norm
        # 2^m supports would cost more than scipy's active-set loop
        return np.stack([nnls(As[g], b[g])[0] for g in range(G)]) / norm
    # normal equations, formed once and shared by every support (the supports differ
    # only in which rows and columns they read)
    return lstsq_from_normal(At @ A, (At @ b[..., None])[..., 0], np.einsum("gn,gn->g", b, b), nonneg=True)


def lstsq_from_normal(M: np.ndarray, v: np.ndarray, bb: np.ndarray, *, nonneg: bool = True) -> np.ndarray:
    r"""Least-squares coefficients (G, m) from the normal equations of G problems.

    Parameters
    ----------
    M : ndarray, shape (G, m, m)
        :math:`A^\top A` of each (weighted) design.
    v : ndarray, shape (G, m)
        :math:`A^\top b`.
    bb : ndarray, shape (G,)
        :math:`b^\top b`.
    nonneg : bool
        Constrain every coefficient to be >= 0.

    Returns
    -------
    ndarray, shape (G, m)
        The same solution as :func:`batched_lstsq` on ``A, b``. The sums can be
        accumulated over chunks of the observations, so a design with millions
        of rows is never held at once.
    """
    M = np.asarray(M, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    bb = np.asarray(bb, dtype=np.float64)
    G, m, _ = M.shape
    if not nonneg or m > _MAX_ENUMERATED:
        norm = np.sqrt(np.clip(np.diagonal(M, axis1=1, axis2=2), 0.0, None))
        norm = np.where(norm > 0, norm, 1.0)
        Ms = M / (norm[:, :, None] * norm[:, None, :])
        vs = v / norm
        if not nonneg:
            # pinv of A^T A at rcond^2 of A's: the minimum-norm solution of the same problem
            return np.einsum("gmk,gk->gm", np.linalg.pinv(Ms, rcond=1e-24, hermitian=True), vs) / norm
        # a square factor R with R^T R = Ms and R^T t = vs turns the problem into
        # an NNLS of m rows for scipy's active-set loop
        d, Q = np.linalg.eigh(Ms)
        keep = d > 1e-12 * np.maximum(d.max(axis=1, keepdims=True), 1e-300)
        sq = np.sqrt(np.where(keep, d, 0.0))
        R = sq[:, :, None] * np.swapaxes(Q, 1, 2)
        t = np.where(keep, np.einsum("gmk,gm->gk", Q, vs) / np.where(keep, sq, 1.0), 0.0)
        return np.stack([nnls(R[g], t[g])[0] for g in range(G)]) / norm
    # columns scaled to unit norm, so that the rank test below reads in absolute terms
    norm = np.sqrt(np.diagonal(M, axis1=1, axis2=2))  # column norms (G, m)
    norm = np.where(norm > 0, norm, 1.0)
    M = M / (norm[:, :, None] * norm[:, None, :])
    v = v / norm  # (G, m)
    best = bb.copy()  # residual of the zero vector, always feasible
    coef = np.zeros((G, m))
    eye = np.eye(m)
    with np.errstate(all="ignore"):
        for k in range(1, m + 1):
            for support in itertools.combinations(range(m), k):
                S = list(support)
                Ms = M[:, S][:, :, S]
                # near-collinear supports (condition of the columns above ~1e5) are
                # skipped: a smaller support fits as well to that precision
                ok = np.linalg.eigvalsh(Ms)[:, 0] > 1e-10
                Ms = np.where(ok[:, None, None], Ms, eye[:k, :k])
                c = np.linalg.solve(Ms, v[:, S][..., None])[..., 0]
                rss = bb - np.einsum("gk,gk->g", c, v[:, S])
                better = ok & np.all(c >= 0, axis=1) & np.isfinite(rss) & (rss < best)
                rows = np.flatnonzero(better)
                best[rows] = rss[rows]
                coef[rows] = 0.0
                coef[np.ix_(rows, S)] = c[rows]
    return coef / norm
