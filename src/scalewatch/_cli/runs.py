"""``scalewatch runs ...``: import, list and export runs in the registry."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import, list and export training runs in the run registry.", no_args_is_help=True)
