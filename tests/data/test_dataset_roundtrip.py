"""Every public dataset round-trips through the run registry: import, read back, export, re-import."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest

from scalewatch import datasets
from scalewatch.data import Registry, RunSet, read_runs
from scalewatch.errors import DataWarning


def _assert_runset_equal(got: RunSet, want: RunSet) -> None:
    for part in ("runs", "scores", "curves"):
        pd.testing.assert_frame_equal(
            getattr(got, part).reset_index(drop=True), getattr(want, part).reset_index(drop=True), obj=part
        )


def _revalidation_warns(ds: datasets.Dataset) -> contextlib.AbstractContextManager[object]:
    """Re-reading an export validates again: the DataWarnings that load() kept as notes come back."""
    if any(n.startswith("validation: ") for n in ds.notes):
        return pytest.warns(DataWarning, match="differs from 6ND")
    return contextlib.nullcontext()


@pytest.mark.parametrize("name", datasets.names())
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_dataset_roundtrips_through_the_registry(name: str, fmt: str, tmp_path: Path) -> None:
    ds = datasets.load(name)
    with Registry(tmp_path / "registry.duckdb") as reg:
        summary = reg.import_runs(ds.runs, source=name)
        assert (summary.added, summary.unchanged) == (len(ds.runs.runs), 0)
        assert summary.scores_added == len(ds.runs.scores)
        _assert_runset_equal(reg.runs(source=name), ds.runs)

        for table, df in ds.tables.items():
            stored = reg.put_table(f"{name}/{table}", df, source=ds.source_url)
            assert stored.added == len(df)
            pd.testing.assert_frame_equal(reg.get_table(f"{name}/{table}"), df, obj=table)
        assert reg.tables() == sorted(f"{name}/{t}" for t in ds.tables)

        again = reg.import_runs(ds.runs, source=name)
        assert (again.added, again.unchanged, again.scores_added) == (0, len(ds.runs.runs), 0)

        files = reg.export(tmp_path / f"export.{fmt}", source=name)
    with _revalidation_warns(ds) if len(ds.runs.runs) else contextlib.nullcontext():
        exported = read_runs(files[0])
    _assert_runset_equal(exported, ds.runs)

    with Registry(tmp_path / "second.duckdb") as reg2:
        with _revalidation_warns(ds) if len(ds.runs.runs) else contextlib.nullcontext():
            reg2.import_runs(files[0])
        _assert_runset_equal(reg2.runs(), ds.runs)
