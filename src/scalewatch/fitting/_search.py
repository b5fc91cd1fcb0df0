"""Global search: many starts solved together, using the law's structure.

Two searches, both batched (one numpy pipeline, no Python loop over starts):

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

and, for large data, one strategy around either:

``subsample_search``
    The search runs on a stratified subsample (cells of the log inputs, e.g.
    log N x log D, each represented, design-weighted so that the subsample's
    objective estimates the full one), and only its best few optima are
    refined on all the data. Its cost is the search's on a fixed-size sample
    plus a few Gauss-Newton iterations over the data: linear in n with a
    small constant, where the full search's is linear in n times the number
    of starts.

Every sum over the observations is accumulated chunk by chunk (see
:mod:`scalewatch.fitting._problem`), so memory stays O(n) whatever the number
of starts.

References
----------
Golub & Pereyra (1973), "The differentiation of pseudo-inverses and nonlinear
least squares problems whose variables separate", SIAM J. Numer. Anal. 10(2).
Horvitz & Thompson (1952), "A generalization of sampling without replacement
from a finite universe", JASA 47(260) (the design weights of a stratified sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalewatch.fitting._nnls import batched_lstsq, lstsq_from_normal
from scalewatch.fitting._problem import TILE
from scalewatch.fitting._solver import BatchSolution, levenberg_marquardt

__all__ = ["SearchResult", "multistart", "profile_search", "distinct", "stratified_subsample", "subsample_search", "SUBSAMPLE_ABOVE"]

#: strategy="auto" searches a subsample when the data have more observations than this
SUBSAMPLE_ABOVE = 20_000


@dataclass(frozen=True)
class SearchResult:
    """Outcome of a global search on one problem."""

    best: BatchSolution  # the converged refinements, best first
    n_starts: int  # starts considered
    n_refined: int  # starts refined to convergence
    start_u: np.ndarray | None = None  # (k, p) where the last refinement began, when recorded

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


def _refined(sol: BatchSolution, starts: np.ndarray, n_starts: int) -> SearchResult:
    """SearchResult of refinements ``sol`` begun at ``starts``, best first."""
    order = np.argsort(sol.f, kind="stable")
    return SearchResult(best=_sorted(sol), n_starts=n_starts, n_refined=len(starts), start_u=np.asarray(starts)[order])


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
    return _refined(refined, screened.u[top], len(starts_u))


def linear_design(problem, theta: np.ndarray, features=None) -> tuple[np.ndarray, np.ndarray]:
    """Columns (G, n, m) of the prediction's linear dependence on the law's linear parameters.

    For a prediction linear in the parameters c, the columns are its
    derivatives with respect to c, which do not depend on c: one evaluation
    with the Jacobian at c = 1 gives them all (at c = 1 rather than 0 because
    some laws' derivative formulas divide by a coefficient). Laws whose
    Jacobian is not finite there fall back to m + 1 plain evaluations.
    Returns the columns and the offset (G, n), the prediction at c = 0, on
    ``features`` (a chunk's; default: the problem's).
    """
    law = problem.law
    features = problem.features if features is None else features
    lin = [law.param_names.index(name) for name in law.linear_params]
    at_one = theta.copy()
    at_one[:, lin] = 1.0
    with np.errstate(all="ignore"):
        pred, J = law.evaluate(features, at_one, jac=True)
        cols = J[..., lin]  # (G, n, m)
        offset = pred - cols.sum(axis=-1)
    if np.isfinite(cols).all() and np.isfinite(offset).all():
        return cols, offset
    basis = np.repeat(theta[:, None, :], len(lin) + 1, axis=1)  # (G, m+1, p)
    basis[:, :, lin] = 0.0
    for j, k in enumerate(lin):
        basis[:, j + 1, k] = 1.0
    pred, _ = law.evaluate(features, basis)  # (G, m+1, n)
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
    nonneg = bool(np.all(lower >= 0))
    out = theta.copy()
    if problem.n > problem.chunk:
        # normal equations summed chunk by chunk (and grid block by block): the
        # (G, n, m) design is never held, and the NNLS reads only these sums
        m, G = len(lin), len(theta)
        M, v, bb = np.zeros((G, m, m)), np.zeros((G, m)), np.zeros(G)
        step = max(1, TILE // min(problem.n, problem.chunk))
        for i in range(0, G, step):
            rows = slice(i, min(i + step, G))
            for a, b in problem.chunks():
                A, rhs = _weighted_design(problem, theta[rows], _cols(w, rows, a, b), a, b)
                M[rows] += np.swapaxes(A, 1, 2) @ A
                v[rows] += (np.swapaxes(A, 1, 2) @ rhs[..., None])[..., 0]
                bb[rows] += np.einsum("gn,gn->g", rhs, rhs)
        out[:, lin] = lstsq_from_normal(M, v, bb, nonneg=nonneg)

        def norms(rows, j):
            return np.sqrt(M[rows, j, j]), np.sqrt(bb[rows])
    else:
        A, b = _weighted_design(problem, theta, w, 0, problem.n)
        out[:, lin] = batched_lstsq(A, b, nonneg=nonneg)

        def norms(rows, j):
            return (np.sqrt(np.einsum("gn,gn->g", A[rows, :, j], A[rows, :, j])),
                    np.sqrt(np.einsum("gn,gn->g", b[rows], b[rows])))
    # A log-scale parameter cannot sit at 0: NNLS's zero becomes the value at which
    # the term contributes 1e-12 of the (weighted) data, per row and per term, so
    # it stays absent whatever the scale of its column (A of a steep exponent on
    # another grid row can be 1e20; a floor shared across rows would swamp this one).
    for j, k in enumerate(lin):
        rows = np.flatnonzero(out[:, k] <= 0) if law.parameters[k].scale == "log" else []
        if len(rows):
            col, data = norms(rows, j)  # the term's column and the data, weighted
            with np.errstate(divide="ignore", invalid="ignore"):
                out[rows, k] = np.where(col > 0, 1e-12 * np.maximum(data, 1e-300) / col, 1e-12)
    return out


def _cols(w: np.ndarray, rows: slice, a: int, b: int) -> np.ndarray:
    return w[rows, a:b] if w.ndim == 2 else w[a:b]


def _weighted_design(problem, theta: np.ndarray, w: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted design (G, c, m) and target (G, c) of observations [a, b)."""
    design, offset = linear_design(problem, theta, problem.feature_slice(a, b))
    y = problem.y[a:b]
    # relative errors when residuals are on log scale; observation weights on top
    sw = np.sqrt(w / (y * y) if problem.space == "log" else w * np.ones_like(y))
    return design * sw[..., :, None], (y - offset) * sw


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
    return _refined(refined, u0[top], len(u0))


def stratified_subsample(problem, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """A stratified subsample of ``problem``'s observations: indices, design weights, cells.

    Each input is cut into equal-width bins, on log scale where all its values
    are positive (log N x log D for Chinchilla), with
    ``per_axis = floor((size / 16) ** (1 / k))`` bins per input (at most 4096
    cells), so a cell holds ~16 sampled points. Every non-empty cell gets the
    same share of the sample, capped at its count, the rest going to the
    fuller cells (water-filling): the sparse corners of a design (the largest
    models, the longest runs) are all represented, however many points the
    dense middle holds. A sampled point of cell c carries the design weight
    n_c / m_c (Horvitz & Thompson 1952), so the subsample's weighted objective
    is an unbiased estimate of the full one.

    Returns
    -------
    idx : ndarray (m,) of int
        Sampled rows, ascending; all rows when ``size >= n``.
    weight : ndarray (m,)
        Design weights n_c / m_c.
    n_cells : int
        Non-empty cells.
    """
    X = problem.X
    n, k = X.shape
    if size >= n:
        return np.arange(n), np.ones(n), 1
    per_axis = max(1, min(int(np.floor((size / 16.0) ** (1.0 / k))), int(np.floor(4096 ** (1.0 / k) + 1e-9))))
    cell = np.zeros(n, dtype=np.int64)
    for j in range(k):
        x = X[:, j]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.log(x) if np.all(x > 0) else np.asarray(x, dtype=np.float64)
        lo, hi = float(t.min()), float(t.max())
        if hi > lo:
            t -= lo
            t *= per_axis / (hi - lo)
            b = np.minimum(t.astype(np.int64), per_axis - 1)
        else:
            b = 0
        cell *= per_axis
        cell += b
        del t
    counts = np.bincount(cell, minlength=per_axis**k)
    present = np.flatnonzero(counts)
    # compact labels: a 16-bit key sorts by radix in O(n)
    label = np.zeros(per_axis**k, dtype=np.uint16)
    label[present] = np.arange(len(present), dtype=np.uint16)
    key = label[cell]
    del cell
    nc = counts[present]
    K = len(present)
    alloc = np.zeros(K, dtype=np.int64)
    left = size
    for pos, c in enumerate(np.argsort(nc, kind="stable")):  # water-filling, smallest cells first
        take = min(int(nc[c]), left // (K - pos))
        alloc[c] = take
        left -= take
    order = np.argsort(key, kind="stable")  # rows grouped by cell
    start = np.concatenate([[0], np.cumsum(nc)[:-1]])
    picks = [order[start[c] + rng.choice(int(nc[c]), int(alloc[c]), replace=False)] for c in range(K) if alloc[c] > 0]
    idx = np.sort(np.concatenate(picks))
    dw = (nc / np.maximum(alloc, 1))[key[idx]]
    return idx, dw.astype(np.float64), K


def subsample_search(
    problem,
    w: np.ndarray,
    search,
    *,
    size: int,
    rng: np.random.Generator,
    refine: int = 2,
    max_iter: int = 500,
) -> tuple[SearchResult, str]:
    """Search a stratified subsample, then refine its best optima on all the data.

    Parameters
    ----------
    problem : Problem
        The full problem (n observations).
    w : ndarray (n,)
        Observation weights.
    search : callable(Problem, ndarray) -> (SearchResult, str)
        The global search to run on the subsample (the one the full strategy
        would run on all the data) and its description.
    size : int
        Observations in the subsample (see :func:`stratified_subsample`).
    rng : Generator
        Draws the subsample.
    refine : int
        Distinct subsample optima refined on all the data, best first.
    max_iter : int
        Iteration limit of each refinement.

    Returns
    -------
    (SearchResult, str)
        The full-data refinements (best first; ``start_u`` holds the subsample
        optima they began from) and a description of the search.
    """
    idx, dw, cells = stratified_subsample(problem, size, rng)
    first, label = search(problem.subset(idx), w[idx] * dw)
    best = first.best
    ok = np.flatnonzero(np.isfinite(best.f) & best.converged)
    pool = ok if ok.size else np.arange(len(best.f))
    # one start per basin: refinements of the subsample's same optimum cost a full pass each
    top = pool[distinct(best.u[pool], best.f[pool], refine, rtol=1e-3)]
    if top.size == 0:
        top = np.array([0])
    refined = levenberg_marquardt(problem, best.u[top], w, max_iter=max_iter, lam0=best.lam[top])
    out = _refined(refined, best.u[top], first.n_starts)
    out = SearchResult(best=out.best, n_starts=first.n_starts, n_refined=first.n_refined + int(top.size), start_u=out.start_u)
    names = " x ".join(problem.law.inputs)
    label = (f"{label}, on a {len(idx)}-point stratified subsample ({cells} cells of {names}, log scale where positive); "
             f"the best {top.size} refined on all {problem.n} points")
    return out, label
