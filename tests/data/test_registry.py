"""The run registry: atomic, idempotent imports; queries; export; generic tables; a killed import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalewatch.data import ImportSummary, Registry, RunSet, default_registry_path, from_dataframe, read_runs
from scalewatch.errors import DataValidationError, RegistryError

BASE_CSV = """\
run_id,model_id,family,params,tokens,loss,tags
p70m,pythia-70m,Pythia,70426624,300000000000,3.18,"dedup,small"
p160m,pythia-160m,Pythia,162322944,300000000000,2.90,small
c400m,chinchilla-400m,Chinchilla,400000000,8000000000,3.05,
"""
BASE_SCORES = "run_id,benchmark,metric,shots,value\np70m,mmlu,acc,5,0.25\np160m,mmlu,acc,5,0.26\n"
BASE_CURVES = "run_id,step,tokens,loss\np70m,1000,2097152000,4.1\np70m,2000,4194304000,3.7\n"

_TABLES = ("runs", "scores", "curves", "imports", "stored_tables")


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every registry table, in a canonical order (NaN made comparable)."""
    with Registry(path, read_only=True) as reg:
        out = {}
        for table in _TABLES:
            frame = reg.query(f"SELECT * FROM {table}")
            rows = [tuple("<NA>" if pd.isna(v) else v for v in row) for row in frame.astype(object).itertuples(
                index=False)]
            out[table] = sorted(rows, key=repr)
        return out


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A runs file with side files for scores and curves."""
    (tmp_path / "base.csv").write_text(BASE_CSV)
    (tmp_path / "base.scores.csv").write_text(BASE_SCORES)
    (tmp_path / "base.curves.csv").write_text(BASE_CURVES)
    return tmp_path / "base.csv"


@pytest.fixture
def db(tmp_path: Path, base: Path) -> Path:
    """A registry already holding the base runs."""
    path = tmp_path / "registry.duckdb"
    with Registry(path) as reg:
        reg.import_runs(base)
        reg.put_table("demo", pd.DataFrame({"x": [1, 2]}), source="test")
    return path


# -- location --------------------------------------------------------------------------------


def test_default_path_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCALEWATCH_DB", str(tmp_path / "env.duckdb"))
    assert default_registry_path() == tmp_path / "env.duckdb"
    with Registry() as reg:
        assert reg.path == tmp_path / "env.duckdb"
    assert (tmp_path / "env.duckdb").is_file()


def test_default_path_without_environment_is_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("SCALEWATCH_DB")
    expected = Path(platformdirs.user_data_dir("scalewatch", appauthor=False)) / "registry.duckdb"
    assert default_registry_path() == expected


def test_folders_are_created(tmp_path: Path) -> None:
    with Registry(tmp_path / "a" / "b" / "r.duckdb") as reg:
        assert len(reg) == 0 and reg.tables() == []
    assert repr(reg).endswith("closed)")


def test_open_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_text("this is not a database")
    with pytest.raises(RegistryError, match=r"junk\.duckdb: cannot be opened as a DuckDB file"):
        Registry(junk)
    with pytest.raises(RegistryError, match=r"missing\.duckdb: no such file; import runs first"):
        Registry(tmp_path / "missing.duckdb", read_only=True)


def test_read_only_registry_refuses_writes(db: Path, base: Path) -> None:
    with Registry(db, read_only=True) as reg:
        assert len(reg) == 3
        with pytest.raises(RegistryError, match="opened read-only"):
            reg.import_runs(base)
        with pytest.raises(RegistryError, match="opened read-only"):
            reg.put_table("t", pd.DataFrame({"a": [1]}), source="x")


def test_closed_registry_says_so(db: Path) -> None:
    reg = Registry(db)
    reg.close()
    reg.close()  # idempotent
    with pytest.raises(RegistryError, match="is closed"):
        reg.runs()


# -- import ------------------------------------------------------------------------------------


def test_import_reports_what_it_added(tmp_path: Path, base: Path) -> None:
    (tmp_path / "extra.csv").write_text(BASE_CSV.replace("tags\n", "tags,notes\n", 1).replace(
        "dedup,small\"\n", "dedup,small\",x\n"))
    with Registry(tmp_path / "r.duckdb") as reg:
        summary = reg.import_runs(tmp_path / "extra.csv", scores=tmp_path / "base.scores.csv")
    assert summary == ImportSummary(source="extra.csv", added=3, unchanged=0, scores_added=2, curve_points_added=0,
                                    compute_estimated=3, ignored_columns=("notes",))
    assert "columns left out" in str(summary) and json.dumps(summary.to_dict())


def test_reimport_adds_nothing(db: Path, base: Path) -> None:
    before = snapshot(db)
    with Registry(db) as reg:
        again = reg.import_runs(base)
    assert (again.added, again.unchanged, again.scores_added, again.curve_points_added) == (0, 3, 0, 0)
    assert snapshot(db) == before  # not even an entry in the import log


def test_renamed_copy_is_recognised(db: Path, base: Path, tmp_path: Path) -> None:
    for name in ("copy.csv", "copy.scores.csv", "copy.curves.csv"):
        (tmp_path / name).write_text((tmp_path / name.replace("copy", "base")).read_text())
    before = snapshot(db)
    with Registry(db) as reg:
        assert reg.import_runs(tmp_path / "copy.csv").unchanged == 3
        assert (reg.runs()["source"] if False else reg.runs().runs["source"]).eq("base.csv").all()
    assert snapshot(db) == before


def test_formats_and_dataframe_are_recognised_as_the_same_runs(db: Path, tmp_path: Path) -> None:
    with Registry(db) as reg:
        stored = reg.runs()
        for fmt in ("csv", "parquet", "jsonl"):
            reg.export(tmp_path / f"out.{fmt}")
    before = snapshot(db)
    with Registry(db) as reg:
        for fmt in ("csv", "parquet", "jsonl"):
            assert reg.import_runs(tmp_path / f"out.{fmt}").added == 0
        assert reg.import_runs(stored).added == 0
        assert reg.import_runs(stored.runs, source="frame").added == 0
    assert snapshot(db) == before


def test_new_scores_for_stored_runs_are_added(db: Path, tmp_path: Path) -> None:
    (tmp_path / "more.csv").write_text(BASE_CSV)
    (tmp_path / "more.scores.csv").write_text(BASE_SCORES + "c400m,arc,acc,,0.3\n")
    with Registry(db) as reg:
        summary = reg.import_runs(tmp_path / "more.csv")
        assert (summary.added, summary.unchanged, summary.scores_added) == (0, 3, 1)
        assert len(reg.runs().scores) == 3
        assert reg.import_runs(tmp_path / "more.csv").scores_added == 0  # shots NA matches NA


def test_conflicting_run_names_both_and_changes_nothing(db: Path, tmp_path: Path) -> None:
    (tmp_path / "new.csv").write_text(BASE_CSV.replace("2.90", "2.95"))
    before = snapshot(db)
    with Registry(db) as reg, pytest.raises(
        DataValidationError,
        match=r"^new\.csv, run_id 'p160m', column 'loss': value 2\.95 here, but 2\.9 in the registry's run "
              r"'p160m' \(imported from 'base\.csv'\); give this run a new run_id, or remove",
    ):
        reg.import_runs(tmp_path / "new.csv")
    assert snapshot(db) == before


def test_a_failure_after_new_runs_writes_none_of_them(db: Path, tmp_path: Path) -> None:
    # two new runs, then a curve point that conflicts with the registry: nothing may land
    (tmp_path / "mix.csv").write_text(BASE_CSV + "n1,new-1,New,1e9,1e10,2.5,\nn2,new-2,New,2e9,1e10,2.4,\n")
    (tmp_path / "mix.curves.csv").write_text(BASE_CURVES.replace("3.7", "3.8"))
    before = snapshot(db)
    with Registry(db) as reg, pytest.raises(DataValidationError, match=r"curve of run 'p70m' at step 2000"):
        reg.import_runs(tmp_path / "mix.csv")
    assert snapshot(db) == before


def test_import_of_a_runset_and_type_errors(tmp_path: Path) -> None:
    rs = from_dataframe(pd.DataFrame({"run_id": ["a"], "model_id": ["m"], "params": [1e8], "tokens": [1e10]}))
    with Registry(tmp_path / "r.duckdb") as reg:
        assert reg.import_runs(rs).added == 1
        with pytest.raises(TypeError, match="already validated"):
            reg.import_runs(rs, units={"params": "billions"})
        # a RunSet built by hand is checked before anything is written
        bad = RunSet(runs=rs.runs.assign(run_id="b", params=-1.0))
        with pytest.raises(DataValidationError, match=r"^<RunSet> row 1, column 'params': value -1\.0 is not"):
            reg.import_runs(bad)
        assert len(reg) == 1
        with pytest.raises(TypeError, match="must be a RunSet, a DataFrame or a file path, got int"):
            reg.import_runs(3)  # type: ignore[arg-type]


# The acceptance test of issue 2: each malformed input gives a one-line error naming the
# problem (file, row, column, value), and the registry is exactly as before.
# (id, files to write {name: text}, the file to import, import_runs kwargs, regex)
_OK = BASE_CSV.splitlines()
_HEADER = _OK[0]


def _csv(*rows: str, header: str = _HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


MALFORMED_IMPORTS = [
    ("non-positive N", {"runs.csv": _csv("a,m,F,-3,3e11,3.1,")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'params': value -3\.0 is not positive; parameters N must be a raw count > 0"),
    ("zero D", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,", "b,m,F,7e7,0,3.1,")}, "runs.csv", {},
     r"^runs\.csv row 2, column 'tokens': value 0\.0 is not positive"),
    ("negative C", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,-1e20", header=_HEADER.replace("tags", "compute"))},
     "runs.csv", {}, r"^runs\.csv row 1, column 'compute': value -1e\+20 is not positive"),
    ("NaN", {"runs.csv": _csv("a,m,F,7e7,3e11,NaN,")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'loss': value 'NaN' is not a number; leave the cell empty"),
    ("inf", {"runs.csv": _csv("a,m,F,inf,3e11,3.1,")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'params': value inf is not finite"),
    ("implausible loss", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,", "b,m,F,7e7,3e11,1843.2,")}, "runs.csv", {},
     r"^runs\.csv row 2, column 'loss': value 1843\.2 .*implausibly large \(> 20 nats/token\)"),
    ("bits per byte", {"runs.csv": _csv("a,m,F,7e7,3e11,0.9,,bpb", header=_HEADER + ",loss_unit")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'loss_unit': value 'bpb' is not a loss unit; allowed: nats, bits"),
    # millions or billions: both give plausible tokens per parameter (28.6 and 15.4, or 1000x that), so ask
    ("params look like billions", {"runs.csv": _csv("a,m,F,0.07,2e9,3.1,", "b,m,F,1.3,2e10,2.9,")}, "runs.csv", {},
     r"^runs\.csv row 2, column 'params': value 1\.3 .*--units params=billions"),
    ("tokens with a suffix", {"runs.csv": _csv("a,m,F,7e7,300B,3.1,")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'tokens': value '300B' has a unit suffix; write the raw count 3e\+11"),
    ("duplicate run", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,", "b,m,F,7e7,3e11,3.0,", "a,m,F,7e7,3e11,3.1,")},
     "runs.csv", {}, r"^runs\.csv row 1 and row 3, column 'run_id': value 'a' appears twice.*identical: drop one"),
    ("identical rows without run ids", {"runs.csv": "params,tokens,loss\n7e7,3e11,3.1\n7e7,3e11,3.1\n"}, "runs.csv",
     {}, r"^runs\.csv row 1 and row 2: the rows are identical and the file has no run_id column"),
    ("empty model id", {"runs.csv": _csv("a,,F,7e7,3e11,3.1,")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'model_id': value is empty"),
    ("text in a number", {"runs.csv": _csv("a,m,F,7e7,three hundred B,3.1,")}, "runs.csv", {},
     r"^runs\.csv row 1, column 'tokens': value 'three hundred B' is not a number"),
    ("conflict with registry", {"runs.csv": _csv("p70m,pythia-70m,Pythia,70426624,300000000000,3.25,")},
     "runs.csv", {}, r"^runs\.csv, run_id 'p70m', column 'loss': value 3\.25 here, but 3\.18 in the registry's run"),
    ("score of an unknown run", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,"),
                                 "runs.scores.csv": "run_id,benchmark,metric,value\nzz,mmlu,acc,0.3\n"},
     "runs.csv", {}, r"^runs\.scores\.csv row 1, column 'run_id': value 'zz' is not a run in the runs table"),
    ("duplicate curve step", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,"),
                              "runs.curves.csv": "run_id,step,loss\na,10,5.0\na,10,4.0\n"},
     "runs.csv", {}, r"^runs\.curves\.csv row 2, column 'step': run 'a' has step 10 twice"),
    ("unknown mapping target", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,")}, "runs.csv",
     {"mapping": {"params": "parameters"}}, r"'params' -> 'parameters': 'parameters' is not a run field; allowed:"),
    ("mapped column absent", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,")}, "runs.csv",
     {"mapping": {"n_params": "params"}}, r"^runs\.csv: column 'n_params' named in the mapping .*not in the file"),
    ("unknown suffix", {"runs.tsv": _csv("a,m,F,7e7,3e11,3.1,")}, "runs.tsv", {},
     r"^runs\.tsv: unknown file type '\.tsv'; allowed: \.csv, \.parquet, \.pq, \.jsonl, \.ndjson"),
    ("ragged csv", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,,,")}, "runs.csv", {},
     r"^runs\.csv: not a valid CSV file: line 2 \(data row 1\) has 9 fields but the header has 7"),
    ("ragged csv later row", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,", "b,m,F,7e7,3e11,3.1,,,")}, "runs.csv", {},
     r"^runs\.csv: not a valid CSV file: .*Expected 7 fields in line 3, saw 9"),
    ("unknown unit", {"runs.csv": _csv("a,m,F,7,300,3.1,")}, "runs.csv", {"units": {"params": "B"}},
     r"^units: params='B' is not a known unit; allowed for params: count, thousands, millions, billions"),
    ("bad date", {"runs.csv": _csv("a,m,F,7e7,3e11,3.1,,13/13/2023", header=_HEADER + ",release_date")},
     "runs.csv", {}, r"^runs\.csv row 1, column 'release_date': value '13/13/2023' is not a date"),
    ("bad json line", {"runs.jsonl": '{"run_id": "a", "model_id": "m"}\n{"run_id": "b", "model_id": \n'},
     "runs.jsonl", {}, r"^runs\.jsonl line 2: not valid JSON"),
    ("empty file", {"runs.csv": ""}, "runs.csv", {}, r"^runs\.csv: the file is empty"),
]


@pytest.mark.parametrize(("files", "target", "kwargs", "pattern"), [m[1:] for m in MALFORMED_IMPORTS],
                         ids=[m[0] for m in MALFORMED_IMPORTS])
def test_malformed_import_is_refused_whole(db: Path, tmp_path: Path, files: dict[str, str], target: str,
                                           kwargs: dict, pattern: str) -> None:
    assert len(MALFORMED_IMPORTS) >= 15
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, text in files.items():
        (inputs / name).write_text(text)
    before = snapshot(db)
    with Registry(db) as reg, pytest.raises(DataValidationError, match=pattern) as info:
        reg.import_runs(inputs / target, **kwargs)
    assert "\n" not in str(info.value)
    assert snapshot(db) == before


@pytest.mark.slow
def test_killed_import_leaves_the_registry_as_it_was(db: Path, tmp_path: Path) -> None:
    """SIGKILL a real import while its transaction is open; reopening finds the registry unchanged."""
    n = 300_000  # > 2 DuckDB row groups (122,880 rows) before the pause, so uncommitted data reach the file
    rng = np.random.default_rng(0)
    big = tmp_path / "big.parquet"
    pd.DataFrame({
        "run_id": [f"r{i}" for i in range(n)], "model_id": "synthetic", "params": rng.uniform(1e7, 1e10, n),
        "tokens": rng.uniform(1e9, 1e12, n), "loss": rng.uniform(2.0, 4.0, n),
    }).to_parquet(big)
    before = snapshot(db)
    marker = tmp_path / "paused"
    env = {**os.environ, "_SCALEWATCH_TEST_PAUSE_IMPORT": str(marker)}
    code = "import sys; from scalewatch.data import Registry; Registry(sys.argv[1]).import_runs(sys.argv[2])"
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(big)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the import exited before pausing: {proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the import did not reach its pause point within 120 s")
            time.sleep(0.05)
        assert marker.read_text() == f"{n // 2} of {n} rows written\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(db) == before
    # and the registry still works: the same import, uninterrupted, lands whole
    with Registry(db) as reg:
        assert reg.import_runs(big).added == n
        assert len(reg) == n + 3


# -- reading -----------------------------------------------------------------------------------


def test_runs_filters(db: Path) -> None:
    with Registry(db) as reg:
        assert sorted(reg.runs(family="pythia").runs["run_id"]) == ["p160m", "p70m"]
        assert reg.runs(family=["PYTHIA", "chinchilla"]).runs.shape[0] == 3
        assert reg.runs(min_params=1e8, max_params=2e8).runs["run_id"].tolist() == ["p160m"]
        assert reg.runs(max_tokens=1e10).runs["run_id"].tolist() == ["c400m"]
        assert sorted(reg.runs(tag="small").runs["run_id"]) == ["p160m", "p70m"]
        assert reg.runs(tag="dedup").runs["run_id"].tolist() == ["p70m"]
        assert reg.runs(source="base.csv", family=None).runs.shape[0] == 3
        one = reg.runs(run_id="p70m")
        assert len(one.scores) == 1 and len(one.curves) == 2
        assert isinstance(one, RunSet)
        with pytest.raises(TypeError, match=r"unknown filter 'famly'; allowed: run_id, model_id, family"):
            reg.runs(famly="pythia")
        with pytest.raises(DataValidationError,
                           match=r"min_params=2000000000\.0, max_params=1000000000\.0\): the minimum exceeds"):
            reg.runs(min_params=2e9, max_params=1e9)


def test_runs_come_back_with_the_schema_dtypes(db: Path, base: Path) -> None:
    with Registry(db) as reg:
        stored = reg.runs()
    fresh = read_runs(base)
    pd.testing.assert_frame_equal(stored.runs, fresh.runs)
    pd.testing.assert_frame_equal(stored.scores, fresh.scores)
    pd.testing.assert_frame_equal(stored.curves, fresh.curves)


def test_query_is_read_only(db: Path) -> None:
    before = snapshot(db)
    with Registry(db) as reg:
        out = reg.query("SELECT run_id, params FROM runs WHERE params > ? ORDER BY params", [1e8])
        assert out["run_id"].tolist() == ["p160m", "c400m"]
        for sql in ("DELETE FROM runs", "DROP TABLE runs", "INSERT INTO runs (run_id, model_id) VALUES ('x', 'y')",
                    "SELECT 1; DELETE FROM runs", "CREATE TABLE t AS SELECT 1", "UPDATE runs SET loss = 0",
                    "ATTACH 'other.duckdb'"):
            with pytest.raises(RegistryError, match="takes exactly one read-only SELECT statement"):
                reg.query(sql)
        with pytest.raises(RegistryError, match=r"^query: .*nope"):
            reg.query("SELECT * FROM nope")
    assert snapshot(db) == before


def test_remove_runs(db: Path) -> None:
    with Registry(db) as reg:
        with pytest.raises(DataValidationError, match="run_id 'zz' is not in the registry"):
            reg.remove_runs(["p70m", "zz"])
        assert len(reg) == 3
        assert reg.remove_runs("p70m") == 1
        assert len(reg) == 2 and len(reg.runs().curves) == 0 and len(reg.runs().scores) == 1


def test_history_logs_imports_that_added_something(db: Path, base: Path) -> None:
    with Registry(db) as reg:
        reg.import_runs(base)
        log = reg.history()
    assert log["source"].tolist() == ["base.csv"] and log["runs_added"].tolist() == [3]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_then_import_into_a_new_registry(db: Path, tmp_path: Path, fmt: str) -> None:
    with Registry(db) as reg:
        files = reg.export(tmp_path / f"all.{fmt}")
        original = reg.runs()
    with Registry(tmp_path / "copy.duckdb") as copy:
        copy.import_runs(files[0])
        again = copy.runs()
    pd.testing.assert_frame_equal(again.runs, original.runs)
    pd.testing.assert_frame_equal(again.scores, original.scores)
    pd.testing.assert_frame_equal(again.curves, original.curves)


def test_export_with_filters(db: Path, tmp_path: Path) -> None:
    with Registry(db) as reg:
        reg.export(tmp_path / "pythia.csv", family="pythia")
    assert len(read_runs(tmp_path / "pythia.csv")) == 2


# -- generic tables ------------------------------------------------------------------------------


def _mixed_frame() -> pd.DataFrame:
    frame = pd.DataFrame({
        "int": np.array([1, 2, 3], dtype="int64"),
        "int32": np.array([1, 2, 3], dtype="int32"),
        "float": [1.5, np.nan, -2.0],
        "bool": [True, False, True],
        "str": pd.Series(["a", None, "c"], dtype="str"),
        "string": pd.Series(["a", None, "c"], dtype="string"),
        "object": pd.Series(["x", "y", None], dtype=object),
        "Int64": pd.array([1, None, 3], dtype="Int64"),
        "boolean": pd.array([True, None, False], dtype="boolean"),
        "cat": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
        "cat_int": pd.Categorical([3, 1, 3]),
        "date": pd.to_datetime(["2020-01-01", None, "2021-06-30 12:00"], format="ISO8601"),
        "big_int": pd.Series([10**25, 3, None], dtype=object),  # FLOP counts beyond int64
        "mixed": pd.Series([1, "a", float("nan")], dtype=object),
        "date_s": pd.to_datetime(["2020-01-01", "2020-01-02", None]).astype("datetime64[s]"),
        "tz": pd.to_datetime(["2020-01-01 10:00", None, "2020-07-01 10:00"]).tz_localize("Europe/Berlin"),
        "delta": pd.to_timedelta(["1 day", None, "3 ns"]),
        "nested": [[1, 2], {"a": 1}, None],
        "object_nan": pd.Series(["x", float("nan"), None], dtype=object),
    })
    # set afterwards: a Series in the dict would be aligned on a given index (and come out all NaN)
    frame.index = pd.Index(["r1", "r2", "r3"], name="key")
    return frame


def test_put_and_get_table_round_trip(tmp_path: Path) -> None:
    df = _mixed_frame()
    with Registry(tmp_path / "r.duckdb") as reg:
        assert reg.put_table("mixed", df, source="test") == ImportSummary(source="mixed", added=3, unchanged=0)
        pd.testing.assert_frame_equal(reg.get_table("mixed"), df)
    with Registry(tmp_path / "r.duckdb", read_only=True) as reg:  # and after reopening
        pd.testing.assert_frame_equal(reg.get_table("mixed"), df)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype=object)}),
    pd.DataFrame({"x": [1.0, 2.0]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["k", None])),
    pd.DataFrame({"x": [1, 2]}, index=pd.RangeIndex(5, 7)),
    pd.DataFrame({"x": [1, 2]}, index=pd.Index([0, 1], name="row")),
], ids=["empty", "multiindex", "shifted range", "named index"])
def test_table_round_trip_edge_cases(tmp_path: Path, frame: pd.DataFrame) -> None:
    with Registry(tmp_path / "r.duckdb") as reg:
        reg.put_table("t", frame, source="test")
        pd.testing.assert_frame_equal(reg.get_table("t"), frame)


def test_put_table_is_idempotent_and_refuses_silent_changes(db: Path) -> None:
    before = snapshot(db)
    with Registry(db) as reg:
        assert reg.put_table("demo", pd.DataFrame({"x": [1, 2]}), source="again") == ImportSummary(
            source="demo", added=0, unchanged=2)
    assert snapshot(db) == before
    with Registry(db) as reg:
        with pytest.raises(DataValidationError, match=r"put_table\('demo'\): a different table of that name is "
                                                      r"stored \(from 'test', 2 rows\); pass replace=True"):
            reg.put_table("demo", pd.DataFrame({"x": [1, 3]}), source="new")
        with pytest.raises(DataValidationError, match="a different table"):  # dtype is content too
            reg.put_table("demo", pd.DataFrame({"x": [1.0, 2.0]}), source="new")
    assert snapshot(db) == before
    with Registry(db) as reg:
        assert reg.put_table("demo", pd.DataFrame({"x": [1, 3]}), source="new", replace=True).added == 2
        assert reg.get_table("demo")["x"].tolist() == [1, 3]
        assert reg.tables() == ["demo"]
        reg.drop_table("demo")
        assert reg.tables() == []


def test_put_table_errors_change_nothing(db: Path) -> None:
    before = snapshot(db)
    with Registry(db) as reg:
        with pytest.raises(DataValidationError, match=r"put_table\(name='bad name'\): use letters, digits"):
            reg.put_table("bad name", pd.DataFrame({"x": [1]}), source="s")
        with pytest.raises(DataValidationError, match=r"column 'm': holds Python objects of type bytes, tuple"):
            reg.put_table("t", pd.DataFrame({"m": [b"x", (1, 2), "a"]}, dtype=object), source="s")
        with pytest.raises(DataValidationError, match=r"column 0 is not a string"):
            reg.put_table("t", pd.DataFrame([[1, 2]]), source="s")
        with pytest.raises(DataValidationError, match=r"get_table\('nope'\): no such table; stored tables: 'demo'"):
            reg.get_table("nope")
        with pytest.raises(TypeError, match="must be a pandas DataFrame"):
            reg.put_table("t", [1, 2], source="s")  # type: ignore[arg-type]
    assert snapshot(db) == before


@pytest.mark.slow
def test_every_csv_of_the_mirror_round_trips(mirror: Path, tmp_path: Path) -> None:
    files = sorted(mirror.rglob("*.csv"))
    assert files, f"no CSV files under {mirror}"
    with Registry(tmp_path / "r.duckdb") as reg:
        for k, path in enumerate(files):
            df = pd.read_csv(path)
            name = f"mirror/{k}"
            reg.put_table(name, df, source=str(path.relative_to(mirror)))
            pd.testing.assert_frame_equal(reg.get_table(name), df, obj=str(path))
            assert reg.put_table(name, df, source="again").added == 0


def test_runset_of_small_models_imports_without_unit_questions(tmp_path):
    """A validated RunSet holds raw counts: re-checking it must not refuse 1e4-parameter runs as 'millions?'."""
    import pandas as pd

    from scalewatch.data import Registry
    from scalewatch.data._validate import validate_runs

    frame = pd.DataFrame({"run_id": ["a", "b"], "params": [12_768.0, 28_368.0], "tokens": [3e6, 3e6], "loss": [1.8, 1.7]})
    runset = validate_runs(frame, units={"params": "count", "tokens": "count"})
    with Registry(tmp_path / "r.duckdb") as reg:
        summary = reg.import_runs(runset)
        assert summary.added == 2
        assert sorted(reg.runs().runs["params"]) == [12_768.0, 28_368.0]
