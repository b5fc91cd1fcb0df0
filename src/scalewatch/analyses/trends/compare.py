"""All three trend models on one series: AIC, out-of-sample scores and the slowdown test."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalewatch.analyses.trends.fit import TrendFit, fit_trend
from scalewatch.analyses.trends.forecast import ForecastScore, SlowdownTest, score_forecast, slowdown_test
from scalewatch.analyses.trends.series import TrendSeries, as_series, check_models
from scalewatch.findings import Result

__all__ = ["TrendComparison", "compare_trends"]


@dataclass(frozen=True, eq=False)
class TrendComparison(Result):
    """All trend models on one series: in-sample fits, out-of-sample scores and the slowdown test. Immutable.

    Attributes
    ----------
    series : TrendSeries
    fits : dict
        model -> :class:`TrendFit` on the whole series.
    cutoff : float
        Last year of the training part of the out-of-sample comparison.
    holdout_fits : dict
        model -> fit on the observations at or before ``cutoff``.
    scores : dict
        model -> :class:`ForecastScore` on the observations after ``cutoff``.
    test : SlowdownTest or None
        On the whole series (None when too short for it).
    failed : dict
        model -> why it could not be fitted (too few points).
    """

    series: TrendSeries = field(repr=False)
    fits: dict[str, TrendFit] = field(repr=False)
    cutoff: float
    holdout_fits: dict[str, TrendFit] = field(repr=False)
    scores: dict[str, ForecastScore] = field(repr=False)
    test: SlowdownTest | None
    failed: dict[str, str] = field(default_factory=dict)
    seed: Any = 0
    seconds: float = math.nan

    def akaike_weights(self) -> dict[str, float]:
        """exp(-AIC/2) normalised over the fitted models (Burnham & Anderson 2002, sec. 2.9)."""
        aic = {m: f.fit.aic for m, f in self.fits.items() if math.isfinite(f.fit.aic)}
        if not aic:
            return {}
        best = min(aic.values())
        w = {m: math.exp(-0.5 * (a - best)) for m, a in aic.items()}
        tot = sum(w.values())
        return {m: v / tot for m, v in w.items()}

    @property
    def best_out_of_sample(self) -> str | None:
        """The model with the lowest mean CRPS after the cut-off."""
        scored = {m: s.summary()["crps"] for m, s in self.scores.items() if s.n}
        return min(scored, key=scored.get) if scored else None

    def forecast(self, years: Any, *, ci: float | None = None, seed: Any = 0) -> pd.DataFrame:
        """Each model's forecast (median and central interval, natural units) at ``years``."""
        rows = []
        for m, f in self.fits.items():
            fc = f.forecast(years, ci=ci, seed=seed)
            for i, y in enumerate(fc["year"]):
                rows.append((m, float(y), float(fc["median"][i]), float(fc["low"][i]), float(fc["high"][i])))
        return pd.DataFrame(rows, columns=["model", "year", "median", "low", "high"])

    def to_dict(self) -> dict[str, Any]:
        w = self.akaike_weights()
        return {
            "series": self.series.to_dict(),
            "fits": {m: {**f.to_dict(), "akaike_weight": w.get(m)} for m, f in self.fits.items()},
            "out_of_sample": {
                "cutoff": self.cutoff,
                "n_train": int(self.series.upto(self.cutoff).n),
                "n_test": int(self.series.after(self.cutoff).n),
                "error_unit": "decades (log10)" if self.series.scale == "log" else (self.series.unit or "value units"),
                "scores": {m: s.summary() for m, s in self.scores.items()},
                "best": self.best_out_of_sample,
            },
            "slowdown_test": None if self.test is None else self.test.to_dict(),
            "failed": dict(self.failed),
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else "generator",
            "seconds": self.seconds,
        }

    def report(self) -> str:
        s = self.series
        w = self.akaike_weights()
        lines = [f"[[Trend comparison]] {s.label}: {s.n} values {s.span[0]:.1f}-{s.span[1]:.1f}, {s.scale} scale"]
        for note in s.notes:
            lines.append(f"    note: {note}")
        for m, f in self.fits.items():
            lines.append(f.report().replace("[[Trend]]", f"[[{m}]] Akaike weight {w.get(m, math.nan):.3f};", 1))
        for m, why in self.failed.items():
            lines.append(f"[[{m}]] not fitted: {why}")
        unit = "decades (log10)" if s.scale == "log" else (s.unit or "value units")
        lines.append(
            f"[[Out of sample]] fitted to <= {self.cutoff:.2f} ({s.upto(self.cutoff).n} values), scored on the {s.after(self.cutoff).n} after; "
            f"error in {unit}"
        )
        lines.append(f"    {'model':<12} {'MAE':>9} {'bias':>9} {'coverage':>9} {'CRPS':>9}")
        for m, sc in self.scores.items():
            d = sc.summary()
            lines.append(f"    {m:<12} {d['mae']:>9.3g} {d['bias']:>9.3g} {d['coverage']:>9.2f} {d['crps']:>9.3g}")
        if self.test is not None:
            t = self.test
            unit_g = "x/yr" if s.scale == "log" else "/yr"
            lines.append(
                f"[[Slowdown test]] p = {t.p_value:.3g} ({'detected' if t.detected else 'not detected'} at {100 * t.confidence:g}%); "
                f"best break {t.break_year:.1f}: growth {t.growth_before:.3g} -> {t.growth_after:.3g} {unit_g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"TrendComparison({self.series.label}: best out of sample {self.best_out_of_sample!r})"


def compare_trends(
    data: Any,
    *,
    date_column: str = "date",
    value_column: str = "value",
    scale: str = "log",
    models: Sequence[str] | str | None = None,
    holdout: float = 0.25,
    ci: float = 0.9,
    confidence: float = 0.95,
    n_boot: int = 200,
    n_test: int = 499,
    seed: int | np.random.Generator | None = 0,
) -> TrendComparison:
    """Fit the trend models to a dated series and compare them in and out of sample.

    Parameters
    ----------
    data : DataFrame, mapping of columns or TrendSeries
        The series; ``date_column`` holds dates or fractional years.
    date_column, value_column : str
        Column names.
    scale : {"log", "linear"}, default "log"
        "log": the models describe ln y (exponential growth is a straight line).
    models : sequence of str or comma-separated str, optional
        Default all three of the scale (:data:`MODELS`).
    holdout : float, default 0.25
        Share of the time span, at its end, held out for the out-of-sample comparison.
    ci : float, default 0.9
        Level of the intervals.
    confidence : float, default 0.95
        Level of the slowdown test.
    n_boot : int, default 200
        Bootstrap resamples per fit.
    n_test : int, default 499
        Bootstrap replicates of the slowdown test.
    seed : int, Generator or None, default 0

    Returns
    -------
    TrendComparison

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1990, 2011, 0.5)
    >>> y = 100 * 1.4 ** (t - 1990) * np.exp(0.05 * np.sin(7 * t))
    >>> cmp = compare_trends({"year": t, "flops": y}, date_column="year", value_column="flops", n_boot=20, n_test=99)
    >>> round(cmp.fits["exponential"].quantities()["growth_per_year"][0], 2)
    1.4
    """
    t0 = time.perf_counter()
    series = as_series(data, date_column=date_column, value_column=value_column, scale=scale, what="compare_trends")
    models = check_models(models, series.scale, "compare_trends")
    if not 0 < holdout < 1:
        raise ValueError(f"compare_trends(holdout={holdout!r}); use a share of the time span in (0, 1), e.g. 0.25.")
    rng = np.random.default_rng(seed)
    span0, span1 = series.span
    cutoff = span1 - holdout * (span1 - span0)
    train, held = series.upto(cutoff), series.after(cutoff)
    fits, hfits, scores, failed = {}, {}, {}, {}
    for m in models:
        sub = int(rng.integers(2**63))
        try:
            fits[m] = fit_trend(series, m, n_boot=n_boot, ci=ci, seed=sub)
        except (ValueError, RuntimeError) as exc:
            failed[m] = str(exc).splitlines()[0]
            continue
        try:
            hfits[m] = fit_trend(train, m, n_boot=n_boot, ci=ci, seed=sub)
            scores[m] = score_forecast(hfits[m], held, ci=ci, seed=sub)
        except (ValueError, RuntimeError) as exc:
            failed[f"{m} (before cut-off)"] = str(exc).splitlines()[0]
    if not fits:
        raise ValueError(f"compare_trends: no model could be fitted ({'; '.join(f'{k}: {v}' for k, v in failed.items())}).")
    try:
        test = slowdown_test(series, confidence=confidence, n_boot=n_test, seed=int(rng.integers(2**63)))
    except ValueError:
        test = None
    return TrendComparison(
        series=series,
        fits=fits,
        cutoff=float(cutoff),
        holdout_fits=hfits,
        scores=scores,
        test=test,
        failed=failed,
        seed=seed if isinstance(seed, (int, type(None))) else "generator",
        seconds=time.perf_counter() - t0,
    )
