r"""Model comparison: information criteria, k-fold cross-validation and extrapolation tests.

:func:`compare`
    A table of AIC, AICc, BIC, their differences and Akaike weights for fits of
    several laws to the same data with the same loss.
:func:`cross_validate`
    k-fold cross-validation of one law: out-of-fold errors on the scale of
    the target (RMSE of log residuals, mean absolute percentage error).
:func:`leave_largest_out`
    Fit on the smaller runs, predict the largest: the test a scaling law is
    for (extrapolation), with the error of every held-out run.

Error metrics, for predictions :math:`\hat y_i` of held-out targets :math:`y_i`:

.. math::
    \mathrm{RMSE}_{\log} = \sqrt{\tfrac{1}{m} \textstyle\sum_i (\log \hat y_i - \log y_i)^2},
    \qquad
    \mathrm{MAPE} = \tfrac{100}{m} \textstyle\sum_i |\hat y_i - y_i| / |y_i| \;(\%).

References
----------
Akaike (1974), "A new look at the statistical model identification",
IEEE Trans. Autom. Control 19(6). Schwarz (1978), "Estimating the dimension of
a model", Ann. Stat. 6(2). Hurvich & Tsai (1989), Biometrika 76(2) (AICc).
Burnham & Anderson (2002), *Model Selection and Multimodel Inference*, 2nd ed.,
sec. 2.9 (Akaike weights). Hastie, Tibshirani & Friedman (2009), *The Elements
of Statistical Learning*, sec. 7.10 (cross-validation).
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.fitting._design import _table, _target, design_from, group_labels
from scalewatch.fitting._fit import fit
from scalewatch.fitting._result import FitResult
from scalewatch.laws import Law, as_design

__all__ = ["Comparison", "compare", "CVResult", "cross_validate", "HoldoutResult", "leave_largest_out"]

#: keyword arguments of :func:`scalewatch.fit` that cross_validate / leave_largest_out hand on
_FIT_OPTIONS = frozenset({"loss", "delta", "space", "starts", "keep", "max_iter", "raise_on_failure"})

#: FLOP per parameter per token when compute is estimated as C = 6 N D (Kaplan et al. 2020, sec. 2.1)
_FLOP_PER_PARAM_TOKEN = 6.0


def _g(x: float) -> str:
    return f"{x:.6g}" if np.isfinite(x) else str(x)


# =============================================================================
# Information criteria
# =============================================================================


@dataclass(frozen=True, eq=False)
class Comparison:
    r"""Information criteria of fits of several laws to the same data. Immutable.

    Rows are sorted by AIC, best first. Arrays are aligned with :attr:`names`.

    Attributes
    ----------
    names : tuple of str
        Label of each fit (the law's name; its repr when two names clash).
    n_params : ndarray of int
        Parameters of each law (the residual variance adds one more to each criterion's k).
    objective : ndarray
        Minimised summed loss of each fit.
    aic, aicc, bic : ndarray
        Akaike, small-sample corrected Akaike and Bayesian information criteria.
    delta_aic, delta_bic : ndarray
        Differences to the smallest value.
    akaike_weight : ndarray
        :math:`w_i = e^{-\Delta_i/2} / \sum_j e^{-\Delta_j/2}` from AIC.
    loss, space : str
        The loss label and residual space shared by all fits.
    n_obs : int
        Observations shared by all fits.
    fits : tuple of FitResult
        The fits, in the order of :attr:`names`.
    """

    names: tuple[str, ...]
    n_params: np.ndarray
    objective: np.ndarray
    aic: np.ndarray
    aicc: np.ndarray
    bic: np.ndarray
    delta_aic: np.ndarray
    delta_bic: np.ndarray
    akaike_weight: np.ndarray
    loss: str
    space: str
    n_obs: int
    fits: tuple[FitResult, ...] = field(repr=False)

    @property
    def best(self) -> str:
        """Name of the fit with the smallest AIC."""
        return self.names[0]

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by name."""
        return pd.DataFrame(
            {
                "n_params": self.n_params,
                "objective": self.objective,
                "aic": self.aic,
                "aicc": self.aicc,
                "bic": self.bic,
                "delta_aic": self.delta_aic,
                "delta_bic": self.delta_bic,
                "akaike_weight": self.akaike_weight,
            },
            index=pd.Index(self.names, name="law"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        rows = []
        for i, name in enumerate(self.names):
            rows.append(
                {
                    "law": name,
                    "formula": self.fits[i].law.formula,
                    "n_params": int(self.n_params[i]),
                    "objective": float(self.objective[i]),
                    "aic": float(self.aic[i]),
                    "aicc": float(self.aicc[i]),
                    "bic": float(self.bic[i]),
                    "delta_aic": float(self.delta_aic[i]),
                    "delta_bic": float(self.delta_bic[i]),
                    "akaike_weight": float(self.akaike_weight[i]),
                }
            )
        return {"loss": self.loss, "space": self.space, "n_obs": int(self.n_obs), "best": self.best, "fits": rows}

    def report(self) -> str:
        """Aligned text table, best first."""
        w = max(8, *(len(n) for n in self.names))
        lines = [
            f"[[Comparison]] {len(self.names)} laws, {self.n_obs} observations, {self.loss} on {self.space} residuals",
            "    criteria from a Gaussian likelihood of the residuals; k = parameters + 1 (the variance)",
            f"    {'law':<{w}} {'params':>6} {'objective':>12} {'AIC':>11} {'dAIC':>9} {'weight':>8} "
            f"{'AICc':>11} {'BIC':>11} {'dBIC':>9}",
        ]
        for i, name in enumerate(self.names):
            lines.append(
                f"    {name:<{w}} {int(self.n_params[i]):>6d} {self.objective[i]:>12.6g} {self.aic[i]:>11.4f} "
                f"{self.delta_aic[i]:>9.3f} {self.akaike_weight[i]:>8.4f} {self.aicc[i]:>11.4f} {self.bic[i]:>11.4f} "
                f"{self.delta_bic[i]:>9.3f}"
            )
        lines.append(f"    best by AIC: {self.best}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.report())}</pre>"

    def __repr__(self) -> str:
        return f"Comparison({', '.join(self.names)}; best {self.best})"


def _labels(fits: Sequence[FitResult], names: Sequence[str] | None) -> list[str]:
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != len(fits) or len(set(names)) != len(names):
            raise ValueError(f"compare(names={names!r}) needs {len(fits)} distinct names, one per fit.")
        return names
    labels = [f.law.name for f in fits]
    if len(set(labels)) < len(labels):
        labels = [_options_label(f.law) if labels.count(f.law.name) > 1 else f.law.name for f in fits]
    if len(set(labels)) < len(labels):
        labels = [f"{lab}#{i + 1}" for i, lab in enumerate(labels)]
    return labels


def _options_label(law: Law) -> str:
    """``name(option=value, ...)`` listing the law's options that differ from their defaults."""
    opts = []
    for f in dataclasses.fields(law):
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING
        )
        value = getattr(law, f.name)
        if default is dataclasses.MISSING or value != default:
            opts.append(f"{f.name}={value!r}")
    return f"{law.name}({', '.join(opts)})" if opts else law.name


def _same_data(first: FitResult, other: FitResult, i: int, names: list[str]) -> None:
    who = f"fit #{i + 1} ({names[i]})"
    ref = f"fit #1 ({names[0]})"
    if other.n_obs != first.n_obs or not np.array_equal(other.y, first.y):
        raise ValueError(
            f"compare(): {who} was fitted to other data than {ref} ({other.n_obs} vs {first.n_obs} observations"
            f"{'' if other.n_obs != first.n_obs else ', different targets'}); information criteria compare fits to "
            "the same observations only."
        )
    if not np.array_equal(other.weights, first.weights):
        raise ValueError(f"compare(): {who} used other observation weights than {ref}; refit with the same weights=.")
    for j, name in enumerate(other.law.inputs):
        if name in first.law.inputs:
            k = first.law.inputs.index(name)
            if not np.array_equal(other.X[:, j], first.X[:, k]):
                raise ValueError(f"compare(): input {name!r} of {who} differs from that of {ref}; fit both to the same data.")


def compare(*fit_results: FitResult, names: Sequence[str] | None = None) -> Comparison:
    r"""Compare fits of several laws to the same data by information criteria.

    Parameters
    ----------
    *fit_results : FitResult
        Two or more converged fits (or one list of them) with the same data,
        observation weights, loss and residual space.
    names : sequence of str, optional
        Labels for the table; default the laws' names.

    Returns
    -------
    Comparison
        Sorted by AIC, best first.

    Raises
    ------
    TypeError
        An argument is not a FitResult.
    ValueError
        Fewer than two fits, a fit that did not converge, or fits whose loss,
        residual space or data differ.

    Notes
    -----
    Each fit's criteria come from a Gaussian likelihood of its residuals (see
    :class:`~scalewatch.fitting.FitResult`), with :math:`k = p + 1`
    parameters counting the residual variance:

    .. math::
        \mathrm{AIC} = 2k - 2\log\hat{\mathcal L}, \quad
        \mathrm{AICc} = \mathrm{AIC} + \frac{2k(k+1)}{n - k - 1}, \quad
        \mathrm{BIC} = k \log n - 2\log\hat{\mathcal L}.

    Akaike weights :math:`w_i \propto e^{-\Delta_i / 2}` estimate the
    probability that law i is the best of the set in Kullback-Leibler terms
    (Burnham & Anderson 2002, sec. 2.9). With a robust loss (Huber) the
    parameters are not the Gaussian maximum-likelihood ones, so the criteria
    are approximate; compare them only between fits that used the same loss,
    which is why differing losses are refused. AICc matters when n is small
    next to k (n / k < 40), as in most scaling studies.

    References
    ----------
    Akaike (1974); Schwarz (1978); Hurvich & Tsai (1989);
    Burnham & Anderson (2002), sec. 2.4-2.9.

    Examples
    --------
    >>> import numpy as np
    >>> from scalewatch import fit, laws
    >>> from scalewatch.fitting._compare import compare
    >>> N, D = np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6))
    >>> truth = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    >>> L = laws.Chinchilla()(np.c_[N.ravel(), D.ravel()], **truth)
    >>> L = L * np.exp(0.01 * np.random.default_rng(0).standard_normal(L.size))
    >>> data = {"N": N.ravel(), "D": D.ravel(), "loss": L}
    >>> compare(fit(laws.Chinchilla(), data), fit(laws.KaplanND(), data)).best
    'chinchilla'
    """
    if len(fit_results) == 1 and isinstance(fit_results[0], (list, tuple)):
        fit_results = tuple(fit_results[0])
    for i, f in enumerate(fit_results):
        if not isinstance(f, FitResult):
            raise TypeError(f"compare() takes FitResults of scalewatch.fit(...); argument #{i + 1} is a {type(f).__name__}.")
    if len(fit_results) < 2:
        raise ValueError(f"compare() needs at least 2 fits to compare; got {len(fit_results)}.")
    labels = _labels(fit_results, names)
    first = fit_results[0]
    for i, f in enumerate(fit_results):
        if not f.converged:
            raise ValueError(
                f"compare(): fit #{i + 1} ({labels[i]}) did not converge ({f.message}); compare converged fits only."
            )
        if i == 0:
            continue
        if f.loss != first.loss:
            raise ValueError(
                f"compare(): fit #{i + 1} ({labels[i]}) used loss {f.loss.label()!r} but fit #1 ({labels[0]}) used "
                f"{first.loss.label()!r}; refit with the same loss= so that the criteria compare like with like."
            )
        if f.space != first.space:
            raise ValueError(
                f"compare(): fit #{i + 1} ({labels[i]}) took residuals in {f.space!r} space but fit #1 ({labels[0]}) in "
                f"{first.space!r}; refit with the same space=."
            )
        _same_data(first, f, i, labels)
    aic = np.array([f.aic for f in fit_results], dtype=np.float64)
    bic = np.array([f.bic for f in fit_results], dtype=np.float64)
    p = np.array([f.law.n_params for f in fit_results], dtype=np.int64)
    n_eff = float(first.weights.sum())
    k = p + 1
    with np.errstate(divide="ignore"):
        aicc = np.where(n_eff - k - 1 > 0, aic + 2.0 * k * (k + 1) / np.maximum(n_eff - k - 1, 1e-300), np.inf)
    order = np.argsort(aic, kind="stable")
    d_aic = aic - aic.min()
    d_bic = bic - bic.min()
    rel = np.exp(-0.5 * d_aic)
    weight = rel / rel.sum()
    return Comparison(
        names=tuple(labels[i] for i in order),
        n_params=p[order],
        objective=np.array([fit_results[i].objective for i in order]),
        aic=aic[order],
        aicc=aicc[order],
        bic=bic[order],
        delta_aic=d_aic[order],
        delta_bic=d_bic[order],
        akaike_weight=weight[order],
        loss=first.loss.label(),
        space=first.space,
        n_obs=int(first.n_obs),
        fits=tuple(fit_results[i] for i in order),
    )


# =============================================================================
# Shared: data in the forms fit() takes, errors on held-out points
# =============================================================================


def _arrays(func: str, law: Law, data: Any, y: Any, inputs: Mapping[str, str] | None, weights: Any):
    """(X, y, w, table) from any data form :func:`fit` accepts; ``table`` is None for arrays."""
    if not isinstance(law, Law):
        raise TypeError(f"{func}(law=...) takes a scalewatch Law (e.g. laws.Chinchilla()); got {type(law).__name__}.")
    if isinstance(data, tuple):
        if y is not None or len(data) != 2:
            raise ValueError(f"{func}(): pass data as (X, y), or a table plus y=..., not both.")
        X = as_design(law, data[0])
        yv = np.array(data[1], dtype=np.float64)
        table = None
    else:
        X = design_from(law, data, inputs)
        yv = _target(law, data, y)
        t = _table(data)
        table = t if (isinstance(t, Mapping) or hasattr(t, "columns")) else None
    n = len(yv)
    if len(X) != n:
        raise ValueError(f"{func}(): inputs have {len(X)} rows but y has {n}.")
    if weights is None:
        w = None
    else:
        w = np.array(weights, dtype=np.float64)
        if w.shape != (n,):
            raise ValueError(f"{func}(weights=...) needs {n} weights, one per observation; got shape {w.shape}.")
    return X, yv, w, table


def _fit_options(func: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(kwargs) - _FIT_OPTIONS)
    if unknown:
        raise TypeError(f"{func}() got unexpected keyword(s) {unknown}; the fit options it hands on are {sorted(_FIT_OPTIONS)}.")
    return dict(kwargs)


def _errors(pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log residuals (NaN where a value is not positive) and signed percentage errors."""
    with np.errstate(all="ignore"):
        ok = (pred > 0) & (y > 0)
        logr = np.where(ok, np.log(np.where(ok, pred, 1.0)) - np.log(np.where(ok, y, 1.0)), np.nan)
        pct = 100.0 * (pred - y) / np.abs(y)
    return logr, pct


def _rmse(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x))) if x.size else math.nan


def _mape(pct: np.ndarray) -> float:
    return float(np.mean(np.abs(pct))) if pct.size else math.nan


# =============================================================================
# k-fold cross-validation
# =============================================================================


@dataclass(frozen=True, eq=False)
class CVResult:
    r"""Out-of-fold errors of a law under k-fold cross-validation. Immutable.

    Attributes
    ----------
    law : Law
        The law cross-validated.
    n_folds, n_obs : int
        Folds and observations.
    rmse_log : float
        RMSE of the log residuals of all out-of-fold predictions (NaN when a
        prediction or target is not positive).
    mape : float
        Mean absolute percentage error of all out-of-fold predictions, in %.
    fold_rmse_log, fold_mape : ndarray (k,)
        The same per fold.
    fold_sizes : ndarray (k,)
        Held-out observations per fold.
    fold_params : tuple of dict
        Parameters fitted on each fold's training part.
    fold : ndarray (n,)
        The fold in which each observation was held out.
    predictions, y : ndarray (n,)
        Out-of-fold predictions and the targets.
    loss, space : str
        The fits' loss label and residual space.
    grouping : str
        What was kept together in a fold ("runs", "groups of equal N", ...).
    """

    law: Law
    n_folds: int
    n_obs: int
    rmse_log: float
    mape: float
    fold_rmse_log: np.ndarray
    fold_mape: np.ndarray
    fold_sizes: np.ndarray
    fold_params: tuple[dict[str, float], ...] = field(repr=False)
    fold: np.ndarray = field(repr=False)
    predictions: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    loss: str = ""
    space: str = ""
    grouping: str = "runs"
    seed: Any = 0
    fold_fits: tuple[FitResult, ...] = field(default=(), repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per fold: size, errors and fitted parameters."""
        rows = []
        for k in range(self.n_folds):
            rows.append({"fold": k, "n_test": int(self.fold_sizes[k]), "rmse_log": self.fold_rmse_log[k],
                         "mape": self.fold_mape[k], **self.fold_params[k]})
        return pd.DataFrame(rows).set_index("fold")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        return {
            "law": self.law.name,
            "formula": self.law.formula,
            "n_folds": int(self.n_folds),
            "n_obs": int(self.n_obs),
            "grouping": self.grouping,
            "seed": self.seed,
            "loss": self.loss,
            "space": self.space,
            "rmse_log": self.rmse_log,
            "mape_percent": self.mape,
            "folds": [
                {
                    "n_test": int(self.fold_sizes[k]),
                    "rmse_log": float(self.fold_rmse_log[k]),
                    "mape_percent": float(self.fold_mape[k]),
                    "params": {p: float(v) for p, v in self.fold_params[k].items()},
                }
                for k in range(self.n_folds)
            ],
        }

    def report(self) -> str:
        """Aligned text report: pooled errors, then one line per fold."""
        names = self.law.param_names
        lines = [
            f"[[Cross-validation]] {self.law.name}: {self.law.formula}",
            f"    folds       {self.n_folds} over {self.n_obs} observations ({self.grouping} kept together), seed {self.seed}",
            f"    loss        {self.loss} on {self.space} residuals",
            f"    RMSE(log)   {_g(self.rmse_log)}   out of fold, all observations",
            f"    MAPE        {self.mape:.4g} %",
            "[[Folds]]",
            f"    {'fold':<5} {'n':>4} {'RMSE(log)':>10} {'MAPE %':>8}  " + " ".join(f"{p:>10}" for p in names),
        ]
        for k in range(self.n_folds):
            ps = " ".join(f"{self.fold_params[k][p]:>10.4g}" for p in names)
            lines.append(
                f"    {k:<5} {int(self.fold_sizes[k]):>4} {self.fold_rmse_log[k]:>10.4g} {self.fold_mape[k]:>8.4g}  {ps}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.report())}</pre>"

    def __repr__(self) -> str:
        return f"CVResult({self.law.name}: {self.n_folds} folds, RMSE(log) {_g(self.rmse_log)}, MAPE {self.mape:.3g} %)"


def cross_validate(
    law: Law,
    data: Any,
    *,
    folds: int = 5,
    groups: Any = None,
    seed: int | np.random.Generator | None = 0,
    y: Any = None,
    inputs: Mapping[str, str] | None = None,
    weights: Any = None,
    **fit_kwargs: Any,
) -> CVResult:
    r"""k-fold cross-validation of ``law`` on ``data``: out-of-fold errors on the target's scale.

    The observations (or whole groups of them) are shuffled with ``seed`` and
    split into ``folds`` parts of near-equal size; each part is predicted by
    the law fitted to the others with :func:`scalewatch.fit`.

    Parameters
    ----------
    law : Law
        The law to validate.
    data : DataFrame, mapping, RunSet, (X, y) tuple or (n, k) array
        As for :func:`scalewatch.fit`.
    folds : int, default 5
        Number of folds, >= 2 and at most the number of groups.
    groups : None, "runs", input name or array (n,), default None
        Units kept together in one fold: single observations, all runs of
        equal value of an input (``"N"``: whole model sizes), or labels.
    seed : int, Generator or None, default 0
        Seed of the shuffle (drawn first, so two laws cross-validated with the
        same seed on the same data see the same folds) and of the fits' random starts.
    y, inputs, weights :
        As for :func:`scalewatch.fit`; weights are split with the data and
        weight the training fits only (errors are unweighted).
    **fit_kwargs
        ``loss``, ``delta``, ``space``, ``starts``, ``keep``, ``max_iter``,
        ``raise_on_failure``: handed to every fold's fit.

    Returns
    -------
    CVResult

    Raises
    ------
    TypeError
        Not a Law, or an unknown keyword.
    ValueError
        Bad ``folds`` or ``groups``, or a fold leaves too few observations to
        fit (the message names the fold).
    scalewatch.errors.FitError
        A fold's fit failed (the message names the fold).

    Notes
    -----
    Errors are on the scale of the target, whatever the loss: the RMSE of
    :math:`\log \hat y - \log y` and the MAPE
    :math:`100\,\overline{|\hat y - y| / |y|}`. Random folds interpolate;
    for extrapolation to larger runs use :func:`leave_largest_out`.

    References
    ----------
    Hastie, Tibshirani & Friedman (2009), sec. 7.10.
    """
    func = "cross_validate"
    opts = _fit_options(func, fit_kwargs)
    X, yv, w, _ = _arrays(func, law, data, y, inputs, weights)
    labels, grouping = group_labels(func, law, X, groups)
    G = int(labels.max()) + 1 if labels.size else 0
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= G:
        raise ValueError(f"cross_validate(folds={folds!r}): use an int from 2 to the number of {grouping} ({G}).")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(G)
    fold_of_group = np.empty(G, dtype=np.int64)
    for k, part in enumerate(np.array_split(perm, int(folds))):
        fold_of_group[part] = k
    fold = fold_of_group[labels]
    pred = np.full(len(yv), np.nan)
    params, fits, f_rmse, f_mape, sizes = [], [], [], [], []
    for k in range(int(folds)):
        test = fold == k
        train = ~test
        try:
            res = fit(law, (X[train], yv[train]), weights=None if w is None else w[train], seed=rng, **opts)
        except (ValueError, RuntimeError) as exc:
            raise type(exc)(f"cross_validate fold {k + 1}/{folds} ({int(train.sum())} training rows): {exc}") from exc
        pred[test] = law.predict(X[test], res.theta)
        logr, pct = _errors(pred[test], yv[test])
        f_rmse.append(_rmse(logr))
        f_mape.append(_mape(pct))
        sizes.append(int(test.sum()))
        params.append(dict(res.params))
        fits.append(res)
    logr, pct = _errors(pred, yv)
    return CVResult(
        law=law,
        n_folds=int(folds),
        n_obs=len(yv),
        rmse_log=_rmse(logr),
        mape=_mape(pct),
        fold_rmse_log=np.array(f_rmse),
        fold_mape=np.array(f_mape),
        fold_sizes=np.array(sizes),
        fold_params=tuple(params),
        fold=fold,
        predictions=pred,
        y=yv,
        loss=fits[0].loss.label(),
        space=fits[0].space,
        grouping=grouping,
        seed=int(seed) if isinstance(seed, (int, np.integer)) else (None if seed is None else "generator"),
        fold_fits=tuple(fits),
    )


# =============================================================================
# Leave the largest out: extrapolation
# =============================================================================


@dataclass(frozen=True, eq=False)
class HoldoutResult:
    r"""Errors of a law fitted on smaller runs and asked to predict the largest. Immutable.

    Attributes
    ----------
    law : Law
        The law.
    by : str
        What "largest" was measured by (``"compute"`` or an input / column name).
    threshold : float
        Smallest ``by`` value held out; every run at or above it was held out.
    n_train, n_test : int
        Runs fitted and runs held out.
    fit : FitResult
        The fit to the smaller runs.
    rows : ndarray of int (n_test,)
        Positions of the held-out runs in the data, sorted by ``by``.
    by_values, y, predictions : ndarray (n_test,)
        Their ``by`` value, observed and predicted target.
    pct_error : ndarray (n_test,)
        Signed error :math:`100 (\hat y - y) / |y|`, %.
    log_residual : ndarray (n_test,)
        :math:`\log \hat y - \log y`.
    rmse_log, mape, max_abs_pct_error : float
        Summaries over the held-out runs (MAPE and max in %).
    run_ids : tuple of str or None
        The held-out runs' ``run_id`` when the data have that column.
    """

    law: Law
    by: str
    threshold: float
    n_train: int
    n_test: int
    fit: FitResult = field(repr=False)
    rows: np.ndarray = field(repr=False)
    by_values: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    predictions: np.ndarray = field(repr=False)
    pct_error: np.ndarray = field(repr=False)
    log_residual: np.ndarray = field(repr=False)
    rmse_log: float = math.nan
    mape: float = math.nan
    max_abs_pct_error: float = math.nan
    run_ids: tuple[str, ...] | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per held-out run."""
        df = pd.DataFrame(
            {
                "row": self.rows,
                self.by: self.by_values,
                "observed": self.y,
                "predicted": self.predictions,
                "pct_error": self.pct_error,
                "log_residual": self.log_residual,
            }
        )
        if self.run_ids is not None:
            df.insert(0, "run_id", list(self.run_ids))
        return df

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        runs = self.to_frame().astype(object).where(pd.notna(self.to_frame()), None).to_dict("records")
        return {
            "law": self.law.name,
            "formula": self.law.formula,
            "by": self.by,
            "threshold": float(self.threshold),
            "n_train": int(self.n_train),
            "n_test": int(self.n_test),
            "loss": self.fit.loss.label(),
            "space": self.fit.space,
            "params": {k: float(v) for k, v in self.fit.params.items()},
            "rmse_log": self.rmse_log,
            "mape_percent": self.mape,
            "max_abs_pct_error": self.max_abs_pct_error,
            "held_out": [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in runs],
        }

    def report(self) -> str:
        """Aligned text report: the fit on the smaller runs, then every held-out run."""
        lines = [
            f"[[Leave largest out]] {self.law.name}: {self.law.formula}",
            f"    held out    {self.n_test} run(s) with {self.by} >= {self.threshold:.4g}; fitted on {self.n_train}",
            f"    loss        {self.fit.loss.label()} on {self.fit.space} residuals",
            f"    RMSE(log)   {_g(self.rmse_log)}",
            f"    MAPE        {self.mape:.4g} %   (max |error| {self.max_abs_pct_error:.4g} %)",
            "[[Held-out runs]]",
            f"    {'run':<16} {self.by:>12} {'observed':>10} {'predicted':>10} {'error %':>9}",
        ]
        for i in range(self.n_test):
            name = self.run_ids[i] if self.run_ids is not None else f"row {int(self.rows[i])}"
            lines.append(
                f"    {name[:16]:<16} {self.by_values[i]:>12.4g} {self.y[i]:>10.5g} {self.predictions[i]:>10.5g} "
                f"{self.pct_error[i]:>+9.3f}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.report())}</pre>"

    def __repr__(self) -> str:
        return f"HoldoutResult({self.law.name}: {self.n_test} largest by {self.by}, MAPE {self.mape:.3g} %)"


def _by_values(law: Law, X: np.ndarray, table: Any, by: str) -> tuple[np.ndarray, str]:
    cols = (list(table.columns) if hasattr(table, "columns") else list(table)) if table is not None else []
    if by == "compute":
        for name in ("compute", "C", "flops"):
            if name in cols:
                return np.asarray(table[name], dtype=np.float64), "compute"
        if "C" in law.inputs:
            return X[:, law.inputs.index("C")], "compute"
        if "N" in law.inputs and "D" in law.inputs:
            # C = 6 N D (Kaplan et al. 2020, sec. 2.1) when the data give no compute
            return _FLOP_PER_PARAM_TOKEN * X[:, law.inputs.index("N")] * X[:, law.inputs.index("D")], "compute"
        raise ValueError(
            f"leave_largest_out(by='compute'): the data have no compute column and {law.name} has no inputs N and D "
            f"to estimate C = 6 N D; use by=<one of {list(law.inputs)}>."
        )
    if by in law.inputs:
        return X[:, law.inputs.index(by)], by
    if by in cols:
        return np.asarray(table[by], dtype=np.float64), by
    raise ValueError(
        f"leave_largest_out(by={by!r}): use 'compute', one of {law.name}'s inputs {list(law.inputs)}"
        f"{', or a column of the data' if cols else ''}."
    )


def leave_largest_out(
    law: Law,
    data: Any,
    *,
    by: str = "compute",
    n_out: int | float = 1,
    seed: int | np.random.Generator | None = 0,
    y: Any = None,
    inputs: Mapping[str, str] | None = None,
    weights: Any = None,
    **fit_kwargs: Any,
) -> HoldoutResult:
    r"""Fit ``law`` on the smaller runs and predict the largest ones.

    Parameters
    ----------
    law : Law
        The law to test.
    data : DataFrame, mapping, RunSet, (X, y) tuple or (n, k) array
        As for :func:`scalewatch.fit`.
    by : str, default "compute"
        Size that orders the runs: ``"compute"`` (the data's ``compute``
        column, else the law's input C, else :math:`C = 6 N D` from inputs N
        and D, Kaplan et al. 2020), a law input name (``"N"``) or a data column.
    n_out : int or float, default 1
        How many to hold out: an int >= 1 is a number of runs, a float in
        (0, 1) a fraction of them (rounded up). Ties are never split: every run
        whose ``by`` equals the smallest held-out value is held out too, so
        ``by="N", n_out=1`` holds out all runs of the largest model.
    seed : int, Generator or None, default 0
        Seed of the fit's random starts.
    y, inputs, weights :
        As for :func:`scalewatch.fit`.
    **fit_kwargs
        ``loss``, ``delta``, ``space``, ``starts``, ``keep``, ``max_iter``,
        ``raise_on_failure``, handed to :func:`scalewatch.fit`.

    Returns
    -------
    HoldoutResult

    Raises
    ------
    TypeError
        Not a Law, or an unknown keyword.
    ValueError
        Bad ``by`` or ``n_out``, or too few runs left to fit.

    Notes
    -----
    Errors are on the target's scale: signed percentage error
    :math:`100 (\hat y - y)/|y|` per held-out run, their mean absolute value
    (MAPE) and the RMSE of :math:`\log \hat y - \log y`.

    Examples
    --------
    >>> import numpy as np
    >>> from scalewatch import laws
    >>> from scalewatch.fitting._compare import leave_largest_out
    >>> N, D = np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6))
    >>> truth = dict(E=1.7, A=400.0, B=1500.0, alpha=0.34, beta=0.36)
    >>> data = {"N": N.ravel(), "D": D.ravel(), "loss": laws.Chinchilla()(np.c_[N.ravel(), D.ravel()], **truth)}
    >>> out = leave_largest_out(laws.Chinchilla(), data, by="N")
    >>> out.n_test, out.mape < 1e-4
    (6, True)
    """
    func = "leave_largest_out"
    opts = _fit_options(func, fit_kwargs)
    if not isinstance(by, str):
        raise TypeError(f"leave_largest_out(by=...) takes a name such as 'compute' or 'N'; got {type(by).__name__}.")
    X, yv, w, table = _arrays(func, law, data, y, inputs, weights)
    values, by_name = _by_values(law, X, table, by)
    n = len(yv)
    if isinstance(n_out, bool) or not isinstance(n_out, (int, np.integer, float)):
        raise TypeError(f"leave_largest_out(n_out={n_out!r}): use an int number of runs or a float fraction in (0, 1).")
    if isinstance(n_out, (int, np.integer)):
        if not 1 <= n_out < n:
            raise ValueError(f"leave_largest_out(n_out={n_out}): hold out at least 1 and fewer than all {n} runs.")
        m = int(n_out)
    else:
        if not 0 < n_out < 1:
            raise ValueError(f"leave_largest_out(n_out={n_out}): a fraction must lie in (0, 1); for a count pass an int.")
        m = max(1, math.ceil(n_out * n))
    if not np.all(np.isfinite(values)):
        i = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(f"leave_largest_out(by={by!r}): row {i} has no finite {by_name} ({float(values[i])!r}).")
    threshold = float(np.sort(values)[::-1][m - 1])
    test = values >= threshold  # ties with the m-th largest are held out too
    train = ~test
    p = law.n_params
    if train.sum() < p + 1:
        raise ValueError(
            f"leave_largest_out(n_out={n_out!r}, by={by!r}) leaves {int(train.sum())} run(s) to fit; {law.name} has {p} "
            f"parameters and needs at least {p + 1}. Hold out fewer runs."
        )
    res = fit(law, (X[train], yv[train]), weights=None if w is None else w[train], seed=seed, **opts)
    rows = np.flatnonzero(test)
    rows = rows[np.argsort(values[rows], kind="stable")]
    pred = law.predict(X[rows], res.theta)
    logr, pct = _errors(pred, yv[rows])
    run_ids = None
    if table is not None and "run_id" in (list(table.columns) if hasattr(table, "columns") else list(table)):
        ids = np.asarray(table["run_id"])
        run_ids = tuple(str(ids[i]) for i in rows)
    return HoldoutResult(
        law=law,
        by=by_name,
        threshold=threshold,
        n_train=int(train.sum()),
        n_test=int(rows.size),
        fit=res,
        rows=rows,
        by_values=values[rows],
        y=yv[rows],
        predictions=pred,
        pct_error=pct,
        log_residual=logr,
        rmse_log=_rmse(logr),
        mape=_mape(pct),
        max_abs_pct_error=float(np.max(np.abs(pct))),
        run_ids=run_ids,
    )
