"""``pretraining.repetition``: repeated data, the data-constrained law against Muennighoff et al.'s runs."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._common import (
    _LOSS_LABEL,
    CITATIONS,
    PUBLISHED_R_D_STAR,
    PUBLISHED_R_N_STAR,
    _errors,
    _number,
    _offset_interval,
    _pvalue_upper,
)
from scalewatch.analyses.pretraining.backtest import BacktestResult, backtest
from scalewatch.analyses.pretraining.data import DATABLATIONS, _dataset, datablations_runs, runs_table
from scalewatch.analyses.pretraining.muennighoff import Muennighoff2023Result, Profile, muennighoff2023, robust_fit
from scalewatch.analyses.pretraining.verdicts import wall_verdict
from scalewatch.findings import Figure, Finding, Number, Result, analysis, finite, records
from scalewatch.findings.rules import Decision, rule
from scalewatch.fitting import quiet_bootstrap
from scalewatch.laws import DataConstrained
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = ["RepetitionResult", "repetition_test", "repetition_analysis"]


@dataclass(frozen=True, eq=False)
class RepetitionResult(Result):
    """Outcome of :func:`repetition_test`. Immutable.

    Attributes
    ----------
    constants : pandas.DataFrame
        ``R_D_star`` and ``R_N_star`` from the fit to all runs and from the
        backtest's fit to the runs of at most ``cutoff`` epochs: estimate,
        bootstrap interval, published value and whether the interval contains it.
    comparison : pandas.DataFrame
        Held-out runs (epochs above the cut-off): per law ``rmse_pct``,
        ``median_abs_pct``, ``bias_pct``, ``coverage``.
    by_epochs : pandas.DataFrame
        Per law and epoch bin: ``n``, ``excess_pct``, ``low``, ``high``.
    top : dict
        The data-constrained law on the most-repeated held-out runs
        (``n``, ``excess_pct``, ``low``, ``high``, ``p``).
    """

    FINDING_KEY = "pretraining.repetition"
    QUESTION = "pretraining"

    cutoff: float
    fit: Any = field(repr=False)
    bootstrap: Any = field(repr=False)
    constants: pd.DataFrame = field(repr=False)
    backtest: BacktestResult = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    by_epochs: pd.DataFrame = field(repr=False)
    top: dict[str, Any] = field(repr=False)
    heldout: dict[str, Any] = field(repr=False)
    top_epochs: float = math.nan
    profiles: Any = field(repr=False, default=None)
    reproduction: Muennighoff2023Result | None = field(repr=False, default=None)
    rms: dict[str, Any] = field(repr=False, default_factory=dict)
    decision: Decision | None = field(repr=False, default=None)
    wall_rule: str = ""
    verdict: str = "inconclusive"
    reason: str = ""
    level: float = 0.05
    n_boot: int = 0
    seed: int | None = 0
    seconds: float = math.nan
    data_note: str = ""
    source: str = ""
    citation: str = ""

    def sentence(self) -> str:
        c = self.constants[self.constants["fit"] == "all runs"].set_index("name")
        rd, rn = c.loc["R_D_star"], c.loc["R_N_star"]
        rep = self.reproduction
        head = (
            f"Muennighoff et al.'s own stage 2 on their {len(rep.runs)} runs gives R_D* = {rep.notebook['R_D_star']:.3g}, "
            f"R_N* = {rep.notebook['R_N_star']:.3g} (published 15.4, 5.3), but R_D* is "
            f"{'identified' if rep.profiles['R_D_star'].identified else 'not identified by these runs'}; "
            if rep is not None else ""
        )
        ident = "identified" if bool(rd.identified) else "not identified by these runs"
        return (
            f"{head}the joint fit to {self.fit.n_obs} runs gives R_D* = {rd.estimate:.3g} ({ident}, profile "
            f"[{rd.profile_low:.3g}, {rd.profile_high:.3g}]) and R_N* = {rn.estimate:.3g}; fitted to runs of at most "
            f"{self.cutoff:g} epochs it predicts the rest with RMS excess {self.rms['rms_pct']:.1f}% "
            f"[{self.rms['low']:.1f}, {self.rms['high']:.1f}]: {self.verdict}."
        )

    def to_dict(self) -> dict[str, Any]:
        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: (finite(v) if isinstance(v, (float, np.floating)) else (bool(v) if isinstance(v, (bool, np.bool_)) else v)) for k, v in r.items()} for r in df.to_dict("records")]

        return {
            "cutoff_epochs": self.cutoff,
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "fit": self.fit.to_dict(),
            "constants": recs(self.constants),
            "comparison": recs(self.comparison),
            "by_epochs": recs(self.by_epochs),
            "top": {k: finite(v) if isinstance(v, float) else v for k, v in self.top.items()},
            "rms": {k: finite(v) if isinstance(v, float) else v for k, v in self.rms.items()},
            "profiles": {k: v.to_dict() for k, v in (self.profiles or {}).items()},
            "reproduction": None if self.reproduction is None else self.reproduction.to_dict(),
            "rule": None if self.decision is None else self.decision.to_dict(),
            "wall_rule": self.wall_rule,
            "heldout": {k: finite(v) if isinstance(v, float) else v for k, v in self.heldout.items()},
            "backtest": self.backtest.to_dict(),
            "level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "seconds": self.seconds,
        }

    def report(self) -> str:
        lines = [f"[[Repetition]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        for r in self.constants.itertuples():
            lines.append(
                f"    {r.name:<9} {r.fit:<26} {r.estimate:<10.4g} [{r.low:.4g}, {r.high:.4g}]  published {r.published:g}  "
                f"{'inside' if r.contains_published else 'outside'}"
            )
        for r in self.comparison.itertuples():
            lines.append(f"    {r.law:<17} RMSE {r.rmse_pct:6.2f}%  median |e| {r.median_abs_pct:5.2f}%  bias {r.bias_pct:+6.2f}%  coverage {r.coverage:.2f}")
        return "\n".join(lines)

    def figures(self) -> list[Figure]:
        """Mean held-out excess against epochs, for Chinchilla's and the data-constrained law."""
        traces = []
        for i, (law, q) in enumerate(self.by_epochs.groupby("law", sort=False)):
            traces.append(points(q["epochs"], q["excess_pct"], str(law), color=PALETTE[i % len(PALETTE)], mode="lines+markers",
                                 error_y={**_errors(q["excess_pct"], q["low"], q["high"]), "color": PALETTE[i % len(PALETTE)]}))
        return [
            figure(
                f"Repeated data: excess over each law fitted to runs of at most {self.cutoff:g} epochs",
                traces,
                x_title="epochs (geometric mean of the bin)",
                y_title="mean excess, % (100 log observed / predicted)",
                y_log=False,
                shapes=[hline(0.0)],
                caption=(
                    "Runs binned by epochs over their unique data. Chinchilla's law counts every repeated token as new, "
                    "the data-constrained law discounts repetitions (R_D*) and excess parameters (R_N*); bars: 95% "
                    "interval of the systematic offset."
                ),
            )
        ]

    def numbers(self) -> list[Number]:
        """The reported numbers, with their intervals where there are any."""
        out = []
        # the judged number first (the finding's headline), then the constants
        out.append(_number(f"held-out RMS excess, data-constrained law (> {self.cutoff:g} epochs), judged", self.rms["rms_pct"],
                           self.rms["low"], self.rms["high"], "%", "bootstrap over held-out runs; rule repetition.heldout_rms"))
        for r in self.constants.itertuples():
            label = {"R_D_star": "R_D*", "R_N_star": "R_N*"}.get(r.name, r.name)
            prof = self.profiles.get(r.name) if (r.fit == "all runs" and self.profiles) else None
            if prof is not None and not prof.identified:
                # not pinned down by the runs: reported as not identified, with no point estimate and no bootstrap range
                out.append(_number(f"{label} ({r.fit}), ours: not identified (profile likelihood)", None,
                                   note=f"{prof.text()}; published {r.published:g}; the optimum ({r.estimate:.4g}) is one point of a flat "
                                   f"profile, and the bootstrap percentile range [{r.low:.3g}, {r.high:.3g}] says the same"))
                continue
            if prof is not None:
                # one interval per constant: the profile-likelihood one where it was computed (the bootstrap range in the note)
                out.append(_number(f"{label} ({r.fit}), ours", r.estimate,
                                   r.profile_low if math.isfinite(r.profile_low) else None,
                                   r.profile_high if math.isfinite(r.profile_high) else None,
                                   note=f"{prof.text()} (profile likelihood); published {r.published:g}; bootstrap percentile range "
                                   f"[{r.low:.3g}, {r.high:.3g}]"))
                continue
            out.append(_number(f"{label} ({r.fit}), ours", r.estimate, r.low, r.high, note=f"published {r.published:g}; bootstrap percentile"))
        rep = self.reproduction
        if rep is not None:
            for key, label in (("R_D_star", "R_D*"), ("R_N_star", "R_N*")):
                out.append(_number(f"{label}, published (Muennighoff et al. 2023; notebook cell 29)", rep.published[key],
                                   note="printed in the notebook's output; the paper rounds it"))
                out.append(_number(f"{label}, ours: the notebook's stage 2 repeated", rep.notebook[key],
                                   note=f"16 starts, float64 L-BFGS-B, {len(rep.runs)} runs, base constants fixed"))
                out.append(_number(f"{label}, ours: stage 2 with a wider search", rep.ours[key], note=rep.profiles[key].text()))
            out.append(_number("stage-2 objective at the published constants (float64)", rep.published["objective_float64"],
                               note=f"the notebook prints {rep.published['objective_float32']:.10g} (float32)"))
            out.append(_number("stage-2 objective at ours (notebook's starts)", rep.notebook["objective"], note="Huber, delta 1e-3, log loss"))
            out.append(_number("stage-2 objective at ours (wider search)", rep.ours["objective"], note="Huber, delta 1e-3, log loss"))
        for r in self.comparison.itertuples():
            out += [
                _number(f"held-out RMS excess, {r.law} (> {self.cutoff:g} epochs, {r.n_test} runs)", r.rmse_pct, unit="%"),
                _number(f"held-out mean excess, {r.law}", r.bias_pct, unit="%"),
                _number(f"held-out median |excess|, {r.law}", r.median_abs_pct, unit="%"),
                _number(f"held-out coverage, {r.law}", r.coverage),
            ]
        t = self.top
        out.append(_number(f"data-constrained law, runs beyond {self.top_epochs:.3g} epochs: mean excess", t["excess_pct"], t["low"], t["high"], "%", f"one-sided p = {t['p']:.3g}"))
        return out

    def method(self) -> str:
        return (
            "The data-constrained law (Muennighoff et al. 2023, eqs. 5-7; U_N as in the authors' code) is fitted to the "
            "runs of the authors' parametric fit with Huber loss (delta 1e-3) on log residuals, starting from the published "
            "constants and a coarse grid, then 256 Sobol starts, then a restart from the lowest point of the profile "
            "likelihood of R_D* and R_N* (the rule of robust_fit: the objective is flat along R_D*, and the first two "
            "searches can stop in that valley); profile-likelihood intervals (likelihood ratio with the Huber objective read "
            "as a Laplace likelihood, chi-square(1) threshold, counting distinct configurations rather than runs because "
            "seeds of one configuration share its deviation from the law) say whether the runs identify each R*; bootstrap percentiles "
            f"({self.bootstrap.n_resamples} resamples, "
            f"{self.bootstrap.n_failed} failed). Repetition backtest: Chinchilla's law and the data-constrained law are fitted "
            f"to runs of at most {self.cutoff:g} epochs and predict the rest; mean excess per epoch bin against its "
            "distribution under each law (bootstrap plus residual draws). "
            + (self.reproduction.stage1_note + " Stage 2 is repeated from the notebook's cell 25 runs and cell 28-29 "
               "objective and starts (see the reproduction table). " if self.reproduction is not None else "")
            + rule("repetition.heldout_rms").text() + " When that rule gives 'holds', each R* must also pass "
            + rule("repetition.constant_identified").text()
            + f" The earlier significance rule (bends/holds) gives: {self.wall_rule}."
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _repetition_finding_parts(self)


def repetition_test(
    data: Any = None,
    *,
    cutoff: float = 4.0,
    n_boot: int | None = None,
    level: float = 0.05,
    fast: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> RepetitionResult:
    """Fit the data-constrained law, compare R_D* and R_N* with the published values, and backtest in epochs.

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping, optional
        Runs with ``params``, ``tokens``, ``unique_tokens`` and ``loss``;
        default (None, or the loaded ``datablations-runs`` dataset) the runs
        of the authors' parametric fit.
    cutoff : float, default 4.0
        Fit the backtest on runs of at most this many epochs (Muennighoff et al.
        find up to about 4 epochs almost as good as fresh data).
    n_boot : int, optional
        Bootstrap resamples; default 50 (20 with ``fast``).
    level : float, default 0.05
        Significance level.
    fast : bool, default False
        Fewer resamples.
    seed : int, Generator or None, default 0
        Seed of everything random.

    Returns
    -------
    RepetitionResult
    """
    # Long by design: one estimation, checked inputs first, then each step on the previous step's arrays;
    # its parts share most of their local state, so helpers would take a dozen arguments each.
    t0 = time.perf_counter()
    source, citation = "your runs", ""
    if data is None or getattr(data, "name", None) == DATABLATIONS:
        ds = _dataset(DATABLATIONS, data)
        df, note = datablations_runs(ds)
        source, citation = DATABLATIONS, ds.citation
    else:
        df, note = runs_table(data, what="repetition_test(data=...)"), ""
        source = str(getattr(data, "name", "") or source)
    for col in ("params", "tokens", "unique_tokens"):
        if col not in df.columns:
            raise ValueError(f"repetition_test(data=...) needs a {col!r} column.")
    rng = np.random.default_rng(seed)
    n_boot = n_boot if n_boot is not None else (20 if fast else 50)
    law = DataConstrained()
    from scalewatch.analyses.pretraining.candidates import _data_constrained_starts

    notes: list[str] = []
    # seeds of one configuration share its deviation from the law: the profiles count configurations, not runs
    n_configs = int(df[["params", "tokens", "unique_tokens"]].drop_duplicates().shape[0])
    res, profiles = robust_fit(law, df, _data_constrained_starts(), n_obs=n_configs, notes=notes, seed=rng)
    reproduction = muennighoff2023() if source == DATABLATIONS else None
    bs = quiet_bootstrap(res, n_boot, rng, n_grid_starts=0)
    bt = backtest(df, ["chinchilla", "data_constrained"], by="epochs", cutoffs=[cutoff], n_boot=n_boot, seed=rng)
    rows = []
    fit_c = bt.fits[("data_constrained", float(cutoff))]
    bs_c = bt.bootstraps[("data_constrained", float(cutoff))]
    for fit_name, fres, fbs, n_runs in (("all runs", res, bs, res.n_obs), (f"runs of at most {cutoff:g} epochs", fit_c, bs_c, fit_c.n_obs)):
        for name, pub in (("R_D_star", PUBLISHED_R_D_STAR), ("R_N_star", PUBLISHED_R_N_STAR)):
            lo, hi = fbs.intervals[name]
            prof: Profile | None = profiles.get(name) if fit_name == "all runs" else None
            rows.append(
                {"name": name, "fit": fit_name, "n_runs": int(n_runs), "estimate": fres.params[name], "low": lo, "high": hi,
                 "published": pub, "contains_published": bool(lo <= pub <= hi),
                 "profile_low": prof.low if prof else math.nan, "profile_high": prof.high if prof else math.nan,
                 "identified": bool(prof.identified) if prof else False}
            )
    constants = pd.DataFrame(rows)
    cmp_rows = []
    for lab in bt.laws:
        p = bt.predictions[(bt.predictions["law"] == lab) & bt.predictions["in_scope"]]
        e = 100 * p["excess"].to_numpy(float)
        cmp_rows.append(
            {
                "law": lab,
                "n_test": int(e.size),
                "rmse_pct": float(np.sqrt(np.mean(e * e))),
                "median_abs_pct": float(np.median(np.abs(e))),
                "bias_pct": float(np.mean(e)),
                "coverage": float(p["covered"].mean()),
            }
        )
    comparison = pd.DataFrame(cmp_rows)
    edges = np.array([cutoff, 8, 16, 32, 64, 128, 256, np.inf])
    edges = edges[edges >= cutoff]
    bins = []
    for lab in bt.laws:
        p = bt.predictions[(bt.predictions["law"] == lab) & bt.predictions["in_scope"]]
        ep = p["epochs"].to_numpy(float)
        for lo_e, hi_e in zip(edges[:-1], edges[1:]):
            m = (ep > lo_e) & (ep <= hi_e)
            if not m.any():
                continue
            obs, draws = bt.null_mean_excess(lab, cutoff, p["run_id"][m].tolist(), seed=rng)
            lo, hi = _offset_interval(obs, draws, bt.ci)
            bins.append({"law": lab, "epochs": float(np.exp(np.mean(np.log(ep[m])))), "epochs_low": float(lo_e), "epochs_high": float(hi_e), "n": int(m.sum()), "excess_pct": obs, "low": lo, "high": hi})
    by_epochs = pd.DataFrame(bins)
    p_dc = bt.predictions[(bt.predictions["law"] == "data_constrained") & bt.predictions["in_scope"]]
    top_ep = float(np.quantile(p_dc["epochs"].to_numpy(float), 0.9))
    top_sel = p_dc["run_id"][p_dc["epochs"].to_numpy(float) >= top_ep].tolist()
    obs, draws = bt.null_mean_excess("data_constrained", cutoff, top_sel, seed=rng)
    lo, hi = _offset_interval(obs, draws, bt.ci)
    top = {"n": len(top_sel), "excess_pct": obs, "low": lo, "high": hi, "p": _pvalue_upper(obs, draws)}
    obs_h, draws_h = bt.null_mean_excess("data_constrained", cutoff, seed=rng)
    lo_h, hi_h = _offset_interval(obs_h, draws_h, bt.ci)
    heldout = {"n": int(len(p_dc)), "excess_pct": obs_h, "low": lo_h, "high": hi_h, "p": _pvalue_upper(obs_h, draws_h)}
    old_verdict, old_reason = wall_verdict(
        n_test=heldout["n"], heldout_excess=obs_h, heldout_p=heldout["p"], top_excess=obs, top_p=top["p"], level=level
    )
    e_dc = 100 * p_dc["excess"].to_numpy(float)
    rms = _rms_interval(e_dc, rng)
    rms_rule = rule("repetition.heldout_rms")
    decision = rms_rule.decide(rms["low"], rms["high"]) if e_dc.size >= 5 else rms_rule.decide(None, None)
    if decision.verdict == "holds":
        for name, pub in (("R_D_star", PUBLISHED_R_D_STAR), ("R_N_star", PUBLISHED_R_N_STAR)):
            prof = profiles[name]
            lo_r = math.log10(prof.low / pub) if math.isfinite(prof.low) and prof.low > 0 else None
            hi_r = math.log10(prof.high / pub) if math.isfinite(prof.high) else None
            d_id = rule("repetition.constant_identified").decide(lo_r, hi_r)
            if not d_id.holds:
                decision = d_id
                break
    verdict, reason = decision.verdict, decision.reason
    return RepetitionResult(
        cutoff=float(cutoff),
        fit=res,
        bootstrap=bs,
        constants=constants,
        backtest=bt,
        comparison=comparison,
        by_epochs=by_epochs,
        top=top,
        heldout=heldout,
        top_epochs=top_ep,
        profiles=profiles,
        reproduction=reproduction,
        rms=rms,
        decision=decision,
        wall_rule=f"{old_verdict} ({old_reason.replace('top runs', f'runs beyond {top_ep:.3g} epochs')})",
        verdict=verdict,
        reason=reason,
        level=level,
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        seconds=time.perf_counter() - t0,
        data_note=note + ("; " + "; ".join(dict.fromkeys(notes)) if notes else ""),
        source=source,
        citation=citation,
    )


def _rms_interval(e: np.ndarray, rng: np.random.Generator, n_resamples: int = 2000, ci: float = 0.95) -> dict[str, Any]:
    """RMS of the held-out excesses (percent) and its percentile-bootstrap interval over the held-out runs."""
    if e.size == 0:
        return {"n": 0, "rms_pct": math.nan, "low": math.nan, "high": math.nan, "n_resamples": 0}
    idx = rng.integers(0, e.size, size=(n_resamples, e.size))
    boot = np.sqrt(np.mean(e[idx] ** 2, axis=1))
    lo, hi = np.quantile(boot, [(1 - ci) / 2, (1 + ci) / 2])
    return {"n": int(e.size), "rms_pct": float(np.sqrt(np.mean(e * e))), "low": float(lo), "high": float(hi), "n_resamples": n_resamples}


def _repetition_finding_parts(result: Any) -> dict[str, Any]:
    rep = result.reproduction
    repro = []
    if rep is not None:
        repro = [("Muennighoff et al.'s stage 2 (base constants fixed): published, repeated, wider search",
                  records(rep.table(), ["source", "R_D_star", "R_N_star", "objective", "objective_printed"],
                          {"objective": "objective (float64)", "objective_printed": "objective printed (float32)"}, digits=10))]
    prof_rows = pd.DataFrame([p.to_dict() | {"fit": "joint fit, all runs"} for p in (result.profiles or {}).values()]
                             + ([p.to_dict() | {"fit": "stage 2 (notebook runs)"} for p in rep.profiles.values()] if rep else []))
    tables = repro + [
        ("Profile likelihood of R_D* and R_N*", records(prof_rows, ["fit", "name", "estimate", "low", "high", "identified", "text"], digits=4)),
        ("Data-constrained constants: this fit and the published ones",
         records(result.constants, ["name", "fit", "n_runs", "estimate", "low", "high", "published", "contains_published"],
                  {"contains_published": "bootstrap interval contains published"}, digits=4)),
        (f"Held-out runs (more than {result.cutoff:g} epochs): Chinchilla against the data-constrained law",
         records(result.comparison, ["law", "n_test", "rmse_pct", "median_abs_pct", "bias_pct", "coverage"],
                  {"rmse_pct": "RMS excess %", "median_abs_pct": "median |excess| %", "bias_pct": "mean excess %"}, digits=4)),
        ("Held-out excess by epochs", records(result.by_epochs, ["law", "epochs_low", "epochs_high", "n", "excess_pct", "low", "high"],
                                               {"excess_pct": "mean excess %", "low": "low %", "high": "high %"}, digits=4)),
    ]
    notes = [n for n in (result.data_note,) if n] + list(result.backtest.notes)
    if result.bootstrap.n_failed:
        notes.append(f"{result.bootstrap.n_failed}/{result.bootstrap.n_resamples} bootstrap resamples of the data-constrained fit failed (excluded)")
    citations = tuple(c for c in (result.citation,) if c) + tuple(CITATIONS[k] for k in ("muennighoff2023", "hoffmann2022", "efron1993"))
    return dict(
        title="Repeated data: the data-constrained law against Muennighoff et al.'s runs",
        tables=tables,
        rule=result.decision,
        data_sources=(result.source,),
        citations=citations,
        loss_label=_LOSS_LABEL,
        notes=notes,
    )


@analysis("pretraining.repetition", question="pretraining", requires=(DATABLATIONS,), title="Repeated data (Muennighoff et al.)")
def repetition_analysis(ctx: Any) -> Finding:
    """Does repetition explain the deviations of multi-epoch runs?"""
    return repetition_test(ctx.dataset(DATABLATIONS), fast=ctx.fast, seed=ctx.seed).to_finding()
