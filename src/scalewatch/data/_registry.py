"""The run registry: runs, scores, loss curves and dataset tables in one embedded DuckDB file.

The file lives at ``$SCALEWATCH_DB`` or, by default, ``registry.duckdb`` in the
user data directory (``platformdirs.user_data_dir("scalewatch")``).

Every write is one DuckDB transaction, so an import either lands whole or not
at all, even if the process is killed half-way (DuckDB appends a transaction to
its write-ahead log only at commit). Writes are idempotent: rows already stored
with the same content (for runs: every column but ``source``, which keeps the
first import's value) are recognised and skipped; a row whose key (run id;
run, benchmark, metric and shots; run and step) is stored with different
content is refused, naming both.

Tables: ``runs``, ``scores`` and ``curves`` with the columns of the run schema;
``imports`` (one row per import that added something); ``stored_tables`` (the
index of generic tables, each kept in a table named ``"table:<name>"``);
``registry_meta`` (schema version).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from scalewatch.data._schema import CURVE_COLUMNS, RUN_COLUMNS, SCORE_COLUMNS, ColumnSpec, RunSet
from scalewatch.data._validate import _isin, validate_runs
from scalewatch.errors import DataValidationError, DataWarning, RegistryError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["Registry", "ImportSummary", "default_registry_path", "ENV_DB", "RUN_FILTERS", "DEFAULT_WAIT"]

ENV_DB: Final[str] = "SCALEWATCH_DB"
#: seconds a Registry waits for another process to let go of the file
DEFAULT_WAIT: Final[float] = 10.0
SCHEMA_VERSION: Final[int] = 1
# Test-only hook: when set to a file path, an import creates that file after
# writing half of its runs (inside the open transaction) and then sleeps, so a
# test can kill the process at a known point. Never set it in real use.
_PAUSE_ENV: Final[str] = "_SCALEWATCH_TEST_PAUSE_IMPORT"
_PAUSE_SECONDS: Final[float] = 600.0

_DUCK_TYPES: Final[Mapping[str, str]] = {
    "string": "VARCHAR",
    "float64": "DOUBLE",
    "boolean": "BOOLEAN",
    "Int64": "BIGINT",
    "datetime64[ns]": "TIMESTAMP_NS",
}
# Python types an object column may hold to be stored as JSON (exactly: tuples would come back as lists).
_JSON_TYPES: Final[frozenset[type]] = frozenset({str, int, float, bool, list, dict})
_TABLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,127}$")
_SCORE_KEY: Final[tuple[str, ...]] = ("run_id", "benchmark", "metric", "shots")
_CURVE_KEY: Final[tuple[str, ...]] = ("run_id", "step")

# filter name -> (column, kind)
RUN_FILTERS: Final[Mapping[str, tuple[str, str]]] = {
    "run_id": ("run_id", "exact"),
    "model_id": ("model_id", "exact"),
    "family": ("family", "nocase"),
    "source": ("source", "exact"),
    "params_kind": ("params_kind", "nocase"),
    "loss_split": ("loss_split", "nocase"),
    "tag": ("tags", "tag"),
    "min_params": ("params", ">="),
    "max_params": ("params", "<="),
    "min_tokens": ("tokens", ">="),
    "max_tokens": ("tokens", "<="),
    "min_compute": ("compute", ">="),
    "max_compute": ("compute", "<="),
    "min_loss": ("loss", ">="),
    "max_loss": ("loss", "<="),
}


def default_registry_path() -> Path:
    """The registry file: ``$SCALEWATCH_DB``, else ``<user data dir>/scalewatch/registry.duckdb``."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("scalewatch", appauthor=False)) / "registry.duckdb"


@dataclass(frozen=True)
class ImportSummary:
    """What one import (or :meth:`Registry.put_table`) changed.

    Attributes
    ----------
    source : str
        The file name, ``"<DataFrame>"``, an MLflow store or a table name.
    added : int
        Runs (or table rows) written.
    unchanged : int
        Runs (or table rows) already stored with identical content, skipped.
    scores_added, curve_points_added : int
        Score rows and loss-curve points written.
    compute_estimated : int
        Added runs whose compute was filled in as 6 N D.
    ignored_columns : tuple of str
        Input columns that match no field and were not mapped (left out),
        with the field each probably means: ``"parms (did you mean params?)"``.
    derived_ids : int
        Runs whose ``run_id`` was derived from the row's content (the file
        had none): re-importing the file finds them ``unchanged``.
    notes : tuple of str
        What the import read the user's way: aliased columns (``val_loss`` as
        ``loss``), units read from column names or magnitudes.
    """

    source: str
    added: int
    unchanged: int
    scores_added: int = 0
    curve_points_added: int = 0
    compute_estimated: int = 0
    ignored_columns: tuple[str, ...] = ()
    derived_ids: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe types; ``derived_ids`` and ``notes`` only where the import had any."""
        out = asdict(self)
        out["ignored_columns"] = list(self.ignored_columns)
        out["notes"] = list(self.notes)
        for key in ("derived_ids", "notes"):
            if not out[key]:
                del out[key]
        return out

    def __str__(self) -> str:
        parts = [f"{self.source}: {self.added} added, {self.unchanged} unchanged"]
        if self.derived_ids:
            parts.append(f"run ids derived from the row content for {self.derived_ids} runs "
                         f"({self.unchanged} already present)")
        if self.scores_added or self.curve_points_added:
            parts.append(f"{self.scores_added} scores and {self.curve_points_added} curve points added")
        if self.compute_estimated:
            parts.append(f"compute estimated as 6ND for {self.compute_estimated} runs")
        if self.ignored_columns:
            parts.append(f"columns left out (not run fields; use --map to keep one): "
                         f"{', '.join(self.ignored_columns)}")
        parts += self.notes
        return "; ".join(parts)


def _ddl(table: str, columns: Sequence[ColumnSpec], primary_key: Sequence[str] = ()) -> str:
    cols = [f"{c.name} {_DUCK_TYPES[c.dtype]}{' NOT NULL' if c.required else ''}" for c in columns]
    if primary_key:
        cols.append(f"PRIMARY KEY ({', '.join(primary_key)})")
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)})"


_SCHEMA_SQL: Final[tuple[str, ...]] = (
    "CREATE TABLE IF NOT EXISTS registry_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    _ddl("runs", RUN_COLUMNS, ("run_id",)),
    _ddl("scores", SCORE_COLUMNS),
    _ddl("curves", CURVE_COLUMNS, _CURVE_KEY),
    "CREATE TABLE IF NOT EXISTS imports (import_id BIGINT, source VARCHAR, imported_at TIMESTAMP, "
    "runs_added BIGINT, scores_added BIGINT, curve_points_added BIGINT, scalewatch_version VARCHAR)",
    "CREATE TABLE IF NOT EXISTS stored_tables (name VARCHAR PRIMARY KEY, source VARCHAR, rows BIGINT, "
    "sha256 VARCHAR, schema_json VARCHAR, stored_at TIMESTAMP)",
)


def _canonical(frame: pd.DataFrame, columns: Sequence[ColumnSpec]) -> pd.DataFrame:
    """DuckDB's output in the schema's pandas dtypes."""
    out = {}
    for c in columns:
        s = frame[c.name]
        if c.dtype == "string":
            s = s.astype(object).where(s.notna(), None).astype("string")
        elif c.dtype == "boolean":
            s = s.astype(object).where(s.notna(), None).astype("boolean")
        elif c.dtype == "Int64":
            s = s.astype("Int64")
        else:
            s = s.astype(c.dtype)
        out[c.name] = s
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where NA equals NA."""
    a_na = a.isna().to_numpy(dtype=bool)
    b_na = b.isna().to_numpy(dtype=bool)
    # NA would make == ambiguous: blank both sides' NAs out before comparing
    left = np.where(a_na, None, a.astype(object).to_numpy())
    right = np.where(b_na, None, b.astype(object).to_numpy())
    eq = np.asarray(left == right, dtype=bool) & ~(a_na | b_na)
    return eq | (a_na & b_na)


def _show(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return repr(str(value)) if isinstance(value, str) else str(value)


def _first_conflict(old: pd.DataFrame, new: pd.DataFrame, key: Sequence[str],
                    columns: Sequence[str]) -> tuple[int, int, str] | None:
    """(row in old, row in new, column) of the first keyed row whose content differs."""
    if old.empty or new.empty:
        return None
    lk = old[list(key)].astype(object).where(old[list(key)].notna(), "\0na")
    rk = new[list(key)].astype(object).where(new[list(key)].notna(), "\0na")
    left = lk.assign(_old=np.arange(len(old)))
    right = rk.assign(_new=np.arange(len(new)))
    pairs = left.merge(right, on=list(key), how="inner")
    if pairs.empty:
        return None
    o = old.iloc[pairs["_old"].to_numpy()].reset_index(drop=True)
    n = new.iloc[pairs["_new"].to_numpy()].reset_index(drop=True)
    for col in columns:
        same = _same(o[col], n[col])
        if not same.all():
            k = int(np.flatnonzero(~same)[0])
            return int(pairs["_old"].iloc[k]), int(pairs["_new"].iloc[k]), col
    return None


def _new_rows(stored_keys: pd.DataFrame, new: pd.DataFrame, key: Sequence[str]) -> np.ndarray:
    """Mask of ``new`` rows whose key is not among ``stored_keys``."""
    if stored_keys.empty or new.empty:
        return np.ones(len(new), dtype=bool)
    lk = stored_keys[list(key)].astype(object).where(stored_keys[list(key)].notna(), "\0na").drop_duplicates()
    rk = new[list(key)].astype(object).where(new[list(key)].notna(), "\0na")
    merged = rk.merge(lk.assign(_hit=True), on=list(key), how="left")
    return merged["_hit"].isna().to_numpy()


class Registry:
    """Runs and dataset tables in an embedded DuckDB file.

    Parameters
    ----------
    path : str or path-like, optional
        The registry file; default :func:`default_registry_path`
        (``$SCALEWATCH_DB`` or the user data directory). Created on first
        use, with its folder.
    read_only : bool, default False
        Open without write access (several readers may share the file; a
        writer holds it alone). A read-only registry must already exist.
    wait : float, default 10
        Seconds to wait for another process that holds the file (an import
        in progress) to let go of it, retrying every 0.1-0.5 s; 0 fails at once.
    on_wait : callable(str), optional
        Called with a progress message when the file is busy, then about every
        two seconds while waiting (the CLI prints it on stderr).

    Raises
    ------
    RegistryError
        If the file cannot be opened: not a DuckDB file, still held by another
        process after ``wait`` seconds, a newer schema, or (read-only) not there.

    Examples
    --------
    >>> from scalewatch.data import Registry
    >>> with Registry("runs.duckdb") as reg:  # doctest: +SKIP
    ...     print(reg.import_runs("runs.csv"))
    ...     small = reg.runs(family="pythia", max_params=1e9)
    runs.csv: 8 added, 0 unchanged
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
                 wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None) -> None:
        import duckdb

        self._con: duckdb.DuckDBPyConnection | None = None
        self.path = Path(path).expanduser() if path is not None else default_registry_path()
        self.read_only = read_only
        if read_only and not self.path.is_file():
            raise RegistryError(
                f"registry {self.path}: no such file; import runs first (scalewatch runs import FILE --db PATH)"
            )
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegistryError(f"registry {self.path}: cannot create its folder: {exc.strerror}") from None
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not wait >= 0:
            raise ValueError(f"Registry(wait={wait!r}): give the seconds to wait for a busy registry, a number >= 0 "
                             "(0 fails at once)")
        self._con = self._connect(read_only, float(wait), on_wait)
        try:
            self._ensure_schema()
        except BaseException:
            self.close()
            raise

    # -- connection ----------------------------------------------------------------------

    def _connect(self, read_only: bool, wait: float, on_wait: Callable[[str], None] | None) -> Any:
        """Open the DuckDB file, waiting up to ``wait`` seconds while another process holds its lock.

        DuckDB lets one process write a database file (or several read it) and
        refuses the others at once; an import holds the file for its duration.
        """
        import duckdb

        start = time.monotonic()
        pause = 0.1
        last_said = -math.inf
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                text = " ".join(str(exc).split())
                if "different configuration" in text:
                    raise RegistryError(
                        f"registry {self.path}: already open in this process with read_only={not read_only}; close "
                        "that Registry first, or open this one the same way"
                    ) from None
                if "lock" not in text.lower():
                    raise RegistryError(
                        f"registry {self.path}: cannot be opened as a DuckDB file ({text[:200]})"
                    ) from None
                waited = time.monotonic() - start
                if waited >= wait:
                    raise RegistryError(
                        f"registry {self.path}: still in use by another process after waiting {wait:g} s (an import "
                        "or a command that writes holds it); let it finish and try again, or wait longer "
                        f"(wait=SECONDS, CLI: --wait SECONDS) ({text[:160]})"
                    ) from None
                if on_wait is not None and waited - last_said >= 2.0:
                    on_wait(f"registry {self.path} is in use by another process; waiting for it "
                            f"({waited:.0f} s of at most {wait:g} s)")
                    last_said = waited
                time.sleep(min(pause, max(0.0, wait - waited)))
                pause = min(0.5, pause * 1.5)

    @property
    def _c(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise RegistryError(f"registry {self.path}: is closed")
        return self._con

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._con is None:
            return f"Registry({str(self.path)!r}, closed)"
        return f"Registry({str(self.path)!r}, {len(self)} runs, {len(self.tables())} tables)"

    def __len__(self) -> int:
        return int(self._c.execute("SELECT count(*) FROM runs").fetchone()[0])  # type: ignore[index]

    def _ensure_schema(self) -> None:
        import duckdb

        con = self._c
        try:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'registry_meta'"
            ).fetchone()[0]  # type: ignore[index]
            if not exists:
                if self.read_only:
                    raise RegistryError(f"registry {self.path}: not a scalewatch registry (no registry_meta table)")
                con.begin()
                for sql in _SCHEMA_SQL:
                    con.execute(sql)
                con.execute("INSERT INTO registry_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                con.commit()
            row = con.execute("SELECT value FROM registry_meta WHERE key = 'schema_version'").fetchone()
        except duckdb.Error as exc:
            raise RegistryError(f"registry {self.path}: cannot set up its tables ({exc})") from None
        version = int(row[0]) if row else 0
        if version != SCHEMA_VERSION:
            raise RegistryError(
                f"registry {self.path}: schema version {version}, this scalewatch reads version {SCHEMA_VERSION}; "
                "upgrade scalewatch or point --db at another file"
            )

    def _write(self) -> None:
        if self.read_only:
            raise RegistryError(f"registry {self.path}: opened read-only; open it with read_only=False to write")

    # -- runs ------------------------------------------------------------------------------

    def import_runs(
        self,
        data: RunSet | pd.DataFrame | str | os.PathLike[str],
        *,
        mapping: Mapping[str, str] | None = None,
        units: Mapping[str, str] | None = None,
        scores: str | os.PathLike[str] | pd.DataFrame | None = None,
        curves: str | os.PathLike[str] | pd.DataFrame | None = None,
        format: str | None = None,
        source: str | None = None,
    ) -> ImportSummary:
        """Add runs, their scores and loss curves, all or nothing.

        Parameters
        ----------
        data : RunSet, pandas.DataFrame, str or path-like
            A RunSet (checked again, since its constructor does not validate;
            its DataWarnings are not repeated), a DataFrame of runs, or a CSV,
            Parquet or JSON-lines file (see :func:`~scalewatch.data.read_runs`).
        mapping : mapping of str to str, optional
            Column name -> run field, for a DataFrame or file.
        units : mapping of str to str, optional
            Units of the input columns (see :func:`~scalewatch.data.validate_runs`).
        scores, curves : path or DataFrame, optional
            Long-form side tables (for a file, default: its side files).
        format : {"csv", "parquet", "jsonl"}, optional
            File format, overriding the suffix.
        source : str, optional
            Name in messages and the summary; default the file name or
            ``"<DataFrame>"`` (a RunSet keeps its own ``source`` column).

        Returns
        -------
        ImportSummary
            Runs added and unchanged, scores and curve points added, runs with
            estimated compute, and input columns left out.

        Raises
        ------
        DataValidationError
            If the input is invalid, or a run (score, curve point) with the
            same key is stored with different content; nothing is written.
        RegistryError
            If the registry is read-only or DuckDB fails; nothing is written.
        """
        from scalewatch.data import _importers

        self._write()
        info = _importers._ImportInfo([])
        if isinstance(data, RunSet):
            if mapping is not None or units is not None or scores is not None or curves is not None:
                raise TypeError("import_runs(RunSet): mapping, units, scores and curves apply to raw input only; "
                                "the RunSet is already validated")
            label = source or "<RunSet>"
            # RunSet() does not validate: check again (errors only; its warnings were given when it was built)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                # a RunSet holds raw counts, FLOP and nats by construction: declare them, so that small
                # models (e.g. a laptop sweep's 1e4-parameter runs) are not refused as "millions?"
                runset = validate_runs(data.runs, data.scores, data.curves, source=label,
                                       units={"params": "count", "tokens": "count", "unique_tokens": "count",
                                              "compute": "flop"})
        elif isinstance(data, pd.DataFrame):
            for name, side in (("scores", scores), ("curves", curves)):
                if side is not None and not isinstance(side, pd.DataFrame):
                    raise TypeError(f"import_runs(DataFrame, {name}=...) must be a DataFrame too")
            label = source or "<DataFrame>"
            runset, info = _importers._from_dataframe(
                data, mapping=mapping, units=units, scores=scores,  # type: ignore[arg-type]
                curves=curves, source=label, stacklevel=3,  # type: ignore[arg-type]
            )
        elif isinstance(data, (str, os.PathLike)):
            for name, side in (("scores", scores), ("curves", curves)):
                if isinstance(side, pd.DataFrame):
                    raise TypeError(f"import_runs(path, {name}=...) must be a path too")
            runset, info = _importers._load_runs(
                data, mapping=mapping, units=units, scores=scores, curves=curves,  # type: ignore[arg-type]
                format=format, stacklevel=3,
            )
            label = source or Path(data).name
        else:
            raise TypeError(
                f"import_runs(data=...) must be a RunSet, a DataFrame or a file path, got {type(data).__name__}"
            )
        return self._import(runset, label, info)

    def import_mlflow(
        self,
        tracking_uri: str | os.PathLike[str],
        *,
        experiment: str | None = None,
        mapping: Mapping[str, str] | None = None,
        units: Mapping[str, str] | None = None,
        include_unfinished: bool = False,
    ) -> ImportSummary:
        """Add the runs of a local MLflow store, all or nothing (see :func:`~scalewatch.data.from_mlflow`).

        Returns
        -------
        ImportSummary
            ``source`` is ``"MLflow <tracking uri>"``; ``ignored_columns`` lists
            the params, metrics and tags that match no field and were not mapped.
        """
        from scalewatch.data import _importers

        self._write()
        runset, info = _importers._from_mlflow(tracking_uri, experiment=experiment, mapping=mapping, units=units,
                                               include_unfinished=include_unfinished, stacklevel=3)
        return self._import(runset, f"MLflow {_importers._tracking_uri(tracking_uri)}", info)

    def _import(self, runset: RunSet, label: str, info: Any) -> ImportSummary:
        import duckdb

        from scalewatch._version import __version__

        con = self._c
        new_runs, new_scores, new_curves = runset.runs, runset.scores, runset.curves
        try:
            con.begin()
        except duckdb.Error as exc:
            raise RegistryError(f"registry {self.path}: cannot start a transaction ({exc})") from None
        try:
            con.register("_sw_ids", pd.DataFrame({"run_id": new_runs["run_id"].astype(object)}))
            old_runs = _canonical(
                con.execute(
                    f"SELECT {_cols(RUN_COLUMNS)} FROM runs WHERE run_id IN (SELECT run_id FROM _sw_ids)"
                ).df(),
                RUN_COLUMNS,
            )
            # `source` is provenance, not content: the same runs from a renamed copy of a
            # file are recognised as unchanged (the first import's source is kept).
            value_cols = [c.name for c in RUN_COLUMNS if c.name not in ("run_id", "source")]
            hit = _first_conflict(old_runs, new_runs, ("run_id",), value_cols)
            if hit is not None:
                i, j, col = hit
                rid = new_runs["run_id"].iloc[j]
                raise DataValidationError(
                    f"{label}, run_id {rid!r}, column '{col}': value {_show(new_runs[col].iloc[j])} here, but "
                    f"{_show(old_runs[col].iloc[i])} in the registry's run {rid!r} (imported from "
                    f"{old_runs['source'].iloc[i]!r}); give this run a new run_id, or remove the stored one first "
                    f"(scalewatch runs remove {rid})"
                )
            add_runs = new_runs[~_isin(new_runs["run_id"], old_runs["run_id"])]

            old_scores = _canonical(
                con.execute(
                    f"SELECT {_cols(SCORE_COLUMNS)} FROM scores WHERE run_id IN (SELECT run_id FROM _sw_ids)"
                ).df(),
                SCORE_COLUMNS,
            )
            hit = _first_conflict(old_scores, new_scores, _SCORE_KEY, ("value",))
            if hit is not None:
                i, j, _ = hit
                r = new_scores.iloc[j]
                raise DataValidationError(
                    f"{label}, score ({r['run_id']!r}, {r['benchmark']!r}, {r['metric']!r}, shots "
                    f"{_show(r['shots'])}), column 'value': value {_show(r['value'])} differs from the registry's "
                    f"{_show(old_scores['value'].iloc[i])}; fix the score or remove the stored run first"
                )
            add_scores = new_scores[_new_rows(old_scores, new_scores, _SCORE_KEY)]

            old_curves = _canonical(
                con.execute(
                    f"SELECT {_cols(CURVE_COLUMNS)} FROM curves WHERE run_id IN (SELECT run_id FROM _sw_ids)"
                ).df(),
                CURVE_COLUMNS,
            )
            hit = _first_conflict(old_curves, new_curves, _CURVE_KEY, ("tokens", "loss"))
            if hit is not None:
                i, j, col = hit
                r = new_curves.iloc[j]
                raise DataValidationError(
                    f"{label}, curve of run {r['run_id']!r} at step {int(r['step'])}, column '{col}': value "
                    f"{_show(r[col])} differs from the registry's {_show(old_curves[col].iloc[i])}; fix the "
                    "curve or remove the stored run first"
                )
            add_curves = new_curves[_new_rows(old_curves, new_curves, _CURVE_KEY)]
            con.unregister("_sw_ids")

            self._insert("runs", add_runs, RUN_COLUMNS, pause=True)
            self._insert("scores", add_scores, SCORE_COLUMNS)
            self._insert("curves", add_curves, CURVE_COLUMNS)
            if len(add_runs) or len(add_scores) or len(add_curves):
                con.execute(
                    "INSERT INTO imports SELECT coalesce(max(import_id), 0) + 1, ?, ?, ?, ?, ?, ? FROM imports",
                    [label, _now(), len(add_runs), len(add_scores), len(add_curves), __version__],
                )
            con.commit()
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # the transaction may already be gone
                con.rollback()
            if isinstance(exc, duckdb.Error):
                raise RegistryError(f"registry {self.path}: import of {label} failed, nothing written "
                                    f"({' '.join(str(exc).split())[:300]})") from None
            raise
        return ImportSummary(
            source=label,
            added=len(add_runs),
            unchanged=len(new_runs) - len(add_runs),
            scores_added=len(add_scores),
            curve_points_added=len(add_curves),
            compute_estimated=int(add_runs["compute_estimated"].fillna(False).astype(bool).sum()),
            ignored_columns=tuple(info.ignored),
            derived_ids=info.derived_ids,
            notes=tuple(info.notes),
        )

    def _insert(self, table: str, frame: pd.DataFrame, columns: Sequence[ColumnSpec], *, pause: bool = False) -> None:
        if frame.empty:
            return
        names = _cols(columns)
        marker = os.environ.get(_PAUSE_ENV) if pause else None
        # one statement normally; two halves when a test wants to kill us in between
        cuts = [0, len(frame) // 2, len(frame)] if marker and len(frame) > 1 else [0, len(frame)]
        for k, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
            self._c.register("_sw_chunk", frame.iloc[lo:hi])
            self._c.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _sw_chunk")
            self._c.unregister("_sw_chunk")
            if marker and k == 0:
                Path(marker).write_text(f"{hi} of {len(frame)} rows written\n")
                time.sleep(_PAUSE_SECONDS)

    def runs(self, **filters: Any) -> RunSet:
        """The stored runs that match every filter, with their scores and curves.

        Parameters
        ----------
        **filters
            ``run_id``, ``model_id``, ``source`` (exact), ``family``,
            ``params_kind``, ``loss_split`` (case-insensitive): a string or a
            list of strings (any of them). ``tag``: runs whose comma-separated
            ``tags`` contain it. ``min_params``, ``max_params``, ``min_tokens``,
            ``max_tokens``, ``min_compute``, ``max_compute``, ``min_loss``,
            ``max_loss``: inclusive bounds (raw counts, FLOP, nats); runs
            without the value do not match. ``None`` means no filter.

        Returns
        -------
        RunSet
            In import order.

        Raises
        ------
        TypeError
            For an unknown filter name.
        DataValidationError
            If a lower bound exceeds its upper bound.
        """
        where, params = _where(filters)
        runs = _canonical(
            self._c.execute(f"SELECT {_cols(RUN_COLUMNS)} FROM runs{where} ORDER BY rowid", params).df(),
            RUN_COLUMNS,
        )
        sub = f" WHERE run_id IN (SELECT run_id FROM runs{where})" if where else ""
        scores = _canonical(
            self._c.execute(f"SELECT {_cols(SCORE_COLUMNS)} FROM scores{sub} ORDER BY rowid", params).df(),
            SCORE_COLUMNS,
        )
        curves = _canonical(
            self._c.execute(f"SELECT {_cols(CURVE_COLUMNS)} FROM curves{sub} ORDER BY rowid", params).df(),
            CURVE_COLUMNS,
        )
        return RunSet(runs=runs, scores=scores, curves=curves)

    def remove_runs(self, run_ids: str | Iterable[str]) -> int:
        """Delete runs with their scores and curves, all or nothing.

        Parameters
        ----------
        run_ids : str or iterable of str

        Returns
        -------
        int
            Runs removed.

        Raises
        ------
        DataValidationError
            If a run id is not in the registry (nothing is removed).
        """
        import duckdb

        self._write()
        ids = [run_ids] if isinstance(run_ids, str) else [str(r) for r in run_ids]
        con = self._c
        con.begin()
        try:
            con.register("_sw_ids", pd.DataFrame({"run_id": pd.Series(ids, dtype=object)}))
            known = {r[0] for r in con.execute("SELECT run_id FROM runs WHERE run_id IN (SELECT run_id FROM _sw_ids)")
                     .fetchall()}
            missing = [r for r in ids if r not in known]
            if missing:
                raise DataValidationError(f"registry {self.path}: run_id {missing[0]!r} is not in the registry")
            for table in ("scores", "curves", "runs"):
                con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT run_id FROM _sw_ids)")
            con.unregister("_sw_ids")
            con.commit()
        except BaseException as exc:
            con.rollback()
            if isinstance(exc, duckdb.Error):
                raise RegistryError(f"registry {self.path}: remove failed, nothing removed ({exc})") from None
            raise
        return len(known)

    def history(self) -> pd.DataFrame:
        """One row per import that added something: id, source, time (UTC) and counts."""
        return self._c.execute("SELECT * FROM imports ORDER BY import_id").df()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run one read-only SQL ``SELECT`` on the registry.

        Tables: ``runs``, ``scores``, ``curves``, ``imports``, ``stored_tables``
        and ``"table:<name>"`` for each stored table.

        Parameters
        ----------
        sql : str
            A single SELECT statement (``?`` placeholders allowed).
        params : sequence, optional
            Values for the placeholders.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        RegistryError
            If ``sql`` is not exactly one SELECT, or DuckDB rejects it.
        """
        import duckdb

        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as exc:
            raise RegistryError(f"query: {' '.join(str(exc).split())}") from None
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            kinds = ", ".join(s.type.name for s in statements) or "nothing"
            raise RegistryError(f"query: takes exactly one read-only SELECT statement, got {kinds}")
        con = self._c
        con.begin()
        try:
            # rolled back whatever happens, so not even a sequence moves
            return con.execute(sql, list(params) if params is not None else None).df()
        except duckdb.Error as exc:
            raise RegistryError(f"query: {' '.join(str(exc).split())}") from None
        finally:
            con.rollback()

    def export(self, path: str | os.PathLike[str], *, format: str | None = None, **filters: Any) -> list[Path]:
        """Write the stored runs (filtered as in :meth:`runs`) to a file.

        Parameters
        ----------
        path : str or path-like
            Output file; suffix ``.csv``, ``.parquet`` or ``.jsonl`` unless ``format`` is given.
        format : {"csv", "parquet", "jsonl"}, optional
        **filters
            As for :meth:`runs`.

        Returns
        -------
        list of pathlib.Path
            Files written (see :func:`~scalewatch.data.write_runs`); importing
            the first one reproduces the runs.
        """
        from scalewatch.data._importers import write_runs

        return write_runs(self.runs(**filters), path, format=format)

    # -- generic tables ------------------------------------------------------------------

    def put_table(self, name: str, df: pd.DataFrame, *, source: str, replace: bool = False) -> ImportSummary:
        """Store a DataFrame under ``name``, all or nothing; identical content is a no-op.

        Column dtypes (including ``category``, nullable, string and
        timezone-aware datetimes), column order and a non-default index come
        back unchanged from :meth:`get_table`.

        Parameters
        ----------
        name : str
            Letters, digits and ``_ . - /``, at most 128 characters, e.g.
            ``"epoch-ml-hardware"``.
        df : pandas.DataFrame
            The table. Object columns must hold only strings, or only lists and
            dicts (stored as JSON).
        source : str
            Where the table came from (a dataset name, URL or file).
        replace : bool, default False
            Overwrite a table of that name whose content differs.

        Returns
        -------
        ImportSummary
            ``added`` = rows written (0 when the same content is already stored),
            ``unchanged`` = rows already stored.

        Raises
        ------
        DataValidationError
            If the name is invalid, a column cannot be stored, or a different
            table is stored under ``name`` and ``replace`` is False.
        """
        import duckdb

        self._write()
        if not isinstance(name, str) or not _TABLE_NAME.match(name):
            raise DataValidationError(
                f"put_table(name={name!r}): use letters, digits and _ . - / (at most 128 characters, starting "
                "with a letter or digit)"
            )
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"put_table(df=...) must be a pandas DataFrame, got {type(df).__name__}")
        frame, schema = _encode_table(df, name)
        digest = _digest(frame, schema)
        con = self._c
        con.begin()
        try:
            row = con.execute("SELECT sha256, source, rows FROM stored_tables WHERE name = ?", [name]).fetchone()
            if row is not None and row[0] == digest:
                con.rollback()
                return ImportSummary(source=name, added=0, unchanged=len(df))
            if row is not None and not replace:
                raise DataValidationError(
                    f"put_table({name!r}): a different table of that name is stored (from {row[1]!r}, {row[2]} "
                    "rows); pass replace=True to overwrite it, or store this one under another name"
                )
            ident = _table_ident(name)
            con.execute(f"DROP TABLE IF EXISTS {ident}")
            con.execute("DELETE FROM stored_tables WHERE name = ?", [name])
            con.register("_sw_table", frame)
            con.execute(f"CREATE TABLE {ident} AS SELECT * FROM _sw_table")
            con.unregister("_sw_table")
            con.execute(
                "INSERT INTO stored_tables VALUES (?, ?, ?, ?, ?, ?)",
                [name, source, len(frame), digest, json.dumps(schema), _now()],
            )
            con.commit()
        except BaseException as exc:
            con.rollback()
            if isinstance(exc, duckdb.Error):
                raise RegistryError(f"registry {self.path}: storing table {name!r} failed, nothing written "
                                    f"({' '.join(str(exc).split())[:300]})") from None
            raise
        return ImportSummary(source=name, added=len(df), unchanged=0)

    def get_table(self, name: str) -> pd.DataFrame:
        """The table stored under ``name``, as it was given to :meth:`put_table`.

        Raises
        ------
        DataValidationError
            If no table of that name is stored (the message lists those that are).
        """
        row = self._c.execute("SELECT schema_json FROM stored_tables WHERE name = ?", [name]).fetchone()
        if row is None:
            names = ", ".join(repr(n) for n in self.tables()) or "none"
            raise DataValidationError(f"get_table({name!r}): no such table; stored tables: {names}")
        schema = json.loads(row[0])
        frame = self._c.execute(f"SELECT * FROM {_table_ident(name)} ORDER BY rowid").df()
        return _decode_table(frame, schema)

    def tables(self) -> list[str]:
        """Names of the stored tables, sorted."""
        return [r[0] for r in self._c.execute("SELECT name FROM stored_tables ORDER BY name").fetchall()]

    def drop_table(self, name: str) -> None:
        """Delete a stored table (an unknown name is an error)."""
        self._write()
        if name not in self.tables():
            raise DataValidationError(f"drop_table({name!r}): no such table")
        con = self._c
        con.begin()
        try:
            con.execute(f"DROP TABLE {_table_ident(name)}")
            con.execute("DELETE FROM stored_tables WHERE name = ?", [name])
            con.commit()
        except BaseException:
            con.rollback()
            raise


# -- helpers -----------------------------------------------------------------------------------


def _cols(columns: Sequence[ColumnSpec]) -> str:
    return ", ".join(c.name for c in columns)  # schema constants, never user text


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


def _table_ident(name: str) -> str:
    # name is checked against _TABLE_NAME (no quotes), so quoting is safe
    return f'"table:{name}"'


def _where(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for key, value in filters.items():
        if key not in RUN_FILTERS:
            raise TypeError(f"runs() got an unknown filter {key!r}; allowed: {', '.join(RUN_FILTERS)}")
        if value is None:
            continue
        column, kind = RUN_FILTERS[key]
        if kind in (">=", "<="):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise DataValidationError(f"runs({key}={value!r}): must be a number") from None
            clauses.append(f"{column} {kind} ?")
            params.append(number)
            continue
        values = [value] if isinstance(value, str) else [str(v) for v in value]
        if not values:
            continue
        if kind == "tag":
            # validation stores tags as "a,b" with each tag stripped
            clauses.append("(" + " OR ".join(
                "list_contains(string_split(coalesce(tags, ''), ','), ?)" for _ in values) + ")")
            params.extend(v.strip() for v in values)
        elif kind == "nocase":
            clauses.append(f"lower({column}) IN ({', '.join('?' for _ in values)})")
            params.extend(v.lower() for v in values)
        else:
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    for what in ("params", "tokens", "compute", "loss"):
        lo, hi = filters.get(f"min_{what}"), filters.get(f"max_{what}")
        if lo is not None and hi is not None and float(lo) > float(hi):
            raise DataValidationError(f"runs(min_{what}={lo!r}, max_{what}={hi!r}): the minimum exceeds the maximum")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _encode_table(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A DuckDB-storable copy of ``df`` and the schema that restores it exactly."""
    index_names: list[str] = []
    frame = df
    if not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
            and df.index.name is None):
        names = [n if n is not None else f"__index_{k}__" for k, n in enumerate(df.index.names)]
        index_names = [str(n) for n in names]
        frame = df.set_axis(pd.MultiIndex.from_arrays(
            [df.index.get_level_values(k) for k in range(df.index.nlevels)], names=index_names)
            if df.index.nlevels > 1 else df.index.rename(index_names[0]), axis=0).reset_index()
    bad = [c for c in frame.columns if not isinstance(c, str)]
    if bad:
        raise DataValidationError(f"put_table({name!r}): column {bad[0]!r} is not a string; name columns with strings")
    if frame.columns.duplicated().any():
        dup = frame.columns[frame.columns.duplicated()][0]
        raise DataValidationError(f"put_table({name!r}): column {dup!r} appears twice; rename one")
    columns: list[dict[str, Any]] = []
    out: dict[str, pd.Series] = {}
    for col in frame.columns:
        s = frame[col]
        spec: dict[str, Any] = {"name": col, "dtype": str(s.dtype), "codec": None}
        if isinstance(s.dtype, pd.CategoricalDtype):
            spec["codec"] = "category"
            spec["categories"] = _json_list(s.cat.categories, name, col)
            spec["categories_dtype"] = str(s.cat.categories.dtype)
            spec["ordered"] = bool(s.cat.ordered)
            s = pd.Series(s.cat.codes.astype("int64"), index=s.index)
        elif isinstance(s.dtype, pd.DatetimeTZDtype):
            spec["codec"] = "tz"
            spec["tz"] = str(s.dt.tz)
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_timedelta64_dtype(s.dtype):
            spec["codec"] = "timedelta"
            s = pd.Series(s.to_numpy(dtype="timedelta64[ns]").view("int64"), index=s.index).mask(s.isna())
            s = s.astype("Int64")
        elif s.dtype == object:
            if all(isinstance(v, str) for v in s if v is not None):
                # strings with None for missing: plain VARCHAR (NaN among them takes the JSON path)
                s = s.astype("string")
            elif all(type(v) in _JSON_TYPES for v in s if v is not None):
                # numbers beyond int64 (FLOP counts read from CSV), mixed scalars, lists and
                # dicts: JSON keeps each value's Python type, NaN included (as the token NaN)
                spec["codec"] = "json"
                s = pd.Series([None if v is None else json.dumps(v) for v in s], index=s.index, dtype="string")
            else:
                kinds = sorted({type(v).__name__ for v in s if v is not None and type(v) not in _JSON_TYPES})
                raise DataValidationError(
                    f"put_table({name!r}), column {col!r}: holds Python objects of type {', '.join(kinds)} that "
                    "cannot be stored; convert the column to numbers, strings, or lists and dicts of them"
                )
        elif pd.api.types.is_complex_dtype(s.dtype):
            raise DataValidationError(f"put_table({name!r}), column {col!r}: complex numbers cannot be stored")
        columns.append(spec)
        out[col] = s
    stored = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    return stored, {"columns": columns, "index": index_names}


def _json_list(values: pd.Index, name: str, col: str) -> list[Any]:
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    try:
        json.dumps(items)
    except TypeError:
        raise DataValidationError(
            f"put_table({name!r}), column {col!r}: categories of type {values.dtype} cannot be stored; "
            "use string or number categories"
        ) from None
    return items


def _digest(frame: pd.DataFrame, schema: Mapping[str, Any]) -> str:
    h = hashlib.sha256(json.dumps(schema, sort_keys=True).encode())
    h.update(str(len(frame)).encode())
    for col in frame.columns:
        h.update(pd.util.hash_pandas_object(frame[col], index=False).to_numpy().tobytes())
    return h.hexdigest()


def _decode_table(frame: pd.DataFrame, schema: Mapping[str, Any]) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for spec in schema["columns"]:
        s = frame[spec["name"]]
        codec = spec["codec"]
        if codec == "category":
            cats = pd.Index(spec["categories"])
            if len(cats):
                cats = cats.astype(spec["categories_dtype"])
            s = pd.Series(pd.Categorical.from_codes(s.astype("int64").to_numpy(), categories=cats,
                                                    ordered=spec["ordered"]))
        elif codec == "tz":
            s = s.astype("datetime64[ns]").dt.tz_localize("UTC").dt.tz_convert(spec["tz"]).astype(spec["dtype"])
        elif codec == "timedelta":
            # NaT is stored as NULL and comes back as int64's minimum, numpy's NaT
            ns = s.astype("Int64").to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min)
            s = pd.Series(ns.view("timedelta64[ns]")).astype(spec["dtype"])
        elif codec == "json":
            s = pd.Series([None if pd.isna(v) else json.loads(v) for v in s], dtype=object)
        elif spec["dtype"] == "object":
            s = pd.Series([None if pd.isna(v) else v for v in s.astype(object)], dtype=object)
        elif spec["dtype"] in ("string", "str") or spec["dtype"].startswith("string["):
            s = s.astype(object).where(s.notna(), None).astype(spec["dtype"])
        else:
            s = s.astype(spec["dtype"])
        out[spec["name"]] = s.reset_index(drop=True)
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    index = schema.get("index") or []
    if index:
        result = result.set_index(index)
        result.index = result.index.set_names(
            [None if n.startswith("__index_") and n.endswith("__") else n for n in index]
        )
    return result
