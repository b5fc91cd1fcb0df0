"""scalewatch: is scaling hitting a wall? Measure it.

Data flows one way: data -> fit -> analysis -> finding -> report.

>>> from scalewatch import fit, bootstrap, laws, datasets, analyses, report

The top-level namespace is lazy: ``import scalewatch`` is cheap and the heavy
parts (fitting, plotting) load on first use. ``scalewatch.report(...)`` runs
the report (:func:`scalewatch.reporting.report`); the layers and what each
package is for are drawn in ``docs/architecture.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scalewatch._version import __version__

# public name -> module that defines it (a module named like the name is the value itself)
_LAZY = {
    "fit": "scalewatch.fitting",
    "FitResult": "scalewatch.fitting",
    "bootstrap": "scalewatch.fitting",
    "laws": "scalewatch.laws",
    "datasets": "scalewatch.datasets",
    "analyses": "scalewatch.analyses",
    "report": "scalewatch.reporting",
    "RunSet": "scalewatch.data",
    "Registry": "scalewatch.data",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # pragma: no cover
    from scalewatch import analyses, datasets, laws
    from scalewatch.data import Registry, RunSet
    from scalewatch.fitting import FitResult, bootstrap, fit
    from scalewatch.reporting import report


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
