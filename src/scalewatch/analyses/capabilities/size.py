r"""``capabilities.model_size``: is there "strong downward pressure on model size"?

Two measurements on Epoch AI's data, in one finding:

* the **parameter count of frontier and notable language models** over time
  (``epoch-ai-models`` ``Parameters``; frontier = top 10 by training compute
  at release), with a segmented (hinge) regression of :math:`\log_{10} N` on
  the date and a break at ``break_year``:

  .. math:: \log_{10} N_i = a + b\,(t_i - t_b) + d\,\max(t_i - t_b, 0) + e_i,

  fitted with Huber's loss (scale: 1.4826 x the median absolute residual of
  least squares, tuning constant 1.345; Huber 1964), so that a few
  mislabelled or distilled models do not move the trend. ``d`` is the change
  of slope (orders of magnitude per year) and is judged by rule
  ``capabilities.size_break`` on its bootstrap interval (models resampled,
  Efron & Tibshirani 1993). Parameter counts the labs do not disclose are
  missing, and more of them are missing after 2023: the share is stated.
* the **smallest model reaching a score** (the series of
  :func:`scalewatch.analyses.economics.price_decline`, recomputed here): the
  models that were the smallest yet to reach MMLU >= a threshold
  (``epoch-benchmark-stitching``, median of reported scores), and the trend of
  their size in orders of magnitude per year, with a bootstrap over models.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch import seeds
from scalewatch.analyses.capabilities._common import _PAPERS, QUESTION, _n_boot
from scalewatch.analyses.trends import top_k_at_release, year_fraction
from scalewatch.findings import DecidedResult, Decision, Finding, Number, analysis, rule
from scalewatch.plots import PALETTE, curve, figure, points, vline

__all__ = ["ModelSize", "SIZE_N_BOOT", "segmented_trend", "smallest_at_score", "mmlu_by_model", "size_decline",
           "model_size_analysis", "report_model_size"]

_HUBER_C = 1.345


def _design(t: np.ndarray, tb: float) -> np.ndarray:
    return np.column_stack([np.ones_like(t), t - tb, np.maximum(t - tb, 0.0)])


def segmented_trend(t: Any, log10_y: Any, break_year: float) -> np.ndarray:
    r"""Huber-robust hinge regression :math:`y = a + b(t - t_b) + d\max(t - t_b, 0)`.

    Iteratively reweighted least squares with Huber weights
    :math:`w = \min(1, c\,s / |r|)`, :math:`c = 1.345`, the scale ``s`` fixed
    at 1.4826 x the median absolute residual of the least-squares fit.

    Parameters
    ----------
    t : array_like
        Dates in fractional years.
    log10_y : array_like
        The quantity (here log10 parameters).
    break_year : float
        Date of the hinge.

    Returns
    -------
    numpy.ndarray
        ``[a, b, d]``: level at the break, slope before, change of slope (per year); NaN when fewer than
        two points lie on either side of the break.

    Examples
    --------
    >>> t = np.linspace(2018, 2026, 40); y = 9 + 0.5 * (t - 2023) - 0.4 * np.maximum(t - 2023, 0)
    >>> np.round(segmented_trend(t, y, 2023.0), 3).tolist()
    [9.0, 0.5, -0.4]
    """
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(log10_y, dtype=np.float64)
    if t.shape != y.shape:
        raise ValueError(f"segmented_trend: t has shape {t.shape} and log10_y {y.shape}; give one value per date.")
    if np.sum(t < break_year) < 2 or np.sum(t > break_year) < 2:
        return np.full(3, np.nan)
    X = _design(t, break_year)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ beta
    s = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    if s <= 0:
        return beta
    for _ in range(50):
        w = np.minimum(1.0, _HUBER_C * s / np.maximum(np.abs(y - X @ beta), 1e-12))
        sw = np.sqrt(w)
        new = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    return beta


def _huber_line(t: np.ndarray, y: np.ndarray, t0: float) -> np.ndarray:
    """Huber straight line ``[a, b]`` of ``y = a + b (t - t0)`` (the no-break model), as :func:`segmented_trend`."""
    X = np.column_stack([np.ones_like(t), t - t0])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ beta
    s = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    for _ in range(50 if s > 0 else 0):
        w = np.minimum(1.0, _HUBER_C * s / np.maximum(np.abs(y - X @ beta), 1e-12))
        new = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        done = np.max(np.abs(new - beta)) < 1e-10
        beta = new
        if done:
            break
    return beta


def smallest_at_score(per_model: pd.DataFrame, threshold: float) -> np.ndarray:
    """Indices (date order) of the models that were the smallest yet to reach ``score >= threshold``.

    ``per_model`` has columns ``year``, ``params`` and ``score``, sorted by ``year``.
    """
    return _records(per_model["score"].to_numpy(float), per_model["params"].to_numpy(float), threshold)


def _records(score: np.ndarray, params: np.ndarray, threshold: float) -> np.ndarray:
    ok = np.flatnonzero(score >= threshold)
    if ok.size == 0:
        return ok
    p = params[ok]
    prev = np.minimum.accumulate(np.r_[np.inf, p[:-1]])
    return ok[p < prev]


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    xm = x - x.mean()
    den = float(xm @ xm)
    return float(xm @ (y - y.mean()) / den) if den > 0 else math.nan


#: bootstrap resamples (full, fast) of the smallest-model size decline: every finding that quotes it uses these,
#: with the report's seed, so the decline has one interval in a report (issue 16, item 6)
SIZE_N_BOOT = (500, 100)


def mmlu_by_model(benchmarks: Any, models: Any) -> pd.DataFrame:
    """One row per model with an MMLU score and a disclosed parameter count, in date order.

    Parameters
    ----------
    benchmarks, models : Dataset
        ``epoch-benchmark-stitching`` (its ``external`` and ``model_versions`` tables) and ``epoch-ai-models``.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``score`` (median MMLU over the model's versions, 0-1), ``params``, ``date`` (first release),
        ``year`` (fractional), sorted by date.
    """
    ex = benchmarks.tables["external"]
    mm = ex[(ex["benchmark"] == "MMLU") & ex["value"].notna()]
    mv = benchmarks.tables["model_versions"][["version", "model", "release_date"]]
    j = mm.merge(mv, left_on="model_version", right_on="version").merge(
        models.tables["models"][["model", "parameters", "publication_date"]], on="model")
    j = j[j["parameters"].notna()]
    j["date"] = j["release_date"].fillna(j["publication_date"])
    per = j.groupby("model", as_index=False).agg(score=("value", "median"), params=("parameters", "first"), date=("date", "min"))
    per = per[per["date"].notna()].sort_values("date", kind="stable").reset_index(drop=True)
    per["year"] = year_fraction(per["date"])
    return per


def size_decline(per: pd.DataFrame, threshold: float, *, n_boot: int, ci: float = 0.95, seed: int = 0) -> dict[str, Any]:
    r"""How fast the smallest model reaching ``score >= threshold`` shrank: OOM of parameters per year, with a bootstrap.

    The record setters (:func:`smallest_at_score`) are regressed by least squares,
    :math:`\log_{10} N = c - r\,t`; the interval resamples *models* (a copy of a model never sets a second
    record, so resampled models are de-duplicated, date order kept) and recomputes the record setters and
    the slope; resamples with fewer than 3 record setters are left out. The draws come from a generator seeded
    by ``(seed, threshold)`` alone, so every finding that quotes the decline with the same ``n_boot``, ``ci``
    and ``seed`` gives it the same interval.

    Returns
    -------
    dict
        ``rate``, ``low``, ``high`` (OOM/yr, positive = smaller), ``records`` (row indices of ``per``),
        ``draws`` (the successful bootstrap rates), ``n_boot``, ``n_failed``.
    """
    idx = smallest_at_score(per, threshold)
    ys, ps, ss = per["year"].to_numpy(float), per["params"].to_numpy(float), per["score"].to_numpy(float)
    rate = -_slope(ys[idx], np.log10(ps[idx])) if idx.size >= 3 else math.nan
    rng = np.random.default_rng((int(seed), int(round(threshold * 10_000))))
    draws = np.full(int(n_boot), np.nan)
    for b in range(int(n_boot)):
        i = np.unique(rng.integers(0, len(per), len(per)))  # date order kept; copies never set a second record
        ii = i[_records(ss[i], ps[i], threshold)]
        if ii.size >= 3 and np.ptp(ys[ii]) > 0:
            draws[b] = -_slope(ys[ii], np.log10(ps[ii]))
    ok = draws[np.isfinite(draws)]
    q = ((1 - ci) / 2, (1 + ci) / 2)
    lo, hi = (float(v) for v in np.quantile(ok, q)) if ok.size >= 10 else (math.nan, math.nan)
    return {"rate": float(rate), "low": lo, "high": hi, "records": idx, "draws": ok, "n_boot": int(n_boot), "n_failed": int(n_boot - ok.size)}


@dataclass(frozen=True, eq=False)
class ModelSize(DecidedResult):
    """Outcome of :func:`model_size_analysis`.

    Attributes
    ----------
    frontier, notable : pandas.DataFrame
        Models (model, date, year, params, known): frontier = top 10 by training compute among language models at
        release; notable = all language models of epoch-ai-models from ``start``.
    fits : pandas.DataFrame
        One row per (series, break year): level, slope before, slope change ``d`` and its interval (OOM/yr), n.
    records : pandas.DataFrame
        Smallest models reaching each MMLU threshold (threshold, model, date, year, params, mmlu).
    record_rates : pandas.DataFrame
        Per threshold: decline of the smallest size, OOM/yr, with interval, and the number of record setters.
    decision : Decision
        Rule ``capabilities.size_break`` on the frontier slope change at ``break_year``.
    """

    FINDING_KEY = "capabilities.model_size"
    QUESTION = "capabilities"

    frontier: pd.DataFrame = field(repr=False)
    notable: pd.DataFrame = field(repr=False)
    fits: pd.DataFrame = field(repr=False)
    records: pd.DataFrame = field(repr=False)
    record_rates: pd.DataFrame = field(repr=False)
    decision: Decision = field(repr=False)
    break_year: float = 2023.0
    n_boot: int = 0
    ci: float = 0.95
    seed: int = 0
    seconds: float = math.nan

    def _fit(self, series: str, year: float | None = None) -> Any:
        y = self.break_year if year is None else year
        return self.fits[(self.fits["series"] == series) & np.isclose(self.fits["break_year"], y)].iloc[0]

    def _unknown(self, frame: pd.DataFrame, after: bool) -> tuple[int, int]:
        sel = frame[(frame["year"] >= self.break_year) == after]
        return int((~sel["known"]).sum()), len(sel)

    def numbers(self) -> list[Number]:
        out = []
        for series in ("frontier", "notable"):
            f = self._fit(series)
            out.append(Number(f"{series} models: slope of log10 parameters before {self.break_year:g}", f.slope_before, f.before_low,
                              f.before_high, unit="OOM/yr", ci=self.ci, note=f"ours; {int(f.n)} models with known parameters"))
            out.append(Number(f"{series} models: change of slope after {self.break_year:g}", f.change, f.change_low, f.change_high,
                              unit="OOM/yr", ci=self.ci, note="ours; Huber segmented regression, bootstrap over models"))
            out.append(Number(f"{series} models: permutation p-value of no change at {self.break_year:g}", f.permutation_p, unit="",
                              ci=None, note=f"ours; {self.n_boot} permutations of the residuals of the straight-line fit"))
        for y in sorted(set(self.fits["break_year"]) - {self.break_year}):
            f = self._fit("frontier", y)
            out.append(Number(f"frontier models: change of slope after {y:g} (sensitivity)", f.change, f.change_low, f.change_high,
                              unit="OOM/yr", ci=self.ci, note="ours"))
        for label, frame in (("frontier", self.frontier), ("notable", self.notable)):
            for after in (False, True):
                k, n = self._unknown(frame, after)
                out.append(Number(f"{label} language models {'from' if after else 'before'} {self.break_year:g} without a parameter count",
                                  100.0 * k / n if n else None, unit="%", ci=None, note=f"{k} of {n} models (undisclosed)"))
        for r in self.record_rates.itertuples():
            out.append(Number(f"smallest model reaching MMLU >= {r.threshold:g}: size decline", r.rate, r.low, r.high, unit="OOM/yr",
                              ci=self.ci, note=f"ours; {int(r.n_records)} record-setting models, bootstrap over models"))
        return out

    def sentence(self) -> str:
        f = self._fit("frontier")
        k, n = self._unknown(self.frontier, True)
        rr = self.record_rates.iloc[0]
        return (
            f"The parameter count of frontier language models grew {f.slope_before:.2f} [{f.before_low:.2f}, {f.before_high:.2f}] "
            f"orders of magnitude a year before {self.break_year:g} and its slope changed by {f.change:+.2f} "
            f"[{f.change_low:+.2f}, {f.change_high:+.2f}] OOM/yr after ({self.verdict}); {k} of {n} frontier models from "
            f"{self.break_year:g} have no disclosed parameter count. The smallest model reaching MMLU >= {rr.threshold:g} shrank "
            f"{rr.rate:.2f} [{rr.low:.2f}, {rr.high:.2f}] OOM/yr."
        )

    def method(self) -> str:
        return (
            "epoch-ai-models (Epoch AI, June 2025 snapshot), language models published from 2018 with a parameter count "
            "(total parameters; for mixtures of experts the active ones are fewer). Frontier: top 10 by training compute among "
            "language models at their release (Epoch AI's definition). Segmented regression log10 N = a + b (t - t_b) + "
            "d max(t - t_b, 0) fitted by iteratively reweighted least squares with Huber weights (c = 1.345, scale 1.4826 x MAD "
            f"of the least-squares residuals); {self.n_boot} bootstrap resamples of models, percentile intervals at {self.ci:g}; "
            "a permutation test of no change permutes the residuals of the straight-line Huber fit and refits the hinge. "
            "Smallest model at a score: models of epoch-benchmark-stitching joined with epoch-ai-models parameters, median MMLU "
            "of the reported scores per model, the record setters (smaller than every earlier model at the threshold) and the "
            "least-squares trend of their log10 size on the date, bootstrapped over models (record setters recomputed in each "
            "resample). " + rule("capabilities.size_break").text()
        )

    def figures(self) -> list[Any]:
        fr, nb = self.frontier[self.frontier["known"]], self.notable[self.notable["known"]]
        f = self._fit("frontier")
        tt = np.linspace(float(fr["year"].min()), float(fr["year"].max()), 60)
        fit_y = f.level + f.slope_before * (tt - self.break_year) + f.change * np.maximum(tt - self.break_year, 0)
        fig1 = figure(
            "Parameter count of language models over time",
            [points(nb["year"], nb["params"], "notable language models", color="#bbbbbb", size=4, text=nb["model"]),
             points(fr["year"], fr["params"], "frontier (top 10 by compute at release)", color=PALETTE[0], text=fr["model"]),
             curve(tt, 10.0 ** fit_y, f"segmented Huber fit (break {self.break_year:g})", color=PALETTE[1])],
            x_title="publication date (year)", y_title="parameters", x_log=False, y_log=True,
            shapes=[vline(self.break_year)],
            caption=f"Models without a disclosed parameter count are not shown; from {self.break_year:g} they are most frontier models.",
        )
        traces = []
        for i, (thr, g) in enumerate(self.records.groupby("threshold")):
            traces.append(points(g["year"], g["params"], f"smallest yet at MMLU >= {thr:g}", color=PALETTE[(i + 2) % len(PALETTE)],
                                 text=g["model"], mode="lines+markers"))
        fig2 = figure("Smallest model reaching an MMLU score", traces, x_title="date (year)", y_title="parameters", x_log=False, y_log=True,
                      caption="Each point is a model smaller than every earlier one at that score (epoch-benchmark-stitching, epoch-ai-models).")
        return [fig1, fig2]

    def finding_parts(self) -> dict[str, Any]:
        return dict(
            title="Is model size under downward pressure?",
            tables={"segmented fits": self.fits, "smallest models at a score": self.records, "size decline of the smallest model": self.record_rates},
            data_sources=["epoch-ai-models", "epoch-benchmark-stitching"],
            citations=[_PAPERS["epoch_models"], _PAPERS["epoch_hub"], "Huber (1964), Robust Estimation of a Location Parameter, Ann. Math. Statist. 35(1)",
                       _PAPERS["efron"]],
            loss_label="Huber loss on log10 parameters (c = 1.345)",
            notes=["parameter counts are those Epoch AI records; undisclosed counts are missing, not zero, and the missing ones are "
                   "mostly the largest closed models, so the fitted trend after the break is of the disclosed models"],
            headline=f"frontier models: change of slope after {self.break_year:g}",
            rule=self.decision,
        )


def model_size_analysis(
    *, start: str = "2018-01-01", break_year: float = 2023.0, sensitivity: tuple[float, ...] = (2024.0,),
    thresholds: tuple[float, ...] = (0.65, 0.70), fast: bool = False, n_boot: int | None = None, ci: float = 0.95, seed: int = 0,
) -> ModelSize:
    """Parameter counts of frontier and notable language models over time, and the smallest model at an MMLU score.

    Parameters
    ----------
    start : str, default "2018-01-01"
        First publication date kept.
    break_year : float, default 2023.0
        Date of the tested break (the claim: downward pressure after 2023).
    sensitivity : tuple of float, default (2024.0,)
        Other break dates reported (not judged).
    thresholds : tuple of float, default (0.65, 0.70)
        MMLU accuracies of the smallest-model series (0.65: the threshold of the economics price-decline finding).
    fast : bool, default False
        100 bootstrap resamples instead of 500.
    n_boot : int, optional
    ci : float, default 0.95
    seed : int, default 0

    Returns
    -------
    ModelSize
    """
    from scalewatch.data.datasets import load

    t0 = time.perf_counter()
    if not 0 < ci < 1:
        raise ValueError(f"model_size_analysis(ci={ci!r}); give a level in (0, 1), e.g. 0.95.")
    nb = _n_boot(n_boot, fast, default=SIZE_N_BOOT[0], fast_default=SIZE_N_BOOT[1])
    rng = seeds.rng(seed)
    q = ((1 - ci) / 2, (1 + ci) / 2)
    m = load("epoch-ai-models").tables["models"]
    m = m[m["publication_date"].notna() & (m["publication_date"] >= pd.Timestamp(start))]
    m = m[m["domain"].fillna("").str.split(",").map(lambda parts: "Language" in [p.strip() for p in parts])].copy()
    m["year"] = year_fraction(m["publication_date"])
    m["known"] = m["parameters"].notna() & (m["parameters"] > 0)
    base = m[["model", "publication_date", "year", "parameters", "known", "training_compute"]].rename(columns={"parameters": "params", "publication_date": "date"})
    notable = base.sort_values("year").reset_index(drop=True)
    wc = notable[notable["training_compute"].notna()]
    frontier = wc[top_k_at_release(wc["year"].to_numpy(), wc["training_compute"].to_numpy(float), 10)].reset_index(drop=True)

    rows = []
    for series, frame in (("frontier", frontier), ("notable", notable)):
        k = frame[frame["known"]]
        t, y = k["year"].to_numpy(float), np.log10(k["params"].to_numpy(float))
        for by in (break_year, *sensitivity):
            if series == "notable" and by != break_year:
                continue
            est = segmented_trend(t, y, by)
            boots = np.full((nb, 3), np.nan)
            for r in range(nb):
                i = rng.integers(0, t.size, t.size)
                boots[r] = segmented_trend(t[i], y[i], by)
            ok = np.isfinite(boots[:, 2])
            lo, hi = (np.quantile(boots[ok], q, axis=0) if ok.sum() >= 10 else np.full((2, 3), np.nan))
            # permutation test of d = 0: residuals of the straight-line (Huber) fit permuted, the hinge refitted
            X1 = np.column_stack([np.ones_like(t), t - by])
            b1 = _huber_line(t, y, by)
            fit1 = X1 @ b1
            res = y - fit1
            perm = np.array([segmented_trend(t, fit1 + rng.permutation(res), by)[2] for _ in range(nb)])
            p_perm = float((1 + np.sum(np.abs(perm) >= abs(est[2]))) / (1 + np.sum(np.isfinite(perm))))
            rows.append({"series": series, "break_year": by, "n": int(t.size), "level": est[0], "slope_before": est[1], "before_low": lo[1],
                         "before_high": hi[1], "change": est[2], "change_low": lo[2], "change_high": hi[2],
                         "slope_after": est[1] + est[2], "n_boot_ok": int(ok.sum()), "permutation_p": p_perm})
    fits = pd.DataFrame(rows)

    # -- smallest model at an MMLU score --
    per = mmlu_by_model(load("epoch-benchmark-stitching"), load("epoch-ai-models"))
    size_seed = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else int(rng.integers(2**31))
    recs, rates = [], []
    for thr in thresholds:
        sd = size_decline(per, thr, n_boot=nb, ci=ci, seed=size_seed)
        recs.append(per.iloc[sd["records"]].assign(threshold=thr))
        rates.append({"threshold": thr, "rate": sd["rate"], "low": sd["low"], "high": sd["high"], "n_records": len(sd["records"])})
    records = pd.concat(recs, ignore_index=True)[["threshold", "model", "date", "year", "params", "score"]].rename(columns={"score": "mmlu"})
    records["date"] = pd.to_datetime(records["date"]).dt.strftime("%Y-%m-%d")
    f = fits[(fits["series"] == "frontier") & (fits["break_year"] == break_year)].iloc[0]
    decision = rule("capabilities.size_break").decide(
        None if not math.isfinite(f.change_low) else float(f.change_low), None if not math.isfinite(f.change_high) else float(f.change_high))
    for fr in (frontier, notable):
        fr["date"] = pd.to_datetime(fr["date"]).dt.strftime("%Y-%m-%d")
    return ModelSize(
        frontier=frontier.drop(columns="training_compute"), notable=notable.drop(columns="training_compute"), fits=fits, records=records,
        record_rates=pd.DataFrame(rates), decision=decision, break_year=float(break_year), n_boot=nb, ci=ci, seed=seed,
        seconds=time.perf_counter() - t0,
    )


@analysis("capabilities.model_size", question=QUESTION, requires=("epoch-ai-models", "epoch-benchmark-stitching"))
def report_model_size(ctx: Any) -> Finding:
    """Parameter counts of frontier models over time and the smallest model at a score."""
    return model_size_analysis(fast=ctx.fast, seed=ctx.seed).to_finding()
