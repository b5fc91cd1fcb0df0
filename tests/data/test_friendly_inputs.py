"""Friendlier inputs: optional run ids (derived from the row content), column names from the wild, units."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from scalewatch.data import COLUMN_ALIASES, Registry, from_dataframe, read_runs
from scalewatch.errors import DataValidationError

PLAIN = "params,tokens,loss\n70000000,1400000000,3.9\n160000000,3200000000,3.5\n410000000,8200000000,3.1\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_id_is_optional_and_derived_from_the_content(tmp_path: Path) -> None:
    rs = read_runs(_write(tmp_path, "runs.csv", PLAIN))
    ids = rs.runs["run_id"].tolist()
    assert all(re.fullmatch(r"row-[0-9a-f]{16}", i) for i in ids) and len(set(ids)) == 3
    assert rs.runs["model_id"].tolist() == ids
    # deterministic: the same content in another file, order or format gives the same ids
    again = read_runs(_write(tmp_path, "copy.csv", PLAIN.splitlines()[0] + "\n" + "\n".join(PLAIN.splitlines()[:0:-1])))
    assert sorted(again.runs["run_id"]) == sorted(ids)
    rs.runs.drop(columns=["run_id", "model_id"]).to_parquet(tmp_path / "runs.parquet")
    assert sorted(read_runs(tmp_path / "runs.parquet").runs["run_id"]) == sorted(ids)
    # content in other units or names is the same run
    other = "n_params_m,tokens (B),val_loss\n70,1.4,3.9\n"
    other_id = read_runs(_write(tmp_path, "other.csv", other)).runs["run_id"].iloc[0]
    assert other_id != ids[0]  # val_loss implies loss_split 'val': a different record than an unlabelled loss
    same = "n_params_m,tokens (B),loss\n70,1.4,3.9\n"
    assert read_runs(_write(tmp_path, "same.csv", same)).runs["run_id"].iloc[0] == ids[0]


def test_reimport_without_run_ids_adds_nothing_and_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, "runs.csv", PLAIN)
    with Registry(tmp_path / "r.duckdb") as reg:
        first = reg.import_runs(path)
        second = reg.import_runs(path)
        assert (first.added, first.derived_ids) == (3, 3)
        assert (second.added, second.unchanged) == (0, 3)
        assert "3 already present" in str(second)
        assert second.to_dict()["derived_ids"] == 3
        assert len(reg) == 3


def test_model_trained_twice_gets_derived_ids(tmp_path: Path) -> None:
    text = "model,params,tokens,loss\nm,7e7,1.4e9,3.9\nm,7e7,2.8e9,3.7\n"
    rs = read_runs(_write(tmp_path, "runs.csv", text))
    assert rs.runs["model_id"].tolist() == ["m", "m"]
    assert rs.runs["run_id"].str.startswith("row-").all() and rs.runs["run_id"].is_unique


def test_model_id_alone_still_names_the_run(tmp_path: Path) -> None:
    rs = read_runs(_write(tmp_path, "runs.csv", "model_name,params,tokens,loss\npythia-70m,7e7,3e11,3.2\n"))
    assert rs.runs["run_id"].tolist() == ["pythia-70m"]


def test_identical_rows_without_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match=r"row 1 and row 2: the rows are identical .* add a run_id column"):
        read_runs(_write(tmp_path, "runs.csv", "params,tokens,loss\n7e7,1e9,3\n7e7,1e9,3\n"))


@pytest.mark.parametrize(("n", "d", "loss"), [
    ("N", "D", "loss"), ("n_params", "tokens_seen", "val_loss"), ("num_params", "train_tokens", "eval/loss"),
    ("params", "tokens", "metrics.val_loss"), ("summary/n_params", "config.train_tokens", "eval/loss"),
    ("Num Params", "Tokens", "Loss"),
])
def test_common_column_names_are_recognised(tmp_path: Path, n: str, d: str, loss: str) -> None:
    text = f"{n},{d},{loss}\n7e7,1.4e9,3.9\n1.6e8,3.2e9,3.5\n"
    with Registry(tmp_path / "r.duckdb") as reg:
        summary = reg.import_runs(_write(tmp_path, "runs.csv", text))
        runs = reg.runs().runs
    assert runs["params"].tolist() == [7e7, 1.6e8]
    assert runs["tokens"].tolist() == [1.4e9, 3.2e9]
    assert runs["loss"].tolist() == [3.9, 3.5]
    assert summary.ignored_columns == ()
    if loss.lower() != "loss":
        assert runs["loss_split"].tolist() == ["val", "val"]
        assert f"column {loss!r} read as 'loss'" in str(summary)


def test_compute_and_flops_aliases(tmp_path: Path) -> None:
    rs = read_runs(_write(tmp_path, "runs.csv", "N,D,C,loss\n7e7,1.4e9,5.88e17,3.9\n"))
    assert rs.runs["compute"].iloc[0] == 5.88e17 and not rs.runs["compute_estimated"].iloc[0]
    rs = read_runs(_write(tmp_path, "runs2.csv", "n_params,tokens,flops,loss\n7e7,1.4e9,5.88e17,3.9\n"))
    assert rs.runs["compute"].iloc[0] == 5.88e17


def test_validation_loss_wins_over_training_loss(tmp_path: Path) -> None:
    with Registry(tmp_path / "r.duckdb") as reg:
        s = reg.import_runs(_write(tmp_path, "runs.csv", "params,tokens,train_loss,val_loss\n7e7,1.4e9,3.5,3.9\n"))
        assert reg.runs().runs["loss"].tolist() == [3.9]
    assert "'loss' read from column 'val_loss'; also named by 'train_loss', left out" in str(s)


def test_unknown_columns_get_a_suggestion(tmp_path: Path) -> None:
    with Registry(tmp_path / "r.duckdb") as reg:
        s = reg.import_runs(_write(tmp_path, "runs.csv", "params,tokns,loss\n7e7,1.4e9,3.9\n"))
    assert s.ignored_columns == ("tokns (did you mean tokens?)",)
    assert "tokns (did you mean tokens?)" in str(s)


def test_map_still_wins(tmp_path: Path) -> None:
    rs = read_runs(_write(tmp_path, "runs.csv", "size,tokens,loss,val_loss\n7e7,1.4e9,3.9,4.0\n"),
                   mapping={"size": "params", "val_loss": "loss", "loss": "epochs"})
    assert (rs.runs["params"].iloc[0], rs.runs["loss"].iloc[0], rs.runs["epochs"].iloc[0]) == (7e7, 4.0, 3.9)


@pytest.mark.parametrize(("header", "row", "params", "tokens"), [
    ("params_m,tokens,loss", "70,1.4e9,3.9", 7e7, 1.4e9),
    ("n_params_b,tokens_b,loss", "0.07,1.4,3.9", 7e7, 1.4e9),
    ('"params (B)","tokens (B)",loss', "0.07,1.4,3.9", 7e7, 1.4e9),
    ("params (M),D (billions),loss", "70,1.4,3.9", 7e7, 1.4e9),
])
def test_count_units_from_column_names(tmp_path: Path, header: str, row: str, params: float, tokens: float) -> None:
    rs = read_runs(_write(tmp_path, "runs.csv", f"{header}\n{row}\n"))
    assert math.isclose(rs.runs["params"].iloc[0], params) and math.isclose(rs.runs["tokens"].iloc[0], tokens)


@pytest.mark.parametrize("name", ["loss_bits", "loss (bits)", "val_bpb", "bpb"])
def test_loss_in_bits_from_column_names(tmp_path: Path, name: str) -> None:
    rs = read_runs(_write(tmp_path, "runs.csv", f'params,tokens,"{name}"\n7e7,1.4e9,4.0\n'))
    assert math.isclose(rs.runs["loss"].iloc[0], 4.0 * math.log(2))
    assert rs.runs["loss_unit"].iloc[0] == "nats"


def test_compute_in_pf_days_from_the_name_and_from_the_magnitude(tmp_path: Path) -> None:
    six_nd = 6 * 7e7 * 1.4e9
    rs = read_runs(_write(tmp_path, "a.csv", f"params,tokens,compute_pf_days,loss\n7e7,1.4e9,{six_nd / 8.64e19},3.9\n"))
    assert math.isclose(rs.runs["compute"].iloc[0], six_nd)
    rs = read_runs(_write(tmp_path, "b.csv", f"params,tokens,compute,loss\n7e7,1.4e9,{six_nd / 8.64e19},3.9\n"))
    assert math.isclose(rs.runs["compute"].iloc[0], six_nd)  # only PF-days puts C within 2x of 6ND


def test_params_in_millions_from_the_magnitude_when_unambiguous(tmp_path: Path) -> None:
    with Registry(tmp_path / "r.duckdb") as reg:
        s = reg.import_runs(_write(tmp_path, "runs.csv", "params,tokens,loss\n70,1.4e9,3.2\n160,3.2e9,3.0\n"))
        assert reg.runs().runs["params"].tolist() == [7e7, 1.6e8]
    assert "column 'params' read as millions of parameters" in str(s)


def test_ambiguous_magnitudes_are_asked_for(tmp_path: Path) -> None:
    # 0.07 and 1.3 with 2e9 and 2e10 tokens: 28.6 and 15.4 tokens per parameter in billions, 1000x that in
    # millions; both are plausible, so nothing is guessed
    path = _write(tmp_path, "runs.csv", "params,tokens,loss\n0.07,2e9,3.1\n1.3,2e10,2.9\n")
    with pytest.raises(DataValidationError, match=r"column 'params'.*--units params=billions"):
        read_runs(path)
    assert read_runs(path, units={"params": "billions"}).runs["params"].tolist() == [7e7, 1.3e9]


def test_dataframe_and_jsonl_are_friendly_too(tmp_path: Path) -> None:
    rs = from_dataframe(pd.DataFrame({"N": [7e7], "D": [1.4e9], "eval/loss": [3.9]}))
    assert rs.runs["run_id"].iloc[0].startswith("row-")
    lines = [{"n_params": 7e7, "tokens_seen": 1.4e9, "val_loss": 3.9, "scores": [{"benchmark": "b", "metric": "acc",
                                                                                  "value": 0.5}]}]
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    rs = read_runs(path)
    assert rs.scores["run_id"].tolist() == rs.runs["run_id"].tolist()


def test_alias_table_covers_the_names_of_the_issue() -> None:
    wild = {"params": ["n", "n_params", "num_params", "params"], "tokens": ["d", "tokens_seen", "train_tokens", "tokens"],
            "compute": ["c", "flops", "compute"], "loss": ["val_loss", "eval_loss", "loss"]}
    for field, names in wild.items():
        assert set(names) <= set(COLUMN_ALIASES[field])
