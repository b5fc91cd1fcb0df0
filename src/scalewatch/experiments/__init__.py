"""Measure it yourself: train small language models and fit laws to them.

Importing this package is cheap: the torch-backed parts (the model and the
training loop) load on first use.

- :class:`Corpus`, :func:`stdlib_corpus` (byte-level corpora; NumPy only)
- :class:`ModelConfig`, :func:`config_for_params`, :class:`Transformer` (torch)
- :class:`RunSpec`, :class:`RunResult`, :func:`train` (torch)
- :func:`plan_isoflop`, :func:`plan_grid`, :func:`preset`, :class:`Plan`, :class:`Throughput`
- :func:`run_sweep` (local, spawn process pool or Ray; resumable), :func:`load_sweep`, :func:`export_sweep`,
  :func:`sweep_dataset` (the committed sweep as the package dataset ``scalewatch-sweep``)
- :func:`arithmetic_testtime` (repeated sampling on held-out arithmetic), :func:`load_arithmetic_testtime`,
  :func:`sample`, :func:`decode` (batched sampling; torch)
- :mod:`scalewatch.experiments.selfplay`: synthetic data measured (self-training with and without a verifier on
  arithmetic, recursive training on text; resumable; ``scalewatch experiment selfplay``), :func:`~scalewatch.experiments.selfplay.load_selfplay`
"""

from __future__ import annotations

from typing import Any

from scalewatch.experiments._corpus import Corpus, stdlib_corpus

__all__ = [
    "Corpus",
    "stdlib_corpus",
    "ModelConfig",
    "Transformer",
    "config_for_params",
    "RunSpec",
    "RunResult",
    "StepInfo",
    "train",
    "Plan",
    "PlannedRun",
    "Throughput",
    "plan_isoflop",
    "plan_grid",
    "preset",
    "PRESETS",
    "lr_for_width",
    "measure_throughput",
    "train_flops_per_token",
    "run_sweep",
    "run_id_for",
    "SweepEvent",
    "SweepResult",
    "load_sweep",
    "export_sweep",
    "sweep_dataset",
    "ArithmeticTask",
    "Problems",
    "heldout_problems",
    "arithmetic_corpus",
    "check_answers",
    "ArithmeticTestTime",
    "arithmetic_testtime",
    "load_arithmetic_testtime",
    "sample",
    "decode",
]

_LAZY = {
    "ModelConfig": "scalewatch.experiments._model",
    "Transformer": "scalewatch.experiments._model",
    "config_for_params": "scalewatch.experiments._model",
    "RunSpec": "scalewatch.experiments._train",
    "RunResult": "scalewatch.experiments._train",
    "StepInfo": "scalewatch.experiments._train",
    "train": "scalewatch.experiments._train",
    **{name: "scalewatch.experiments._plan" for name in (
        "Plan", "PlannedRun", "Throughput", "plan_isoflop", "plan_grid", "preset", "PRESETS", "lr_for_width",
        "measure_throughput", "train_flops_per_token")},
    **{name: "scalewatch.experiments._sweep" for name in ("run_sweep", "run_id_for", "SweepEvent", "SweepResult")},
    **{name: "scalewatch.experiments._data" for name in ("load_sweep", "export_sweep", "sweep_dataset")},
    **{name: "scalewatch.experiments._arith" for name in (
        "ArithmeticTask", "Problems", "heldout_problems", "arithmetic_corpus", "check_answers", "ArithmeticTestTime",
        "arithmetic_testtime", "load_arithmetic_testtime")},
    **{name: "scalewatch.experiments._sampling" for name in ("sample", "decode")},
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scalewatch.experiments' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
