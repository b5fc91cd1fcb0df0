"""Byte-level corpora: the stdlib corpus is deterministic, split by file and hashed."""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import numpy as np
import pytest

from scalewatch.experiments import Corpus, stdlib_corpus


def _fake_stdlib(root: Path) -> Path:
    for i in range(12):
        (root / f"m{i:02d}.py").write_bytes(f"# module {i}\n".encode() * 10)
    for skipped in ("test", "site-packages", "idlelib/idle_test"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "x.py").write_text("SHOULD NOT APPEAR\n")
    (root / "notes.txt").write_text("not python\n")
    return root


def test_stdlib_corpus_is_deterministic_and_records_its_provenance() -> None:
    a, b = stdlib_corpus(max_bytes=300_000), stdlib_corpus(max_bytes=300_000)
    assert a.sha256 == b.sha256 and len(a.sha256) == 64
    assert np.array_equal(a.train, b.train) and np.array_equal(a.val, b.val)
    assert a.train.size + a.val.size == 300_000
    assert a.train.dtype == np.uint8 and a.val.size > 0
    d = a.describe()
    assert d["python_version"] == platform.python_version() and d["sha256"] == a.sha256
    assert a.name == "stdlib-py" + ".".join(platform.python_version_tuple()[:2])
    assert stdlib_corpus(max_bytes=250_000).sha256 != a.sha256
    with pytest.raises(ValueError, match="read-only"):
        a.train[0] = 1


def test_stdlib_corpus_splits_by_file_and_skips_tests(tmp_path: Path) -> None:
    c = stdlib_corpus(max_bytes=None, root=_fake_stdlib(tmp_path))
    assert b"SHOULD NOT APPEAR" not in c.train.tobytes() + c.val.tobytes()
    assert c.val.tobytes() == b"# module 9\n" * 10  # the 10th file (sorted paths) is the validation split
    assert c.info["files"] == 12
    h = hashlib.sha256(c.train.size.to_bytes(8, "little") + c.train.tobytes() + c.val.tobytes()).hexdigest()
    assert c.sha256 == h


def test_from_bytes_holds_out_the_tail() -> None:
    c = Corpus.from_bytes("digits", b"0123456789" * 10, val_fraction=0.2)
    assert c.train.size == 80 and c.val.tobytes() == b"0123456789" * 2
    assert "0.2" in c.split and c.describe()["train_bytes"] == 80
    with pytest.raises(ValueError, match=r"val_fraction=1\.5"):
        Corpus.from_bytes("x", b"abc", val_fraction=1.5)
    with pytest.raises(ValueError, match="empty split"):
        Corpus.from_bytes("x", b"ab", val_fraction=0.1)
    with pytest.raises(TypeError, match="bytes or a uint8 array"):
        Corpus.from_bytes("x", "text", val_fraction=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "match"), [({"max_bytes": 10}, "max_bytes=10"), ({"val_every": 1}, "val_every=1")])
def test_stdlib_corpus_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        stdlib_corpus(**kwargs)
