r"""The train/test exchange rate: how much test-time sampling replaces a factor of training compute.

For a family of models of different sizes evaluated with repeated sampling,
each model :math:`i` (training compute :math:`C_i`) needs :math:`k^*_i(c^*)`
samples per problem to reach a target coverage :math:`c^*`. Along that
iso-coverage contour (Jones 2021 draws the same contours for train- and
test-time compute in Hex),

.. math:: \log_{10} k^*_i = \text{const} - \varepsilon_s \log_{10} C_i,

so 10x more training compute replaces :math:`10^{\varepsilon_s}` x samples.
Each sample costs :math:`2 N_i T` FLOP (forward pass, 2 FLOP per parameter and
token, Kaplan et al. 2020 sec. 2.1; T tokens per sample), so in test-time FLOP

.. math:: \log_{10}(2 N_i T k^*_i) = \text{const} - \varepsilon_f \log_{10} C_i,

and 10x training compute replaces :math:`10^{\varepsilon_f}` x test-time
compute. With training tokens fixed across the family (Pythia: 300B each),
:math:`C \propto N` and :math:`\varepsilon_f = \varepsilon_s - 1`:
:math:`\varepsilon_f > 0` means the bigger model is cheaper per solved problem
*even at inference*; :math:`\varepsilon_f < 0` means sampling a smaller model
more is the cheaper way to the same coverage once training is paid. T drops
out of both slopes (it is the same for every model) but not out of the costs.

:math:`k^*_i` comes from each model's fitted coverage law (Brown et al.'s
:math:`c = \exp(-a k^{-b})`, :math:`k^* = (a / -\ln c^*)^{1/b}`). The slope
uses only models whose :math:`k^*` lies inside the sampled range (an
interpolation) unless told otherwise. Intervals resample *problems*, the same
draw for every model (all models answered the same problems), so that the
models' shared difficulty moves together.

References
----------
Jones (2021), "Scaling Scaling Laws with Board Games", arXiv:2104.03113: in
Hex, "for each additional 10x of train-time compute, about 15x of
test-time compute can be eliminated".
Brown et al. (2024), arXiv:2407.21787; Kaplan et al. (2020), arXiv:2001.08361.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.analyses.testtime._common import (
    _CITE_BROWN,
    _CITE_EFRON,
    _CITE_JONES,
    _CITE_KAPLAN,
    _CITE_PYTHIA,
    DATASET,
    KEY_EXCHANGE,
    model_label,
)
from scalewatch.analyses.testtime.coverage import _usable
from scalewatch.analyses.testtime.laws import _line, _loglog
from scalewatch.analyses.testtime.passk import (
    DEFAULT_KS,
    _check_ci,
    _check_resamples,
    _ints,
    pass_at_k_matrix,
    per_problem_counts,
)
from scalewatch.findings import Decision, Finding, Number, Result, analysis
from scalewatch.findings.rules import decision_text, rule
from scalewatch.plots import curve, figure, points, sequential_colors

__all__ = [
    "JONES_2021_HEX",
    "FORWARD_FLOP_PER_PARAM_TOKEN",
    "TRAIN_FLOP_PER_PARAM_TOKEN",
    "ExchangeRate",
    "exchange_rate",
    "exchange_decision",
    "exchange_verdict",
    "exchange_finding",
    "exchange_analysis",
]


#: test-time compute eliminated per 10x train-time compute in Hex (Jones 2021, train-test trade-off)
JONES_2021_HEX = 15.0


#: forward-pass FLOP per parameter per token (Kaplan et al. 2020, sec. 2.1)
FORWARD_FLOP_PER_PARAM_TOKEN = 2.0


#: training FLOP per parameter per token, C = 6 N D (Kaplan et al. 2020; Hoffmann et al. 2022)
TRAIN_FLOP_PER_PARAM_TOKEN = 6.0


@dataclass(frozen=True)
class ExchangeRate(Result):
    """Iso-coverage contours of a model family and the train/test exchange rate at each target.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per (target, model): ``target, model, params, train_flop,
        k_star, k_low, k_high, test_flop, test_low, test_high, interpolated,
        used`` (``test_flop`` per problem = 2 N T k*).
    slopes : pandas.DataFrame
        One row per target: ``target, n_models, eps_samples`` (and ``_low``,
        ``_high``), ``eps_flop`` (and intervals), ``samples_per_10x``
        (= 10^eps_samples, with interval), ``flop_per_10x`` (= 10^eps_flop).
    tokens_per_sample : float
    ci : float
    n_resamples, n_failed : int
    seed : int or None
    notes : tuple of str
    models : tuple of str
        Model order of ``k_draws``' columns.
    k_draws : mapping of float -> numpy.ndarray
        Per target, k* of every model in every successful resample, shape
        (R, models): the joint draws, for costs built on these contours.
    """

    points: Any = field(repr=False)
    slopes: Any = field(repr=False)
    tokens_per_sample: float
    ci: float
    n_resamples: int
    n_failed: int
    seed: Any = None
    notes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    k_draws: Mapping[float, np.ndarray] = field(default_factory=dict, repr=False)

    def at(self, target: float) -> dict[str, Any]:
        """The slope row of one target as a dict."""
        rows = self.slopes[np.isclose(self.slopes["target"], target)]
        if rows.empty:
            raise KeyError(f"no target {target!r}; targets: {self.slopes['target'].tolist()}")
        return rows.iloc[0].to_dict()

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.findings import json_safe

        return json_safe({
            "tokens_per_sample": self.tokens_per_sample, "ci": self.ci, "n_resamples": self.n_resamples,
            "n_failed": self.n_failed, "seed": self.seed, "notes": list(self.notes),
            "law": "c = exp(-a k^-b) per model (Brown et al. 2024); k* = (a / -ln c*)^(1/b)",
            "points": self.points.to_dict(orient="records"), "slopes": self.slopes.to_dict(orient="records"),
        })

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        lines = [
            f"[[Exchange rate]] {self.points['model'].nunique()} models, {len(self.slopes)} target coverage(s)",
            f"    per sample  2 N T FLOP, T = {self.tokens_per_sample:g} tokens",
            f"    interval    {pct} percentile, {self.n_resamples - self.n_failed}/{self.n_resamples} paired problem resamples",
        ]
        for _, s in self.slopes.iterrows():
            lines.append(
                f"[[coverage {s['target']:g}]] {int(s['n_models'])} models: 10x training compute replaces "
                f"{s['samples_per_10x']:.3g}x samples [{s['samples_per_10x_low']:.3g}, {s['samples_per_10x_high']:.3g}] = "
                f"{s['flop_per_10x']:.3g}x test-time FLOP [{s['flop_per_10x_low']:.3g}, {s['flop_per_10x_high']:.3g}]"
            )
            pts = self.points[np.isclose(self.points["target"], s["target"])]
            for _, p in pts.iterrows():
                flag = "" if p["interpolated"] else "  (extrapolated)"
                lines.append(f"    {p['model']:<28} k* = {p['k_star']:10.4g} [{p['k_low']:.3g}, {p['k_high']:.3g}]{flag}")
        lines.extend(f"    note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        parts = ", ".join(f"c*={r.target:g}: {r.samples_per_10x:.3g}x samples per 10x" for r in self.slopes.itertuples())
        return f"ExchangeRate({parts})"


def _model_table(models: Any, func: str) -> Any:
    import pandas as pd

    t = models if hasattr(models, "columns") else pd.DataFrame(models)
    name = next((c for c in ("model", "run_id", "model_id") if c in t.columns), None)
    if name is None:
        raise ValueError(f"{func}(models=...) needs a 'model' column naming each model as in the per-problem table; columns: {list(t.columns)}.")
    out = pd.DataFrame({"model": t[name].astype(str).to_numpy()})
    if "params" not in t.columns:
        raise ValueError(f"{func}(models=...) needs 'params' (parameters N) per model; columns: {list(t.columns)}.")
    out["params"] = t["params"].to_numpy(dtype=np.float64)
    if "train_flop" in t.columns:
        out["train_flop"] = t["train_flop"].to_numpy(dtype=np.float64)
    elif "tokens" in t.columns:
        out["train_flop"] = TRAIN_FLOP_PER_PARAM_TOKEN * out["params"] * t["tokens"].to_numpy(dtype=np.float64)
    else:
        raise ValueError(f"{func}(models=...) needs 'tokens' (training tokens D, for C = 6ND) or 'train_flop'; columns: {list(t.columns)}.")
    if not np.all(np.isfinite(out[["params", "train_flop"]].to_numpy()) & (out[["params", "train_flop"]].to_numpy() > 0)):
        raise ValueError(f"{func}(models=...): params and training compute must be positive numbers for every model.")
    return out


def exchange_rate(
    data: Any,
    models: Any,
    *,
    targets: Sequence[float] = (0.25, 0.5, 0.75),
    tokens_per_sample: float = 256.0,
    ks: Sequence[int] | None = None,
    columns: Mapping[str, str] | None = None,
    interpolate_only: bool = True,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
) -> ExchangeRate:
    r"""Samples and test-time FLOP that 10x training compute replaces at equal coverage.

    Parameters
    ----------
    data : DataFrame
        Per-problem counts of every model on the *same* problems: ``model``,
        ``problem``, ``n``, ``c`` (llmonkeys names work too).
    models : DataFrame
        Per model: ``model`` (as in ``data``), ``params`` (N) and ``tokens``
        (training tokens D; C = 6ND) or ``train_flop``.
    targets : sequence of float, default (0.25, 0.5, 0.75)
        Target coverages c*.
    tokens_per_sample : float, default 256
        Tokens generated per sample (for test-time FLOP = 2 N T k*); an
        assumption: the slopes do not depend on it, the FLOP do.
    ks : sequence of int, optional
        k grid of the coverage curves (default powers of two up to n, and n).
    columns : mapping, optional
        Column names of ``data`` (see :func:`coverage_curves`).
    interpolate_only : bool, default True
        Fit the slope only on models whose k* lies within the sampled k.
    n_resamples : int, default 1000
        Paired problem resamples (the same problems for every model).
    ci : float, default 0.95
    seed : int, Generator or None, default 0

    Returns
    -------
    ExchangeRate

    Raises
    ------
    ValueError
        Models with different problems, fewer than 2 usable models at a
        target, models missing from ``models``.

    References
    ----------
    Jones (2021), arXiv:2104.03113; Brown et al. (2024), arXiv:2407.21787.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> # three models whose coverage is exp(-a k^-0.4) with a halving per 10x of N
    >>> rows, rng = [], np.random.default_rng(0)
    >>> p = rng.beta(0.3, 5.0, size=400)
    >>> for j, N in enumerate([1e8, 1e9, 1e10]):
    ...     rows += [{"model": f"m{j}", "problem": i, "n": 4096, "c": int(rng.binomial(4096, min(1, q * 3 ** j)))} for i, q in enumerate(p)]
    >>> ex = exchange_rate(pd.DataFrame(rows), pd.DataFrame({"model": ["m0", "m1", "m2"], "params": [1e8, 1e9, 1e10], "tokens": 3e11}),
    ...                    targets=[0.5], n_resamples=50)
    >>> bool(ex.at(0.5)["samples_per_10x"] > 1)
    True
    """
    # Long by design: one estimation, checked inputs first, then each step on the previous step's arrays;
    # its parts share most of their local state, so helpers would take a dozen arguments each.
    import pandas as pd

    func = "exchange_rate"
    ci = _check_ci(ci, func)
    n_resamples = _check_resamples(n_resamples, func)
    if not (isinstance(tokens_per_sample, (int, float)) and tokens_per_sample > 0):
        raise ValueError(f"{func}(tokens_per_sample={tokens_per_sample!r}) must be a positive number of tokens, e.g. 256.")
    tg = np.atleast_1d(np.asarray(targets, dtype=np.float64))
    if tg.size == 0 or np.any((tg <= 0) | (tg >= 1)):
        raise ValueError(f"{func}(targets=...) are coverages strictly between 0 and 1; got {list(tg)}.")
    counts = per_problem_counts(data, columns=columns, func=func)
    info = _model_table(models, func).set_index("model")
    names = list(dict.fromkeys(counts["model"]))
    missing = [m for m in names if m not in info.index]
    if missing:
        raise ValueError(f"{func}: models {missing} of the per-problem table are not in models=...; models there: {list(info.index)}.")
    if len(names) < 2:
        raise ValueError(f"{func}: needs at least two models of different size; got {names}.")
    problems = None
    mats = {}
    nmin = int(counts["n"].min())
    if ks is None:
        grid = [2**j for j in range(int(math.log2(nmin)) + 1)]
        kk = np.array(grid + ([nmin] if grid[-1] != nmin else []), dtype=np.int64)
    else:
        kk = _ints(np.atleast_1d(ks), "ks", func)
    for m in names:
        g = counts[counts["model"] == m].sort_values("problem", kind="stable")
        probs = g["problem"].tolist()
        if problems is None:
            problems = probs
        elif probs != problems:
            raise ValueError(f"{func}: model {m!r} answered different problems than {names[0]!r}; the paired resampling needs the same problems for every model.")
        mats[m] = pass_at_k_matrix(g["n"].to_numpy(), g["c"].to_numpy(), kk)
    logk = np.log(kk.astype(np.float64))
    rng = seeds.rng(seed)
    P = len(problems)  # type: ignore[arg-type]
    idx = rng.integers(0, P, size=(n_resamples, P)) if n_resamples else np.empty((0, P), dtype=np.int64)
    notes: list[str] = []
    # per model: Brown law (a, b) for the data and every resample
    est_ab, boot_ab, ok_all = {}, {}, np.ones(n_resamples, dtype=bool)
    for m in names:
        cov = mats[m].mean(axis=0)
        use = _usable(cov)
        if use.sum() < 3:
            raise ValueError(f"{func}: model {m!r} has {int(use.sum())} coverage points strictly between 0 and 1; needs 3.")
        slope, icpt = _line(logk[use], _loglog(cov[use]))
        est_ab[m] = (math.exp(icpt), -slope)
        if n_resamples:
            C = mats[m][:, use][idx].mean(axis=1)
            ok = np.all(_usable(C), axis=1)
            s, i = _line(logk[use], _loglog(np.where(ok[:, None], C, 0.5)))
            boot_ab[m] = (np.exp(i), -s)
            ok_all &= ok
    n_failed = int((~ok_all).sum())
    if n_failed:
        notes.append(f"{n_failed}/{n_resamples} resamples had coverage 0 or 1 at some k for some model and were left out")
    q = ((1 - ci) / 2, (1 + ci) / 2)
    kmax = float(kk.max())
    rows, slope_rows = [], []
    k_draws: dict[float, np.ndarray] = {}
    for c_star in tg:
        L = -math.log(c_star)
        pts = []
        for m in names:
            a, b = est_ab[m]
            k_star = max((a / L) ** (1.0 / b), 1.0)
            N, Ctr = float(info.loc[m, "params"]), float(info.loc[m, "train_flop"])
            flop_per_sample = FORWARD_FLOP_PER_PARAM_TOKEN * N * tokens_per_sample
            if n_resamples:
                ab, bb = boot_ab[m]
                kb = np.maximum((ab[ok_all] / L) ** (1.0 / bb[ok_all]), 1.0)
                klo, khi = (float(v) for v in np.quantile(kb, q))
            else:
                kb, klo, khi = np.empty(0), float("nan"), float("nan")
            pts.append((m, N, Ctr, k_star, klo, khi, flop_per_sample, kb, k_star <= kmax))
        if n_resamples:
            k_draws[float(c_star)] = np.column_stack([p[7] for p in pts])
        used = [p for p in pts if p[8] or not interpolate_only]
        for m, N, Ctr, k_star, klo, khi, fps, _, interp in pts:
            rows.append({
                "target": float(c_star), "model": m, "params": N, "train_flop": Ctr, "k_star": k_star, "k_low": klo, "k_high": khi,
                "test_flop": k_star * fps, "test_low": klo * fps, "test_high": khi * fps, "interpolated": bool(interp),
                "used": any(u[0] == m for u in used),
            })
        row: dict[str, Any] = {"target": float(c_star), "n_models": len(used)}
        if len(used) < 2:
            notes.append(f"coverage {c_star:g}: fewer than 2 models reach it within k <= {int(kmax)}; no slope")
            for key in ("eps_samples", "eps_flop", "samples_per_10x", "flop_per_10x"):
                row[key] = row[key + "_low"] = row[key + "_high"] = float("nan")
            slope_rows.append(row)
            continue
        x = np.log10([u[2] for u in used])
        ys = np.log10([u[3] for u in used])
        yf = np.log10([u[3] * u[6] for u in used])
        es, _ = _line(x, ys)
        ef, _ = _line(x, yf)
        row.update(eps_samples=float(-es), eps_flop=float(-ef))
        if n_resamples:
            Ks = np.log10(np.column_stack([u[7] for u in used]))  # (R_ok, models)
            Kf = Ks + np.log10([u[6] for u in used])[None, :]
            bs, _ = _line(x, Ks)
            bf, _ = _line(x, Kf)
            row["eps_samples_low"], row["eps_samples_high"] = (float(v) for v in np.quantile(-bs, q))
            row["eps_flop_low"], row["eps_flop_high"] = (float(v) for v in np.quantile(-bf, q))
        else:
            row["eps_samples_low"] = row["eps_samples_high"] = row["eps_flop_low"] = row["eps_flop_high"] = float("nan")
        for src, dst in (("eps_samples", "samples_per_10x"), ("eps_flop", "flop_per_10x")):
            for suf in ("", "_low", "_high"):
                row[dst + suf] = 10.0 ** row[src + suf]
        slope_rows.append(row)
    return ExchangeRate(
        points=pd.DataFrame(rows), slopes=pd.DataFrame(slope_rows), tokens_per_sample=float(tokens_per_sample), ci=ci,
        n_resamples=n_resamples, n_failed=n_failed, seed=seeds.seed_label(seed), notes=tuple(notes),
        models=tuple(names), k_draws=k_draws,
    )


def exchange_decision(flop_per_10x: tuple[float, float, float]) -> Decision:
    """The written rule ``test-time.exchange_rate`` on the test-time FLOP that 10x training compute replaces.

    The interval ``(estimate, low, high)`` (a ratio, x) is judged in log10 against break-even (1x) with a margin of
    0.1 (x1.26): wholly below, "test-time cheaper"; wholly above, "pretraining cheaper"; inside, "depends".

    Examples
    --------
    >>> [exchange_decision(r).verdict for r in ((0.5, 0.4, 0.7), (3.0, 1.5, 6.0), (1.1, 0.7, 1.6), (1.0, 0.9, 1.1))]
    ['test-time cheaper', 'pretraining cheaper', 'inconclusive', 'depends']
    """
    _, lo, hi = flop_per_10x
    r = rule("test-time.exchange_rate")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0:
        return r.decide(None, None)
    return r.decide(math.log10(lo), math.log10(hi))


def exchange_verdict(flop_per_10x: tuple[float, float, float]) -> tuple[str, str]:
    """``(verdict, reason)`` of :func:`exchange_decision`.

    Examples
    --------
    >>> exchange_verdict((0.6, 0.45, 0.87))[0], exchange_verdict((3.0, 1.5, 6.0))[0], exchange_verdict((1.1, 0.7, 1.6))[0]
    ('inconclusive', 'pretraining cheaper', 'inconclusive')
    """
    d = exchange_decision(flop_per_10x)
    return d.verdict, d.reason


def exchange_finding(
    per_problem: Any,
    runs: Any,
    *,
    targets: Sequence[float] = (0.25, 0.5, 0.75),
    headline_target: float = 0.5,
    tokens_per_sample: float = 256.0,
    ks: Sequence[int] = DEFAULT_KS,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = DATASET,
    data_citation: str | None = None,
) -> Finding:
    r"""The train/test exchange rate of a model family at equal coverage, as a finding.

    Parameters
    ----------
    per_problem : DataFrame
        Per (model, problem) counts, the same problems for every model.
    runs : DataFrame
        ``run_id``/``model``, ``params`` and ``tokens`` (training tokens) per model.
    targets : sequence of float
        Target coverages.
    headline_target : float, default 0.5
        The target of the verdict and headline number (one of ``targets``).
    tokens_per_sample : float, default 256
        Tokens per sample (assumed; the exchange rates do not depend on it).
    ks, n_resamples, ci, seed, source, data_citation
        As in :func:`coverage_law_finding`.

    Returns
    -------
    Finding
        ``test-time.exchange_rate``.
    """
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    func = "exchange_finding"
    if headline_target not in targets:
        raise ValueError(f"{func}(headline_target={headline_target!r}) must be one of targets={list(targets)}.")
    models = runs.rename(columns={"run_id": "model"}) if "run_id" in runs.columns else runs
    ex = exchange_rate(per_problem, models, targets=targets, tokens_per_sample=tokens_per_sample, ks=ks, n_resamples=n_resamples, ci=ci, seed=seed)
    head = ex.at(headline_target)
    notes = list(ex.notes)
    decision = exchange_decision((head["flop_per_10x"], head["flop_per_10x_low"], head["flop_per_10x_high"]))
    shown, reason = decision.verdict, decision.reason

    numbers = []
    for t in targets:
        s = ex.at(t)
        if not math.isfinite(s["samples_per_10x"]):
            numbers.append(Number(f"samples replaced by 10x training compute (coverage {t:g})", None, unit="x",
                                  note=f"fewer than 2 models reach coverage {t:g} within the sampled k"))
            continue
        numbers.append(Number(
            f"samples replaced by 10x training compute (coverage {t:g})", s["samples_per_10x"], s["samples_per_10x_low"], s["samples_per_10x_high"],
            "x", ci, f"10^eps, eps = -slope of log10 k* on log10 training FLOP over {int(s['n_models'])} models that reach {t:g} within the data",
        ))
        numbers.append(Number(
            f"test-time FLOP replaced by 10x training compute (coverage {t:g})", s["flop_per_10x"], s["flop_per_10x_low"], s["flop_per_10x_high"],
            "x", ci, "the same in FLOP (2 N T per sample): > 1 means the larger model is cheaper per solved problem at inference",
        ))
    numbers.append(Number("Jones (2021), Hex: test-time compute replaced by 10x training", JONES_2021_HEX, unit="x",
                          note="published reference (AlphaZero on Hex, MCTS nodes), not recomputed here; no interval"))

    # -- figure: iso-coverage contours --
    colors = sequential_colors(len(targets))
    traces: list[dict[str, Any]] = []
    pts = ex.points
    for col, t in zip(colors, targets):
        sel = pts[np.isclose(pts["target"], t)]
        lab = f"coverage {t:g}"
        used = sel[sel["used"]]
        if len(used) >= 2:
            x = np.log10(used["train_flop"].to_numpy())
            y = np.log10(used["test_flop"].to_numpy())
            sl, ic = _line(x, y)
            xg = np.linspace(x.min(), x.max(), 20)
            traces.append(curve(10**xg, 10 ** (ic + sl * xg), f"{lab} fit", color=col, group=lab, showlegend=False))
        for interp, sub in ((True, sel[sel["interpolated"]]), (False, sel[~sel["interpolated"]])):
            if sub.empty:
                continue
            tf = sub["test_flop"].to_numpy()
            traces.append(points(
                sub["train_flop"], tf, lab if interp else f"{lab} (extrapolated k*)", color=col, held_out=not interp, group=lab,
                text=[model_label(m) for m in sub["model"]],
                error_y={"type": "data", "symmetric": False, "array": (sub["test_high"].to_numpy() - tf).tolist(),
                         "arrayminus": (tf - sub["test_low"].to_numpy()).tolist(), "thickness": 1},
            ))
    fig = figure(
        "Iso-coverage contours: training against test-time compute", traces,
        x_title="training compute 6ND (FLOP)", y_title=f"test-time compute per problem, 2 N T k* (FLOP, T = {tokens_per_sample:g})",
        height=480,
        caption=("Each point is a Pythia model at the samples k* it needs to reach the target coverage (Brown-law fit, problem-bootstrap "
                 "interval); lines join the models that reach it within the data. A slope of -1 would mean 10x training replaces 10x "
                 "test-time compute; flatter (or rising) contours favour sampling a smaller model more. Open diamonds need k* beyond 10,000 "
                 "(extrapolated) and are left out of the fit."),
    )
    pts_table = pts.assign(model=pts["model"].map(model_label)).drop(columns=["used"]).round(6)
    summary = (
        f"At coverage {headline_target:g} on MATH, 10x more Pythia training compute replaces {ex.at(headline_target)['samples_per_10x']:.1f}x "
        f"[{head['samples_per_10x_low']:.1f}, {head['samples_per_10x_high']:.1f}] samples, i.e. {head['flop_per_10x']:.2f}x test-time FLOP "
        f"(Jones 2021 found ~{JONES_2021_HEX:g}x in Hex): {reason.split('; ')[0]}, so {shown}."
    )
    method = (
        f"For each Pythia model (N total parameters, D = 300B training tokens, training compute 6ND; Kaplan et al. 2020) the samples k* "
        f"needed to reach a target coverage follow from its Brown-law fit: k* = (a / -ln c*)^(1/b). The exchange rate is the least-squares "
        f"slope of log10 k* on log10 training compute across the models whose k* lies within the sampled 10,000 (Jones 2021's iso-"
        f"performance contours): 10x training compute replaces 10^-slope x samples. Test-time compute per problem is 2 N T k* FLOP "
        f"(forward pass, T = {tokens_per_sample:g} tokens per sample, assumed: the data do not record generation lengths; the exchange "
        f"rates do not depend on T).\n\n"
        f"Intervals: {ex.n_resamples} paired resamples of problems, every model's law refitted; {100 * ci:g}% percentile.\n\n"
        f"Verdict at coverage {headline_target:g}: the test-time FLOP replaced by 10x training compute, in log10, against "
        "break-even: below, the smaller model sampled more is cheaper at inference as well as in training; above, a larger model "
        "pays off above some query volume (test-time.cost_to_target finds it). Coverage assumes an oracle verifier (see "
        f"test-time.selection). {decision_text(decision)}"
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_JONES, _CITE_BROWN, _CITE_KAPLAN, _CITE_PYTHIA, _CITE_EFRON)
    return Finding(
        key=KEY_EXCHANGE, question="test-time", title="The train/test exchange rate at equal coverage",
        verdict=shown, summary=summary, numbers=numbers, figures=[fig],
        tables=[("Exchange rate per target coverage", ex.slopes.round(6)), ("Samples needed per model and target", pts_table)],
        method=method, data_sources=(source,), citations=citations, notes=notes,
        headline=f"test-time FLOP replaced by 10x training compute (coverage {headline_target:g})", rule=decision,
    )


@analysis(KEY_EXCHANGE, question="test-time", requires=(DATASET,), title="The train/test exchange rate at equal coverage")
def exchange_analysis(ctx: Any) -> Finding:
    """How much test-time sampling replaces 10x training compute at equal coverage."""
    ds = ctx.dataset(DATASET)
    return exchange_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )
