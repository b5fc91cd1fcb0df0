"""Build the embedded snapshot from the pinned upstream files (maintainers: ``scripts/build_snapshot.py``).

The build is deterministic: the same inputs give byte-identical archives and
manifest (tar members in sorted order with fixed owner, mode and time; xz at a
fixed preset, single-threaded; JSON with sorted keys; no build date). Before
anything is written, every input is checked against its pin:

* files copied from upstream: their sha256 against :data:`._pins.PINS`;
* derived tables with downloadable inputs (Datablations, Pythia): every raw
  input against :data:`._raw_pins.RAW_PINS`, then the table is derived again in
  code and must equal its pinned bytes;
* derived tables whose inputs cannot be fetched here (Large Language Monkeys
  from the Hugging Face Hub, Porian et al.'s pickles): the derived file
  against its pin, and the manifest says how it was derived.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalewatch.data._loaders._catalog import CATALOG
from scalewatch.data._loaders._derive import derivation_of
from scalewatch.data._loaders._fetch import raw_url
from scalewatch.data._loaders._raw_pins import RAW_PINS
from scalewatch.errors import DatasetUnavailableError

__all__ = ["build_snapshot", "SERIES", "LICENSE_NAMES"]

#: the snapshot series, bumped by hand when the layout of the snapshot changes
SERIES = "2026.12"
#: licence file names a mirror folder may hold (copied into LICENSES/)
LICENSE_NAMES = ("UPSTREAM_LICENSE.txt", "UPSTREAM_LICENSE.md")
_XZ_PRESET = 9 | lzma.PRESET_EXTREME


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tar_xz(files: dict[str, bytes]) -> bytes:
    """A deterministic .tar.xz of ``files`` (path -> bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size = len(files[path])
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[path]))
    return lzma.compress(buf.getvalue(), format=lzma.FORMAT_XZ, preset=_XZ_PRESET)


def _read_pinned(source: Path, dataset: str, path: str, sha256: str) -> bytes:
    file = source / dataset / path
    if not file.is_file():
        raise DatasetUnavailableError(f"snapshot build: {file} is missing from the source folder {source}")
    data = file.read_bytes()
    if _sha(data) != sha256:
        raise DatasetUnavailableError(
            f"snapshot build: {file} fails its pin (sha256 {_sha(data)}, pinned {sha256}); the source is not the pinned upstream"
        )
    return data


def _derived_entry(source: Path, dataset: str, path: str, sha256: str, cache: dict[str, dict[str, bytes]]) -> dict[str, Any]:
    der = derivation_of(dataset, path)
    assert der is not None
    meta = CATALOG[dataset]
    entry: dict[str, Any] = {"how": der.how, "reproduced_here": False, "inputs": {}}
    if der.downloadable and der.inputs:
        if dataset not in cache:

            def raw(p: str) -> Path:
                f = source / dataset / "raw" / p
                if not f.is_file():
                    raise DatasetUnavailableError(f"snapshot build: raw input {f} is missing")
                if _sha(f.read_bytes()) != RAW_PINS[dataset][p]:
                    raise DatasetUnavailableError(f"snapshot build: raw input {f} fails its pin")
                return f

            cache[dataset] = der.build(raw)
        if _sha(cache[dataset][path]) != sha256:
            raise DatasetUnavailableError(
                f"snapshot build: {dataset}/{path} derived from the raw inputs differs from its pin; the derivation changed"
            )
        entry["reproduced_here"] = True
        entry["inputs"] = {p: RAW_PINS[dataset][p] for p in der.inputs}
        entry["input_url"] = raw_url(meta.repository, meta.commit, "<path>")
    else:
        entry["inputs"] = {p: None for p in der.inputs}
    return entry


def build_snapshot(source: Path, out: Path, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Build the embedded snapshot in ``out`` from a folder of pinned upstream files laid out like the mirror.

    Parameters
    ----------
    source : Path
        A folder ``<source>/<dataset>/<path>`` (the data mirror, or files
        downloaded by ``scalewatch datasets fetch --all`` into the cache).
    out : Path
        The snapshot folder to write (its previous content is replaced).
    progress : callable, optional
        Called with one line per dataset.

    Returns
    -------
    dict
        The manifest written to ``out/MANIFEST.json``.

    Raises
    ------
    DatasetUnavailableError
        If an input is missing or fails its pin, or a derivation no longer
        reproduces its pinned bytes. Nothing is written then.
    """
    source = Path(source)
    archives: dict[str, bytes] = {}
    licenses: dict[str, bytes] = {}
    datasets: dict[str, Any] = {}
    derived_cache: dict[str, dict[str, bytes]] = {}
    for name in sorted(CATALOG):
        meta = CATALOG[name]
        own = [f for f in meta.files if f.dataset == name]
        files: dict[str, bytes] = {}
        listing: dict[str, Any] = {}
        for spec in own:
            record: dict[str, Any] = {"sha256": spec.sha256}
            if spec.upstream is not None:
                files[spec.path] = _read_pinned(source, name, spec.path, spec.sha256)
                record["upstream"] = {"path": spec.upstream, "url": spec.url}
            else:
                record["derived"] = _derived_entry(source, name, spec.path, spec.sha256, derived_cache)
                # derived here when the raw inputs are pinned (checked against the pin there); else read as pinned
                files[spec.path] = derived_cache.get(name, {}).get(spec.path) or _read_pinned(source, name, spec.path, spec.sha256)
            record["bytes"] = len(files[spec.path])
            listing[spec.path] = record
        archive = _tar_xz(files)
        archive_name = f"{name}.tar.xz"
        archives[archive_name] = archive
        license_file = next((source / name / n for n in LICENSE_NAMES if (source / name / n).is_file()), None)
        license_name = None
        if license_file is not None:
            license_name = f"LICENSES/{name}{license_file.suffix}"
            licenses[license_name] = license_file.read_bytes()
        datasets[name] = {
            "title": meta.title,
            "repository": meta.repository,
            "commit": meta.commit,
            "source_url": meta.source_url,
            "license": meta.license,
            "license_file": license_name,
            "citation": meta.citation,
            "archive": {"name": archive_name, "sha256": _sha(archive), "bytes": len(archive)},
            "files": listing,
            "reads_from": sorted({f.dataset for f in meta.files if f.dataset != name}),
        }
        if progress is not None:
            progress(f"{name}: {len(files)} files, {sum(map(len, files.values())):,} bytes -> {len(archive):,} bytes xz")
    content = json.dumps(datasets, sort_keys=True).encode()
    manifest = {
        "version": f"{SERIES}+{_sha(content)[:12]}",
        "format": "one deterministic <dataset>.tar.xz per dataset; files byte for byte as pinned",
        "built_by": "scripts/build_snapshot.py (scalewatch.data._loaders._snapshot_build.build_snapshot)",
        "datasets": datasets,
    }
    if out.exists():
        shutil.rmtree(out)
    (out / "LICENSES").mkdir(parents=True)
    for rel, data in {**archives, **licenses}.items():
        (out / rel).write_bytes(data)
    (out / "MANIFEST.json").write_text(json.dumps(manifest, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    (out / "NOTICE.md").write_text(notice(manifest), encoding="utf-8")
    return manifest


def notice(manifest: dict[str, Any]) -> str:
    """The attribution notice of the snapshot's data (also the repository's DATA_LICENSES.md)."""
    lines = [
        "# Data licences and attribution",
        "",
        f"scalewatch ships a snapshot (version `{manifest['version']}`) of the public datasets below, built by",
        "`scripts/build_snapshot.py` from the upstream files at the pinned commits. Each dataset keeps its own",
        "licence; the licence texts are in `src/scalewatch/data/snapshot/LICENSES/`. Cite the sources when you use the numbers.",
        "",
    ]
    for name, d in sorted(manifest["datasets"].items()):
        lines += [
            f"## {name}",
            "",
            f"- {d['title']}",
            f"- Source: {d['source_url']} (commit `{d['commit']}`)",
            f"- Licence: {d['license']}" + (f" (text: `{d['license_file']}`)" if d["license_file"] else ""),
            f"- Attribution: {d['citation']}",
            "",
        ]
    return "\n".join(lines)
