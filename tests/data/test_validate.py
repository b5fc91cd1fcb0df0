"""validate_runs: canonical output, derived columns, units, and one-line errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scalewatch.data import (
    CURVE_COLUMNS,
    RUN_COLUMNS,
    SCORE_COLUMNS,
    RunSet,
    validate_runs,
)
from scalewatch.errors import DataValidationError, DataWarning


def _runs(**columns: object) -> pd.DataFrame:
    """Three plausible Pythia-like runs; keyword arguments replace or add columns (None drops one)."""
    base: dict[str, object] = {
        "run_id": ["p70m", "p160m", "p410m"],
        "model_id": ["pythia-70m", "pythia-160m", "pythia-410m"],
        "params": [7.0e7, 1.6e8, 4.1e8],
        "tokens": [3.0e11, 3.0e11, 3.0e11],
        "loss": [3.2, 2.9, 2.6],
    }
    base.update(columns)
    return pd.DataFrame({k: v for k, v in base.items() if v is not None})


def test_output_has_the_schema_columns_and_dtypes() -> None:
    rs = validate_runs(_runs())
    assert isinstance(rs, RunSet)
    assert list(rs.runs.columns) == [c.name for c in RUN_COLUMNS]
    assert {c.name: str(c.dtype) for c in RUN_COLUMNS} == {k: str(v) for k, v in rs.runs.dtypes.items()}
    assert list(rs.scores.columns) == [c.name for c in SCORE_COLUMNS]
    assert list(rs.curves.columns) == [c.name for c in CURVE_COLUMNS]
    assert rs.runs["family"].isna().all()
    assert (rs.runs["params_kind"] == "unknown").all()
    assert (rs.runs["source"] == "<DataFrame>").all()
    assert repr(rs) == "RunSet(3 runs, 0 scores, 0 curve points)"


def test_one_id_column_is_enough() -> None:
    frame = _runs().drop(columns=["run_id"])
    out = validate_runs(frame, source="runs.csv")
    assert list(out.runs["run_id"]) == list(frame["model_id"])
    frame = _runs().drop(columns=["model_id"])
    out = validate_runs(frame, source="runs.csv")
    assert list(out.runs["model_id"]) == list(frame["run_id"])


def test_input_is_not_modified() -> None:
    df = _runs(loss=[3.2, 2.9, 2.6], loss_unit=["bits", "nats", "nats"])
    copy = df.copy(deep=True)
    validate_runs(df, units={"params": "count"})
    pd.testing.assert_frame_equal(df, copy)


def test_compute_is_filled_as_6nd_and_flagged() -> None:
    rs = validate_runs(_runs(compute=[np.nan, 6 * 1.6e8 * 3.0e11 * 1.1, np.nan]))
    runs = rs.runs
    assert runs["compute"].iloc[0] == pytest.approx(6 * 7.0e7 * 3.0e11)
    assert runs["compute_estimated"].tolist() == [True, False, True]


def test_compute_stays_missing_without_n_or_d() -> None:
    rs = validate_runs(_runs(params=[np.nan, 1.6e8, 4.1e8]))
    assert pd.isna(rs.runs["compute"].iloc[0])
    assert pd.isna(rs.runs["compute_estimated"].iloc[0])


def test_epochs_from_unique_tokens_and_back() -> None:
    rs = validate_runs(_runs(unique_tokens=[1.0e11, np.nan, np.nan], epochs=[np.nan, 4.0, np.nan]))
    assert rs.runs["epochs"].iloc[0] == pytest.approx(3.0)
    assert rs.runs["unique_tokens"].iloc[1] == pytest.approx(7.5e10)
    assert pd.isna(rs.runs["epochs"].iloc[2])


def test_epochs_inconsistent_with_tokens_warns() -> None:
    with pytest.warns(DataWarning, match=r"row 1, column 'epochs': value 5\.0 differs from tokens / unique_tokens"):
        validate_runs(_runs(unique_tokens=[1.0e11, np.nan, np.nan], epochs=[5.0, np.nan, np.nan]))


def test_bits_become_nats_by_column_and_by_declared_unit() -> None:
    by_column = validate_runs(_runs(loss_unit=["bits", "nats", "bits/token"]))
    assert by_column.runs["loss"].tolist() == pytest.approx([3.2 * math.log(2), 2.9, 2.6 * math.log(2)])
    assert (by_column.runs["loss_unit"] == "nats").all()
    declared = validate_runs(_runs(), units={"loss": "bits"})
    assert declared.runs["loss"].tolist() == pytest.approx([v * math.log(2) for v in (3.2, 2.9, 2.6)])


def test_curve_losses_share_their_runs_unit() -> None:
    curves = pd.DataFrame({"run_id": ["p70m", "p70m", "p160m"], "step": [1, 2, 1], "loss": [5.0, 4.0, 5.0]})
    rs = validate_runs(_runs(loss_unit=["bits", "nats", "nats"]), curves=curves)
    assert rs.curves["loss"].tolist() == pytest.approx([5.0 * math.log(2), 4.0 * math.log(2), 5.0])
    assert str(rs.curves["step"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("unit", "factor"), [("thousands", 1e3), ("millions", 1e6), ("billions", 1e9), ("trillions", 1e12)]
)
def test_declared_count_units_scale_to_raw_counts(unit: str, factor: float) -> None:
    rs = validate_runs(_runs(params=[0.07, 0.16, 0.41]), units={"params": unit, "tokens": "count"})
    assert rs.runs["params"].tolist() == pytest.approx([0.07 * factor, 0.16 * factor, 0.41 * factor])


def test_tokens_unit_applies_to_unique_tokens() -> None:
    rs = validate_runs(_runs(tokens=[300.0] * 3, unique_tokens=[100.0] * 3), units={"tokens": "billions"})
    assert rs.runs["unique_tokens"].tolist() == pytest.approx([1e11] * 3)
    assert rs.runs["epochs"].tolist() == pytest.approx([3.0] * 3)


def test_compute_in_pf_days() -> None:
    c = [6 * 7.0e7 * 3.0e11 / 8.64e19, 6 * 1.6e8 * 3.0e11 / 8.64e19, 6 * 4.1e8 * 3.0e11 / 8.64e19]
    rs = validate_runs(_runs(compute=c), units={"compute": "PF-days"})
    assert rs.runs["compute"].tolist() == pytest.approx([6 * 7.0e7 * 3.0e11, 6 * 1.6e8 * 3.0e11, 6 * 4.1e8 * 3.0e11])
    assert not rs.runs["compute_estimated"].any()


def test_declaring_count_accepts_tiny_models() -> None:
    rs = validate_runs(_runs(params=[5e3, 1e4, 2e4]), units={"params": "count"})
    assert rs.runs["params"].tolist() == [5e3, 1e4, 2e4]


def test_compute_far_from_6nd_warns_once_naming_rows() -> None:
    with pytest.warns(DataWarning, match=r"differs from 6ND by more than 2x in 2 of 3 rows \(row 1: C=1e\+10 FLOP"):
        rs = validate_runs(_runs(compute=[1e10, 6 * 1.6e8 * 3.0e11, 1e30]), source="runs.csv")
    assert rs.runs["compute"].iloc[0] == 1e10  # kept as given


def test_wide_score_columns_become_score_rows() -> None:
    rs = validate_runs(_runs(**{"score:mmlu:acc:5": [0.25, np.nan, 0.27], "score:hellaswag:acc_norm": [0.3] * 3}))
    s = rs.scores
    assert len(s) == 5
    mmlu = s[s["benchmark"] == "mmlu"]
    assert mmlu["shots"].tolist() == [5, 5] and mmlu["run_id"].tolist() == ["p70m", "p410m"]
    assert s[s["benchmark"] == "hellaswag"]["shots"].isna().all()


def test_long_scores_are_checked_and_typed() -> None:
    scores = pd.DataFrame({"run_id": ["p70m"], "benchmark": ["lambada"], "metric": ["acc"], "shots": [0.0],
                           "value": [0.4]})
    rs = validate_runs(_runs(), scores=scores)
    assert str(rs.scores["shots"].dtype) == "Int64" and rs.scores["shots"].iloc[0] == 0


def test_unknown_columns_are_left_out() -> None:
    rs = validate_runs(_runs(notes=["a", "b", "c"]))
    assert "notes" not in rs.runs.columns


def test_aliases_are_normalised() -> None:
    rs = validate_runs(_runs(params_kind=["non-embedding", "Total", None], loss_split=["validation", "train", "Test"]))
    assert rs.runs["params_kind"].tolist() == ["non_embedding", "total", "unknown"]
    assert rs.runs["loss_split"].tolist() == ["val", "train", "test"]


def test_dates_iso_decimal_year_and_timezone() -> None:
    iso = validate_runs(_runs(release_date=["2023-02-13", None, "2023-05-01T12:00:00+02:00"]))
    assert iso.runs["release_date"].iloc[0] == pd.Timestamp("2023-02-13")
    assert iso.runs["release_date"].iloc[2] == pd.Timestamp("2023-05-01 10:00:00")
    assert pd.isna(iso.runs["release_date"].iloc[1])
    years = validate_runs(_runs(release_date=[2020, 2021.5, np.nan]))
    assert years.runs["release_date"].iloc[0] == pd.Timestamp("2020-01-01")
    assert years.runs["release_date"].iloc[1].month == 7
    assert str(years.runs["release_date"].dtype) == "datetime64[ns]"


def test_text_numbers_and_lists_are_accepted() -> None:
    rs = validate_runs(_runs(params=["7e7", "1.6e8", " 4.1e8 "], tags=[["a", "b"], "c", None],
                             config=[{"lr": 1e-3}, None, None]))
    assert rs.runs["params"].tolist() == [7e7, 1.6e8, 4.1e8]
    assert rs.runs["tags"].iloc[0] == "a,b"
    assert rs.runs["config"].iloc[0] == '{"lr": 0.001}'


def test_pandas_nan_is_a_missing_value() -> None:
    rs = validate_runs(_runs(loss=[3.2, np.nan, 2.6]))
    assert pd.isna(rs.runs["loss"].iloc[1]) and pd.isna(rs.runs["loss_unit"].iloc[1])


def test_string_dtype_input_and_read_only_arrays() -> None:
    df = _runs()
    df["run_id"] = df["run_id"].astype("string")
    df["model_id"] = df["model_id"].astype("str")
    arr = df["params"].to_numpy(copy=True)
    arr.flags.writeable = False
    df["params"] = arr
    rs = validate_runs(df)
    assert rs.runs["run_id"].tolist() == ["p70m", "p160m", "p410m"]


def test_not_a_dataframe_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"validate_runs\(runs=...\) must be a pandas DataFrame, got dict"):
        validate_runs({"run_id": ["a"]})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="units must be a mapping"):
        validate_runs(_runs(), units="billions")  # type: ignore[arg-type]


_CURVES_OK = {"run_id": ["p70m", "p70m"], "step": [1, 2], "loss": [4.0, 3.5]}


# (id, runs-column overrides, other validate_runs kwargs, regex the one-line message must match)
MALFORMED = [
    ("negative N", {"params": [7e7, -3.0, 4.1e8]}, {},
     r"^runs\.csv row 2, column 'params': value -3\.0 is not positive; parameters N must be a raw count > 0"),
    ("zero D", {"tokens": [3e11, 3e11, 0.0]}, {},
     r"^runs\.csv row 3, column 'tokens': value 0\.0 is not positive"),
    ("negative C", {"compute": [-1.0, np.nan, np.nan]}, {},
     r"^runs\.csv row 1, column 'compute': value -1\.0 is not positive"),
    ("NaN text", {"loss": ["3.2", "NaN", "2.6"]}, {},
     r"^runs\.csv row 2, column 'loss': value 'NaN' is not a number; leave the cell empty"),
    ("inf", {"loss": [3.2, np.inf, 2.6]}, {},
     r"^runs\.csv row 2, column 'loss': value inf is not finite"),
    ("implausible loss", {"loss": [3.2, 2.9, 512.0]}, {},
     r"^runs\.csv row 3, column 'loss': value 512\.0 .*> 20 nats/token.*summed over a sequence"),
    ("non-positive loss", {"loss": [3.2, 0.0, 2.6]}, {},
     r"^runs\.csv row 2, column 'loss': value 0\.0 is not positive"),
    ("bits per byte", {"loss_unit": ["nats", "nats", "bpb"]}, {},
     r"^runs\.csv row 3, column 'loss_unit': value 'bpb' is not a loss unit; allowed: nats, bits"),
    ("bits in nats field 30 bits", {"loss": [3.2, 2.9, 30.0], "loss_unit": ["nats", "nats", "bits"]}, {},
     r"^runs\.csv row 3, column 'loss': value 30\.0 \(20\.79 nats/token\) is implausibly large"),
    ("params in billions", {"params": [0.07, 0.16, 0.41]}, {},
     r"^runs\.csv row 3, column 'params': value 0\.41 .*--units params=billions"),
    ("tokens in billions", {"tokens": [300.0, 300.0, 300.0]}, {},
     r"^runs\.csv row 1, column 'tokens': value 300\.0 .*units=\{'tokens': 'billions'\}"),
    ("unit suffix", {"params": ["70M", "160M", "410M"]}, {},
     r"^runs\.csv row 1, column 'params': value '70M' has a unit suffix; write the raw count 7e\+07"),
    ("duplicate run", {"run_id": ["p70m", "p160m", "p70m"]}, {},
     r"^runs\.csv row 1 and row 3, column 'run_id': value 'p70m' appears twice"),
    ("missing both id columns", {"run_id": None, "model_id": None}, {},
     r"^runs\.csv: required column 'run_id' is missing .*--map yourcolumn=run_id"),
    ("empty model_id", {"model_id": ["pythia-70m", None, "pythia-410m"]}, {},
     r"^runs\.csv row 2, column 'model_id': value is empty"),
    ("text in tokens", {"tokens": ["3e11", "lots", "3e11"]}, {},
     r"^runs\.csv row 2, column 'tokens': value 'lots' is not a number"),
    ("unknown split", {"loss_split": ["val", "holdout", "val"]}, {},
     r"^runs\.csv row 2, column 'loss_split': value 'holdout' is not a known loss split; allowed: train, val, test"),
    ("unknown params kind", {"params_kind": ["active", "total", "total"]}, {},
     r"^runs\.csv row 1, column 'params_kind': value 'active' is not a known parameter kind"),
    ("bad date", {"release_date": ["2023-02-13", "soon", None]}, {},
     r"^runs\.csv row 2, column 'release_date': value 'soon' is not a date"),
    ("negative cost", {"cost_usd": [1.0, -5.0, 2.0]}, {},
     r"^runs\.csv row 2, column 'cost_usd': value -5\.0 is negative"),
    ("boolean N", {"params": [True, False, True]}, {},
     r"^runs\.csv row 1, column 'params': value True is a boolean"),
    ("bad compute_estimated", {"compute_estimated": ["yes", "maybe", None]}, {},
     r"^runs\.csv row 2, column 'compute_estimated': value 'maybe' is not true or false"),
    ("unit clash", {"loss_unit": ["bits", "nats", "nats"]}, {"units": {"loss": "bits"}},
     r"^runs\.csv row 2, column 'loss_unit': value 'nats' contradicts the declared units=\{'loss': 'bits'\}"),
    ("unknown unit", {}, {"units": {"params": "gigas"}},
     r"^units: params='gigas' is not a known unit; allowed for params: count, thousands"),
    ("unknown unit key", {}, {"units": {"flops": "count"}},
     r"^units: unknown key 'flops'; allowed keys: params, tokens"),
    ("bad score column", {"score:mmlu": [0.1, 0.2, 0.3]}, {},
     r"^runs\.csv: column 'score:mmlu' is not a score column"),
    ("score of unknown run", {}, {"scores": pd.DataFrame(
        {"run_id": ["p1b"], "benchmark": ["mmlu"], "metric": ["acc"], "value": [0.3]})},
     r"^runs\.csv \(scores\) row 1, column 'run_id': value 'p1b' is not a run in the runs table"),
    ("fractional shots", {}, {"scores": pd.DataFrame(
        {"run_id": ["p70m"], "benchmark": ["mmlu"], "metric": ["acc"], "shots": [2.5], "value": [0.3]})},
     r"^runs\.csv \(scores\) row 1, column 'shots': value 2\.5 is not a whole number"),
    ("duplicate score", {}, {"scores": pd.DataFrame(
        {"run_id": ["p70m", "p70m"], "benchmark": ["mmlu"] * 2, "metric": ["acc"] * 2, "value": [0.3, 0.4]})},
     r"^runs\.csv \(scores\) row 2: the score \('p70m', 'mmlu', 'acc', shots unknown\) appears twice"),
    ("duplicate curve step", {}, {"curves": pd.DataFrame({**_CURVES_OK, "step": [1, 1]})},
     r"^runs\.csv \(curves\) row 2, column 'step': run 'p70m' has step 1 twice"),
    ("negative curve loss", {}, {"curves": pd.DataFrame({**_CURVES_OK, "loss": [4.0, -1.0]})},
     r"^runs\.csv \(curves\) row 2, column 'loss': value -1\.0 is not positive"),
    ("curve missing step column", {}, {"curves": pd.DataFrame({"run_id": ["p70m"], "loss": [4.0]})},
     r"^runs\.csv \(curves\): required column 'step' is missing"),
]


@pytest.mark.parametrize(("overrides", "kwargs", "pattern"), [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_malformed_input_gives_a_one_line_error(overrides: dict, kwargs: dict, pattern: str) -> None:
    with pytest.raises(DataValidationError, match=pattern) as info:
        validate_runs(_runs(**overrides), source="runs.csv", **kwargs)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_further_problems_are_counted() -> None:
    with pytest.raises(DataValidationError, match=r"row 1, column 'params'.* \(2 more problems after this one\)$"):
        validate_runs(_runs(params=[-1.0, -2.0, -3.0]), source="runs.csv")


def test_large_input_is_validated_quickly() -> None:
    n = 200_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "run_id": [f"r{i}" for i in range(n)], "model_id": "m",
        "params": rng.uniform(1e7, 1e10, n), "tokens": rng.uniform(1e9, 1e12, n), "loss": rng.uniform(2, 4, n),
    })
    rs = validate_runs(df)  # vectorised: well under a second; a per-row loop would take tens
    assert len(rs) == n and rs.runs["compute_estimated"].all()
