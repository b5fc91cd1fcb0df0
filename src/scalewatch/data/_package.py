"""The hook by which packages above the data layer register the datasets they ship.

The names are listed in :data:`scalewatch.data.datasets.PACKAGE_DATASETS`; the
package that makes a dataset provides its loader, either through an entry
point of the group :data:`PACKAGE_DATASET_GROUP` (``pyproject.toml``:
``scalewatch-sweep = "scalewatch.experiments:sweep_dataset"``) or by calling
:func:`register_package_dataset`. The data layer itself never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scalewatch.errors import DatasetUnavailableError

__all__ = ["PACKAGE_DATASET_GROUP", "register_package_dataset", "package_dataset"]

#: entry-point group of the loaders ``() -> Dataset`` of the package datasets
PACKAGE_DATASET_GROUP = "scalewatch.datasets"

# name -> loader, from register_package_dataset() or, on first use, the entry points
_LOADERS: dict[str, Callable[[], Any]] = {}


def register_package_dataset(name: str, loader: Callable[[], Any]) -> None:
    """Register ``loader() -> Dataset`` as the loader of the package dataset ``name``.

    Raises
    ------
    TypeError
        If ``loader`` is not callable.
    """
    if not callable(loader):
        raise TypeError(f"register_package_dataset({name!r}, loader=...) takes a function () -> Dataset; got {type(loader).__name__}.")
    _LOADERS[name] = loader


def package_dataset(name: str) -> Any:
    """Load the package dataset ``name`` with its registered loader.

    Raises
    ------
    DatasetUnavailableError
        If no package registered a loader for ``name`` (an installation
        without its entry points: reinstall with ``pip install -e .``).
    """
    loader = _LOADERS.get(name)
    if loader is None:
        from importlib.metadata import entry_points

        found = [ep for ep in entry_points(group=PACKAGE_DATASET_GROUP) if ep.name == name]
        if not found:
            raise DatasetUnavailableError(
                f"package dataset {name!r} has no loader: no entry point {name!r} in group {PACKAGE_DATASET_GROUP!r} "
                "and none registered with register_package_dataset(); reinstall scalewatch (pip install -e .)."
            )
        loader = _LOADERS[name] = found[0].load()
    return loader()
