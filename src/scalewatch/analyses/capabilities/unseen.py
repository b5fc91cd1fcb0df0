r"""``capabilities.unseen_tasks``: does ARC-AGI scale like the standard benchmarks?

The claim checked: "on benchmarks designed to test the efficiency of acquiring
skills to solve unseen tasks, LLMs tend to perform poorly" (ARC-AGI; Chollet
2019). From the ARC-AGI scores in ``epoch-benchmark-stitching`` (ARC Prize
leaderboard, as collected by Epoch AI) and the same file set's standard
benchmarks, three slopes, each in score points:

* **training compute**: the least-squares slope of the score on log10
  training compute (``epoch-ai-models``) over models without test-time
  reasoning, released from 2023 with at least 1e24 FLOP (the range ARC-AGI's
  scores cover), for ARC-AGI and for every benchmark with at least 8 such
  models; and, on the same models plus the reasoning models with a compute
  estimate, the **shift** of reasoning models at equal compute
  (:math:`y = a + b \log_{10} C + c\,[\text{reasoning}]`);
* the same slope among **reasoning models** with a compute estimate
  (DeepSeek-R1, Claude 3.7 Sonnet with thinking, ...): do they change it?
* **thinking budget**: points per decade of a model's thinking-token budget
  (versions ``..._1K``, ``..._16K``; slope within each base model, pooled);
* **reasoning effort**: points gained from a model's ``low`` to its ``high``
  effort setting (o1, o3, o3-mini, o4-mini, GPT-5, ...).

Intervals: percentile bootstrap over models (over base models for the two
test-time measures; Efron & Tibshirani 1993). Verdict (rule
``capabilities.unseen_task_slope``): ARC-AGI's training-compute slope minus the
median slope of the standard benchmarks, draw by draw.

Reasoning models (o1-style) are recognised by name: o1/o3/o4 series, GPT-5,
DeepSeek-R1, QwQ, Grok 3 mini and Grok 4, gpt-oss, Magistral, Gemini 2.5
(thinking by default), Codex mini, and versions tagged with thinking or an
effort or budget suffix.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch import seeds
from scalewatch.analyses.capabilities._common import _PAPERS, QUESTION, _err, _n_boot
from scalewatch.findings import DecidedResult, Decision, Finding, Number, analysis, rule
from scalewatch.plots import PALETTE, curve, figure, points

__all__ = ["REASONING", "is_reasoning", "thinking_budget", "UnseenTasks", "unseen_tasks", "report_unseen_tasks"]

#: version names of models with test-time reasoning (o1-style)
REASONING = re.compile(
    r"^(chutes/)?(o1|o3|o4)|deepseek-r1|thinking|_(low|medium|high|minimal|\d+k)$|deep-think|^(chutes/)?gpt-5|qwq|grok-3-mini|grok-4"
    r"|magistral|gpt-oss|gemini-2\.5|codex-mini",
    re.IGNORECASE,
)
_BUDGET = re.compile(r"(?:_(\d+)K$| \((\d+)K thinking\)$)", re.IGNORECASE)
_EFFORT = re.compile(r"_(low|high)$")
ARC = "ARC-AGI"
MIN_MODELS = 8


def is_reasoning(version: str) -> bool:
    """Whether a model version reasons at test time (o1-style), by its name (:data:`REASONING`).

    >>> [is_reasoning(v) for v in ("o3-2025-04-16_high", "gpt-4o-2024-11-20", "claude-3-7-sonnet-20250219_16K")]
    [True, False, True]
    """
    return bool(REASONING.search(str(version)))


def thinking_budget(version: str) -> tuple[str, float] | None:
    """(base version, thinking budget in tokens) of a budget-tagged version, else None.

    >>> thinking_budget("claude-opus-4-20250514_16K")
    ('claude-opus-4-20250514', 16000.0)
    """
    m = _BUDGET.search(str(version))
    if not m:
        return None
    k = float(m.group(1) or m.group(2))
    return str(version)[: m.start()], 1000.0 * k


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    xm = x - x.mean()
    den = float(xm @ xm)
    return float(xm @ (y - y.mean()) / den) if den > 0 else math.nan


def _within_slope(g: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Pooled within-group slope (each group its own intercept)."""
    _, inv = np.unique(g, return_inverse=True)
    n = np.bincount(inv)
    xm = x - (np.bincount(inv, x) / n)[inv]
    ym = y - (np.bincount(inv, y) / n)[inv]
    den = float(xm @ xm)
    return float(xm @ ym / den) if den > 0 else math.nan


@dataclass(frozen=True, eq=False)
class UnseenTasks(DecidedResult):
    """Outcome of :func:`unseen_tasks`.

    Attributes
    ----------
    slopes : pandas.DataFrame
        Per (measure, benchmark): estimate and interval in points (per decade of training compute, per decade of
        thinking budget, or low -> high effort), number of models or base models.
    comparison : pandas.DataFrame
        Per measure: ARC-AGI minus the median of the standard benchmarks, with interval.
    shift : pandas.DataFrame
        Per benchmark: points of reasoning models over non-reasoning ones at equal training compute, with interval.
    points_arc : pandas.DataFrame
        The ARC-AGI scores used (version, model, score, log10 compute, reasoning).
    decision : Decision
    """

    FINDING_KEY = "capabilities.unseen_tasks"
    QUESTION = "capabilities"

    slopes: pd.DataFrame = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    shift: pd.DataFrame = field(repr=False)
    points_arc: pd.DataFrame = field(repr=False)
    decision: Decision = field(repr=False)
    n_boot: int = 0
    ci: float = 0.95
    seed: int = 0
    seconds: float = math.nan

    def _row(self, frame: pd.DataFrame, **kw: Any) -> Any:
        sel = frame
        for k, v in kw.items():
            sel = sel[sel[k] == v]
        return next(sel.itertuples()) if len(sel) else None

    def numbers(self) -> list[Number]:
        units = {"training compute": "points per decade", "training compute, reasoning models": "points per decade",
                 "thinking budget": "points per decade", "effort low -> high": "points"}
        out = []
        for r in self.comparison.itertuples():
            out.append(Number(f"ARC-AGI minus the median standard benchmark: {r.measure}", r.difference, r.low, r.high, unit=units[r.measure],
                              ci=self.ci, note=f"ours; {r.n_standard} standard benchmarks"))
        for r in self.slopes[self.slopes["benchmark"] == ARC].itertuples():
            out.append(Number(f"ARC-AGI: {r.measure}", r.estimate, r.low, r.high, unit=units[r.measure], ci=self.ci,
                              note=f"ours; {int(r.n)} {'scores' if r.measure.startswith('training compute') else 'base models'}"))
        for r in self.comparison.itertuples():
            out.append(Number(f"median standard benchmark: {r.measure}", r.median_standard, unit=units[r.measure], ci=None,
                              note="ours; " + r.standard))
        s = self._row(self.shift, benchmark=ARC)
        if s is not None:
            out.append(Number("ARC-AGI: reasoning models over non-reasoning ones at equal training compute", s.shift, s.low, s.high,
                              unit="points", ci=self.ci, note=f"ours; {int(s.n_reasoning)} reasoning, {int(s.n_other)} other scores"))
        ms = self.shift[self.shift["benchmark"] != ARC]["shift"]
        if len(ms):
            out.append(Number("median standard benchmark: reasoning shift at equal training compute", float(ms.median()), unit="points",
                              ci=None, note=f"ours; {len(ms)} benchmarks"))
        pa = self.points_arc
        for lab, sel in (("without", ~pa["reasoning"]), ("with", pa["reasoning"])):
            if sel.any():
                best = pa[sel].sort_values("score").iloc[-1]
                out.append(Number(f"best ARC-AGI score of a model {lab} test-time reasoning", 100 * best.score, unit="points", ci=None,
                                  note=f"{best.version}; as reported on the ARC Prize leaderboard (epoch-benchmark-stitching)"))
        return out

    def sentence(self) -> str:
        a = self._row(self.slopes, benchmark=ARC, measure="training compute")
        c = self._row(self.comparison, measure="training compute")
        t = self._row(self.slopes, benchmark=ARC, measure="thinking budget")
        txt = (f"Without test-time reasoning ARC-AGI gains {a.estimate:.1f} [{a.low:.1f}, {a.high:.1f}] points per decade of training "
               f"compute, {c.difference:+.1f} [{c.low:+.1f}, {c.high:+.1f}] against the median standard benchmark ({self.verdict})")
        if t is not None:
            txt += f"; with reasoning it gains {t.estimate:.1f} [{t.low:.1f}, {t.high:.1f}] points per decade of thinking budget"
        return txt + "."

    def method(self) -> str:
        return (
            "Scores of epoch-benchmark-stitching (each benchmark's main column as a fraction, the maximum of repeated reports; "
            "ARC-AGI: the ARC Prize leaderboard's score as Epoch AI records it) joined with training compute from epoch-ai-models through "
            "the version's model. Training compute: models without test-time reasoning, released from 2023 with at least 1e24 "
            f"FLOP; least-squares slope of the score (points) on log10 compute per benchmark with at least {MIN_MODELS} models "
            "(the standard benchmarks) and for ARC-AGI; reasoning shift: the same fit with an indicator of reasoning models "
            "(with a compute estimate), and the slope among the reasoning models alone. Thinking budget: versions tagged with a token budget, pooled slope within each base "
            "model of the score on log10 budget (benchmarks with at least two base models). Effort: mean over base models of "
            f"the high minus the low setting. {self.n_boot} bootstrap resamples of models (base models for the test-time "
            f"measures), percentile intervals at {self.ci:g}; the comparison takes, draw by draw, ARC-AGI's estimate minus the "
            "median of the standard benchmarks'. " + rule("capabilities.unseen_task_slope").text()
        )

    def figures(self) -> list[Any]:
        pa = self.points_arc[np.isfinite(self.points_arc["log10_compute"])]
        tr = []
        for i, (lab, sel) in enumerate((("no test-time reasoning", ~pa["reasoning"]), ("reasoning (o1-style)", pa["reasoning"]))):
            d = pa[sel]
            if len(d):
                tr.append(points(10.0 ** d["log10_compute"], 100 * d["score"], lab, color=PALETTE[i], text=d["version"]))
        a = self._row(self.slopes, benchmark=ARC, measure="training compute")
        if a is not None and math.isfinite(a.estimate) and len(pa[~pa["reasoning"]]):
            d = pa[~pa["reasoning"]]
            xx = np.linspace(float(d["log10_compute"].min()), float(d["log10_compute"].max()), 20)
            tr.append(curve(10.0 ** xx, a.intercept + a.estimate * xx, f"slope {a.estimate:.1f} points per decade", color=PALETTE[0], dash="dash"))
        figs = [figure("ARC-AGI against training compute", tr, x_title="training compute (FLOP)", y_title="ARC-AGI score (%)", x_log=True,
                       y_log=False, caption="ARC Prize leaderboard scores in epoch-benchmark-stitching with Epoch AI's compute estimates.")] if tr else []
        s = self.slopes[self.slopes["measure"] == "training compute"].sort_values("estimate")
        col = [PALETTE[1] if b == ARC else PALETTE[0] for b in s["benchmark"]]
        figs.append(figure("Points per decade of training compute, by benchmark",
                           [points(s["benchmark"], s["estimate"], "slope, 95% interval", marker={"color": col, "size": 7},
                                   error_y=_err(s["estimate"], s["low"], s["high"]))],
                           x_title="benchmark", y_title="points per decade of training compute", x_log=False, y_log=False,
                           caption="Models without test-time reasoning, from 2023, at least 1e24 FLOP; ARC-AGI highlighted."))
        return figs

    def finding_parts(self) -> dict[str, Any]:
        return dict(
            title="Do models scale on unseen tasks (ARC-AGI)?",
            tables={"slopes": self.slopes, "ARC-AGI minus standard benchmarks": self.comparison, "reasoning shift": self.shift,
                    "ARC-AGI scores": self.points_arc},
            data_sources=["epoch-benchmark-stitching", "epoch-ai-models"],
            citations=["Chollet (2019), On the Measure of Intelligence, arXiv:1911.01547", "ARC Prize leaderboard, https://arcprize.org/leaderboard",
                       _PAPERS["epoch_hub"], _PAPERS["epoch_models"], _PAPERS["efron"]],
            loss_label="least squares on score points",
            notes=["few ARC-AGI scores have a training-compute estimate (closed reasoning models have none), so the training-compute slope "
                   "rests on a handful of models; the test-time measures compare versions of the same model and need no compute estimate",
                   "reasoning models recognised by name (see scalewatch.analyses.capabilities.unseen.REASONING)"],
            headline="ARC-AGI minus the median standard benchmark: training compute",
            rule=self.decision,
        )


def _scores() -> pd.DataFrame:
    from scalewatch.data.datasets import load

    ds = load("epoch-benchmark-stitching")
    s = ds.runs.scores
    s = s[s["metric"] == "score"].assign(version=lambda d: d["run_id"].str.split(":", n=1).str[1])
    s = s.groupby(["version", "benchmark"], as_index=False)["value"].max()
    mv = ds.tables["model_versions"][["version", "model", "release_date"]]
    m = load("epoch-ai-models").tables["models"].drop_duplicates("model")[["model", "training_compute"]]
    j = s.merge(mv, on="version").merge(m, on="model", how="left")
    j["log10_compute"] = np.log10(j["training_compute"].astype(float))
    j["reasoning"] = j["version"].map(is_reasoning)
    return j


def unseen_tasks(*, since: str = "2023-01-01", min_compute: float = 1e24, fast: bool = False, n_boot: int | None = None, ci: float = 0.95,
                 seed: int = 0) -> UnseenTasks:
    """ARC-AGI against the standard benchmarks: slopes with training compute, thinking budget and effort.

    Parameters
    ----------
    since : str, default "2023-01-01"
        First release date of the training-compute fits.
    min_compute : float, default 1e24
        Least training compute (FLOP) of the training-compute fits.
    fast : bool, default False
        200 bootstrap resamples instead of 1000.
    n_boot : int, optional
    ci : float, default 0.95
    seed : int, default 0

    Returns
    -------
    UnseenTasks
    """
    t0 = time.perf_counter()
    if not 0 < ci < 1:
        raise ValueError(f"unseen_tasks(ci={ci!r}); give a level in (0, 1), e.g. 0.95.")
    nb = _n_boot(n_boot, fast, default=1000, fast_default=200)
    rng = seeds.rng(seed)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    j = _scores()

    def qs(a: np.ndarray) -> tuple[float, float]:
        a = a[np.isfinite(a)]
        return (float(np.quantile(a, q[0])), float(np.quantile(a, q[1]))) if a.size >= 10 else (math.nan, math.nan)

    rows, draws = [], {}
    # -- training compute, no test-time reasoning --
    tc = j[~j["reasoning"] & np.isfinite(j["log10_compute"]) & (j["release_date"] >= pd.Timestamp(since)) & (j["training_compute"] >= min_compute)]
    counts = tc.groupby("benchmark")["version"].nunique()
    benches = sorted(set(counts[counts >= MIN_MODELS].index) | {ARC})
    for b in benches:
        d = tc[tc["benchmark"] == b]
        x, y = d["log10_compute"].to_numpy(float), 100 * d["value"].to_numpy(float)
        est = _slope(x, y) if len(d) >= 3 else math.nan
        bd = np.full(nb, np.nan)
        for r in range(nb):
            i = rng.integers(0, x.size, x.size)
            bd[r] = _slope(x[i], y[i])
        draws[("training compute", b)] = bd
        rows.append({"measure": "training compute", "benchmark": b, "estimate": est, "low": qs(bd)[0], "high": qs(bd)[1], "n": len(d),
                     "intercept": float(y.mean() - est * x.mean()) if math.isfinite(est) else math.nan})
    # -- reasoning shift at equal training compute, and the slope among reasoning models with a compute estimate --
    sh_rows = []
    allc = j[np.isfinite(j["log10_compute"]) & (j["release_date"] >= pd.Timestamp(since)) & (j["training_compute"] >= min_compute)]
    rc = allc[allc["reasoning"]]
    for b in benches:
        d = rc[rc["benchmark"] == b]
        x, y = d["log10_compute"].to_numpy(float), 100 * d["value"].to_numpy(float)
        if len(d) < 4 or np.unique(x).size < 2:
            continue
        bd = np.full(nb, np.nan)
        for r in range(nb):
            i = rng.integers(0, x.size, x.size)
            bd[r] = _slope(x[i], y[i])
        draws[("training compute, reasoning models", b)] = bd
        rows.append({"measure": "training compute, reasoning models", "benchmark": b, "estimate": _slope(x, y), "low": qs(bd)[0],
                     "high": qs(bd)[1], "n": len(d), "intercept": math.nan})
    for b in benches:
        d = allc[allc["benchmark"] == b]
        nr = int(d["reasoning"].sum())
        if nr < 2 or nr == len(d) or len(d) < 4:
            continue
        X = np.column_stack([np.ones(len(d)), d["log10_compute"].to_numpy(float), d["reasoning"].to_numpy(float)])
        y = 100 * d["value"].to_numpy(float)
        est = np.linalg.lstsq(X, y, rcond=None)[0][2]
        bd = np.full(nb, np.nan)
        for r in range(nb):
            i = rng.integers(0, len(d), len(d))
            if 0 < X[i, 2].sum() < len(i) and np.ptp(X[i, 1]) > 0:
                bd[r] = np.linalg.lstsq(X[i], y[i], rcond=None)[0][2]
        lo, hi = qs(bd)
        sh_rows.append({"benchmark": b, "shift": float(est), "low": lo, "high": hi, "n_reasoning": nr, "n_other": len(d) - nr})
    # -- thinking budget: within base model --
    bud = j[j["version"].map(lambda v: thinking_budget(v) is not None)].copy()
    bud["base"] = bud["version"].map(lambda v: thinking_budget(v)[0])
    bud["log10_budget"] = np.log10(bud["version"].map(lambda v: thinking_budget(v)[1]).astype(float))
    # -- effort: high minus low of the same base --
    eff = j[j["version"].str.contains(r"_(?:low|high)$", regex=True)].copy()
    eff["base"] = eff["version"].str.replace(_EFFORT, "", regex=True)
    eff["level"] = eff["version"].str.extract(_EFFORT, expand=False)
    effw = eff.pivot_table(index=["benchmark", "base"], columns="level", values="value", aggfunc="max").dropna().reset_index()
    for b in sorted(set(bud["benchmark"]) | set(effw["benchmark"])):
        d = bud[bud["benchmark"] == b]
        d = d[d.groupby("base")["log10_budget"].transform("nunique") >= 2]
        if d["base"].nunique() >= 2:
            g, x, y = d["base"].to_numpy(), d["log10_budget"].to_numpy(float), 100 * d["value"].to_numpy(float)
            ub = np.unique(g)
            bd = np.full(nb, np.nan)
            for r in range(nb):
                pick = rng.choice(ub, ub.size)
                idx = np.concatenate([np.flatnonzero(g == p) for p in pick])
                tag = np.concatenate([np.full(np.sum(g == p), k) for k, p in enumerate(pick)])
                bd[r] = _within_slope(tag, x[idx], y[idx])
            draws[("thinking budget", b)] = bd
            rows.append({"measure": "thinking budget", "benchmark": b, "estimate": _within_slope(g, x, y), "low": qs(bd)[0], "high": qs(bd)[1],
                         "n": int(ub.size), "intercept": math.nan})
        e = effw[effw["benchmark"] == b]
        if len(e) >= 2:
            gain = 100 * (e["high"] - e["low"]).to_numpy(float)
            bd = np.array([gain[rng.integers(0, gain.size, gain.size)].mean() for _ in range(nb)])
            draws[("effort low -> high", b)] = bd
            rows.append({"measure": "effort low -> high", "benchmark": b, "estimate": float(gain.mean()), "low": qs(bd)[0], "high": qs(bd)[1],
                         "n": len(e), "intercept": math.nan})
    slopes = pd.DataFrame(rows)
    comp = []
    for meas in ("training compute", "training compute, reasoning models", "thinking budget", "effort low -> high"):
        std = [b for (m_, b) in draws if m_ == meas and b != ARC]
        if (meas, ARC) not in draws or not std:
            continue
        med = np.nanmedian(np.vstack([draws[(meas, b)] for b in std]), axis=0)
        diff = draws[(meas, ARC)] - med
        s_ = slopes[slopes["measure"] == meas].set_index("benchmark")["estimate"]
        med_est = float(np.median(s_.drop(ARC).to_numpy()))
        lo, hi = qs(diff)
        comp.append({"measure": meas, "difference": float(s_[ARC] - med_est), "low": lo, "high": hi, "median_standard": med_est, "n_standard": len(std),
                     "standard": ", ".join(std)})
    comparison = pd.DataFrame(comp)
    c = comparison[comparison["measure"] == "training compute"]
    lo, hi = (float(c["low"].iloc[0]), float(c["high"].iloc[0])) if len(c) else (math.nan, math.nan)
    decision = rule("capabilities.unseen_task_slope").decide(lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None)
    pa = j[j["benchmark"] == ARC][["version", "model", "value", "log10_compute", "reasoning"]].rename(columns={"value": "score"}).reset_index(drop=True)
    return UnseenTasks(slopes=slopes, comparison=comparison, shift=pd.DataFrame(sh_rows), points_arc=pa, decision=decision, n_boot=nb, ci=ci,
                       seed=seed, seconds=time.perf_counter() - t0)


@analysis("capabilities.unseen_tasks", question=QUESTION, requires=("epoch-benchmark-stitching", "epoch-ai-models"))
def report_unseen_tasks(ctx: Any) -> Finding:
    """ARC-AGI against the standard benchmarks, with training compute and test-time reasoning."""
    return unseen_tasks(fast=ctx.fast, seed=ctx.seed).to_finding()
