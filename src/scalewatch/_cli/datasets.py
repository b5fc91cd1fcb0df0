"""``scalewatch datasets ...``: the public datasets scalewatch knows by name."""

from __future__ import annotations

import typer

app = typer.Typer(help="Public scaling datasets, fetched by name and pinned by sha256.", no_args_is_help=True)
