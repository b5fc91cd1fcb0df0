"""The report on the user's own runs: every source kind, skipped analyses with reasons, the comparison,
and user strings that reach the page only escaped (checked in headless Chromium)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scalewatch
from scalewatch.cli import main
from scalewatch.data import Registry
from scalewatch.data.runs import load_runs, open_runs
from scalewatch.errors import DataValidationError
from scalewatch.reporting import RUN_ANALYSES, Report, runs_report

# Chinchilla's law with the constants of Besiroglu et al. (2024, Table 1)
E, A, B, ALPHA, BETA = 1.82, 482.0, 2085.0, 0.3478, 0.3658


def synthetic_runs(n: int, *, seed: int = 0, tpp: tuple[float, float] = (3.0, 2000.0), noise: float = 0.01) -> pd.DataFrame:
    """Runs from Chinchilla's law with multiplicative noise: compute 1e17-1e21 FLOP, tokens per parameter in ``tpp``."""
    rng = np.random.default_rng(seed)
    C = 10 ** rng.uniform(17, 21, n)
    r = 10 ** rng.uniform(np.log10(tpp[0]), np.log10(tpp[1]), n)
    N = np.sqrt(C / (6 * r))
    D = C / (6 * N)
    L = (E + A / N**ALPHA + B / D**BETA) * np.exp(rng.normal(0.0, noise, n))
    return pd.DataFrame({"params": N, "tokens": D, "loss": L})


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("runs") / "my_runs.csv"
    synthetic_runs(120).to_csv(path, index=False)  # params,tokens,loss: no run_id column
    return path


@pytest.fixture(scope="module")
def full(runs_csv: Path) -> Report:
    return scalewatch.report(str(runs_csv), fast=True)


def _keys(report: Report) -> dict[str, str]:
    return {o.key: o.status for o in report.outcomes}


def test_every_run_level_analysis_runs_or_says_why(full: Report) -> None:
    status = _keys(full)
    assert list(status) == [f"pretraining.{a}.my-runs-csv" for a in RUN_ANALYSES]
    for name in ("chinchilla_fit", "wall_test", "allocation", "overtraining"):
        assert status[f"pretraining.{name}.my-runs-csv"] == "ok", [o.error for o in full.outcomes if o.error]
    skipped = {o.key: o.how[0] for o in full.skipped}
    assert skipped["pretraining.repetition.my-runs-csv"].startswith("needs column unique_tokens")
    assert skipped["pretraining.learning_curves.my-runs-csv"].startswith("needs loss curves")
    assert full.runs == ("my_runs.csv",) and not full.errors


def test_the_fit_recovers_the_law(full: Report) -> None:
    fit = next(f for f in full.findings if f.key == "pretraining.chinchilla_fit.my-runs-csv")
    for name, truth in (("alpha", ALPHA), ("beta", BETA)):
        n = fit.number(name)
        assert n.low <= truth <= n.high, (name, n)
    al = next(f for f in full.findings if f.key == "pretraining.allocation.my-runs-csv")
    a = al.number("a (N_opt ~ C^a)")
    assert a.low <= BETA / (ALPHA + BETA) <= a.high
    assert "my_runs.csv" in fit.title and "Hoffmann" not in fit.method.split("\n\n")[0]


def test_report_object_writes_html_and_json(full: Report, tmp_path: Path) -> None:
    index = full.write(tmp_path / "out")
    data = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert data["runs"] == ["my_runs.csv"]
    assert {f["key"] for f in data["findings"]} >= {"pretraining.wall_test.my-runs-csv"}
    html = index.read_text()
    assert "Skipped: not applicable to these runs" in html and "needs column unique_tokens" in html
    assert "<table" in full._repr_html_()
    assert "skipped pretraining.repetition.my-runs-csv: needs column unique_tokens" in full.summary()


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl", "dataframe", "runset"])
def test_file_and_frame_sources(kind: str, tmp_path: Path) -> None:
    df = synthetic_runs(30, seed=1)
    if kind in ("csv", "parquet"):
        source: object = tmp_path / f"runs.{kind}"
        getattr(df, f"to_{kind}")(source, index=False)
    elif kind == "jsonl":
        source = tmp_path / "runs.jsonl"
        source.write_text("".join(json.dumps(r) + "\n" for r in df.to_dict(orient="records")))
    elif kind == "dataframe":
        source = df
    else:
        source = load_runs(df)
    rep = runs_report(source, only=["allocation"], fast=True)
    (outcome,) = rep.outcomes
    assert outcome.status == "ok", outcome.error
    assert math.isclose(outcome.findings[0].number("a (N_opt ~ C^a)").value, 0.513, abs_tol=0.05)


def test_registry_source_with_filters(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    mine, other = synthetic_runs(30, seed=2).assign(family="mygpt"), synthetic_runs(12, seed=3).assign(family="other")
    with Registry(db) as reg:
        reg.import_runs(mine, source="mine.csv")
        reg.import_runs(other, source="other.csv")
    assert len(load_runs("registry", db=db)) == 42
    assert len(load_runs("registry:family=mygpt", db=db)) == 30
    assert len(load_runs("registry", db=db, where="source = 'other.csv'")) == 12
    assert len(load_runs("registry:family=mygpt", db=db, where="params > 1e8")) == int((mine["params"] > 1e8).sum())
    rep = runs_report("registry:family=mygpt", db=db, only=["allocation"], fast=True)
    assert rep.outcomes[0].status == "ok" and rep.outcomes[0].key == "pretraining.allocation.registry-family-mygpt"
    with pytest.raises(DataValidationError, match="unknown filter 'colour'"):
        load_runs("registry:colour=red", db=db)
    with pytest.raises(DataValidationError, match="no runs in the registry"):
        load_runs("registry:family=nobody", db=db)


def test_dataset_name_source() -> None:
    src = open_runs("chinchilla-hoffmann2022")
    assert src.kind == "dataset" and len(src) == 245 and src.citation
    with pytest.raises(DataValidationError, match="did you mean the dataset 'chinchilla-hoffmann2022'"):
        open_runs("chinchila-hoffmann2022")


def test_mlflow_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mlflow", reason="mlflow-skinny is an optional dependency")
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    store = tmp_path / "mlruns"
    df = synthetic_runs(12, seed=4)
    with monkeypatch.context() as mp:
        mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        client = MlflowClient(tracking_uri=store.as_uri())
        exp = client.create_experiment("sweep")
        for k, r in enumerate(df.itertuples()):
            rid = client.create_run(exp, run_name=f"run{k}").info.run_id
            # names as a tracker logs them: recognised without a mapping
            client.log_batch(rid, metrics=[Metric("val_loss", r.loss, 0, 100)],
                             params=[Param("n_params", repr(r.params)), Param("tokens_seen", repr(r.tokens))])
            client.set_terminated(rid)
    src = open_runs(f"mlflow:{store}")
    assert src.kind == "mlflow" and len(src) == 12
    assert np.allclose(np.sort(src.runset.runs["loss"]), np.sort(df["loss"]))
    rep = runs_report(f"mlflow:{store}", only=["allocation"], fast=True)
    assert rep.outcomes[0].status == "ok", rep.outcomes[0].error


def test_mlflow_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real = builtins.__import__

    def no_mlflow(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("mlflow"):
            raise ImportError("No module named 'mlflow'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    with pytest.raises(ImportError, match="pip install mlflow-skinny"):
        open_runs(f"mlflow:{tmp_path}")


def test_skipped_reasons() -> None:
    few = runs_report(synthetic_runs(5), fast=True)
    assert {o.status for o in few.outcomes} == {"skipped"}
    assert all("on at least" in o.how[0] or "needs" in o.how[0] for o in few.outcomes)
    assert "5 runs have all three" in few.outcomes[0].how[0]
    narrow = runs_report(synthetic_runs(30, tpp=(15.0, 25.0)), only=["overtraining"], fast=True)
    assert narrow.outcomes[0].status == "skipped"
    assert "these runs span 15" in narrow.outcomes[0].how[0]
    one_epoch = synthetic_runs(20).assign(unique_tokens=lambda d: d["tokens"])
    rep = runs_report(one_epoch, only=["repetition"], fast=True)
    assert rep.outcomes[0].how[0].startswith("needs 3 or more runs of more than 4 epochs")


def test_repetition_runs_where_unique_tokens_are_given() -> None:
    rep = runs_report("datablations-runs", only=["repetition"], fast=True)
    assert rep.outcomes[0].status == "ok", rep.outcomes[0].error


def test_compare_with_a_public_dataset(runs_csv: Path) -> None:
    rep = runs_report(str(runs_csv), compare="chinchilla-hoffmann2022", only=["chinchilla_fit", "allocation"], fast=True)
    cmp = next(f for f in rep.findings if f.key == "pretraining.runs.compare")
    (title, rows), = cmp.tables
    by = {r["quantity"]: r for r in rows}
    assert {"E", "A", "B", "alpha", "beta", "a (allocation exponent)", "held-out RMS excess %"} <= set(by)
    assert by["alpha"]["my_runs.csv"] == pytest.approx(ALPHA, abs=0.05)
    assert by["alpha"]["chinchilla-hoffmann2022"] == pytest.approx(0.35, abs=0.05)
    assert len(cmp.figures) == 1
    assert rep.runs == ("my_runs.csv", "chinchilla-hoffmann2022")


def test_cli_report_runs(runs_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    code = main(["report", "--runs", str(runs_csv), "--fast", "--only", "allocation", "--only", "repetition",
                 "--out", str(out)])
    text, err = capsys.readouterr()
    assert code == 0, err
    assert "pretraining.allocation.my-runs-csv" in text
    assert "skipped pretraining.repetition.my-runs-csv: needs column unique_tokens" in text
    assert (out / "index.html").is_file()
    assert main(["report", "--runs", str(runs_csv), "--data", "chinchilla-hoffmann2022"]) == 1
    assert "with --runs, add a public dataset with --compare" in capsys.readouterr().err
    assert main(["report", "--compare", "chinchilla-hoffmann2022"]) == 1
    assert "add --runs SOURCE" in capsys.readouterr().err
    assert main(["report", "--runs", str(tmp_path / "nope.csv")]) == 1
    assert "no such file, and not 'registry" in capsys.readouterr().err


# -- hostile user strings ----------------------------------------------------------------------------------

HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</script><script>alert(2)</script>")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = {}
    for k, name in enumerate(HOSTILE):
        df = synthetic_runs(14, seed=10 + k).assign(run_id=[f"{name}-{i}" for i in range(14)], model_id=name,
                                                     family=name, tags=name)
        sources[name] = df
    rep = runs_report(sources, compare="chinchilla-hoffmann2022", only=["chinchilla_fit", "allocation", "repetition"],
                      fast=True)
    assert any(f.key == "pretraining.runs.compare" for f in rep.findings)  # names in a table and a plot legend
    assert not rep.errors, [o.error for o in rep.errors]
    return rep.write(tmp_path_factory.mktemp("hostile"))


def test_hostile_strings_are_escaped_in_the_html(hostile_report: Path) -> None:
    html = hostile_report.read_text()
    for name in HOSTILE:
        assert name not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_hostile_strings_run_no_script_in_chromium(hostile_report: Path) -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) for this check")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the Python package playwright")
    events: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
            page.on("pageerror", lambda exc: events.append(f"pageerror: {exc}"))
            page.on("console", lambda m: events.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:"))
                       else (events.append(f"request: {r.request.url}"), r.abort()))
            page.goto(hostile_report.resolve().as_uri(), wait_until="load")
            page.wait_for_function("Array.from(document.querySelectorAll('div.plot')).every(d => d.querySelector('svg'))",
                                   timeout=30_000)
            page.wait_for_timeout(500)
            titles = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
            images = page.evaluate("document.querySelectorAll('img').length")
        finally:
            browser.close()
    assert events == []
    assert images == 0
    assert any(HOSTILE[0] in t for t in titles)  # shown as text, not run


def test_torch_load_is_always_weights_only() -> None:
    root = Path(__file__).resolve().parents[2]
    grep = shutil.which("grep")
    assert grep is not None
    found = subprocess.run([grep, "-rn", "torch.load(", str(root / "src"), str(root / "scripts"), str(root / "benchmarks")],
                           capture_output=True, text=True).stdout.splitlines()
    assert found, "expected the checkpoint loaders in scalewatch.experiments"
    for line in found:
        assert "weights_only=True" in line, line
