"""Run tables for the pretraining tests: derived columns, the frontier, config values and the public datasets' preparation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalewatch import datasets
from scalewatch.analyses.pretraining import (
    PORIAN_STEPS,
    chinchilla_runs,
    config_values,
    datablations_runs,
    frontier,
    gadre_runs,
    porian_runs,
    runs_table,
)


def test_compute_is_six_n_d_where_missing_and_kept_where_given():
    df = runs_table({"params": [1e8, 2e8, 4e8], "tokens": [2e9, 4e9, 8e9], "loss": [3.0, 2.8, 2.6], "compute": [np.nan, 1.0e19, np.nan]})
    np.testing.assert_allclose(df["compute"], [6 * 1e8 * 2e9, 1.0e19, 6 * 4e8 * 8e9])
    np.testing.assert_allclose(df["tokens_per_param"], [20.0, 20.0, 20.0])
    assert list(df["run_id"]) == ["run0", "run1", "run2"]  # ids made up when the table has none


def test_epochs_from_unique_tokens():
    df = runs_table(pd.DataFrame({"params": [1e8], "tokens": [4e9], "unique_tokens": [1e9], "loss": [3.0]}))
    assert df["epochs"].tolist() == [4.0]


def test_runs_table_takes_a_dataset_a_runset_or_columns_and_says_what_it_needs():
    ds = datasets.load("chinchilla-hoffmann2022")
    assert len(runs_table(ds)) == len(runs_table(ds.runs)) == len(ds.runs.runs)
    with pytest.raises(ValueError, match=r"backtest\(data=...\) has no 'loss' column"):
        runs_table({"params": [1.0]}, what="backtest(data=...)")
    with pytest.raises(ValueError, match="has no runs"):
        runs_table(pd.DataFrame({"loss": []}))
    with pytest.raises(ValueError, match="columns of the mapping have different lengths"):
        runs_table({"loss": [1.0, 2.0], "params": [1.0]})
    with pytest.raises(TypeError, match="takes a Dataset, a RunSet, a pandas DataFrame or a mapping of columns; got int"):
        runs_table(3)


def test_frontier_is_the_lower_envelope_of_loss():
    df = pd.DataFrame({"compute": [1.0, 1.0, 2.0, 3.0, 4.0, 5.0], "loss": [5.0, 4.0, 4.5, 3.0, 3.5, 2.0]})
    f = frontier(df)
    # at compute 1 only the better run counts; 2 and 4 do worse than a cheaper run
    assert f.index.tolist() == [1, 3, 5] and f["loss"].tolist() == [4.0, 3.0, 2.0]


def test_config_values_read_each_runs_json():
    df = pd.DataFrame({"config": [json.dumps({"m": 2}), "{}", "not json", None]})
    got = config_values(df, "m")
    assert got.iloc[0] == 2 and got.iloc[1:].isna().all()
    with pytest.raises(ValueError, match="no 'config' column to read 'm'"):
        config_values(pd.DataFrame({"x": [1]}), "m")


def test_chinchilla_runs_drop_the_five_highest_losses():
    full = datasets.load("chinchilla-hoffmann2022").runs.runs
    df, note = chinchilla_runs()
    assert len(df) == len(full) - 5
    assert df["loss"].max() <= np.sort(full["loss"].to_numpy(float))[-6] + 1e-12
    assert np.all(np.diff(df["compute"].to_numpy(float)) >= 0) and "five highest-loss runs dropped" in note


def test_gadre_runs_carry_the_multiplier_and_check_the_training_set():
    df, _ = gadre_runs()
    m = df["chinchilla_multiplier"].to_numpy(float)
    np.testing.assert_allclose(m, df["tokens_per_param"].to_numpy(float) / 20, rtol=0.05)  # M = D / (20 N), as labelled
    assert set(df["train_dataset"]) == {"c4_original", "rpj", "rw_original"}
    with pytest.raises(ValueError, match=r"known training sets are \['c4_original', 'rpj', 'rw_original'\]"):
        gadre_runs("pile")


def test_datablations_and_porian_preparation():
    db, _ = datablations_runs()
    assert db["tags"].str.contains("used_in_notebook_fit").all() and (db["epochs"] >= 1 - 1e-9).all()
    po, note = porian_runs()
    assert {key for key, _ in PORIAN_STEPS} <= set(po["config_id"])
    assert f"{po['config_id'].nunique()} configurations" in note
