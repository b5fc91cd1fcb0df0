"""``scalewatch datasets ...``: the public datasets scalewatch knows by name."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

app = typer.Typer(help="Public scaling datasets, fetched by name and pinned by sha256.", no_args_is_help=True)


def _local_text(status: str, fetchable: bool) -> str:
    if status == "package":
        return "package data (scalewatch's own runs)"
    if status.startswith("cache@"):
        return f"cache, upstream commit {status.removeprefix('cache@')} (datasets update)"
    if status and all(p in ("mirror", "cache", "snapshot") for p in status.split("+")):
        return status.replace("snapshot", "embedded snapshot")
    if status == "bad hash":
        return "no: a local file fails its sha256 (see `scalewatch datasets info`)"
    how = "`scalewatch datasets fetch` downloads it" if fetchable else "reinstall scalewatch (snapshot only)"
    return f"no: {how}" if status == "no" else f"partly: {how}"


def _rows_text(rows: int, rows_of: str) -> str:
    return f"{rows:,} {rows_of}"


def _check_name(name: str) -> str:
    from scalewatch.data import datasets

    try:
        datasets.info(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from None
    return name


def _console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    # A pipe or file gets wide lines instead of rich's 80-column default.
    return Console(width=None if sys.stdout.isatty() else 200)


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
) -> None:
    """List the public datasets: rows, licence, citation and whether they are on this machine."""
    from scalewatch.data import datasets

    records = []
    for name in (*datasets.names(), *datasets.PACKAGE_DATASETS):
        meta = datasets.info(name)
        status = datasets.local_status(name)
        record = meta.to_dict()
        del record["files"]
        record["local"] = status
        records.append(record)
    if as_json:
        typer.echo(json.dumps(records, indent=2))
        return

    from rich.table import Table

    table = Table(title="scalewatch public datasets", show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("read from")
    table.add_column("commit", no_wrap=True)
    table.add_column("license")
    table.add_column("citation")
    for r in records:
        table.add_row(
            r["name"],
            _rows_text(r["rows"], r["rows_of"]),
            _local_text(r["local"], r.get("fetchable", True)),
            (r.get("commit") or "")[:12],
            r["license"],
            r["citation"],
        )
    _console().print(table)


@app.command("info")
def info(
    name: str = typer.Argument(
        ..., metavar="NAME", help="Dataset name (see `scalewatch datasets list`).", callback=_check_name
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Show a dataset's source, commit, licence, citation and pinned files (sha256 and URL)."""
    from scalewatch.data import datasets

    record = datasets.info(name).to_dict()
    record["local"] = datasets.local_status(name)
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    lines = [
        f"{record['name']}: {record['title']}",
        f"rows:      {_rows_text(record['rows'], record['rows_of'])}",
        f"read from: {_local_text(record['local'], record.get('fetchable', True))}",
        f"commit:    {record.get('commit', '')}",
        f"source:    {record['source_url']}",
        f"license:   {record['license']}",
        f"citation:  {record['citation']}",
        "files:",
    ]
    if record["local"] == "package":
        lines.append(f"  {record['source_url']}  (shipped with scalewatch; PROVENANCE.md there gives the command that regenerates it)")
    for f in record["files"]:
        where = f["url"] or "derived in code from upstream files (see MANIFEST.json of the snapshot)"
        folder = "" if f["dataset"] == name else f"{f['dataset']}/"
        lines.append(f"  {folder}{f['path']}  sha256 {f['sha256']}  {where}")
    typer.echo("\n".join(lines))


@app.command("fetch")
def fetch(
    names: list[str] = typer.Argument(None, help="Dataset names; none with --all."),
    all_: bool = typer.Option(False, "--all", help="Fetch every dataset that can be fetched."),
) -> None:
    """Download datasets from their pinned upstream commit into the cache (each file checked by sha256).

    Derived tables are derived again in code from their downloaded inputs.
    Nothing else downloads: by default every dataset is read from the
    snapshot embedded in scalewatch.
    """
    from scalewatch.data import datasets

    if all_ == bool(names):
        raise typer.BadParameter("give dataset names or --all, not both or neither", param_hint="NAMES")
    chosen = datasets.names() if all_ else [_check_name(n) for n in names]
    for name in chosen:
        if all_ and not datasets.info(name).fetchable:
            typer.echo(f"{name}: skipped (its derived tables ship only in the embedded snapshot)", err=True)
            continue
        paths = datasets.fetch(name)
        typer.echo(f"{name}: {len(paths)} files, {datasets.local_status(name)}")


@app.command("update")
def update(
    name: str = typer.Argument(..., metavar="NAME", help="Dataset name (see `scalewatch datasets list`).", callback=_check_name),
    commit: Optional[str] = typer.Option(None, "--commit", metavar="SHA", help="Upstream commit to pull (40 hex digits)."),
    latest: bool = typer.Option(False, "--latest", help="Pull the newest commit of the upstream default branch."),
    pinned: bool = typer.Option(False, "--pinned", help="Go back to the version this scalewatch pins (its snapshot)."),
) -> None:
    """Pull a newer upstream version of a living dataset (Epoch AI's databases, ...) into the cache and use it.

    The files at that commit are downloaded, checked by the loader and the same
    schema as the pinned version, and recorded with their own sha256; later
    reports read them and name that commit.
    """
    from scalewatch.data import datasets

    if sum([commit is not None, latest, pinned]) != 1:
        raise typer.BadParameter("give exactly one of --commit SHA, --latest, --pinned", param_hint="--commit")
    try:
        done = datasets.update(name, commit=commit, latest=latest, pinned=pinned)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--commit") from None
    what = "pinned version" if pinned else "upstream commit"
    typer.echo(f"{name}: {what} {done['commit']} selected ({len(done['files'])} files, {done['rows']} runs)")
