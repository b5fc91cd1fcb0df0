"""Look laws up by name (for the CLI and for configuration files)."""

from __future__ import annotations

from typing import Any

from scalewatch.laws._base import Law

__all__ = ["catalogue", "get"]


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def catalogue() -> dict[str, type[Law]]:
    """Law name -> class, for every law in :mod:`scalewatch.laws`."""
    found: dict[str, type[Law]] = {}
    for cls in _subclasses(Law):
        name = cls.__dict__.get("name")
        # a custom law wraps a user's function, so it cannot be built from its name alone
        if isinstance(name, str) and name != "custom" and cls.__module__.startswith("scalewatch.laws") and name not in found:
            found[name] = cls
    return dict(sorted(found.items()))


def get(name: str, **options: Any) -> Law:
    """An instance of the law called ``name`` (e.g. ``"chinchilla"``), built with ``options``."""
    laws = catalogue()
    try:
        cls = laws[name]
    except KeyError:
        raise ValueError(f"unknown law {name!r}; known laws: {', '.join(laws)}.") from None
    return cls(**options)
