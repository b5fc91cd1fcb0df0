"""Maintainer tools of the embedded data snapshot: build it from pinned upstream files, read its manifest.

See ``scripts/build_snapshot.py`` and :mod:`scalewatch.data._loaders._snapshot_build`.
"""

from __future__ import annotations

from scalewatch.data._loaders._snapshot import SNAPSHOT_DIR, manifest, snapshot_version
from scalewatch.data._loaders._snapshot_build import build_snapshot, notice

__all__ = ["SNAPSHOT_DIR", "build_snapshot", "manifest", "notice", "snapshot_version"]
