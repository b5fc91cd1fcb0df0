"""Public scaling datasets by name: pinned by sha256, shipped in the package, validated.

>>> from scalewatch import datasets
>>> ds = datasets.load("chinchilla-hoffmann2022")
>>> ds.runs.runs[["params", "tokens", "loss"]].head()  # doctest: +SKIP

Each dataset is one or more files of a public repository, pinned to a commit
and by sha256 (see :func:`info`). A file is read from the first place that has
it, and must match its pin there:

1. the *mirror*, a folder named by the environment variable
   ``SCALEWATCH_DATA_MIRROR`` and laid out like the project's ``shared/data``
   (``<mirror>/<dataset>/<file>``), when it is set;
2. the user cache, ``$SCALEWATCH_CACHE_DIR/datasets`` (default: the platform's
   user cache folder, e.g. ``~/.cache/scalewatch/datasets``), filled by
   :func:`fetch` (``scalewatch datasets fetch NAME``);
3. the **embedded snapshot** shipped inside the package (every dataset, built
   from the pinned upstream files by ``scripts/build_snapshot.py``): the default,
   offline, right after ``pip install``.

Nothing is downloaded while loading. :func:`fetch` downloads the pinned
upstream files into the cache, checking each sha256; tables *derived* from
upstream files (a notebook's dict literals, 672 JSON results) are derived again
in code from the downloaded files and must reproduce their pinned bytes.
Downloads are never unpickled.

Runs go through :func:`scalewatch.data.validate_runs`; everything that is not a
run (per-problem counts, trend series, prices, NIST problems, ...) is a table
whose columns are documented in :attr:`Dataset.columns`. Parsed datasets are
kept in memory per process, and :func:`load` returns a fresh copy each time.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from scalewatch.data._loaders._catalog import CATALOG, DatasetInfo
from scalewatch.data._loaders._derive import derivation_of
from scalewatch.data._loaders._fetch import (
    MIRROR_ENV,
    FileSpec,
    cache_dir,
    download_to_cache,
    local_copy,
    mirror_dir,
    raw_input,
)
from scalewatch.data._loaders._fetch import fetch as _fetch_file
from scalewatch.data._loaders import _fetch as _fetch_module
from scalewatch.data._loaders import _versions
from scalewatch.data._loaders._paths import CACHE_ENV, cache_root
from scalewatch.data._loaders._paths import sha256_of as _sha256_file
from scalewatch.data._loaders._raw_pins import RAW_PINS
from scalewatch.data._loaders._snapshot import snapshot_version
from scalewatch.data._loaders._tables import check_table
from scalewatch.data._package import PACKAGE_DATASET_GROUP, package_dataset, register_package_dataset
from scalewatch.data._schema import ColumnSpec, RunSet
from scalewatch.errors import DatasetUnavailableError, DataWarning, one_line

__all__ = [
    "Dataset",
    "DatasetInfo",
    "FileSpec",
    "names",
    "info",
    "load",
    "local_status",
    "fetch",
    "provenance",
    "update",
    "snapshot_version",
    "MIRROR_ENV",
    "CACHE_ENV",
    "cache_root",
    "PACKAGE_DATASETS",
    "PACKAGE_DATASET_GROUP",
    "register_package_dataset",
]

#: datasets shipped inside the package (the committed results of scalewatch's own
#: sweeps): loaded by name like the public ones, but never downloaded or pinned
PACKAGE_DATASETS: tuple[str, ...] = ("scalewatch-sweep",)

# dataset name -> loader module in scalewatch.data._loaders
_LOADERS: Mapping[str, str] = MappingProxyType(
    {
        "chinchilla-hoffmann2022": "chinchilla",
        "datablations-runs": "datablations",
        "gadre-overtraining-scaling": "gadre",
        "obsscaling": "obsscaling",
        "pythia-evals": "pythia",
        "llmonkeys-pythia-math": "llmonkeys",
        "porian-compute-optimal-isoflops": "porian",
        "epoch-ai-models": "epoch_models",
        "epoch-ml-hardware": "epoch_hardware",
        "epoch-benchmark-stitching": "epoch_benchmarks",
        "epoch-llm-inference-prices": "epoch_prices",
        "microprocessor-trend-data": "microprocessor",
        "nist-strd-nonlinear": "nist",
    }
)


@dataclass(frozen=True)
class Dataset:
    """A loaded public dataset: validated runs plus documented side tables.

    Attributes
    ----------
    name : str
        Dataset name (see :func:`names`).
    citation : str
        The paper and the data source to cite.
    license : str
        Licence of the upstream data.
    source_url : str
        Upstream repository at the pinned commit.
    runs : RunSet
        Runs (``source`` = ``name``, ``citation`` filled in), their scores and
        loss curves, validated by :func:`scalewatch.data.validate_runs`. Empty
        for datasets that are not training runs (hardware, trend series, NIST).
    tables : mapping of str to pandas.DataFrame
        Everything that is not a run, checked against ``columns``.
    columns : mapping of str to tuple of ColumnSpec
        For each table, its columns: name, dtype, unit and meaning.
    notes : tuple of str
        What the loader decided (units, rows left out, caveats) and any
        warnings of the validation.
    info : DatasetInfo
        Pinned files, commit and row count.
    origin : str
        Where the files were read: ``"snapshot"``, ``"cache"``, ``"mirror"``,
        or several joined by ``+``.
    """

    name: str
    citation: str
    license: str
    source_url: str
    runs: RunSet
    tables: Mapping[str, pd.DataFrame]
    columns: Mapping[str, tuple[ColumnSpec, ...]]
    notes: tuple[str, ...]
    info: DatasetInfo
    origin: str = ""

    def __repr__(self) -> str:
        tables = ", ".join(f"{k} ({len(v)} rows)" for k, v in self.tables.items()) or "none"
        return f"Dataset({self.name!r}, {self.runs!r}, tables: {tables})"

    def describe(self) -> pd.DataFrame:
        """One row per table column: table, column, dtype, unit and meaning.

        Returns
        -------
        pandas.DataFrame
            Columns ``table, column, dtype, unit, required, doc``.
        """
        rows = [
            (table, c.name, c.dtype, c.unit, c.required, c.doc) for table, specs in self.columns.items() for c in specs
        ]
        return pd.DataFrame(rows, columns=["table", "column", "dtype", "unit", "required", "doc"])

    def _copy(self) -> Dataset:
        runs = RunSet(runs=self.runs.runs.copy(), scores=self.runs.scores.copy(), curves=self.runs.curves.copy())
        tables = MappingProxyType({k: v.copy() for k, v in self.tables.items()})
        return Dataset(
            self.name,
            self.citation,
            self.license,
            self.source_url,
            runs,
            tables,
            self.columns,
            self.notes,
            self.info,
            self.origin,
        )


def names() -> tuple[str, ...]:
    """Names of the public datasets, in catalogue order (package data: :data:`PACKAGE_DATASETS`).

    Returns
    -------
    tuple of str
    """
    return tuple(CATALOG)


def info(name: str) -> DatasetInfo:
    """Metadata of a dataset without loading it: citation, licence, pinned files, rows.

    Parameters
    ----------
    name : str
        A name from :func:`names`.

    Returns
    -------
    DatasetInfo

    Raises
    ------
    ValueError
        If ``name`` is not a known dataset (the message lists the close matches).
    """
    if name in PACKAGE_DATASETS:
        return load(name).info
    try:
        return CATALOG[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), [*CATALOG, *PACKAGE_DATASETS], n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        known = ", ".join([*CATALOG, *PACKAGE_DATASETS])
        raise ValueError(f"dataset name={name!r} is not known; {hint}known datasets: {known}") from None


def local_status(name: str) -> str:
    """Where the dataset's files are on this machine, without downloading anything.

    Parameters
    ----------
    name : str
        A name from :func:`names`.

    Returns
    -------
    str
        The places the files are read from, joined by ``+`` in lookup order
        (``"mirror"``, ``"cache"``, ``"snapshot"``: every file found and
        verified), ``"partial"`` (some files missing), ``"no"`` (none), or
        ``"bad hash"`` (a local copy does not match its pin); ``"package"`` for
        :data:`PACKAGE_DATASETS`.
    """
    if name in PACKAGE_DATASETS:
        return "package"
    commit = _versions.selected_commit(name)
    if commit is not None:
        return f"cache@{commit[:12]}"
    places = set()
    for spec in info(name).files:
        try:
            found = local_copy(spec)
        except DatasetUnavailableError:
            return "bad hash"
        places.add(found[1] if found is not None else None)
    if places == {None}:
        return "no"
    if None in places:
        return "partial"
    return "+".join(sorted(places, key=["mirror", "cache", "snapshot"].index))


_PLACES = ("mirror", "cache", "snapshot")


def provenance(name: str) -> dict[str, Any]:
    """What a report should say about a dataset's version: source, commit, licence, where it was read.

    Returns
    -------
    dict
        ``name, repository, commit, license, citation, local`` (see
        :func:`local_status`) and ``snapshot`` (the embedded snapshot's
        version, or None).
    """
    meta = info(name)
    return {
        "name": name,
        "repository": meta.repository,
        "commit": _versions.selected_commit(name) or meta.commit,
        "pinned_commit": meta.commit,
        "license": meta.license,
        "citation": meta.citation,
        "local": local_status(name),
        "snapshot": snapshot_version(),
    }


def fetch(name: str, *, download: bool = True) -> list[Path]:
    """Download a dataset's pinned upstream files into the cache (and derive its derived tables there).

    Files already in the mirror or the cache are kept. A copied file is
    downloaded from ``raw.githubusercontent.com`` at the pinned commit and
    checked against its sha256 before it enters the cache. A derived table is
    derived again, in code, from its downloaded raw inputs (each pinned), and
    must reproduce its pinned bytes.

    Parameters
    ----------
    name : str
        A name from :func:`names`.
    download : bool, default True
        False: use only raw inputs already on this machine (mirror ``raw/``
        folders or the cache); derive, but download nothing.

    Returns
    -------
    list of pathlib.Path
        The verified files in the mirror or the cache.

    Raises
    ------
    DatasetUnavailableError
        If a download fails or gives other bytes than pinned; or the dataset
        holds a table that cannot be derived from downloads (the Hub's
        monkey_business parquet files are not pinned, Porian et al.'s pickles are
        never unpickled): such tables ship only in the embedded snapshot.
    """
    meta = info(name)
    out: list[Path] = []
    derived: dict[tuple[str, str], bytes] = {}
    for spec in meta.files:
        found = local_copy(spec)
        if found is not None and found[1] in ("mirror", "cache"):
            out.append(found[0])
            continue
        if spec.upstream is not None:
            out.append(download_to_cache(spec) if download else _missing(spec))
            continue
        der = derivation_of(spec.dataset, spec.path)
        if der is None or not der.downloadable:
            raise DatasetUnavailableError(
                f"dataset {spec.dataset!r}: {spec.path} cannot be fetched: "
                f"{der.how if der is not None else 'derived by hand'}; it ships in the embedded snapshot "
                "(scalewatch datasets list shows where each dataset comes from)"
            )
        if (spec.dataset, spec.path) not in derived:
            owner = CATALOG[spec.dataset]

            def pinned_raw(path: str, _d: str = spec.dataset, _o: DatasetInfo = owner) -> Path:
                return raw_input(_d, _o.repository, _o.commit, path, RAW_PINS[_d][path], download_missing=download)

            raw: Callable[[str], Path] = pinned_raw
            if der.provider is not None:  # inputs from elsewhere than a pinned GitHub file (the Hugging Face Hub)
                if not download:
                    raise DatasetUnavailableError(f"dataset {spec.dataset!r}: deriving {spec.path} needs a download (download=False)")
                raw = der.provider(cache_dir() / spec.dataset / "raw", _fetch_module.download)
            derived.update({(spec.dataset, p): b for p, b in der.build(raw).items()})
        data = derived[(spec.dataset, spec.path)]
        actual = hashlib.sha256(data).hexdigest()
        if actual != spec.sha256:
            raise DatasetUnavailableError(
                f"dataset {spec.dataset!r}: {spec.path} derived from the downloaded inputs has sha256 {actual}, "
                f"pinned {spec.sha256}: the derivation no longer reproduces the pinned table (a scalewatch bug)"
            )
        dest = cache_dir() / spec.dataset / spec.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        out.append(dest)
    return out


def _missing(spec: FileSpec) -> Path:
    raise DatasetUnavailableError(f"dataset {spec.dataset!r}: {spec.path} is not on this machine and download=False")


# (name, mirror, cache, snapshot) -> parsed dataset; load() hands out copies
_LOADED: dict[tuple[str, str, str, str], Dataset] = {}


def load(name: str) -> Dataset:
    """Load a public dataset by name: fetch (or find) its pinned files, parse and validate them.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"chinchilla-hoffmann2022"``.

    Returns
    -------
    Dataset
        A fresh copy (changing it does not change later loads). The first load
        in a process parses the files; later ones reuse the parsed result.

    Raises
    ------
    ValueError
        If ``name`` is not a known dataset.
    DatasetUnavailableError
        If a file is in none of mirror, cache or embedded snapshot; or a local
        copy does not match its pinned sha256. The message names what was
        tried and how to get the data.
    DataValidationError
        If the pinned data break the run schema or a table's documented columns
        (a bug in scalewatch: please report it).

    Examples
    --------
    >>> from scalewatch import datasets
    >>> ds = datasets.load("nist-strd-nonlinear")  # doctest: +SKIP
    >>> ds.tables["parameters"].query("problem == 'Misra1a'")[["name", "certified_value"]]  # doctest: +SKIP
      name  certified_value
    0   b1     2.389421e+02
    1   b2     5.501564e-04
    """
    if name in PACKAGE_DATASETS:  # package data: runs scalewatch trained itself, registered by scalewatch.experiments
        return package_dataset(name)
    meta = info(name)
    commit = _versions.selected_commit(name)
    key = (name, str(mirror_dir()), str(cache_dir()), str(snapshot_version()), str(commit))
    parsed = _LOADED.get(key)
    if parsed is None:
        if commit is None:
            parsed = _build(meta)
        else:
            pins = _versions.recorded_pins(name, commit)
            parsed = _build(_at_commit(meta, commit, pins), _version_getter(name, commit, pins))
        _LOADED[key] = parsed
    return parsed._copy()


def _at_commit(meta: DatasetInfo, commit: str, pins: Mapping[str, str]) -> DatasetInfo:
    """``meta`` for another upstream commit whose files have the hashes ``pins``."""
    files = tuple(dc_replace(f, commit=commit, sha256=pins[f.path]) if f.dataset == meta.name else f for f in meta.files)
    return dc_replace(meta, commit=commit, files=files, source_url=f"https://github.com/{meta.repository}/tree/{commit}")


def _version_getter(name: str, commit: str, pins: Mapping[str, str]) -> Callable[[FileSpec], tuple[Path, str] | None]:
    root = _versions.versions_dir() / name / commit

    def find(spec: FileSpec) -> tuple[Path, str] | None:
        if spec.dataset != name:  # a file of another dataset: its usual lookup
            return local_copy(spec)
        path = root / spec.path
        if not path.is_file():
            raise DatasetUnavailableError(f"dataset {name!r} at {commit}: {path} is missing; run `scalewatch datasets update {name} --commit {commit}` again")
        actual = _sha256_file(path)
        if actual != pins[spec.path]:
            raise DatasetUnavailableError(
                f"dataset {name!r} at {commit}: {path} is corrupted (sha256 {actual}, recorded {pins[spec.path]}); "
                f"run `scalewatch datasets update {name} --commit {commit}` again"
            )
        return path, f"cache@{commit[:12]}"

    return find


def update(name: str, *, commit: str | None = None, latest: bool = False, pinned: bool = False) -> dict[str, Any]:
    """Pull another upstream version of a dataset into the cache, validate it, and select it.

    Parameters
    ----------
    name : str
        A dataset whose files are all copied from upstream (living datasets
        such as ``epoch-ai-models`` or ``epoch-benchmark-stitching``).
    commit : str, optional
        The upstream commit (40 hex digits).
    latest : bool, default False
        Resolve the newest commit of the upstream default branch instead.
    pinned : bool, default False
        Go back to the version this scalewatch pins (and ships in its snapshot).

    Returns
    -------
    dict
        ``name, commit, files`` (path -> sha256 recorded), ``rows``.

    Raises
    ------
    ValueError
        If not exactly one of ``commit``, ``latest``, ``pinned`` is given, the
        commit is not 40 hex digits, or the dataset has derived tables.
    DatasetUnavailableError
        If a download fails.
    DataValidationError
        If the files at that commit break the loader or the schema (nothing is
        selected then).
    """
    meta = info(name)
    if sum([commit is not None, latest, pinned]) != 1:
        raise ValueError(f"update({name!r}) takes exactly one of commit=SHA, latest=True, pinned=True")
    if pinned:
        _versions.select(name, None)
        return {"name": name, "commit": meta.commit, "files": {f.path: f.sha256 for f in meta.files}, "rows": meta.rows}
    if meta.derived_files:
        raise ValueError(
            f"dataset {name!r} has derived tables ({', '.join(meta.derived_files)}): only datasets copied from upstream "
            "byte for byte can be updated; a newer version needs a new scalewatch release"
        )
    if latest:
        commit = _versions.resolve_latest(meta.repository)
    assert commit is not None
    if not _versions.COMMIT_RE.fullmatch(commit):
        raise ValueError(f"commit={commit!r} is not a full commit id (40 lowercase hex digits); copy it from the repository's history")
    root = _versions.versions_dir() / name / commit
    pins: dict[str, str] = {}
    for spec in meta.files:
        if spec.dataset != name:
            continue
        dest = root / spec.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        url = dc_replace(spec, commit=commit).url
        assert url is not None
        try:
            _fetch_module.download(url, dest)
        except Exception as exc:  # network errors are OSErrors; anything else is as fatal here
            raise DatasetUnavailableError(f"dataset {name!r}: cannot download {url} ({one_line(exc)}); go online and retry") from exc
        pins[spec.path] = _sha256_file(dest)
    parsed = _build(_at_commit(meta, commit, pins), _version_getter(name, commit, pins))  # raises on bad data
    _versions.record(name, commit, pins)
    _versions.select(name, commit)
    return {"name": name, "commit": commit, "files": pins, "rows": len(parsed.runs.runs)}


def _build(meta: DatasetInfo, find: Callable[[FileSpec], tuple[Path, str] | None] | None = None) -> Dataset:
    from scalewatch.data import validate_runs

    specs = {(f.dataset, f.path): f for f in meta.files}
    find = find or local_copy
    origins: set[str] = set()

    def get(path: str, dataset: str | None = None) -> Path:
        spec = specs[(dataset or meta.name, path)]
        found = find(spec)
        if found is None:
            return _fetch_file(spec)  # raises, saying what was tried and how to get the file
        origins.add(found[1])
        return found[0]

    loader: Callable[[Callable[..., Path]], Any] = importlib.import_module(
        f"scalewatch.data._loaders.{_LOADERS[meta.name]}"
    ).load
    parsed = loader(get)
    runs = parsed.runs.assign(source=meta.name, citation=meta.citation) if len(parsed.runs) else parsed.runs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        runset = validate_runs(runs, parsed.scores, parsed.curves, source=meta.name)
    notes = list(parsed.notes)
    for w in caught:
        if issubclass(w.category, DataWarning):
            # Heterogeneous public data (e.g. compute far from 6ND): kept as a note, not re-raised on every load.
            notes.append(f"validation: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    tables = {k: check_table(meta.name, k, df, parsed.columns[k]) for k, df in parsed.tables.items()}
    return Dataset(
        name=meta.name,
        citation=meta.citation,
        license=meta.license,
        source_url=meta.source_url,
        runs=runset,
        tables=MappingProxyType(tables),
        columns=MappingProxyType(dict(parsed.columns)),
        notes=tuple(notes),
        info=meta,
        origin="+".join(sorted(origins, key=lambda o: ["mirror", "cache", "snapshot"].index(o) if o in _PLACES else 3)),
    )
