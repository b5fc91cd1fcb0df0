"""Fitting a trend model to a dated series: starting points, the fit with bootstrap intervals, forecasts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch.analyses.trends.models import LogisticTrend, PiecewiseTrend, SteadyTrend, _hinge_ols, trend_law
from scalewatch.analyses.trends.series import TrendSeries, check_models
from scalewatch.findings import Result
from scalewatch.fitting import ols, quiet_fit
from scalewatch.laws import Law

__all__ = ["TrendFit", "fit_trend"]


def _best_rows(rss: np.ndarray, rows: np.ndarray, keep: int) -> np.ndarray:
    """The ``keep`` rows with the smallest finite RSS."""
    order = np.argsort(np.where(np.isfinite(rss), rss, np.inf), kind="stable")[:keep]
    return rows[order[np.isfinite(rss[order])]] if np.isfinite(rss[order]).any() else rows[:1]


def _starts(law: Law, series: TrendSeries, keep: int = 2) -> np.ndarray:
    """Starting points (S, p): the best points of a profile over the nonlinear parameters.

    For each grid value of the nonlinear parameters (the break tau; the
    logistic's rate and midpoint) the parameters that enter linearly are set
    by least squares, exactly; the ``keep`` best grid points are refined by the
    engine. The steady trend needs one start, its own least-squares solution.
    """
    x = series.t - series.t_ref
    z = series.z
    line = ols(x, z)
    a0, b0 = line.intercept, line.slope
    if isinstance(law, SteadyTrend):
        return np.array([[a0, b0]])
    if isinstance(law, PiecewiseTrend):
        ux = np.unique(x)
        taus = ux[(ux >= law.tau_lower) & (ux <= law.tau_upper)]
        if taus.size > 60:
            taus = np.quantile(taus, np.linspace(0, 1, 60))
        if taus.size == 0:
            taus = np.array([0.5 * (law.tau_lower + law.tau_upper)])
        rows = np.array([[*_hinge_ols(x, z, tau), tau] for tau in taus])
        pred = law.predict(series.t[:, None], rows)
        zz = np.log(pred) if law.scale == "log" else pred
        return _best_rows(np.sum((zz - z) ** 2, axis=1), rows, keep)
    assert isinstance(law, LogisticTrend)
    width = max(x[-1] - x[0], 1.0)
    ms = np.linspace(law.m_lower, law.m_upper, 25)
    if law.scale == "log":
        rates = np.clip(max(abs(b0), 1e-2) * np.array([0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0]), 1e-4, law.r_upper)
        R, M = (g.ravel() for g in np.meshgrid(rates, ms, indexing="ij"))
        S = np.logaddexp(0.0, -R[:, None] * (x[None, :] - M[:, None]))  # (G, n)
        logK = np.mean(z[None, :] + S, axis=1)  # exact least squares in the linear parameter
        rss = np.sum((logK[:, None] - S - z[None, :]) ** 2, axis=1)
        return _best_rows(rss, np.column_stack([logK, R, M]), keep)
    rates = np.clip(1.0 / (width * np.array([0.05, 0.1, 0.2, 0.4, 0.8, 1.6])), 1e-4, law.r_upper)
    R, M = (g.ravel() for g in np.meshgrid(rates, ms, indexing="ij"))
    sg = 0.5 * (1.0 + np.tanh(0.5 * R[:, None] * (x[None, :] - M[:, None])))  # (G, n)
    sm = sg.mean(axis=1, keepdims=True)
    var = np.sum((sg - sm) ** 2, axis=1)
    slope = np.where(var > 1e-12, np.sum((sg - sm) * (z - z.mean())[None, :], axis=1) / np.where(var > 1e-12, var, 1.0), 0.0)
    lo = z.mean() - slope * sm[:, 0]
    rss = np.sum((lo[:, None] + slope[:, None] * sg - z[None, :]) ** 2, axis=1)
    rss = np.where(var > 1e-12, rss, np.inf)
    return _best_rows(rss, np.column_stack([lo, lo + slope, R, M]), keep)


def _quiet_fit(law: Law, series: TrendSeries, notes: list[str], loss: str):
    """:func:`scalewatch.fitting.quiet_fit` of a trend law to a series, from the model's own starting points."""
    data = {"year": series.t, "value": series.y}
    return quiet_fit(law, data, notes, loss=loss, space=series.scale, starts=_starts(law, series), keep=6, max_iter=300)


@dataclass(frozen=True, eq=False)
class TrendFit(Result):
    """One trend model fitted to a dated series, with bootstrap draws of its parameters. Immutable.

    Attributes
    ----------
    model : str
        "exponential"/"linear", "logistic" or "piecewise".
    series : TrendSeries
        The data it was fitted to.
    fit : FitResult
        The full-data fit (least squares on the model scale).
    draws : ndarray (m, p)
        Parameter vectors of the successful bootstrap resamples (the full-data
        estimate alone when ``n_boot`` is 0).
    residuals : ndarray (n,)
        Full-data residuals on the model scale (observed minus fitted z).
    ci : float
        Confidence level of the intervals.
    n_boot, n_failed : int
        Resamples drawn and those whose refit failed (excluded).
    notes : tuple of str
        Identifiability notes of the fit (parameters at a bound, ...).
    """

    model: str
    series: TrendSeries = field(repr=False)
    fit: Any = field(repr=False)
    draws: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    ci: float = 0.9
    n_boot: int = 0
    n_failed: int = 0
    notes: tuple[str, ...] = ()

    @property
    def law(self) -> Law:
        return self.fit.law

    @property
    def params(self) -> dict[str, float]:
        return dict(self.fit.params)

    @property
    def sigma(self) -> float:
        """Residual scale on the model scale, sqrt(RSS / (n - p))."""
        n, p = self.residuals.size, self.law.n_params
        return float(math.sqrt(float(self.residuals @ self.residuals) / max(n - p, 1)))

    # -- predictions -----------------------------------------------------------
    def predict(self, years: Any) -> np.ndarray:
        """Fitted values at ``years`` (natural units)."""
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        return self.law.predict(t[:, None], self.fit.theta)

    def samples(self, years: Any, n: int = 400, *, noise: bool = True, seed: Any = 0) -> np.ndarray:
        """Predictive samples (n, k) on the model scale (ln y or y) at ``years``.

        Each sample takes a bootstrap parameter draw (cycled) and, with
        ``noise``, adds a full-data residual drawn at random, inflated by
        sqrt(n_obs / (n_obs - p)) (see the module notes).
        """
        rng = np.random.default_rng(seed)
        t = np.atleast_1d(np.asarray(years, dtype=np.float64))
        idx = np.arange(n) % len(self.draws)
        with np.errstate(all="ignore"):
            pred = self.law.predict(t[:, None], self.draws[idx])  # (n, k)
            z = np.log(pred) if self.series.scale == "log" else pred
        if noise:
            nobs, p = self.residuals.size, self.law.n_params
            inflate = math.sqrt(nobs / max(nobs - p, 1))
            z = z + inflate * rng.choice(self.residuals, size=z.shape)
        return z

    def forecast(self, years: Any, *, ci: float | None = None, n: int = 400, seed: Any = 0) -> dict[str, np.ndarray]:
        """Median and central ``ci`` interval of the predictive distribution at ``years``, natural units."""
        ci = self.ci if ci is None else ci
        z = self.samples(years, n, seed=seed)
        lo, med, hi = _quantiles(z, ci)
        back = np.exp if self.series.scale == "log" else (lambda v: v)
        return {"year": np.atleast_1d(np.asarray(years, dtype=np.float64)), "median": back(med), "low": back(lo), "high": back(hi)}

    # -- derived quantities ---------------------------------------------------------
    def quantities(self) -> dict[str, tuple[float, float, float, str]]:
        """Readable quantities: name -> (estimate, low, high, unit) at confidence ``ci``.

        Exponential: growth factor per year and doubling time. Logistic: the
        plateau (ceiling), the midpoint year, the early growth factor.
        Piecewise: the break year and the growth before and after it.
        """
        names = self.law.param_names
        est = dict(zip(names, self.fit.theta))
        D = {nm: self.draws[:, i] for i, nm in enumerate(names)}
        t_ref, log = self.series.t_ref, self.series.scale == "log"
        unit = self.series.unit

        def q(fn, u: str) -> tuple[float, float, float, str]:
            with np.errstate(all="ignore"):
                e = float(fn(est))
                vals = np.asarray(fn(D), dtype=np.float64)
            vals = vals[np.isfinite(vals)]
            if vals.size >= 2:
                lo, hi = np.quantile(vals, [(1 - self.ci) / 2, (1 + self.ci) / 2])
            else:
                lo = hi = math.nan
            return (e, float(lo), float(hi), u)

        out: dict[str, tuple[float, float, float, str]] = {}
        if self.model in ("exponential", "linear"):
            if log:
                out["growth_per_year"] = q(lambda p: np.exp(p["b"]), "x/yr")
                out["doubling_time"] = q(lambda p: math.log(2.0) / np.asarray(p["b"]), "yr")
            else:
                out["slope_per_year"] = q(lambda p: p["b"], f"{unit}/yr".strip("/"))
        elif self.model == "logistic":
            if log:
                out["ceiling"] = q(lambda p: np.exp(p["logK"]), unit)
                out["early_growth_per_year"] = q(lambda p: np.exp(p["r"]), "x/yr")
            else:
                out["ceiling"] = q(lambda p: p["hi"], unit)
                out["floor"] = q(lambda p: p["lo"], unit)
            out["midpoint_year"] = q(lambda p: t_ref + np.asarray(p["m"]), "year")
        elif self.model == "piecewise":
            out["break_year"] = q(lambda p: t_ref + np.asarray(p["tau"]), "year")
            if log:
                out["growth_before"] = q(lambda p: np.exp(p["b1"]), "x/yr")
                out["growth_after"] = q(lambda p: np.exp(p["b2"]), "x/yr")
            else:
                out["slope_before"] = q(lambda p: p["b1"], f"{unit}/yr".strip("/"))
                out["slope_after"] = q(lambda p: p["b2"], f"{unit}/yr".strip("/"))
        return out

    # -- describe ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary."""
        return {
            "model": self.model,
            "formula": self.law.formula,
            "citation": self.law.citation,
            "scale": self.series.scale,
            "t_ref": float(self.series.t_ref),
            "n_obs": int(self.fit.n_obs),
            "params": {k: float(v) for k, v in self.fit.params.items()},
            "quantities": {k: {"value": v[0], "low": v[1], "high": v[2], "unit": v[3]} for k, v in self.quantities().items()},
            "ci": self.ci,
            "interval_method": f"bootstrap percentile ({self.n_boot} resamples of observations, {self.n_failed} failed)"
            if self.n_boot
            else "none (n_boot=0)",
            "sigma": self.sigma,
            "aic": float(self.fit.aic),
            "status": self.fit.status,
            "notes": list(self.notes),
        }

    def report(self) -> str:
        pct = f"{100 * self.ci:g}%"
        lines = [
            f"[[Trend]] {self.model}: {self.law.formula}  (t_ref = {self.series.t_ref:g})",
            f"    data        {self.series.label}: {self.fit.n_obs} values, {self.series.span[0]:.1f}-{self.series.span[1]:.1f}, {self.series.scale} scale",
            f"    fit         least squares on {'ln y' if self.series.scale == 'log' else 'y'}; {self.fit.status}; AIC {self.fit.aic:.4g}; residual sd {self.sigma:.3g}",
            f"    intervals   {pct} bootstrap percentile, {self.n_boot} resamples, {self.n_failed} failed",
        ]
        for name, (v, lo, hi, u) in self.quantities().items():
            lines.append(f"    {name:<22} {v:<12.5g} [{lo:.5g}, {hi:.5g}] {u}")
        for note in self.notes:
            lines.append(f"    note: {note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"TrendFit({self.model}, {self.fit.n_obs} values, {self.series.scale} scale)"


def fit_trend(
    series: TrendSeries,
    model: str,
    *,
    n_boot: int = 200,
    ci: float = 0.9,
    loss: str = "lsq",
    seed: Any = 0,
) -> TrendFit:
    """Fit one trend model to ``series`` and bootstrap its parameters.

    Parameters
    ----------
    series : TrendSeries
        From :func:`as_series`.
    model : str
        One of ``MODELS[series.scale]``.
    n_boot : int, default 200
        Bootstrap resamples (0: no intervals; forecasts then carry residual
        scatter only).
    ci : float, default 0.9
        Confidence level of the intervals.
    loss : {"lsq", "huber"}, default "lsq"
        Loss on the model-scale residuals (least squares: the AIC compares
        models on a Gaussian likelihood).
    seed : int, Generator or None
        Seed of the resampling.

    Returns
    -------
    TrendFit
    """
    check_models((model,), series.scale, "fit_trend")
    if not 0 < ci < 1:
        raise ValueError(f"fit_trend(ci={ci!r}); use a confidence level between 0 and 1, e.g. 0.9.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0 or n_boot == 1:
        raise ValueError(f"fit_trend(n_boot={n_boot!r}); use 0 (no intervals) or an integer >= 2, e.g. 200.")
    law = trend_law(model, series)
    if series.n < law.n_params + 2:
        raise ValueError(
            f"fit_trend(model={model!r}): {series.n} values; the {model} model has {law.n_params} parameters and needs at least {law.n_params + 2}."
        )
    notes: list[str] = []
    result = _quiet_fit(law, series, notes, loss)
    z = series.z
    with np.errstate(all="ignore"):
        zhat = np.log(result.predictions) if series.scale == "log" else result.predictions
    resid = z - zhat
    draws = result.theta[None, :]
    n_failed = 0
    if n_boot:
        from scalewatch.fitting import bootstrap

        with np.errstate(all="ignore"):
            bs = bootstrap(result, int(n_boot), seed=seed, n_grid_starts=0, keep=2, threads=1)
        draws = np.column_stack([bs.samples[nm] for nm in law.param_names])
        n_failed = bs.n_failed
        if len(draws) == 0:
            draws = result.theta[None, :]
            notes.append(f"all {n_boot} bootstrap resamples failed; intervals show residual scatter only")
    return TrendFit(
        model=model,
        series=series,
        fit=result,
        draws=draws,
        residuals=resid,
        ci=ci,
        n_boot=int(n_boot),
        n_failed=int(n_failed),
        notes=tuple(dict.fromkeys(notes)),
    )


def _quantiles(z: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower, median and upper quantiles of the finite samples per column (NaN where none is finite).

    Predictions can overflow to inf for parameter draws far out on a
    logistic's flat directions; those samples are set aside, not averaged.
    """
    z = np.where(np.isfinite(z), z, np.nan)
    out = np.full((3, z.shape[1]), np.nan)
    ok = np.isfinite(z).any(axis=0)
    if ok.any():
        out[:, ok] = np.nanquantile(z[:, ok], [(1 - ci) / 2, 0.5, (1 + ci) / 2], axis=0)
    return out[0], out[1], out[2]
