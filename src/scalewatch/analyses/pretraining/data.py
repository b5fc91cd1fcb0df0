"""Run tables for the pretraining wall tests.

Turns whatever the user passes (a :class:`~scalewatch.data.datasets.Dataset`,
a :class:`~scalewatch.data.RunSet`, a DataFrame or a mapping of columns) into
one pandas DataFrame with the run-table columns the analyses read, and derives
the few columns they need:

``compute``           FLOP; where missing, :math:`6 N D` (Kaplan et al. 2020, sec. 2.1)
``tokens_per_param``  :math:`D / N`
``epochs``            :math:`D / U_D` where ``unique_tokens`` is known

It also holds the dataset-specific preparation of the public datasets the
registered findings use (which runs, which configuration column), so that
every choice is written down in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FLOP_PER_PARAM_TOKEN",
    "runs_table",
    "frontier",
    "config_values",
    "CHINCHILLA",
    "GADRE",
    "DATABLATIONS",
    "PORIAN",
    "chinchilla_runs",
    "gadre_runs",
    "datablations_runs",
    "porian_runs",
    "PORIAN_STEPS",
]


#: C = 6 N D: ~2 FLOP per parameter and token forward, ~4 backward (Kaplan et al. 2020, sec. 2.1).
FLOP_PER_PARAM_TOKEN = 6.0


def runs_table(data: Any, *, what: str = "data") -> pd.DataFrame:
    """A copy of the runs of ``data`` as a DataFrame, with derived columns added.

    Parameters
    ----------
    data : Dataset, RunSet, DataFrame or mapping of columns
        Runs with at least ``loss`` and the columns the laws read
        (``params``, ``tokens``, ...).
    what : str
        How the argument is named in error messages, e.g. ``"backtest(data=...)"``.

    Returns
    -------
    pandas.DataFrame
        Index reset; ``compute`` filled in as 6 N D where missing,
        ``tokens_per_param`` and ``epochs`` added where computable.

    Raises
    ------
    TypeError
        ``data`` is none of the accepted types.
    ValueError
        No ``loss`` column, or no runs.
    """
    table = data
    runs = getattr(table, "runs", None)
    if runs is not None and hasattr(runs, "runs") and not hasattr(runs, "columns"):
        table = runs.runs  # a Dataset: its RunSet's runs table
    elif runs is not None and hasattr(runs, "columns"):
        table = runs  # a RunSet
    if isinstance(table, Mapping) and not isinstance(table, pd.DataFrame):
        try:
            table = pd.DataFrame({k: np.asarray(v) for k, v in table.items()})
        except ValueError as exc:
            raise ValueError(f"{what}: the columns of the mapping have different lengths ({exc}).") from None
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{what} takes a Dataset, a RunSet, a pandas DataFrame or a mapping of columns; got {type(data).__name__}."
        )
    df = table.reset_index(drop=True).copy()
    if "loss" not in df.columns:
        raise ValueError(f"{what} has no 'loss' column (columns: {list(df.columns)}); name the target column 'loss'.")
    if len(df) == 0:
        raise ValueError(f"{what} has no runs.")
    have_nd = {"params", "tokens"} <= set(df.columns)
    if have_nd:
        n = pd.to_numeric(df["params"], errors="coerce").astype(float)
        d = pd.to_numeric(df["tokens"], errors="coerce").astype(float)
        six_nd = FLOP_PER_PARAM_TOKEN * n * d
        if "compute" not in df.columns:
            df["compute"] = six_nd
        else:
            df["compute"] = pd.to_numeric(df["compute"], errors="coerce").astype(float).fillna(six_nd)
        if "tokens_per_param" not in df.columns:
            df["tokens_per_param"] = d / n
    if "unique_tokens" in df.columns and "tokens" in df.columns:
        u = pd.to_numeric(df["unique_tokens"], errors="coerce").astype(float)
        epochs = pd.to_numeric(df["tokens"], errors="coerce").astype(float) / u
        if "epochs" not in df.columns:
            df["epochs"] = epochs
        else:
            df["epochs"] = pd.to_numeric(df["epochs"], errors="coerce").astype(float).fillna(epochs)
    if "run_id" not in df.columns:
        df["run_id"] = [f"run{i}" for i in range(len(df))]
    df["loss"] = pd.to_numeric(df["loss"], errors="coerce").astype(float)
    return df


def frontier(df: pd.DataFrame, by: str = "compute") -> pd.DataFrame:
    """Runs on the lower envelope of loss against ``by``: no run with smaller or equal ``by`` does better.

    Among runs with the same ``by`` value only the lowest loss is kept; then a
    run is on the frontier when its loss is below that of every run with a
    smaller ``by``. The frontier is the best loss reached for a given budget,
    the series a one-input law L(C) describes (Kaplan et al. 2020, sec. 6.1,
    "compute-efficient frontier"; Hoffmann et al. 2022, Figure 2).

    Returns
    -------
    pandas.DataFrame
        The frontier runs, sorted by ``by`` (original index kept).
    """
    d = df[np.isfinite(df[by].to_numpy(float)) & np.isfinite(df["loss"].to_numpy(float))]
    d = d.sort_values([by, "loss"], kind="stable")
    d = d[~d[by].duplicated(keep="first")]
    loss = d["loss"].to_numpy(float)
    best_before = np.concatenate([[np.inf], np.minimum.accumulate(loss)[:-1]])
    return d[loss < best_before]


def config_values(df: pd.DataFrame, key: str) -> pd.Series:
    """The value of ``key`` in each run's JSON ``config`` (NaN where absent)."""
    if "config" not in df.columns:
        raise ValueError(f"the runs have no 'config' column to read {key!r} from.")
    out = []
    for raw in df["config"]:
        try:
            cfg = json.loads(raw) if isinstance(raw, str) else {}
        except json.JSONDecodeError:
            cfg = {}
        out.append(cfg.get(key, np.nan))
    return pd.Series(out, index=df.index, name=key)


def _dataset(name: str, ds: Any) -> Any:
    """``ds`` if given (checked to be ``name``), else the public dataset loaded by name."""
    if ds is None:
        from scalewatch.data.datasets import load

        return load(name)
    if getattr(ds, "name", None) != name:
        raise ValueError(f"expected the public dataset {name!r}; got {getattr(ds, 'name', type(ds).__name__)!r}.")
    return ds


#: the public datasets the registered findings read
CHINCHILLA = "chinchilla-hoffmann2022"


GADRE = "gadre-overtraining-scaling"


DATABLATIONS = "datablations-runs"


PORIAN = "porian-compute-optimal-isoflops"


def chinchilla_runs(ds: Any = None) -> tuple[pd.DataFrame, str]:
    """Hoffmann et al.'s isoFLOP runs, the five highest-loss runs dropped.

    The five runs with the highest loss sit at the far small-data edge of the
    isoFLOP profiles (under 0.25 tokens per parameter); Besiroglu et al.
    (2024) leave them out of their replication of Approach 3, and so do we.

    Parameters
    ----------
    ds : Dataset, optional
        The loaded public dataset (a report passes its own); loaded by name when None.
    """
    ds = _dataset(CHINCHILLA, ds)
    df = runs_table(ds)
    df = df.sort_values("loss", kind="stable").iloc[:-5].sort_values("compute", kind="stable").reset_index(drop=True)
    note = (
        f"{ds.name}: {len(df)} runs (the five highest-loss runs dropped, as Besiroglu et al. 2024 do); "
        "N total parameters, D = C / (6 N) as extracted"
    )
    return df, note


def gadre_runs(train_dataset: str | None = None, ds: Any = None) -> tuple[pd.DataFrame, str]:
    """Gadre et al.'s over-training grid with ``chinchilla_multiplier`` M (tokens per parameter / 20).

    Parameters
    ----------
    train_dataset : str, optional
        One of ``"c4_original"``, ``"rpj"``, ``"rw_original"``; all three when None.
        The loss is always the C4 validation loss.
    ds : Dataset, optional
        The loaded public dataset; loaded by name when None.
    """
    ds = _dataset(GADRE, ds)
    df = runs_table(ds)
    df["chinchilla_multiplier"] = config_values(df, "chinchilla_multiplier").astype(float)
    df["train_dataset"] = config_values(df, "train_dataset").astype(str)
    if train_dataset is not None:
        known = sorted(df["train_dataset"].unique())
        if train_dataset not in known:
            raise ValueError(f"gadre_runs(train_dataset={train_dataset!r}): known training sets are {known}.")
        df = df[df["train_dataset"] == train_dataset]
    df = df.sort_values(["compute", "chinchilla_multiplier"], kind="stable").reset_index(drop=True)
    note = (
        f"{ds.name}{'' if train_dataset is None else f' ({train_dataset})'}: {len(df)} runs; "
        "loss is C4 validation loss; N total parameters; compute 6 N D; M = D / (20 N)"
    )
    return df, note


def datablations_runs(ds: Any = None) -> tuple[pd.DataFrame, str]:
    """Muennighoff et al.'s runs that the authors' parametric fit uses (tag ``used_in_notebook_fit``).

    Parameters
    ----------
    ds : Dataset, optional
        The loaded public dataset; loaded by name when None.
    """
    ds = _dataset(DATABLATIONS, ds)
    df = runs_table(ds)
    keep = df["tags"].fillna("").astype(str).str.split(",").apply(lambda t: "used_in_notebook_fit" in t)
    df = df[keep.to_numpy(bool)].sort_values("compute", kind="stable").reset_index(drop=True)
    note = (
        f"{ds.name}: {len(df)} runs of the authors' parametric fit (tag 'used_in_notebook_fit'; deduplicated-data "
        "runs left out, as upstream); N total parameters; validation loss"
    )
    return df, note


#: Porian et al. (2024), Figure 1: the steps from Kaplan's setting to Chinchilla's, in order,
#: for the RefinedWeb runs (their main panel). Each key is the configuration id of the runs.
PORIAN_STEPS: tuple[tuple[str, str], ...] = (
    ("rw-base-long-kaplan-kaplan-train", "Kaplan's setting: non-embedding N, long warmup, Kaplan decay"),
    ("rw-base-long-kaplan-standard-val", "+ count the last layer's FLOPs"),
    ("rw-base-short-kaplan-standard-val", "+ warmup scaled to model size"),
    ("rw-base-short-chinchilla-standard-val", "+ cosine decay to the run's length"),
    ("rw-tuned-short-const-standard-val", "+ tuned AdamW (beta2, lr, batch) per size, constant lr"),
)


def porian_runs(ds: Any = None) -> tuple[pd.DataFrame, str]:
    """Porian et al.'s isoFLOP runs with a ``config_id`` column (dataset-hparams-warmup-decay-param_count-loss_type).

    Parameters
    ----------
    ds : Dataset, optional
        The loaded public dataset; loaded by name when None.
    """
    ds = _dataset(PORIAN, ds)
    df = runs_table(ds)
    parts = [config_values(df, k).astype(str) for k in ("dataset", "hparams", "warmup", "decay", "param_count", "loss_type")]
    df["config_id"] = parts[0].str.cat(parts[1:], sep="-")
    df["upstream_label"] = config_values(df, "upstream_label").fillna("").astype(str)
    note = (
        f"{ds.name}: {len(df)} runs in {df['config_id'].nunique()} configurations; N as each configuration counts it; "
        "compute is the configuration's FLOP budget"
    )
    return df, note
