"""Where scalewatch keeps data on this machine, and the sha256 that every file is checked against."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_ENV = "SCALEWATCH_CACHE_DIR"


def cache_root() -> Path:
    """scalewatch's cache folder: ``$SCALEWATCH_CACHE_DIR``, else the user cache folder (platformdirs)."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("scalewatch"))


def cache_dir() -> Path:
    """Root of the download cache for datasets (created lazily on first download)."""
    return cache_root() / "datasets"


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
