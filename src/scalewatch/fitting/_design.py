"""The inputs and targets of a fit, read from a run table, a RunSet, a Dataset, a mapping or arrays."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scalewatch.laws import Law, as_design

__all__ = ["design_from", "INPUT_ALIASES"]

#: law input name -> run-table column it is read from when the data lack the name itself
INPUT_ALIASES: dict[str, str] = {"N": "params", "D": "tokens", "C": "compute", "U_D": "unique_tokens", "x": "x"}


def _table(data: Any) -> Any:
    runs = getattr(data, "runs", None)  # a RunSet or a Dataset: fit its runs table
    if runs is not None and hasattr(runs, "columns"):
        return runs
    if runs is not None and hasattr(runs, "runs"):
        return runs.runs
    return data


def design_from(law: Law, data: Any, inputs: Mapping[str, str] | None) -> np.ndarray:
    """(n, k) inputs of ``law`` from a table, honouring ``inputs`` and the run-table aliases."""
    table = _table(data)
    if isinstance(table, Mapping) or hasattr(table, "columns"):
        cols = {}
        have = list(table.columns) if hasattr(table, "columns") else list(table)
        for name in law.inputs:
            col = (inputs or {}).get(name)
            if col is None:
                col = name if name in have else INPUT_ALIASES.get(name, name)
            if col not in have:
                raise ValueError(
                    f"{law.name} needs input {name!r} but the data have no column {col!r} "
                    f"(columns: {have}); pass inputs={{{name!r}: 'your_column'}}."
                )
            cols[name] = np.asarray(table[col], dtype=np.float64)
        return as_design(law, cols)
    return as_design(law, table)


def _target(law: Law, data: Any, y: Any) -> np.ndarray:
    table = _table(data)
    if y is None:
        if isinstance(table, Mapping) or hasattr(table, "columns"):
            if law.output not in table:
                raise ValueError(
                    f"the data have no target column {law.output!r}; pass y=<array or column name>."
                )
            y = table[law.output]
        else:
            raise ValueError("fit(data=<array>) needs the targets as y=...; or pass a table with a 'loss' column.")
    elif isinstance(y, str):
        if not (isinstance(table, Mapping) or hasattr(table, "columns")) or y not in table:
            raise ValueError(f"y={y!r} names no column of the data.")
        y = table[y]
    return np.array(y, dtype=np.float64)


def group_labels(func: str, law: Law, X: np.ndarray, groups: Any) -> tuple[np.ndarray, str]:
    """Integer group label per observation (rows of ``X``) and how the groups were formed.

    ``groups`` is ``None`` or ``"runs"`` (every run its own group), the name of
    one of the law's inputs (runs with equal values of it share a group: a
    model size, a budget), or one label per observation. Used by the cluster
    bootstrap and by grouped cross-validation.

    Raises
    ------
    ValueError
        For a name that is not an input of the law, or labels of the wrong shape
        (the message starts with ``func(groups=...)``).
    """
    n = len(X)
    if groups is None or (isinstance(groups, str) and groups == "runs"):
        return np.arange(n), "runs"
    if isinstance(groups, str):
        if groups not in law.inputs:
            raise ValueError(
                f"{func}(groups={groups!r}): use 'runs', one of the law's inputs {list(law.inputs)}, or an array of labels."
            )
        return np.unique(X[:, law.inputs.index(groups)], return_inverse=True)[1], f"groups of equal {groups}"
    labels = np.asarray(groups)
    if labels.shape != (n,):
        raise ValueError(f"{func}(groups=...) has shape {labels.shape}; it needs one label per observation ({n}).")
    return np.unique(labels, return_inverse=True)[1], "groups"
