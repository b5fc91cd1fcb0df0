"""Concurrent use of the registry: a second process waits for the lock (bounded), then fails clearly.

DuckDB lets one process hold a database file for writing and refuses the
others at once; :class:`Registry` retries for ``wait`` seconds, saying so, so
that two imports started together both land, none lost or duplicated.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalewatch.cli import main
from scalewatch.data import Registry
from scalewatch.errors import RegistryError

# Opens the registry, says so in a marker file, holds it for a while (a long import), imports, closes.
_HOLD_AND_IMPORT = """
import sys, time
from pathlib import Path
from scalewatch.data import Registry
db, runs, marker, hold = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
with Registry(db, wait=60, on_wait=lambda m: print(m, file=sys.stderr, flush=True)) as reg:
    Path(marker).write_text("open")
    time.sleep(hold)
    print(reg.import_runs(runs) if runs != "-" else "held", flush=True)
"""


def _runs_file(path: Path, prefix: str, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    pd.DataFrame({
        "run_id": [f"{prefix}{i}" for i in range(n)],
        "params": rng.uniform(1e7, 1e9, n),
        "tokens": rng.uniform(1e9, 1e11, n),
        "loss": rng.uniform(2.0, 4.0, n),
    }).to_csv(path, index=False)
    return path


def _start(db: Path, runs: Path | str, marker: Path, hold: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _HOLD_AND_IMPORT, str(db), str(runs), str(marker), str(hold)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(marker: Path, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the holder exited early: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            pytest.fail("the holder did not open the registry in time")
        time.sleep(0.02)


def test_two_concurrent_imports_both_land(tmp_path: Path) -> None:
    db = tmp_path / "reg.duckdb"
    Registry(db).close()
    a = _runs_file(tmp_path / "a.csv", "a", 500, 0)
    b = _runs_file(tmp_path / "b.csv", "b", 700, 1)
    first = _start(db, a, tmp_path / "a.open", 1.5)
    _wait_for(tmp_path / "a.open", first)
    second = _start(db, b, tmp_path / "b.open", 0.0)  # starts while the first holds the file
    out_a, err_a = first.communicate(timeout=120)
    out_b, err_b = second.communicate(timeout=120)
    assert first.returncode == 0, err_a
    assert second.returncode == 0, err_b
    assert out_a.startswith("a.csv: 500 added, 0 unchanged")
    assert out_b.startswith("b.csv: 700 added, 0 unchanged")
    assert "is in use by another process; waiting for it" in err_b  # the progress message
    with Registry(db, read_only=True) as reg:
        ids = reg.runs().runs["run_id"]
        assert len(ids) == 1200 and ids.is_unique  # none lost, none duplicated
        assert set(ids) == {f"a{i}" for i in range(500)} | {f"b{i}" for i in range(700)}
        assert reg.history()["runs_added"].tolist() == [500, 700]


def test_wait_is_bounded_and_the_error_says_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "reg.duckdb"
    Registry(db).close()
    holder = _start(db, "-", tmp_path / "h.open", 8.0)
    try:
        _wait_for(tmp_path / "h.open", holder)
        said: list[str] = []
        t0 = time.monotonic()
        with pytest.raises(RegistryError, match=r"still in use by another process after waiting 0\.6 s.*--wait SECONDS"):
            Registry(db, wait=0.6, on_wait=said.append)
        assert 0.5 < time.monotonic() - t0 < 5.0
        assert said and "waiting for it" in said[0]
        with pytest.raises(RegistryError, match="after waiting 0 s"):
            Registry(db, wait=0)
    finally:
        holder.kill()
        holder.communicate()


def test_cli_wait_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "reg.duckdb"
    Registry(db).close()
    runs = _runs_file(tmp_path / "c.csv", "c", 10, 2)
    holder = _start(db, "-", tmp_path / "h.open", 8.0)
    try:
        _wait_for(tmp_path / "h.open", holder)
        code = main(["runs", "import", str(runs), "--db", str(db), "--wait", "0.5"])
        out, err = capsys.readouterr()
    finally:
        holder.kill()
        holder.communicate()
    assert code == 1
    assert "waiting for it" in err and "error: registry" in err and "after waiting 0.5 s" in err
    assert main(["runs", "import", str(runs), "--db", str(db), "--wait", "5"]) == 0  # the holder is gone


def test_wait_must_be_a_number(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Registry\(wait=-1\)"):
        Registry(tmp_path / "x.duckdb", wait=-1)


def test_failed_import_leaves_the_registry_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import that fails after writing its runs (here: while writing curves) writes nothing at all.

    The killed-process variant (SIGKILL inside the open transaction) is
    ``tests/data/test_registry.py::test_killed_import_leaves_the_registry_as_it_was`` (slow).
    """
    db = tmp_path / "reg.duckdb"
    first = _runs_file(tmp_path / "first.csv", "f", 5, 3)
    with Registry(db) as reg:
        reg.import_runs(first)
    second = _runs_file(tmp_path / "second.csv", "s", 5, 4)
    (tmp_path / "second.curves.csv").write_text("run_id,step,loss\ns0,1,5.0\ns0,2,4.0\n")
    original = Registry._insert

    def failing(self, table, frame, columns, **kw):  # type: ignore[no-untyped-def]
        if table == "curves":
            raise OSError("disk full (simulated)")
        return original(self, table, frame, columns, **kw)

    monkeypatch.setattr(Registry, "_insert", failing)
    with Registry(db) as reg:
        before = (reg.query("SELECT * FROM runs ORDER BY run_id"), reg.history())
        with pytest.raises(OSError, match="simulated"):
            reg.import_runs(second)
        after = (reg.query("SELECT * FROM runs ORDER BY run_id"), reg.history())
        assert len(reg) == 5 and len(reg.runs().curves) == 0
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1], after[1])
