"""Run the registered analyses: select, check the data, run, collect outcomes."""

from __future__ import annotations

import datetime as _dt
import fnmatch
import json
import math
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalewatch._version import __version__
from scalewatch.analyses import load_analyses
from scalewatch.errors import one_line
from scalewatch.findings import QUESTIONS, Analysis, Finding, ImportFailure
from scalewatch.reporting._outcome import TIMING_FIELDS, Context, Outcome, execute
from scalewatch.reporting._outcome import _warning_texts  # noqa: F401 - reporting.runs takes it from here

__all__ = ["Context", "Outcome", "Report", "run_report", "data_status", "ProgressFn", "TIMING_FIELDS", "execute"]

#: dataset ``local_status`` values that count as available (every file verified on this machine)
# every way local_status says "all files here, verified" (one place or several joined by "+")
_PLACES = ("mirror", "cache", "snapshot")


def _is_local(status: str) -> bool:
    # "cache@<commit>": a newer upstream version the user selected with `scalewatch datasets update`
    return bool(status) and all(p in _PLACES or p.startswith("cache@") for p in status.split("+"))


@dataclass(frozen=True)
class Report:
    """The outcome of every selected analysis, and how the run was configured. Immutable.

    ``to_html()`` is the self-contained page, ``to_dict()`` the content of
    ``findings.json``, ``summary()`` the terminal's verdict table; ``write(dir)``
    writes the first two. In a notebook the report shows its verdict table.
    """

    outcomes: tuple[Outcome, ...]
    created: str
    version: str
    seed: int
    fast: bool
    data: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    seconds: float = 0.0
    #: the sources of a report on the user's runs (:func:`scalewatch.reporting.runs.runs_report`); empty otherwise
    runs: tuple[str, ...] = ()
    #: per dataset used: name, repository, commit, licence, citation, where it was read, snapshot version
    data_versions: tuple[dict[str, Any], ...] = ()
    #: processes the analyses ran in (``run_report(jobs=...)``); the findings do not depend on it
    jobs: int = 1

    @property
    def snapshot(self) -> str | None:
        """Version of the embedded data snapshot the report read (None when no dataset came from it)."""
        return next((d["snapshot"] for d in self.data_versions if "snapshot" in d["local"]), None)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for o in self.outcomes for f in o.findings)

    @property
    def synthesis(self) -> Any:
        """The answer first (:func:`scalewatch.analyses.synthesis.synthesize` of the findings): opens every output."""
        from scalewatch.analyses.synthesis import synthesize

        return synthesize(self.findings)

    @property
    def errors(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "error")

    @property
    def skipped(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "skipped")

    def rows(self) -> list[dict[str, Any]]:
        """The verdict table: one row per finding and per analysis that raised, in report order."""
        out = []
        for o in self.outcomes:
            if o.status == "ok":
                for f in o.findings:
                    head = f.headline_number
                    out.append({
                        "key": f.key, "question": f.question, "title": f.title, "verdict": f.verdict, "tone": f.tone,
                        "summary": f.summary,
                        "number": None if head is None else f"{head.name} = {head.text(unit=True)}",
                        "ci": None if head is None else head.ci,
                    })
            elif o.status == "error":
                out.append({
                    "key": o.key, "question": o.question or "", "title": o.title, "verdict": "error", "tone": "error",
                    "summary": o.error, "number": None, "ci": None,
                })
        return out

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """JSON-safe content of ``findings.json``: run settings, every finding, errors and skipped analyses.

        ``timings=False`` leaves out :data:`TIMING_FIELDS` (when it ran, how long it took, in how many
        processes, what came from the cache): what is left is the same for the same data, seed and code.
        """
        out = {
            "synthesis": self.synthesis.to_dict(),
            "scalewatch": self.version,
            "created": self.created,
            "seed": self.seed,
            "fast": self.fast,
            "data": list(self.data),
            "only": list(self.only),
            **({"runs": list(self.runs)} if self.runs else {}),
            "seconds": round(self.seconds, 3),
            "snapshot": self.snapshot,
            "data_versions": [dict(d) for d in self.data_versions],
            "verdicts": [{k: r[k] for k in ("key", "question", "verdict", "summary", "number")} for r in self.rows()],
            "findings": [f.to_dict() for f in self.findings],
            "analyses": [o.to_dict(timings=timings) for o in self.outcomes],
            "jobs": self.jobs,
        }
        if not timings:
            for k in TIMING_FIELDS:
                out.pop(k, None)
        return out

    def summary(self) -> str:
        """Plain-text verdict table, then errors and skipped analyses."""
        rows = self.rows()
        lines = [self.synthesis.text(), ""] if self.findings else []
        if rows:
            wq = max(len("question"), *(len(r["question"]) for r in rows))
            wk = max(len("finding"), *(len(r["key"]) for r in rows))
            wv = max(len("verdict"), *(len(r["verdict"]) for r in rows))
            lines.append(f"{'question':<{wq}}  {'finding':<{wk}}  {'verdict':<{wv}}  key number")
            for r in rows:
                tail = r["number"] if r["number"] else r["summary"]
                lines.append(f"{r['question']:<{wq}}  {r['key']:<{wk}}  {r['verdict']:<{wv}}  {tail}")
        else:
            lines.append("no findings")
        for o in self.skipped:
            if self.runs:  # a run-level analysis that does not apply: the reason says what it needs
                lines.append(f"skipped {o.key}: {'; '.join(dict.fromkeys(o.how))}")
            else:
                lines.append(f"skipped {o.key}: needs {', '.join(o.missing)} ({'; '.join(dict.fromkeys(o.how))})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from scalewatch.reporting.page import verdict_table_html

        return verdict_table_html(self)

    def to_html(self) -> str:
        """The self-contained HTML page (plotly.js inlined once; works offline)."""
        from scalewatch.reporting.page import render

        return render(self)

    def write(self, out: str | Path) -> Path:
        """Write ``out/index.html`` and ``out/findings.json``; return the path of ``index.html``."""
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {str(out)!r} is a file; give a folder for index.html and findings.json.")
        out.mkdir(parents=True, exist_ok=True)
        index = out / "index.html"
        index.write_text(self.to_html(), encoding="utf-8")
        (out / "findings.json").write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False), encoding="utf-8")
        return index


def data_status(names: Sequence[str]) -> dict[str, tuple[bool, str]]:
    """For each dataset: (available locally?, how to get it when not). No network.

    Raises
    ------
    ValueError
        For a name that is not a known dataset.
    """
    from scalewatch.data import datasets

    out = {}
    for name in dict.fromkeys(names):
        meta = datasets.info(name)
        status = datasets.local_status(name)
        if _is_local(status):
            out[name] = (True, status)
        elif status == "bad hash":
            out[name] = (False, f"a local file of {name} fails its sha256 pin: `scalewatch datasets info {name}` names it; delete it or fetch it again")
        elif not meta.fetchable:
            out[name] = (False, f"{name} ships only in the embedded snapshot, which is missing: reinstall scalewatch")
        else:
            out[name] = (False, f"run `scalewatch datasets fetch {name}` (downloads the pinned files) or set SCALEWATCH_DATA_MIRROR")
    return out


def _dedupe(o: Outcome, seen: set[str]) -> Outcome:
    """``o``, or an error when one of its finding keys belongs to an earlier analysis of the report; records its keys."""
    if o.status != "ok":
        return o
    dup = sorted({f.key for f in o.findings if f.key in seen})
    if dup:
        try:
            raise ValueError(f"analysis {o.key!r} returned finding key(s) {dup} that another finding already has.")
        except ValueError as exc:
            return Outcome(o.key, o.question, o.title, "error", error=one_line(exc, with_type=True), traceback=traceback.format_exc(),
                           requires=o.requires, warnings=o.warnings, seconds=o.seconds)
    seen.update(f.key for f in o.findings)
    return o


def _select(analyses: Sequence[Analysis], data: Sequence[str], only: Sequence[str]) -> list[Analysis]:
    chosen = list(analyses)
    if only:
        chosen = [a for a in chosen if any(fnmatch.fnmatchcase(a.key, pat) for pat in only)]
        if not chosen:
            raise ValueError(
                f"--only {' '.join(only)} matches no analysis; registered: {', '.join(a.key for a in analyses) or 'none'}."
            )
    if data:
        from scalewatch.data import datasets

        for name in data:
            datasets.info(name)  # unknown names: ValueError naming the close match
        chosen = [a for a in chosen if set(a.requires) & set(data)]
        if not chosen:
            uses = "; ".join(f"{a.key}: {', '.join(a.requires) or 'no dataset'}" for a in analyses)
            raise ValueError(f"no selected analysis uses --data {' '.join(data)}; the analyses use: {uses}.")
    return chosen


ProgressFn = Callable[[int, int, Analysis, "Outcome | None"], None]


def run_report(
    *,
    data: Sequence[str] | None = None,
    only: Sequence[str] | None = None,
    seed: int = 0,
    fast: bool = False,
    analyses: Sequence[Analysis] | None = None,
    modules: Sequence[str] | None = None,
    progress: ProgressFn | None = None,
    jobs: int = 1,
    cache: bool = False,
    cache_dir: str | Path | None = None,
) -> Report:
    """Run every registered analysis whose datasets are on this machine; collect the outcomes.

    Parameters
    ----------
    data : sequence of str, optional
        Only analyses that use one of these datasets.
    only : sequence of str, optional
        Only analyses whose key matches one of these glob patterns (``"pretraining.*"``).
    seed : int, default 0
        Handed to every analysis (``ctx.seed``).
    fast : bool, default False
        Fewer resamples (``ctx.fast``).
    analyses : sequence of Analysis, optional
        Run these instead of the registry (tests, notebooks).
    modules : sequence of str, optional
        Analysis modules to import instead of :data:`ANALYSIS_MODULES`.
    progress : callable(index, total, analysis, outcome), optional
        Called before each analysis (``outcome=None``) and after it, ``index``
        counting the analyses finished. With ``jobs > 1`` the calls come as
        analyses start and finish in the worker processes (one call at a time,
        possibly from a helper thread).
    jobs : int, default 1
        Processes to run the analyses in (:mod:`scalewatch.reporting._parallel`):
        1 runs them one after another in this process; ``N > 1`` runs this
        process and ``N - 1`` spawned workers. The findings are the same.
    cache : bool, default False
        Read and write the report's disk cache (:mod:`scalewatch.reporting._cache`):
        an analysis whose data, settings and code are unchanged is read back
        instead of run. ``$SCALEWATCH_REPORT_CACHE=off`` overrides it.
    cache_dir : path, optional
        Folder of that cache; default ``<user cache>/scalewatch/report``.

    Returns
    -------
    Report
        One outcome per selected analysis (``"ok"``, ``"error"`` or
        ``"skipped"``), plus one error per analysis module that failed to import.

    Raises
    ------
    ValueError
        ``data`` names an unknown dataset, ``data``/``only`` select nothing, or ``jobs < 1``.
    """
    t0 = time.perf_counter()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"run_report(seed={seed!r}) takes an int.")
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"run_report(jobs={jobs!r}) takes an int: the number of processes, e.g. 2.")
    if jobs < 1:
        raise ValueError(f"run_report(jobs={jobs}) needs at least 1 process; use 1 to run everything in this process.")
    data = tuple(data or ())
    only = tuple(only or ())
    from scalewatch.reporting import _parallel
    from scalewatch.reporting._cache import ReportCache, cache_enabled, shipped_durations

    store = ReportCache(cache_dir, seed=seed, fast=fast) if cache_enabled(cache) else None
    failures: tuple[ImportFailure, ...] = ()
    stand_ins = False  # the registry's list read from the cache: the modules are imported only if one must run
    pool = None  # workers started early (below), closed at the end
    if analyses is None:
        known = store.registry() if store is not None and modules is None else None
        if known is not None:
            analyses, stand_ins = known, True
        else:
            if jobs > 1 and not data and not only:
                # nothing of this code is cached (the registry is written on its first report): every analysis
                # will run, so the workers start now and import while this process loads the analyses
                pool = _parallel.WorkerPool(jobs - 1)
            try:
                analyses, failures = load_analyses(modules)
            except BaseException:
                if pool is not None:
                    pool.close()
                raise
            if store is not None and modules is None and not failures:
                store.save_registry(analyses)
    try:
        chosen = _select(analyses, data, only)
        total = len(chosen)
        results: dict[str, Outcome] = {}  # analysis key -> outcome; put in report order at the end
        runnable: list[Analysis] = []
        status: dict[str, tuple[bool, str]] = {}
        for a in chosen:
            try:
                status.update(data_status([r for r in a.requires if r not in status]))
            except ValueError as exc:  # the analysis names a dataset that does not exist
                results[a.key] = Outcome(a.key, a.question, a.title, "error", error=one_line(exc, with_type=True),
                                         traceback=traceback.format_exc(), requires=a.requires)
                continue
            missing = [r for r in a.requires if not status[r][0]]
            if missing:
                results[a.key] = Outcome(a.key, a.question, a.title, "skipped", missing=tuple(missing),
                                         how=tuple(status[m][1] for m in missing), requires=a.requires)
            else:
                runnable.append(a)

        finished = 0

        def report_done(a: Analysis, outcome: Outcome) -> None:
            nonlocal finished
            finished += 1
            if progress is not None:
                progress(finished, total, a, outcome)

        for a in chosen:  # settled before anything runs
            if a.key in results:
                if progress is not None:
                    progress(finished, total, a, None)
                report_done(a, results[a.key])

        todo: list[tuple[Analysis, ...]] = []
        for group in _parallel.groups(runnable):
            hits = [store.get(a) for a in group] if store is not None else [None]
            if all(h is not None for h in hits):  # a group is read back whole or run whole: they share what it computes
                for a, h in zip(group, hits):
                    results[a.key] = h
                    if progress is not None:
                        progress(finished, total, a, None)
                    report_done(a, h)
            else:
                todo.append(group)

        if jobs > 1 and len(todo) > 1:
            # longest first (the LPT rule): a long analysis started last would leave the other cores idle at the
            # end. By the time each took when it last ran here, else on the reference machine (shipped_durations);
            # unknown ones first, then the report's order
            took = {**shipped_durations(), **(store.durations() if store is not None else {})}
            todo.sort(key=lambda g: -sum(took.get(a.key, math.inf) for a in g))

        if todo and stand_ins:  # something must run: import the analyses for real (the same code: the same keys)
            real, failures = load_analyses()
            by_key = {a.key: a for a in real}
            todo = [tuple(by_key.get(a.key, a) for a in group) for group in todo]

        def started(group: tuple[Analysis, ...]) -> None:
            if progress is not None:
                progress(finished, total, group[0], None)

        def group_done(group: tuple[Analysis, ...], outcomes: list[Outcome]) -> None:
            for a, o in zip(group, outcomes):
                results[a.key] = o
                if store is not None:
                    store.put(a, o)
                report_done(a, o)

        if jobs == 1:  # the one-process report: each analysis in turn, here
            for group in todo:
                for a in group:
                    if progress is not None:
                        progress(finished, total, a, None)
                    group_done((a,), [execute(a, seed, fast)])
        else:
            _parallel.run_groups(todo, jobs=jobs, seed=seed, fast=fast, on_done=group_done, on_start=started, pool=pool)

        if store is not None:
            # for the analyses the cache covers (a notebook's own are never recorded)
            store.save_durations({a.key: results[a.key].seconds for g in todo for a in g if results[a.key].status == "ok"
                                  and results[a.key].seconds is not None and store.key(a) is not None})
    finally:
        if pool is not None:
            pool.close()

    seen: set[str] = set()
    outcomes = [_dedupe(results[a.key], seen) for a in chosen]
    order = {q: i for i, q in enumerate(QUESTIONS)}
    outcomes.sort(key=lambda o: order.get(o.question or "", len(order)))  # stable: registration order within a question
    for f in failures:
        outcomes.append(Outcome(f"import:{f.module}", None, f"analysis module {f.module}", "error", error=f.error, traceback=f.traceback))
    return Report(
        outcomes=tuple(outcomes),
        created=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        version=__version__,
        seed=seed,
        fast=fast,
        data=data,
        only=only,
        seconds=time.perf_counter() - t0,
        data_versions=data_versions(sorted({r for o in outcomes if o.status == "ok" for r in o.requires})),
        jobs=jobs,
    )


def data_versions(names: Sequence[str]) -> tuple[dict[str, Any], ...]:
    """Source, commit, licence, citation and where each dataset was read (mirror, cache, snapshot)."""
    from scalewatch.data import datasets

    return tuple(datasets.provenance(n) for n in names if n not in datasets.PACKAGE_DATASETS and n in datasets.names())

