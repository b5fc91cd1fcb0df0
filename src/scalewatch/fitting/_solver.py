"""A batched Levenberg-Marquardt solver: many problems, one set of numpy calls.

Instead of a Python loop of scipy calls, B problems (start points, bootstrap
resamples, or both) advance together: each iteration computes every residual,
gradient and Gauss-Newton curvature as (B, n), (B, p) and (B, p, p) arrays and
solves B small damped systems with one batched ``numpy.linalg.solve``.
Problems that converge drop out of the active set, so the work shrinks as the
batch finishes.

Robust losses enter through iteratively reweighted curvature J^T diag(w omega) J
(see :mod:`scalewatch.fitting._losses`). Bounds are handled by projection:
parameters at a bound whose gradient points outwards are held fixed for that
step (projected Newton).

References
----------
Levenberg (1944); Marquardt (1963); damping update of Nielsen (1999),
"Damping parameter in Marquardt's method", IMM-REP-1999-05.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Status", "BatchSolution", "levenberg_marquardt"]


class Status:
    """Per-problem outcome codes of :func:`levenberg_marquardt`."""

    RUNNING = 0
    FTOL = 1  # relative decrease of the objective below ftol
    XTOL = 2  # relative step below xtol
    GTOL = 3  # projected gradient vanished
    STALLED = 4  # no damping gave a decrease: a minimum to machine precision
    MAX_ITER = 5  # iteration budget spent before convergence
    INVALID = 6  # the objective is not finite at the start

    MESSAGES = {
        0: "running",
        1: "relative decrease of the objective below ftol",
        2: "relative step below xtol",
        3: "gradient vanished",
        4: "no further decrease possible at machine precision",
        5: "iteration limit reached before convergence",
        6: "objective not finite at the starting point",
    }
    CONVERGED = (1, 2, 3, 4)


@dataclass(frozen=True)
class BatchSolution:
    """Final state of every problem in the batch."""

    u: np.ndarray  # (B, p) internal parameters
    f: np.ndarray  # (B,) objective
    status: np.ndarray  # (B,) Status codes
    n_iter: np.ndarray  # (B,) iterations used
    lam: np.ndarray  # (B,) final damping, reusable as a warm start

    @property
    def converged(self) -> np.ndarray:
        return np.isin(self.status, Status.CONVERGED)


def _rows(w: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return w[idx] if w.ndim == 2 else w


def _trust_region_step(H: np.ndarray, g: np.ndarray, radius: np.ndarray, free: np.ndarray) -> np.ndarray:
    """argmin g.s + s.H.s/2 subject to |s| = radius, for each problem of a batch.

    With H = Q diag(d) Q^T, s(m) = -Q (d + m)^-1 Q^T g, and the multiplier
    m > max(0, -min d) solving 1/|s(m)| = 1/radius is found by safeguarded
    Newton steps on that nearly linear equation (Moré & Sorensen 1983); the
    caller only asks when the damped step is longer than the radius. Held
    parameters get no step. The "hard case" (g orthogonal to the lowest
    eigenvector) is treated approximately through the lower bound of m.
    """
    mask = free.astype(np.float64)
    Hf = H * mask[:, :, None] * mask[:, None, :] + np.eye(H.shape[-1]) * (1.0 - mask)[:, :, None]
    gf = g * mask
    d, Q = np.linalg.eigh(Hf)
    c2 = np.einsum("bpq,bp->bq", Q, gf) ** 2  # (Q^T g)^2
    dmin = d.min(axis=1)
    lo = np.maximum(0.0, -dmin)  # |s(m)| > radius just right of here
    hi = lo + np.sqrt(c2.sum(axis=1)) / radius + 1e-300  # |s(m)| <= |g| / (dmin + m) <= radius here

    def length(m):
        return np.sqrt(np.sum(c2 / (d + m[:, None]) ** 2, axis=1))

    # bracket by bisection on log(m - lo), then polish by Newton on phi(m) = 1/|s| - 1/radius,
    # which is concave and increasing, so Newton steps from the left stay left of the root
    a = np.log(np.maximum(hi - lo, 1e-300)) - 60.0
    b = np.log(np.maximum(hi - lo, 1e-300))
    for _ in range(16):
        mid = 0.5 * (a + b)
        long = length(lo + np.exp(mid)) > radius
        a = np.where(long, mid, a)
        b = np.where(long, b, mid)
    m = lo + np.exp(a)
    for _ in range(6):
        den = d + m[:, None]
        n2 = np.sum(c2 / den**2, axis=1)
        n3 = np.sum(c2 / den**3, axis=1)
        norm = np.sqrt(n2)
        phi = 1.0 / norm - 1.0 / radius
        m = m + np.maximum(-phi * n2 * norm / np.maximum(n3, 1e-300), 0.0)
    den = d + m[:, None]
    step = -np.einsum("bpq,bq->bp", Q, np.einsum("bpq,bp->bq", Q, gf) / den) * mask
    # guard: never longer than the radius, whatever the root-finding left
    norm = np.linalg.norm(step, axis=1)
    return step * np.minimum(1.0, radius / np.maximum(norm, 1e-300))[:, None]


def levenberg_marquardt(
    problem,
    u0: np.ndarray,
    w: np.ndarray,
    *,
    max_iter: int = 300,
    ftol: float = 1e-13,
    xtol: float = 1e-12,
    gtol: float = 1e-15,
    lam0: float | np.ndarray = 1e-3,
    max_retries: int = 12,
    trust_region: bool | np.ndarray = False,
) -> BatchSolution:
    """Minimise ``problem.objective`` from each row of ``u0`` (B, p) at once.

    Parameters
    ----------
    problem : Problem
        Supplies ``objective(u, w)`` and ``linearize(u, w)`` for batches.
    u0 : ndarray, shape (B, p)
        Starting points, internal parametrisation.
    w : ndarray, shape (n,) or (B, n)
        Observation weights, shared or one row per problem.
    max_iter : int
        Linearisations per problem.
    ftol, xtol, gtol : float
        Relative objective decrease, relative step and scaled gradient at
        which a problem counts as converged.
    lam0 : float or ndarray (B,)
        Initial damping.
    max_retries : int
        Damping increases tried per linearisation before declaring a stall.
    trust_region : bool or ndarray (B,) of bool
        Step rule per problem. False: the Levenberg-Marquardt step (damping
        scaled by the curvature's diagonal), replaced by the trust-region step
        only when it is longer than the trust radius. True: always the exact
        trust-region step in the plain norm (as scipy's "trf" with x_scale=1),
        slower per iteration but surer on problems whose parameters can
        "evaporate" onto plateaus (NIST MGH10, MGH17 from their first start).
    """
    lo, hi = problem.lo, problem.hi
    u = np.clip(np.array(u0, dtype=np.float64), lo, hi)
    B, p = u.shape
    f = problem.objective(u, w)
    lam = np.broadcast_to(np.asarray(lam0, dtype=np.float64), (B,)).copy()
    nu = np.full(B, 2.0)
    # Trust radius on the plain step length, as in scipy's "trf" (initial radius
    # max(|u0|, 1)): it stops a first Gauss-Newton step from leaping onto a
    # plateau where an exponent is huge and the model flat (NIST BoxBOD, MGH17).
    radius = np.maximum(np.linalg.norm(u, axis=1), 1.0)
    trust = np.broadcast_to(np.asarray(trust_region, dtype=bool), (B,))
    status = np.where(np.isfinite(f), Status.RUNNING, Status.INVALID)
    n_iter = np.zeros(B, dtype=np.int64)
    eye = np.eye(p)
    # Each problem's linearisation is kept until a step is accepted (or its damping
    # retries run out), so one pass of the loop below serves every problem at once,
    # whether it needs a new linearisation or another damping of the old one: the
    # batch moves in one set of numpy calls per pass, not one per retry.
    g_c = np.zeros((B, p))  # gradient, held entries zeroed
    H_c = np.zeros((B, p, p))  # curvature, held rows and columns zeroed
    scale_c = np.ones((B, p))  # damping scale
    held_c = np.zeros((B, p), dtype=bool)  # at a bound with the gradient pointing out
    need_lin = np.ones(B, dtype=bool)
    retries = np.zeros(B, dtype=np.int64)
    quiet = np.zeros(B, dtype=bool)  # the last accepted step decreased f by < ftol, as predicted

    while True:
        run = status == Status.RUNNING
        spent = run & need_lin & (n_iter >= max_iter)
        status[spent] = Status.MAX_ITER
        lin = np.flatnonzero(run & need_lin & ~spent)
        if lin.size:
            n_iter[lin] += 1
            ua = u[lin]
            fa, g, H, dscale = problem.linearize(ua, _rows(w, lin))
            # projected Newton: hold parameters at a bound whose gradient points out
            held = ((ua <= lo) & (g > 0)) | ((ua >= hi) & (g < 0))
            g = np.where(held, 0.0, g)
            H = np.where(held[:, :, None] | held[:, None, :], 0.0, H)
            scale = np.maximum(dscale, 1e-12 * np.maximum(dscale.max(axis=1, keepdims=True), 1e-300))
            scale = np.where(held, 1.0, scale)
            g_c[lin], H_c[lin], scale_c[lin], held_c[lin] = g, H, scale, held
            need_lin[lin] = False
            retries[lin] = 0
            gnorm = np.max(np.abs(g) / np.sqrt(scale), axis=1)
            done_g = gnorm <= gtol * np.maximum(np.abs(fa), 1e-300) ** 0.5 + 1e-300
            status[lin[done_g]] = Status.GTOL

        ii = np.flatnonzero(status == Status.RUNNING)
        if ii.size == 0:
            break
        g, H, held = g_c[ii], H_c[ii], held_c[ii]
        Hd = H + lam[ii, None, None] * (scale_c[ii][:, :, None] * eye)
        Hd = np.where(held[:, :, None] | held[:, None, :], eye * held[:, :, None], Hd)
        try:
            step = -np.linalg.solve(Hd, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -np.einsum("bpq,bq->bp", np.linalg.pinv(Hd), g)
        norm = np.linalg.norm(step, axis=1)
        over = (norm > radius[ii]) | trust[ii]
        if over.any():
            # the damped step leaves the trust region: take the exact trust-region
            # step in the plain norm instead (its direction tends to the gradient,
            # not to the least-curved parameter, as the radius shrinks)
            step[over] = _trust_region_step(H[over], g[over], radius[ii][over], ~held[over])
        ut = np.clip(u[ii] + step, lo, hi)
        step = ut - u[ii]
        snorm = np.linalg.norm(step, axis=1)
        ft = problem.objective(ut, _rows(w, ii))
        pred_red = -(np.einsum("bp,bp->b", g, step) + 0.5 * np.einsum("bp,bpq,bq->b", step, H, step))
        actual = f[ii] - ft
        ok = np.isfinite(ft) & (actual > 0)
        # Nielsen's update: shrink damping by the gain ratio, grow it geometrically on rejection
        ratio = np.where(pred_red > 0, actual / np.where(pred_red > 0, pred_red, 1.0), 0.0)
        # trust radius: grows after a good model prediction; shrinks only under the
        # trust-region rule (under the LM rule the damping already reacts to poor
        # steps, and the radius is just a cap on leaps)
        radius[ii] = np.where(ok & (ratio > 0.75), np.maximum(radius[ii], 3.0 * snorm), radius[ii])
        radius[ii] = np.where(trust[ii] & (~ok | (ratio < 0.25)), np.maximum(0.5 * snorm, 1e-300), radius[ii])
        acc = ii[ok]
        if acc.size:
            r = ratio[ok]
            lam[acc] *= np.maximum(1.0 / 3.0, 1.0 - (2.0 * np.minimum(r, 1.0) - 1.0) ** 3)
            lam[acc] = np.maximum(lam[acc], 1e-15)
            nu[acc] = 2.0
            unorm = np.linalg.norm(u[acc], axis=1)
            small_x = snorm[ok] <= xtol * (unorm + xtol)
            # a small decrease counts only when the model also predicts no more
            # and the step is small: flat directions (NIST ENSO's b8) still move
            small_f = (
                (actual[ok] <= ftol * np.maximum(np.abs(ft[ok]), 1e-300))
                & (pred_red[ok] <= ftol * np.maximum(np.abs(ft[ok]), 1e-300))
                & (snorm[ok] <= 1e-10 * (unorm + 1e-10))
            )
            quiet[acc] = (actual[ok] <= ftol * np.maximum(np.abs(ft[ok]), 1e-300)) & (
                pred_red[ok] <= ftol * np.maximum(np.abs(ft[ok]), 1e-300)
            )
            u[acc] = ut[ok]
            f[acc] = ft[ok]
            need_lin[acc] = True
            status[acc[small_f]] = Status.FTOL
            status[acc[~small_f & small_x]] = Status.XTOL
        rej = ii[~ok]
        if rej.size:
            lam[rej] *= nu[rej]
            nu[rej] = np.minimum(nu[rej] * 2.0, 64.0)
            # stalled: no decrease even for a step too small to change u in float64
            tiny = snorm[~ok] <= 4 * np.finfo(float).eps * (np.linalg.norm(u[rej], axis=1) + 1e-300)
            # ... or, right after a step that decreased f by less than ftol as the
            # model predicted, the next step from the fresh linearisation (at the
            # damping that just worked) predicts a decrease below the rounding error
            # of the objective: no step can be told apart from noise any more
            # (without this, ~10 retries grow the damping until the step is tiny;
            # without the first condition, a start crossing a plateau stops early)
            noise = quiet[rej] & (retries[rej] == 0) & (pred_red[~ok] <= 8 * np.finfo(float).eps * np.abs(f[rej]))
            stalled = tiny | noise | (lam[rej] > 1e30)
            status[rej[stalled]] = Status.STALLED
            retries[rej] += 1
            # retries spent: re-linearise at the same point (the damping carries over)
            need_lin[rej[retries[rej] >= max_retries]] = True

    status[status == Status.RUNNING] = Status.MAX_ITER
    return BatchSolution(u=u, f=f, status=status, n_iter=n_iter, lam=lam)
