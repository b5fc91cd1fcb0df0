"""The law abstraction: a scaling law is a small immutable value.

A :class:`Law` knows its formula, its inputs, its parameters (names, bounds,
the scale they are searched on and a default grid of starting values) and its
citation. It predicts, vectorised over many parameter vectors at once, and
gives the Jacobian of its prediction with respect to its parameters. It never
holds fitted constants: those live in a :class:`~scalewatch.fitting.FitResult`.

Shapes used throughout
----------------------
``X``      (n, k) inputs, one column per name in ``law.inputs``.
``theta``  (..., p) parameter vectors in natural units, one per problem.
``pred``   (..., n) predictions.
``jac``    (..., n, p) derivative of ``pred`` with respect to ``theta``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = ["Param", "Law", "as_design"]


@dataclass(frozen=True)
class Param:
    """One parameter of a law.

    Parameters
    ----------
    name : str
        Name as it appears in the formula (``"alpha"``, ``"E"``).
    lower, upper : float
        Closed bounds in natural units. ``scale="log"`` parameters need
        ``lower >= 0`` (the bound 0 itself is open).
    scale : {"linear", "log"}
        Scale the fitter searches on. ``"log"`` suits strictly positive
        magnitudes spanning decades (A, B, E of Chinchilla) and keeps them
        positive without a constraint.
    grid : tuple of float
        Default starting values for the global search, in natural units.
    doc : str
        One line on what the parameter means, with units.
    """

    name: str
    lower: float = -math.inf
    upper: float = math.inf
    scale: str = "linear"
    grid: tuple[float, ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        if self.scale not in ("linear", "log"):
            raise ValueError(
                f"Param({self.name!r}, scale={self.scale!r}): scale must be 'linear' or 'log'."
            )
        if not self.lower < self.upper:
            raise ValueError(
                f"Param({self.name!r}): lower={self.lower} must be < upper={self.upper}; "
                "bounds are never swapped silently, pass them in order."
            )
        if self.scale == "log" and self.lower < 0:
            raise ValueError(
                f"Param({self.name!r}, scale='log') needs lower >= 0, got lower={self.lower}; "
                "use scale='linear' for parameters that can be negative."
            )
        for g in self.grid:
            if not self.lower <= g <= self.upper or (self.scale == "log" and g <= 0):
                raise ValueError(
                    f"Param({self.name!r}): grid value {g} lies outside the bounds "
                    f"[{self.lower}, {self.upper}]."
                )


def as_design(law: "Law", data: Any) -> np.ndarray:
    """Turn ``data`` into the (n, k) float64 input matrix of ``law``.

    ``data`` may be a mapping or DataFrame with a column per name in
    ``law.inputs``, or an array-like of shape (n, k) (or (n,) when the law has
    one input).
    """
    if isinstance(data, Mapping) or hasattr(data, "columns"):
        missing = [name for name in law.inputs if name not in data]
        if missing:
            have = list(data.columns) if hasattr(data, "columns") else list(data)
            raise ValueError(
                f"{law.name} needs input(s) {list(law.inputs)} but the data lack {missing} "
                f"(columns given: {have}); rename them or pass inputs=... to map them."
            )
        cols = [np.asarray(data[name], dtype=np.float64) for name in law.inputs]
        X = np.column_stack(cols) if cols else np.empty((0, 0))
    else:
        X = np.array(data, dtype=np.float64)  # a copy: callers may hand us read-only views
        if X.ndim == 1 and len(law.inputs) == 1:
            X = X[:, None]
    if X.ndim != 2 or X.shape[1] != len(law.inputs):
        raise ValueError(
            f"{law.name} takes {len(law.inputs)} input(s) {list(law.inputs)}; "
            f"got an array of shape {X.shape}. Pass an (n, {len(law.inputs)}) array or a table."
        )
    if not np.all(np.isfinite(X)):
        bad = int(np.argwhere(~np.isfinite(X))[0][0])
        raise ValueError(f"{law.name}: input row {bad} is not finite ({X[bad].tolist()}); drop or fix it.")
    return X


@dataclass(frozen=True)
class Law:
    """Base class of scaling laws: immutable, vectorised, differentiable.

    Subclasses set the class attributes and implement :meth:`evaluate`;
    :meth:`prepare` may precompute features of the inputs (logs, say) once per
    fit, since the solver evaluates the law thousands of times on the same
    inputs.
    """

    name: ClassVar[str] = "law"
    inputs: ClassVar[tuple[str, ...]] = ()
    output: ClassVar[str] = "loss"
    formula: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    #: whether predictions are strictly positive for every parameter vector
    #: inside the bounds, so that residuals may be taken on log scale
    positive: ClassVar[bool] = True
    #: parameters the prediction is linear in (for variable projection)
    linear_params: ClassVar[tuple[str, ...]] = ()

    @property
    def parameters(self) -> tuple[Param, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- names -------------------------------------------------------------
    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def n_params(self) -> int:
        return len(self.parameters)

    # -- evaluation ----------------------------------------------------------
    def prepare(self, X: np.ndarray) -> Any:
        """Precompute features of the (n, k) inputs; the default is ``X`` itself."""
        return X

    def evaluate(self, features: Any, theta: np.ndarray, jac: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Prediction (..., n) and, if ``jac``, its Jacobian (..., n, p)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def evaluate_columns(self, features: Any, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prediction (..., n) and its Jacobian parameter-major, (..., p, n), as a new array.

        The solver contracts the Jacobian over the n observations; with n the
        last (contiguous) axis those contractions are plain matrix products.
        The default transposes :meth:`evaluate`'s Jacobian; a law may write
        its columns in this layout directly (Chinchilla does).
        """
        pred, J = self.evaluate(features, theta, jac=True)
        return pred, np.array(np.swapaxes(J, -1, -2), order="C")

    def predict(self, data: Any, theta: Sequence[float] | np.ndarray | Mapping[str, float]) -> np.ndarray:
        """Predict the output at ``data`` for parameters ``theta``.

        Parameters
        ----------
        data : table, mapping or array of shape (n, k)
            Inputs named as in :attr:`inputs`.
        theta : array of shape (..., p) or mapping name -> value
            Parameters in natural units, in the order of :attr:`param_names`.

        Returns
        -------
        ndarray of shape (..., n)
        """
        X = as_design(self, data)
        pred, _ = self.evaluate(self.prepare(X), self.theta_array(theta))
        return pred

    def jacobian(self, data: Any, theta: Sequence[float] | np.ndarray | Mapping[str, float]) -> np.ndarray:
        """Derivative of the prediction with respect to the parameters, (..., n, p)."""
        X = as_design(self, data)
        _, J = self.evaluate(self.prepare(X), self.theta_array(theta), jac=True)
        assert J is not None
        return J

    def __call__(self, data: Any, **params: float) -> np.ndarray:
        """``law(data, E=1.69, A=406.4, ...)``: predict with named parameters."""
        return self.predict(data, params)

    def theta_array(self, theta: Sequence[float] | np.ndarray | Mapping[str, float]) -> np.ndarray:
        """Parameters as a float64 array (..., p), from an array or a name -> value mapping."""
        if isinstance(theta, Mapping):
            missing = [n for n in self.param_names if n not in theta]
            extra = [n for n in theta if n not in self.param_names]
            if missing or extra:
                raise ValueError(
                    f"{self.name} has parameters {list(self.param_names)}; "
                    f"missing {missing}, unknown {extra}."
                )
            return np.array([float(theta[n]) for n in self.param_names], dtype=np.float64)
        arr = np.array(theta, dtype=np.float64)
        if arr.shape[-1:] != (self.n_params,):
            raise ValueError(
                f"{self.name} has {self.n_params} parameters {list(self.param_names)}; "
                f"got theta of shape {arr.shape}."
            )
        return arr

    # -- search space ----------------------------------------------------------
    def default_grid(self) -> np.ndarray:
        """Cartesian product of the parameters' grids, (S, p), natural units."""
        axes = [np.asarray(p.grid if p.grid else (_midpoint(p),), dtype=np.float64) for p in self.parameters]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=-1)

    def describe(self) -> str:
        """Formula, parameters and citation, as text."""
        lines = [f"{self.name}: {self.formula}", f"inputs: {', '.join(self.inputs)}"]
        for p in self.parameters:
            lines.append(f"  {p.name:<10} [{p.lower:g}, {p.upper:g}] ({p.scale})  {p.doc}")
        lines.append(f"reference: {self.citation}")
        return "\n".join(lines)


def _midpoint(p: Param) -> float:
    lo, hi = p.lower, p.upper
    if p.scale == "log":
        lo = max(lo, 1e-12)
        hi = min(hi, 1e12)
        return float(math.sqrt(lo * hi))
    lo = max(lo, -1e3)
    hi = min(hi, 1e3)
    return 0.5 * (lo + hi)
