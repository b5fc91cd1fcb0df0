"""``scalewatch report``: run every analysis whose data are here and write the HTML report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_command)


def report_command(
    data: Optional[list[str]] = typer.Option(
        None, "--data", metavar="NAME", help="Only analyses that use this dataset (repeatable; see `scalewatch datasets list`)."
    ),
    only: Optional[list[str]] = typer.Option(
        None, "--only", metavar="KEY", help="Only analyses whose key matches this glob, e.g. 'pretraining.*' (repeatable)."
    ),
    out: Path = typer.Option(Path("scalewatch-report"), "--out", help="Folder for index.html and findings.json."),
    seed: int = typer.Option(0, "--seed", help="Seed of every resampling and random start."),
    fast: bool = typer.Option(False, "--fast", help="Fewer resamples: a quick look, noisier intervals."),
    open_: bool = typer.Option(False, "--open", help="Open the report in a web browser when done."),
    list_: bool = typer.Option(False, "--list", help="List the registered analyses, their data and whether it is here; run nothing."),
    runs: Optional[list[str]] = typer.Option(
        None, "--runs", metavar="SOURCE",
        help="Your runs instead of the public analyses: a CSV/Parquet/JSON-lines file (run_id optional), mlflow:PATH, "
             "registry or registry:family=NAME, or a public dataset name (repeatable).",
    ),
    compare: Optional[list[str]] = typer.Option(
        None, "--compare", metavar="DATASET", help="With --runs: add a public dataset's runs and a side-by-side table (repeatable)."
    ),
    map_: Optional[list[str]] = typer.Option(None, "--map", help="With --runs: COLUMN=FIELD for columns not recognised (repeatable)."),
    units: Optional[list[str]] = typer.Option(None, "--units", help="With --runs: FIELD=UNIT, e.g. params=billions, loss=bits (repeatable)."),
    where: Optional[str] = typer.Option(None, "--where", help="With --runs registry: a SQL condition on the runs table, e.g. \"source = 'x.csv'\"."),
    db: Optional[Path] = typer.Option(None, "--db", help="With --runs registry: the registry file (default $SCALEWATCH_DB).", dir_okay=False),
    wait: float = typer.Option(10.0, "--wait", metavar="SECONDS", min=0.0, help="With --runs registry: wait this long for a busy registry."),
    data_version: bool = typer.Option(
        False, "--data-version", help="Print the data version a report uses (snapshot, each dataset's commit and where it is read); run nothing."
    ),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", metavar="N", min=1,
        help="Processes to run the analyses in (default: every core this process may use); 1 runs them one by one in this process.",
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache",
        help="Run every analysis afresh: neither read nor write the report cache (also: SCALEWATCH_REPORT_CACHE=off).",
    ),
) -> None:
    """Run every registered analysis whose datasets are on this machine and write a self-contained HTML report.

    The report (DIR/index.html) works offline: plotly.js is inlined, no CDN.
    DIR/findings.json holds every finding as data. Analyses whose data are
    missing are listed with how to get them; analyses that raise are shown as
    errors, and the exit code is then 1.

    Analyses run in parallel processes (--jobs) and their outcomes are kept in
    a cache keyed by the data's hashes, the settings and the code, so a second
    report on unchanged data reads them back (--no-cache runs all afresh).
    """
    from scalewatch.analyses import load_analyses
    from scalewatch.reporting import data_status, run_report

    if data_version:
        from scalewatch.reporting import data_versions

        needed = sorted({r for a in load_analyses()[0] for r in a.requires})
        versions = data_versions(needed)
        snap = next((d["snapshot"] for d in versions if "snapshot" in d["local"]), None)
        typer.echo(f"data snapshot: {snap or 'not used'}")
        for d in versions:
            typer.echo(f"{d['name']:<34} {d['repository']}@{d['commit'][:12]}  read from {d['local']}")
        return
    if list_:
        analyses, failures = load_analyses()
        status = data_status([r for a in analyses for r in a.requires])
        for a in analyses:
            needs = ", ".join(f"{r} ({'here' if status[r][0] else 'missing'})" for r in a.requires) or "no dataset"
            typer.echo(f"{a.key:<36} {a.question:<13} {needs}")
        if failures:
            from scalewatch.errors import ScalewatchError

            raise ScalewatchError("; ".join(f"analysis module {f.module} failed to import: {f.error}" for f in failures))
        return

    show = sys.stderr.isatty()
    if runs:
        from scalewatch._cli.runs import _pairs, _say
        from scalewatch.reporting import runs_report

        if data:
            raise ValueError("--data selects public-dataset analyses; with --runs, add a public dataset with --compare NAME")
        if jobs is not None or no_cache:
            raise ValueError("--jobs and --no-cache apply to the report on the public datasets; the report on --runs runs "
                             "in one process and is never cached: drop them")
        kwargs = dict(compare=compare or (), only=only or None, seed=seed, fast=fast, mapping=_pairs(map_, "--map", "n_params=params"),
                      units=_pairs(units, "--units", "params=billions"), where=where, db=db, wait=wait, on_wait=_say)
        report = _run_with_progress(lambda **kw: runs_report(runs, **kw), **kwargs) if show else runs_report(runs, **kwargs)
    elif compare or map_ or units or where or db:
        raise ValueError("--compare, --map, --units, --where and --db apply to a report on your runs; add --runs SOURCE")
    else:
        from scalewatch.reporting import default_jobs

        kwargs = dict(data=data or (), only=only or (), seed=seed, fast=fast, jobs=jobs or default_jobs(), cache=not no_cache)
        report = _run_with_progress(run_report, **kwargs) if show else run_report(**kwargs)
    index = report.write(out)
    _print_summary(report, index)
    if open_:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())
    if report.errors:
        from scalewatch.errors import ScalewatchError

        keys = ", ".join(o.key for o in report.errors)
        # the one top-level handler prints it as one line on stderr and exits with 1
        raise ScalewatchError(f"{len(report.errors)} analysis(es) raised ({keys}); the report shows the messages")


def _run_with_progress(run_report, **kwargs):  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    marks = {"ok": "[green]done[/]", "error": "[bold red]error[/]", "skipped": "[yellow]skipped[/]"}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:
        task = bar.add_task("analyses", total=None)

        def progress(i, total, analysis, outcome):  # type: ignore[no-untyped-def]
            if outcome is None:
                bar.update(task, total=total, completed=i, description=f"{analysis.key}")
                return
            bar.update(task, completed=i)
            verdicts = ", ".join(f.verdict for f in outcome.findings)
            detail = f" {verdicts}" if verdicts else (f" {outcome.error}" if outcome.error else "")
            from rich.markup import escape  # user strings (run names in messages) are never markup

            took = "cached" if outcome.cached else f"{outcome.seconds:.1f} s"
            bar.console.print(f"{marks[outcome.status]} {escape(analysis.key)} ({took}){escape(detail)}", highlight=False, markup=True)

        return run_report(progress=progress, **kwargs)


_STYLE = {"ok": "green", "warn": "yellow", "bad": "red", "info": "blue", "unknown": "dim", "error": "bold red"}


def _print_summary(report, index: Path) -> None:  # type: ignore[no-untyped-def]
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)  # a pipe gets whole lines
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("question", no_wrap=True)
    table.add_column("finding", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("key number")
    for r in report.rows():
        table.add_row(Text(r["question"]), Text(r["key"]), Text(r["verdict"], style=_STYLE[r["tone"]]), Text(r["number"] or r["summary"]))
    if report.findings:  # the answer first (scalewatch.analyses.synthesis)
        console.print(report.synthesis.text(), soft_wrap=True)
        console.print()
    if table.rows:
        console.print(table)
    else:
        console.print("no findings: no analysis had its data (see below)")
    for o in report.skipped:
        reason = o.how[0] if report.runs else f"needs {', '.join(o.missing)}; {o.how[0]}"
        console.print(f"skipped {o.key}: {reason}", soft_wrap=True, markup=False)
    console.print(
        f"{_n(len(report.findings), 'finding')}, {_n(len(report.errors), 'error')}, {len(report.skipped)} skipped "
        f"in {report.seconds:.1f} s", soft_wrap=True,
    )
    console.print(f"report: {index.resolve()}", soft_wrap=True)


def _n(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"
