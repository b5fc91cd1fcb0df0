"""One way to name the runs to analyse: a file, an MLflow store, the registry or a public dataset.

>>> from scalewatch.data.runs import load_runs
>>> runs = load_runs("my_runs.csv")                        # doctest: +SKIP
>>> runs = load_runs("registry:family=mygpt")              # doctest: +SKIP
>>> runs = load_runs("chinchilla-hoffmann2022")            # doctest: +SKIP

A SOURCE is one of

``PATH``
    A CSV, Parquet or JSON-lines runs file (:func:`~scalewatch.data.read_runs`;
    ``run_id`` optional, common column names and units recognised).
``mlflow:PATH``
    A local MLflow tracking store (an ``mlruns`` folder, a ``.db`` file or a
    ``sqlite:///`` / ``file:`` URI); needs the optional ``mlflow-skinny``.
    A path that is recognisably an MLflow store works without the prefix.
``registry`` or ``registry:KEY=VALUE[,KEY=VALUE...]``
    The run registry (``$SCALEWATCH_DB``, or ``db=``), filtered by
    :data:`~scalewatch.data.RUN_FILTERS` (``registry:family=mygpt,min_params=1e8``)
    and optionally by a SQL condition on the ``runs`` table (``where=``).
``NAME``
    A public dataset of runs (:func:`scalewatch.data.datasets.names`), read
    locally (mirror or download cache).

This module is not imported by :mod:`scalewatch.data` itself (it reads the
public datasets, which in turn import the data layer).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from scalewatch.data._importers import from_mlflow, is_mlflow_uri, read_runs
from scalewatch.data._registry import DEFAULT_WAIT, RUN_FILTERS, Registry
from scalewatch.data._schema import RunSet
from scalewatch.errors import DataValidationError

__all__ = ["RunSource", "load_runs", "open_runs", "SOURCE_KINDS"]

#: what a SOURCE can be
SOURCE_KINDS: Final[tuple[str, ...]] = ("file", "mlflow", "registry", "dataset", "runset")
_MLFLOW_PREFIX: Final[str] = "mlflow:"
_REGISTRY: Final[str] = "registry"


@dataclass(frozen=True)
class RunSource:
    """Runs to analyse and where they came from.

    Attributes
    ----------
    name : str
        How the report names the source: the file name, ``mlflow:<path>``,
        ``registry`` (with its filter) or the dataset name.
    kind : str
        One of :data:`SOURCE_KINDS`.
    runset : RunSet
        The validated runs.
    citation : str
        The dataset's citation (public datasets only).
    """

    name: str
    kind: str
    runset: RunSet = field(repr=False)
    citation: str = ""

    def __len__(self) -> int:
        return len(self.runset)


def _registry_filters(text: str) -> dict[str, Any]:
    """``"family=mygpt,min_params=1e8"`` -> ``{"family": "mygpt", "min_params": "1e8"}``."""
    out: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise DataValidationError(
                f"runs source 'registry:{text}': {part!r} is not KEY=VALUE; write e.g. registry:family=mygpt"
            )
        if key not in RUN_FILTERS:
            raise DataValidationError(
                f"runs source 'registry:{text}': unknown filter {key!r}; allowed: {', '.join(RUN_FILTERS)}"
            )
        if key in out:
            previous = out[key] if isinstance(out[key], list) else [out[key]]
            out[key] = [*previous, value]  # family=a,family=b: either
        else:
            out[key] = value
    return out


def _from_registry(spec: str, *, where: str | None, db: str | os.PathLike[str] | None, wait: float,
                   on_wait: Any) -> RunSource:
    filters = _registry_filters(spec[len(_REGISTRY) + 1:]) if spec.startswith(_REGISTRY + ":") else {}
    with Registry(db, read_only=True, wait=wait, on_wait=on_wait) as reg:
        runset = reg.runs(**filters)
        if where:
            ids = reg.query(f"SELECT run_id FROM runs WHERE {where}")["run_id"]
            keep = runset.runs["run_id"].isin(set(ids.astype(object)))
            kept = set(runset.runs.loc[keep, "run_id"])
            runset = RunSet(
                runs=runset.runs[keep.to_numpy()].reset_index(drop=True),
                scores=runset.scores[runset.scores["run_id"].isin(kept).to_numpy()].reset_index(drop=True),
                curves=runset.curves[runset.curves["run_id"].isin(kept).to_numpy()].reset_index(drop=True),
            )
        path = reg.path
    name = spec + (f" where {where}" if where else "")
    if not len(runset):
        raise DataValidationError(
            f"runs source {name!r}: no runs in the registry {path} match; list them with `scalewatch runs list`"
        )
    return RunSource(name=name, kind="registry", runset=runset)


def open_runs(
    source: str | os.PathLike[str] | RunSet | Any,
    *,
    mapping: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    where: str | None = None,
    experiment: str | None = None,
    db: str | os.PathLike[str] | None = None,
    wait: float = DEFAULT_WAIT,
    on_wait: Any = None,
    name: str | None = None,
) -> RunSource:
    """The runs of ``source`` with the name the report gives them (see the module docstring for SOURCE).

    Parameters
    ----------
    source : str, path-like, RunSet, DataFrame or Dataset
        A SOURCE string or path; a RunSet, DataFrame (validated, run ids
        derived where missing) or loaded public Dataset is taken as is.
    mapping, units : mapping of str to str, optional
        For a file, DataFrame or MLflow store: column -> field and field -> unit
        (:func:`~scalewatch.data.read_runs`).
    where : str, optional
        Registry only: a SQL condition on the ``runs`` table, e.g. ``"source = 'sweep.csv'"``.
    experiment : str, optional
        MLflow only: the experiment name or id.
    db : path-like, optional
        Registry only: the registry file (default ``$SCALEWATCH_DB``).
    wait : float, default 10
        Registry only: seconds to wait for another process that holds the file.
    on_wait : callable(str), optional
        Registry only: told while waiting.
    name : str, optional
        Name in the report, instead of the one derived from the source.

    Returns
    -------
    RunSource

    Raises
    ------
    DataValidationError
        If the source names nothing known (the message lists what SOURCE may
        be and the closest dataset name), or its runs are invalid.
    ImportError
        For an MLflow store without ``mlflow-skinny`` installed.
    """
    import pandas as pd

    if isinstance(source, RunSet):
        return RunSource(name=name or "your runs", kind="runset", runset=source)
    if isinstance(source, pd.DataFrame):
        from scalewatch.data._importers import from_dataframe

        label = name or "your runs"
        return RunSource(name=label, kind="runset", runset=from_dataframe(source, mapping=mapping, units=units,
                                                                           source=label))
    if hasattr(source, "runs") and isinstance(getattr(source, "runs"), RunSet):  # a loaded public Dataset
        return RunSource(name=name or str(getattr(source, "name", "dataset")), kind="dataset", runset=source.runs,
                         citation=str(getattr(source, "citation", "") or ""))
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"runs source must be a path, a SOURCE string, a RunSet or a DataFrame; got "
                        f"{type(source).__name__}")
    text = os.fspath(source).strip()
    if where is not None and not (text == _REGISTRY or text.startswith(_REGISTRY + ":")):
        raise DataValidationError(f"where={where!r} filters the registry only; the source {text!r} is not 'registry'")
    if text == _REGISTRY or text.startswith(_REGISTRY + ":"):
        out = _from_registry(text, where=where, db=db, wait=wait, on_wait=on_wait)
        return out if name is None else RunSource(name, out.kind, out.runset)
    if text.startswith(_MLFLOW_PREFIX) or (is_mlflow_uri(text) and not Path(text).suffix == ".csv"):
        store = text[len(_MLFLOW_PREFIX):] if text.startswith(_MLFLOW_PREFIX) else text
        runset = from_mlflow(store, experiment=experiment, mapping=mapping, units=units)
        label = name or f"mlflow:{Path(store).name or store}"
        return RunSource(name=label, kind="mlflow", runset=runset)
    path = Path(text).expanduser()
    if path.exists():
        runset = _long_curves(path, mapping, units) if path.is_file() else None
        if runset is None:
            runset = read_runs(path, mapping=mapping, units=units)
        return RunSource(name=name or path.name, kind="file", runset=runset)
    from scalewatch.data import datasets

    known = datasets.names()
    if text in known:
        ds = datasets.load(text)
        if not len(ds.runs):
            raise DataValidationError(f"runs source {text!r}: the dataset has no runs table (it holds other data)")
        return RunSource(name=name or text, kind="dataset", runset=ds.runs, citation=ds.citation)
    import difflib

    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    hint = f"; did you mean the dataset {close[0]!r}?" if close else ""
    raise DataValidationError(
        f"runs source {text!r}: no such file, and not 'registry[:KEY=VALUE]', 'mlflow:PATH' or a public dataset "
        f"name ({', '.join(known)}){hint}"
    )


def _long_curves(path: Path, mapping: Mapping[str, str] | None, units: Mapping[str, str] | None) -> RunSet | None:
    """A file of whole loss curves (a ``run_id`` column, several rows per run, a ``step`` or tokens column) as a RunSet.

    Each run's last row (largest step, else most tokens) is the run; every row
    is a point of its curve (``run_id, step, tokens, loss``, in the units the
    run's values were converted to). Returns None for any other file, which
    :func:`read_runs` then reads (and, for repeated run ids without a step or
    tokens column, refuses with its own message).
    """
    import numpy as np
    import pandas as pd

    from scalewatch.data._importers import _alias_plan, _apply_mapping, _check_mapping, _format_of, _read_frame, from_dataframe

    try:
        fmt = _format_of(path, None)
    except (ValueError, DataValidationError):
        return None
    checked = _check_mapping(mapping)
    raw = _read_frame(path, fmt, checked)
    if "run_id" not in raw.columns or not raw["run_id"].duplicated().any():
        return None
    named = _apply_mapping(raw, checked, path.name)
    renames, _, _, _ = _alias_plan(list(named.columns), checked)
    named = named.rename(columns=renames)
    if "loss" not in named.columns or not ({"step", "tokens"} & set(named.columns)):
        return None
    order = [c for c in ("step", "tokens") if c in named.columns]
    named = named.assign(_row=np.arange(len(named))).sort_values(["run_id", *order, "_row"], kind="stable")
    last = named.groupby("run_id", sort=False).tail(1)
    steps = named["step"] if "step" in named.columns else named.groupby("run_id", sort=False).cumcount()
    curves = pd.DataFrame({"run_id": named["run_id"].astype(str).to_numpy(),
                           "step": pd.array(np.asarray(steps, dtype=np.int64), dtype="Int64"),
                           "tokens": pd.to_numeric(named["tokens"], errors="coerce").to_numpy(float)
                           if "tokens" in named.columns else np.nan,
                           "loss": pd.to_numeric(named["loss"], errors="coerce").to_numpy(float)})
    runs_raw = raw.iloc[last["_row"].to_numpy()].drop(columns=[c for c in raw.columns if c == "step"
                                                                 or checked.get(c) == "step"]).reset_index(drop=True)
    runset = from_dataframe(runs_raw, mapping={k: v for k, v in checked.items() if v != "step"}, units=units,
                            source=path.name)
    # the run table's values after unit conversion (bits -> nats, tokens in billions, ...): the curves follow them
    ids = last["run_id"].astype(str).to_numpy()
    got = runset.runs.set_index(runset.runs["run_id"].astype(str))
    for col in ("tokens", "loss"):
        if col in got.columns and col in last.columns:
            before = pd.to_numeric(last[col], errors="coerce").to_numpy(float)
            after = got.loc[ids, col].to_numpy(float)
            ok = np.isfinite(before) & np.isfinite(after) & (before != 0)
            if ok.any():
                curves[col] = curves[col] * float(np.median(after[ok] / before[ok]))
    return RunSet(runs=runset.runs, scores=runset.scores, curves=curves)


def load_runs(source: str | os.PathLike[str] | RunSet | Any, **kwargs: Any) -> RunSet:
    """The validated runs of ``source``: a runs file, ``mlflow:PATH``, ``registry[:KEY=VALUE,...]`` or a dataset name.

    Takes the keyword arguments of :func:`open_runs` (``mapping``, ``units``,
    ``where``, ``experiment``, ``db``, ``wait``) and returns its ``runset``.

    Examples
    --------
    >>> from scalewatch.data.runs import load_runs
    >>> load_runs("registry:family=mygpt", where="tokens > 1e9")   # doctest: +SKIP
    RunSet(12 runs, 0 scores, 0 curve points)
    """
    return open_runs(source, **kwargs).runset
