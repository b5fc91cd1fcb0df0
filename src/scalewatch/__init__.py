"""scalewatch: is scaling hitting a wall? Measure it.

Data flows one way: data -> fit -> analysis -> finding -> report.

The top-level namespace is lazy: ``import scalewatch`` is cheap and the heavy
parts (fitting, plotting) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "fit": "scalewatch.fitting",
    "FitResult": "scalewatch.fitting",
    "bootstrap": "scalewatch.fitting",
    "laws": "scalewatch.laws",
    "datasets": "scalewatch.data.datasets",
    "RunSet": "scalewatch.data",
    "Registry": "scalewatch.data",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from scalewatch import laws
    from scalewatch.data import Registry, RunSet
    from scalewatch.data import datasets
    from scalewatch.fitting import FitResult, bootstrap, fit


def __getattr__(name: str) -> Any:
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'scalewatch' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if module.__name__.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
