"""``scalewatch sweep ...``: plan and run a sweep of small language models (needs torch).

torch is imported inside the commands only, so ``scalewatch --help`` stays
light. Every option is parsed here and checked by the library
(:mod:`scalewatch.experiments`), whose errors become one-line messages.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any, Optional

import typer

from scalewatch.errors import ScalewatchError

app = typer.Typer(help="Measure it yourself: plan and run a sweep of small language models (needs torch).",
                  no_args_is_help=True)

_DB_HELP = "Registry file for the runs (default: $SCALEWATCH_DB, else registry.duckdb in the user data directory)."


class SweepOptionError(ScalewatchError, ValueError):
    """A sweep option was given a value it cannot take."""


def _numbers(value: Optional[str], option: str, example: str) -> Optional[list[float]]:
    if value is None:
        return None
    out = []
    for part in value.split(","):
        try:
            out.append(float(part.strip().replace("_", "")))
        except ValueError:
            raise SweepOptionError(f"{option} {value!r}: {part.strip()!r} is not a number; write a comma-separated "
                                   f"list such as {option} {example}") from None
    return out


def _need_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise SweepOptionError("scalewatch sweep needs PyTorch, which is not installed; "
                               "pip install 'scalewatch[experiments]'") from None


def _make_plan(preset: Optional[str], budgets: Optional[str], sizes: Optional[str], tokens: Optional[str],
               sizes_per_budget: Optional[int], spread: Optional[float], tokens_per_param: Optional[float],
               context: Optional[int], seed: int) -> Any:
    from scalewatch import experiments

    b = _numbers(budgets, "--budgets", "1e11,3e11,1e12")
    n = _numbers(sizes, "--sizes", "1e4,3e4,1e5")
    d = _numbers(tokens, "--tokens", "1e6,3e6")
    if preset is not None and (b is not None or d is not None):
        raise SweepOptionError(f"--preset {preset} cannot be combined with --budgets or --tokens; use one of them")
    if b is not None and d is not None:
        raise SweepOptionError("--budgets (IsoFLOP) and --tokens (grid) exclude each other; give one")
    extra: dict[str, Any] = {"seed": seed}
    if context is not None:
        extra["context"] = context
    if d is not None:
        if n is None:
            raise SweepOptionError("--tokens makes a grid and needs --sizes too, e.g. --sizes 1e4,3e4 --tokens 1e6,3e6")
        for name, value in (("--sizes-per-budget", sizes_per_budget), ("--spread", spread),
                            ("--tokens-per-param", tokens_per_param)):
            if value is not None:
                raise SweepOptionError(f"{name} applies to IsoFLOP plans (--budgets or --preset), not to a grid")
        return experiments.plan_grid(n, d, **extra)
    iso: dict[str, Any] = {}
    for key, value in (("sizes", n), ("sizes_per_budget", sizes_per_budget), ("spread", spread),
                       ("tokens_per_param", tokens_per_param)):
        if value is not None:
            iso[key] = value
    if b is not None:
        return experiments.plan_isoflop(b, **iso, **extra)
    if n is not None and preset is None:
        raise SweepOptionError("--sizes needs --budgets (IsoFLOP) or --tokens (grid), e.g. --sizes 1e4,3e4 "
                               "--budgets 1e11,1e12")
    return experiments.preset(preset or "default", **iso, **extra)


def _fmt(x: float) -> str:
    return f"{x:.3g}" if x >= 1e4 or x < 1 else f"{x:,.0f}"


def _print_plan(plan: Any, throughput: Any, workers: int) -> None:
    table = plan.table()
    head = f"{'budget':>8} {'layers':>6} {'d_model':>7} {'N (non-emb)':>11} {'D tokens':>10} {'D/N':>7} " \
           f"{'6ND':>9} {'batch':>5} {'steps':>6} {'lr':>8} {'est. s':>7}"
    typer.echo(head)
    for row, run in zip(table.to_dict("records"), plan.runs, strict=True):
        budget = f"{row['budget']:.0e}" if row["budget"] == row["budget"] and row["budget"] is not None else "-"
        typer.echo(f"{budget:>8} {row['n_layer']:>6} {row['d_model']:>7} {row['params']:>11,} {row['tokens']:>10,} "
                   f"{row['tokens_per_param']:>7.1f} {row['compute']:>9.3g} {row['batch_size']:>5} "
                   f"{row['steps']:>6} {row['lr']:>8.2g} {throughput.seconds(run):>7.0f}")
    secs = plan.estimate_seconds(throughput, workers=workers)
    typer.echo(f"{len(plan)} runs ({plan.description}); total compute {plan.total_flops:.3g} FLOP (6ND, "
               f"non-embedding N), {plan.total_model_flops:.3g} FLOP with head and attention; "
               f"{plan.total_tokens:,} tokens")
    typer.echo(f"estimated time: {secs / 60:.1f} min with {workers} worker(s) on {throughput.describe()}")


def _throughput(flops: Optional[float], device: str, threads: int) -> Any:
    from scalewatch.experiments import Throughput, measure_throughput

    if flops is not None:
        if not flops > 0:
            raise SweepOptionError(f"--throughput {flops!r}: must be a positive FLOP/s, e.g. 2e10")
        return Throughput(flops_per_second=flops, device=device, threads=threads)
    return measure_throughput(device=device, threads=threads)


# options shared by `plan` and `run`
_PRESET = typer.Option(None, "--preset", help="Named plan: default (the committed dataset) or tiny. Default when no --budgets/--tokens.")
_BUDGETS = typer.Option(None, "--budgets", help="IsoFLOP compute budgets in FLOP (6ND), comma-separated, e.g. 1e11,3e11,1e12.")
_SIZES = typer.Option(None, "--sizes", help="Non-embedding parameter counts N, comma-separated (with --budgets: the same sizes for every budget; with --tokens: a grid).")
_TOKENS = typer.Option(None, "--tokens", help="Training tokens D for a grid with --sizes, comma-separated.")
_PER_BUDGET = typer.Option(None, "--sizes-per-budget", help="IsoFLOP: sizes per budget (default 5; preset default 6).")
_SPREAD = typer.Option(None, "--spread", help="IsoFLOP: factor either side of the centre size (default 4).")
_TPP = typer.Option(None, "--tokens-per-param", help="IsoFLOP: centre sizes at sqrt(C/(6k)) for this k (default 20; preset default 200).")
_CONTEXT = typer.Option(None, "--context", help="Sequence length in tokens (bytes) (default 64).")
_SEED = typer.Option(0, "--seed", help="Seed of every run (weights and batch order).")
_THREADS = typer.Option(1, "--threads", help="Torch CPU threads per run.")
_DEVICE = typer.Option("cpu", "--device", help="cpu | cuda | auto.")
_DTYPE = typer.Option("float32", "--dtype", help="float32 | bfloat16 (autocast; for GPUs).")
_THROUGHPUT = typer.Option(None, "--throughput", help="Assume this many FLOP/s instead of measuring the machine (a ~3 s probe).")


def plan_command(
    preset: Optional[str] = _PRESET, budgets: Optional[str] = _BUDGETS, sizes: Optional[str] = _SIZES,
    tokens: Optional[str] = _TOKENS, sizes_per_budget: Optional[int] = _PER_BUDGET, spread: Optional[float] = _SPREAD,
    tokens_per_param: Optional[float] = _TPP, context: Optional[int] = _CONTEXT, seed: int = _SEED,
    workers: int = typer.Option(1, "--workers", help="Runs at once, for the time estimate."),
    threads: int = _THREADS, device: str = _DEVICE, throughput: Optional[float] = _THROUGHPUT,
) -> None:
    """Print the runs of a sweep plan, its total compute and its estimated time on this machine."""
    _need_torch()
    plan = _make_plan(preset, budgets, sizes, tokens, sizes_per_budget, spread, tokens_per_param, context, seed)
    if workers < 1 or threads < 1:
        raise SweepOptionError(f"--workers {workers} --threads {threads}: both must be >= 1")
    _print_plan(plan, _throughput(throughput, device, threads), workers)


def run_command(
    preset: Optional[str] = _PRESET, budgets: Optional[str] = _BUDGETS, sizes: Optional[str] = _SIZES,
    tokens: Optional[str] = _TOKENS, sizes_per_budget: Optional[int] = _PER_BUDGET, spread: Optional[float] = _SPREAD,
    tokens_per_param: Optional[float] = _TPP, context: Optional[int] = _CONTEXT, seed: int = _SEED,
    db: Optional[str] = typer.Option(None, "--db", help=_DB_HELP),
    executor: str = typer.Option("local", "--executor", help="local (this machine; a spawn process pool when --workers > 1) | ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (with --executor ray), e.g. auto or ray://host:10001."),
    workers: int = typer.Option(1, "--workers", help="Runs trained at once (local executor)."),
    threads: int = _THREADS, device: str = _DEVICE, dtype: str = _DTYPE,
    corpus_bytes: Optional[int] = typer.Option(None, "--corpus-bytes", help="Use only the first N bytes of the stdlib corpus (default: all of it)."),
    out: Optional[str] = typer.Option(None, "--out", help="When done, export the sweep's runs.csv, curves.csv and PROVENANCE.md to this folder."),
) -> None:
    """Train every run of the plan not yet in the registry (a killed sweep resumes), with live progress."""
    _need_torch()
    from scalewatch.experiments import run_sweep, stdlib_corpus

    plan = _make_plan(preset, budgets, sizes, tokens, sizes_per_budget, spread, tokens_per_param, context, seed)
    if device != "cpu" or dtype != "float32":
        from dataclasses import replace

        plan = replace(plan, runs=tuple(replace(r, spec=replace(r.spec, device=device, dtype=dtype))
                                        for r in plan.runs))
    corpus = stdlib_corpus(max_bytes=corpus_bytes)
    show = sys.stderr.isatty()
    if show:
        result = _run_with_progress(run_sweep, plan, corpus, db, executor=executor, workers=workers,
                                    address=address, threads=threads)
    else:
        def log(event: Any) -> None:
            if event.kind == "done":
                typer.echo(f"done {event.run_id} ({event.seconds:.1f} s): val loss {event.loss:.4f}", err=True)
        result = run_sweep(plan, corpus, db, executor=executor, workers=workers, address=address, threads=threads,
                           progress=log)
    typer.echo(str(result))
    if out is not None:
        from scalewatch.data import Registry
        from scalewatch.experiments import export_sweep

        given = {"--preset": preset, "--budgets": budgets, "--sizes": sizes, "--tokens": tokens,
                 "--sizes-per-budget": sizes_per_budget, "--spread": spread, "--tokens-per-param": tokens_per_param,
                 "--context": context, "--seed": seed, "--threads": threads,
                 "--device": device if device != "cpu" else None, "--dtype": dtype if dtype != "float32" else None,
                 "--corpus-bytes": corpus_bytes, "--executor": executor if executor != "local" else None,
                 "--workers": workers if workers != 1 else None, "--db": db, "--out": out}
        argv = ["scalewatch", "sweep", "run"]
        for option, value in given.items():
            if value is not None:
                argv += [option, str(value)]
        with Registry(db) as reg:
            paths = export_sweep(reg, out, result.run_ids, command=shlex.join(argv),
                                 notes=[f"the exporting invocation: {result}"] if result.trained else [])
        typer.echo(f"wrote {', '.join(str(p) for p in paths)}")


def _run_with_progress(run_sweep: Any, plan: Any, corpus: Any, db: Optional[str], **kwargs: Any) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from scalewatch.experiments import train_flops_per_token

    console = Console(stderr=True)
    # progress in units of real training FLOP, so that "time left" reflects the size of the runs still to do
    cost = [train_flops_per_token(r.spec.model) * r.spec.tokens_seen for r in plan.runs]
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[status]}"),
                  TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("runs", total=1.0, status="")
        state: dict[str, Any] = {"done_runs": 0, "done_cost": 0.0, "total": len(plan)}

        def label() -> str:
            return f"runs {state['done_runs']}/{state['total']}"

        def progress(event: Any) -> None:
            if event.kind == "plan":
                state["done_runs"] = event.skipped
                bar.update(task, total=max(sum(cost[i] for i in event.pending), 1.0), description=label())
            elif event.kind == "start":
                bar.update(task, status=f"run {event.index + 1}: starting")
            elif event.kind == "step" and event.steps:
                bar.update(task, completed=state["done_cost"] + event.step / event.steps * cost[event.index],
                           status=f"run {event.index + 1}: step {event.step}/{event.steps}, loss {event.loss:.3f}")
            elif event.kind == "done":
                state["done_runs"] += 1
                state["done_cost"] += cost[event.index]
                bar.update(task, completed=state["done_cost"], description=label())
                bar.console.print(f"done run {event.index + 1}/{event.total} {event.run_id} ({event.seconds:.1f} s): "
                                  f"val loss {event.loss:.4f}", highlight=False)

        return run_sweep(plan, corpus, db, progress=progress, **kwargs)


app.command("plan")(plan_command)
app.command("run")(run_command)
