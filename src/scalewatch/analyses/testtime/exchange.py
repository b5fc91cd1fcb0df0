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
from scalewatch.plots import band, curve, figure, hline, points, sequential_colors, vline

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
    "EXCHANGE_TARGETS",
    "ExchangeCurve",
    "exchange_curve",
    "exchange_curve_decision",
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
    flop_draws : mapping of float -> numpy.ndarray
        Per target with a slope, ``eps_flop`` (log10 of the test-time FLOP
        replaced by 10x training compute) in every successful resample, shape
        (R,); the resamples are the same at every target, so the draws of two
        targets pair up (for the curve over targets, :func:`exchange_curve`).
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
    flop_draws: Mapping[float, np.ndarray] = field(default_factory=dict, repr=False)

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
    flop_draws: dict[float, np.ndarray] = {}
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
            flop_draws[float(c_star)] = np.asarray(-bf, dtype=np.float64)
        else:
            row["eps_samples_low"] = row["eps_samples_high"] = row["eps_flop_low"] = row["eps_flop_high"] = float("nan")
        for src, dst in (("eps_samples", "samples_per_10x"), ("eps_flop", "flop_per_10x")):
            for suf in ("", "_low", "_high"):
                row[dst + suf] = 10.0 ** row[src + suf]
        slope_rows.append(row)
    return ExchangeRate(
        points=pd.DataFrame(rows), slopes=pd.DataFrame(slope_rows), tokens_per_sample=float(tokens_per_sample), ci=ci,
        n_resamples=n_resamples, n_failed=n_failed, seed=seeds.seed_label(seed), notes=tuple(notes),
        models=tuple(names), k_draws=k_draws, flop_draws=flop_draws,
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


#: target coverages of the exchange-rate curve: 0.1 to 0.9 in steps of 0.05
EXCHANGE_TARGETS: tuple[float, ...] = tuple(round(0.1 + 0.05 * i, 2) for i in range(17))


@dataclass(frozen=True)
class ExchangeCurve(Result):
    """The train/test exchange rate as a curve over target coverages, and the verdict on the whole curve.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per target: ``target, n_models, supported, flop_per_10x`` (and ``_low``, ``_high``), ``log10_rate``
        (and ``_low``, ``_high``), ``samples_per_10x`` (and interval) and ``pointwise`` (what the rule gives at that
        target alone).
    decision : Decision
        Rule ``test-time.exchange_curve`` on the whole supported curve.
    crossings : tuple of dict
        Where the estimate crosses break-even between two supported targets: ``target`` (linear interpolation of
        log10 rate in the target), ``kind`` ("cross", or "touch" for a crossing up and back within one grid step),
        ``low``, ``high`` (percentiles of the nearest crossing of each resampled curve), ``share_crossing``
        (resamples whose curve crosses anywhere in the supported range), ``between`` (the targets either side).
    cheaper_share : float or None
        Share of supported targets at which the interval lies wholly below break-even minus the margin.
    min_models : int
    ci : float
    """

    table: Any = field(repr=False)
    decision: Decision
    crossings: tuple[Mapping[str, Any], ...] = ()
    cheaper_share: float | None = None
    min_models: int = 3
    ci: float = 0.95

    @property
    def verdict(self) -> str:
        return self.decision.verdict

    @property
    def supported(self) -> tuple[float, ...]:
        """The targets the data support, in order."""
        return tuple(float(t) for t in self.table.loc[self.table["supported"], "target"])

    def to_dict(self) -> dict[str, Any]:
        from scalewatch.findings import json_safe

        return json_safe({"table": self.table.to_dict(orient="records"), "decision": self.decision.to_dict(),
                          "crossings": [dict(c) for c in self.crossings], "cheaper_share": self.cheaper_share,
                          "min_models": self.min_models, "ci": self.ci})

    def report(self) -> str:
        lines = [f"[[Exchange-rate curve]] {len(self.supported)} supported targets (>= {self.min_models} models reach them)"]
        for r in self.table.itertuples():
            if r.supported:
                lines.append(f"    coverage {r.target:<5g} {r.flop_per_10x:8.3g}x [{r.flop_per_10x_low:.3g}, {r.flop_per_10x_high:.3g}]"
                             f"  {int(r.n_models)} models  {r.pointwise}")
        lines += [f"    {'crosses' if c['kind'] == 'cross' else 'touches'} break-even at {c['target']:.3g} [{c['low']:.3g}, {c['high']:.3g}]"
                  f" ({100 * c['share_crossing']:.0f}% of resampled curves cross)" for c in self.crossings]
        lines.append(f"    verdict: {self.verdict} ({self.decision.reason})")
        return "\n".join(lines)


def _crossings(t: np.ndarray, e: np.ndarray) -> list[dict[str, Any]]:
    """Where the piecewise-linear curve e(t) meets 0: ``target``, ``kind`` ("cross" or "touch") and ``between``.

    A crossing up and back (or down and back) within one grid step is one "touch" at the mean of the two.
    """
    step = float(np.min(np.diff(t))) if len(t) > 1 else 0.0
    found: list[dict[str, Any]] = []
    for i in range(len(t)):
        a = e[i]
        kind = "cross"
        if i + 1 < len(t) and a * e[i + 1] < 0:
            c, seg = float(t[i] + (0.0 - a) * (t[i + 1] - t[i]) / (e[i + 1] - a)), (float(t[i]), float(t[i + 1]))
        elif a == 0.0:  # on break-even at a target: a crossing only if the neighbours lie on opposite sides
            c, seg = float(t[i]), (float(t[max(i - 1, 0)]), float(t[min(i + 1, len(t) - 1)]))
            kind = "cross" if 0 < i < len(t) - 1 and e[i - 1] * e[i + 1] < 0 else "touch"
        else:
            continue
        if kind == "cross" and found and found[-1]["kind"] == "cross" and c - found[-1]["target"] <= step + 1e-12:
            prev = found.pop()
            found.append({"target": 0.5 * (prev["target"] + c), "kind": "touch", "between": (prev["between"][0], seg[1])})
        else:
            found.append({"target": c, "kind": kind, "between": seg})
    return found


def exchange_curve_decision(curve: Sequence[tuple[float, float, float, float]]) -> Decision:
    """The written rule ``test-time.exchange_curve`` on ``(target, log10 rate, low, high)`` of every supported target.

    Each target's interval is judged with the rule's margin and gate; the curve is then "test-time cheaper" only if
    every target is, "pretraining cheaper" only if every target is, "depends" if every target is within the margin of
    break-even or if some targets are decisively below and others decisively above, and "inconclusive" otherwise. The
    decision's interval is the envelope of the pointwise intervals.

    Examples
    --------
    >>> below, above = (-0.5, -0.6, -0.3), (0.5, 0.3, 0.6)
    >>> exchange_curve_decision([(0.2, *below), (0.5, *below)]).verdict
    'test-time cheaper'
    >>> exchange_curve_decision([(0.2, *above), (0.5, *below)]).verdict
    'depends'
    >>> exchange_curve_decision([(0.2, -0.2, -0.3, 0.05), (0.5, *below)]).verdict
    'inconclusive'
    """
    r = rule("test-time.exchange_curve")
    pts = [(float(t), float(e), float(lo), float(hi)) for t, e, lo, hi in curve]
    pts = [p for p in pts if math.isfinite(p[2]) and math.isfinite(p[3])]
    if not pts:
        return r.decide(None, None)
    each = [(t, r.decide(lo, hi)) for t, _, lo, hi in pts]
    lo_env, hi_env = min(p[2] for p in pts), max(p[3] for p in pts)
    outcomes = [d.outcome for _, d in each]
    span = f"{len(pts)} targets from {pts[0][0]:g} to {pts[-1][0]:g}"
    below = [t for t, d in each if d.outcome == "favourable"]
    above = [t for t, d in each if d.outcome == "unfavourable"]
    if len(below) == len(pts):
        return Decision(r.favourable_label, "favourable", f"at all {span} the interval lies wholly below 0 +/- 0.1 log10 x", r, lo_env, hi_env)
    if len(above) == len(pts):
        return Decision(r.unfavourable_label, "unfavourable", f"at all {span} the interval lies wholly above 0 +/- 0.1 log10 x", r, lo_env, hi_env)
    if all(o == "inside" for o in outcomes):
        return Decision(r.inside, "inside", f"at all {span} the interval lies inside 0 +/- 0.1 log10 x (break-even)", r, lo_env, hi_env)
    ts, es = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    cross = ", ".join(f"{'crosses' if c['kind'] == 'cross' else 'touches'} break-even at coverage {c['target']:.3g}" for c in _crossings(ts, es))
    where = f"; the estimate {cross}" if cross else ""
    counts = (f"of {span}, {len(below)} lie wholly below the margin (test-time cheaper), {len(above)} wholly above "
              f"(pretraining cheaper) and {len(pts) - len(below) - len(above)} neither")
    if below and above:
        return Decision(r.inside, "straddles", f"{counts}: the cheaper route depends on the target{where}", r, lo_env, hi_env)
    return Decision(r.undecided, "straddles", f"{counts}: the curve does not decide at every target{where}", r, lo_env, hi_env)


def exchange_curve(ex: ExchangeRate, *, min_models: int = 3) -> ExchangeCurve:
    r"""The exchange rate of :func:`exchange_rate` over all its targets, the crossing of break-even and the verdict.

    A target is *supported* when at least ``min_models`` models reach it within the sampled k (their k* is then an
    interpolation) and its interval exists. The verdict is :func:`exchange_curve_decision` on the supported targets.
    A crossing is where the estimated :math:`\log_{10}` rate changes sign between two supported targets (linear in the
    target); its interval takes, in every resample, the crossing of that resample's curve nearest to the estimate's
    (the resamples are the same problems at every target, so each draw is a whole curve), over the resamples that
    cross at all.

    Parameters
    ----------
    ex : ExchangeRate
        From :func:`exchange_rate` on a grid of targets (e.g. :data:`EXCHANGE_TARGETS`) with resamples.
    min_models : int, default 3
        Models that must reach a target for it to count (2 would make the slope a line through two points).

    Returns
    -------
    ExchangeCurve

    Raises
    ------
    ValueError
        ``min_models`` below 2.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rows, rng = [], np.random.default_rng(0)
    >>> p = rng.beta(0.3, 5.0, size=300)
    >>> for j, N in enumerate([1e8, 1e9, 1e10]):
    ...     rows += [{"model": f"m{j}", "problem": i, "n": 4096, "c": int(rng.binomial(4096, min(1, q * 3 ** j)))} for i, q in enumerate(p)]
    >>> ex = exchange_rate(pd.DataFrame(rows), pd.DataFrame({"model": ["m0", "m1", "m2"], "params": [1e8, 1e9, 1e10], "tokens": 3e11}),
    ...                    targets=[0.3, 0.5], n_resamples=50)
    >>> exchange_curve(ex).verdict
    'test-time cheaper'
    """
    import pandas as pd

    if isinstance(min_models, bool) or not isinstance(min_models, (int, np.integer)) or min_models < 2:
        raise ValueError(f"exchange_curve(min_models={min_models!r}) must be an integer >= 2 (a slope needs two models; 3 by default).")
    s = ex.slopes.sort_values("target", kind="stable").reset_index(drop=True)
    ok = (s["n_models"] >= min_models) & np.isfinite(s["eps_flop_low"]) & np.isfinite(s["eps_flop_high"])
    r = rule("test-time.exchange_curve")
    table = pd.DataFrame({
        "target": s["target"], "n_models": s["n_models"].astype(int), "supported": ok.to_numpy(),
        "flop_per_10x": s["flop_per_10x"], "flop_per_10x_low": s["flop_per_10x_low"], "flop_per_10x_high": s["flop_per_10x_high"],
        "log10_rate": s["eps_flop"], "log10_rate_low": s["eps_flop_low"], "log10_rate_high": s["eps_flop_high"],
        "samples_per_10x": s["samples_per_10x"], "samples_per_10x_low": s["samples_per_10x_low"], "samples_per_10x_high": s["samples_per_10x_high"],
    })
    table["pointwise"] = [r.decide(lo, hi).verdict if sup else "not supported"
                          for lo, hi, sup in zip(table["log10_rate_low"], table["log10_rate_high"], table["supported"])]
    sup = table[table["supported"]]
    decision = exchange_curve_decision(list(zip(sup["target"], sup["log10_rate"], sup["log10_rate_low"], sup["log10_rate_high"])))
    ts, es = sup["target"].to_numpy(float), sup["log10_rate"].to_numpy(float)
    crossings: list[dict[str, Any]] = []
    keys = [next((k for k in ex.flop_draws if math.isclose(k, t)), None) for t in ts]
    draws = np.column_stack([ex.flop_draws[k] for k in keys]) if keys and None not in keys else np.empty((0, len(ts)))
    per_draw = [_crossings(ts, d) for d in draws]
    share = float(np.mean([bool(c) for c in per_draw])) if per_draw else float("nan")
    q = ((1 - ex.ci) / 2, (1 + ex.ci) / 2)
    for f in _crossings(ts, es):
        c = f["target"]
        near = np.array([min((x["target"] for x in cs), key=lambda x: abs(x - c)) for cs in per_draw if cs])
        lo, hi = (float(v) for v in np.quantile(near, q)) if near.size else (float("nan"), float("nan"))
        crossings.append({**f, "low": min(lo, c) if near.size else lo, "high": max(hi, c) if near.size else hi, "share_crossing": share})
    cheaper = float((sup["pointwise"] == r.favourable_label).mean()) if len(sup) else None
    return ExchangeCurve(table=table, decision=decision, crossings=tuple(crossings), cheaper_share=cheaper,
                         min_models=int(min_models), ci=ex.ci)


def exchange_finding(
    per_problem: Any,
    runs: Any,
    *,
    targets: Sequence[float] = EXCHANGE_TARGETS,
    contour_targets: Sequence[float] = (0.25, 0.5, 0.75),
    min_models: int = 3,
    tokens_per_sample: float = 256.0,
    ks: Sequence[int] = DEFAULT_KS,
    n_resamples: int = 1000,
    ci: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    source: str = DATASET,
    data_citation: str | None = None,
) -> Finding:
    r"""The train/test exchange rate of a model family as a curve over target coverages, as a finding.

    Parameters
    ----------
    per_problem : DataFrame
        Per (model, problem) counts, the same problems for every model.
    runs : DataFrame
        ``run_id``/``model``, ``params`` and ``tokens`` (training tokens) per model.
    targets : sequence of float, default :data:`EXCHANGE_TARGETS` (0.1 to 0.9 in steps of 0.05)
        Target coverages of the curve.
    contour_targets : sequence of float, default (0.25, 0.5, 0.75)
        Targets drawn as iso-coverage contours (those among ``targets``).
    min_models : int, default 3
        Models that must reach a target within the sampled k for the verdict to use it (:func:`exchange_curve`).
    tokens_per_sample : float, default 256
        Tokens per sample (assumed; the exchange rates do not depend on it).
    ks, n_resamples, ci, seed, source, data_citation
        As in :func:`coverage_law_finding`.

    Returns
    -------
    Finding
        ``test-time.exchange_rate``, decided by rule ``test-time.exchange_curve`` on the whole curve.
    """
    # Long by design: one finding's numbers, figures, tables and text, written in the order the report shows them;
    # split further, one recipe would be scattered over helpers that each serve it once.
    models = runs.rename(columns={"run_id": "model"}) if "run_id" in runs.columns else runs
    ex = exchange_rate(per_problem, models, targets=targets, tokens_per_sample=tokens_per_sample, ks=ks, n_resamples=n_resamples, ci=ci, seed=seed)
    cv = exchange_curve(ex, min_models=min_models)
    decision = cv.decision
    shown = decision.verdict
    notes = list(ex.notes)
    tab = cv.table
    sup = tab[tab["supported"]]
    changes = [f"{a:g} -> {b:g}" for a, b, na, nb in zip(sup["target"], sup["target"].iloc[1:], sup["n_models"], sup["n_models"].iloc[1:]) if na != nb]
    if changes:
        notes.append("the models that reach a target within the sampled k change along the curve (between targets "
                     + ", ".join(changes) + "): the rate can jump there because a model enters or leaves the slope, not only "
                     "because the target moves")

    numbers = []
    n_sup = len(sup)
    cheaper = int((sup["pointwise"] == "test-time cheaper").sum())
    share_name = "share of supported targets at which test-time is cheaper"
    numbers.append(Number(
        share_name, cv.cheaper_share, unit="share",
        note=(f"{cheaper} of {n_sup} targets from {sup['target'].min():g} to {sup['target'].max():g} (>= {min_models} models reach each) "
              "whose interval lies wholly below break-even minus the margin; a count of targets, no interval") if n_sup else
             "no target is reached by enough models",
    ))
    cross_name = "target coverage at which the exchange rate crosses break-even"
    for j, c in enumerate(cv.crossings):
        name = (cross_name if c["kind"] == "cross" else "target coverage at which the exchange-rate estimate touches break-even") + (
            f" ({j + 1})" if j else "")
        if math.isfinite(c["low"]):
            numbers.append(Number(name, c["target"], c["low"], c["high"], "", ci,
                                  f"linear between targets {c['between'][0]:g} and {c['between'][1]:g}; interval: nearest crossing of each "
                                  f"resampled curve, {100 * c['share_crossing']:.0f}% of resamples cross in the supported range"))
        else:
            numbers.append(Number(name, c["target"], unit="", note="no resampled curve crosses; no interval"))
    for r in tab.itertuples():
        t = r.target
        if not r.supported:
            numbers.append(Number(f"test-time FLOP replaced by 10x training compute (coverage {t:g})", None, unit="x",
                                  note=f"{int(r.n_models)} models reach coverage {t:g} within the sampled k; the curve needs {min_models}"))
            continue
        numbers.append(Number(
            f"test-time FLOP replaced by 10x training compute (coverage {t:g})", r.flop_per_10x, r.flop_per_10x_low, r.flop_per_10x_high,
            "x", ci, f"10^eps_flop over {int(r.n_models)} models that reach {t:g} within the data (2 N T FLOP per sample); > 1: the larger "
            f"model is cheaper per solved problem at inference; the rule alone at this target: {r.pointwise}",
        ))
    for t in contour_targets:
        row = tab[np.isclose(tab["target"], t)]
        if row.empty or not bool(row["supported"].iloc[0]):
            continue
        rr = row.iloc[0]
        numbers.append(Number(
            f"samples replaced by 10x training compute (coverage {t:g})", rr["samples_per_10x"], rr["samples_per_10x_low"], rr["samples_per_10x_high"],
            "x", ci, f"10^eps, eps = -slope of log10 k* on log10 training FLOP over {int(rr['n_models'])} models that reach {t:g} within the data",
        ))
    numbers.append(Number("Jones (2021), Hex: test-time compute replaced by 10x training", JONES_2021_HEX, unit="x",
                          note="published reference (AlphaZero on Hex, MCTS nodes), not recomputed here; no interval"))
    decisive_cross = shown == "depends" and decision.outcome == "straddles" and cv.crossings and cv.crossings[0]["kind"] == "cross"
    headline = cross_name if decisive_cross else share_name

    # -- figure 1: the curve over targets --
    r_ = rule("test-time.exchange_curve")
    xs = sup["target"].to_numpy(float)
    traces_c: list[dict[str, Any]] = [
        *band(xs, sup["flop_per_10x_low"], sup["flop_per_10x_high"], f"{100 * ci:g}% interval (paired problem bootstrap)", color="#0072B2"),
        curve(xs, sup["flop_per_10x"], "test-time FLOP replaced by 10x training", color="#0072B2"),
        points(xs, sup["flop_per_10x"], "estimate", color="#0072B2", text=[f"{int(n)} models" for n in sup["n_models"]], showlegend=False),
    ]
    shapes = [hline(1.0, dash="solid"), hline(10**-r_.margin), hline(10**r_.margin)]
    shapes += [vline(c["target"], dash="dot") for c in cv.crossings]
    fig_curve = figure(
        "The exchange rate over target coverage", traces_c,
        x_title="target coverage c*", y_title="test-time FLOP replaced by 10x training compute (x)", x_log=False, height=440, shapes=shapes,
        caption=(f"Each target's slope over the models (>= {min_models}) that reach it within the sampled k, with its paired problem-bootstrap "
                 f"interval. Solid line: break-even (1x); dashed: the rule's margin (x1.26 either side). Below the band: sampling a smaller model "
                 f"more is cheaper at inference too; above: a larger model is. Dotted verticals: where the estimate crosses break-even. "
                 f"Verdict on the whole curve: {shown}."),
    )

    # -- figure 2: iso-coverage contours at a few targets --
    shown_t = [t for t in contour_targets if any(math.isclose(t, u) for u in targets)] or list(targets)[:3]
    colors = sequential_colors(len(shown_t))
    traces: list[dict[str, Any]] = []
    pts = ex.points
    for col, t in zip(colors, shown_t):
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
    pts_table = pts[pts["target"].apply(lambda v: any(math.isclose(v, t) for t in shown_t))]
    pts_table = pts_table.assign(model=pts_table["model"].map(model_label)).drop(columns=["used"]).round(6)
    curve_table = tab.round(6)

    lo_t, hi_t = (f"{sup['target'].min():g}", f"{sup['target'].max():g}") if n_sup else ("-", "-")
    cross_txt = "; ".join(f"{'crosses' if c['kind'] == 'cross' else 'touches'} break-even at coverage {c['target']:.2f}"
                          + (f" [{c['low']:.2f}, {c['high']:.2f}]" if math.isfinite(c["low"]) else "") for c in cv.crossings)
    summary = (
        f"Over target coverages {lo_t} to {hi_t} on MATH, a Pythia model with 10x the training compute needs more test-time FLOP per "
        f"problem than the smaller one sampled more (interval wholly below break-even) at {cheaper} of {n_sup} targets"
        + (f"; the estimate {cross_txt}" if cross_txt else "")
        + f" (Jones 2021: ~{JONES_2021_HEX:g}x in Hex); over the whole curve: {shown}."
    )
    if len(summary) > 400:
        summary = (f"Over target coverages {lo_t} to {hi_t} on MATH, sampling a smaller Pythia model more is cheaper in test-time FLOP than "
                   f"a model with 10x the training compute at {cheaper} of {n_sup} targets; over the whole curve: {shown}.")
    method = (
        f"For each Pythia model (N total parameters, D = 300B training tokens, training compute 6ND; Kaplan et al. 2020) the samples k* "
        f"needed to reach a target coverage follow from its Brown-law fit: k* = (a / -ln c*)^(1/b). The exchange rate at a target is the "
        f"least-squares slope of log10 k* on log10 training compute across the models whose k* lies within the sampled 10,000 (Jones 2021's "
        f"iso-performance contours): 10x training compute replaces 10^-slope x samples. Test-time compute per problem is 2 N T k* FLOP "
        f"(forward pass, T = {tokens_per_sample:g} tokens per sample, assumed: the data do not record generation lengths; the exchange "
        f"rates do not depend on T).\n\n"
        f"The curve: the same computation at every target coverage from {min(targets):g} to {max(targets):g} in steps of 0.05; a target "
        f"counts when at least {min_models} models reach it within the sampled k (here {lo_t} to {hi_t}). Intervals: {ex.n_resamples} paired "
        f"resamples of problems (the same resample at every target, so each draw is a whole curve), every model's law refitted; "
        f"{100 * ci:g}% percentile. A crossing of break-even is interpolated linearly in the target; its interval is the nearest crossing "
        f"of each resampled curve.\n\n"
        "Verdict on the whole curve, not at one chosen target (the answer at 0.25 and at 0.75 differs): below break-even, the smaller "
        "model sampled more is cheaper at inference as well as in training; above, a larger model pays off above some query volume "
        "(test-time.cost_to_target finds it). Coverage assumes an oracle verifier (see test-time.selection). "
        f"{decision_text(decision)}"
    )
    citations = (*((data_citation,) if data_citation else ()), _CITE_JONES, _CITE_BROWN, _CITE_KAPLAN, _CITE_PYTHIA, _CITE_EFRON)
    return Finding(
        key=KEY_EXCHANGE, question="test-time", title="The train/test exchange rate at equal coverage",
        verdict=shown, summary=summary, numbers=numbers, figures=[fig_curve, fig],
        tables=[("Exchange rate over target coverage (the curve)", curve_table), ("Samples needed per model and target", pts_table)],
        method=method, data_sources=(source,), citations=citations, notes=notes,
        headline=headline, rule=decision,
    )


@analysis(KEY_EXCHANGE, question="test-time", requires=(DATASET,), title="The train/test exchange rate at equal coverage")
def exchange_analysis(ctx: Any) -> Finding:
    """How much test-time sampling replaces 10x training compute at equal coverage."""
    ds = ctx.dataset(DATASET)
    return exchange_finding(
        ds.tables["per_problem"], ds.runs.runs, n_resamples=ctx.pick(1000, 200), seed=ctx.seed, source=ds.name, data_citation=ds.citation
    )
