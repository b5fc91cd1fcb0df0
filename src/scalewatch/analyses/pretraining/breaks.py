r"""Break detection and top-of-range residuals: does the law bend at scale?

Break test
----------
Fit the law (by default Chinchilla's) to the runs, then ask whether the
excess :math:`e_i = \log L_i - \log \hat L_i` turns up or down beyond some
value :math:`\tau` of :math:`t = \log(\text{by})` (by default log compute). The
alternative with breaks at :math:`\tau_1 < \dots < \tau_k` (k = 1 or 2) is

.. math:: \log L_i = \log L(x_i; \theta) + \sum_{j} c_j\, (t_i - \tau_j)_+ + \varepsilon_i,

a broken power law in the by-variable on top of the law: beyond
:math:`\tau_j` the loss falls :math:`c_j` slower per e-fold of compute than
the law says (:math:`c_j > 0`: bending up, towards a wall). Around the fitted
law the model is linear in :math:`(\delta\theta, c)`: the residual is
regressed on the law's Jacobian :math:`G = \partial \log L / \partial \theta`
and the hinge columns. For each candidate break the F statistic of the hinge
terms is formed (by Frisch-Waugh, from the hinge columns projected off G); the
test statistic is the supremum over a grid of break points trimmed 15% from
either end (Andrews 1993). The break point is not identified under the null
(Davies 1987), so the p-value comes from a wild bootstrap (Rademacher signs on
the null residuals, re-projected; Hansen 1996), which also respects
heteroscedastic and heavy-tailed scatter. With ``max_breaks=2`` the one- and
two-break statistics are both computed and the smaller p-value is Bonferroni
doubled.

Robust null
-----------
Real runs never fit the law exactly, and a misfit in another direction (here
the law's shape in tokens per parameter, which drifts with compute across an
isoFLOP design) is enough to make the i.i.d. test reject with no change along
compute at all. The *robust* test therefore also runs under a flexible null:
the law plus a polynomial of degree ``shape_degree`` (default 4) in
standardised :math:`\log(D/N)`, and no change along ``by``. The law's Jacobian
and the polynomial are projected out together, the statistic is the same
sup-F of the hinge terms, and its null distribution comes from a wild
*cluster* bootstrap from that fitted flexible null: one Rademacher sign per
group of runs (model size by default; Cameron, Gelbach & Miller 2008), which
keeps both the smooth misfit and the errors that runs of one size share.
Both p-values are reported (``p_value``: i.i.d.; ``p_robust``); a break is
*detected* only under the robust null. Its false-alarm rate under the i.i.d.
null and under a null with Chinchilla's own (nonparametric) misfit shape, and
its detection rates, are measured on 400 datasets each by
:func:`~scalewatch.analyses.pretraining.simulate_break_rates`
(``benchmarks/validate_break_test.py``).

A significant statistic alone only says the residuals have a kink somewhere
in the sample. A break must also *predict*: the law plus the break terms,
estimated on the runs at or below a cut-off (break point searched inside that
range), must beat the law alone on the runs above it, cutting the held-out
RMS excess by at least ``margin``. A break is *detected* when the robust test
is significant and the broken law wins out of sample (``iid_detected``: the
same with the i.i.d. test). The
false-alarm and detection rates of this rule are measured by
:func:`calibrate_break_test` on synthetic runs with and without a planted
break.

The break location's interval is a percentile interval of the argmax over
wild-bootstrap draws from the one-break model (the change-point estimator
is not asymptotically normal, so it is a descriptive interval).

Top-of-range residuals
----------------------
:func:`top_residuals` takes the k runs with the largest ``by`` and asks whether
their mean excess over the law fitted to all runs is larger than that of k
runs picked at random (a permutation test, one-sided: the wall direction),
with a bootstrap interval for the mean excess.

References
----------
Davies (1987), Biometrika 74(1), 33-43. Andrews (1993), Econometrica 61(4),
821-856. Hansen (1996), Econometrica 64(2), 413-430. Muggeo (2003), Stat.
Med. 22(19), 3055-3071 (segmented regression). Cameron, Gelbach & Miller
(2008), Rev. Econ. Stat. 90(3), 414-427 (wild cluster bootstrap). Caballero et al. (2022),
arXiv:2210.14891 (broken neural scaling laws). Wu (1986), Ann. Statist.
14(4) and Liu (1988) (wild bootstrap).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining.break_result import BreakTestResult
from scalewatch.analyses.pretraining.candidates import LawSpec, _design, resolve_laws
from scalewatch.analyses.pretraining.data import frontier, runs_table
from scalewatch.analyses.pretraining.intervals import run_groups, shape_basis
from scalewatch.fitting import FitResult, quiet_fit
from scalewatch.laws import Law

__all__ = ["break_test"]


_LN10 = math.log(10.0)


def _log_jacobian(law: Law, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """d log L / d theta (n, p), log-scale parameters differentiated in their log (better conditioned)."""
    with np.errstate(all="ignore"):
        pred = law.predict(X, theta)
        J = law.jacobian(X, theta) / pred[:, None]
    scale = np.array([t if p.scale == "log" else 1.0 for p, t in zip(law.parameters, theta)])
    J = J * scale[None, :]
    return np.where(np.isfinite(J), J, 0.0)


def _basis(G: np.ndarray) -> np.ndarray:
    """Orthonormal basis (n, k) of the column space of G, numerically rank-revealing."""
    if G.size == 0:
        return np.zeros((G.shape[0], 0))
    U, s, _ = np.linalg.svd(G, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return np.zeros((G.shape[0], 0))
    k = int(np.sum(s > s[0] * 1e-10 * max(G.shape)))
    return U[:, :k]


def _project_off(Q: np.ndarray, A: np.ndarray) -> np.ndarray:
    """A minus its projection on the columns of Q."""
    return A - Q @ (Q.T @ A)


def _grid(t: np.ndarray, trim: float, n_grid: int) -> np.ndarray:
    """Candidate break points: values of t between the trim and 1 - trim quantiles (by count of runs)."""
    ts = np.sort(t)
    n = ts.size
    lo_i, hi_i = int(math.floor(trim * n)), int(math.ceil((1 - trim) * n)) - 1
    inner = np.unique(ts[lo_i : max(hi_i, lo_i) + 1])
    if inner.size <= n_grid:
        return inner
    pick = np.unique(np.round(np.linspace(0, inner.size - 1, n_grid)).astype(int))
    return inner[pick]


def _hinges(t: np.ndarray, taus: np.ndarray) -> np.ndarray:
    return np.maximum(t[:, None] - taus[None, :], 0.0)  # (n, J)


def _pairs(t: np.ndarray, taus: np.ndarray, trim: float) -> np.ndarray:
    """Index pairs (j, l), j < l, with at least a trim share of the runs between the two breaks."""
    n = t.size
    counts = np.array([(t <= tau).sum() for tau in taus])
    j, l = np.triu_indices(taus.size, k=1)
    keep = (counts[l] - counts[j]) >= max(2, int(math.ceil(trim * n)))
    return np.column_stack([j[keep], l[keep]])


@dataclass(frozen=True)
class _Stats:
    sup1: np.ndarray  # (B,)
    arg1: np.ndarray  # (B,)
    coef1: np.ndarray  # (B,) hinge coefficient at the argmax
    sup2: np.ndarray  # (B,) (nan without pairs)
    arg2: np.ndarray  # (B,) pair index


def _sup_f(E: np.ndarray, Ht: np.ndarray, pairs: np.ndarray, dof0: int) -> _Stats:
    """sup-F statistics of one and two hinges for every column of E (n, B) (residuals already off G)."""
    ssr0 = np.einsum("nb,nb->b", E, E)
    gram = Ht.T @ Ht  # (J, J)
    nrm2 = np.diag(gram).copy()
    Z = Ht.T @ E  # (J, B)
    with np.errstate(all="ignore"):
        red1 = Z * Z / nrm2[:, None]
        F1 = red1 / np.maximum(ssr0 - red1, 1e-300) * (dof0 - 1)
    F1 = np.where(np.isfinite(F1), F1, -np.inf)
    arg1 = F1.argmax(axis=0)
    cols = np.arange(E.shape[1])
    sup1 = F1[arg1, cols]
    coef1 = Z[arg1, cols] / nrm2[arg1]
    if pairs.size:
        j, l = pairs[:, 0], pairs[:, 1]
        s11, s22 = nrm2[j], nrm2[l]
        s12 = gram[j, l]
        det = s11 * s22 - s12 * s12
        zj, zl = Z[j], Z[l]
        with np.errstate(all="ignore"):
            red2 = (s22[:, None] * zj * zj - 2 * s12[:, None] * zj * zl + s11[:, None] * zl * zl) / det[:, None]
            F2 = red2 / 2.0 / np.maximum(ssr0 - red2, 1e-300) * (dof0 - 2)
        F2 = np.where(np.isfinite(F2) & (det[:, None] > 1e-12 * s11[:, None] * s22[:, None]), F2, -np.inf)
        arg2 = F2.argmax(axis=0)
        sup2 = F2[arg2, cols]
    else:
        sup2 = np.full(E.shape[1], np.nan)
        arg2 = np.zeros(E.shape[1], dtype=int)
    return _Stats(sup1, arg1, coef1, sup2, arg2)


def _hinge_shift(G_tr, t_tr, e_tr, G_te, t_te, taus_sel: np.ndarray) -> np.ndarray:
    """Change of the held-out log prediction when hinges at ``taus_sel`` are added to the law.

    Least squares of the training excess on [G, hinges] minus least squares on
    G alone (Frisch-Waugh): only what the hinges add, none of the shift that
    an unpenalised refit of the law's own parameters would make.
    """
    H_tr = _hinges(t_tr, taus_sel)
    H_te = _hinges(t_te, taus_sel)
    beta = np.linalg.lstsq(G_tr, H_tr, rcond=None)[0] if G_tr.shape[1] else np.zeros((0, H_tr.shape[1]))
    Ht_tr = H_tr - G_tr @ beta
    Ht_te = H_te - G_te @ beta
    c = np.linalg.lstsq(Ht_tr, e_tr, rcond=None)[0]
    return Ht_te @ c


def _seed_repr(seed: Any) -> int | None:
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None


def _check_level(func: str, arg: str, value: Any) -> float:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and 0 < value < 1):
        raise ValueError(f"{func}({arg}={value!r}); use a probability between 0 and 1, e.g. 0.05.")
    return float(value)


def _single_law(law: Any, by: str, what: str) -> LawSpec:
    specs = resolve_laws(law, by, what=what)
    if len(specs) != 1:
        raise ValueError(f"{what}(law=...) takes one law; got {len(specs)}.")
    return specs[0]


def _scoped(df: pd.DataFrame, spec: LawSpec, by: str, scope: str | None) -> tuple[pd.DataFrame, str]:
    scope = scope or spec.scope
    if scope not in ("runs", "frontier"):
        raise ValueError(f"scope={scope!r}; use 'runs' (all runs) or 'frontier' (lower envelope of loss against {by!r}).")
    if scope == "frontier":
        return frontier(df, by).reset_index(drop=True), scope
    return df.sort_values(by, kind="stable").reset_index(drop=True), scope


@dataclass(frozen=True, eq=False)
class _Geometry:
    """The break test's regression: law residuals and candidate hinges, both projected off the law's Jacobian."""

    e0: np.ndarray  # (n,) log residuals of the law, projected
    Q: np.ndarray  # (n, k) orthonormal basis of the law's log-Jacobian
    taus: np.ndarray  # (J,) usable candidate breaks (log by)
    H: np.ndarray  # (n, J) projected hinge columns
    nrm: np.ndarray  # (J,) squared norms of H's columns
    dof0: int  # residual degrees of freedom of the law


def _check_break_args(out_of_sample: Any, max_breaks: Any, margin: Any, trim: Any, holdout: Any, n_boot: Any) -> None:
    """The options of :func:`break_test`, each checked with a message that says what is allowed."""
    if out_of_sample not in ("always", "if_significant"):
        raise ValueError(f"break_test(out_of_sample={out_of_sample!r}); use 'always' or 'if_significant'.")
    if max_breaks not in (1, 2) or isinstance(max_breaks, bool):
        raise ValueError(f"break_test(max_breaks={max_breaks!r}); use 1 or 2.")
    if not (isinstance(margin, (int, float)) and 0 <= margin < 1):
        raise ValueError(f"break_test(margin={margin!r}); use a relative improvement in [0, 1), e.g. 0.05.")
    if not (isinstance(trim, (int, float)) and 0 < trim < 0.5):
        raise ValueError(f"break_test(trim={trim!r}); use a share in (0, 0.5), e.g. 0.15.")
    if not (isinstance(holdout, (int, float)) and 0 < holdout < 1):
        raise ValueError(f"break_test(holdout={holdout!r}); use a share in (0, 1), e.g. 0.25.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 19:
        raise ValueError(f"break_test(n_boot={n_boot!r}); use an integer >= 19 (499 or more for a p-value to report).")


def _break_data(data: Any, law: Any, by: str, scope: Any) -> tuple[pd.DataFrame, LawSpec, str, np.ndarray, np.ndarray]:
    """The runs in scope, the law, and log(by) and the loss of each run."""
    what = "break_test"
    df = runs_table(data, what=f"{what}(data=...)")
    if by not in df.columns:
        raise ValueError(f"break_test(by={by!r}): no such column; columns: {list(df.columns)}.")
    spec = _single_law(law, by, what)
    df, scope = _scoped(df, spec, by, scope)
    t = np.log(pd.to_numeric(df[by], errors="coerce").to_numpy(float))
    if not np.all(np.isfinite(t)):
        raise ValueError(f"break_test(by={by!r}) needs positive finite values in every run.")
    y = df["loss"].to_numpy(float)
    n, p = len(df), spec.law.n_params
    if n < max(p + 6, 12):
        raise ValueError(
            f"break_test(data=...) has {n} runs ({scope}); {spec.label} has {p} parameters, and a break test needs at "
            f"least {max(p + 6, 12)} runs (parameters, break terms and runs beyond each trimmed end)."
        )
    return df, spec, scope, t, y


def _geometry(spec: LawSpec, res: FitResult, df: pd.DataFrame, y: np.ndarray, t: np.ndarray, trim: float, n_grid: int, by: str) -> _Geometry:
    """Residuals of the fitted law and the usable hinge columns, projected off the law's Jacobian."""
    n = len(df)
    X = _design(res, df)
    with np.errstate(all="ignore"):
        e = np.log(y) - np.log(spec.law.predict(X, res.theta))
    G = _log_jacobian(spec.law, X, res.theta)
    Q = _basis(G)
    k = Q.shape[1]
    e0 = _project_off(Q, e[:, None])[:, 0]
    taus = _grid(t, trim, n_grid)
    H = _project_off(Q, _hinges(t, taus))
    raw = np.einsum("nj,nj->j", _hinges(t, taus), _hinges(t, taus))
    usable = np.einsum("nj,nj->j", H, H) > 1e-10 * np.maximum(raw, 1e-300)
    taus, H = taus[usable], H[:, usable]
    nrm = np.einsum("nj,nj->j", H, H)
    if taus.size < 2:
        raise ValueError(
            f"break_test(data=...): the runs span too little of {by} (or the law absorbs every break shape); "
            f"{taus.size} usable candidate break(s)."
        )
    return _Geometry(e0=e0, Q=Q, taus=taus, H=H, nrm=nrm, dof0=n - k)


#: most entries of a block of bootstrap residuals (runs x draws): 32 MB of float64
_WILD_BLOCK = 2**22


def _concat_stats(parts: Sequence[_Stats]) -> _Stats:
    if len(parts) == 1:
        return parts[0]
    return _Stats(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("sup1", "arg1", "coef1", "sup2", "arg2")))


def _wild_draws(e0: np.ndarray, Q: np.ndarray, H: np.ndarray, pairs: np.ndarray, dof0: int, fitted: np.ndarray | None,
                groups: np.ndarray, n_boot: int, rng: np.random.Generator) -> tuple[_Stats, _Stats]:
    """Wild-bootstrap sup-F statistics under the null and, from the same signs, under the one-break model.

    One Rademacher sign per group and draw (per run when every run is its own
    group). Draws are made a block at a time, so the (n, draws) residuals hold at
    most ``_WILD_BLOCK`` entries: one block (the signs of one (G, n_boot) array)
    up to ~8,000 runs at 499 draws, and bounded memory for a million runs.
    """
    n = e0.size
    step = max(1, _WILD_BLOCK // max(n, 1))
    null_parts, alt_parts = [], []
    none = np.zeros((0, 2), dtype=int)
    for c in range(0, n_boot, step):
        signs = _group_signs(groups, min(step, n_boot - c), rng)  # (n, b)
        null_parts.append(_sup_f(_project_off(Q, e0[:, None] * signs), H, pairs, dof0))
        if fitted is not None:
            alt_parts.append(_sup_f(fitted[:, None] + _project_off(Q, (e0 - fitted)[:, None] * signs), H, none, dof0))
        del signs
    return _concat_stats(null_parts), (_concat_stats(alt_parts) if alt_parts else None)


def _pvalues(obs: _Stats, boot: _Stats, pairs: np.ndarray, max_breaks: int) -> dict[str, Any]:
    """Wild-bootstrap p-values of the observed sup-F statistics (one and two breaks, Bonferroni)."""
    B = boot.sup1.size
    p1 = float((1 + np.sum(boot.sup1 >= obs.sup1[0])) / (B + 1))
    if max_breaks == 2 and pairs.size:
        p2 = float((1 + np.sum(boot.sup2 >= obs.sup2[0])) / (B + 1))
        p_value = min(1.0, 2.0 * min(p1, p2))
        n_breaks = 2 if p2 < p1 else 1
    else:
        p2, p_value, n_breaks = math.nan, p1, 1
    return {"obs": obs, "p1": p1, "p2": p2, "p_value": p_value, "n_breaks": n_breaks}


def _group_signs(groups: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Rademacher signs (n, B), one per group and draw (the wild cluster bootstrap; per run when every run is its own group)."""
    G = int(groups.max()) + 1
    return rng.choice(np.array([-1.0, 1.0]), size=(G, n_boot))[groups]


def _wild_bootstrap_test(g: _Geometry, t: np.ndarray, trim: float, max_breaks: int, n_boot: int, ci: float, rng: np.random.Generator) -> dict[str, Any]:
    """sup-F statistics with wild-bootstrap p-values (one and two breaks), the break's location and slope with intervals."""
    e0, Q, taus, H, nrm, dof0 = g.e0, g.Q, g.taus, g.H, g.nrm, g.dof0
    n = e0.size
    pairs = _pairs(t, taus, trim) if max_breaks == 2 else np.zeros((0, 2), dtype=int)
    obs = _sup_f(e0[:, None], H, pairs, dof0)
    j1 = int(obs.arg1[0])
    c1 = float(obs.coef1[0])
    # location and slope interval: wild bootstrap from the one-break model, same signs as the null's
    fitted = H[:, j1] * c1
    boot, alt = _wild_draws(e0, Q, H, pairs, dof0, fitted, np.arange(n), n_boot, rng)
    w = _pvalues(obs, boot, pairs, max_breaks)
    p1, p2, p_value, n_breaks = w["p1"], w["p2"], w["p_value"], w["n_breaks"]
    a = 1 - ci
    loc = np.quantile(taus[alt.arg1], [a / 2, 1 - a / 2])
    slope = np.quantile(alt.coef1, [a / 2, 1 - a / 2]) * 100 * _LN10
    if n_breaks == 2:
        jj, ll = pairs[int(obs.arg2[0])]
        break_taus = (taus[jj], taus[ll])
    else:
        break_taus = (taus[j1],)
    red = (e0 @ H) ** 2 / nrm
    profile = pd.DataFrame({"break_at": np.exp(taus), "F": red / np.maximum(e0 @ e0 - red, 1e-300) * (dof0 - 1)})

    return {"obs": obs, "pairs": pairs, "p1": p1, "p2": p2, "p_value": p_value, "n_breaks": n_breaks, "c1": c1,
            "loc": loc, "slope": slope, "break_taus": break_taus, "profile": profile}


def _robust_test(
    spec: LawSpec, res: FitResult, df: pd.DataFrame, y: np.ndarray, t: np.ndarray, trim: float, n_grid: int, max_breaks: int,
    n_boot: int, shape_degree: int, group: Any, rng: np.random.Generator, ci: float = 0.95,
) -> dict[str, Any]:
    """The break test under the flexible null: the law plus a polynomial in log(D/N), wild cluster bootstrap by group.

    The law's log-Jacobian G and the shape columns P are projected out together
    (Frisch-Waugh): the statistic is the sup-F of the hinges *beyond* what the
    law and a smooth term in tokens per parameter explain. The null residuals
    are those of that flexible fit; their signs are flipped per group (one
    Rademacher sign for all runs of a model size), which keeps both the
    shape term and the errors runs of one size share.
    """
    n = len(df)
    X = _design(res, df)
    with np.errstate(all="ignore"):
        e = np.log(y) - np.log(spec.law.predict(X, res.theta))
    G = _log_jacobian(spec.law, X, res.theta)
    has_shape = shape_degree >= 0 and {"params", "tokens"} <= set(df.columns)
    P = shape_basis(df, shape_degree) if has_shape else np.ones((n, 1))
    Q = _basis(np.column_stack([G, P]))
    e0 = _project_off(Q, e[:, None])[:, 0]
    taus = _grid(t, trim, n_grid)
    raw_h = _hinges(t, taus)
    H = _project_off(Q, raw_h)
    usable = np.einsum("nj,nj->j", H, H) > 1e-10 * np.maximum(np.einsum("nj,nj->j", raw_h, raw_h), 1e-300)
    taus, H = taus[usable], H[:, usable]
    if taus.size < 2:
        return {"available": False, "reason": "the law plus the shape term absorbs every break shape"}
    groups = run_groups(df, group) if (group is None or not isinstance(group, str) or group == "none" or group in df.columns) else np.arange(n)
    pairs = _pairs(t, taus, trim) if max_breaks == 2 else np.zeros((0, 2), dtype=int)
    dof0 = n - Q.shape[1]
    obs = _sup_f(e0[:, None], H, pairs, dof0)
    # the one-break slope beyond what the shape term explains, with a wild cluster bootstrap interval
    j1, c1 = int(obs.arg1[0]), float(obs.coef1[0])
    fitted = H[:, j1] * c1
    boot, alt = _wild_draws(e0, Q, H, pairs, dof0, fitted, groups, n_boot, rng)
    w = _pvalues(obs, boot, pairs, max_breaks)
    a = 1 - ci
    slope_iv = np.quantile(alt.coef1, [a / 2, 1 - a / 2]) * 100 * _LN10
    # the shape term itself: the part of the law's residual explained by P (after G), in percent
    Qg = _basis(G)
    Pg = _project_off(Qg, P)
    eg = _project_off(Qg, e[:, None])[:, 0]
    coef = np.linalg.lstsq(Pg, eg, rcond=None)[0]  # the shape coefficients of the joint fit e ~ G b + P c (Frisch-Waugh)
    shape_fit = Pg @ coef  # the part of the smooth term the law's parameters cannot absorb: its SD is the misfit
    # for the figure: the law's residuals against log D/N and their least-squares polynomial in log D/N (a function of
    # D/N alone, so one curve; the joint split P c + G b is not drawn, as the law's terms and P are nearly collinear)
    z = np.log(df["tokens"].to_numpy(float) / df["params"].to_numpy(float)) if has_shape else np.full(n, np.nan)
    smooth = P @ np.linalg.lstsq(P, e, rcond=None)[0]
    curve = pd.DataFrame({"tokens_per_param": np.exp(z), "residual_pct": 100 * e, "shape_pct": 100 * smooth}).sort_values("tokens_per_param")
    return {
        **w, "available": True, "has_shape": has_shape, "n_groups": int(groups.max()) + 1,
        "break_at": float(np.exp(taus[j1])), "slope": c1 * 100 * _LN10, "slope_interval": (float(slope_iv[0]), float(slope_iv[1])),
        "misfit_sd_pct": float(100 * np.std(shape_fit)), "curve": curve.reset_index(drop=True),
    }


def break_test(
    data: Any,
    law: Any = "chinchilla",
    *,
    by: str = "compute",
    scope: str | None = None,
    max_breaks: int = 2,
    level: float = 0.05,
    margin: float = 0.05,
    cutoff: float | None = None,
    holdout: float = 0.25,
    trim: float = 0.15,
    n_grid: int = 25,
    n_boot: int = 499,
    ci: float = 0.95,
    loss: str = "huber",
    starts: Any = None,
    fit_result: FitResult | None = None,
    cutoff_fit: FitResult | None = None,
    out_of_sample: str = "always",
    shape_degree: int = 4,
    group: Any = "params",
    seed: int | np.random.Generator | None = 0,
) -> BreakTestResult:
    r"""Test for a break in the scaling of loss against ``by`` beyond what the law describes.

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping
        Runs with ``loss`` and the law's inputs.
    law : str or Law, default "chinchilla"
        The single (unbroken) law: a name of :data:`~scalewatch.analyses.pretraining.LAW_NAMES`
        or a Law. One-input laws are fitted to the frontier unless ``scope="runs"``.
    by : str, default "compute"
        The variable whose logarithm is the break axis.
    scope : {"runs", "frontier"}, optional
        Runs the test uses; default: all runs for laws of N and D, the
        frontier for one-input laws.
    max_breaks : {1, 2}, default 2
        Largest number of breaks in the alternative.
    level : float, default 0.05
        Significance level of the combined test.
    margin : float, default 0.05
        Relative cut of the held-out RMS excess the broken law must achieve.
    cutoff : float, optional
        Cut-off in ``by`` of the out-of-sample check; default: the value that
        holds out the top ``holdout`` share of the runs.
    holdout : float, default 0.25
        Share of runs held out when ``cutoff`` is None.
    trim : float, default 0.15
        Share of runs kept beyond each candidate break (and between two breaks).
    n_grid : int, default 25
        Candidate break points (at most).
    n_boot : int, default 499
        Wild-bootstrap draws (p-values and the location interval).
    ci : float, default 0.95
        Level of the location and slope intervals.
    loss : str, default "huber"
        Loss of the law's fit.
    starts : optional
        Passed to :func:`scalewatch.fit` (e.g. known parameters in a simulation).
    fit_result : FitResult, optional
        A fit of ``law`` to exactly these runs, to reuse.
    cutoff_fit : FitResult, optional
        A fit of ``law`` to the runs at or below ``cutoff``, to reuse in the
        held-out check (e.g. a backtest's).
    out_of_sample : {"always", "if_significant"}, default "always"
        Run the held-out check always, or only when ``p_value < level`` or
        ``p_robust < level`` (it cannot change the decision otherwise; the
        calibration uses this).
    shape_degree : int, default 4
        Degree of the polynomial in standardised log(D/N) that the robust
        null adds to the law (-1: none, only a level term). Ignored without
        ``params`` and ``tokens`` columns (one-input laws).
    group : {"params", "compute", "none"}, column or array, default "params"
        Runs that share errors (:func:`~scalewatch.analyses.pretraining.run_groups`):
        the robust null flips residual signs per group.
    seed : int, Generator or None, default 0
        Seed of the wild bootstrap.

    Returns
    -------
    BreakTestResult

    Raises
    ------
    ValueError
        Too few runs (the law's parameters + 3 beyond the trimmed ends), bad
        ``level``/``margin``/``trim``/``max_breaks``, unknown law or column.
    """
    _check_break_args(out_of_sample, max_breaks, margin, trim, holdout, n_boot)
    level = _check_level("break_test", "level", level)
    ci = _check_level("break_test", "ci", ci)
    df, spec, scope, t, y = _break_data(data, law, by, scope)
    n = len(df)
    rng = np.random.default_rng(seed)
    notes: list[str] = []
    kw: dict[str, Any] = {"loss": loss, "raise_on_failure": True, "seed": rng}
    if starts is not None:
        kw["starts"] = starts
    res = fit_result if fit_result is not None else quiet_fit(spec.law, df, notes, y=y, **kw)
    if res.n_obs != n:
        raise ValueError(f"break_test(fit_result=...) was fitted to {res.n_obs} runs, not the {n} runs of this test.")
    g = _geometry(spec, res, df, y, t, trim, n_grid, by)
    w = _wild_bootstrap_test(g, t, trim, max_breaks, n_boot, ci, rng)
    obs, pairs, p1, p2, p_value, n_breaks = w["obs"], w["pairs"], w["p1"], w["p2"], w["p_value"], w["n_breaks"]
    c1, loc, slope, break_taus, profile = w["c1"], w["loc"], w["slope"], w["break_taus"], w["profile"]
    rob = _robust_test(spec, res, df, y, t, trim, n_grid, max_breaks, n_boot, int(shape_degree), group, rng, ci)
    if not rob["available"]:
        notes.append(f"robust null: {rob['reason']}; its p-value is 1")
    p_rob = float(rob["p_value"]) if rob["available"] else 1.0

    if out_of_sample == "always" or p_value < level or p_rob < level:
        oos = _out_of_sample(df, spec, by, t, y, n_breaks, cutoff, holdout, trim, n_grid, loss, starts, rng, notes, margin, cutoff_fit, int(shape_degree))
    else:
        oos = {"evaluable": False, "wins": False, "reason": "skipped: the test is not significant"}
    wins = bool(oos.get("evaluable", False) and oos.get("wins", False))
    # the robust rule's held-out check compares law + shape + hinge with law + shape (law-only check without a shape term)
    wins_rob = bool(oos.get("robust_wins", False)) if oos.get("robust_evaluable") else wins
    iid_detected = bool(p_value < level and wins)
    robust_detected = bool(p_rob < level and wins_rob)
    if rob["available"] and not rob["has_shape"]:
        notes.append("robust null without a shape term (no params/tokens columns): the law plus a level term, signs flipped per group")
    return BreakTestResult(
        law=spec.label,
        by=by,
        scope=scope,
        n_runs=n,
        stat1=float(obs.sup1[0]),
        p1=p1,
        stat2=float(obs.sup2[0]) if max_breaks == 2 and pairs.size else math.nan,
        p2=p2,
        p_value=float(p_value),
        n_breaks=n_breaks,
        break_at=tuple(float(np.exp(b)) for b in break_taus),
        break_interval=(float(np.exp(loc[0])), float(np.exp(loc[1]))),
        slope_change=float(c1 * 100 * _LN10),
        slope_interval=(float(slope[0]), float(slope[1])),
        oos=oos,
        detected=robust_detected,
        level=level,
        margin=float(margin),
        n_boot=int(n_boot),
        ci=ci,
        trim=float(trim),
        seed=_seed_repr(seed),
        loss=str(loss),
        profile=profile,
        notes=tuple(dict.fromkeys(notes)),
        fit=res,
        iid_detected=iid_detected,
        robust_detected=robust_detected,
        p_robust=p_rob,
        p1_robust=float(rob.get("p1", math.nan)),
        p2_robust=float(rob.get("p2", math.nan)),
        stat1_robust=float(rob["obs"].sup1[0]) if rob["available"] else math.nan,
        shape_degree=int(shape_degree) if rob.get("has_shape") else -1,
        n_groups=int(rob.get("n_groups", 0)),
        misfit_sd_pct=float(rob.get("misfit_sd_pct", math.nan)),
        shape_curve=rob.get("curve", pd.DataFrame()),
        break_at_robust=float(rob.get("break_at", math.nan)),
        slope_change_robust=float(rob.get("slope", math.nan)),
        slope_interval_robust=tuple(rob.get("slope_interval", (math.nan, math.nan))),
    )


def _out_of_sample(df, spec, by, t, y, n_breaks, cutoff, holdout, trim, n_grid, loss, starts, rng, notes, margin, cutoff_fit=None, shape_degree=-1) -> dict[str, Any]:
    byv = df[by].to_numpy(float)
    if cutoff is None:
        cutoff = float(np.quantile(byv, 1 - holdout, method="lower"))
    train = byv <= cutoff * (1 + 1e-12)
    n_tr, n_te = int(train.sum()), int((~train).sum())
    base = {"cutoff": float(cutoff), "n_train": n_tr, "n_test": n_te}
    p = spec.law.n_params
    if n_te < 3 or n_tr < max(p + 6, 12):
        return {**base, "evaluable": False, "wins": False, "reason": f"{n_tr} runs at or below the cut-off and {n_te} above"}
    tr = df[train]
    kw: dict[str, Any] = {"loss": loss, "raise_on_failure": False, "seed": rng}
    if starts is not None:
        kw["starts"] = starts
    fit_notes: list[str] = []
    if cutoff_fit is not None:
        if cutoff_fit.n_obs != n_tr:
            raise ValueError(f"break_test(cutoff_fit=...) was fitted to {cutoff_fit.n_obs} runs, not the {n_tr} at or below the cut-off.")
        res = cutoff_fit
    else:
        res = quiet_fit(spec.law, tr, fit_notes, y=y[train], **kw)
    notes.extend(f"out-of-sample fit ({by} <= {cutoff:.3g}): {m}" for m in fit_notes)
    X_tr, X_te = _design(res, tr), _design(res, df[~train])
    with np.errstate(all="ignore"):
        e_tr = np.log(y[train]) - np.log(spec.law.predict(X_tr, res.theta))
        e_te = np.log(y[~train]) - np.log(spec.law.predict(X_te, res.theta))
    G_tr = _log_jacobian(spec.law, X_tr, res.theta)
    G_te = _log_jacobian(spec.law, X_te, res.theta)
    Q = _basis(G_tr)
    t_tr, t_te = t[train], t[~train]
    taus = _grid(t_tr, trim, n_grid)
    H = _project_off(Q, _hinges(t_tr, taus))
    raw = np.einsum("nj,nj->j", _hinges(t_tr, taus), _hinges(t_tr, taus))
    usable = np.einsum("nj,nj->j", H, H) > 1e-10 * np.maximum(raw, 1e-300)
    taus, H = taus[usable], H[:, usable]
    if taus.size < 2 or not np.all(np.isfinite(e_te)):
        return {**base, "evaluable": False, "wins": False, "reason": "no usable break point inside the training range"}
    e0 = _project_off(Q, e_tr[:, None])[:, 0]
    pairs = _pairs(t_tr, taus, trim) if n_breaks == 2 else np.zeros((0, 2), dtype=int)
    st = _sup_f(e0[:, None], H, pairs, len(t_tr) - Q.shape[1])
    if n_breaks == 2 and pairs.size:
        sel = taus[pairs[int(st.arg2[0])]]
    else:
        sel = taus[[int(st.arg1[0])]]
    shift = _hinge_shift(G_tr, t_tr, e_tr, G_te, t_te, sel)
    rmse_law = float(100 * np.sqrt(np.mean(e_te**2)))
    rmse_broken = float(100 * np.sqrt(np.mean((e_te - shift) ** 2)))
    out = {
        **base,
        "evaluable": True,
        "rmse_law_pct": rmse_law,
        "rmse_broken_pct": rmse_broken,
        "bias_law_pct": float(100 * np.mean(e_te)),
        "break_at_train": [float(np.exp(s)) for s in sel],
        "wins": bool(rmse_broken <= (1 - margin) * rmse_law),
    }
    if shape_degree >= 0 and {"params", "tokens"} <= set(df.columns):
        out.update(_robust_out_of_sample(df, train, G_tr, G_te, t_tr, t_te, e_tr, e_te, trim, n_grid, shape_degree, margin))
    return out


def _robust_out_of_sample(df, train, G_tr, G_te, t_tr, t_te, e_tr, e_te, trim, n_grid, shape_degree, margin) -> dict[str, Any]:
    """The held-out check of the robust rule: law + shape term + hinge against law + shape term, both estimated below the cut-off.

    The shape polynomial is standardised on the training runs and held
    constant beyond their range of log(D/N) (a quartic extrapolated would
    swamp both models' predictions), the same for both models.
    """
    z = np.log(df["tokens"].to_numpy(float) / df["params"].to_numpy(float))
    z = np.clip(z, z[train].min(), z[train].max())  # held-out runs beyond the training range: the shape term held at its edge
    zc, zs = float(np.mean(z[train])), float(np.std(z[train])) or 1.0
    u = (z - zc) / zs
    P = np.column_stack([u**k for k in range(int(shape_degree) + 1)])
    A_tr, A_te = np.column_stack([G_tr, P[train]]), np.column_stack([G_te, P[~train]])
    Q = _basis(A_tr)
    taus = _grid(t_tr, trim, n_grid)
    raw = _hinges(t_tr, taus)
    H = _project_off(Q, raw)
    ok = np.einsum("nj,nj->j", H, H) > 1e-10 * np.maximum(np.einsum("nj,nj->j", raw, raw), 1e-300)
    if ok.sum() < 1:
        return {"robust_evaluable": False, "robust_wins": False}
    taus, H = taus[ok], H[:, ok]
    r0 = _project_off(Q, e_tr[:, None])[:, 0]
    j = int(np.argmax((H.T @ r0) ** 2 / np.einsum("nj,nj->j", H, H)))
    base_shift = A_te @ np.linalg.lstsq(A_tr, e_tr, rcond=None)[0]
    B_tr = np.column_stack([A_tr, _hinges(t_tr, taus[[j]])])
    B_te = np.column_stack([A_te, _hinges(t_te, taus[[j]])])
    brk_shift = B_te @ np.linalg.lstsq(B_tr, e_tr, rcond=None)[0]
    rm_base = float(100 * np.sqrt(np.mean((e_te - base_shift) ** 2)))
    rm_brk = float(100 * np.sqrt(np.mean((e_te - brk_shift) ** 2)))
    return {
        "robust_evaluable": True,
        "rmse_shape_pct": rm_base,
        "rmse_shape_broken_pct": rm_brk,
        "break_at_train_robust": float(np.exp(taus[j])),
        "robust_wins": bool(rm_brk <= (1 - margin) * rm_base),
    }
