r"""Observational scaling (Ruan et al. 2024): capability scores from a benchmark matrix.

Ruan, Maddison & Hashimoto observe that the benchmark scores of many public
models lie close to a low-dimensional space: the first principal component
(PC-1) of the model x benchmark matrix acts as a general capability score,
and within a model family it grows linearly in log training compute,

.. math:: S_m = \beta \log_{10} C_m + \alpha_{f(m)},

with a family-specific offset :math:`\alpha_f` (a family's *compute
efficiency*).

This module computes

* :func:`benchmark_matrix`: the models x benchmarks matrix of a long score table;
* :func:`impute_pca`: their iterative PCA imputation of missing scores
  (standardise each benchmark, fill with the mean, then repeatedly replace the
  missing cells by a rank-``n_components`` PCA reconstruction until they stop
  moving; clip to [0, 1]);
* :func:`principal_components`: PCA of the raw (unstandardised) scores, as in
  the paper, with bootstrap intervals over models on the variance explained;
* :func:`family_trends`: PC-1 against log10 compute, per family (ordinary
  least squares) and pooled with family offsets, with a curvature term
  :math:`\gamma (\log_{10} C - \overline{\log_{10} C})^2` that tells whether
  capability gains per decade of compute shrink (:math:`\gamma < 0`) or grow
  at the top of the range; intervals by a cluster bootstrap over families.

Missing scores
--------------
The paper imputes missing cells (``impute_pca``, one component, values
clipped to [0, 1]; upstream ``utils/data.py``). Here both routes are
reported: PCA on the complete rows only (the variance-explained figures of
the paper), and PCA after imputation of every model (used for the capability
scores, so that models with one missing benchmark still count); the result
records how many cells were imputed.

References
----------
Ruan, Maddison & Hashimoto (2024), "Observational Scaling Laws and the
Predictability of Language Model Performance", arXiv:2405.10938, sec. 3
and upstream repository ryoungj/ObsScaling (``utils/data.py``: ``pca_impute``,
``perform_pca``; ``utils/constants.py``: ``standardize=False``, one imputation
component). Cameron & Trivedi (2005), *Microeconometrics*, sec. 11.6
(cluster bootstrap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.findings import Result, finite

__all__ = ["benchmark_matrix", "impute_pca", "PCAResult", "principal_components"]


def benchmark_matrix(
    scores: pd.DataFrame,
    benchmarks: Sequence[str],
    *,
    model: str = "run_id",
    benchmark: str = "benchmark",
    value: str = "value",
) -> pd.DataFrame:
    """The models x benchmarks matrix of a long score table (NaN where a score is missing).

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per (model, benchmark) score.
    benchmarks : sequence of str
        Columns of the matrix, in this order.
    model, benchmark, value : str
        Column names in ``scores``.

    Returns
    -------
    pandas.DataFrame
        Index: models (those with at least one of the benchmarks); columns:
        ``benchmarks``. Duplicate (model, benchmark) rows raise.

    Raises
    ------
    ValueError
        A benchmark missing from the table, or duplicate scores.
    """
    for col in (model, benchmark, value):
        if col not in scores.columns:
            raise ValueError(f"benchmark_matrix: the score table has no column {col!r} (columns: {list(scores.columns)}).")
    have = set(scores[benchmark].astype(str))
    missing = [b for b in benchmarks if b not in have]
    if missing:
        raise ValueError(f"benchmark_matrix(benchmarks=...): {missing} have no scores; available: {sorted(have)[:12]}.")
    sub = scores[scores[benchmark].astype(str).isin(list(benchmarks))]
    dup = sub.duplicated([model, benchmark])
    if dup.any():
        row = sub[dup].iloc[0]
        raise ValueError(
            f"benchmark_matrix: model {row[model]!r} has more than one score for {row[benchmark]!r}; "
            "filter the table to one metric and shot count per benchmark first."
        )
    wide = sub.pivot(index=model, columns=benchmark, values=value)
    return wide.reindex(columns=list(benchmarks)).astype(np.float64)


def _pca(X: np.ndarray, standardize: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Explained-variance ratios (k,), components (k, p), scores (n, k) and the column means of X (n, p).

    Components are oriented so that their loadings sum to a positive number
    (a higher PC-1 means higher scores overall).
    """
    mean = X.mean(axis=0)
    Xc = X - mean
    if standardize:
        sd = X.std(axis=0)
        Xc = Xc / np.where(sd > 0, sd, 1.0)
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    sign = np.where(vt.sum(axis=1) < 0, -1.0, 1.0)
    vt = vt * sign[:, None]
    var = s**2
    ratio = var / var.sum() if var.sum() > 0 else np.full_like(var, np.nan)
    return ratio, vt, Xc @ vt.T, mean


def impute_pca(
    matrix: pd.DataFrame,
    n_components: int = 1,
    *,
    max_iter: int = 1000,
    tol: float = 1e-4,
    bounds: tuple[float, float] | None = (0.0, 1.0),
) -> tuple[pd.DataFrame, int]:
    """Fill missing cells by iterative low-rank PCA reconstruction (Ruan et al. 2024).

    Each column is standardised with the mean and standard deviation of its
    observed cells; missing cells start at the column mean (0 after
    standardising); then, until no cell moves by more than ``tol`` (in
    standard deviations), a rank-``n_components`` PCA of the current matrix
    is fitted and the missing cells are replaced by its reconstruction.
    Observed cells never change. The result is unstandardised and clipped to
    ``bounds``.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Models x benchmarks, NaN where missing. Every column needs at least
        two observed cells with some spread.
    n_components : int, default 1
        Rank of the reconstruction (the paper uses 1).
    max_iter : int, default 1000
        Iteration limit.
    tol : float, default 1e-4
        Convergence threshold on the change of the reconstruction.
    bounds : (float, float) or None, default (0, 1)
        Clip the result (scores are fractions); None leaves it unclipped.

    Returns
    -------
    (pandas.DataFrame, int)
        The completed matrix and the number of iterations used.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> m = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4], "b": [0.2, 0.4, np.nan, 0.8]})
    >>> filled, _ = impute_pca(m)
    >>> round(float(filled.loc[2, "b"]), 3)
    0.6
    """
    if not hasattr(matrix, "columns"):
        raise TypeError(f"impute_pca(matrix=...) takes a pandas DataFrame; got {type(matrix).__name__}.")
    if not 1 <= n_components <= matrix.shape[1]:
        raise ValueError(f"impute_pca(n_components={n_components}): use 1 to {matrix.shape[1]} (the number of benchmarks).")
    X = matrix.to_numpy(dtype=np.float64)
    miss = ~np.isfinite(X)
    counts = (~miss).sum(axis=0)
    if np.any(counts < 2):
        col = matrix.columns[int(np.argmax(counts < 2))]
        raise ValueError(f"impute_pca: benchmark {col!r} has fewer than 2 observed scores; drop it first.")
    mu = np.nanmean(X, axis=0)
    sd = np.nanstd(X, axis=0)
    if np.any(sd <= 0):
        col = matrix.columns[int(np.argmax(sd <= 0))]
        raise ValueError(f"impute_pca: benchmark {col!r} has no spread across models; drop it first.")
    Z = (X - mu) / sd
    Z[miss] = 0.0
    n_iter = 0
    if miss.any():
        for n_iter in range(1, max_iter + 1):
            centre = Z.mean(axis=0)
            u, s, vt = np.linalg.svd(Z - centre, full_matrices=False)
            recon = (u[:, :n_components] * s[:n_components]) @ vt[:n_components] + centre
            # upstream's stopping rule, the whole matrix reproduced to tol (without upstream's extra
            # relative tolerance of 1e-5, which would cap the accuracy whatever tol is asked for)
            if np.allclose(Z, recon, rtol=0.0, atol=tol):
                break
            change = np.max(np.abs(Z[miss] - recon[miss]))
            Z[miss] = recon[miss]
            if change < tol * 1e-3:  # observed cells off the rank-k space never match; stop once the fill is still
                break
    out = Z * sd + mu
    if bounds is not None:
        out = np.clip(out, bounds[0], bounds[1])
    out[~miss] = X[~miss]  # observed cells exactly as given (no clipping, no round-off)
    return pd.DataFrame(out, index=matrix.index, columns=matrix.columns), n_iter


@dataclass(frozen=True, eq=False)
class PCAResult(Result):
    """Principal components of a benchmark matrix.

    Attributes
    ----------
    benchmarks : tuple of str
        Columns, in order.
    models : tuple of str
        Rows used.
    explained, cumulative : ndarray (k,)
        Share of the variance explained by each component and cumulatively.
    cumulative_intervals : ndarray (k, 2)
        Bootstrap intervals (models resampled) of ``cumulative``.
    loadings : pandas.DataFrame
        Components x benchmarks (unit vectors; loadings of each component sum
        to a positive number).
    scores : pandas.DataFrame
        Models x components (``PC-1``, ...).
    standardize : bool
        Whether columns were scaled to unit variance (the paper: no).
    imputed_cells : int
        Cells filled by :func:`impute_pca` (0 for complete-case PCA).
    note : str
        How missing scores were handled.
    """

    benchmarks: tuple[str, ...]
    models: tuple[str, ...]
    explained: np.ndarray
    cumulative: np.ndarray
    cumulative_intervals: np.ndarray
    loadings: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    standardize: bool = False
    imputed_cells: int = 0
    note: str = ""
    ci: float = 0.95
    n_boot: int = 0
    means: np.ndarray | None = field(default=None, repr=False)

    def transform(self, matrix: pd.DataFrame) -> pd.DataFrame:
        """Component scores of new rows (same benchmarks, no missing cells)."""
        X = matrix.reindex(columns=list(self.benchmarks)).to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(X)):
            raise ValueError("PCAResult.transform: the rows have missing scores; impute them first (impute_pca).")
        if self.standardize:
            raise ValueError("PCAResult.transform supports unstandardised PCA only.")
        S = (X - self.means) @ self.loadings.to_numpy().T
        return pd.DataFrame(S, index=matrix.index, columns=self.loadings.index)

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmarks": list(self.benchmarks),
            "n_models": len(self.models),
            "explained": [finite(v) for v in self.explained],
            "cumulative": [finite(v) for v in self.cumulative],
            "cumulative_intervals": [[finite(a), finite(b)] for a, b in self.cumulative_intervals],
            "loadings": {pc: {b: finite(v) for b, v in row.items()} for pc, row in self.loadings.iterrows()},
            "standardize": self.standardize,
            "imputed_cells": int(self.imputed_cells),
            "note": self.note,
            "ci": self.ci,
            "n_boot": int(self.n_boot),
        }

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        lines = [
            f"[[PCA]] {len(self.models)} models x {len(self.benchmarks)} benchmarks "
            f"({'standardised' if self.standardize else 'raw scores'}); {self.note}",
            f"    component  explained  cumulative  [{pct} bootstrap over models, {self.n_boot} resamples]",
        ]
        for i, (e, c) in enumerate(zip(self.explained, self.cumulative)):
            lo, hi = self.cumulative_intervals[i]
            lines.append(f"    PC-{i + 1:<8} {100 * e:8.2f}%  {100 * c:9.2f}%  [{100 * lo:.2f}%, {100 * hi:.2f}%]")
        top = self.loadings.iloc[0].sort_values(ascending=False)
        lines.append("    PC-1 loadings: " + ", ".join(f"{b} {v:+.2f}" for b, v in top.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        cum = ", ".join(f"{100 * c:.1f}%" for c in self.cumulative[:3])
        return f"PCAResult({len(self.models)} models, cumulative {cum}, ...)"


def principal_components(
    matrix: pd.DataFrame,
    *,
    standardize: bool = False,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    imputed_cells: int = 0,
    note: str = "",
) -> PCAResult:
    r"""PCA of a complete models x benchmarks matrix, with bootstrap intervals.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Models x benchmarks, no missing cells (drop or impute them first).
    standardize : bool, default False
        Scale each benchmark to unit variance first. Ruan et al. (2024) do not.
    n_boot : int, default 1000
        Resamples of the models for the intervals of the cumulative variance
        explained (0: no intervals).
    ci : float, default 0.95
        Interval level (percentile intervals).
    seed : int, Generator or None, default 0
        Seed of the resampling.
    imputed_cells, note : int, str
        Recorded in the result (how missing scores were handled).

    Returns
    -------
    PCAResult

    Notes
    -----
    With the centred matrix :math:`X_c = U \Sigma V^\top`, component :math:`j`
    explains :math:`\sigma_j^2 / \sum_i \sigma_i^2` of the total variance.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> g = rng.normal(size=50)
    >>> m = pd.DataFrame({"a": g, "b": 2 * g, "c": -g + 0.01 * rng.normal(size=50)})
    >>> res = principal_components(m, n_boot=0)
    >>> bool(res.explained[0] > 0.99)
    True
    """
    if not hasattr(matrix, "columns"):
        raise TypeError(f"principal_components(matrix=...) takes a pandas DataFrame; got {type(matrix).__name__}.")
    X = matrix.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(X)):
        n_bad = int((~np.isfinite(X)).any(axis=1).sum())
        raise ValueError(
            f"principal_components: {n_bad} model(s) have missing scores; pass matrix.dropna() for complete-case "
            "PCA or impute_pca(matrix)[0] to fill them."
        )
    n, p = X.shape
    if n < p + 1:
        raise ValueError(f"principal_components: {n} models for {p} benchmarks; need at least {p + 1}.")
    ratio, vt, S, mean = _pca(X, standardize)
    k = len(ratio)
    cum = np.cumsum(ratio)
    ivals = np.full((k, 2), np.nan)
    if n_boot:
        rng = np.random.default_rng(seed)
        draws = np.empty((n_boot, k))
        for b in range(n_boot):
            idx = rng.integers(0, n, n)
            draws[b] = np.cumsum(_pca(X[idx], standardize)[0])
        a = 1.0 - ci
        ivals = np.quantile(draws, [a / 2, 1 - a / 2], axis=0).T
    names = [f"PC-{i + 1}" for i in range(k)]
    return PCAResult(
        benchmarks=tuple(str(c) for c in matrix.columns),
        models=tuple(str(i) for i in matrix.index),
        explained=ratio,
        cumulative=cum,
        cumulative_intervals=ivals,
        loadings=pd.DataFrame(vt, index=names, columns=list(matrix.columns)),
        scores=pd.DataFrame(S, index=matrix.index, columns=names),
        standardize=standardize,
        imputed_cells=int(imputed_cells),
        note=note,
        ci=ci,
        n_boot=int(n_boot),
        means=mean,
    )
