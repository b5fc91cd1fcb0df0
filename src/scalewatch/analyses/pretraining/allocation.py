"""``pretraining.allocation``: compute-optimal allocation, and why Kaplan's and Chinchilla's disagree."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.pretraining._common import (
    _LOSS_LABEL,
    CHINCHILLA_A,
    CHINCHILLA_N_BOOT,
    CITATIONS,
    KAPLAN_A,
    PORIAN_KAPLAN_A,
    _errors,
    _number,
    chinchilla_bootstrap,
)
from scalewatch.analyses.pretraining.data import (
    CHINCHILLA,
    DATABLATIONS,
    GADRE,
    PORIAN,
    PORIAN_STEPS,
    _dataset,
    chinchilla_runs,
    datablations_runs,
    gadre_runs,
    porian_runs,
)
from scalewatch.findings import Figure, Finding, Number, Result, analysis, finite, records
from scalewatch.findings.rules import Decision, rule
from scalewatch.fitting import quiet_bootstrap, quiet_fit
from scalewatch.laws import Chinchilla
from scalewatch.plots import PALETTE, figure, hline, points

__all__ = [
    "AllocationResult",
    "allocation_test",
    "CHINCHILLA_BUDGETS",
    "HOFFMANN_PUBLISHED_A",
    "approach2_reproduction",
    "allocation_analysis",
]


#: Hoffmann et al. (2022), Figure 3 (left): the nine isoFLOP budgets
CHINCHILLA_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)

#: published: Hoffmann et al. (2022), Table 2: the exponent a of N_opt ~ C^a from Approaches 1, 2 and 3
HOFFMANN_PUBLISHED_A: Mapping[str, float] = MappingProxyType({"approach 1": 0.50, "approach 2": 0.49, "approach 3": 0.46})


def approach2_reproduction(
    runs: pd.DataFrame,
    law_params: Mapping[str, float],
    *,
    tolerances: tuple[float, ...] = (0.08, 0.12, 0.3),
    n_boot: int = 200,
    seed: int | np.random.Generator | None = 0,
    default: Any = None,
    default_tolerance: float = 0.12,
) -> pd.DataFrame:
    r"""Hoffmann et al.'s Approach 2 on the extracted Chinchilla runs, one procedural choice at a time.

    The runs' FLOP were read off a figure, so they scatter around the nine
    nominal budgets (up to a few tenths of a decade). Each variant assigns a
    run to the nearest nominal budget within ``tolerance`` decades, then fits
    a parabola in :math:`\log N` per budget:

    * ``window=5``: our default (5 sizes around the minimum);
    * ``all points``: the paper's procedure (one parabola through each
      isoFLOP profile, Hoffmann et al. 2022, sec. 3.2 and Figure 3);
    * ``all points, moved to the budget``: as the paper, after moving each
      run's loss from its own compute to its budget at fixed N with the
      fitted law, :math:`L' = L + B\,(D_{nom}^{-eta} - D^{-eta})`,
      :math:`D_{nom} = C_{nom} / (6N)` (a run with 30% more compute than its
      budget sits lower on the profile and pulls the vertex toward its size).

    Parameters
    ----------
    runs : DataFrame
        ``params``, ``tokens``, ``compute``, ``loss``.
    law_params : mapping
        ``B`` and ``beta`` of a Chinchilla fit to the same runs (for the move).
    tolerances : tuple of float
        Assignment tolerances in decades.
    n_boot : int, default 200
        Resamples (runs within budgets) of each variant.
    seed : int, Generator or None, default 0
    default : IsoflopAllocation, optional
        The report's own Approach-2 fit (window of 5 sizes at ``default_tolerance``): reused for that
        variant, so the report quotes its exponent with one interval.
    default_tolerance : float, default 0.12

    Returns
    -------
    pandas.DataFrame
        ``variant``, ``tolerance_decades``, ``runs_used``, ``budgets_used``,
        ``a``, ``low``, ``high`` (95%), ``contains_published`` (0.49).
    """
    from scalewatch.fitting import isoflop_allocation

    rng = np.random.default_rng(seed)
    nominal = np.array(CHINCHILLA_BUDGETS)
    N, D = runs["params"].to_numpy(float), runs["tokens"].to_numpy(float)
    d = np.log(runs["compute"].to_numpy(float))[:, None] - np.log(nominal)[None, :]
    j = np.abs(d).argmin(axis=1)
    budget = nominal[j]
    moved = runs["loss"].to_numpy(float) + law_params["B"] * ((budget / (6 * N)) ** -law_params["beta"] - D ** -law_params["beta"])
    pub = HOFFMANN_PUBLISHED_A["approach 2"]
    rows = []
    for tol in tolerances:
        near = np.abs(d[np.arange(len(runs)), j]) <= tol * math.log(10)
        for variant, window, loss in (("window of 5 sizes (our default)", 5, None), ("all points (the paper's procedure)", None, None),
                                      ("all points, runs moved to their budget", None, moved)):
            sub = runs[near].assign(budget=budget[near])
            if loss is not None:
                sub = sub.assign(loss=loss[near])
            try:
                if default is not None and window == 5 and loss is None and math.isclose(tol, default_tolerance):
                    al = default
                else:
                    al = isoflop_allocation(sub, columns={"compute": "budget"}, window=window, bootstrap=n_boot, seed=rng)
            except ValueError as err:
                rows.append({"variant": variant, "tolerance_decades": tol, "runs_used": int(near.sum()), "budgets_used": 0,
                             "a": math.nan, "low": math.nan, "high": math.nan, "contains_published": False, "note": str(err)})
                continue
            lo, hi = al.intervals["a"]
            rows.append({"variant": variant, "tolerance_decades": tol, "runs_used": int(near.sum()), "budgets_used": int(al.points["used"].sum()),
                         "a": al.a, "low": lo, "high": hi, "contains_published": bool(lo <= pub <= hi), "note": ""})
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class AllocationResult(Result):
    """Outcome of :func:`allocation_test`. Immutable.

    Attributes
    ----------
    estimates : pandas.DataFrame
        One row per dataset and method: ``a`` (N_opt ~ C^a) with ``low`` and
        ``high``, ``tokens_per_param`` at ``reference_compute`` with interval
        (Approach 3 only), ``n_runs``, ``method``.
    porian : pandas.DataFrame
        Porian et al.'s configurations: ``config_id``, ``step`` (the Figure 1
        sequence, or empty), ``a``, ``low``, ``high``, ``budgets_used``.
    """

    FINDING_KEY = "pretraining.allocation"
    QUESTION = "pretraining"

    estimates: pd.DataFrame = field(repr=False)
    porian: pd.DataFrame = field(repr=False)
    reference_compute: float = 1e23
    approach2: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    verdict: str = "inconclusive"
    reason: str = ""
    decision: Decision | None = field(default=None, repr=False)
    n_boot: int = 0
    seed: int | None = 0
    seconds: float = math.nan
    notes: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()

    def sentence(self) -> str:
        e = self.estimates.set_index("estimate")
        ch = e.loc["chinchilla-hoffmann2022 (approach 3)"]
        steps = self.porian[self.porian["step"] != ""].reset_index(drop=True)
        first, last = steps.iloc[0], steps.iloc[-1]
        return (
            f"Chinchilla's runs give N_opt ~ C^{ch.a:.2f} [{ch.low:.2f}, {ch.high:.2f}] and {ch.tokens_per_param:.0f} "
            f"[{ch.tpp_low:.0f}, {ch.tpp_high:.0f}] tokens per parameter at {self.reference_compute:.0e} FLOP; on Porian et al.'s "
            f"runs the exponent falls from {first.a:.2f} [{first.low:.2f}, {first.high:.2f}] in Kaplan's setting to "
            f"{last.a:.2f} [{last.low:.2f}, {last.high:.2f}] once last-layer FLOPs, warmup, decay and optimizer tuning are "
            f"corrected: {self.verdict}."
        )

    def to_dict(self) -> dict[str, Any]:
        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: (finite(v) if isinstance(v, (float, np.floating)) else (int(v) if isinstance(v, np.integer) else v)) for k, v in r.items()} for r in df.to_dict("records")]

        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "sentence": self.sentence(),
            "reference_compute": self.reference_compute,
            "estimates": recs(self.estimates),
            "porian": recs(self.porian),
            "approach2_reproduction": recs(self.approach2),
            "published_hoffmann2022_table2": dict(HOFFMANN_PUBLISHED_A),
            "n_boot": self.n_boot,
            "seed": self.seed,
            "seconds": self.seconds,
            "notes": list(self.notes),
        }

    def report(self) -> str:
        lines = [f"[[Compute-optimal allocation]] {self.verdict}", f"    {self.sentence()}", f"    rule: {self.reason}"]
        for r in self.estimates.itertuples():
            tpp = "" if not np.isfinite(r.tokens_per_param) else f"  D/N at {self.reference_compute:.0e}: {r.tokens_per_param:.3g} [{r.tpp_low:.3g}, {r.tpp_high:.3g}]"
            lines.append(f"    {r.estimate:<48} a = {r.a:.3f} [{r.low:.3f}, {r.high:.3f}]{tpp}")
        lines.append("[[Porian et al. configurations]]")
        for r in self.porian.itertuples():
            lines.append(f"    {r.config_id:<42} a = {r.a:.3f} [{r.low:.3f}, {r.high:.3f}]  {r.step}")
        return "\n".join(lines)

    def figures(self) -> list[Figure]:
        """Porian et al.'s exponent along their steps, and the exponent per dataset and method."""
        steps = self.porian[self.porian["step"] != ""].reset_index(drop=True)
        est = self.estimates.reset_index(drop=True)
        x_steps = list(range(len(steps)))
        x_est = list(range(len(est)))
        return [
            figure(
                "Porian et al. (2024): the compute-optimal exponent from Kaplan's setting to Chinchilla's",
                [points(x_steps, steps["a"], "a (isoFLOP, approach 2)", color=PALETTE[0], text=steps["step"],
                        error_y={**_errors(steps["a"], steps["low"], steps["high"]), "color": PALETTE[0]})],
                x_title="correction (cumulative)",
                y_title="a in N_opt ~ C^a",
                x_log=False,
                y_log=False,
                shapes=[hline(CHINCHILLA_A), hline(PORIAN_KAPLAN_A, dash="dot")],
                layout={"xaxis": {"title": {"text": "correction (cumulative)"}, "type": "linear", "tickvals": x_steps,
                                  "ticktext": [t.split(":")[0].lstrip("+ ") for t in steps["step"]]}},
                caption=(
                    "RefinedWeb runs of Porian et al., one configuration per step, each adding one correction to the "
                    "previous; bars: 95% bootstrap interval (runs resampled within budgets). Dashed: a = 0.5 (Chinchilla); "
                    "dotted: 0.88 (Porian et al.'s reproduction of Kaplan's setting)."
                ),
            ),
            figure(
                "Compute-optimal exponent per dataset and method",
                [points(x_est, est["a"], "a", color=PALETTE[1], text=est["estimate"],
                        error_y={**_errors(est["a"], est["low"], est["high"]), "color": PALETTE[1]})],
                x_title="estimate",
                y_title="a in N_opt ~ C^a",
                x_log=False,
                y_log=False,
                shapes=[hline(CHINCHILLA_A), hline(KAPLAN_A, dash="dot")],
                layout={"xaxis": {"title": {"text": "estimate"}, "type": "linear", "tickvals": x_est,
                                  "ticktext": [e.replace(" (approach", "<br>(approach") for e in est["estimate"]]}},
                caption="Dashed: a = 0.5 (Hoffmann et al. 2022); dotted: 0.73 (Kaplan et al. 2020). Bars: 95% bootstrap intervals.",
            ),
        ]

    def numbers(self) -> list[Number]:
        """The reported numbers, with their intervals where there are any."""
        out = []
        # ours first: the first number is the finding's headline (the one the rule judges)
        for r in self.estimates.itertuples():
            out.append(_number(f"a (N_opt ~ C^a), {r.estimate}", r.a, r.low, r.high, note="ours; 95% bootstrap percentile"))
            if np.isfinite(r.tokens_per_param):
                out.append(_number(f"tokens per parameter at {self.reference_compute:.0e} FLOP, {r.estimate}", r.tokens_per_param, r.tpp_low, r.tpp_high))
        for approach, a in HOFFMANN_PUBLISHED_A.items():
            out.append(_number(f"a (N_opt ~ C^a), published, Hoffmann et al. 2022 {approach}", a, note="Table 2 of Hoffmann et al. (2022)"))
        for r in self.approach2.itertuples():
            if r.tolerance_decades == 0.12 and np.isfinite(r.a):
                out.append(_number(f"a, chinchilla-hoffmann2022 approach 2, ours: {r.variant}", r.a, r.low, r.high,
                                   note=f"runs within {r.tolerance_decades:g} decades of a budget; published 0.49 "
                                   f"{'inside' if r.contains_published else 'outside'} the interval"))
        for r in self.porian.itertuples():
            label = r.step or r.label or r.config_id
            out.append(_number(f"a, Porian et al. {r.config_id}", r.a, r.low, r.high, note=label))
        return out

    def method(self) -> str:
        return (
            "Approach 3 (Hoffmann et al. 2022, eq. 4): Chinchilla's law fitted with Huber loss on log residuals, the "
            "allocation of every bootstrap resample's own parameters gives percentile intervals "
            f"({self.n_boot} resamples; for Chinchilla's runs the report's one shared bootstrap of "
            f"pretraining.chinchilla_fit, {CHINCHILLA_N_BOOT[0]} resamples, {CHINCHILLA_N_BOOT[1]} in fast mode, so the "
            "report quotes one interval of their a); C = 6 N D. Approach 2: a parabola in log N per isoFLOP budget (five model sizes "
            "around the minimum), power law through the vertices, runs resampled within budgets. Chinchilla's runs are "
            "assigned to the nearest of the nine budgets of Hoffmann et al.'s Figure 3 (within 0.12 decades). Porian et "
            "al.'s runs: Approach 2 per configuration, N counted as the configuration counts it. The verdict judges the "
            "Approach 3 interval on Chinchilla's runs (the other datasets and Porian et al.'s configurations are context): "
            f"{rule('pretraining.allocation_exponent').text()} "
            "Reproduction of Hoffmann et al.'s Approach 2 (published a = 0.49, Table 2): the table 'Approach 2, one choice "
            "at a time' repeats it with the paper's procedure (one parabola through every point of each isoFLOP profile) "
            "and with each run's loss moved from its extracted compute to its nominal budget at fixed N with the fitted "
            "law (L + B (D_nom^-beta - D^-beta)); see the notes for what moves a."
        )

    def finding_parts(self) -> dict[str, Any]:
        """Title, summary, tables, method, data and citations of :meth:`to_finding`."""
        return _allocation_finding_parts(self)


def allocation_test(
    datasets: Mapping[str, Any] | None = None,
    *,
    reference_compute: float = 1e23,
    n_boot: int | None = None,
    fast: bool = False,
    seed: int | np.random.Generator | None = 0,
) -> AllocationResult:
    """Compute-optimal allocation on each public dataset, and Porian et al.'s explanation of Kaplan vs Chinchilla.

    Parameters
    ----------
    datasets : mapping name -> Dataset, optional
        The loaded public datasets ``chinchilla-hoffmann2022``,
        ``gadre-overtraining-scaling``, ``datablations-runs`` and
        ``porian-compute-optimal-isoflops`` (a report passes its own); any
        missing one is loaded by name.
    reference_compute : float, default 1e23
        FLOP budget at which tokens per parameter is reported.
    n_boot : int, optional
        Bootstrap resamples; default 100 (30 with ``fast``).
    fast : bool, default False
        Fewer resamples.
    seed : int, Generator or None, default 0
        Seed of everything random.

    Returns
    -------
    AllocationResult
    """
    from scalewatch.fitting import compute_optimal, isoflop_allocation

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n_boot = n_boot if n_boot is not None else (30 if fast else 100)
    n_boot_iso = 100 if fast else 200
    rows: list[dict[str, Any]] = []
    notes: list[str] = []

    def approach3(label: str, df: pd.DataFrame) -> None:
        fit_notes: list[str] = []
        if label == CHINCHILLA and isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            # one bootstrap per fit in a report: the one pretraining.chinchilla_fit quotes (issue 16, item 6)
            import warnings

            from scalewatch.errors import IdentifiabilityWarning

            with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
                warnings.simplefilter("always", IdentifiabilityWarning)
                res, bs = chinchilla_bootstrap(df["params"], df["tokens"], df["loss"], n_boot=CHINCHILLA_N_BOOT[bool(fast)], seed=int(seed))
            fit_notes.extend(str(w.message) for w in caught if issubclass(w.category, IdentifiabilityWarning))
            notes.append(f"{label}: the report's one Chinchilla bootstrap ({bs.n_resamples} resamples), shared with pretraining.chinchilla_fit")
        else:
            res = quiet_fit(Chinchilla(), df, fit_notes, seed=rng)
            bs = quiet_bootstrap(res, n_boot, rng)
        notes.extend(f"{label}: {m}" for m in fit_notes)
        al = compute_optimal(res, [reference_compute], bootstrap=bs)
        lo, hi = al.intervals["a"]
        tlo, thi = al.intervals["tokens_per_param"]
        rows.append(
            {"estimate": f"{label} (approach 3)", "method": "approach 3", "n_runs": len(df), "a": al.a, "low": lo, "high": hi,
             "tokens_per_param": float(al.tokens_per_param[0]), "tpp_low": float(tlo[0]), "tpp_high": float(thi[0])}
        )

    def approach2(label: str, df: pd.DataFrame, **kw: Any) -> Any:
        al = isoflop_allocation(df, bootstrap=n_boot_iso, seed=rng, **kw)
        lo, hi = al.intervals["a"]
        rows.append(
            {"estimate": f"{label} (approach 2)", "method": "approach 2", "n_runs": len(df), "a": al.a, "low": lo, "high": hi,
             "tokens_per_param": math.nan, "tpp_low": math.nan, "tpp_high": math.nan}
        )
        return al

    given = dict(datasets or {})
    dsets = {name: _dataset(name, given.get(name)) for name in (CHINCHILLA, GADRE, DATABLATIONS, PORIAN)}
    ch, _ = chinchilla_runs(dsets[CHINCHILLA])
    approach3("chinchilla-hoffmann2022", ch)
    nominal = np.array(CHINCHILLA_BUDGETS)
    d = np.log(ch["compute"].to_numpy(float))[:, None] - np.log(nominal)[None, :]
    j = np.abs(d).argmin(axis=1)
    near = np.abs(d[np.arange(len(ch)), j]) <= 0.12 * math.log(10)
    al2 = approach2("chinchilla-hoffmann2022", ch[near].assign(budget=nominal[j][near]), columns={"compute": "budget"})
    notes.append(f"chinchilla-hoffmann2022 approach 2: {int(near.sum())} of {len(ch)} runs lie within 0.12 decades of a nominal budget")
    ch_fit = quiet_fit(Chinchilla(), ch, [], seed=0)
    repro = approach2_reproduction(ch, ch_fit.params, n_boot=n_boot_iso, seed=rng, default=al2, default_tolerance=0.12)
    notes.append(_approach2_note(repro))
    g, _ = gadre_runs(ds=dsets[GADRE])
    g = g[g["chinchilla_multiplier"] >= 0.5]
    for name, q in g.groupby("train_dataset", sort=True):
        approach3(f"gadre-overtraining-scaling/{name}", q)
    db, _ = datablations_runs(dsets[DATABLATIONS])
    approach3("datablations-runs, single epoch", db[db["epochs"] <= 1.0 + 1e-9])
    estimates = pd.DataFrame(rows)

    pr, _ = porian_runs(dsets[PORIAN])
    step_of = dict(PORIAN_STEPS)
    prow = []
    for cid, q in pr.groupby("config_id", sort=True):
        al = isoflop_allocation(q, bootstrap=n_boot_iso, seed=rng)
        lo, hi = al.intervals["a"]
        prow.append({"config_id": cid, "label": q["upstream_label"].iloc[0], "step": step_of.get(cid, ""), "a": al.a, "low": lo, "high": hi, "budgets_used": int(al.n_budgets_used), "n_runs": len(q)})
    porian = pd.DataFrame(prow)
    order = {cid: i for i, (cid, _) in enumerate(PORIAN_STEPS)}
    porian["order"] = porian["config_id"].map(lambda c: order.get(c, len(order)))
    porian = porian.sort_values(["order", "config_id"], kind="stable").drop(columns="order").reset_index(drop=True)
    # the rule judges the most direct estimate, Approach 3 on Chinchilla's runs; the others are context in the table
    ch3 = estimates.set_index("estimate").loc[f"{CHINCHILLA} (approach 3)"]
    decision = rule("pretraining.allocation_exponent").decide(float(ch3["low"]), float(ch3["high"]))
    verdict, reason = decision.verdict, decision.reason
    return AllocationResult(
        estimates=estimates,
        porian=porian,
        approach2=repro,
        reference_compute=float(reference_compute),
        verdict=verdict,
        reason=reason,
        decision=decision,
        n_boot=n_boot,
        seed=seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None,
        seconds=time.perf_counter() - t0,
        notes=tuple(dict.fromkeys(notes)),
        citations=tuple(d.citation for d in dsets.values()),
    )


def _approach2_note(repro: pd.DataFrame) -> str:
    """Why our Approach 2 differs from Hoffmann et al.'s 0.49, in numbers (tolerance 0.12 decades)."""
    r = repro[repro["tolerance_decades"] == 0.12].set_index("variant")

    def f(v: str) -> str:
        x = r.loc[v]
        return f"{x.a:.3f} [{x.low:.3f}, {x.high:.3f}] ({x.budgets_used} of 9 budgets)"

    span = repro.groupby("variant", sort=False)["a"].agg(["min", "max"])
    return (
        "Hoffmann et al.'s Approach 2 gives a = 0.49 (published, Table 2); on the extracted runs our default "
        f"(parabola through 5 sizes around each minimum) gives {f('window of 5 sizes (our default)')}, the paper's "
        f"procedure (one parabola through all points of each profile) {f('all points (the paper' + chr(39) + 's procedure)')}, "
        "and the paper's procedure after moving each run's loss from its extracted compute to its nominal budget "
        f"{f('all points, runs moved to their budget')}: the gap is the procedure (a local window drops budgets whose "
        "minimum is not bracketed and follows the noise of 5 points) and the data (the extracted compute scatters "
        "around the budgets, and a run above its budget pulls the vertex toward its size); with both fixed our interval "
        "contains the published 0.49 (the move uses the law fitted to the same runs, a mild circularity). "
        "Across assignment tolerances of 0.08-0.3 decades the three variants span "
        + "; ".join(f"{k}: {v['min']:.3f}-{v['max']:.3f}" for k, v in span.iterrows())
    )


def _allocation_finding_parts(result: Any) -> dict[str, Any]:
    tables = [
        ("Hoffmann et al.'s Approach 2 (published a = 0.49, Table 2), one choice at a time (ours)",
         records(result.approach2, ["variant", "tolerance_decades", "runs_used", "budgets_used", "a", "low", "high", "contains_published"],
                 {"contains_published": "interval contains 0.49"}, digits=4)),
        ("Published exponents (Hoffmann et al. 2022, Table 2)",
         [{"approach": k, "a (published)": v} for k, v in HOFFMANN_PUBLISHED_A.items()]),
        ("Compute-optimal exponent a and tokens per parameter, per dataset and method",
         records(result.estimates, ["estimate", "n_runs", "a", "low", "high", "tokens_per_param", "tpp_low", "tpp_high"],
                  {"tokens_per_param": f"D/N at {result.reference_compute:.0e} FLOP", "tpp_low": "D/N low", "tpp_high": "D/N high"}, digits=4)),
        ("Porian et al. (2024): exponent per configuration",
         records(result.porian, ["config_id", "step", "label", "a", "low", "high", "budgets_used", "n_runs"],
                  {"label": "upstream label"}, digits=4)),
    ]
    citations = tuple(result.citations) + tuple(CITATIONS[k] for k in ("hoffmann2022", "kaplan2020", "porian2024", "gadre2024", "muennighoff2023"))
    return dict(
        title="Compute-optimal allocation, and why Kaplan's and Chinchilla's disagree",
        tables=tables,
        data_sources=(CHINCHILLA, GADRE, DATABLATIONS, PORIAN),
        citations=citations,
        loss_label=_LOSS_LABEL,
        notes=list(result.notes),
        **({"rule": result.decision} if result.decision is not None else {}),
    )


@analysis("pretraining.allocation", question="pretraining", requires=(CHINCHILLA, GADRE, DATABLATIONS, PORIAN), title="Compute-optimal allocation")
def allocation_analysis(ctx: Any) -> Finding:
    """Compute-optimal allocation with intervals, and Porian et al.'s explanation of Kaplan vs Chinchilla."""
    dsets = {name: ctx.dataset(name) for name in (CHINCHILLA, GADRE, DATABLATIONS, PORIAN)}
    return allocation_test(dsets, fast=ctx.fast, seed=ctx.seed).to_finding()
