"""Run a :class:`~scalewatch.experiments.Plan` and record every finished run in a registry.

A sweep is resumable at two levels:

- each run has a stable ``run_id`` (a hash of its full spec and the corpus
  sha256), and runs already in the registry are skipped;
- a run in progress keeps a checkpoint (``<checkpoint_dir>/<run_id>.pt``),
  from which a restarted sweep continues; the checkpoint is deleted once the
  run is in the registry.

So a sweep killed at any point and started again with the same command
redoes no finished run, and its numbers equal those of an uninterrupted sweep.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scalewatch.data import Registry, RunSet, validate_runs
from scalewatch.errors import DataWarning, RegistryError
from scalewatch.experiments._corpus import Corpus
from scalewatch.experiments._executors import Task, check_executor, execute
from scalewatch.experiments._plan import Plan, PlannedRun
from scalewatch.experiments._train import RunResult, StepInfo

__all__ = ["run_sweep", "run_id_for", "SweepEvent", "SweepResult", "FAMILY"]

#: the ``family`` of every sweep run in the registry
FAMILY = "scalewatch-sweep"
# Test-only hook: when set to a file path, the second run this sweep trains writes
# that file after its first mid-run checkpoint and sleeps, so a test can kill the
# process at a known point (the first run is then in the registry). Never set it in real use.
_PAUSE_ENV = "_SCALEWATCH_TEST_PAUSE_TRAIN"
# tiny models: declare raw counts, or the validator's "millions?" heuristic objects to N < 1e5
_UNITS = {"params": "count", "tokens": "count", "compute": "flop"}


def run_id_for(spec: Any, corpus: Corpus) -> str:
    """Stable id of a run: ``"sw-"`` + the first 16 hex digits of sha256(spec JSON + corpus sha256)."""
    payload = json.dumps({"spec": spec.to_dict(), "corpus_sha256": corpus.sha256}, sort_keys=True)
    return "sw-" + hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SweepEvent:
    """What :func:`run_sweep` tells its ``progress`` callback.

    ``kind`` is ``"plan"`` (once, before any work: ``total`` runs, ``skipped``
    already done, ``pending`` the plan indices still to train), ``"start"``, ``"step"`` (in-process runs only), or
    ``"done"`` (a run is in the registry; ``loss`` is its final validation loss).
    """

    kind: str
    total: int
    index: int | None = None
    run_id: str | None = None
    step: int | None = None
    steps: int | None = None
    loss: float | None = None
    skipped: int = 0
    seconds: float | None = None  # run wall time ("done")
    pending: tuple[int, ...] = ()  # plan indices still to train ("plan")


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did.

    Attributes
    ----------
    run_ids : tuple of str
        Every run of the plan, in plan order.
    trained, skipped, resumed : tuple of str
        Runs trained now, found already in the registry, and restarted from a checkpoint.
    results : tuple of RunResult
        Of the runs trained now, in order of completion.
    wall_seconds : float
    """

    run_ids: tuple[str, ...]
    trained: tuple[str, ...]
    skipped: tuple[str, ...]
    resumed: tuple[str, ...]
    results: tuple[RunResult, ...] = field(repr=False)
    wall_seconds: float

    def __str__(self) -> str:
        return (f"{len(self.run_ids)} runs: {len(self.trained)} trained ({len(self.resumed)} from a checkpoint), "
                f"{len(self.skipped)} already in the registry; {self.wall_seconds:.1f} s")


@contextlib.contextmanager
def _open(registry: Registry | str | os.PathLike[str] | None) -> Iterator[Registry]:
    # a path is opened per use, so other processes can read the registry between runs
    if isinstance(registry, Registry):
        yield registry
    else:
        with Registry(registry) as reg:
            yield reg


def _versions() -> dict[str, str]:
    import numpy
    import torch

    from scalewatch._version import __version__

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__,
            "scalewatch": __version__, "platform": platform.platform(), "machine": platform.machine()}


def _runset(run: PlannedRun, result: RunResult, run_id: str, corpus: Corpus, plan: Plan,
            execution: dict[str, Any], tags: tuple[str, ...]) -> RunSet:
    spec, cfg = run.spec, run.spec.model
    n, d = cfg.params(), spec.tokens_seen
    config = {
        "spec": spec.to_dict(),
        "corpus": corpus.describe(),
        "plan": {"kind": plan.kind, "budget": run.budget, "target_params": run.target_params,
                 "description": plan.description},
        "params_total": cfg.params(non_embedding=False),
        "model_flops": run.model_flops,
        "steps": spec.steps,
        "train_loss": result.train_loss,
        "train_curve": [[int(r["step"]), None if math.isnan(r["train_loss"]) else r["train_loss"]]
                        for r in result.curve],
        "wall_seconds": round(result.wall_seconds, 3),
        "tokens_per_second": round(result.tokens_per_second, 1),
        "resumed_from": result.resumed_from,
        "device": result.device,
        **execution,
    }
    budget_tag = [f"C={run.budget:.0e}".replace("e+", "e")] if run.budget is not None else []
    runs = pd.DataFrame([{
        "run_id": run_id,
        "model_id": f"L{cfg.n_layer}-d{cfg.d_model}-T{cfg.context}-D{d}-s{spec.seed}",
        "family": FAMILY,
        "params": float(n),
        "params_kind": "non_embedding",
        "tokens": float(d),
        "unique_tokens": float(corpus.train.size),
        "epochs": d / corpus.train.size,
        "compute": 6.0 * n * d,  # Kaplan et al. (2020): 6 N D with non-embedding N
        "compute_estimated": True,
        "loss": result.loss,
        "loss_split": "val",
        "loss_unit": "nats",
        "source": f"scalewatch sweep ({corpus.name})",
        "tags": ",".join([plan.kind, *budget_tag, corpus.name, *tags]),
        "config": json.dumps(config, sort_keys=True),
    }])
    curves = pd.DataFrame({
        "run_id": run_id,
        "step": [int(r["step"]) for r in result.curve],
        "tokens": [float(r["tokens"]) for r in result.curve],
        "loss": [float(r["val_loss"]) for r in result.curve],
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # e.g. epochs > 1 on a small corpus: recorded, not an error
        return validate_runs(runs, curves=curves, source=f"sweep run {run_id}",
                             units=_UNITS)


def _import(registry: Registry | str | os.PathLike[str] | None, runset: RunSet, *, tries: int = 10) -> None:
    """Import one finished run; wait out another process that holds the registry file for a moment."""
    for attempt in range(tries):
        try:
            with _open(registry) as reg:
                # as DataFrames with declared units: import_runs(RunSet) re-validates without units and
                # would take the tiny (< 1e5) parameter counts for millions
                reg.import_runs(runset.runs, curves=runset.curves, units=_UNITS,
                                source=runset.runs["source"].iloc[0])
            return
        except RegistryError as exc:
            if "in use by another process" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(1.0 + attempt)


def run_sweep(
    plan: Plan,
    corpus: Corpus,
    registry: Registry | str | os.PathLike[str] | None = None,
    *,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    threads: int = 1,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    tags: tuple[str, ...] = (),
    progress: Callable[[SweepEvent], None] | None = None,
) -> SweepResult:
    """Train every run of ``plan`` that is not yet in ``registry`` and import each as it finishes.

    Parameters
    ----------
    plan : Plan
        From :func:`plan_isoflop`, :func:`plan_grid` or :func:`preset`.
    corpus : Corpus
        Training data (its sha256 is part of every run id).
    registry : Registry, path or None
        Where finished runs go (``None``: the default registry). A path is
        opened only to look up and import runs, so others may read it meanwhile.
    executor : {"local", "ray"}, default "local"
        ``"local"``: in this process when ``workers == 1``, else a process
        pool started with the *spawn* method. ``"ray"``: Ray tasks (needs
        ``pip install 'scalewatch[cluster]'``), on the cluster at ``address``
        or a local Ray; ``threads`` CPUs per run.
    workers : int, default 1
        Runs trained at once by the local executor.
    address : str, optional
        Ray cluster address (``"auto"``, ``"ray://host:10001"``); Ray only.
    threads : int, default 1
        Torch CPU threads per run. One thread per run is both faster on a
        busy machine and reproducible; results depend slightly on it.
    checkpoint_dir : path, optional
        Checkpoint folder; default ``<registry file>.checkpoints``. On a
        multi-node Ray cluster it must be shared by all nodes to resume there.
    tags : tuple of str
        Extra tags stored with every run.
    progress : callable, optional
        Called with a :class:`SweepEvent` (plan, start, step, done).

    Returns
    -------
    SweepResult

    Raises
    ------
    ValueError
        For an unknown executor, ``workers`` or ``threads`` < 1, an ``address``
        without Ray, or two identical runs in the plan.
    ImportError
        For ``executor="ray"`` without Ray installed.
    """
    t0 = time.perf_counter()
    if not isinstance(plan, Plan):
        raise TypeError(f"run_sweep(plan=...): must be a Plan, got {type(plan).__name__}")
    if not isinstance(corpus, Corpus):
        raise TypeError(f"run_sweep(corpus=...): must be a Corpus, got {type(corpus).__name__}")
    check_executor("run_sweep", executor, workers, address)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"run_sweep(threads={threads!r}): must be an int >= 1")
    ids = [run_id_for(r.spec, corpus) for r in plan.runs]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"run_sweep: the plan holds the same run twice ({dup}); remove the duplicate")

    with _open(registry) as reg:
        reg_path = Path(reg.path)
        found = reg.runs(run_id=ids).runs["run_id"] if ids else pd.Series(dtype=object)
        done = set(found.astype(str))
    ckpt_dir = Path(checkpoint_dir) if checkpoint_dir is not None else reg_path.with_name(reg_path.name + ".checkpoints")
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    pause = os.environ.get(_PAUSE_ENV) or None
    todo = [i for i, rid in enumerate(ids) if rid not in done]
    tasks = [Task(index=i, run_id=ids[i], spec=plan.runs[i].spec, checkpoint=str(ckpt_dir / f"{ids[i]}.pt"),
                  threads=threads, pause_marker=pause if k == 1 else None) for k, i in enumerate(todo)]
    resumed = tuple(t.run_id for t in tasks if Path(t.checkpoint).is_file())  # type: ignore[arg-type]
    if executor != "local" or workers > 1:
        # longest first, so that the pool is not left waiting on one long run at the end
        tasks.sort(key=lambda t: -t.spec.tokens_seen * t.spec.model.params())
    total = len(ids)
    skipped = tuple(rid for rid in ids if rid in done)
    if progress is not None:
        progress(SweepEvent("plan", total=total, skipped=len(skipped), pending=tuple(todo)))
    execution = {"versions": _versions(), "threads": threads, "executor": executor}

    def on_start(task: Task) -> None:
        if progress is not None:
            progress(SweepEvent("start", total=total, index=task.index, run_id=task.run_id, step=0,
                                steps=task.spec.steps, skipped=len(skipped)))

    def on_step(task: Task, info: StepInfo) -> None:
        if progress is not None:
            progress(SweepEvent("step", total=total, index=task.index, run_id=task.run_id, step=info.step,
                                steps=info.steps, loss=info.val_loss if info.val_loss is not None else info.train_loss,
                                skipped=len(skipped)))

    trained: list[str] = []
    results: list[RunResult] = []
    for task, result in execute(tasks, corpus, executor=executor, workers=workers, address=address,
                                on_step=on_step, on_start=on_start):
        runset = _runset(plan.runs[task.index], result, task.run_id, corpus, plan, execution, tuple(tags))
        _import(registry, runset)
        with contextlib.suppress(FileNotFoundError):
            Path(task.checkpoint).unlink()  # type: ignore[arg-type]
        trained.append(task.run_id)
        results.append(result)
        if progress is not None:
            progress(SweepEvent("done", total=total, index=task.index, run_id=task.run_id, loss=result.loss,
                                seconds=result.wall_seconds, skipped=len(skipped)))
    with contextlib.suppress(OSError):
        ckpt_dir.rmdir()  # only when empty
    return SweepResult(run_ids=tuple(ids), trained=tuple(trained), skipped=skipped, resumed=resumed,
                       results=tuple(results), wall_seconds=time.perf_counter() - t0)
