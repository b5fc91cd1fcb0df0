"""Test-suite set-up: the public datasets come from ../shared/data (the mirror),
and nothing is written to the user's real cache or registry."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


def pytest_configure(config: pytest.Config) -> None:
    # The README's test command sets the mirror explicitly; this default lets a
    # developer run plain `pytest` from a checkout that sits beside shared/.
    if "SCALEWATCH_DATA_MIRROR" not in os.environ and SHARED_DATA.is_dir():
        os.environ["SCALEWATCH_DATA_MIRROR"] = str(SHARED_DATA)
    # Session- and module-scoped fixtures run before any function-scoped one, so
    # the cache and registry are redirected here too, before any fixture loads data.
    home = Path(tempfile.mkdtemp(prefix="scalewatch-tests-"))
    os.environ["SCALEWATCH_CACHE_DIR"] = str(home / "cache")
    os.environ["SCALEWATCH_DB"] = str(home / "registry.duckdb")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the download cache and the default registry at a per-session temp dir."""
    home = tmp_path_factory.getbasetemp() / "scalewatch-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("SCALEWATCH_DB", str(home / "registry.duckdb"))


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The local mirror of the public datasets (../shared/data)."""
    path = Path(os.environ.get("SCALEWATCH_DATA_MIRROR", SHARED_DATA))
    if not path.is_dir():
        pytest.fail(f"dataset mirror {path} not found; set SCALEWATCH_DATA_MIRROR to a copy of shared/data")
    return path
