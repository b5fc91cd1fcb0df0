"""``scalewatch runs import / list / export / remove``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from scalewatch.cli import main
from scalewatch.data import Registry, read_runs

RUNS_CSV = """\
run_id,model_id,family,n_params,tokens,loss,tags
p70m,pythia-70m,Pythia,70426624,300000000000,3.18,small
p160m,pythia-160m,Pythia,162322944,300000000000,2.90,small
c400m,chinchilla-400m,Chinchilla,400000000,8000000000,3.05,
"""


@pytest.fixture
def runs_csv(tmp_path: Path) -> Path:
    path = tmp_path / "runs.csv"
    path.write_text(RUNS_CSV)
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_export(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)
    assert code == 0, err
    assert out.strip() == "runs.csv: 3 added, 0 unchanged; compute estimated as 6ND for 3 runs"

    code, out, err = run(capsys, "runs", "list", "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["run_id", "model_id", "family", "params", "tokens", "compute", "loss", "source"]
    assert lines[1].split()[:4] == ["p70m", "pythia-70m", "Pythia", "7.043e+07"]
    assert len(lines) == 4 and "3 runs; * compute estimated as 6ND" in err

    out_file = tmp_path / "out.jsonl"
    code, out, err = run(capsys, "runs", "export", out_file, "--db", db, "--family", "pythia")
    assert code == 0, err
    assert out.strip() == f"2 runs written to {out_file}"
    assert sorted(read_runs(out_file).runs["run_id"]) == ["p160m", "p70m"]


def test_reimport_adds_nothing_and_json_summary(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path) -> None:
    assert run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)[0] == 0
    code, out, _ = run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db, "--json")
    assert code == 0
    assert json.loads(out) == {"source": "runs.csv", "added": 0, "unchanged": 3, "scores_added": 0,
                               "curve_points_added": 0, "compute_estimated": 0, "ignored_columns": []}


def test_unmapped_columns_are_reported(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path) -> None:
    code, out, _ = run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)
    assert code == 0 and "columns left out" not in out
    (runs_csv.parent / "extra.csv").write_text(RUNS_CSV.replace("tags\n", "tags,notes\n").replace(
        "small\n", "small,x\n"))
    code, out, _ = run(capsys, "runs", "import", runs_csv.parent / "extra.csv", "--map", "n_params=params",
                       "--db", db)
    assert code == 0 and out.strip().endswith("columns left out (not run fields; use --map to keep one): notes")


def test_units_option(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: Path) -> None:
    path = tmp_path / "billions.csv"
    path.write_text("run_id,model_id,params,tokens,loss\na,m,1.3,300,2.1\n")
    code, _, err = run(capsys, "runs", "import", path, "--db", db)
    assert code == 1
    assert err.startswith("error: billions.csv row 1, column 'params': value 1.3 ")
    assert "--units params=billions" in err and err.count("\n") == 1
    code, _, err = run(capsys, "runs", "import", path, "--units", "params=billions", "--units", "tokens=billions",
                       "--units", "loss=bits", "--db", db)
    assert code == 0, err
    with Registry(db, read_only=True) as reg:
        row = reg.runs().runs.iloc[0]
    assert row["params"] == 1.3e9 and row["tokens"] == 3e11 and row["loss"] == pytest.approx(2.1 * 0.6931471805599453)


@pytest.mark.parametrize(("args", "pattern"), [
    (["runs", "import", "{dir}/missing.csv"], r"^error: .*missing\.csv: no such file\n$"),
    (["runs", "import", "{dir}/runs.csv", "--map", "n_params"],
     r"^error: --map 'n_params': expected KEY=VALUE \(e\.g\. --map n_params=params\)\n$"),
    (["runs", "import", "{dir}/runs.csv", "--map", "n_params=parameters"],
     r"^error: mapping 'n_params' -> 'parameters': 'parameters' is not a run field; allowed: run_id, model_id"),
    # n_params read as another field, N is missing: a different run (unmapped, n_params is read as N)
    (["runs", "import", "{dir}/runs.csv", "--map", "n_params=unique_tokens"],
     r"^error: runs\.csv, run_id 'p70m', column 'params': value empty here, but 70426624\.0 in the registry's"),
    (["runs", "import", "{dir}/runs.csv", "--map", "n_params=params", "--experiment", "x"],
     r"^error: --experiment applies to an MLflow store only"),
    (["runs", "list", "--min-params", "lots"], r"^error: --min-params 'lots': not a number; write e\.g\. 1e9"),
    (["runs", "export", "{dir}/out.txt"], r"^error: .*out\.txt: unknown file type '\.txt'"),
    (["runs", "remove", "nope"], r"^error: registry .*: run_id 'nope' is not in the registry\n$"),
])
def test_errors_are_one_line_on_stderr(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path,
                                       args: list[str], pattern: str) -> None:
    assert run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)[0] == 0
    before = run(capsys, "runs", "list", "--db", db, "--json")[1]
    code, out, err = run(capsys, *[a.format(dir=runs_csv.parent) for a in args], "--db", db)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert re.search(pattern, err), err
    assert run(capsys, "runs", "list", "--db", db, "--json")[1] == before


def test_data_warnings_go_to_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("run_id,model_id,params,tokens,compute\na,m,7e7,3e11,1e30\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the CLI must report the warning itself, not raise it
        code, out, err = run(capsys, "runs", "import", path, "--db", db)
    assert code == 0
    assert err.startswith("warning: odd.csv: column 'compute' differs from 6ND by more than 2x")
    assert out.startswith("odd.csv: 1 added")


def test_list_filters_and_json(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path) -> None:
    run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)
    code, out, _ = run(capsys, "runs", "list", "--db", db, "--json", "--min-params", "100M", "--max-params", "1e9")
    assert code == 0
    records = json.loads(out)
    assert [r["run_id"] for r in records] == ["p160m", "c400m"]
    assert records[0]["compute_estimated"] is True and records[0]["release_date"] is None
    code, out, _ = run(capsys, "runs", "list", "--db", db, "--json", "--family", "CHINCHILLA", "--family", "pythia",
                       "--tag", "small", "--max-tokens", "1T")
    assert [r["run_id"] for r in json.loads(out)] == ["p70m", "p160m"]
    code, out, _ = run(capsys, "runs", "list", "--db", db, "--source", "other.csv")
    assert code == 0 and len(out.splitlines()) == 1  # the header only


def test_list_without_a_registry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "runs", "list", "--db", tmp_path / "none.duckdb", "--json")
    assert code == 0 and out.strip() == "[]" and "no registry at" in err


def test_default_registry_comes_from_the_environment(capsys: pytest.CaptureFixture[str], runs_csv: Path,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALEWATCH_DB", str(tmp_path / "env.duckdb"))
    assert run(capsys, "runs", "import", runs_csv, "--map", "n_params=params")[0] == 0
    assert (tmp_path / "env.duckdb").is_file()
    assert len(json.loads(run(capsys, "runs", "list", "--json")[1])) == 3


def test_export_formats_round_trip(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path,
                                   tmp_path: Path) -> None:
    run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)
    with Registry(db, read_only=True) as reg:
        stored = reg.runs().runs
    for fmt in ("csv", "parquet", "jsonl"):
        out = tmp_path / f"export.{fmt}.data"
        code, _, err = run(capsys, "runs", "export", out, "--format", fmt, "--db", db)
        assert code == 0, err
        pd.testing.assert_frame_equal(read_runs(out, format=fmt).runs, stored)


def test_remove(capsys: pytest.CaptureFixture[str], runs_csv: Path, db: Path) -> None:
    run(capsys, "runs", "import", runs_csv, "--map", "n_params=params", "--db", db)
    code, out, _ = run(capsys, "runs", "remove", "p70m", "c400m", "--db", db)
    assert code == 0 and out.strip() == "2 runs removed"
    assert [r["run_id"] for r in json.loads(run(capsys, "runs", "list", "--db", db, "--json")[1])] == ["p160m"]


def test_import_from_mlflow(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    # a file store: creating an sqlite store costs seconds of migrations (test_importers covers sqlite)
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    store = tmp_path / "mlruns"
    with monkeypatch.context() as mp:
        mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 refuses new file stores without it
        client = MlflowClient(tracking_uri=store.as_uri())
        exp = client.create_experiment("sweep")
        rid = client.create_run(exp, run_name="tiny").info.run_id
        client.log_batch(rid, metrics=[Metric("val_loss", v, 0, s) for s, v in ((0, 4.0), (10, 3.0))],
                         params=[Param("n_params", "7e7"), Param("tokens", "3e9")])
        client.set_terminated(rid)
    code, out, err = run(capsys, "runs", "import", store.as_uri(), "--experiment", "sweep",
                         "--map", "n_params=params", "--map", "val_loss=loss", "--db", db)
    assert code == 0, err
    assert out.startswith(f"MLflow {store.as_uri()}: 1 added, 0 unchanged; 0 scores and 2 curve points added")
    with Registry(db, read_only=True) as reg:
        rs = reg.runs()
    assert rs.runs["run_id"].tolist() == [rid] and rs.curves["loss"].tolist() == [4.0, 3.0]
    # the folder itself is recognised as a store too
    code, out, _ = run(capsys, "runs", "import", store, "--map", "n_params=params", "--map", "val_loss=loss",
                       "--db", db)
    assert code == 0 and ": 0 added, 1 unchanged" in out


def test_help_does_not_import_pandas_or_duckdb() -> None:
    code = ("import sys; from scalewatch.cli import main; rc = main(['runs', '--help']); "
            "print(rc, 'pandas' in sys.modules, 'duckdb' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "import" in result.stdout and "export" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "0 False False"
