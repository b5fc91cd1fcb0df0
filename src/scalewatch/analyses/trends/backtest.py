r"""Rolling-origin backtests of trend models and of plateau detection.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.trends.fit import TrendFit, fit_trend
from scalewatch.analyses.trends.forecast import ForecastScore, SlowdownTest, score_forecast, slowdown_test
from scalewatch.analyses.trends.series import TrendSeries, as_series, check_models
from scalewatch.findings import Result, records

__all__ = ["OriginResult", "DetectionResult", "default_origins", "TrendBacktest", "backtest_trends"]


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
class TrendBacktest(Result):
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
            "skill": records(skill),
            "skill_intervals": "bootstrap over whole forecast origins",
            "detections": records(det),
            "forecasts": records(self.forecasts()),
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
