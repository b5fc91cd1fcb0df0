"""The report's disk cache: warm equals cold, keys follow data, settings and code, damaged entries are refused."""

from __future__ import annotations

import json

import pytest
from factories import TOY_ANALYSES, chinchilla_analysis

from scalewatch.reporting import run_report
from scalewatch.reporting import _cache
from scalewatch.reporting._cache import CACHE_OFF_ENV, ReportCache, cache_enabled

ONLY = ("pretraining.chinchilla_fit", "pretraining.allocation", "test-time.coverage_law", "test-time.cost_to_target")


@pytest.fixture(scope="module")
def cold_and_warm(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-cache")
    cold = run_report(only=ONLY, fast=True, cache=True, cache_dir=root)
    warm = run_report(only=ONLY, fast=True, cache=True, cache_dir=root)
    return root, cold, warm


def test_warm_report_reads_every_finding_back_identical(cold_and_warm):
    root, cold, warm = cold_and_warm
    assert [o.cached for o in cold.outcomes] == [False] * 4
    assert [o.cached for o in warm.outcomes] == [True] * 4
    assert json.dumps(warm.to_dict(timings=False)) == json.dumps(cold.to_dict(timings=False))
    assert warm.findings == cold.findings
    entries = sorted(p.parent.name for p in root.rglob("*.json") if p.parent.name not in ("_registry", "_durations"))
    assert entries == sorted(o.key for o in cold.outcomes)  # one JSON entry per analysis
    assert len(list((root / "_registry").glob("*.json"))) == 1  # and the registry's list for this code
    # and how long each took when computed (the order a parallel report starts them in), not rewritten when read back
    took = json.loads((root / "_durations" / "seconds.json").read_text(encoding="utf-8"))["seconds"]
    assert sorted(took) == sorted(o.key for o in cold.outcomes)
    assert all(took[o.key] == round(o.seconds, 3) for o in cold.outcomes)


def test_a_warm_report_imports_no_analysis(cold_and_warm):
    import os
    import subprocess
    import sys

    root, cold, _ = cold_and_warm
    code = (
        "import json, sys\n"
        "from scalewatch.reporting import run_report\n"
        f"r = run_report(only={ONLY!r}, fast=True, cache=True, cache_dir={str(root)!r})\n"
        "print(json.dumps([[o.cached for o in r.outcomes], sorted(m for m in sys.modules if m.startswith('scalewatch.analyses.')), "
        "'scipy' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True).stdout
    cached, analyses_modules, scipy = json.loads(out.splitlines()[-1])
    assert cached == [True] * 4
    assert analyses_modules == [] and scipy is False  # read back without importing an analysis or SciPy


def test_no_cache_and_env_off_neither_read_nor_write(cold_and_warm, tmp_path, monkeypatch):
    root, cold, _ = cold_and_warm
    fresh = run_report(only=ONLY[2:], fast=True, cache=False, cache_dir=root)
    assert not any(o.cached for o in fresh.outcomes)
    monkeypatch.setenv(CACHE_OFF_ENV, "off")
    off = run_report(only=ONLY[2:], fast=True, cache=True, cache_dir=tmp_path)
    assert not any(o.cached for o in off.outcomes) and not list(tmp_path.iterdir())
    monkeypatch.setenv(CACHE_OFF_ENV, "maybe")
    with pytest.raises(ValueError, match=r"SCALEWATCH_REPORT_CACHE='maybe' is not understood; set it to 'off'"):
        cache_enabled()


def test_a_damaged_entry_is_refused_and_computed_again(cold_and_warm):
    root, cold, _ = cold_and_warm
    key = "test-time.coverage_law"
    (path,) = (root / key).glob("*.json")
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["outcome"]["findings"][0]["verdict"] = "a forged verdict"  # content no longer matches its sha256
    path.write_text(json.dumps(entry), encoding="utf-8")
    again = run_report(only=(key,), fast=True, cache=True, cache_dir=root)
    assert again.outcomes[0].cached is False
    assert again.findings == tuple(f for f in cold.findings if f.key.startswith(key))
    path.write_text("{not json", encoding="utf-8")
    assert run_report(only=(key,), fast=True, cache=True, cache_dir=root).outcomes[0].cached is False
    assert run_report(only=(key,), fast=True, cache=True, cache_dir=root).outcomes[0].cached is True  # rewritten


def test_analyses_sharing_a_fit_are_read_back_together_or_run_together(cold_and_warm):
    root, cold, _ = cold_and_warm
    for p in (root / "pretraining.chinchilla_fit").glob("*.json"):
        p.unlink()
    rep = run_report(only=ONLY[:2], fast=True, cache=True, cache_dir=root)
    # allocation's entry is still there, but it quotes chinchilla_fit's bootstrap: both run, as in a cold report
    assert {o.key: o.cached for o in rep.outcomes} == {"pretraining.chinchilla_fit": False, "pretraining.allocation": False}
    assert rep.findings == cold.findings[: len(rep.findings)]


def test_key_follows_seed_fast_data_and_code(monkeypatch, tmp_path):
    a = chinchilla_analysis()
    base = ReportCache(tmp_path, seed=0, fast=True).key(a)
    assert len(base) == 64 and ReportCache(tmp_path, seed=0, fast=True).key(a) == base
    assert ReportCache(tmp_path, seed=1, fast=True).key(a) != base
    assert ReportCache(tmp_path, seed=0, fast=False).key(a) != base
    real = _cache._data_id
    monkeypatch.setattr(_cache, "_data_id", lambda name: {**real(name), "files": [["x", "y", "0" * 64]]})
    assert ReportCache(tmp_path, seed=0, fast=True).key(a) != base  # other file hashes: another entry
    monkeypatch.setattr(_cache, "_data_id", real)
    monkeypatch.setattr(_cache, "_CODE_HASH", "another version of the code")
    assert ReportCache(tmp_path, seed=0, fast=True).key(a) != base


def test_data_id_is_the_pinned_hash_of_every_file():
    from scalewatch.data import datasets

    ident = _cache._data_id("chinchilla-hoffmann2022")
    assert ident["commit"] == datasets.info("chinchilla-hoffmann2022").commit
    files = datasets.info("chinchilla-hoffmann2022").files
    assert ident["files"] == sorted([f.dataset, f.path, f.sha256] for f in files) and len(ident["files"]) == len(files) >= 1
    assert _cache._data_id("scalewatch-sweep") == "package"  # inside the package: the code hash covers it


def test_cache_folder_follows_its_variable_then_the_data_cache(monkeypatch, tmp_path):
    from scalewatch.reporting._cache import CACHE_DIR_ENV, report_cache_dir

    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("SCALEWATCH_CACHE_DIR", str(tmp_path / "data-cache"))
    assert report_cache_dir() == tmp_path / "data-cache" / "report"
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert report_cache_dir() == tmp_path / "mine"
    assert ReportCache(seed=0, fast=False).root == tmp_path / "mine"


def test_analyses_outside_scalewatch_are_never_cached(tmp_path):
    # a test's or a notebook's analysis is not covered by the package's code hash
    assert all(ReportCache(tmp_path, seed=0, fast=True).key(a) is None for a in TOY_ANALYSES)
    run_report(analyses=TOY_ANALYSES, cache=True, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())
