"""Public scaling datasets by name: ``scalewatch.datasets`` is :mod:`scalewatch.data.datasets`.

>>> import scalewatch.datasets
>>> "chinchilla-hoffmann2022" in scalewatch.datasets.names()
True

Every public name of :mod:`scalewatch.data.datasets` (``load``, ``names``,
``info``, ``local_status``, ``fetch``, ``Dataset``, ...) is available here, so
that ``from scalewatch import datasets`` and ``import scalewatch.datasets`` give
the same functions.
"""

from scalewatch.data import datasets as _datasets
from scalewatch.data.datasets import *  # noqa: F403 - this module is the public alias of data.datasets

__all__ = list(_datasets.__all__)
__doc__ = f"{__doc__}\n{_datasets.__doc__}"
