"""Global search: many starts solved together, using the law's structure.

Two strategies, both batched (one numpy pipeline, no Python loop over starts):

``multistart``
    Every start advances a few Levenberg-Marquardt iterations together; the
    best distinct ones are then converged. Used for explicit start sets such as
    the 4500-point grid of Hoffmann et al. (2022).

``profile_search`` (variable projection)
    For laws that are linear in some parameters (E, A, B of Chinchilla), a
    grid over the *nonlinear* parameters only (the exponents) is scanned; at
    each grid point the linear parameters are set by weighted non-negative
    least squares, which is exact for least squares and a close start for
    robust losses on log residuals (weights 1/y^2 turn absolute into relative
    errors). The best grid points are then refined jointly in all parameters.

References
----------
Golub & Pereyra (1973), "The differentiation of pseudo-inverses and nonlinear
least squares problems whose variables separate", SIAM J. Numer. Anal. 10(2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalewatch.fitting._nnls import batched_lstsq
from scalewatch.fitting._solver import BatchSolution, levenberg_marquardt

__all__ = ["SearchResult", "multistart", "profile_search", "distinct"]


@dataclass(frozen=True)
class SearchResult:
    """Outcome of a global search on one problem."""

    best: BatchSolution  # the converged refinements, best first
    n_starts: int  # starts considered
    n_refined: int  # starts refined to convergence

    @property
    def u(self) -> np.ndarray:
        return self.best.u[0]

    @property
    def f(self) -> float:
        return float(self.best.f[0])


def distinct(u: np.ndarray, f: np.ndarray, keep: int, rtol: float = 1e-6) -> np.ndarray:
    """Indices of up to ``keep`` best rows of ``u`` (B, p), dropping near-duplicates."""
    order = np.argsort(f, kind="stable")
    order = order[np.isfinite(f[order])]
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= keep:
            break
        if chosen:
            d = np.abs(u[chosen] - u[i]) <= rtol * (1.0 + np.abs(u[i]))
            if d.all(axis=1).any():
                continue
        chosen.append(int(i))
    return np.asarray(chosen, dtype=np.int64)


def _sorted(sol: BatchSolution) -> BatchSolution:
    order = np.argsort(sol.f, kind="stable")
    return BatchSolution(u=sol.u[order], f=sol.f[order], status=sol.status[order], n_iter=sol.n_iter[order], lam=sol.lam[order])


def multistart(
    problem,
    starts_u: np.ndarray,
    w: np.ndarray,
    *,
    screen_iter: int = 8,
    keep: int = 16,
    max_iter: int = 500,
    both_rules: bool = False,
) -> SearchResult:
    """Advance every start ``screen_iter`` iterations, then converge the best ``keep``.

    With ``both_rules`` (used for a handful of explicit starts), every start is
    refined twice, once with the Levenberg-Marquardt step and once with the
    plain trust-region step, and the better optimum wins: the two rules fail
    on different problems, so together they are much surer than either.
    """
    starts_u = np.atleast_2d(starts_u)
    if both_rules:
        u0 = np.vstack([starts_u, starts_u])
        rule = np.repeat([False, True], len(starts_u))
        refined = levenberg_marquardt(problem, u0, w, max_iter=max_iter, trust_region=rule)
        return SearchResult(best=_sorted(refined), n_starts=len(starts_u), n_refined=len(u0))
    screened = levenberg_marquardt(problem, starts_u, w, max_iter=screen_iter)
    top = distinct(screened.u, screened.f, keep)
    if top.size == 0:
        return SearchResult(best=_sorted(screened), n_starts=len(starts_u), n_refined=0)
    refined = levenberg_marquardt(problem, screened.u[top], w, max_iter=max_iter, lam0=screened.lam[top])
    return SearchResult(best=_sorted(refined), n_starts=len(starts_u), n_refined=int(top.size))


def linear_design(problem, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns (G, n, m) of the prediction's linear dependence on the law's linear parameters.

    For a prediction linear in the parameters c, the columns are its
    derivatives with respect to c, which do not depend on c: one evaluation
    with the Jacobian at c = 1 gives them all (at c = 1 rather than 0 because
    some laws' derivative formulas divide by a coefficient). Laws whose
    Jacobian is not finite there fall back to m + 1 plain evaluations.
    Returns the columns and the offset (G, n), the prediction at c = 0.
    """
    law = problem.law
    lin = [law.param_names.index(name) for name in law.linear_params]
    at_one = theta.copy()
    at_one[:, lin] = 1.0
    with np.errstate(all="ignore"):
        pred, J = law.evaluate(problem.features, at_one, jac=True)
        cols = J[..., lin]  # (G, n, m)
        offset = pred - cols.sum(axis=-1)
    if np.isfinite(cols).all() and np.isfinite(offset).all():
        return cols, offset
    basis = np.repeat(theta[:, None, :], len(lin) + 1, axis=1)  # (G, m+1, p)
    basis[:, :, lin] = 0.0
    for j, k in enumerate(lin):
        basis[:, j + 1, k] = 1.0
    pred, _ = law.evaluate(problem.features, basis)  # (G, m+1, n)
    cols = pred[:, 1:, :] - pred[:, :1, :]
    return np.swapaxes(cols, 1, 2), pred[:, 0, :]


def nonneg_linear_fit(problem, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Set the linear parameters of each row of ``theta`` by weighted NNLS (returns a copy).

    Exact for every row (support enumeration, :mod:`scalewatch.fitting._nnls`),
    so every grid point is ranked by the best start its exponents allow.
    """
    law = problem.law
    lin = [law.param_names.index(name) for name in law.linear_params]
    lower = np.array([law.parameters[k].lower for k in lin])
    design, offset = linear_design(problem, theta)
    y = problem.y
    # relative errors when residuals are on log scale; observation weights on top
    sw = np.sqrt(w / (y * y) if problem.space == "log" else w * np.ones_like(y))
    A = design * sw[..., :, None]
    b = (y - offset) * sw
    out = theta.copy()
    out[:, lin] = batched_lstsq(A, b, nonneg=bool(np.all(lower >= 0)))
    # A log-scale parameter cannot sit at 0: NNLS's zero becomes the value at which
    # the term contributes 1e-12 of the (weighted) data, per row and per term, so
    # it stays absent whatever the scale of its column (A of a steep exponent on
    # another grid row can be 1e20; a floor shared across rows would swamp this one).
    for j, k in enumerate(lin):
        rows = np.flatnonzero(out[:, k] <= 0) if law.parameters[k].scale == "log" else []
        if len(rows):
            col = np.sqrt(np.einsum("gn,gn->g", A[rows, :, j], A[rows, :, j]))
            data = np.sqrt(np.einsum("gn,gn->g", b[rows], b[rows]))
            with np.errstate(divide="ignore", invalid="ignore"):
                out[rows, k] = np.where(col > 0, 1e-12 * np.maximum(data, 1e-300) / col, 1e-12)
    return out


def profile_search(
    problem,
    w: np.ndarray,
    nonlinear_grid: np.ndarray,
    *,
    keep: int = 12,
    max_iter: int = 500,
    extra_starts_u: np.ndarray | None = None,
    family: np.ndarray | None = None,
) -> SearchResult:
    """Variable-projection search over a grid of the law's nonlinear parameters.

    Parameters
    ----------
    nonlinear_grid : ndarray (G, p)
        Full parameter vectors whose nonlinear entries span the grid (linear
        entries are ignored and set by NNLS).
    extra_starts_u : ndarray (S, p), optional
        Further starts (internal parametrisation) ranked together with the grid,
        e.g. the optima of a previous fit.
    family : ndarray (G,) of int, optional
        Labels of grid families: the best ``keep`` distinct starts of each family
        (the extra starts form one more) are refined, so a family that ranks
        well on the projected objective cannot crowd out another.
    """
    theta0 = nonneg_linear_fit(problem, np.atleast_2d(nonlinear_grid).astype(np.float64), w)
    u0 = problem.to_u(theta0)
    if extra_starts_u is not None:
        u0 = np.vstack([u0, np.atleast_2d(extra_starts_u)])
    f0 = problem.objective(u0, w)
    if family is None:
        top = distinct(u0, f0, keep)
    else:
        labels = np.concatenate([np.asarray(family), np.full(len(u0) - len(family), -1)])
        picks = [np.flatnonzero(labels == k)[distinct(u0[labels == k], f0[labels == k], keep)] for k in np.unique(labels)]
        top = np.concatenate(picks)
        top = top[distinct(u0[top], f0[top], len(top))]  # best first, near-duplicates across families dropped
    if top.size == 0:
        raise FloatingPointError("no start of the profile grid gives a finite objective")
    refined = levenberg_marquardt(problem, u0[top], w, max_iter=max_iter)
    return SearchResult(best=_sorted(refined), n_starts=len(u0), n_refined=int(top.size))
