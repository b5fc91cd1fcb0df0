"""The embedded data snapshot: every dataset's files, shipped inside the package.

``scalewatch/data/snapshot/`` holds one deterministic ``<dataset>.tar.xz`` per
dataset with the files its loader reads, byte for byte (upstream copies, or
tables derived in code from upstream files), the licence of each dataset under
``LICENSES/``, and ``MANIFEST.json``: for every file its upstream repository,
commit and path (or how it was derived, from which pinned inputs), its sha256
and size. It is built by ``scripts/build_snapshot.py`` and never edited by hand;
CI rebuilds it from the data mirror and compares bytes.

Reading: an archive is checked against the sha256 the manifest gives for it,
then its members are written under ``<cache>/snapshot/<version>/<dataset>/``
(tar members are read one by one by name, never extracted wholesale), and
each file is checked against its pin before a loader sees it. A corrupted
archive or extracted file is an error that says which file and how to repair
the installation.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from scalewatch.data._loaders._paths import cache_dir, sha256_of
from scalewatch.errors import DatasetUnavailableError

__all__ = ["SNAPSHOT_DIR", "manifest", "snapshot_version", "snapshot_has", "snapshot_copy", "SNAPSHOT_ENV"]

#: the folder of the embedded snapshot inside the installed package
SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "snapshot"
#: set to another folder laid out like SNAPSHOT_DIR (tests; a maintainer's rebuilt snapshot); "off" disables it
SNAPSHOT_ENV = "SCALEWATCH_SNAPSHOT"

_REPAIR = "reinstall scalewatch (pip install --force-reinstall scalewatch) to restore the embedded snapshot"


def _root() -> Path | None:
    value = os.environ.get(SNAPSHOT_ENV, "").strip()
    if value.lower() == "off":
        return None
    return Path(value).expanduser() if value else SNAPSHOT_DIR


@lru_cache(maxsize=4)
def _manifest_at(root: str) -> dict[str, Any] | None:
    path = Path(root) / "MANIFEST.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DatasetUnavailableError(f"embedded snapshot manifest {path} is not valid JSON ({exc}); {_REPAIR}") from None


def manifest() -> dict[str, Any] | None:
    """The snapshot's manifest (a dict), or None when no snapshot is installed or it is switched off."""
    root = _root()
    return None if root is None else _manifest_at(str(root))


def snapshot_version() -> str | None:
    """The snapshot's version (``<series>+<12 hex of its content hash>``), or None without a snapshot."""
    m = manifest()
    return None if m is None else str(m["version"])


def snapshot_has(dataset: str, path: str) -> bool:
    """True when the snapshot lists ``dataset/path``."""
    m = manifest()
    return bool(m) and path in m["datasets"].get(dataset, {}).get("files", {})


def _extract_root(version: str) -> Path:
    root = cache_dir().parent / "snapshot" / version
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / ".write-test"
        probe.touch()
        probe.unlink()
        return root
    except OSError:  # a read-only home: extract into the temporary folder instead
        return Path(tempfile.gettempdir()) / f"scalewatch-snapshot-{version}"


def _extract(dataset: str, version: str, entry: dict[str, Any], root: Path, dest_root: Path) -> None:
    archive = root / entry["archive"]["name"]
    if not archive.is_file():
        raise DatasetUnavailableError(f"embedded snapshot archive {archive} is missing; {_REPAIR}")
    actual = sha256_of(archive)
    if actual != entry["archive"]["sha256"]:
        raise DatasetUnavailableError(
            f"embedded snapshot archive {archive} is corrupted: sha256 {actual}, the manifest says "
            f"{entry['archive']['sha256']}; {_REPAIR}"
        )
    with tarfile.open(archive, mode="r:xz") as tar:
        for path in entry["files"]:
            member = tar.getmember(path)
            if not member.isfile():  # the builder writes regular files only
                raise DatasetUnavailableError(f"embedded snapshot {archive}: {path} is not a regular file; {_REPAIR}")
            handle = tar.extractfile(member)
            assert handle is not None
            dest = dest_root / dataset / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(handle.read())
            os.replace(tmp, dest)


def snapshot_copy(dataset: str, path: str, sha256: str) -> Path | None:
    """A verified local copy of ``dataset/path`` from the embedded snapshot, or None if it does not list it.

    Parameters
    ----------
    dataset, path : str
        The file, as the catalogue names it.
    sha256 : str
        The file's pin; the copy must match it.

    Raises
    ------
    DatasetUnavailableError
        If the archive or the file is corrupted (its sha256 differs from the
        manifest's or the pin), with how to repair the installation.
    """
    root = _root()
    m = manifest()
    if root is None or m is None:
        return None
    entry = m["datasets"].get(dataset)
    if entry is None or path not in entry["files"]:
        return None
    if entry["files"][path]["sha256"] != sha256:
        raise DatasetUnavailableError(
            f"embedded snapshot lists {dataset}/{path} with sha256 {entry['files'][path]['sha256']}, but this "
            f"scalewatch pins {sha256}: the snapshot and the code are from different builds; {_REPAIR}"
        )
    version = str(m["version"])
    dest_root = _extract_root(version)
    dest = dest_root / dataset / path
    if not dest.is_file():
        _extract(dataset, version, entry, root, dest_root)
    actual = sha256_of(dest)
    if actual != sha256:
        # A damaged extracted copy: extract once more from the verified archive, then insist.
        _extract(dataset, version, entry, root, dest_root)
        actual = sha256_of(dest)
        if actual != sha256:
            raise DatasetUnavailableError(
                f"dataset {dataset!r}: snapshot copy {dest} is corrupted (sha256 {actual}, pinned {sha256}); "
                f"delete {dest_root} and retry, or {_REPAIR}"
            )
    return dest
