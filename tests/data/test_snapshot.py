"""The embedded data snapshot and the derived tables: built from pinned upstream files, checked, offline."""

from __future__ import annotations

import filecmp
import io
import json
import socket
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from scalewatch.data import datasets
from scalewatch.data._loaders import _derive, _fetch, _snapshot
from scalewatch.data.snapshot_tools import SNAPSHOT_DIR, build_snapshot, manifest
from scalewatch.errors import DatasetUnavailableError, DataValidationError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """No mirror, an empty cache, downloads refused and sockets that cannot connect."""
    tried: list[str] = []

    def refuse(url: str, dest: Path) -> None:
        tried.append(url)
        raise ConnectionError("network disabled in this test")

    def no_connect(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.delenv("SCALEWATCH_SNAPSHOT", raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_fetch, "download", refuse)
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    return tried


# -- the committed snapshot is what the build script makes from the mirror ---------------------------


def test_committed_snapshot_equals_a_rebuild_from_the_mirror(mirror: Path, tmp_path: Path) -> None:
    built = build_snapshot(mirror, tmp_path / "snapshot")
    cmp = filecmp.dircmp(tmp_path / "snapshot", SNAPSHOT_DIR, ignore=["__pycache__"])
    assert (cmp.left_only, cmp.right_only) == ([], [])
    for name in cmp.common_files:
        assert (tmp_path / "snapshot" / name).read_bytes() == (SNAPSHOT_DIR / name).read_bytes(), name
    assert filecmp.dircmp(tmp_path / "snapshot" / "LICENSES", SNAPSHOT_DIR / "LICENSES").diff_files == []
    assert built["version"] == manifest()["version"]
    # the attribution file at the top of the repository is the build's notice, too
    assert (REPO / "DATA_LICENSES.md").read_text(encoding="utf-8") == (SNAPSHOT_DIR / "NOTICE.md").read_text(encoding="utf-8")


def test_build_checks_pins_first_and_writes_nothing_on_a_mismatch(tmp_path: Path) -> None:
    # a source folder whose file differs from its pin: the build refuses and writes nothing
    bad = tmp_path / "bad"
    (bad / "chinchilla-hoffmann2022").mkdir(parents=True)
    (bad / "chinchilla-hoffmann2022" / "svg_extracted_data.csv").write_text("x,y\n1,2\n")
    with pytest.raises(DatasetUnavailableError, match="svg_extracted_data.csv fails its pin"):
        build_snapshot(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_manifest_records_upstream_commit_path_sha_and_derivation() -> None:
    m = manifest()
    assert set(m["datasets"]) == set(datasets.names())
    chin = m["datasets"]["chinchilla-hoffmann2022"]
    assert chin["commit"] == datasets.info("chinchilla-hoffmann2022").commit
    assert chin["files"]["svg_extracted_data.csv"]["upstream"]["path"] == "data/svg_extracted_data.csv"
    datab = m["datasets"]["datablations-runs"]["files"]["datablations_runs.csv"]["derived"]
    assert datab["reproduced_here"] is True and "ast.literal_eval" in datab["how"]
    assert datab["inputs"] == {"utils/parametric_fit.ipynb": "6c65d270e70c944a9ac90f5f1213a4584e1ff9d6d2781cd86900663f4ab17db9"}
    stage2 = m["datasets"]["datablations-runs"]["files"]["notebook_stage2_runs.csv"]
    assert stage2["derived"]["reproduced_here"] is True and stage2["bytes"] > 10_000
    porian = m["datasets"]["porian-compute-optimal-isoflops"]["files"]["isoflop_points.csv"]["derived"]
    assert porian["reproduced_here"] is False and "never unpickles" in porian["how"]
    for name, d in m["datasets"].items():
        for path, f in d["files"].items():
            spec = next(s for s in datasets.info(name).files if s.path == path and s.dataset == name)
            assert f["sha256"] == spec.sha256


def test_snapshot_is_small() -> None:
    size = sum(p.stat().st_size for p in SNAPSHOT_DIR.rglob("*") if p.is_file())
    assert size < 5_000_000, f"the snapshot is {size:,} bytes; the budget is 5 MB"


# -- offline, nothing but the package -----------------------------------------------------------------


def test_every_dataset_loads_offline_from_the_snapshot(no_network: list[str]) -> None:
    for name in datasets.names():
        ds = datasets.load(name)
        assert ds.origin == "snapshot", name
        assert datasets.local_status(name) == "snapshot"
        assert ds.info.rows in (len(ds.runs.runs), len(ds.tables.get(ds.info.rows_of, ())) or ds.info.rows)
    assert no_network == []


@pytest.mark.slow
def test_full_report_offline_gives_every_finding(no_network: list[str], tmp_path: Path) -> None:
    from scalewatch.reporting import run_report

    report = run_report(fast=True)
    assert report.errors == () and report.skipped == ()
    assert len(report.findings) >= 18
    assert report.snapshot == manifest()["version"]
    assert {d["local"] for d in report.data_versions} == {"snapshot"}
    html = report.to_html()
    assert "Data sources and attribution" in html and manifest()["version"] in html
    assert no_network == []


def _corrupt_copy(tmp_path: Path) -> Path:
    root = tmp_path / "snapshot"
    root.mkdir()
    for p in SNAPSHOT_DIR.iterdir():
        if p.is_file():
            (root / p.name).write_bytes(p.read_bytes())
    return root


def test_corrupted_snapshot_archive_is_detected(no_network: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = _corrupt_copy(tmp_path)
    data = bytearray((root / "nist-strd-nonlinear.tar.xz").read_bytes())
    data[100] ^= 0xFF
    (root / "nist-strd-nonlinear.tar.xz").write_bytes(bytes(data))
    monkeypatch.setenv("SCALEWATCH_SNAPSHOT", str(root))
    with pytest.raises(DatasetUnavailableError, match="nist-strd-nonlinear.tar.xz is corrupted: sha256 [0-9a-f]{64}") as info:
        datasets.load("nist-strd-nonlinear")
    assert "reinstall scalewatch" in str(info.value) and "\n" not in str(info.value)


def test_damaged_extracted_copy_is_extracted_again(no_network: list[str], tmp_path: Path) -> None:
    spec = datasets.info("chinchilla-hoffmann2022").files[0]
    path = _snapshot.snapshot_copy(spec.dataset, spec.path, spec.sha256)
    assert path is not None
    path.write_text("tampered")
    again = _snapshot.snapshot_copy(spec.dataset, spec.path, spec.sha256)
    assert again == path and _fetch.sha256_of(path) == spec.sha256


def test_snapshot_pin_mismatch_names_both_hashes(no_network: list[str]) -> None:
    spec = datasets.info("chinchilla-hoffmann2022").files[0]
    with pytest.raises(DatasetUnavailableError, match="different builds"):
        _snapshot.snapshot_copy(spec.dataset, spec.path, "0" * 64)


def test_archives_hold_regular_files_only() -> None:
    for archive in SNAPSHOT_DIR.glob("*.tar.xz"):
        with tarfile.open(archive, "r:xz") as tar:
            assert all(m.isfile() and m.mtime == 0 and not m.name.startswith(("/", "..")) for m in tar.getmembers())


# -- derivations: from downloadable upstream files, byte for byte -----------------------------------


def test_datablations_table_is_derived_from_the_notebook_byte_for_byte(mirror: Path) -> None:
    notebook = (mirror / "datablations-runs" / "raw" / "utils" / "parametric_fit.ipynb").read_bytes()
    assert _derive.datablations_runs_csv(notebook) == (mirror / "datablations-runs" / "datablations_runs.csv").read_bytes()


def test_pythia_tables_are_derived_from_the_json_files_byte_for_byte(mirror: Path) -> None:
    tables = _derive.pythia_tables(lambda p: mirror / "pythia-evals" / "raw" / p)
    for name, data in tables.items():
        assert data == (mirror / "pythia-evals" / name).read_bytes(), name


@pytest.mark.parametrize(
    "source",
    [
        "NAMES_TO_VAL_LOSSES = dict(a=1)\nTOKENS_MAP = {}\nPARAMS_MAP = {}",
        "NAMES_TO_VAL_LOSSES = {'a': __import__('os').getcwd()}\nTOKENS_MAP = {}\nPARAMS_MAP = {}",
        "NAMES_TO_VAL_LOSSES = {'a': 1 + x}\nTOKENS_MAP = {}\nPARAMS_MAP = {}",
    ],
)
def test_notebook_parser_rejects_anything_but_literals(source: str) -> None:
    with pytest.raises(DataValidationError, match="NAMES_TO_VAL_LOSSES = ... is not a literal"):
        _derive.notebook_literals(source, ("NAMES_TO_VAL_LOSSES", "TOKENS_MAP", "PARAMS_MAP"))


def test_notebook_parser_reads_literals_and_names_what_is_missing() -> None:
    assert _derive.notebook_literals("A = {'x': 1.5e9, 'y': [1, 2]}\nprint(A)", ("A",)) == {"A": {"x": 1.5e9, "y": [1, 2]}}
    with pytest.raises(DataValidationError, match=r"assigns no literal to \['B'\]"):
        _derive.notebook_literals("A = 1", ("A", "B"))


def _monkey_subsets(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = {}
    for model, g in counts.groupby("model", sort=False):
        flags = [[True] * c + [False] * (n - c) for n, c in zip(g["num_samples"], g["num_correct"], strict=True)]
        out[f"MATH_{model}"] = pd.DataFrame({"orig_dset_idx": g["problem_idx"].to_numpy(), "is_corrects": flags})
    return out


def test_monkeys_counts_from_the_hub_format(mirror: Path, tmp_path: Path) -> None:
    counts_file = mirror / "llmonkeys-pythia-math" / "pythia_math_per_problem_counts.csv"
    subsets = _monkey_subsets(pd.read_csv(counts_file))
    # the documented format, through a parquet file as the Hub serves it
    subsets["MATH_Pythia-70M"].to_parquet(tmp_path / "s.parquet")
    subsets["MATH_Pythia-70M"] = pd.read_parquet(tmp_path / "s.parquet")
    tables = _derive.monkeys_tables(subsets)
    assert tables["pythia_math_per_problem_counts.csv"] == counts_file.read_bytes()
    ours = pd.read_csv(io.BytesIO(tables["pythia_math_coverage_curve.csv"]))
    theirs = pd.read_csv(mirror / "llmonkeys-pythia-math" / "pythia_math_coverage_curve.csv")
    assert ours[["model", "k", "n_problems"]].equals(theirs[["model", "k", "n_problems"]])
    assert (ours["coverage"] - theirs["coverage"]).abs().max() < 1e-10


def test_monkeys_format_errors_name_the_subset() -> None:
    with pytest.raises(DataValidationError, match="subset 'MATH_Pythia-70M' is missing"):
        _derive.monkeys_tables({})
    bad = {f"MATH_Pythia-{s}": pd.DataFrame({"orig_dset_idx": [1]}) for s in _derive.MONKEY_MODELS}
    with pytest.raises(DataValidationError, match=r"columns \['is_corrects'\] missing"):
        _derive.monkeys_tables(bad)


def test_pass_at_k_is_the_unbiased_estimator() -> None:
    from math import comb

    for n, c, k in [(10, 3, 1), (10, 3, 4), (100, 1, 50), (10, 8, 5)]:
        assert _derive._pass_at_k(n, c, k) == pytest.approx(1 - comb(n - c, k) / comb(n, k), rel=1e-12)


# -- fetching derives from downloaded raw files --------------------------------------------------------


def test_fetch_derives_datablations_from_the_downloaded_notebook(
    mirror: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nb = mirror / "datablations-runs" / "raw" / "utils" / "parametric_fit.ipynb"
    served: list[str] = []

    def serve(url: str, dest: Path) -> None:
        served.append(url)
        assert url.endswith("/huggingface/datablations/13701315b163f1c54642b94ad237b2699187c3ee/utils/parametric_fit.ipynb")
        Path(dest).write_bytes(nb.read_bytes())

    monkeypatch.delenv("SCALEWATCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SCALEWATCH_SNAPSHOT", "off")
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_fetch, "download", serve)
    paths = datasets.fetch("datablations-runs")
    folder = tmp_path / "cache" / "datasets" / "datablations-runs"
    assert len(served) == 1 and paths == [folder / "datablations_runs.csv", folder / "notebook_stage2_runs.csv"]
    assert datasets.local_status("datablations-runs") == "cache"
    ds = datasets.load("datablations-runs")
    assert len(ds.runs.runs) == 308 and len(ds.tables["notebook_stage2"]) == 182


def test_report_data_sources_json(no_network: list[str]) -> None:
    prov = datasets.provenance("pythia-evals")
    assert prov["commit"] == "a19eecb807ec2c79a39ebf18108816e6ffffc1d5" and prov["local"] == "snapshot"
    assert prov["snapshot"] == manifest()["version"]
    assert json.loads(json.dumps(prov)) == prov


# -- newer upstream versions, pulled on request ---------------------------------------------------------

NEW = "1" * 40


@pytest.fixture
def upstream_at_new_commit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mirror: Path) -> list[str]:
    """A 'network' serving microprocessor-trend-data at commit NEW (the mirror's files, one row changed)."""
    served: list[str] = []
    by_url = {}
    for spec in datasets.info("microprocessor-trend-data").files:
        by_url[spec.url.replace(spec.commit, NEW)] = mirror / spec.dataset / spec.path

    def serve(url: str, dest: Path) -> None:
        served.append(url)
        data = by_url[url].read_bytes()
        if url.endswith("/frequency.dat"):
            data += b"\n2026.5 6000\n"  # the living dataset grew by one chip
        Path(dest).write_bytes(data)

    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_fetch, "download", serve)
    return served


def test_update_pulls_validates_records_and_selects_a_commit(upstream_at_new_commit: list[str], tmp_path: Path) -> None:
    before = len(datasets.load("microprocessor-trend-data").tables["series"])
    done = datasets.update("microprocessor-trend-data", commit=NEW)
    assert len(upstream_at_new_commit) == 6 and all(f"/{NEW}/" in u for u in upstream_at_new_commit)
    assert done["commit"] == NEW and len(done["files"]) == 6
    ds = datasets.load("microprocessor-trend-data")
    assert len(ds.tables["series"]) == before + 1 and ds.origin == f"cache@{NEW[:12]}"
    assert ds.info.commit == NEW
    prov = datasets.provenance("microprocessor-trend-data")
    assert (prov["commit"], prov["pinned_commit"], prov["local"]) == (NEW, datasets.info("microprocessor-trend-data").commit, f"cache@{NEW[:12]}")
    # a file of the selected version changed on disk: detected by its recorded hash
    freq = tmp_path / "cache" / "versions" / "microprocessor-trend-data" / NEW / "frequency.dat"
    freq.write_text("tampered")
    datasets._LOADED.clear()
    with pytest.raises(DatasetUnavailableError, match="is corrupted .* recorded"):
        datasets.load("microprocessor-trend-data")
    datasets.update("microprocessor-trend-data", pinned=True)
    assert len(datasets.load("microprocessor-trend-data").tables["series"]) == before


def test_update_refuses_derived_datasets_and_bad_commits() -> None:
    with pytest.raises(ValueError, match="has derived tables"):
        datasets.update("datablations-runs", commit=NEW)
    with pytest.raises(ValueError, match="not a full commit id"):
        datasets.update("epoch-ai-models", commit="main")
    with pytest.raises(ValueError, match="exactly one of"):
        datasets.update("epoch-ai-models")


def test_update_with_data_that_break_the_schema_selects_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_fetch, "download", lambda url, dest: Path(dest).write_text("not,the,columns\n1,2,3\n"))
    with pytest.raises(Exception):
        datasets.update("chinchilla-hoffmann2022", commit=NEW)
    assert datasets.local_status("chinchilla-hoffmann2022") != f"cache@{NEW[:12]}"
    assert datasets.provenance("chinchilla-hoffmann2022")["commit"] != NEW


def test_update_latest_resolves_the_head_commit(upstream_at_new_commit: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from scalewatch.data._loaders import _versions

    monkeypatch.setattr(_versions, "resolve_latest", lambda repo: NEW)
    assert datasets.update("microprocessor-trend-data", latest=True)["commit"] == NEW
    datasets.update("microprocessor-trend-data", pinned=True)
