"""Where sweep runs and experiment units execute: in this process, in a local process pool (spawn), or on Ray.

:func:`execute_calls` is the one place that knows the executors: it calls a
module-level function on every item and yields the results as calls finish.
:func:`execute` uses it for sweep :class:`Task` s, and
:func:`~scalewatch.experiments.selfplay.run_selfplay` for its rounds. Only the
parent process touches the registry or a results file: workers compute and
send back their result (a :class:`~scalewatch.experiments.RunResult`, a
record), so a DuckDB file is never opened by two processes at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from scalewatch.experiments._corpus import Corpus
from scalewatch.experiments._train import RunResult, RunSpec, StepInfo

__all__ = ["Task", "EXECUTORS", "execute", "execute_calls", "check_executor", "session"]

EXECUTORS = ("local", "ray")
RAY_HINT = "pip install 'scalewatch[cluster]'"
#: times Ray reruns a task whose worker process died
RAY_RETRIES = 3


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
    import os

    import torch

    from scalewatch.experiments._train import train

    if task.pause_marker:  # test hook: which process to kill once it pauses
        with open(task.pause_marker + ".pid", "w") as fh:
            fh.write(str(os.getpid()))
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


def _process_pool(fn: Callable[..., Any], items: Sequence[Any], shared: tuple[Any, ...],
                  workers: int) -> Iterator[tuple[int, Any]]:
    # spawn, not fork: torch's thread pools and DuckDB do not survive a fork, and spawn
    # behaves the same on Linux, macOS and Windows
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending = {pool.submit(fn, item, *shared): i for i, item in enumerate(items)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = pending.pop(fut)
                    yield i, fut.result()
        finally:
            for fut in pending:
                fut.cancel()


def _import_ray(caller: str = "run_sweep") -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError(f"{caller}(executor='ray') needs Ray, which is not installed; {RAY_HINT}") from None
    return ray


@contextlib.contextmanager
def session(executor: str, address: str | None = None, caller: str = "run_sweep") -> Iterator[None]:
    """Keep one Ray connection open across several :func:`execute_calls` (a no-op for ``"local"``).

    Connects to the cluster at ``address`` (or starts a local Ray) unless Ray
    is already initialised, and shuts down only what it started.
    """
    if executor != "ray":
        yield
        return
    ray = _import_ray(caller)
    if ray.is_initialized():
        yield
        return
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    except ConnectionError as exc:
        raise ConnectionError(f"{caller}(address={address!r}): cannot reach a Ray cluster ({exc}); start one "
                              "with `ray start --head` or leave --address out for a local Ray") from None
    try:
        yield
    finally:
        ray.shutdown()


def _ray(fn: Callable[..., Any], items: Sequence[Any], shared: tuple[Any, ...], address: str | None,
         num_cpus: float, caller: str) -> Iterator[tuple[int, Any]]:
    ray = _import_ray(caller)
    with session("ray", address, caller):
        refs: dict[Any, int] = {}
        try:
            # a task whose worker process dies (killed, out of memory, node lost) is retried by Ray, up to
            # RAY_RETRIES times; a Python exception is not (it would fail the same way again)
            remote = ray.remote(fn).options(num_cpus=num_cpus, max_retries=RAY_RETRIES, retry_exceptions=False)
            shared_refs = [ray.put(x) for x in shared]  # shipped to the object store once, not once per call
            for i, item in enumerate(items):
                refs[remote.remote(item, *shared_refs)] = i
            while refs:
                done, _ = ray.wait(list(refs), num_returns=1)
                for ref in done:
                    i = refs.pop(ref)
                    yield i, ray.get(ref)
        finally:
            for ref in refs:  # calls not finished when the caller stops (an error, or it gave up)
                ray.cancel(ref, force=True)


def check_executor(caller: str, executor: str, workers: int, address: str | None, *, need_ray: bool = False) -> None:
    """Raise ``ValueError`` for an unknown ``executor``, ``workers`` < 1, or an ``address`` without Ray.

    With ``need_ray``, also ``ImportError`` for ``executor="ray"`` when Ray is not installed.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"{caller}(executor={executor!r}): must be one of {', '.join(EXECUTORS)}")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"{caller}(workers={workers!r}): must be an int >= 1")
    if address is not None and executor != "ray":
        raise ValueError(f"{caller}(address={address!r}): an address is for executor='ray' only; add --executor ray")
    if need_ray and executor == "ray":
        _import_ray(caller)


def execute_calls(
    fn: Callable[..., Any],
    items: Sequence[Any],
    *,
    shared: tuple[Any, ...] = (),
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    num_cpus: float = 1,
    caller: str = "run_sweep",
) -> Iterator[tuple[int, Any]]:
    """Call ``fn(item, *shared)`` for every item; yield ``(position in items, result)`` as calls finish.

    Parameters
    ----------
    fn : callable
        A module-level function (pickled by reference for a pool or Ray).
        It must not write to files the parent reads while it runs, except
        its own (a checkpoint): results go back as its return value.
    items : sequence
        One call each (picklable).
    shared : tuple
        Extra arguments of every call: sent to Ray's object store once; to a
        pool with every call.
    executor : {"local", "ray"}, default "local"
        ``"local"`` with ``workers == 1``: in this process, in order;
        ``workers > 1``: a *spawn* process pool. ``"ray"``: Ray tasks on the
        cluster at ``address`` (or a local Ray started, and shut down, here),
        each reserving ``num_cpus`` CPUs; a task whose worker dies is retried.
    workers, address, num_cpus
        As above.
    caller : str
        Name used in error messages.

    Raises
    ------
    ValueError
        For a bad executor, workers or address (:func:`check_executor`).
    ImportError
        For ``executor="ray"`` without Ray (raised at once, before any work).
    """
    check_executor(caller, executor, workers, address, need_ray=True)  # fail early, before any work
    if executor == "ray":
        return _ray(fn, items, tuple(shared), address, num_cpus, caller)
    if workers == 1:
        return ((i, fn(item, *shared)) for i, item in enumerate(items))
    return _process_pool(fn, items, tuple(shared), workers)


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
    check_executor("run_sweep", executor, workers, address)
    if executor == "local" and workers == 1:
        return _in_process(tasks, corpus, on_step, on_start)
    runner = execute_calls(_train_task, tasks, shared=(corpus,), executor=executor, workers=workers, address=address,
                           num_cpus=max((t.threads for t in tasks), default=1))
    if on_start is not None:
        for task in tasks:
            on_start(task)
    return ((tasks[i], result) for i, result in runner)
