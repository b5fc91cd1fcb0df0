"""``scalewatch fit ...``: fit a scaling law to a file or a public dataset."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command to ``app``."""
