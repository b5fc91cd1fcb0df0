"""A user's own law from a Python function with named parameters.

``custom(func, inputs=("x",), bounds={...})`` reads the parameter names from
the signature of ``func`` (the arguments that are not inputs, in order), as
lmfit's ``Model`` does. Strings are never evaluated.

Derivatives come from complex-step differentiation (Squire & Trapp 1998):
for a function that is real-analytic in its parameters,
``f'(b) = Im f(b + i h) / h + O(h^2)`` with no subtraction, so a step of
``h = 1e-20 |b|`` gives the derivative to rounding. Functions that cannot take
complex parameters (``math.exp``, ``scipy.special.expit``, casts to float)
fall back, automatically and silently, to central finite differences with
step ``cbrt(eps) * max(|b|, 1)`` (``cbrt(eps) * |b|`` for log-scale
parameters), about 10 significant digits. Functions that accept complex
input but are not analytic in a parameter (``abs(b)``, ``max(b, 0)``,
comparisons on b) would give wrong complex-step derivatives without any
error: pass ``derivative="central"`` for them.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalewatch.laws._base import Law, Param
from scalewatch.laws._common import normalise_inputs

__all__ = ["CustomLaw", "custom"]

_CS_STEP = 1e-20  # relative complex step: no cancellation, so it can be tiny
_FD_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)  # optimal for central differences
_DERIVATIVES = ("auto", "complex", "central")


class _NotComplexSafe(Exception):
    """The function could not be evaluated at complex parameters."""


@dataclass(frozen=True, kw_only=True)
class CustomLaw(Law):
    """A law defined by a Python function; build it with :func:`custom`.

    The function is called as ``func(**inputs, **params)`` with each input an
    array of shape (n,) and each parameter an array broadcastable as
    (..., 1); it must return an array broadcastable to (..., n).
    """

    func: Callable[..., Any]
    param_specs: tuple[Param, ...]
    name: str = "custom"
    inputs: tuple[str, ...] = ("x",)
    output: str = "loss"
    formula: str = ""
    citation: str = ""
    positive: bool = False
    linear_params: tuple[str, ...] = ()
    derivative: str = "auto"

    def __post_init__(self) -> None:
        if self.derivative not in _DERIVATIVES:
            raise ValueError(
                f"custom(derivative={self.derivative!r}): allowed values are {_DERIVATIVES}; "
                "'auto' tries the complex step and falls back to central differences."
            )
        # call plan, derived once: names passed positionally (positional-only arguments) first
        sig = inspect.signature(self.func)
        positional = tuple(n for n, p in sig.parameters.items() if p.kind is inspect.Parameter.POSITIONAL_ONLY)
        object.__setattr__(self, "_positional", positional)
        object.__setattr__(self, "_log_mask", np.array([p.scale == "log" for p in self.param_specs]))

    @property
    def parameters(self) -> tuple[Param, ...]:
        return self.param_specs

    def prepare(self, X: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.ascontiguousarray(X[:, j]) for j in range(X.shape[1]))  # (n,) each

    # -- calling the user's function ----------------------------------------
    def _call(self, cols: tuple[np.ndarray, ...], params: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        kwargs = dict(zip(self.inputs, cols))
        kwargs.update(zip(self.param_names, params))
        args = [kwargs.pop(n) for n in self._positional]  # type: ignore[attr-defined]
        out = np.asarray(self.func(*args, **kwargs))
        try:
            return np.broadcast_to(out, shape)
        except ValueError:
            raise ValueError(
                f"custom law {self.name!r}: the function returned shape {out.shape}, which does not broadcast "
                f"to {shape}; it receives inputs shaped (n,) and parameters shaped (..., 1) and must return (..., n)."
            ) from None

    def _pred(self, cols, theta):
        n = cols[0].shape[0] if cols else 0
        out = self._call(cols, [theta[..., j, None] for j in range(theta.shape[-1])], theta.shape[:-1] + (n,))
        if np.iscomplexobj(out):
            raise TypeError(
                f"custom law {self.name!r}: the function returned complex values for real parameters; "
                "return real numbers (np.real(...) if the imaginary part is known to vanish)."
            )
        return np.array(out, dtype=np.float64)

    def _jac_complex(self, cols, theta, n):
        p = theta.shape[-1]
        h = _CS_STEP * np.where(theta != 0, np.abs(theta), 1.0)  # (..., p)
        # (..., p, p): row k perturbs parameter k by i h_k
        Z = theta[..., None, :] + 1j * (np.eye(p) * h[..., None, :])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                out = self._call(cols, [Z[..., :, j, None] for j in range(p)], theta.shape[:-1] + (p, n))
        except Exception as exc:  # anything: the real-valued fallback re-raises genuine errors
            raise _NotComplexSafe(f"{type(exc).__name__}: {exc}") from exc
        if not np.iscomplexobj(out):
            raise _NotComplexSafe("the function dropped the imaginary part of its parameters")
        J = np.swapaxes(out.imag / h[..., :, None], -1, -2)  # (..., n, p)
        return J

    def _jac_central(self, cols, theta, n):
        p = theta.shape[-1]
        mag = np.abs(theta)
        scale = np.where(self._log_mask, mag, np.maximum(mag, 1.0))  # type: ignore[attr-defined]
        h = _FD_STEP * np.where(scale > 0, scale, 1.0)  # (..., p)
        step = np.eye(p) * h[..., None, :]
        T = np.concatenate([theta[..., None, :] + step, theta[..., None, :] - step], axis=-2)  # (..., 2p, p)
        out = self._pred(cols, T)  # (..., 2p, n)
        den = (theta + h) - (theta - h)  # the steps actually taken, after rounding
        J = (out[..., :p, :] - out[..., p:, :]) / den[..., :, None]
        return np.swapaxes(J, -1, -2)

    def evaluate(self, features, theta, jac=False):
        cols = features
        n = cols[0].shape[0] if cols else 0
        pred = self._pred(cols, theta)
        if not jac:
            return pred, None
        if self.derivative == "central":
            return pred, self._jac_central(cols, theta, n)
        try:
            J = self._jac_complex(cols, theta, n)
        except _NotComplexSafe as exc:
            if self.derivative == "complex":
                raise TypeError(
                    f"custom law {self.name!r}: complex-step differentiation failed ({exc}); write the function "
                    "with numpy operations that accept complex parameters, or pass derivative='central' "
                    "(or 'auto' to fall back automatically)."
                ) from exc
            return pred, self._jac_central(cols, theta, n)
        if self.derivative == "auto" and not np.isfinite(J[np.isfinite(pred)]).all():
            # e.g. a complex overflow where the real evaluation is fine
            return pred, self._jac_central(cols, theta, n)
        return pred, J


def _as_grid(name: str, value: Any) -> tuple[float, ...]:
    vals = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if vals.ndim != 1:
        raise ValueError(f"custom(grid={{{name!r}: ...}}): give a number or a 1-d sequence of starting values.")
    return tuple(float(v) for v in vals)


def custom(
    func: Callable[..., Any],
    inputs: str | Iterable[str] = ("x",),
    *,
    bounds: Mapping[str, tuple[float, float]],
    grid: Mapping[str, float | Iterable[float]] | None = None,
    scale: Mapping[str, str] | None = None,
    name: str | None = None,
    formula: str | None = None,
    citation: str = "",
    output: str = "loss",
    positive: bool = False,
    linear: Iterable[str] = (),
    derivative: str = "auto",
) -> CustomLaw:
    """Build a law from a Python function whose parameters are named in its signature.

    Parameters
    ----------
    func : callable
        ``func(x, b1, b2, ...)``; the arguments named in ``inputs`` receive
        the data columns, arrays of shape (n,); every other argument is a
        parameter and receives an array broadcastable as (..., 1). It must
        return an array broadcastable to (..., n). Use numpy functions so that
        complex-step derivatives work (see the module notes).
    inputs : str or sequence of str, default ``("x",)``
        Names of the arguments that are data columns.
    bounds : mapping name -> (lower, upper)
        Bounds for *every* parameter, in natural units; ``(-np.inf, np.inf)``
        for none.
    grid : mapping name -> value or values, optional
        Starting values for the global search. Parameters without one start
        from their default value in the signature, if any, else from the
        middle of their bounds.
    scale : mapping name -> {"linear", "log"}, optional
        Search scale per parameter; default "linear". "log" needs lower >= 0.
    name : str, optional
        Defaults to ``func.__name__`` (``"custom"`` for a lambda).
    formula, citation : str, optional
        Shown by :meth:`~Law.describe` and in reports. The formula defaults to
        ``name(inputs; params)``.
    output : str, default "loss"
        Name of the target column in tables passed to ``fit``.
    positive : bool, default False
        Declare that predictions are > 0 for every parameter vector inside the
        bounds, which allows fitting on log scale.
    linear : sequence of str, default ()
        Parameters in which the prediction is linear (for variable projection).
    derivative : {"auto", "complex", "central"}, default "auto"
        "auto": complex step, falling back to central differences if the
        function fails on complex parameters; "complex": complex step only
        (errors are raised); "central": central differences only.

    Returns
    -------
    CustomLaw

    Raises
    ------
    TypeError
        If ``func`` is not callable.
    ValueError
        If ``func`` takes ``*args``/``**kwargs``, an input is not one of its
        arguments, a parameter has no bounds, or an option names an unknown
        parameter.

    Examples
    --------
    >>> import numpy as np
    >>> def misra1a(x, b1, b2):
    ...     return b1 * (1 - np.exp(-b2 * x))
    >>> law = custom(misra1a, bounds={"b1": (0, np.inf), "b2": (0, np.inf)})
    >>> law.param_names
    ('b1', 'b2')
    >>> law.jacobian({"x": [1.0]}, {"b1": 2.0, "b2": 0.0}).tolist()
    [[0.0, 2.0]]
    """
    if not callable(func):
        raise TypeError(
            f"custom(func={func!r}): func must be a callable such as `def law(x, b1, b2): ...`; "
            f"got {type(func).__name__}."
        )
    fname = getattr(func, "__name__", "custom")
    law_name = name if name is not None else ("custom" if fname == "<lambda>" else fname)
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        raise TypeError(
            f"custom(func={fname}): its signature cannot be read; wrap it in a Python function "
            "`def law(x, b1, b2): ...` whose arguments name the inputs and parameters."
        ) from None
    args = list(sig.parameters.values())
    var = [p.name for p in args if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    if var:
        raise ValueError(
            f"custom(func={fname}): {fname} takes *{var[0]}/**-style arguments; parameter names are read from "
            f"the signature, so name each one, e.g. `def {fname}(x, b1, b2)`."
        )
    names = [p.name for p in args]
    given = (inputs,) if isinstance(inputs, str) else tuple(inputs)
    input_names = normalise_inputs("custom", given, len(given))
    missing_inputs = [n for n in input_names if n not in names]
    if missing_inputs:
        raise ValueError(
            f"custom(inputs={input_names!r}): {missing_inputs} are not arguments of {fname}{sig}; "
            f"allowed: {names}. Name the inputs after {fname}'s arguments."
        )
    pnames = [n for n in names if n not in input_names]
    if not pnames:
        raise ValueError(
            f"custom(func={fname}): {fname}{sig} has no parameters besides the inputs {list(input_names)}."
        )

    def check_keys(option: str, given: Mapping[str, Any] | None) -> Mapping[str, Any]:
        given = {} if given is None else given
        if not isinstance(given, Mapping):
            raise TypeError(f"custom({option}=...): pass a mapping from parameter name to value; got {type(given).__name__}.")
        unknown = [k for k in given if k not in pnames]
        if unknown:
            raise ValueError(
                f"custom({option}=...) names {unknown}, which are not parameters of {fname}; parameters: {pnames}."
            )
        return given

    bounds = check_keys("bounds", bounds)
    grid = check_keys("grid", grid)
    scale = check_keys("scale", scale)
    no_bounds = [n for n in pnames if n not in bounds]
    if no_bounds:
        raise ValueError(
            f"custom(bounds=...) has no bounds for {no_bounds}; give (lower, upper) for every parameter of "
            f"{fname}: {pnames} (use (-np.inf, np.inf) where there are none)."
        )
    specs = []
    for n in pnames:
        try:
            lo, hi = (float(v) for v in bounds[n])
        except (TypeError, ValueError):
            raise ValueError(f"custom(bounds={{{n!r}: {bounds[n]!r}}}): give a pair (lower, upper) of numbers.") from None
        if n in grid:
            g = _as_grid(n, grid[n])
        else:
            default = sig.parameters[n].default
            g = (float(default),) if isinstance(default, (int, float)) and not isinstance(default, bool) else ()
        specs.append(Param(n, lo, hi, scale.get(n, "linear"), g))
    linear = tuple(linear)
    bad_linear = [n for n in linear if n not in pnames]
    if bad_linear:
        raise ValueError(f"custom(linear={linear!r}): {bad_linear} are not parameters of {fname}; parameters: {pnames}.")
    return CustomLaw(
        func=func,
        param_specs=tuple(specs),
        name=law_name,
        inputs=input_names,
        output=output,
        formula=formula if formula is not None else f"{law_name}({', '.join(input_names)}; {', '.join(pnames)})",
        citation=citation,
        positive=bool(positive),
        linear_params=linear,
        derivative=derivative,
    )
