"""Importers: CSV, Parquet, JSON lines, DataFrames, MLflow stores; the writer round-trips."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalewatch.data import FORMATS, from_dataframe, from_mlflow, read_runs, write_runs
from scalewatch.errors import DataValidationError

RUNS_CSV = """\
run_id,model_id,family,n_params,tokens,val_loss,loss_unit,score:mmlu:acc:5,notes,release_date
p70m,pythia-70m,Pythia,70426624,300000000000,3.18,nats,0.25,first,2023-02-13
p160m,pythia-160m,Pythia,162322944,300000000000,4.1,bits,,,2023-02-13
"""
MAPPING = {"n_params": "params", "val_loss": "loss"}


@pytest.fixture
def runs_csv(tmp_path: Path) -> Path:
    path = tmp_path / "runs.csv"
    path.write_text(RUNS_CSV)
    return path


def test_read_csv_with_mapping_wide_scores_and_units(runs_csv: Path) -> None:
    rs = read_runs(runs_csv, mapping=MAPPING)
    r = rs.runs
    assert r["params"].tolist() == [70426624.0, 162322944.0]
    assert r["loss"].tolist() == pytest.approx([3.18, 4.1 * math.log(2)])
    assert (r["source"] == "runs.csv").all()
    assert rs.scores[["run_id", "benchmark", "metric", "shots", "value"]].values.tolist() == [
        ["p70m", "mmlu", "acc", 5, 0.25]
    ]


def test_ids_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("run_id,model_id,params,tokens\n007,1,7e7,3e11\n")
    rs = read_runs(path)
    assert rs.runs["run_id"].iloc[0] == "007" and rs.runs["model_id"].iloc[0] == "1"


def test_side_files_are_found_by_name(runs_csv: Path) -> None:
    (runs_csv.parent / "runs.curves.csv").write_text(
        "run_id,step,tokens,loss\np70m,1000,2.1e9,4.1\np70m,2000,4.2e9,3.7\n"
    )
    (runs_csv.parent / "runs.scores.csv").write_text("run_id,benchmark,metric,shots,value\np160m,lambada,acc,0,0.4\n")
    rs = read_runs(runs_csv, mapping=MAPPING)
    assert rs.curves["step"].tolist() == [1000, 2000]
    assert sorted(rs.scores["benchmark"]) == ["lambada", "mmlu"]


def test_explicit_side_file(runs_csv: Path, tmp_path: Path) -> None:
    curves = tmp_path / "elsewhere.csv"
    curves.write_text("run_id,step,loss\np160m,10,6.0\n")
    rs = read_runs(runs_csv, mapping=MAPPING, curves=curves)
    # the curve loss takes its run's unit: p160m is in bits
    assert rs.curves["loss"].iloc[0] == pytest.approx(6.0 * math.log(2))


def test_csv_missing_markers(tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("run_id,model_id,params,tokens,loss\na,m,7e7,3e11,NA\nb,m,7e7,3e11,\nc,m,7e7,3e11,null\n")
    assert read_runs(path).runs["loss"].isna().all()


def test_jsonl_with_nested_scores_and_curve(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    lines = [
        {"run_id": "a", "model_id": "m", "params": 7e7, "tokens": 3e11, "loss": 3.0,
         "scores": [{"benchmark": "mmlu", "metric": "acc", "shots": 5, "value": 0.3}],
         "curve": [{"step": 1, "tokens": 1e6, "loss": 9.0}, {"step": 2, "tokens": 2e6, "loss": 8.0}]},
        {"run_id": "b", "model_id": "m", "params": 1.6e8, "tokens": 3e11, "loss": None, "tags": ["x", "y"]},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    rs = read_runs(path)
    assert len(rs) == 2 and len(rs.scores) == 1 and len(rs.curves) == 2
    assert rs.runs["tags"].iloc[1] == "x,y"


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text('{"run_id": "a", "model_id": "m", "params": 7e7, "tokens": 3e11}\n'
                    '{"run_id": "b", "model_id": "m", "params": -1, "tokens": 3e11}\n')
    with pytest.raises(DataValidationError, match=r"^runs\.jsonl line 2, column 'params': value -1\.0 is not positive"):
        read_runs(path)
    path.write_text('{"run_id": "a", "model_id": "m", "loss": NaN}\n')
    with pytest.raises(DataValidationError, match=r"^runs\.jsonl line 1: not valid JSON: NaN is not valid JSON"):
        read_runs(path)
    path.write_text('{"run_id": "a", "model_id": "m",\n')
    with pytest.raises(DataValidationError, match=r"^runs\.jsonl line 1: not valid JSON"):
        read_runs(path)
    path.write_text('[1, 2]\n')
    with pytest.raises(DataValidationError, match=r"^runs\.jsonl line 1: a list where a JSON object"):
        read_runs(path)
    path.write_text('{"run_id": "a", "model_id": "m", "params": 7e7, "tokens": 3e11,'
                    ' "curve": [{"step": 1, "loss": 1e3}]}\n')
    with pytest.raises(DataValidationError, match=r"^runs\.jsonl line 1, curve point 1, column 'loss': value 1000\.0"):
        read_runs(path)


def test_parquet_nan_is_refused_but_null_is_missing(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"run_id": ["a", "b"], "model_id": ["m", "m"], "params": [7e7, 1.6e8],
                      "tokens": [3e11, 3e11], "loss": pa.array([3.0, None], type=pa.float64())})
    pq.write_table(table, tmp_path / "ok.parquet")
    assert read_runs(tmp_path / "ok.parquet").runs["loss"].isna().tolist() == [False, True]
    bad = table.set_column(4, "loss", pa.array([3.0, float("nan")]))
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(DataValidationError, match=r"^bad\.parquet row 2, column 'loss': value NaN is not a number"):
        read_runs(tmp_path / "bad.parquet")


def test_format_errors(tmp_path: Path, runs_csv: Path) -> None:
    (tmp_path / "runs.xlsx").write_text("x")
    with pytest.raises(DataValidationError, match=r"runs\.xlsx: unknown file type '\.xlsx'; allowed: \.csv, \.parquet"):
        read_runs(tmp_path / "runs.xlsx")
    with pytest.raises(DataValidationError, match=r"format='xml' is not supported; allowed: csv, parquet, jsonl"):
        read_runs(runs_csv, format="xml")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_runs(tmp_path / "missing.csv")
    (tmp_path / "ragged.csv").write_text("run_id,model_id\na,m\nb,m,extra,cells\n")
    with pytest.raises(DataValidationError, match=r"^ragged\.csv: not a valid CSV file: .*line 3"):
        read_runs(tmp_path / "ragged.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataValidationError, match=r"^empty\.csv: the file is empty"):
        read_runs(tmp_path / "empty.csv")
    (tmp_path / "latin1.csv").write_bytes("run_id,model_id\nr\xe9,m\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match=r"^latin1\.csv: byte \d+ is not UTF-8"):
        read_runs(tmp_path / "latin1.csv")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(DataValidationError, match=r"^junk\.parquet: not a valid Parquet file"):
        read_runs(tmp_path / "junk.parquet")


def test_mapping_errors(runs_csv: Path) -> None:
    with pytest.raises(DataValidationError, match=r"'n_params' -> 'n_parameters'.*not a run field; allowed: run_id"):
        read_runs(runs_csv, mapping={"n_params": "n_parameters"})
    with pytest.raises(DataValidationError, match=r"runs\.csv: column 'nparams' named in the mapping .* not in"):
        read_runs(runs_csv, mapping={"nparams": "params"})
    with pytest.raises(DataValidationError, match=r"column 'notes' is mapped to 'family' but the file already has"):
        read_runs(runs_csv, mapping={**MAPPING, "notes": "family"})
    with pytest.raises(DataValidationError, match=r"columns 'n_params' and 'tokens' are both mapped to 'params'"):
        read_runs(runs_csv, mapping={"n_params": "params", "tokens": "params"})
    with pytest.raises(TypeError, match="mapping must be a dict"):
        read_runs(runs_csv, mapping=[("a", "b")])  # type: ignore[arg-type]


def test_mapping_onto_a_score(runs_csv: Path) -> None:
    with pytest.raises(DataValidationError, match=r"^runs\.csv row 1, column 'notes' \(mapped to 'score:arc:acc'\): "
                                                  r"value 'first' is not a number"):
        read_runs(runs_csv, mapping={**MAPPING, "notes": "score:arc:acc"})
    path = runs_csv.parent / "arc.csv"
    path.write_text("run_id,model_id,arc\na,m,0.5\n")
    rs = read_runs(path, mapping={"arc": "score:arc:acc:25"})
    assert rs.scores[["benchmark", "metric", "shots", "value"]].values.tolist() == [["arc", "acc", 25, 0.5]]


def test_from_dataframe_maps_and_names_source() -> None:
    df = pd.DataFrame({"name": ["a"], "n": [7e7], "d": [3e11], "m": ["x"]})
    rs = from_dataframe(df, mapping={"name": "run_id", "n": "params", "d": "tokens", "m": "model_id"},
                        source="sweep")
    assert rs.runs["source"].iloc[0] == "sweep" and rs.runs["params"].iloc[0] == 7e7
    with pytest.raises(DataValidationError, match=r"^sweep row 1, column 'n' \(mapped to 'params'\): value -7\.0"):
        from_dataframe(df.assign(n=-7.0), mapping={"name": "run_id", "n": "params", "m": "model_id"}, source="sweep")


def _sample_runset() -> object:
    runs = pd.DataFrame({
        "run_id": ["a", "b", "c"], "model_id": ["m-a", "m-b", "m-c"], "family": ["F", None, "F"],
        "params": [7e7, 1.6e8, 4.1e8], "params_kind": ["total", "non_embedding", None],
        "tokens": [3e11, 3e11, 1e10], "unique_tokens": [1e11, np.nan, np.nan], "compute": [np.nan, 2.9e20, np.nan],
        "loss": [3.2, 2.9, np.nan], "loss_split": ["val", None, "test"], "release_date": ["2023-02-13", None, None],
        "cost_usd": [1234.5, np.nan, 0.0], "citation": ["Biderman et al. 2023, \"Pythia\"", None, None],
        "tags": ["a,b", None, "c"], "config": ['{"lr": 0.001, "note": "x,y"}', None, None],
    })
    scores = pd.DataFrame({"run_id": ["a", "a", "c"], "benchmark": ["mmlu", "mmlu", "arc"],
                           "metric": ["acc", "acc", "acc_norm"], "shots": [0, 5, None], "value": [0.25, 0.27, 0.3]})
    curves = pd.DataFrame({"run_id": ["a", "a", "b"], "step": [0, 100, 100], "tokens": [0.0, 2e8, np.nan],
                           "loss": [10.8, 6.1, 6.0]})
    return from_dataframe(runs, scores=scores, curves=curves, source="sample")


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_then_read_round_trips(tmp_path: Path, fmt: str) -> None:
    rs = _sample_runset()
    written = write_runs(rs, tmp_path / f"out.{fmt}")
    assert written[0] == tmp_path / f"out.{fmt}"
    assert len(written) == (1 if fmt == "jsonl" else 3)
    back = read_runs(written[0])
    pd.testing.assert_frame_equal(back.runs, rs.runs)
    pd.testing.assert_frame_equal(back.scores, rs.scores)
    pd.testing.assert_frame_equal(back.curves, rs.curves)


def test_write_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="unknown file type '.txt'"):
        write_runs(_sample_runset(), tmp_path / "out.txt")


# -- MLflow ------------------------------------------------------------------------------------


def _make_store(uri: str) -> dict[str, str]:
    """Two finished runs and one running run in experiment 'sweep'; returns run name -> id."""
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    ids: dict[str, str] = {}
    with warnings.catch_warnings():
        # MLflow's own SQLAlchemy deprecation noise while creating the store
        warnings.simplefilter("ignore")
        client = MlflowClient(tracking_uri=uri)
        exp = client.create_experiment("sweep")
        client.create_experiment("empty")
        for name, n, losses, status in (
            ("tiny", "7e7", [4.0, 3.5, 3.25], "FINISHED"),
            ("small", "1.6e8", [3.9, 3.2, 3.0], "FINISHED"),
            ("running", "4e8", [3.9], "RUNNING"),
        ):
            run = client.create_run(exp, run_name=name, tags={"family": "sweep-a"})
            rid = run.info.run_id
            ids[name] = rid
            metrics = [Metric("mmlu_acc", 0.25, 0, 0)]
            for k, loss in enumerate(losses):
                metrics.append(Metric("val_loss", loss, k, k * 100))
                metrics.append(Metric("tokens_seen", k * 100 * 1e6, k, k * 100))
            # one batch per run: an sqlite store commits (and syncs) once per call
            params = [Param("n_params", n), Param("tokens", "3e9"), Param("learning_rate", "3e-4")]
            client.log_batch(rid, metrics=metrics, params=params)
            if status == "FINISHED":
                client.set_terminated(rid)
    return ids


@pytest.fixture(scope="module", params=["sqlite", "file"])
def mlflow_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, dict[str, str]]]:
    """A real MLflow store per backend, built once per module (an sqlite store takes ~2 s to migrate)."""
    tmp = tmp_path_factory.mktemp(f"mlflow-{request.param}")
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "sqlite":
            uri = f"sqlite:///{tmp / 'mlflow.db'}"
        else:
            mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 refuses new file stores without it
            uri = (tmp / "mlruns").as_uri()
        ids = _make_store(uri)
    yield uri, ids


MLFLOW_MAPPING = {"n_params": "params", "metrics.val_loss": "loss", "mmlu_acc": "score:mmlu:acc:0"}


def test_from_mlflow_reads_runs_params_metrics_and_curves(mlflow_store: tuple[str, dict[str, str]]) -> None:
    uri, ids = mlflow_store
    rs = from_mlflow(uri, experiment="sweep", mapping=MLFLOW_MAPPING)
    runs = rs.runs.set_index("model_id")
    assert sorted(runs.index) == ["small", "tiny"]  # the running run is left out
    assert runs.loc["tiny", "run_id"] == ids["tiny"]
    assert runs.loc["tiny", "params"] == 7e7 and runs.loc["tiny", "tokens"] == 3e9
    assert runs.loc["tiny", "loss"] == 3.25 and runs.loc["tiny", "family"] == "sweep-a"
    assert (runs["source"] == "mlflow:sweep").all()
    tiny = rs.curves[rs.curves["run_id"] == ids["tiny"]]
    assert tiny["step"].tolist() == [0, 100, 200] and tiny["loss"].tolist() == [4.0, 3.5, 3.25]
    assert rs.scores["value"].tolist() == [0.25, 0.25] and (rs.scores["shots"] == 0).all()


def test_from_mlflow_curve_tokens(mlflow_store: tuple[str, dict[str, str]]) -> None:
    uri, ids = mlflow_store
    rs = from_mlflow(uri, experiment="sweep", mapping={**MLFLOW_MAPPING, "metrics.tokens_seen": "tokens"})
    tiny = rs.curves[rs.curves["run_id"] == ids["tiny"]]
    assert tiny["tokens"].tolist() == [0.0, 1e8, 2e8]
    # the run's tokens are the metric's latest value, not the param of the same name
    assert rs.runs.set_index("model_id").loc["tiny", "tokens"] == 2e8


def test_from_mlflow_unfinished_runs_on_request(mlflow_store: tuple[str, dict[str, str]]) -> None:
    uri, _ = mlflow_store
    rs = from_mlflow(uri, mapping=MLFLOW_MAPPING, include_unfinished=True)
    assert sorted(rs.runs["model_id"]) == ["running", "small", "tiny"]


def test_from_mlflow_errors(mlflow_store: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    uri, _ = mlflow_store
    with pytest.raises(DataValidationError, match=r"no experiment 'nope'; experiments are: .*'sweep'"):
        from_mlflow(uri, experiment="nope", mapping=MLFLOW_MAPPING)
    with pytest.raises(DataValidationError, match=r"the mapping names 'nparams' but no run has"):
        from_mlflow(uri, experiment="sweep", mapping={"nparams": "params"})
    with pytest.raises(DataValidationError, match=r"no finished runs in experiment 'empty'"):
        from_mlflow(uri, experiment="empty")
    # without a mapping N is unknown and "tokens" alone is fine; a bad mapped value names the run
    with pytest.raises(DataValidationError, match=r"run '\w+' \([0-9a-f]+\), column 'learning_rate' "
                                                  r"\(mapped to 'params'\): value 0\.0003"):
        from_mlflow(uri, experiment="sweep", mapping={"learning_rate": "params"})


def test_from_mlflow_accepts_a_path(mlflow_store: tuple[str, dict[str, str]]) -> None:
    uri, _ = mlflow_store
    # sqlite:////abs/mlflow.db -> /abs/mlflow.db (a .db file); file:///abs/mlruns -> /abs/mlruns (a folder)
    path = Path(uri.removeprefix("sqlite:///") if uri.startswith("sqlite:") else uri.removeprefix("file://"))
    rs = from_mlflow(path, experiment="sweep", mapping=MLFLOW_MAPPING)
    assert len(rs) == 2
