"""The report's disk cache: an analysis' outcome kept as JSON, keyed by its data, settings and code.

A second ``scalewatch report`` with unchanged data, settings and scalewatch
reads every finding back instead of refitting it. The key of an analysis is the
sha256 of

* the analysis (key and the function that implements it), ``seed`` and ``fast``;
* the data it declares: per dataset the upstream commit it is read at and the
  sha256 of every file (the pins each local file is verified against before the
  report runs anything, so they identify the bytes read);
* the code: scalewatch's version and the sha256 of every file of the installed
  package (its sources and package data, e.g. the committed sweep), plus the
  versions of Python, NumPy, SciPy and pandas (the numbers depend on them).

An entry is a JSON file (never a pickle) holding the outcome as
:meth:`scalewatch.findings.Finding.to_dict` writes its findings, and the
sha256 of that content: an entry whose content does not match its digest, or
that does not parse back into findings, is ignored and computed again. Only
analyses that succeeded, and that are implemented inside scalewatch (so that
the code hash covers them), are stored. The record is the one a worker
process of the parallel report sends back (:func:`scalewatch.reporting._outcome.outcome_record`).

Importing the analysis modules (NumPy, SciPy, pandas and every analysis) costs
more than reading every finding back, so the cache also keeps the registry's
list of analyses for this code (:meth:`ReportCache.registry`): a report whose
analyses are all cached never imports them; one that must run something imports
them as usual first.

Where: ``$SCALEWATCH_REPORT_CACHE_DIR`` when set, else
``$SCALEWATCH_CACHE_DIR/report`` when that is set (as for the data cache),
else ``platformdirs.user_cache_dir("scalewatch")/report``. Off with
``scalewatch report --no-cache`` or ``SCALEWATCH_REPORT_CACHE=off``. Deleting
the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scalewatch.findings import Analysis
from scalewatch.reporting._outcome import outcome_from_record, outcome_record

__all__ = [
    "CACHE_OFF_ENV",
    "CACHE_DIR_ENV",
    "FORMAT",
    "ReportCache",
    "cache_enabled",
    "code_hash",
    "report_cache_dir",
]

#: set to ``off`` (or ``0``, ``no``, ``false``) to run every analysis afresh
CACHE_OFF_ENV = "SCALEWATCH_REPORT_CACHE"
#: folder of the report cache (default: ``report/`` in the data cache's root)
CACHE_DIR_ENV = "SCALEWATCH_REPORT_CACHE_DIR"
#: the record layout; a new layout gives new keys, so old entries are never misread
FORMAT = "scalewatch-report-outcome/1"
# entries kept per analysis (older ones are from earlier code or data): enough to switch between a few versions
_KEEP = 6
_OFF = {"0", "off", "no", "false"}

# the package's own files: computed once per process (about 10 ms for the ~6 MB package)
_CODE_HASH: str | None = None


def cache_enabled(cache: bool = True) -> bool:
    """``cache`` unless ``$SCALEWATCH_REPORT_CACHE`` turns the cache off.

    Raises
    ------
    ValueError
        For a value of the variable that is neither on nor off.
    """
    value = os.environ.get(CACHE_OFF_ENV, "").strip().lower()
    if value and value not in _OFF | {"1", "on", "yes", "true"}:
        raise ValueError(f"{CACHE_OFF_ENV}={value!r} is not understood; set it to 'off' to disable the report cache or 'on' (default).")
    return bool(cache) and value not in _OFF


def report_cache_dir() -> Path:
    """Folder of the report cache (created on first write)."""
    from scalewatch.data.datasets import cache_root

    own = os.environ.get(CACHE_DIR_ENV, "").strip()
    if own:
        return Path(own).expanduser()
    return cache_root() / "report"


#: the one package file that cannot change an outcome (reporting/durations.json: the order of a parallel report)
_SCHEDULING_ONLY = b"reporting/durations.json"


def code_hash() -> str:
    """sha256 over every file of the installed scalewatch package (relative path and bytes), and the numeric stack's versions."""
    global _CODE_HASH
    if _CODE_HASH is None:
        from importlib import metadata

        root = Path(__file__).resolve().parents[1]  # the scalewatch package: this file is scalewatch/reporting/_cache.py
        h = hashlib.sha256()
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"):
            rel = path.relative_to(root).as_posix().encode()
            if rel == _SCHEDULING_ONLY:  # the shipped durations order the work, they never change a finding
                continue
            data = path.read_bytes()
            h.update(len(rel).to_bytes(8, "little") + rel + len(data).to_bytes(8, "little") + data)
        versions = {"python": sys.version}
        for dist in ("numpy", "scipy", "pandas"):
            try:
                versions[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:  # pragma: no cover - each is a dependency
                versions[dist] = "missing"
        h.update(json.dumps(versions, sort_keys=True).encode())
        _CODE_HASH = h.hexdigest()
    return _CODE_HASH


def _data_id(name: str) -> Any:
    """What identifies the bytes of dataset ``name``: its commit and every file's pinned sha256."""
    from scalewatch.data import datasets

    if name in datasets.PACKAGE_DATASETS:  # shipped inside the package: the code hash covers its files
        return "package"
    commit = datasets.provenance(name)["commit"]
    if commit != datasets.info(name).commit:
        # a version chosen with `scalewatch datasets update`: the commit names it (its files are checked against
        # the hashes recorded for that commit when read)
        return {"commit": commit}
    return {"commit": commit, "files": sorted([f.dataset, f.path, f.sha256] for f in datasets.info(name).files)}


def _cacheable(a: Analysis) -> bool:
    # only code inside the package is covered by code_hash(); a test's or notebook's analysis is always run
    return a.module == "scalewatch" or a.module.startswith("scalewatch.")


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, allow_nan=False, separators=(",", ":")).encode()).hexdigest()


def _seconds(entry: Any) -> dict[str, float]:
    """The ``"seconds"`` mapping (analysis key -> seconds) of a durations file; empty when malformed."""
    try:
        return {str(k): float(v) for k, v in entry["seconds"].items() if isinstance(v, (int, float)) and 0 <= v < 1e7}
    except (AttributeError, KeyError, TypeError, ValueError):
        return {}


def shipped_durations() -> dict[str, float]:
    """Seconds each analysis of the default report took on the reference machine (``reporting/durations.json``,
    written by ``benchmarks/bench_report.py``): the order of a parallel report before it has timed its own."""
    from importlib.resources import files

    try:
        return _seconds(json.loads(files("scalewatch.reporting").joinpath("durations.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


class ReportCache:
    """Outcomes of analyses on disk, one JSON file per (analysis, data, settings, code).

    Parameters
    ----------
    root : path, optional
        Folder of the entries; default :func:`report_cache_dir`.
    seed : int
    fast : bool
        The report's settings (part of every key).
    """

    def __init__(self, root: str | Path | None = None, *, seed: int, fast: bool) -> None:
        self.root = Path(root) if root is not None else report_cache_dir()
        self.seed = int(seed)
        self.fast = bool(fast)
        self._data: dict[str, Any] = {}

    # -- the registry of this code, so that a warm report need not import the analyses ----------------------
    def _registry_path(self) -> Path:
        return self.root / "_registry" / f"{code_hash()}.json"

    def registry(self) -> tuple[Analysis, ...] | None:
        """The analyses ``load_analyses()`` gave for this code, as stand-ins that cannot run; None when unknown.

        Each stand-in has the real key, question, datasets, title, module and
        function name (so its cache key is the real one); calling it raises.
        None also when this process has registered analyses the list does not have.
        """
        from scalewatch.findings import registered

        try:
            entry = json.loads(self._registry_path().read_text(encoding="utf-8"))
            if entry.get("format") != FORMAT or _digest(entry["analyses"]) != entry.get("sha256"):
                return None
            out = tuple(
                Analysis(str(d["key"]), str(d["question"]), tuple(str(r) for r in d["requires"]),
                         _StandIn(str(d["module"]), str(d["qualname"])), str(d["title"]))
                for d in entry["analyses"]
            )
        except (OSError, AttributeError, KeyError, TypeError, ValueError):
            return None
        keys = {a.key for a in out}
        if any(a.key not in keys for a in registered()):  # e.g. a notebook's own analysis: import as usual
            return None
        return out

    def save_registry(self, analyses: tuple[Analysis, ...]) -> None:
        """Keep ``analyses`` (the result of ``load_analyses()`` with no import failure) for :meth:`registry`."""
        rows = [{"key": a.key, "question": a.question, "requires": list(a.requires), "title": a.title,
                 "module": a.module, "qualname": str(getattr(a.func, "__qualname__", "?"))} for a in analyses]
        _write_json(self._registry_path(), {"format": FORMAT, "sha256": _digest(rows), "analyses": rows}, keep=2)

    # -- how long each analysis took when it last ran (any code): the order a parallel report starts them in --
    def _durations_path(self) -> Path:
        return self.root / "_durations" / "seconds.json"

    def durations(self) -> dict[str, float]:
        """Seconds each analysis (by key) took when it last ran here; empty when unknown or unreadable."""
        try:
            entry = json.loads(self._durations_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return _seconds(entry) if isinstance(entry, dict) and entry.get("format") == FORMAT else {}

    def save_durations(self, seconds: Mapping[str, float]) -> None:
        """Merge ``seconds`` (analysis key -> seconds it took to compute) into :meth:`durations`."""
        if seconds:
            merged = {**self.durations(), **{k: round(float(v), 3) for k, v in seconds.items()}}
            _write_json(self._durations_path(), {"format": FORMAT, "seconds": merged}, keep=1)

    # -- outcomes ------------------------------------------------------------------------------------------
    def key(self, a: Analysis) -> str | None:
        """The entry's key (sha256 hex) of analysis ``a``, or None when ``a`` is never cached."""
        from scalewatch._version import __version__

        if not _cacheable(a):
            return None
        for name in a.requires:
            if name not in self._data:
                self._data[name] = _data_id(name)
        material = {
            "format": FORMAT, "analysis": a.key, "origin": a.origin, "seed": self.seed, "fast": self.fast,
            "scalewatch": __version__, "code": code_hash(), "data": {n: self._data[n] for n in a.requires},
        }
        return _digest(material)

    def _path(self, a: Analysis, key: str) -> Path:
        return self.root / a.key / f"{key}.json"

    def get(self, a: Analysis) -> Any:
        """The stored outcome of ``a`` (``cached=True``), or None when there is none or it is damaged."""
        import time

        key = self.key(a)
        if key is None:
            return None
        t0 = time.perf_counter()
        path = self._path(a, key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no entry (the usual miss) or an unreadable one: computed again
            return None
        try:
            if entry.get("format") != FORMAT or entry.get("key") != key or _digest(entry["outcome"]) != entry.get("sha256"):
                return None
            outcome = outcome_from_record(entry["outcome"], cached=True)
        except (AttributeError, KeyError, TypeError, ValueError):  # not an entry this version wrote
            return None
        if outcome.key != a.key or outcome.status != "ok":
            return None
        return replace(outcome, seconds=time.perf_counter() - t0)  # the time it took to read, not to compute

    def put(self, a: Analysis, outcome: Any) -> None:
        """Store ``outcome`` of ``a`` when it succeeded (errors are run again next time). Never raises on a full or read-only disk."""
        key = self.key(a)
        if key is None or outcome.status != "ok":
            return
        record = outcome_record(outcome)
        entry = {"format": FORMAT, "key": key, "analysis": a.key, "sha256": _digest(record), "outcome": record}
        _write_json(self._path(a, key), entry, keep=_KEEP)


class _StandIn:
    """Stands for an analysis function that is not imported (see :meth:`ReportCache.registry`)."""

    def __init__(self, module: str, qualname: str) -> None:
        self.__module__ = module
        self.__qualname__ = qualname

    def __call__(self, ctx: Any) -> Any:
        raise RuntimeError(f"{self.__module__}.{self.__qualname__} is not imported; the report loads the analyses before running one.")


def _write_json(path: Path, entry: Any, *, keep: int) -> None:
    """Write ``entry`` to ``path`` atomically; keep the ``keep`` newest entries of its folder. Never raises on a full or read-only disk."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # write then rename: a report running beside this one never reads half a file
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, allow_nan=False)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        old = sorted((p for p in folder.glob("*.json") if p != path), key=lambda p: p.stat().st_mtime)
        for p in old[: max(0, len(old) - (keep - 1))]:
            p.unlink(missing_ok=True)
    except OSError:  # a cache that cannot be written costs time, never the report
        return
