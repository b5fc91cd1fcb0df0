"""Find a pinned dataset file: in the mirror, in the cache, or by download.

Every file is pinned by sha256. The order of search is

1. the mirror named by ``SCALEWATCH_DATA_MIRROR`` (a folder laid out like
   ``shared/data``: ``<mirror>/<dataset>/<path>``); a file found there must
   match its pin, and a mismatch is an error (a mirror is never silently
   bypassed);
2. the download cache (``SCALEWATCH_CACHE_DIR``, else the platform's user
   cache folder), ``<cache>/datasets/<dataset>/<path>``; a cached copy that does
   not match its pin is downloaded again;
3. the upstream URL ``https://raw.githubusercontent.com/<repo>/<commit>/<path>``,
   downloaded to a temporary file, checked against the pin and only then moved
   into the cache (as pooch does).

Files that were derived from upstream rather than copied byte for byte have no
URL: they are *mirror-only*.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from scalewatch.errors import DatasetUnavailableError

MIRROR_ENV = "SCALEWATCH_DATA_MIRROR"
CACHE_ENV = "SCALEWATCH_CACHE_DIR"

_SET_MIRROR = (
    f"set {MIRROR_ENV} to a copy of the scalewatch data mirror (one folder per dataset, laid out like shared/data)"
)
_HOW_TO_GET = f"{_SET_MIRROR}, or go online so that the file can be downloaded"


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
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{quote(self.upstream)}"


def mirror_dir() -> Path | None:
    """The mirror folder from ``SCALEWATCH_DATA_MIRROR``, or None when unset or empty."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Root of the download cache for datasets (created lazily on first download)."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value:
        root = Path(value).expanduser()
    else:
        import platformdirs

        root = Path(platformdirs.user_cache_dir("scalewatch"))
    return root / "datasets"


# (resolved path, size, mtime_ns) -> sha256; hashing the 8 MB Pythia table once per process is enough.
_HASHES: dict[tuple[str, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """sha256 (hex) of a file's bytes, memoised on (path, size, mtime)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    digest = _HASHES.get(key)
    if digest is None:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        _HASHES[key] = digest
    return digest


def _mismatch(spec: FileSpec, where: Path | str, actual: str) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"dataset {spec.dataset!r}: {where} does not match its pinned sha256 "
        f"(expected {spec.sha256}, got {actual}); replace it with the pinned file or remove it"
    )


def local_copy(spec: FileSpec) -> tuple[Path, str] | None:
    """The verified local copy of ``spec`` and where it is (``"mirror"`` or ``"cache"``), or None.

    Raises
    ------
    DatasetUnavailableError
        If the mirror holds the file but its sha256 differs from the pin.
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
    if cached.is_file() and sha256_of(cached) == spec.sha256:
        return cached, "cache"
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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def fetch(spec: FileSpec) -> Path:
    """Path of a verified copy of ``spec``: from the mirror, the cache or a download.

    Raises
    ------
    DatasetUnavailableError
        If the mirror copy does not match its pin, if a mirror-only file is not
        in the mirror, or if the download fails or gives other bytes than pinned.
    """
    found = local_copy(spec)
    if found is not None:
        return found[0]
    mirror = mirror_dir()
    tried_mirror = (
        f"mirror {mirror / spec.dataset / spec.path} (missing)"
        if mirror is not None
        else f"no mirror ({MIRROR_ENV} is unset)"
    )
    cached = cache_dir() / spec.dataset / spec.path
    url = spec.url
    if url is None:
        raise DatasetUnavailableError(
            f"dataset {spec.dataset!r}: {spec.path} is mirror-only (derived from the upstream data, "
            f"not downloadable); tried {tried_mirror}, cache {cached} (missing); {_SET_MIRROR}"
        )
    cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=cached.name + ".", suffix=".part", dir=cached.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            download(url, tmp)
        except Exception as exc:  # requests/urllib errors are OSErrors; anything else is as fatal here
            raise DatasetUnavailableError(
                f"dataset {spec.dataset!r}: cannot get {spec.path}: tried {tried_mirror}, cache {cached} (missing), "
                f"download {url} ({_one_line(exc)}); {_HOW_TO_GET}"
            ) from exc
        actual = sha256_of(tmp)
        if actual != spec.sha256:
            raise _mismatch(spec, url, actual)
        os.replace(tmp, cached)
    finally:
        tmp.unlink(missing_ok=True)
    return cached
