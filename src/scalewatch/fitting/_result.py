"""FitResult: the immutable outcome of :func:`scalewatch.fit`, able to describe itself."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalewatch.findings import significant
from scalewatch.fitting._covariance import METHODS
from scalewatch.fitting._design import design_from
from scalewatch.fitting._losses import Loss
from scalewatch.laws import Law, as_design

__all__ = ["FitResult"]


@dataclass(frozen=True, eq=False)
class FitResult:
    """The fitted law, its statistics and diagnostics. Immutable.

    Attributes
    ----------
    law : Law
        The law that was fitted (parameters are not stored in it).
    params : dict
        Fitted parameters, name -> value, natural units.
    stderr : dict
        Asymptotic standard errors: classical for least squares (as NIST
        certifies them), a robust sandwich with the derivative of the
        influence function for Huber losses (see ``stderr_method``); use
        :func:`scalewatch.bootstrap` for intervals you can defend.
    loss, space : Loss, str
        The objective: ``loss`` summed over residuals in ``space`` ("log": log
        prediction minus log observation; "linear": prediction minus observation).
    objective : float
        Minimised value of the summed loss.
    status, message : str
        ``"converged"`` or ``"failed"`` and the solver's reason.
    """

    law: Law
    params: dict[str, float]
    stderr: dict[str, float]
    correlation: np.ndarray
    loss: Loss
    space: str
    objective: float
    status: str
    message: str
    n_obs: int
    n_iter: int
    n_starts: int
    n_refined: int
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    predictions: np.ndarray = field(repr=False)
    aic: float = math.nan
    bic: float = math.nan
    scale: float | None = None
    at_bound: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    local_optima: tuple[tuple[float, dict[str, float]], ...] = ()
    starts: str = ""
    seconds: float = math.nan
    stderr_method: str = "sandwich"
    #: run label (0..G-1) of every point when the fit was given ``groups=`` (whole loss curves), else None
    groups: np.ndarray | None = field(default=None, repr=False)

    # -- use -------------------------------------------------------------------
    @property
    def theta(self) -> np.ndarray:
        """Parameters as an array in the law's order."""
        return np.array([self.params[n] for n in self.law.param_names])

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    def predict(self, data: Any) -> np.ndarray:
        """Predictions of the fitted law at ``data`` (table, mapping or (n, k) array)."""
        X = design_from(self.law, data, inputs=None) if not isinstance(data, np.ndarray) else as_design(self.law, data)
        return self.law.predict(X, self.theta)

    # -- describe ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe summary (the CLI's ``--json`` and the report use it)."""
        return {
            "law": self.law.name,
            "formula": self.law.formula,
            "citation": self.law.citation,
            "inputs": list(self.law.inputs),
            "params": {k: float(v) for k, v in self.params.items()},
            "stderr": {k: float(v) for k, v in self.stderr.items()},
            "stderr_method": self.stderr_method,
            "loss": {**self.loss.to_dict(), "label": self.loss.label(), "space": self.space},
            "objective": float(self.objective),
            "status": self.status,
            "message": self.message,
            "n_obs": int(self.n_obs),
            "n_groups": None if self.groups is None else int(self.groups.max()) + 1,
            "n_params": int(self.law.n_params),
            "aic": float(self.aic),
            "bic": float(self.bic),
            "scale": None if self.scale is None else float(self.scale),
            "at_bound": list(self.at_bound),
            "warnings": list(self.warnings),
            "search": {"starts": self.starts, "n_starts": int(self.n_starts), "n_refined": int(self.n_refined), "n_iter": int(self.n_iter)},
            "local_optima": [{"objective": float(f), "params": {k: float(v) for k, v in p.items()}} for f, p in self.local_optima],
            "seconds": float(self.seconds),
        }

    def report(self) -> str:
        """An aligned, lmfit-style text report."""
        lines = [
            f"[[Fit]] {self.law.name}: {self.law.formula}",
            f"    loss        {self.loss.label()} on {self.space} residuals (summed)",
            f"    status      {self.status}: {self.message}",
            f"    objective   {self.objective:.10g}",
            f"    n_obs       {self.n_obs}    params {self.law.n_params}    AIC {significant(self.aic, 6)}    BIC {significant(self.bic, 6)}",
            f"    search      {self.starts}: {self.n_starts} starts, {self.n_refined} refined, {self.seconds:.3g} s",
        ]
        if self.scale is not None:
            lines.append(f"    scale       {self.scale:.6g} (fitted)")
        lines.append(f"[[Parameters]] (+/- : {METHODS.get(self.stderr_method, self.stderr_method)})")
        for name in self.law.param_names:
            flag = "  (at bound)" if name in self.at_bound else ""
            se = self.stderr.get(name, math.nan)
            lines.append(f"    {name:<10} = {self.params[name]:<14.8g} +/- {significant(se, 6):<10}{flag}")
        strong = self._strong_correlations()
        if strong:
            lines.append("[[Correlations]] (|r| > 0.9)")
            for a, b, r in strong:
                lines.append(f"    C({a}, {b}) = {r:+.4f}")
        if self.warnings:
            lines.append("[[Warnings]]")
            lines.extend(f"    {w}" for w in self.warnings)
        lines.append(f"[[Reference]] {self.law.citation}")
        return "\n".join(lines)

    def _strong_correlations(self, threshold: float = 0.9) -> list[tuple[str, str, float]]:
        names = self.law.param_names
        out = []
        C = self.correlation
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                if np.isfinite(C[i, j]) and abs(C[i, j]) > threshold:
                    out.append((names[i], names[j], float(C[i, j])))
        return out

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{self.params[n]:.6g}</td><td>{significant(self.stderr.get(n, math.nan), 6)}</td>"
            f"<td>{'at bound' if n in self.at_bound else ''}</td></tr>"
            for n in self.law.param_names
        )
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return (
            f"<div class='scalewatch-fit'><b>{html.escape(self.law.name)}</b>: <code>{html.escape(self.law.formula)}</code><br>"
            f"loss: {html.escape(self.loss.label())} on {self.space} residuals; objective {self.objective:.8g}; "
            f"{html.escape(self.status)} ({self.n_obs} points)"
            f"<table><tr><th>param</th><th>value</th><th>stderr</th><th></th></tr>{rows}</table>"
            f"{'<ul>' + warn + '</ul>' if warn else ''}<small>{html.escape(self.law.citation)}</small></div>"
        )

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"FitResult({self.law.name}: {ps}; {self.loss.label()}, objective={self.objective:.6g}, {self.status})"
