"""The ``scalewatch`` command line: a thin Typer layer over the library.

Each command group lives in ``scalewatch/_cli/<group>.py`` and only parses
arguments and calls the library. Heavy imports (fitting, plotting, torch) happen
inside the commands, never at start-up, so ``scalewatch --help`` stays fast.
One handler turns any :class:`~scalewatch.errors.ScalewatchError` (and the
builtin errors it subclasses) into a one-line message on stderr and exit code 1.
"""

from __future__ import annotations

import sys

import typer

from scalewatch._cli import capabilities as _capabilities
from scalewatch._cli import cost as _cost
from scalewatch._cli import datasets as _datasets
from scalewatch._cli import experiment as _experiment
from scalewatch._cli import fit as _fit
from scalewatch._cli import report as _report
from scalewatch._cli import runs as _runs
from scalewatch._cli import sweep as _sweep
from scalewatch._cli import testtime as _testtime
from scalewatch._cli import trend as _trend

app = typer.Typer(
    name="scalewatch",
    help="Is scaling hitting a wall? Fit scaling laws to real runs and measure it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_runs.app, name="runs")
app.add_typer(_datasets.app, name="datasets")
app.add_typer(_sweep.app, name="sweep")
_fit.register(app)
_capabilities.register(app)
_testtime.register(app)
_cost.register(app)
_trend.register(app)
_report.register(app)
_experiment.register(app)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    if version:
        from scalewatch._version import __version__

        typer.echo(f"scalewatch {__version__}")
        raise typer.Exit()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors become a one-line message on stderr and a non-zero exit code.

    Library errors (:class:`~scalewatch.errors.ScalewatchError` and the
    ``ValueError``/``TypeError`` raised for bad arguments) exit with 1, usage
    errors with 2. Set ``SCALEWATCH_DEBUG=1`` to see the traceback instead.
    """
    import os

    from scalewatch.errors import ScalewatchError

    debug = os.environ.get("SCALEWATCH_DEBUG", "") not in ("", "0")
    try:
        rc = app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except typer.TyperException as exc:  # usage errors (bad option, bad parameter)
        if debug:
            raise
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        return int(getattr(exc, "exit_code", 2))
    except (ScalewatchError, ValueError, TypeError, KeyError, OSError) as exc:
        if debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        typer.echo(f"error: {message}", err=True)
        return 1
    # with standalone_mode=False, click returns the code of a raised typer.Exit(n)
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
