"""Find a pinned dataset file: in the mirror, in the cache, or in the embedded snapshot.

Every file is pinned by sha256. The order of search is

1. the mirror named by ``SCALEWATCH_DATA_MIRROR`` (a folder laid out like
   ``shared/data``: ``<mirror>/<dataset>/<path>``), when set; a file found there
   must match its pin, and a mismatch is an error (a mirror is never silently
   bypassed);
2. the user cache (``SCALEWATCH_CACHE_DIR``, else the platform's user cache
   folder), ``<cache>/datasets/<dataset>/<path>``, where ``scalewatch datasets
   fetch`` puts what it downloads; a cached copy that does not match its pin
   is an error that says how to repair it;
3. the embedded snapshot shipped inside the package (:mod:`._snapshot`).

Nothing is downloaded while loading: :func:`download_to_cache` (``scalewatch
datasets fetch``) downloads a file from
``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` to a temporary
file, checks it against the pin and only then moves it into the cache (as
pooch does). Files derived from upstream files (see :mod:`._derive`) are
rebuilt from their downloaded, pinned inputs.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from scalewatch.data._loaders._paths import cache_dir, sha256_of
from scalewatch.data._loaders._snapshot import snapshot_copy
from scalewatch.errors import DatasetUnavailableError, one_line

MIRROR_ENV = "SCALEWATCH_DATA_MIRROR"

_SET_MIRROR = (
    f"set {MIRROR_ENV} to a copy of the scalewatch data mirror (one folder per dataset, laid out like shared/data)"
)


@dataclass(frozen=True)
class FileSpec:
    """One pinned file of a dataset.

    Attributes
    ----------
    path : str
        Path inside the dataset's folder, in the mirror and in the cache.
    sha256 : str
        Full sha256 (hex) of the file's bytes.
    upstream : str or None
        Path in the upstream repository at the pinned commit, or None for a
        file that was derived from upstream (mirror-only).
    dataset : str
        Folder the file lives in (a loader may read a file of another dataset).
    repository, commit : str
        Upstream ``owner/name`` and the commit the file is pinned to.
    """

    path: str
    sha256: str
    upstream: str | None
    dataset: str
    repository: str
    commit: str

    @property
    def url(self) -> str | None:
        """Raw-download URL of the byte-for-byte upstream file, or None (mirror-only)."""
        if self.upstream is None:
            return None
        return raw_url(self.repository, self.commit, self.upstream)


def mirror_dir() -> Path | None:
    """The mirror folder from ``SCALEWATCH_DATA_MIRROR``, or None when unset or empty."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _mismatch(spec: FileSpec, where: Path | str, actual: str) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"dataset {spec.dataset!r}: {where} does not match its pinned sha256 "
        f"(expected {spec.sha256}, got {actual}); replace it with the pinned file or remove it"
    )


def raw_url(repository: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repository}/{commit}/{quote(path)}"


def local_copy(spec: FileSpec) -> tuple[Path, str] | None:
    """The verified local copy of ``spec`` and where it is (``"mirror"``, ``"cache"`` or ``"snapshot"``), or None.

    Raises
    ------
    DatasetUnavailableError
        If the mirror, the cache or the snapshot holds the file but its sha256
        differs from the pin (the message names the file and how to repair it).
    """
    mirror = mirror_dir()
    if mirror is not None:
        candidate = mirror / spec.dataset / spec.path
        if candidate.is_file():
            actual = sha256_of(candidate)
            if actual != spec.sha256:
                raise _mismatch(spec, candidate, actual)
            return candidate, "mirror"
    cached = cache_dir() / spec.dataset / spec.path
    if cached.is_file():
        actual = sha256_of(cached)
        if actual != spec.sha256:
            raise DatasetUnavailableError(
                f"dataset {spec.dataset!r}: cached file {cached} is corrupted (sha256 {actual}, pinned "
                f"{spec.sha256}); delete it to use the embedded snapshot, or run `scalewatch datasets fetch "
                f"{spec.dataset}` to download it again"
            )
        return cached, "cache"
    found = snapshot_copy(spec.dataset, spec.path, spec.sha256)
    if found is not None:
        return found, "snapshot"
    return None


def download(url: str, dest: Path) -> None:
    """Download ``url`` to ``dest`` (tests replace this function to stay offline).

    Raises
    ------
    OSError
        On any network failure (``requests`` errors subclass ``OSError``).
    """
    import pooch

    pooch.HTTPDownloader(progressbar=False, timeout=60)(url, str(dest), None)


def fetch(spec: FileSpec) -> Path:
    """Path of a verified local copy of ``spec``: from the mirror, the cache or the embedded snapshot.

    Raises
    ------
    DatasetUnavailableError
        If a copy does not match its pin, or no copy is on this machine (the
        message says how to download it).
    """
    found = local_copy(spec)
    if found is not None:
        return found[0]
    mirror = mirror_dir()
    tried_mirror = (
        f"mirror {mirror / spec.dataset / spec.path} (missing)" if mirror is not None else f"no mirror ({MIRROR_ENV} unset)"
    )
    raise DatasetUnavailableError(
        f"dataset {spec.dataset!r}: {spec.path} is not on this machine: tried {tried_mirror}, cache "
        f"{cache_dir() / spec.dataset / spec.path} (missing), embedded snapshot (not listed); run `scalewatch "
        f"datasets fetch {spec.dataset}` to download it, or {_SET_MIRROR}"
    )


def download_verified(url: str, sha256: str, dest: Path, what: str) -> Path:
    """Download ``url`` to ``dest`` through a temporary file, moving it into place only if its sha256 is ``sha256``.

    Raises
    ------
    DatasetUnavailableError
        If the download fails or gives other bytes than pinned.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            download(url, tmp)
        except Exception as exc:  # requests/urllib errors are OSErrors; anything else is as fatal here
            raise DatasetUnavailableError(f"{what}: cannot download {url} ({one_line(exc)}); go online and retry") from exc
        actual = sha256_of(tmp)
        if actual != sha256:
            raise DatasetUnavailableError(
                f"{what}: {url} does not match its pinned sha256 (expected {sha256}, got {actual}); nothing was kept"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def download_to_cache(spec: FileSpec) -> Path:
    """Download a byte-for-byte upstream file into the cache, verified against its pin.

    Raises
    ------
    DatasetUnavailableError
        If the file is derived (no URL), the download fails, or its bytes differ from the pin.
    """
    url = spec.url
    if url is None:
        raise DatasetUnavailableError(f"dataset {spec.dataset!r}: {spec.path} is derived, not downloaded (see _derive)")
    return download_verified(url, spec.sha256, cache_dir() / spec.dataset / spec.path, f"dataset {spec.dataset!r}")


def raw_input(dataset: str, repository: str, commit: str, path: str, sha256: str, *, download_missing: bool) -> Path:
    """A verified copy of a raw upstream input of a derived table: mirror ``raw/`` folder, cache, or download.

    Raises
    ------
    DatasetUnavailableError
        If a copy fails its pin, or it is missing and ``download_missing`` is False.
    """
    rel = Path(dataset) / "raw" / path
    for base in (mirror_dir(), cache_dir()):
        if base is not None and (base / rel).is_file():
            actual = sha256_of(base / rel)
            if actual != sha256:
                raise DatasetUnavailableError(
                    f"dataset {dataset!r}: raw input {base / rel} fails its pin (sha256 {actual}, pinned {sha256}); delete it"
                )
            return base / rel
    if not download_missing:
        raise DatasetUnavailableError(f"dataset {dataset!r}: raw input {path} is not on this machine")
    return download_verified(raw_url(repository, commit, path), sha256, cache_dir() / rel, f"dataset {dataset!r}")
