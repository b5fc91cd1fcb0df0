"""Run the report's analyses on several cores: groups of analyses in spawned processes, gathered in report order.

The analyses are independent except where some reuse a result that one of them
computes and keeps in its process (:data:`SHARED`): those run as one *group*,
in report order, in one process, so that the result is computed once and each
finding is what the one-process report gives. With ``jobs`` processes, the
report's own process runs groups too and ``jobs - 1`` workers are started from
a *spawn* context (a forked copy of a process that has loaded torch or duckdb
is not safe). A worker sends back each outcome as the JSON-safe record of
:func:`scalewatch.reporting._outcome.outcome_record` (the disk cache's format),
and the report's process turns it back into findings, so a finding is the
same whichever process computed it and whether it came from the cache.

Results are gathered by group and then put in the report's order by the
caller; only the order in which ``on_done`` is called depends on timing.
"""

from __future__ import annotations

import os
import pickle
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from scalewatch.errors import one_line
from scalewatch.findings import Analysis
from scalewatch.reporting._outcome import Outcome, execute, outcome_from_record, outcome_record

__all__ = ["SHARED", "WorkerPool", "default_jobs", "groups", "run_groups"]

#: what several analyses share within a process -> the analyses (by key) that share it; they run in one process.
#: ``pretraining.chinchilla_fit`` and ``pretraining.allocation`` quote one fit and bootstrap of Hoffmann et al.'s runs
#: (``scalewatch.analyses.pretraining._common.chinchilla_bootstrap``, cached per process; issue 16, item 6).
SHARED: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "Chinchilla bootstrap of chinchilla-hoffmann2022": ("pretraining.chinchilla_fit", "pretraining.allocation"),
})

#: environment of the report's processes when several run: one thread each (bootstraps, BLAS, OpenMP)
_ONE_THREAD = MappingProxyType({"SCALEWATCH_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                                "MKL_NUM_THREADS": "1"})

Group = tuple[Analysis, ...]
OnDone = Callable[[Group, list[Any]], None]


def default_jobs() -> int:
    """Cores this process may use (its CPU affinity where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - macOS, Windows


def groups(analyses: Sequence[Analysis], shared: Mapping[str, Sequence[str]] = SHARED) -> list[Group]:
    """``analyses`` split into groups that must share a process; each in the given order, groups by first member.

    Two analyses are in one group when some entry of ``shared`` names both
    (transitively); every other analysis is a group of its own.
    """
    parent = list(range(len(analyses)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    where = {a.key: i for i, a in enumerate(analyses)}
    for keys in shared.values():
        members = [where[k] for k in keys if k in where]
        for m in members[1:]:
            parent[find(m)] = find(members[0])
    out: dict[int, list[Analysis]] = {}
    for i, a in enumerate(analyses):
        out.setdefault(find(i), []).append(a)
    return [tuple(g) for g in out.values()]


def _run_group(group: Group, seed: int, fast: bool) -> list[dict[str, Any]]:
    """A worker's task: run each analysis of ``group`` in order; its outcomes as JSON-safe records."""
    return [outcome_record(execute(a, seed, fast)) for a in group]


def _picklable(group: Group) -> bool:
    try:
        pickle.dumps(group)  # the functions travel by module and name: a lambda or a closure cannot
    except Exception:  # noqa: BLE001 - any failure means: run it in this process
        return False
    return True


def _failed(group: Group, exc: BaseException) -> list[Any]:
    """Error outcomes for a group whose worker died (or could not take it)."""
    text = (f"worker process failed: {one_line(exc, with_type=True)} (a script that runs the report with jobs > 1 must "
            "start it under `if __name__ == '__main__':`; or use jobs=1)")
    tb = "".join(traceback.format_exception(exc))
    return [Outcome(a.key, a.question, a.title, "error", error=text, traceback=tb, requires=a.requires) for a in group]


def _warm_up() -> None:
    """A worker's first task: import what every analysis needs, while the report's process does its own start-up."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import scipy.optimize  # noqa: F401

    import scalewatch.fitting  # noqa: F401


class WorkerPool:
    """``workers`` spawned processes, started at once so that their start-up overlaps the caller's.

    While the pool is open the report's processes run one thread each (:data:`_ONE_THREAD`, set in the
    environment the workers are spawned with and read by this process's bootstraps); :meth:`close`
    restores the caller's environment.
    """

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = int(workers)
        self._saved = {k: os.environ.get(k) for k in _ONE_THREAD}
        os.environ.update(_ONE_THREAD)
        self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(self.workers):  # one task per worker: each is spawned now, not when work arrives
            self.executor.submit(_warm_up)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_groups(
    todo: Sequence[Group], *, jobs: int, seed: int, fast: bool, on_done: OnDone, on_start: Callable[[Group], None] | None = None,
    pool: WorkerPool | None = None,
) -> None:
    """Run every group, ``jobs`` at a time (this process and ``jobs - 1`` spawned workers).

    Parameters
    ----------
    todo : sequence of groups
        Started in this order (put the longest first for the shortest wall time).
    jobs : int
        Processes in all, >= 1; 1 runs everything here.
    seed, fast
        The report's settings.
    on_done : callable(group, outcomes)
        Called once per group as it finishes, one call at a time (possibly from
        a helper thread of this process), with its outcomes in group order.
    on_start : callable(group), optional
        Called as a group starts (under the same lock as ``on_done``).
    pool : WorkerPool, optional
        Workers started earlier (the caller closes them); default: started here for this call.
    """
    lock = threading.Lock()
    local = deque(g for g in todo if not _picklable(g))  # only this process can run these
    anywhere = deque(g for g in todo if g not in local)
    # this process takes groups too: one group needs no worker, and two need one
    workers = max(0, min(jobs - 1, len(todo) - 1, len(anywhere)))

    report_lock = threading.Lock()

    def take(queue: deque[Group]) -> Group | None:
        with lock:
            group = queue.popleft() if queue else None
        if group is not None and on_start is not None:
            with report_lock:
                on_start(group)
        return group

    def done(group: Group, outcomes: list[Any]) -> None:
        with report_lock:
            on_done(group, outcomes)

    def here(group: Group) -> None:
        # the same round trip as a worker's result, so that a finding never depends on where it ran
        done(group, [outcome_from_record(r) for r in _run_group(group, seed, fast)])

    if workers == 0:
        while (group := take(local)) is not None or (group := take(anywhere)) is not None:
            here(group)
        return

    stop = threading.Event()

    def feed(executor: Any) -> None:
        while not stop.is_set() and (group := take(anywhere)) is not None:
            try:
                records = executor.submit(_run_group, group, seed, fast).result()
            except Exception as exc:  # noqa: BLE001 - a dead worker: its group is an error row; the rest run here
                done(group, _failed(group, exc))
                return
            done(group, [outcome_from_record(r) for r in records])

    own = pool is None
    if own:
        pool = WorkerPool(workers)
    threads = [threading.Thread(target=feed, args=(pool.executor,), name=f"scalewatch-report-{i}", daemon=True)
               for i in range(min(workers, pool.workers))]
    try:
        for t in threads:
            t.start()
        while (group := take(local)) is not None or (group := take(anywhere)) is not None:
            here(group)
        for t in threads:
            t.join()
    finally:
        stop.set()
        if own:
            pool.close()
