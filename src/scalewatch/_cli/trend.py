"""``scalewatch trend FILE``: fit trend models to a dated series, compare them, backtest plateau detection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from scalewatch._cli._tables import floats, read_table


def register(app: typer.Typer) -> None:
    """Add the ``trend`` command to ``app``."""
    app.command("trend")(trend_command)


def trend_command(
    file: Path = typer.Argument(..., metavar="FILE", help="A table of dated values: .csv, .tsv, .parquet, .json or .jsonl."),
    date_column: str = typer.Option("date", "--date-column", help="Column with dates (2004-07-02) or fractional years (2004.5)."),
    value_column: str = typer.Option("value", "--value-column", help="Column with the values."),
    scale: str = typer.Option("log", "--scale", help="log (growth by factors; values > 0) | linear"),
    models: Optional[str] = typer.Option(None, "--models", help="Comma-separated: exponential (linear on --scale linear), logistic, piecewise. Default: all."),
    holdout: float = typer.Option(0.25, "--holdout", help="Share of the time span held out at the end for the out-of-sample comparison."),
    forecast: Optional[str] = typer.Option(None, "--forecast", help="Years to forecast, comma-separated (e.g. 2030,2035)."),
    backtest: bool = typer.Option(False, "--backtest", help="Also run the rolling-origin backtest and plateau detection."),
    horizon: float = typer.Option(5.0, "--horizon", help="Backtest: years after each origin that are forecast and scored."),
    origins: Optional[str] = typer.Option(None, "--origins", help="Backtest: origin years, comma-separated (default: evenly spaced)."),
    ci: float = typer.Option(0.9, "--ci", help="Level of the intervals."),
    confidence: float = typer.Option(0.95, "--confidence", help="Level at which the slowdown test detects a plateau."),
    n_boot: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples per fit."),
    seed: int = typer.Option(0, "--seed", help="Seed of all resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Fit exponential, logistic and piecewise trends to a dated series; compare them out of sample."""
    from scalewatch.analyses.trends import backtest_trends
    from scalewatch.analyses.trends.compare import compare_trends

    table = read_table(file)
    years = floats(forecast, "--forecast", "2030,2035")
    origin_years = floats(origins, "--origins", "1995,2000")
    cmp = compare_trends(
        table,
        date_column=date_column,
        value_column=value_column,
        scale=scale,
        models=models,
        holdout=holdout,
        ci=ci,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
    )
    bt = None
    if backtest:
        bt = backtest_trends(
            cmp.series,
            models=models,
            origins=origin_years,
            horizon=horizon,
            ci=ci,
            confidence=confidence,
            n_boot=max(20, n_boot // 4),
            seed=seed,
        )
    fc = cmp.forecast(years, seed=seed) if years else None
    if as_json:
        out = {"comparison": cmp.to_dict()}
        if fc is not None:
            out["forecast"] = fc.to_dict(orient="records")
        if bt is not None:
            out["backtest"] = bt.to_dict()
        typer.echo(json.dumps(out, indent=2, default=_json_default))
        return
    typer.echo(cmp.report())
    if fc is not None:
        pct = f"{100 * ci:g}%"
        typer.echo(f"[[Forecast]] median [{pct} interval], {cmp.series.unit or 'value units'}")
        for row in fc.itertuples():
            typer.echo(f"    {row.model:<12} {row.year:>8.2f}  {row.median:.4g} [{row.low:.4g}, {row.high:.4g}]")
    if bt is not None:
        typer.echo(bt.report())


def _json_default(obj):  # numpy scalars and the like
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
