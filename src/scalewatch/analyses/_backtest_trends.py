r"""Rolling-origin backtests of trend models and of plateau detection (private).

At each origin year T the trend models are fitted to the observations at or
before T and asked to forecast those in :math:`(T, T + h]`; the slowdown test
is run on the same data. The backtest answers three questions:

* what each model forecast from each origin (median and interval at T + h);
* how good the forecasts were: error of the median, coverage of the central
  interval, and the CRPS (a proper score: it rewards sharp forecasts only if
  they are calibrated; Gneiting & Raftery 2007);
* when a slowdown first became detectable at the stated confidence, and
  whether that was before it happened.

When did it happen? The ex-post *onset* is the break year of the piecewise
model fitted to the whole history, with a bootstrap interval, defined only
when the slowdown test on the whole history detects one. The first
*sustained* detection is the earliest origin from which every later origin
detects a slowdown. A slowdown was detectable **in advance** when that origin
precedes the lower end of the onset interval, **after onset** when it is at or
after the onset estimate, and *ambiguous* in between.

The module also builds the real series of the registered finding: CPU clock
frequency, single-thread performance and transistor counts
(microprocessor-trend-data), frontier training compute (epoch-ai-models) and
a stitched capability index (epoch-benchmark-stitching).

References
----------
Tashman (2000), "Out-of-sample tests of forecasting accuracy", Int. J.
Forecasting 16(4) (rolling origin). Gneiting & Raftery (2007), JASA 102(477).
Ho et al. (2025), "A Rosetta Stone for AI Benchmarks" (Epoch AI;
github.com/epoch-research/benchmark-stitching) for the stitched index.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses._trendmodels import (
    ForecastScore,
    SlowdownTest,
    TrendFit,
    TrendSeries,
    as_series,
    check_models,
    fit_trend,
    score_forecast,
    slowdown_test,
    top_k_at_release,
    year_fraction,
)

__all__ = [
    "OriginResult",
    "DetectionResult",
    "TrendBacktest",
    "backtest_trends",
    "default_origins",
    "microprocessor_series",
    "frontier_compute_series",
    "stitch_capabilities",
    "capability_series",
]


# =============================================================================
# Backtest
# =============================================================================


@dataclass(frozen=True, eq=False)
class OriginResult:
    """Everything computed at one origin year."""

    origin: float
    n_train: int
    fits: dict[str, TrendFit] = field(repr=False)
    scores: dict[str, ForecastScore] = field(repr=False)
    forecasts: dict[str, dict[str, float]]  # model -> median/low/high at origin + horizon, natural units
    failed: dict[str, str] = field(default_factory=dict)  # model -> why it could not be fitted here


@dataclass(frozen=True)
class DetectionResult:
    """The slowdown test on the data up to one origin (``test`` None: too few values for any break)."""

    origin: float
    n_train: int
    test: SlowdownTest | None

    @property
    def detected(self) -> bool:
        return self.test is not None and self.test.detected


def default_origins(series: TrendSeries, *, min_points: int = 10, step: float | None = None) -> tuple[float, ...]:
    """Whole-year origins from the first year with ``min_points`` observations to the year before the last.

    ``step`` defaults to one year for spans up to 20 years and about a
    fifteenth of the span beyond (whole years).
    """
    t = series.t
    if t.size <= min_points:
        return ()
    first = math.ceil(t[min_points - 1])
    last = math.floor(t[-1] - 1e-9)
    if step is None:
        span = t[-1] - t[0]
        step = 1.0 if span <= 20 else float(max(1, round(span / 15)))
    out = []
    T = float(first)
    while T < last + 1e-9 and T < t[-1]:
        if (t > T).any():
            out.append(T)
        T += step
    return tuple(out)


@dataclass(frozen=True, eq=False)
class TrendBacktest:
    """Rolling-origin backtest of trend models and of the slowdown test. Immutable.

    Attributes
    ----------
    series : TrendSeries
        The whole history.
    models : tuple of str
        Models compared.
    horizon : float
        Years ahead scored from each origin.
    results : tuple of OriginResult
        One per forecast origin, in time order.
    tests : tuple of DetectionResult
        The slowdown test at every test origin (a finer grid: the test is cheap).
    full_test : SlowdownTest
        The slowdown test on the whole history.
    onset : dict or None
        ``{"year", "low", "high"}``: the break year of the piecewise model
        fitted to the whole history, when ``full_test`` detects a slowdown.
    """

    series: TrendSeries = field(repr=False)
    models: tuple[str, ...]
    horizon: float
    ci: float
    confidence: float
    n_boot: int
    seed: Any
    results: tuple[OriginResult, ...] = field(repr=False)
    tests: tuple[DetectionResult, ...] = field(repr=False)
    full_test: SlowdownTest
    onset: dict[str, float] | None
    onset_fit: TrendFit | None = field(default=None, repr=False)

    @property
    def origins(self) -> tuple[float, ...]:
        return tuple(r.origin for r in self.results)

    # -- tables -----------------------------------------------------------------
    def points(self) -> pd.DataFrame:
        """One row per (origin, model, held-out observation)."""
        rows = []
        for r in self.results:
            for model, sc in r.scores.items():
                for i in range(sc.n):
                    rows.append(
                        (r.origin, model, sc.years[i], sc.observed[i], sc.median[i], sc.low[i], sc.high[i], sc.error[i], sc.crps[i], bool(sc.covered[i]))
                    )
        cols = ["origin", "model", "year", "observed", "median", "low", "high", "error", "crps", "covered"]
        return pd.DataFrame(rows, columns=cols)

    def skill(self, *, intervals: bool = False, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
        """Per model, pooled over origins: held-out points, MAE and bias of the median, coverage, mean CRPS.

        With ``intervals``, ``crps_low``/``crps_high`` and ``coverage_low``/``coverage_high``
        come from a bootstrap that resamples whole origins (the forecasts from
        one origin share its fit, so they are not independent), at level ``ci``.
        """
        pts = self.points()
        rows = []
        rng = np.random.default_rng(seed)
        for model in self.models:
            p = pts[pts["model"] == model]
            if p.empty:
                rows.append((model, 0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan))
                continue
            lo_c = hi_c = lo_v = hi_v = math.nan
            if intervals:
                g = p.groupby("origin").agg(n=("crps", "size"), crps=("crps", "sum"), cov=("covered", "sum"))
                pick = rng.integers(0, len(g), size=(n_boot, len(g)))  # whole origins, with replacement
                n = g["n"].to_numpy(dtype=float)[pick].sum(axis=1)
                mc = g["crps"].to_numpy(dtype=float)[pick].sum(axis=1) / n
                mv = g["cov"].to_numpy(dtype=float)[pick].sum(axis=1) / n
                q = [(1 - self.ci) / 2, (1 + self.ci) / 2]
                lo_c, hi_c = (float(v) for v in np.quantile(mc, q))
                lo_v, hi_v = (float(v) for v in np.quantile(mv, q))
            rows.append(
                (model, len(p), float(p["error"].abs().mean()), float(p["error"].mean()), float(p["covered"].mean()), lo_v, hi_v,
                 float(p["crps"].mean()), lo_c, hi_c)
            )
        cols = ["model", "n", "mae", "bias", "coverage", "coverage_low", "coverage_high", "crps", "crps_low", "crps_high"]
        out = pd.DataFrame(rows, columns=cols)
        return out if intervals else out.drop(columns=["coverage_low", "coverage_high", "crps_low", "crps_high"])

    def detections(self) -> pd.DataFrame:
        """One row per test origin: training size, slowdown p-value, detected, break year, growth before/after."""
        rows = []
        for r in self.tests:
            t = r.test
            if t is None:
                rows.append((r.origin, r.n_train, math.nan, False, math.nan, math.nan, math.nan))
            else:
                rows.append((r.origin, r.n_train, t.p_value, t.detected, t.break_year, t.growth_before, t.growth_after))
        return pd.DataFrame(rows, columns=["origin", "n_train", "p_value", "detected", "break_year", "growth_before", "growth_after"])

    def forecasts(self) -> pd.DataFrame:
        """What each model forecast from each origin for origin + horizon (natural units)."""
        rows = []
        for r in self.results:
            for model, f in r.forecasts.items():
                rows.append((r.origin, model, r.origin + self.horizon, f["median"], f["low"], f["high"]))
        return pd.DataFrame(rows, columns=["origin", "model", "year", "median", "low", "high"])

    # -- detection summary ----------------------------------------------------------
    @property
    def first_detection(self) -> float | None:
        """Earliest test origin from which every later one detects a slowdown (None if the last does not)."""
        det = [r.detected for r in self.tests]
        if not det or not det[-1]:
            return None
        i = len(det) - 1
        while i > 0 and det[i - 1]:
            i -= 1
        return self.tests[i].origin

    @property
    def first_any_detection(self) -> float | None:
        """Earliest test origin that detects a slowdown, sustained or not."""
        for r in self.tests:
            if r.detected:
                return r.origin
        return None

    @property
    def false_alarms(self) -> int:
        """Test origins that detect a slowdown although the whole history shows none."""
        if self.full_test.detected:
            return 0
        return sum(1 for r in self.tests if r.detected)

    @property
    def lead_time(self) -> float | None:
        """Onset year minus first sustained detection (> 0: detected before the onset)."""
        if self.onset is None or self.first_detection is None:
            return None
        return float(self.onset["year"] - self.first_detection)

    @property
    def timing(self) -> str:
        """'in advance', 'after onset', 'ambiguous', 'never detected' or 'no slowdown'."""
        if self.onset is None:
            return "no slowdown"
        first = self.first_detection
        if first is None:
            return "never detected"
        if first < self.onset["low"]:
            return "in advance"
        if first >= self.onset["year"]:
            return "after onset"
        return "ambiguous"

    # -- describe -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        skill = self.skill(intervals=True)
        det = self.detections()
        return {
            "series": self.series.to_dict(),
            "models": list(self.models),
            "horizon_years": self.horizon,
            "ci": self.ci,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else "generator",
            "origins": [float(o) for o in self.origins],
            "test_origins": [float(r.origin) for r in self.tests],
            "skill": _records(skill),
            "skill_intervals": "bootstrap over whole forecast origins",
            "detections": _records(det),
            "forecasts": _records(self.forecasts()),
            "full_history_test": self.full_test.to_dict(),
            "onset": self.onset,
            "first_detection": self.first_detection,
            "first_any_detection": self.first_any_detection,
            "lead_time_years": self.lead_time,
            "timing": self.timing,
            "false_alarms": self.false_alarms,
            "failed_fits": [{"origin": r.origin, "model": m, "why": w} for r in self.results for m, w in r.failed.items()],
            "error_unit": "decades (log10)" if self.series.scale == "log" else (self.series.unit or "value units"),
        }

    def report(self) -> str:
        s = self.series
        unit = "decades (log10)" if s.scale == "log" else (s.unit or "value units")
        lines = [
            f"[[Backtest]] {s.label}: {s.n} values {s.span[0]:.1f}-{s.span[1]:.1f}, {s.scale} scale; "
            f"{len(self.results)} forecast origins, horizon {self.horizon:g} yr, {100 * self.ci:g}% intervals; "
            f"{len(self.tests)} test origins",
            f"    whole history  slowdown p = {self.full_test.p_value:.3g}"
            + (f", onset {self.onset['year']:.1f} [{self.onset['low']:.1f}, {self.onset['high']:.1f}]" if self.onset else ", no onset"),
            f"    detection      first sustained at {_yr(self.first_detection)} ({100 * self.confidence:g}% confidence); timing: {self.timing}",
            f"[[Forecast skill]] pooled over origins; error in {unit} (median minus observed)",
            f"    {'model':<12} {'n':>5} {'MAE':>9} {'bias':>9} {'coverage':>9} {'CRPS':>9}",
        ]
        for row in self.skill().itertuples():
            lines.append(f"    {row.model:<12} {row.n:>5d} {row.mae:>9.3g} {row.bias:>9.3g} {row.coverage:>9.2f} {row.crps:>9.3g}")
        lines.append("[[Detection by origin]]")
        for row in self.detections().itertuples():
            flag = "  detected" if row.detected else ""
            lines.append(f"    {row.origin:>7.1f}  n={row.n_train:<4d} p={row.p_value:<7.3g} break {row.break_year:.1f}{flag}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"TrendBacktest({self.series.label}: {len(self.results)} forecast origins, timing {self.timing!r})"


def _yr(x: float | None) -> str:
    return "never" if x is None else f"{x:.1f}"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else (v.item() if hasattr(v, "item") else v)) for k, v in rec.items()})
    return out


def backtest_trends(
    data: Any,
    *,
    date_column: str = "date",
    value_column: str = "value",
    scale: str = "log",
    models: Sequence[str] | str | None = None,
    origins: Sequence[float] | None = None,
    test_origins: Sequence[float] | None = None,
    horizon: float = 5.0,
    ci: float = 0.9,
    confidence: float = 0.95,
    n_boot: int = 60,
    n_test: int = 299,
    min_points: int = 10,
    seed: int | np.random.Generator | None = 0,
) -> TrendBacktest:
    """Rolling-origin backtest of trend forecasts and of slowdown detection.

    Parameters
    ----------
    data : TrendSeries, DataFrame or mapping of columns
        The dated series (see :func:`scalewatch.analyses.trends.as_series`).
    date_column, value_column, scale :
        How to read ``data`` when it is a table.
    models : sequence of str or comma-separated str, optional
        Default: all three models of the scale.
    origins : sequence of float, optional
        Forecast origins (years); default :func:`default_origins`.
    test_origins : sequence of float, optional
        Origins of the slowdown test; default every whole year from the first
        with ``min_points`` values (the test is cheap, so a fine grid dates
        the first detection to the year).
    horizon : float, default 5.0
        Years after each origin whose observations are forecast and scored.
    ci : float, default 0.9
        Central interval of the forecasts (coverage is checked against it).
    confidence : float, default 0.95
        Confidence at which the slowdown test detects.
    n_boot : int, default 60
        Bootstrap resamples per fit (parameter uncertainty of the forecasts).
    n_test : int, default 299
        Bootstrap replicates of the slowdown test.
    min_points : int, default 10
        Origins with fewer observations are skipped.
    seed : int, Generator or None, default 0
        Seed of all resampling; each origin draws its own stream from it.

    Returns
    -------
    TrendBacktest

    Raises
    ------
    ValueError
        Bad options, or no origin with ``min_points`` observations and
        something after it.
    """
    series = as_series(data, date_column=date_column, value_column=value_column, scale=scale, what="backtest_trends")
    models = check_models(models, series.scale, "backtest_trends")
    if not (isinstance(horizon, (int, float)) and horizon > 0):
        raise ValueError(f"backtest_trends(horizon={horizon!r}); use a positive number of years, e.g. 5.")
    if not 0 < ci < 1 or not 0 < confidence < 1:
        raise ValueError(f"backtest_trends(ci={ci!r}, confidence={confidence!r}); use levels between 0 and 1.")
    if origins is None:
        origins = default_origins(series, min_points=min_points)
    origins = tuple(sorted(float(o) for o in origins))
    usable = [o for o in origins if series.upto(o).n >= min_points and series.after(o).n > 0]
    if not usable:
        raise ValueError(
            f"backtest_trends: no origin has {min_points} values at or before it and any after it "
            f"(data {series.span[0]:.1f}-{series.span[1]:.1f}, origins {list(origins)[:6]}); pass origins=[...] or lower min_points."
        )
    rng = np.random.default_rng(seed)
    results = []
    for T in usable:
        train, held = series.upto(T), series.after(T, T + horizon)
        sub = np.random.default_rng(int(rng.integers(2**63)))
        fits, scores, fc, failed = {}, {}, {}, {}
        for model in models:
            try:
                tf = fit_trend(train, model, n_boot=n_boot, ci=ci, seed=sub)
            except (ValueError, RuntimeError) as exc:  # too few points for this model, or the fit failed
                failed[model] = str(exc).splitlines()[0]
                continue
            fits[model] = tf
            scores[model] = score_forecast(tf, held, ci=ci, seed=sub)
            f = tf.forecast([T + horizon], ci=ci, seed=sub)
            fc[model] = {"median": float(f["median"][0]), "low": float(f["low"][0]), "high": float(f["high"][0])}
        results.append(OriginResult(T, train.n, fits, scores, fc, failed))
    if test_origins is None:
        test_origins = default_origins(series, min_points=min_points, step=1.0)
    tests = []
    test_rng = np.random.default_rng(int(rng.integers(2**63)))
    for T in sorted(float(o) for o in test_origins):
        train = series.upto(T)
        if train.n < min_points:
            continue
        try:
            test = slowdown_test(train, confidence=confidence, n_boot=n_test, seed=test_rng)
        except ValueError:
            test = None  # too short for any candidate break
        tests.append(DetectionResult(T, train.n, test))
    full = slowdown_test(series, confidence=confidence, n_boot=n_test, seed=int(rng.integers(2**63)))
    onset, onset_fit = None, None
    if full.detected:
        onset_fit = fit_trend(series, "piecewise", n_boot=max(n_boot, 100), ci=ci, seed=int(rng.integers(2**63)))
        year, lo, hi, _ = onset_fit.quantities()["break_year"]
        onset = {"year": year, "low": lo, "high": hi}
    return TrendBacktest(
        series=series,
        models=models,
        horizon=float(horizon),
        ci=ci,
        confidence=confidence,
        n_boot=int(n_boot),
        seed=seed if isinstance(seed, (int, type(None))) else "generator",
        results=tuple(results),
        tests=tuple(tests),
        full_test=full,
        onset=onset,
        onset_fit=onset_fit,
    )


# =============================================================================
# Real series
# =============================================================================

_MICRO_LABELS = {
    "frequency_mhz": ("CPU clock frequency", "MHz"),
    "specint_x1000": ("single-thread performance (SPECint x 10^3)", "SPECint x 10^3"),
    "transistors_thousands": ("transistors per microprocessor (thousands)", "thousands"),
    "typical_power_w": ("typical microprocessor power", "W"),
    "logical_cores": ("logical cores per microprocessor", "count"),
}


def microprocessor_series(metric: str = "frequency_mhz") -> TrendSeries:
    """One metric of microprocessor-trend-data (Horowitz et al.; K. Rupp) as a log-scale series."""
    from scalewatch.data.datasets import load

    if metric not in _MICRO_LABELS:
        raise ValueError(f"microprocessor_series(metric={metric!r}); metrics: {list(_MICRO_LABELS)}.")
    table = load("microprocessor-trend-data").tables["series"]
    rows = table[table["metric"] == metric]
    label, unit = _MICRO_LABELS[metric]
    s = as_series(rows, date_column="year", value_column="value", scale="log", label=label, unit=unit)
    return TrendSeries(
        t=s.t,
        y=s.y,
        scale="log",
        label=label,
        unit=unit,
        t_ref=s.t_ref,
        notes=(
            "microprocessor-trend-data: data up to 2010 by M. Horowitz, F. Labonte, O. Shacham, K. Olukotun, "
            "L. Hammond and C. Batten; 2010-2021 by K. Rupp (CC BY 4.0)",
        ),
    )


def frontier_compute_series(*, top_k: int = 10, start: float = 2010.0, domain: str | None = None) -> TrendSeries:
    """Training compute (FLOP) of frontier models: the top ``top_k`` by compute at their release.

    Parameters
    ----------
    top_k : int, default 10
        Frontier definition of Epoch AI (2024): top 10 by training compute at release.
    start : float, default 2010.0
        First year kept (the deep-learning era; Sevilla et al. 2022).
    domain : str, optional
        Keep models whose ``domain`` lists this (e.g. "Language"); default all.
    """
    from scalewatch.data.datasets import load

    m = load("epoch-ai-models").tables["models"]
    m = m[m["training_compute"].notna() & m["publication_date"].notna()]
    if domain is not None:
        m = m[m["domain"].fillna("").str.split(",").map(lambda parts: domain in [p.strip() for p in parts])]
    t = year_fraction(m["publication_date"])
    c = m["training_compute"].to_numpy(dtype=np.float64)
    keep = top_k_at_release(t, c, top_k) & (t >= start)
    label = f"training compute of frontier {'AI' if domain is None else domain.lower()} models (top {top_k} at release)"
    frame = pd.DataFrame({"year": t[keep], "compute": c[keep]})
    s = as_series(frame, date_column="year", value_column="compute", scale="log", label=label, unit="FLOP")
    return TrendSeries(
        t=s.t,
        y=s.y,
        scale="log",
        label=label,
        unit="FLOP",
        t_ref=s.t_ref,
        notes=(
            f"epoch-ai-models (Epoch AI, June 2025 snapshot): {int(keep.sum())} models with training compute from {start:g}, "
            f"each in the top {top_k} by compute among models released on or before its date",
        ),
    )


# upstream benchmark-stitching data_loader.py corrects these release dates (typos upstream)
_DATE_FIXES = {"gemini-exp-1206": "2024-12-06", "LLaMA-13B": "2023-02-24", "LLaMA-33B": "2023-02-24"}


@dataclass(frozen=True, eq=False)
class Stitched:
    """Capabilities of model versions on a common latent scale (a stitched index)."""

    capabilities: pd.DataFrame  # version, model, release_date, year, capability, n_benchmarks
    benchmarks: pd.DataFrame  # benchmark, difficulty, slope, n_models
    anchor: str
    n_scores: int
    cost: float
    n_iter: int
    converged: bool


def _stitch_fit(mi: np.ndarray, bi: np.ndarray, y: np.ndarray, M: int, B: int, anchor: int, max_iter: int = 400, ridge: float = 0.0):
    r"""Least squares of :math:`\sigma(\alpha_b (C_m - D_b))` on scores, anchor benchmark D = 0, alpha = 1.

    Levenberg-Marquardt on the normal equations, with the capabilities C
    eliminated by their Schur complement: their block of the Gauss-Newton
    matrix is diagonal (each score involves one model), so every step solves
    one (2B - 2)-square system instead of an (M + 2B - 2)-square one.
    """
    from scipy import sparse

    free = np.array([b for b in range(B) if b != anchor])
    col = np.full(B, -1)
    col[free] = np.arange(free.size)
    nb = free.size
    rows = np.arange(y.size)
    m_ok = bi != anchor

    def unpack(p):
        C = p[:M]
        D = np.zeros(B)
        D[free] = p[M : M + nb]
        a = np.ones(B)
        a[free] = p[M + nb :]
        return C, D, a

    prior = np.concatenate([np.zeros(M + nb), np.ones(nb)])  # ridge centre: C = D = 0, alpha = 1

    def cost(p):
        C, D, a = unpack(p)
        r = 0.5 * (1.0 + np.tanh(0.5 * a[bi] * (C[mi] - D[bi]))) - y
        return 0.5 * float(r @ r) + 0.5 * ridge * float(np.sum((p - prior) ** 2))

    def linear(p):
        C, D, a = unpack(p)
        s = 0.5 * (1.0 + np.tanh(0.5 * a[bi] * (C[mi] - D[bi])))
        g = s * (1.0 - s)
        jc = g * a[bi]  # d r / d C_m
        jd = -jc  # d r / d D_b
        ja = g * (C[mi] - D[bi])  # d r / d alpha_b
        r = s - y
        JB = sparse.csr_matrix(
            (np.concatenate([jd[m_ok], ja[m_ok]]), (np.concatenate([rows[m_ok], rows[m_ok]]), np.concatenate([col[bi][m_ok], nb + col[bi][m_ok]]))),
            shape=(y.size, 2 * nb),
        )
        JC = sparse.csr_matrix((jc, (rows, mi)), shape=(y.size, M))
        hcc = np.bincount(mi, weights=jc * jc, minlength=M)
        # sparse products throughout: dense BLAS calls of this size are slow on busy shared
        # machines (multithreaded OpenBLAS contends with other processes)
        hcb = (JC.T @ JB).tocsr()
        hbb = (JB.T @ JB).toarray()
        gc = np.bincount(mi, weights=jc * r, minlength=M) + ridge * (p[:M] - prior[:M])
        gb = JB.T @ r + ridge * (p[M:] - prior[M:])
        return r, hcc + ridge, hcb, hbb + ridge * np.eye(2 * nb), gc, gb

    p = np.concatenate([np.zeros(M), np.zeros(nb), np.ones(nb)])
    f = cost(p)
    lam, converged, it = 1e-3, False, 0
    for it in range(1, max_iter + 1):
        r, hcc, hcb, hbb, gc, gb = linear(p)
        dbb = np.diag(hbb).copy()
        while True:
            dc = hcc * (1.0 + lam) + 1e-12
            S = hbb + lam * np.diag(np.maximum(dbb, 1e-12)) - (hcb.T @ sparse.diags(1.0 / dc) @ hcb).toarray()
            rhs = -gb + hcb.T @ (gc / dc)
            try:
                db = np.linalg.solve(S, rhs)
            except np.linalg.LinAlgError:
                lam *= 10.0
                continue
            dcap = (-gc - hcb @ db) / dc
            pn = p + np.concatenate([dcap, db])
            fn = cost(pn)
            if fn <= f:
                lam = max(lam / 3.0, 1e-12)
                break
            lam *= 4.0
            if lam > 1e12:
                return p, f, it, True  # no further descent: a stationary point to working precision
        small = f - fn <= 1e-12 * max(f, 1e-300)
        p, f = pn, fn
        if small:
            converged = True
            break
    return p, f, it, converged


@functools.lru_cache(maxsize=4)
def stitch_capabilities(
    *, start: str = "2022-11-01", min_benchmarks: int = 4, anchor: str = "Winogrande", ridge: float = 1e-4
) -> Stitched:
    r"""A capability index from benchmark scores, as in Epoch AI's benchmark stitching.

    Every score of model m on benchmark b is modelled as
    :math:`\sigma(\alpha_b (C_m - D_b))` (capability C, difficulty D, slope
    :math:`\alpha`), fitted by least squares with the anchor benchmark fixed at
    D = 0, alpha = 1, as upstream's ``fit.py`` does. Data choices follow
    upstream's ``data_loader.py``: the benchmarks it uses, the maximum of
    repeated reports, model versions released on or after 2022-11-01 with
    scores on more than 3 benchmarks, its three release-date corrections and
    the exclusion of 'Mistral Large'.

    One departure: a weak ridge, ``ridge`` times half the squared distance of
    (C, D, alpha) from (0, 0, 1), is added to the least-squares cost. Without
    it the fit reproduces upstream's optimum (cost 3.4796 on this snapshot)
    only after ~500 iterations, while one benchmark with nearly constant
    scores drifts to a slope of 1e-4 and a difficulty of 1e4; with 1e-4 it
    converges in ~80 iterations and the ranking of the frontier is unchanged
    (the index shifts by a few tenths, a choice of origin on this latent
    scale).

    The index is in logit units of the anchor benchmark (Winogrande); it is
    not rescaled to Epoch's published ECI.
    """
    from scalewatch.data.datasets import load

    ds = load("epoch-benchmark-stitching")
    scores = ds.runs.scores
    versions = ds.tables["model_versions"][["version", "model", "release_date"]].copy()
    for v, d in _DATE_FIXES.items():
        versions.loc[versions["version"] == v, "release_date"] = pd.Timestamp(d)
    versions = versions[versions["model"] != "Mistral Large"]
    s = scores[scores["metric"] == "score"].copy()
    s["version"] = s["run_id"].str.split(":", n=1).str[1]
    s = s.merge(versions, on="version", how="inner")
    s = s[s["release_date"] >= pd.Timestamp(start)]
    count = s.groupby("version")["benchmark"].nunique()
    s = s[s["version"].isin(count[count >= min_benchmarks].index)]
    if anchor not in set(s["benchmark"]):
        raise ValueError(f"stitch_capabilities(anchor={anchor!r}): no scores on that benchmark; benchmarks: {sorted(set(s['benchmark']))}.")
    mi, model_ids = pd.factorize(s["version"], sort=True)
    bi, bench_ids = pd.factorize(s["benchmark"], sort=True)
    y = s["value"].to_numpy(dtype=np.float64)
    a_idx = list(bench_ids).index(anchor)
    p, cost, it, ok = _stitch_fit(mi, bi, y, len(model_ids), len(bench_ids), a_idx, max_iter=300, ridge=ridge)
    M, B = len(model_ids), len(bench_ids)
    C = p[:M]
    free = [b for b in range(B) if b != a_idx]
    D = np.zeros(B)
    D[free] = p[M : M + B - 1]
    a = np.ones(B)
    a[free] = p[M + B - 1 :]
    meta = versions.drop_duplicates("version").set_index("version")
    caps = pd.DataFrame(
        {
            "version": np.asarray(model_ids, dtype=object),
            "model": meta.loc[np.asarray(model_ids), "model"].to_numpy(),
            "release_date": meta.loc[np.asarray(model_ids), "release_date"].to_numpy(),
            "capability": C,
            "n_benchmarks": np.bincount(mi, minlength=M),
        }
    )
    caps["year"] = year_fraction(caps["release_date"])
    benches = pd.DataFrame({"benchmark": np.asarray(bench_ids, dtype=object), "difficulty": D, "slope": a, "n_models": np.bincount(bi, minlength=B)})
    return Stitched(caps.sort_values("release_date").reset_index(drop=True), benches, anchor, int(y.size), float(cost), int(it), bool(ok))


def capability_series(*, top_k: int = 3) -> TrendSeries:
    """The stitched capability index of frontier models (top ``top_k`` at release), linear scale."""
    st = stitch_capabilities()
    c = st.capabilities
    keep = top_k_at_release(c["year"].to_numpy(), c["capability"].to_numpy(), top_k)
    label = f"stitched capability index of frontier models (top {top_k} at release)"
    frame = pd.DataFrame({"year": c["year"][keep], "capability": c["capability"][keep]})
    s = as_series(frame, date_column="year", value_column="capability", scale="linear", label=label, unit="index (Winogrande logits)")
    return TrendSeries(
        t=s.t,
        y=s.y,
        scale="linear",
        label=label,
        unit=s.unit,
        t_ref=s.t_ref,
        notes=(
            f"epoch-benchmark-stitching: {st.n_scores} scores of {len(c)} model versions on {len(st.benchmarks)} benchmarks, "
            f"stitched as upstream's fit.py (anchor {st.anchor}); {int(keep.sum())} frontier versions",
        ),
    )
