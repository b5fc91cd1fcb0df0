r"""Compute-optimal allocation: how to split a FLOP budget between parameters and tokens.

Three estimators, one per approach of Hoffmann et al. (2022):

:func:`compute_optimal` (Approach 3)
    Closed-form minimiser of a fitted Chinchilla law along the iso-FLOP line
    :math:`C = 6 N D`, with bootstrap intervals in which every resample's own
    parameters give its own allocation.
:func:`envelope_allocation` (Approach 1)
    The envelope of minimal loss per FLOP over many runs' loss curves, and
    power laws :math:`N_{opt} \propto C^a`, :math:`D_{opt} \propto C^b` fitted
    to the envelope.
:func:`isoflop_allocation` (Approach 2)
    A parabola of loss against :math:`\log N` per FLOP budget (an isoFLOP
    profile); its vertex is :math:`N_{opt}(C)`; power laws through the vertices.

FLOP convention
---------------
Training compute is :math:`C = 6 N D` FLOP: about 2 FLOP per parameter and
token in the forward pass and 4 in the backward pass, attention and embedding
FLOPs neglected (Kaplan et al. 2020, sec. 2.1; Hoffmann et al. 2022, sec. 3
and Appendix F). N is whatever parameter count the data use (Hoffmann et al.
count total parameters, Kaplan et al. non-embedding ones); the allocation is in
the same units, and :math:`D_{opt} = C / (6 N_{opt})` follows the same
convention. Tokens per parameter is :math:`D_{opt} / N_{opt}`.

References
----------
Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models",
arXiv:2203.15556, sec. 3.1-3.3, eq. 4, Table 2.
Kaplan et al. (2020), "Scaling Laws for Neural Language Models",
arXiv:2001.08361, sec. 2.1 (C = 6 N D).
Porian et al. (2024), "Resolving Discrepancies in Compute-Optimal Scaling of
Language Models", arXiv:2406.19146.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch import seeds
from scalewatch.findings import significant
from scalewatch.fitting import _bootstrap
from scalewatch.fitting._design import _table
from scalewatch.fitting._result import FitResult
from scalewatch.laws import Chinchilla

__all__ = [
    "FLOP_PER_PARAM_TOKEN",
    "Allocation",
    "AllocationLaw",
    "compute_optimal",
    "envelope_allocation",
    "isoflop_allocation",
]

#: FLOP per parameter per training token: C = 6 N D (Kaplan et al. 2020, sec. 2.1).
FLOP_PER_PARAM_TOKEN = 6.0

_PER_BUDGET = ("n_opt", "d_opt", "tokens_per_param", "loss_opt")


def _check_ci(ci: float) -> None:
    if not (isinstance(ci, (float, int)) and 0 < ci < 1):
        raise ValueError(f"ci={ci!r}; use a confidence level between 0 and 1, e.g. 0.95.")


def _check_resamples(func: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{func}(bootstrap={n!r}); use None (no intervals) or an int number of resamples, e.g. 1000.")
    if n < 2:
        raise ValueError(f"{func}(bootstrap={n!r}); use None (no intervals) or an int number of resamples >= 2, e.g. 1000.")
    return int(n)


def _percentile(vals: np.ndarray, ci: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval ignoring non-finite values (NaN where fewer than 2 are finite)."""
    vals = np.where(np.isfinite(vals), vals, np.nan)
    alpha = 1.0 - ci
    with np.errstate(all="ignore"):
        enough = np.sum(np.isfinite(vals), axis=axis) >= 2
        if not np.any(enough):
            shape = np.shape(np.take(vals, 0, axis=axis))
            return np.full(shape, np.nan), np.full(shape, np.nan)
        lo, hi = np.nanquantile(vals, [alpha / 2, 1 - alpha / 2], axis=axis)
    return np.where(enough, lo, np.nan), np.where(enough, hi, np.nan)


# =============================================================================
# Approach 3: closed form from a fitted Chinchilla law
# =============================================================================


def _chinchilla_allocation(p: Mapping[str, Any], compute: np.ndarray) -> dict[str, np.ndarray]:
    r"""Eq. 4 of Hoffmann et al. for parameter arrays of shape (R,) (or scalars) and C (m,).

    Returns arrays of shape (R, m) for the per-budget quantities and (R,) for a, b, G.
    """
    E = np.asarray(p["E"], dtype=np.float64)[..., None]
    A = np.asarray(p["A"], dtype=np.float64)[..., None]
    B = np.asarray(p["B"], dtype=np.float64)[..., None]
    alpha = np.asarray(p["alpha"], dtype=np.float64)[..., None]
    beta = np.asarray(p["beta"] if "beta" in p else p["alpha"], dtype=np.float64)[..., None]  # tied law: beta = alpha
    with np.errstate(all="ignore"):
        s = alpha + beta
        a = beta / s
        b = alpha / s
        G = (alpha * A / (beta * B)) ** (1.0 / s)
        half = compute / FLOP_PER_PARAM_TOKEN  # C / 6 = N D on the iso-FLOP line
        n_opt = G * half**a
        d_opt = half**b / G
        loss = E + A * n_opt ** (-alpha) + B * d_opt ** (-beta)
    return {
        "n_opt": n_opt,
        "d_opt": d_opt,
        "tokens_per_param": d_opt / n_opt,
        "loss_opt": loss,
        "a": a[..., 0],
        "b": b[..., 0],
        "G": G[..., 0],
    }


@dataclass(frozen=True, eq=False)
class Allocation:
    r"""Compute-optimal N and D of a fitted law at given FLOP budgets. Immutable.

    Attributes
    ----------
    compute : ndarray (m,)
        FLOP budgets C.
    n_opt, d_opt : ndarray (m,)
        Compute-optimal parameters and training tokens, :math:`N_{opt} D_{opt} = C / 6`.
    tokens_per_param : ndarray (m,)
        :math:`D_{opt} / N_{opt}`.
    loss_opt : ndarray (m,)
        The law's loss at the optimum, nats/token.
    a, b : float
        Exponents of :math:`N_{opt} \propto C^a` and :math:`D_{opt} \propto C^b` (a + b = 1).
    G : float
        The constant of Hoffmann et al.'s eq. 4.
    intervals : dict
        name -> (low, high) at confidence ``ci`` for ``a``, ``b``, ``G`` (floats)
        and the per-budget quantities (arrays (m,)); empty without a bootstrap.
    interval_method : str
        How the intervals were formed ("" without a bootstrap).
    n_resamples, n_failed : int
        Bootstrap resamples drawn and those that failed (0 without a bootstrap).
    fit : FitResult
        The fit the allocation comes from.
    bootstrap : BootstrapResult or None
        The bootstrap whose resamples gave the intervals.
    """

    compute: np.ndarray
    n_opt: np.ndarray
    d_opt: np.ndarray
    tokens_per_param: np.ndarray
    loss_opt: np.ndarray
    a: float
    b: float
    G: float
    intervals: dict[str, tuple[Any, Any]] = field(repr=False)
    ci: float | None
    interval_method: str
    n_resamples: int
    n_failed: int
    fit: FitResult = field(repr=False)
    bootstrap: Any = field(default=None, repr=False)

    def interval(self, name: str) -> tuple[Any, Any]:
        """(low, high) of ``name`` ("a", "b", "G", "n_opt", "d_opt", "tokens_per_param", "loss_opt")."""
        if not self.intervals:
            raise KeyError("this allocation has no intervals; pass bootstrap=<int or BootstrapResult> to compute_optimal().")
        try:
            return self.intervals[name]
        except KeyError:
            raise KeyError(f"no interval named {name!r}; have {sorted(self.intervals)}") from None

    def to_frame(self) -> pd.DataFrame:
        """One row per budget: compute, n_opt, d_opt, tokens_per_param, loss_opt (and *_low, *_high)."""
        cols: dict[str, Any] = {"compute": self.compute}
        for name in _PER_BUDGET:
            cols[name] = getattr(self, name)
            if name in self.intervals:
                cols[f"{name}_low"], cols[f"{name}_high"] = self.intervals[name]
        return pd.DataFrame(cols)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        fit = self.fit
        return {
            "approach": "Hoffmann et al. (2022) approach 3: closed form of the fitted law (eq. 4)",
            "law": fit.law.name,
            "params": {k: float(v) for k, v in fit.params.items()},
            "loss": {**fit.loss.to_dict(), "label": fit.loss.label(), "space": fit.space},
            "flop_convention": "C = 6 N D",
            "compute": [float(c) for c in self.compute],
            **{name: [float(v) for v in getattr(self, name)] for name in _PER_BUDGET},
            "a": float(self.a),
            "b": float(self.b),
            "G": float(self.G),
            "ci": self.ci,
            "interval_method": self.interval_method,
            "intervals": {
                k: ([float(x) for x in lo], [float(x) for x in hi]) if np.ndim(lo) else (float(lo), float(hi))
                for k, (lo, hi) in self.intervals.items()
            },
            "n_resamples": int(self.n_resamples),
            "n_failed": int(self.n_failed),
        }

    def report(self) -> str:
        """Aligned text report: exponents, then one line per budget."""
        iv = self.intervals
        pct = f"{100 * self.ci:g}%" if self.ci else ""

        def rng(name: str, i: int | None = None) -> str:
            if name not in iv:
                return ""
            lo, hi = iv[name]
            if i is not None:
                lo, hi = lo[i], hi[i]
            return f" [{significant(lo, 4)}, {significant(hi, 4)}]"

        lines = [
            f"[[Compute-optimal allocation]] {self.fit.law.name}: {self.fit.law.formula}",
            "    approach    Hoffmann et al. (2022) approach 3, eq. 4; C = 6 N D FLOP",
            f"    loss        {self.fit.loss.label()} on {self.fit.space} residuals",
            f"    a           {self.a:.4f}{rng('a')}   (N_opt ~ C^a)",
            f"    b           {self.b:.4f}{rng('b')}   (D_opt ~ C^b)",
            f"    G           {significant(self.G, 4)}{rng('G')}",
        ]
        if iv:
            lines.append(
                f"    intervals   {pct} {self.interval_method}; {self.n_failed}/{self.n_resamples} resamples failed (excluded)"
            )
        lines.append("[[Budgets]]")
        lines.append(f"    {'C (FLOP)':<11} {'N_opt':<10} {'D_opt':<10} {'D/N':<9} {'loss':<8}")
        for i, c in enumerate(self.compute):
            lines.append(
                f"    {c:<11.4g} {self.n_opt[i]:<10.4g} {self.d_opt[i]:<10.4g} "
                f"{self.tokens_per_param[i]:<9.4g} {self.loss_opt[i]:<8.4g}"
            )
            if iv:
                lines.append(f"      {pct} CI  N_opt{rng('n_opt', i)}  D_opt{rng('d_opt', i)}  D/N{rng('tokens_per_param', i)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.report())}</pre>"

    def __repr__(self) -> str:
        return f"Allocation({self.fit.law.name}: a={self.a:.4f}, b={self.b:.4f}, {len(self.compute)} budget(s))"


def _as_compute(name: str, compute: Any) -> np.ndarray:
    try:
        C = np.atleast_1d(np.asarray(compute, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"{name}(compute=...) takes FLOP budgets as a number or array; got {type(compute).__name__}.") from None
    if C.ndim != 1 or C.size == 0:
        raise ValueError(f"{name}(compute=...) needs a 1-d array of FLOP budgets; got shape {C.shape}.")
    if not np.all(np.isfinite(C) & (C > 0)):
        i = int(np.flatnonzero(~(np.isfinite(C) & (C > 0)))[0])
        raise ValueError(f"{name}(compute=...) needs positive finite FLOP; entry {i} is {float(C[i])!r}.")
    return C


def compute_optimal(
    fit_result: FitResult,
    compute: Any,
    *,
    bootstrap: Any = None,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> Allocation:
    r"""Compute-optimal parameters and tokens of a fitted Chinchilla law (Approach 3).

    Minimising :math:`L(N, D) = E + A N^{-\alpha} + B D^{-\beta}` subject to
    :math:`C = 6 N D` gives (Hoffmann et al. 2022, eq. 4)

    .. math::
        N_{opt}(C) = G \left(\frac{C}{6}\right)^{a}, \quad
        D_{opt}(C) = G^{-1} \left(\frac{C}{6}\right)^{b}, \quad
        G = \left(\frac{\alpha A}{\beta B}\right)^{1/(\alpha+\beta)},

    with :math:`a = \beta / (\alpha + \beta)` and :math:`b = \alpha / (\alpha + \beta)`.

    Parameters
    ----------
    fit_result : FitResult
        A fit of :class:`~scalewatch.laws.Chinchilla` (``tied=True`` too: then a = b = 1/2).
    compute : float or array (m,)
        FLOP budgets, in FLOP (not PF-days), under :math:`C = 6 N D`.
    bootstrap : None, int or BootstrapResult, default None
        Intervals: ``None`` gives none; an int runs
        :func:`~scalewatch.fitting.bootstrap` with that many resamples and
        ``derived=`` functions, so each resample's own parameters give its own
        :math:`N_{opt}`, :math:`D_{opt}`, ... (percentile intervals); a
        :class:`~scalewatch.fitting.BootstrapResult` of ``fit_result`` is reused:
        its resampled parameters are mapped the same way and percentile
        intervals taken at ``ci`` (whatever method it used for the parameters).
    ci : float, default 0.95
        Confidence level of the intervals.
    seed : int, Generator or None, default 0
        Seed of the resampling when ``bootstrap`` is an int.

    Returns
    -------
    Allocation

    Raises
    ------
    TypeError
        ``fit_result`` is not a FitResult, or ``bootstrap`` is of the wrong type.
    ValueError
        The law is not Chinchilla, the fit failed, an exponent is 0 (no finite
        optimum), non-positive budgets, or a bootstrap of another fit.

    Notes
    -----
    :math:`a + b = 1` by construction, and tokens per parameter is
    :math:`D_{opt}/N_{opt} = G^{-2} (C/6)^{b - a}`, constant in C only when
    :math:`\alpha = \beta`. With the constants Hoffmann et al. publish for
    Approach 3 (E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28) the
    formula gives a = 0.28 / 0.62 = 0.4516 and b = 0.5484; their Table 2 lists
    0.46 and 0.54, computed from the unrounded exponents (the two-digit alpha
    and beta move a by about 0.005).

    References
    ----------
    Hoffmann et al. (2022), arXiv:2203.15556, sec. 3.3, eq. 4, Table 2.
    Kaplan et al. (2020), arXiv:2001.08361, sec. 2.1 (C = 6 N D).

    Examples
    --------
    >>> import numpy as np
    >>> from scalewatch import fit, laws
    >>> from scalewatch.fitting._allocation import compute_optimal
    >>> N, D = np.meshgrid(np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6))
    >>> truth = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    >>> data = {"N": N.ravel(), "D": D.ravel(), "loss": laws.Chinchilla()(np.c_[N.ravel(), D.ravel()], **truth)}
    >>> alloc = compute_optimal(fit(laws.Chinchilla(), data), compute=5.76e23)
    >>> round(alloc.a, 4), round(alloc.b, 4)
    (0.4516, 0.5484)
    """
    if not isinstance(fit_result, FitResult):
        raise TypeError(f"compute_optimal() takes the FitResult of scalewatch.fit(...); got {type(fit_result).__name__}.")
    if not isinstance(fit_result.law, Chinchilla):
        raise ValueError(
            f"compute_optimal() needs a fit of laws.Chinchilla (L = E + A/N^alpha + B/D^beta); got a fit of "
            f"{fit_result.law.name!r}. For other laws, minimise the fitted law along C = 6 N D numerically, "
            "or use envelope_allocation() / isoflop_allocation() on the runs."
        )
    if not fit_result.converged:
        raise ValueError(f"compute_optimal(): the fit did not converge ({fit_result.message}); refit before allocating.")
    _check_ci(ci)
    C = _as_compute("compute_optimal", compute)
    p = fit_result.params
    for name in ("alpha", "beta"):
        if name in p and not p[name] > 0:
            raise ValueError(
                f"compute_optimal(): the fitted {name} is {p[name]!r}; with a zero exponent the loss does not fall "
                "along that axis and there is no finite compute-optimal allocation."
            )
    point = _chinchilla_allocation(p, C)

    intervals: dict[str, tuple[Any, Any]] = {}
    method = ""
    n_res = n_failed = 0
    bs = None
    if bootstrap is not None:
        if isinstance(bootstrap, _bootstrap.BootstrapResult):
            bs = bootstrap
            if bs.fit is not fit_result:
                raise ValueError(
                    "compute_optimal(bootstrap=...) got a BootstrapResult of another fit; pass the bootstrap of "
                    "this fit_result, or an int to run one."
                )
            method = "percentile of each resample's own allocation (resamples of the given bootstrap)"
        elif isinstance(bootstrap, (int, np.integer)) and not isinstance(bootstrap, bool):
            n = _check_resamples("compute_optimal", bootstrap)
            bs = _bootstrap.bootstrap(fit_result, n, ci=ci, derived=_derived_functions(C), seed=seed)
            method = "percentile of each resample's own allocation (bootstrap with derived=)"
        else:
            raise TypeError(
                f"compute_optimal(bootstrap=...) takes None, an int (resamples to draw) or the BootstrapResult of "
                f"this fit; got {type(bootstrap).__name__}."
            )
        if not isinstance(bootstrap, _bootstrap.BootstrapResult):
            # the bootstrap ran here with our derived= functions: its intervals are the allocation's
            for key in ("a", "b", "G"):
                intervals[key] = bs.intervals[key]
            for key in _PER_BUDGET:
                pairs = [bs.intervals[f"{key}[{i}]"] for i in range(len(C))]
                intervals[key] = (np.array([lo for lo, _ in pairs]), np.array([hi for _, hi in pairs]))
        else:
            # map each resample's own parameters to its allocation, then take percentiles
            values = _chinchilla_allocation({k: bs.samples[k] for k in fit_result.law.param_names}, C)
            for key in ("a", "b", "G"):
                lo, hi = _percentile(values[key], ci)
                intervals[key] = (float(lo), float(hi))
            for key in _PER_BUDGET:
                intervals[key] = _percentile(values[key], ci)
        n_res, n_failed = bs.n_resamples, bs.n_failed
    return Allocation(
        compute=C,
        n_opt=point["n_opt"],
        d_opt=point["d_opt"],
        tokens_per_param=point["tokens_per_param"],
        loss_opt=point["loss_opt"],
        a=float(point["a"]),
        b=float(point["b"]),
        G=float(point["G"]),
        intervals=intervals,
        ci=ci if bootstrap is not None else None,
        interval_method=method,
        n_resamples=n_res,
        n_failed=n_failed,
        fit=fit_result,
        bootstrap=bs,
    )


def _derived_functions(C: np.ndarray) -> dict[str, Any]:
    """``derived=`` functions for :func:`bootstrap`: each maps the resamples' parameters to one quantity."""
    fns: dict[str, Any] = {key: (lambda p, key=key: _chinchilla_allocation(p, C)[key]) for key in ("a", "b", "G")}
    for key in _PER_BUDGET:
        for i in range(len(C)):
            fns[f"{key}[{i}]"] = lambda p, key=key, i=i: _chinchilla_allocation(p, C)[key][..., i]
    return fns


# =============================================================================
# Approaches 1 and 2: power laws N_opt = k_N C^a, D_opt = k_D C^b from runs
# =============================================================================


@dataclass(frozen=True, eq=False)
class AllocationLaw:
    r"""Power laws of the compute-optimal allocation estimated from runs. Immutable.

    .. math:: N_{opt}(C) = k_N C^{a}, \qquad D_{opt}(C) = k_D C^{b}

    fitted by least squares in :math:`(\log C, \log N_{opt})` to per-budget
    optima (Hoffmann et al. 2022, sec. 3.1-3.2). With :math:`D_{opt} = C / (6 N_{opt})`,
    :math:`b = 1 - a` and :math:`k_D = 1 / (6 k_N)` exactly.

    Attributes
    ----------
    approach : str
        ``"envelope"`` (Approach 1) or ``"isoflop"`` (Approach 2).
    a, b : float
        Exponents.
    n_coef, d_coef : float
        :math:`k_N` and :math:`k_D` (C in FLOP).
    intervals : dict
        ``"a"``, ``"b"`` -> (low, high) at confidence ``ci``; empty without a bootstrap.
    points : pandas.DataFrame
        The per-budget optima (``used`` marks those in the power-law fit;
        ``reason`` says why the others are not).
    n_budgets_used : int
        Budgets (Approach 2) or FLOP grid points (Approach 1) in the power-law fit.
    resampling : str
        The bootstrap's resampling unit.
    settings : dict
        The options the estimate was made with (window, grid size, seed, ...).
    n_resamples, n_failed : int
        Bootstrap resamples drawn and those that gave no fit.
    samples : dict
        ``"a"``, ``"b"`` -> resample values (successful resamples only).
    """

    approach: str
    a: float
    b: float
    n_coef: float
    d_coef: float
    intervals: dict[str, tuple[float, float]]
    ci: float | None
    points: pd.DataFrame = field(repr=False)
    n_budgets_used: int
    n_resamples: int
    n_failed: int
    resampling: str
    settings: dict[str, Any] = field(repr=False)
    samples: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    def predict(self, compute: Any) -> pd.DataFrame:
        """N_opt, D_opt and tokens per parameter at FLOP budgets ``compute``."""
        C = _as_compute("predict", compute)
        n = self.n_coef * C**self.a
        d = self.d_coef * C**self.b
        return pd.DataFrame({"compute": C, "n_opt": n, "d_opt": d, "tokens_per_param": d / n})

    def interval(self, name: str) -> tuple[float, float]:
        """(low, high) of ``"a"`` or ``"b"``."""
        if name not in self.intervals:
            raise KeyError(f"no interval named {name!r}; have {sorted(self.intervals)} (pass bootstrap=<int> for intervals).")
        return self.intervals[name]

    @property
    def _title(self) -> str:
        if self.approach == "envelope":
            return "Hoffmann et al. (2022) approach 1: envelope of minimal loss per FLOP over loss curves"
        return "Hoffmann et al. (2022) approach 2: parabola of loss vs log N per isoFLOP profile"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        pts = self.points.astype(object).where(pd.notna(self.points), None)
        return {
            "approach": self._title,
            "flop_convention": "C = 6 N D",
            "a": float(self.a),
            "b": float(self.b),
            "n_coef": float(self.n_coef),
            "d_coef": float(self.d_coef),
            "ci": self.ci,
            "intervals": {k: [float(lo), float(hi)] for k, (lo, hi) in self.intervals.items()},
            "n_budgets_used": int(self.n_budgets_used),
            "n_resamples": int(self.n_resamples),
            "n_failed": int(self.n_failed),
            "resampling": self.resampling,
            "settings": {k: v for k, v in self.settings.items()},
            "points": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in pts.to_dict("records")],
        }

    def report(self) -> str:
        """Aligned text report."""

        def iv(name: str) -> str:
            if name not in self.intervals:
                return ""
            lo, hi = self.intervals[name]
            return f" [{lo:.4f}, {hi:.4f}]"

        unit = "grid points" if self.approach == "envelope" else "budgets"
        lines = [
            f"[[Compute-optimal scaling]] {self._title}",
            "    convention  C = 6 N D FLOP",
            f"    a           {self.a:.4f}{iv('a')}   N_opt = {self.n_coef:.4g} C^a",
            f"    b           {self.b:.4f}{iv('b')}   D_opt = {self.d_coef:.4g} C^b",
            f"    used        {self.n_budgets_used}/{len(self.points)} {unit}",
        ]
        if self.intervals:
            lines.append(
                f"    intervals   {100 * (self.ci or 0):g}% percentile, {self.n_resamples} resamples of {self.resampling}; "
                f"{self.n_failed}/{self.n_resamples} gave no fit (excluded)"
            )
        if self.approach == "isoflop":
            lines.append("[[Budgets]]")
            lines.append(f"    {'C (FLOP)':<11} {'points':<7} {'N_opt':<10} {'D_opt':<10} {'loss':<8} note")
            for row in self.points.itertuples():
                note = "" if row.used else f"not used: {row.reason}"
                lines.append(
                    f"    {row.compute:<11.4g} {row.n_points:<7d} {row.n_opt:<10.4g} {row.d_opt:<10.4g} "
                    f"{row.loss_opt:<8.4g} {note}"
                )
        else:
            unused = self.points.loc[~self.points["used"], "reason"].value_counts()
            for reason, count in unused.items():
                lines.append(f"    not used    {count} grid points: {reason}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.report())}</pre>"

    def __repr__(self) -> str:
        ivs = ""
        if "a" in self.intervals:
            lo, hi = self.intervals["a"]
            ivs = f", {100 * (self.ci or 0):g}% CI a in [{lo:.3f}, {hi:.3f}]"
        return f"AllocationLaw({self.approach}: a={self.a:.4f}, b={self.b:.4f}{ivs})"


def _power_fits(log_c: np.ndarray, log_n: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares lines log_n = c0 + a log_c, batched over rows of (R, B); masked by ``valid``.

    Returns slope a (R,), intercept c0 (R,), and ok (R,): at least two distinct budgets.
    """
    w = valid.astype(np.float64)
    sw = w.sum(axis=-1)
    with np.errstate(all="ignore"):
        mx = (w * log_c).sum(axis=-1) / sw
        ln = np.where(valid, log_n, 0.0)
        my = (w * ln).sum(axis=-1) / sw
        dx = log_c - mx[..., None]
        sxx = (w * dx * dx).sum(axis=-1)
        sxy = (w * dx * (ln - my[..., None])).sum(axis=-1)
        slope = sxy / sxx
        icpt = my - slope * mx
    ok = (sw >= 2) & (sxx > 1e-12 * np.maximum(sw, 1.0))
    return np.where(ok, slope, np.nan), np.where(ok, icpt, np.nan), ok


def _law_from(approach: str, log_c, log_n, valid, points, samples_a, n_res, n_failed, ci, resampling, settings) -> AllocationLaw:
    a, c0, ok = _power_fits(log_c, log_n[None, :], valid[None, :])
    if not ok[0]:
        raise ValueError(
            f"{approach}_allocation(): only {int(valid.sum())} usable optimum/optima at distinct budgets; a power law "
            "needs at least 2. See the 'reason' column of the points (e.g. minima at the edge of the sizes trained)."
        )
    a0 = float(a[0])
    k_n = float(math.exp(c0[0]))
    intervals: dict[str, tuple[float, float]] = {}
    samples: dict[str, np.ndarray] = {}
    if samples_a is not None:
        samples = {"a": samples_a, "b": 1.0 - samples_a}
        lo, hi = _percentile(samples_a, ci)
        intervals = {"a": (float(lo), float(hi)), "b": (float(1.0 - hi), float(1.0 - lo))}
    return AllocationLaw(
        approach=approach,
        a=a0,
        b=1.0 - a0,
        n_coef=k_n,
        d_coef=1.0 / (FLOP_PER_PARAM_TOKEN * k_n),
        intervals=intervals,
        ci=ci if samples_a is not None else None,
        points=points,
        n_budgets_used=int(valid.sum()),
        n_resamples=n_res,
        n_failed=n_failed,
        resampling=resampling,
        settings=settings,
        samples=samples,
    )


# -- table helpers ----------------------------------------------------------------


def _frame(data: Any, what: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame({k: np.asarray(v) for k, v in data.items()})
        except ValueError as exc:
            raise ValueError(f"{what}: the columns of the mapping have different lengths ({exc}).") from None
    raise TypeError(f"{what} takes a pandas DataFrame, a mapping of columns or a RunSet; got {type(data).__name__}.")


def _column(
    df: pd.DataFrame,
    role: str,
    columns: Mapping[str, str] | None,
    aliases: tuple[str, ...],
    what: str,
    required: bool = True,
) -> np.ndarray | None:
    """The column playing ``role``: ``columns[role]`` if given, else the first alias present."""
    name = (columns or {}).get(role)
    if name is not None:
        if name not in df.columns:
            raise ValueError(f"{what}: columns={{{role!r}: {name!r}}} names no column of the data (columns: {list(df.columns)}).")
        return np.asarray(df[name], dtype=np.float64) if role != "run_id" else np.asarray(df[name])
    for cand in aliases:
        if cand in df.columns:
            return np.asarray(df[cand], dtype=np.float64) if role != "run_id" else np.asarray(df[cand])
    if not required:
        return None
    raise ValueError(
        f"{what}: no {role} column; looked for {list(aliases)} in {list(df.columns)}. "
        f"Pass columns={{{role!r}: 'your_column'}}."
    )


def _positive(x: np.ndarray, role: str, what: str) -> None:
    bad = np.flatnonzero(~(np.isfinite(x) & (x > 0)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{what}: {role} must be positive and finite; row {i} has {float(x[i])!r}. Drop or fix it.")


# -- Approach 2: isoFLOP profiles --------------------------------------------------------


def _budget_labels(C: np.ndarray, rtol: float) -> np.ndarray:
    """Group FLOP values that lie within ``rtol`` of their sorted neighbour (one budget each)."""
    order = np.argsort(C, kind="stable")
    lc = np.log(C[order])
    new = np.concatenate([[True], np.diff(lc) > math.log1p(rtol)])
    labels = np.empty(len(C), dtype=np.int64)
    labels[order] = np.cumsum(new) - 1
    return labels


def _vertices(x: np.ndarray, y: np.ndarray, W: np.ndarray, window: int | None):
    """Parabola vertices of one isoFLOP profile for R weightings of its points.

    x : (n,) log N, sorted ascending (several runs may share one N). y : (n,) loss.
    W : (R, n) non-negative counts. The window is counted in distinct model sizes.
    Returns log N* (R,), loss* (R,), curvature (R,), a reason code (R,) and the
    sizes fitted (R,). Reasons: 0 ok, 1 minimum at the smallest model, 2 at the
    largest, 3 fewer than 3 sizes, 4 parabola opens downward, 5 vertex outside
    the fitted points.
    """
    R, n = W.shape
    present = W > 0
    size = np.cumsum(np.concatenate([[True], np.diff(x) > 0])) - 1  # (n,) index of each row's model size
    S = int(size[-1]) + 1
    size_present = np.zeros((R, S), dtype=bool)
    rr, cc = np.nonzero(present)
    size_present[rr, size[cc]] = True
    n_sizes = size_present.sum(axis=1)
    size_rank = np.cumsum(size_present, axis=1) - 1  # (R, S) rank among the sizes present
    imin = np.where(present, y, np.inf).argmin(axis=1)  # run of lowest loss
    rmin = size_rank[np.arange(R), size[imin]]
    width = n_sizes if window is None else np.minimum(window, n_sizes)
    lo = np.clip(rmin - width // 2, 0, np.maximum(n_sizes - width, 0))
    row_rank = size_rank[:, size]  # (R, n)
    inwin = present & (row_rank >= lo[:, None]) & (row_rank < (lo + width)[:, None])
    w = W * inwin
    # quadratic in a centred, scaled variable for conditioning
    mu = x.mean()
    sd = x.std() if x.std() > 0 else 1.0
    t = (x - mu) / sd
    Phi = np.stack([np.ones_like(t), t, t * t], axis=-1)  # (n, 3)
    M = np.einsum("rn,ni,nj->rij", w, Phi, Phi)
    v = np.einsum("rn,ni,n->ri", w, Phi, y)
    reason = np.where(width < 3, 3, 0)
    solvable = reason == 0
    coef = np.full((R, 3), np.nan)
    if solvable.any():
        try:
            coef[solvable] = np.linalg.solve(M[solvable], v[solvable][..., None])[..., 0]
        except np.linalg.LinAlgError:
            # one singular weighting must not sink the batch: solve one by one, flag the singular ones
            for r in np.flatnonzero(solvable):
                try:
                    coef[r] = np.linalg.solve(M[r], v[r])
                except np.linalg.LinAlgError:
                    reason[r] = 6
    c0, c1, c2 = coef[:, 0], coef[:, 1], coef[:, 2]
    with np.errstate(all="ignore"):
        ts = -c1 / (2.0 * c2)
        ys = c0 + c1 * ts + c2 * ts * ts
    xs = mu + sd * ts
    xlo = np.where(inwin, x, np.inf).min(axis=1)
    xhi = np.where(inwin, x, -np.inf).max(axis=1)
    reason = np.where((reason == 0) & (rmin == 0), 1, reason)
    reason = np.where((reason == 0) & (rmin == n_sizes - 1), 2, reason)
    reason = np.where((reason == 0) & ~(c2 > 0), 4, reason)
    reason = np.where((reason == 0) & ~((xs >= xlo) & (xs <= xhi)), 5, reason)
    return xs, ys, c2 / (sd * sd), reason, width


_REASONS = {
    0: "",
    1: "minimum at the smallest model of the profile (optimum may lie below the sizes trained)",
    2: "minimum at the largest model of the profile (optimum may lie above the sizes trained)",
    3: "fewer than 3 distinct model sizes",
    4: "parabola opens downward",
    5: "vertex outside the fitted points",
    6: "singular design (the sizes in the window do not determine a parabola)",
}


def isoflop_allocation(
    data: Any,
    *,
    columns: Mapping[str, str] | None = None,
    window: int | None = 5,
    budget_rtol: float = 0.01,
    bootstrap: int | None = None,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> AllocationLaw:
    r"""Compute-optimal scaling from isoFLOP profiles (Hoffmann et al. 2022, Approach 2).

    For each FLOP budget C, the runs trained with that budget form a profile
    of final loss against model size. A parabola :math:`L \approx c_0 + c_1 x + c_2 x^2`
    in :math:`x = \log N` is fitted to the profile (least squares); its vertex
    :math:`x^* = -c_1 / (2 c_2)` gives :math:`N_{opt}(C) = e^{x^*}` and
    :math:`D_{opt}(C) = C / (6 N_{opt})`. Power laws :math:`N_{opt} = k_N C^a`,
    :math:`D_{opt} = k_D C^b` are then fitted by least squares in log-log.

    Parameters
    ----------
    data : DataFrame, mapping, RunSet or Dataset
        One row per run: its FLOP budget (column ``compute``, ``C`` or
        ``flops``; or, lacking one, ``6 * params * tokens``), parameters
        (``params`` or ``N``) and final loss (``loss``). A RunSet's runs table works.
    columns : mapping, optional
        Role -> column name, roles ``"compute"``, ``"params"``, ``"tokens"``, ``"loss"``.
    window : int or None, default 5
        Model sizes of each profile the parabola is fitted to: the ``window``
        consecutive sizes centred on the run of lowest loss (every run of those
        sizes, so repeated seeds all count). ``None`` uses every point, as
        Hoffmann et al. did with profiles sampled close to the optimum.
        Profiles spanning one to two decades of N are asymmetric in
        :math:`\log N` (loss climbs faster on the large-model side, where
        tokens run short), and a parabola through all points shifts its
        vertex; a local window keeps the quadratic approximation honest. On
        Porian et al.'s 15 configurations (6-15 sizes per budget, a factor
        ~1.43 apart) a window of 5 lands within a factor 1.35 of their
        spline-based optima in 14 (1.75 in the last), all points within 2.
    budget_rtol : float, default 0.01
        Runs whose FLOP lie within this relative distance of their neighbour
        (sorted) form one budget.
    bootstrap : int or None, default None
        Resamples for intervals on a and b: within each budget its runs are
        resampled with replacement, every profile is refitted, then the power
        law. A resample fails when fewer than 2 budgets give a usable vertex;
        failures are counted in ``n_failed``.
    ci : float, default 0.95
        Confidence level of the percentile intervals.
    seed : int, Generator or None, default 0
        Seed of the resampling.

    Returns
    -------
    AllocationLaw
        With ``points``: per budget ``compute``, ``n_points`` (runs),
        ``n_fitted`` (model sizes in the parabola's window), ``n_opt``,
        ``d_opt``, ``tokens_per_param``, ``loss_opt`` (the parabola's minimum),
        ``curvature`` (:math:`d^2 L / d(\log N)^2`), ``used`` and ``reason``.

    Raises
    ------
    ValueError
        Missing columns, non-positive values, ``window`` < 3, or fewer than 2 usable budgets.

    Notes
    -----
    A budget is left out of the power-law fit (``used=False``) when its
    lowest loss sits at its smallest or largest model (the optimum is not
    bracketed), when its parabola opens downward, or when the vertex falls
    outside the fitted points: extrapolated vertices are not estimates.
    The bootstrap resamples runs within each budget; Porian et al. instead
    perturb the losses with a model of seed noise, so their intervals differ.

    References
    ----------
    Hoffmann et al. (2022), arXiv:2203.15556, sec. 3.2 and Figure 3.
    Porian et al. (2024), arXiv:2406.19146, sec. 2 (isoFLOP analysis).
    """
    what = "isoflop_allocation(data=...)"
    _check_ci(ci)
    if window is not None and (isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 3):
        raise ValueError(
            f"isoflop_allocation(window={window!r}): a parabola needs at least 3 model sizes; "
            "use an int >= 3 or None (all points)."
        )
    if not (isinstance(budget_rtol, (int, float)) and 0 <= budget_rtol < 1):
        raise ValueError(f"isoflop_allocation(budget_rtol={budget_rtol!r}); use a relative tolerance in [0, 1), e.g. 0.01.")
    n_boot = None if bootstrap is None else _check_resamples("isoflop_allocation", bootstrap)
    df = _frame(_table(data), what)
    N = _column(df, "params", columns, ("params", "N"), what)
    L = _column(df, "loss", columns, ("loss",), what)
    C = _column(df, "compute", columns, ("compute", "C", "flops"), what, required=False)
    if C is None:
        D = _column(df, "tokens", columns, ("tokens", "D"), what, required=False)
        if D is None:
            raise ValueError(
                f"{what}: no compute column (looked for 'compute', 'C', 'flops') and no tokens to form "
                "C = 6 N D; pass columns={'compute': ...}."
            )
        C = FLOP_PER_PARAM_TOKEN * N * D
    keep = np.isfinite(N) & np.isfinite(L) & np.isfinite(C)
    if not keep.all():
        i = int(np.flatnonzero(~keep)[0])
        raise ValueError(
            f"{what}: row {i} has a missing or non-finite value (params={N[i]}, compute={C[i]}, loss={L[i]}); "
            "drop it first."
        )
    for arr, role in ((N, "params"), (C, "compute"), (L, "loss")):
        _positive(arr, role, what)

    labels = _budget_labels(C, budget_rtol)
    n_budgets = int(labels.max()) + 1
    rng = seeds.rng(seed)
    rows = []
    log_c = np.empty(n_budgets)
    log_n = np.full(n_budgets, np.nan)
    valid = np.zeros(n_budgets, dtype=bool)
    boot_log_n = None if n_boot is None else np.full((n_boot, n_budgets), np.nan)
    boot_valid = None if n_boot is None else np.zeros((n_boot, n_budgets), dtype=bool)
    for b in range(n_budgets):
        idx = np.flatnonzero(labels == b)
        idx = idx[np.argsort(N[idx], kind="stable")]
        x, y = np.log(N[idx]), L[idx]
        cb = float(np.exp(np.mean(np.log(C[idx]))))
        log_c[b] = math.log(cb)
        xs, ys, curv, reason, width = _vertices(x, y, np.ones((1, len(idx))), window)
        ok = reason[0] == 0
        valid[b] = ok
        n_opt = float(np.exp(xs[0])) if np.isfinite(xs[0]) else math.nan
        log_n[b] = xs[0]
        rows.append(
            {
                "compute": cb,
                "n_points": len(idx),
                "n_fitted": int(width[0]),
                "n_opt": n_opt,
                "d_opt": cb / (FLOP_PER_PARAM_TOKEN * n_opt),
                "tokens_per_param": cb / (FLOP_PER_PARAM_TOKEN * n_opt * n_opt),
                "loss_opt": float(ys[0]),
                "curvature": float(curv[0]),
                "used": bool(ok),
                "reason": _REASONS[int(reason[0])],
            }
        )
        if n_boot is not None:
            counts = rng.multinomial(len(idx), np.full(len(idx), 1.0 / len(idx)), size=n_boot).astype(np.float64)
            bx, _, _, breason, _ = _vertices(x, y, counts, window)
            boot_log_n[:, b] = bx
            boot_valid[:, b] = breason == 0
    points = pd.DataFrame(rows)
    samples_a = None
    n_failed = 0
    if n_boot is not None:
        a_s, _, ok_s = _power_fits(log_c[None, :], boot_log_n, boot_valid)
        samples_a = a_s[ok_s]
        n_failed = int((~ok_s).sum())
    settings = {"window": window, "budget_rtol": budget_rtol, "seed": seeds.seed_label(seed), "n_runs": int(len(N))}
    return _law_from(
        "isoflop", log_c, log_n, valid, points, samples_a, n_boot or 0, n_failed, ci,
        "runs within each budget", settings,
    )


# -- Approach 1: envelope of loss curves ---------------------------------------------------


def envelope_allocation(
    curves: Any,
    runs: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    n_grid: int = 1500,
    bootstrap: int | None = None,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> AllocationLaw:
    r"""Compute-optimal scaling from the envelope of loss curves (Hoffmann et al. 2022, Approach 1).

    Each point of a run's loss curve is a (FLOP, loss) pair with
    :math:`C = 6 N D_t`, :math:`D_t` the tokens seen so far. On ``n_grid``
    log-spaced FLOP values, every run's loss is interpolated (linearly in
    :math:`\log C`, inside the run's own range) and the run of lowest loss
    gives :math:`N_{opt}(C)` and :math:`D_{opt}(C) = C / (6 N_{opt})`. Power
    laws :math:`N_{opt} = k_N C^a` and :math:`D_{opt} = k_D C^b` are fitted by
    least squares in log-log to the grid points.

    Parameters
    ----------
    curves : DataFrame, mapping, RunSet or Dataset
        One row per curve point with ``run_id``, ``tokens`` (seen so far, a raw
        count) and ``loss``; plus ``params`` unless ``runs`` gives it. A RunSet
        (or a Dataset) supplies both its curves and runs tables.
    runs : DataFrame or mapping, optional
        One row per run with ``run_id`` and ``params`` (N).
    columns : mapping, optional
        Role -> column name for roles ``"run_id"``, ``"tokens"``, ``"loss"``, ``"params"``.
    n_grid : int, default 1500
        FLOP grid size (1500, as Hoffmann et al.).
    bootstrap : int or None, default None
        Resamples for intervals on a and b: runs are resampled with
        replacement and the envelope rebuilt from the runs drawn.
    ci : float, default 0.95
        Confidence level of the percentile intervals.
    seed : int, Generator or None, default 0
        Seed of the resampling.

    Returns
    -------
    AllocationLaw
        ``points`` holds the grid: ``compute``, ``run_id``, ``n_opt``,
        ``d_opt``, ``loss_opt``, ``n_available``, ``used`` and ``reason``.

    Raises
    ------
    ValueError
        Missing columns, non-positive values, runs without ``params``, or too few usable grid points.

    Notes
    -----
    A grid point enters the fit only when the winning run is bracketed: some
    run with fewer and some with more parameters also reach that FLOP. At the
    ends of the grid only the smallest (or largest) models reach it, and they
    would "win" by default, bending the fitted exponent.

    The envelope is a staircase: :math:`N_{opt}` takes only the sizes trained,
    so the exponent is resolved to about the spacing of the sizes over the
    FLOP range covered. The curves are used as given (Hoffmann et al. smoothed
    theirs first). The envelope is a deterministic function of the runs, so
    the bootstrap interval measures how much the exponent depends on which
    runs were trained, not the noise of the losses.

    References
    ----------
    Hoffmann et al. (2022), arXiv:2203.15556, sec. 3.1 and Figure 2.
    """
    what = "envelope_allocation(curves=...)"
    _check_ci(ci)
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 10:
        raise ValueError(f"envelope_allocation(n_grid={n_grid!r}); use an int >= 10 (Hoffmann et al. use 1500).")
    n_boot = None if bootstrap is None else _check_resamples("envelope_allocation", bootstrap)
    if hasattr(curves, "runs") and hasattr(curves.runs, "curves"):
        curves = curves.runs  # a Dataset: its RunSet
    if runs is None and hasattr(curves, "curves") and hasattr(curves, "runs"):
        curves, runs = curves.curves, curves.runs
    cdf = _frame(curves, what)
    rid = _column(cdf, "run_id", columns, ("run_id",), what)
    tokens = _column(cdf, "tokens", columns, ("tokens", "D"), what)
    loss = _column(cdf, "loss", columns, ("loss",), what)
    params_col = _column(cdf, "params", columns, ("params", "N"), what, required=False)
    if params_col is None:
        if runs is None:
            raise ValueError(f"{what}: the curves have no 'params' column; pass runs=<table with run_id and params>.")
        rdf = _frame(runs, "envelope_allocation(runs=...)")
        r_id = _column(rdf, "run_id", columns, ("run_id",), "envelope_allocation(runs=...)")
        r_n = _column(rdf, "params", columns, ("params", "N"), "envelope_allocation(runs=...)")
        lookup = dict(zip(pd.Series(r_id).astype(str), r_n))
        key = pd.Series(rid).astype(str)
        missing = sorted(set(key) - set(lookup))
        if missing:
            more = " ..." if len(missing) > 5 else ""
            raise ValueError(f"envelope_allocation(runs=...) lacks params for run(s) {missing[:5]}{more} of the curves.")
        params_col = key.map(lookup).to_numpy(dtype=np.float64)
    ok = np.isfinite(tokens) & np.isfinite(loss) & (tokens > 0)  # the step-0 point (no tokens yet) has no FLOP
    rid, tokens, loss, params_col = rid[ok], tokens[ok], loss[ok], params_col[ok]
    _positive(params_col, "params", what)
    _positive(loss, "loss", what)
    run_keys, run_index = np.unique(pd.Series(rid).astype(str).to_numpy(), return_inverse=True)
    n_runs = len(run_keys)
    if n_runs < 3:
        raise ValueError(f"{what}: {n_runs} run(s) with loss-curve points; an envelope needs at least 3 runs of different sizes.")
    logC = np.log(FLOP_PER_PARAM_TOKEN * params_col * tokens)
    grid = np.linspace(logC.min(), logC.max(), int(n_grid))
    Lg = np.full((n_runs, len(grid)), np.inf)  # loss of each run at each grid FLOP (inf: run does not reach it)
    run_n = np.empty(n_runs)
    for r in range(n_runs):
        sel = run_index == r
        sizes = np.unique(params_col[sel])
        if len(sizes) != 1:
            raise ValueError(f"{what}: run {run_keys[r]!r} has several params values {sizes[:3].tolist()}; one run has one N.")
        run_n[r] = sizes[0]
        lc, lv = logC[sel], loss[sel]
        order = np.argsort(lc, kind="stable")
        lc, lv = lc[order], lv[order]
        inside = (grid >= lc[0]) & (grid <= lc[-1])
        Lg[r, inside] = np.interp(grid[inside], lc, lv)
    x_n = np.log(run_n)

    def envelope(mask: np.ndarray):
        """Winner per grid point among runs in ``mask`` (n_runs,), and whether it is bracketed."""
        Lm = np.where(mask[:, None], Lg, np.inf)
        win = Lm.argmin(axis=0)
        avail = np.isfinite(Lm)
        best = Lm[win, np.arange(len(grid))]
        xn = x_n[:, None]
        smaller = (avail & (xn < x_n[win][None, :])).any(axis=0)
        larger = (avail & (xn > x_n[win][None, :])).any(axis=0)
        return win, best, avail.sum(axis=0), np.isfinite(best) & smaller & larger

    win, best, n_avail, used = envelope(np.ones(n_runs, dtype=bool))
    compute = np.exp(grid)
    n_opt = run_n[win]
    reason = np.where(
        used,
        "",
        np.where(
            n_avail < 3,
            "fewer than 3 runs reach this FLOP",
            "winning run is the smallest or largest that reaches this FLOP",
        ),
    )
    points = pd.DataFrame(
        {
            "compute": compute,
            "run_id": run_keys[win],
            "n_opt": n_opt,
            "d_opt": compute / (FLOP_PER_PARAM_TOKEN * n_opt),
            "loss_opt": best,
            "n_available": n_avail,
            "used": used,
            "reason": reason,
        }
    )
    samples_a = None
    n_failed = 0
    if n_boot is not None:
        rng = seeds.rng(seed)
        counts = rng.multinomial(n_runs, np.full(n_runs, 1.0 / n_runs), size=n_boot)
        bx = np.full((n_boot, len(grid)), np.nan)
        bv = np.zeros((n_boot, len(grid)), dtype=bool)
        for i in range(n_boot):
            w_i, _, _, u_i = envelope(counts[i] > 0)
            bx[i], bv[i] = x_n[w_i], u_i
        a_s, _, ok_s = _power_fits(grid[None, :], bx, bv)
        samples_a = a_s[ok_s]
        n_failed = int((~ok_s).sum())
    settings = {"n_grid": int(n_grid), "n_runs": int(n_runs), "seed": seeds.seed_label(seed)}
    return _law_from("envelope", grid, x_n[win], used, points, samples_a, n_boot or 0, n_failed, ci, "runs", settings)
