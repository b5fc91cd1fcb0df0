"""Byte-level training corpora for the sweeps (NumPy only; no torch import).

A :class:`Corpus` is a pair of ``uint8`` arrays (train and validation bytes,
which are the tokens of a byte-level model with a vocabulary of 256) with the
sha256 of their content, so that every run can record exactly what it was
trained on.

:func:`stdlib_corpus` builds one from the Python standard library's ``.py``
sources: always present, free of licence trouble (PSF licence), and
deterministic for a given Python version. The standard library differs between
Python versions, so the hash and the Python version are part of the corpus
description (:meth:`Corpus.describe`) that each run stores in its config.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["Corpus", "stdlib_corpus", "EXCLUDED_DIRS"]

#: path components that take a standard-library file out of the corpus (tests
#: are large, repetitive and partly generated; site-packages is not stdlib)
EXCLUDED_DIRS: frozenset[str] = frozenset(
    {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"}
)


def _digest(train: np.ndarray, val: np.ndarray) -> str:
    # the train length is hashed too, so that moving the split changes the hash
    h = hashlib.sha256()
    h.update(int(train.size).to_bytes(8, "little"))
    h.update(train.tobytes())
    h.update(val.tobytes())
    return h.hexdigest()


def _as_bytes_array(data: bytes | bytearray | memoryview | np.ndarray, name: str) -> np.ndarray:
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8 or data.ndim != 1:
            raise TypeError(f"Corpus {name!r}: arrays must be 1-D uint8, got {data.ndim}-D {data.dtype}")
        return np.ascontiguousarray(data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(data), dtype=np.uint8).copy()
    raise TypeError(f"Corpus {name!r}: data must be bytes or a uint8 array, got {type(data).__name__}")


@dataclass(frozen=True, eq=False)
class Corpus:
    """Train and validation bytes of a byte-level language-modelling corpus.

    Build one with :func:`stdlib_corpus` or :meth:`Corpus.from_bytes`; the
    constructor checks the arrays and computes nothing.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"stdlib-py3.11"``.
    train, val : numpy.ndarray
        1-D ``uint8`` arrays; each byte is one token (vocabulary 256).
    sha256 : str
        sha256 of ``len(train)`` (8 bytes, little-endian), the train bytes and
        the validation bytes, in that order.
    split : str
        How the bytes were split, in words (stored with every run).
    info : mapping of str to str
        Further provenance (Python version, number of files, ...).
    """

    name: str
    train: np.ndarray
    val: np.ndarray
    sha256: str
    split: str
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for part in ("train", "val"):
            arr = getattr(self, part)
            if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != 1:
                raise TypeError(f"Corpus({part}=...): must be a 1-D uint8 numpy array")
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))
        self.train.setflags(write=False)
        self.val.setflags(write=False)

    @classmethod
    def from_bytes(
        cls,
        name: str,
        data: bytes | bytearray | np.ndarray,
        val_fraction: float = 0.1,
        *,
        info: Mapping[str, Any] | None = None,
    ) -> Corpus:
        """A corpus whose last ``val_fraction`` of the bytes is the validation split.

        Parameters
        ----------
        name : str
        data : bytes or 1-D uint8 array
        val_fraction : float, default 0.1
            Share of the bytes (taken from the end) held out, in (0, 1).
        info : mapping, optional
            Extra provenance to record.

        Raises
        ------
        ValueError
            If ``val_fraction`` is outside (0, 1) or either split would be empty.
        """
        if not isinstance(val_fraction, (int, float)) or not 0.0 < val_fraction < 1.0:
            raise ValueError(f"Corpus.from_bytes(val_fraction={val_fraction!r}): must be in (0, 1), e.g. 0.1")
        arr = _as_bytes_array(data, name)
        cut = int(round(arr.size * (1.0 - val_fraction)))
        if cut < 1 or cut >= arr.size:
            raise ValueError(
                f"Corpus.from_bytes({name!r}): {arr.size} bytes with val_fraction={val_fraction} leave an empty "
                "split; give more data"
            )
        train, val = arr[:cut].copy(), arr[cut:].copy()
        return cls(
            name=name,
            train=train,
            val=val,
            sha256=_digest(train, val),
            split=f"last {val_fraction:g} of the bytes held out for validation",
            info=dict(info or {}),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # for process pools and Ray: the read-only mapping of ``info`` does not pickle
        return (type(self), (self.name, self.train, self.val, self.sha256, self.split, dict(self.info)))

    def describe(self) -> dict[str, Any]:
        """JSON-safe description stored in each run's config (no bytes)."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "split": self.split,
            "train_bytes": int(self.train.size),
            "val_bytes": int(self.val.size),
            **{k: v for k, v in self.info.items()},
        }

    def __repr__(self) -> str:
        return (f"Corpus({self.name!r}, train={self.train.size:,} bytes, val={self.val.size:,} bytes, "
                f"sha256={self.sha256[:12]}...)")


@functools.lru_cache(maxsize=8)
def _stdlib_files(root: Path) -> tuple[Path, ...]:
    files = [p for p in root.rglob("*.py")
             if p.is_file() and not (EXCLUDED_DIRS & set(p.relative_to(root).parts[:-1]))]
    # sort by the relative POSIX path so that the order does not depend on the file system
    return tuple(sorted(files, key=lambda p: p.relative_to(root).as_posix()))


def stdlib_corpus(max_bytes: int | None = 4_000_000, *, val_every: int = 10, root: str | Path | None = None) -> Corpus:
    """The Python standard library's ``.py`` sources as a byte-level corpus.

    Files are taken in sorted order of their path relative to the stdlib
    folder (``sysconfig.get_paths()["stdlib"]``), leaving out test folders and
    site-packages (:data:`EXCLUDED_DIRS`), until ``max_bytes`` are collected
    (the file that crosses the limit is cut). Every ``val_every``-th file
    (the 10th, 20th, ...) goes to validation: held out by file, so that
    validation text is never a continuation of a training file.

    Parameters
    ----------
    max_bytes : int or None, default 4_000_000
        Total bytes (train + validation); None for the whole library (about
        12 MB on CPython 3.11).
    val_every : int, default 10
        Every ``val_every``-th file is a validation file (>= 2).
    root : path, optional
        Folder to read instead of the running interpreter's stdlib (tests).

    Returns
    -------
    Corpus
        Named ``stdlib-py<major>.<minor>``; ``info`` records the Python version,
        implementation, file count and ``max_bytes``.

    Raises
    ------
    ValueError
        For ``max_bytes`` < 1000, ``val_every`` < 2, or a folder without
        enough ``.py`` files for both splits.
    """
    if max_bytes is not None and (not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1000):
        raise ValueError(f"stdlib_corpus(max_bytes={max_bytes!r}): must be an int >= 1000, or None for all")
    if not isinstance(val_every, int) or val_every < 2:
        raise ValueError(f"stdlib_corpus(val_every={val_every!r}): must be an int >= 2, e.g. 10")
    base = Path(root) if root is not None else Path(sysconfig.get_paths()["stdlib"])
    train_parts: list[bytes] = []
    val_parts: list[bytes] = []
    total = 0
    n_files = 0
    for i, path in enumerate(_stdlib_files(base)):
        data = path.read_bytes()
        if max_bytes is not None:
            data = data[: max_bytes - total]
        (val_parts if (i + 1) % val_every == 0 else train_parts).append(data)
        total += len(data)
        n_files += 1
        if max_bytes is not None and total >= max_bytes:
            break
    train = np.frombuffer(b"".join(train_parts), dtype=np.uint8).copy()
    val = np.frombuffer(b"".join(val_parts), dtype=np.uint8).copy()
    if train.size == 0 or val.size == 0:
        raise ValueError(
            f"stdlib_corpus: {n_files} .py files under {base} give an empty split; need at least {val_every} files"
        )
    version = f"{platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}"
    return Corpus(
        name=f"stdlib-py{version}",
        train=train,
        val=val,
        sha256=_digest(train, val),
        split=f"by file: every {val_every}th .py file (sorted paths) held out for validation",
        info={
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "files": n_files,
            "max_bytes": max_bytes,
            "excluded_dirs": sorted(EXCLUDED_DIRS),
        },
    )
