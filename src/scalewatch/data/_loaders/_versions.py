"""Newer upstream versions of living datasets, pulled by the user into the cache.

``scalewatch datasets update NAME --commit SHA`` (or ``--latest``) downloads
the dataset's files at another upstream commit into
``<cache>/versions/<name>/<commit>/``, checks them with the loader and the same
schema as the pinned version, records their sha256 in ``PINS.json`` there
(trust on first use: the user chose the commit), and selects that version in
``<cache>/versions/selected.json``. Later loads read the selected version,
each file checked against its recorded hash; ``--pinned`` goes back to the
version this scalewatch pins (and ships in its snapshot).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from scalewatch.data._loaders._paths import cache_dir
from scalewatch.errors import DatasetUnavailableError

__all__ = ["versions_dir", "selected_commit", "select", "recorded_pins", "record", "resolve_latest", "COMMIT_RE"]

#: a full 40-hex git commit id
COMMIT_RE = re.compile(r"[0-9a-f]{40}")


def versions_dir() -> Path:
    """``<cache>/versions``: one folder per dataset and commit."""
    return cache_dir().parent / "versions"


def _selected_file() -> Path:
    return versions_dir() / "selected.json"


def _selected() -> dict[str, str]:
    path = _selected_file()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DatasetUnavailableError(f"{path} is not valid JSON ({exc}); delete it to go back to the pinned versions") from None
    return {str(k): str(v) for k, v in data.items()}


def selected_commit(name: str) -> str | None:
    """The upstream commit the user selected for ``name`` with ``datasets update``, or None (the pinned one)."""
    return _selected().get(name)


def select(name: str, commit: str | None) -> None:
    """Select ``commit`` for ``name`` (None: back to the pinned version)."""
    chosen = _selected()
    if commit is None:
        chosen.pop(name, None)
    else:
        chosen[name] = commit
    path = _selected_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(chosen, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def recorded_pins(name: str, commit: str) -> dict[str, str]:
    """``path -> sha256`` recorded when ``commit`` of ``name`` was downloaded.

    Raises
    ------
    DatasetUnavailableError
        If that version was never downloaded (or its record is gone).
    """
    path = versions_dir() / name / commit / "PINS.json"
    if not path.is_file():
        raise DatasetUnavailableError(
            f"dataset {name!r}: version {commit} is selected but {path} is missing; run `scalewatch datasets update "
            f"{name} --commit {commit}` again, or `--pinned` to go back to the pinned version"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def record(name: str, commit: str, pins: dict[str, str]) -> Path:
    """Write the hashes of a downloaded version; returns the PINS.json path."""
    path = versions_dir() / name / commit / "PINS.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def resolve_latest(repository: str) -> str:
    """The newest commit of ``repository``'s default branch, from the GitHub API (tests replace this).

    Raises
    ------
    DatasetUnavailableError
        If the API cannot be reached or answers something that is not a commit id.
    """
    import requests

    url = f"https://api.github.com/repos/{repository}/commits/HEAD"
    try:
        answer = requests.get(url, timeout=30, headers={"Accept": "application/vnd.github+json"})
        answer.raise_for_status()
        sha = str(answer.json()["sha"])
    except (OSError, ValueError, KeyError) as exc:
        raise DatasetUnavailableError(f"cannot resolve the latest commit of {repository} from {url} ({exc}); give --commit SHA") from exc
    if not COMMIT_RE.fullmatch(sha):
        raise DatasetUnavailableError(f"{url} answered {sha!r}, not a 40-hex commit id; give --commit SHA")
    return sha
