"""Where sweep runs execute: in this process, in a local process pool (spawn), or on Ray.

Each executor takes a list of :class:`Task` and yields ``(task, RunResult)``
as runs finish. Only the parent process touches the registry: workers train
and send back a :class:`~scalewatch.experiments.RunResult`, so a DuckDB file
is never opened by two processes at once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from scalewatch.experiments._corpus import Corpus
from scalewatch.experiments._train import RunResult, RunSpec, StepInfo

__all__ = ["Task", "EXECUTORS", "execute"]

EXECUTORS = ("local", "ray")
RAY_HINT = "pip install 'scalewatch[cluster]'"


@dataclass(frozen=True)
class Task:
    """One run to train: its position in the plan, id, spec and checkpoint file."""

    index: int
    run_id: str
    spec: RunSpec
    checkpoint: str | None
    threads: int
    pause_marker: str | None = None  # test hook, see run_sweep


def _train_task(task: Task, corpus: Corpus, on_step: Callable[[StepInfo], None] | None = None) -> RunResult:
    """Train one task (runs in a worker process, a Ray worker or in-process)."""
    import torch

    from scalewatch.experiments._train import train

    old = torch.get_num_threads()
    torch.set_num_threads(task.threads)
    try:
        return train(task.spec, corpus, on_step=on_step, checkpoint_path=task.checkpoint,
                     _pause_marker=task.pause_marker)
    finally:
        torch.set_num_threads(old)


def _in_process(tasks: Sequence[Task], corpus: Corpus, on_step: Callable[[Task, StepInfo], None] | None,
                on_start: Callable[[Task], None] | None) -> Iterator[tuple[Task, RunResult]]:
    for task in tasks:
        if on_start is not None:
            on_start(task)
        cb = (lambda info, t=task: on_step(t, info)) if on_step is not None else None
        yield task, _train_task(task, corpus, cb)


def _process_pool(tasks: Sequence[Task], corpus: Corpus, workers: int) -> Iterator[tuple[Task, RunResult]]:
    # spawn, not fork: torch's thread pools and DuckDB do not survive a fork, and spawn
    # behaves the same on Linux, macOS and Windows
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending = {pool.submit(_train_task, task, corpus): task for task in tasks}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    yield task, fut.result()
        finally:
            for fut in pending:
                fut.cancel()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError(f"run_sweep(executor='ray') needs Ray, which is not installed; {RAY_HINT}") from None
    return ray


def _ray(tasks: Sequence[Task], corpus: Corpus, address: str | None) -> Iterator[tuple[Task, RunResult]]:
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        except ConnectionError as exc:
            raise ConnectionError(f"run_sweep(address={address!r}): cannot reach a Ray cluster ({exc}); start one "
                                  "with `ray start --head` or leave --address out for a local Ray") from None
        started = True
    refs: dict[Any, Task] = {}
    try:
        remote = ray.remote(_train_task)
        corpus_ref = ray.put(corpus)  # shipped to the object store once, not once per run
        for task in tasks:
            refs[remote.options(num_cpus=task.threads).remote(task, corpus_ref)] = task
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1)
            for ref in done:
                task = refs.pop(ref)
                yield task, ray.get(ref)
    finally:
        for ref in refs:  # runs not finished when the sweep stops (an error, or the caller gave up)
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def execute(
    tasks: Sequence[Task],
    corpus: Corpus,
    *,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    on_step: Callable[[Task, StepInfo], None] | None = None,
    on_start: Callable[[Task], None] | None = None,
) -> Iterator[tuple[Task, RunResult]]:
    """Train ``tasks``, yielding ``(task, result)`` in order of completion.

    ``on_step`` is only called for in-process training (``executor="local"``,
    ``workers=1``); pools and Ray report whole runs. ``on_start`` is called
    when a run starts in-process, or for every run when they are handed to
    a pool or to Ray.
    """
    if executor == "local":
        if workers == 1:
            return _in_process(tasks, corpus, on_step, on_start)
        runner = _process_pool(tasks, corpus, workers)
    elif executor == "ray":
        _import_ray()  # fail early, before any work
        runner = _ray(tasks, corpus, address)
    else:
        raise ValueError(f"run_sweep(executor={executor!r}): must be one of {', '.join(EXECUTORS)}")
    if on_start is not None:
        for task in tasks:
            on_start(task)
    return runner
