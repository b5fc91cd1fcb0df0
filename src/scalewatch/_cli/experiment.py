"""``scalewatch experiment selfplay``: run or resume the synthetic-data experiment (thin; torch loads inside)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(name="experiment", help="Experiments on our own small models (synthetic data / self-play).",
                  no_args_is_help=True)


def register(app_: typer.Typer) -> None:
    """Add the ``experiment`` command group to ``app_``."""
    app_.add_typer(app, name="experiment")


@app.command("selfplay")
def selfplay(
    config: Optional[Path] = typer.Option(None, "--config", help="JSON file of SelfPlayConfig settings (others default)."),
    out: Path = typer.Option(Path("selfplay-results"), "--out", help="Results folder (results.jsonl, config.json); resumes what is there."),
    state: Optional[Path] = typer.Option(None, "--state", help="Checkpoints of every round (default OUT/state)."),
    executor: str = typer.Option("local", "--executor", help="local (this machine; a spawn process pool when --workers > 1) | ray. "
                                 "Seeds and arms run in parallel; the rounds of one chain stay sequential."),
    workers: int = typer.Option(1, "--workers", help="Rounds computed at once (local executor)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (with --executor ray), e.g. auto or ray://host:10001."),
) -> None:
    """Verified vs unverified self-training on arithmetic, and recursive training on text (resumable)."""
    from scalewatch.experiments.selfplay import SelfPlayConfig, run_selfplay

    settings = {}
    if config is not None:
        try:
            settings = json.loads(config.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {config}: {exc}; give a JSON object of settings.", param_hint="--config") from None
    try:
        cfg = SelfPlayConfig.from_dict(settings)
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--config") from None
    try:
        res = run_selfplay(cfg, out, state=state, executor=executor, workers=workers, address=address,
                           progress=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True))
    except ImportError as exc:  # --executor ray without Ray: one line, not a traceback
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{len(res.records)} records in {out / 'results.jsonl'}")
