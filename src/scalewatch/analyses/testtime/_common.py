"""Shared pieces of the test-time findings: keys, thresholds, citations and the per-problem matrices."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from scalewatch.analyses.testtime.laws import _line, _loglog
from scalewatch.analyses.testtime.passk import pass_at_k_matrix, per_problem_counts
from scalewatch.findings import VERDICTS

__all__ = [
    "model_label",
    "checked_verdict",
    "DATASET",
    "KEY_COVERAGE",
    "KEY_SELECTION",
    "KEY_EXCHANGE",
    "PROPOSED_VERDICTS",
    "KEY_OWN",
    "MAX_WIDTH_PP",
    "MIN_GAIN_PP",
    "SELECTION_GAP_PP",
]


DATASET = "llmonkeys-pythia-math"


KEY_COVERAGE = "test-time.coverage_law"


KEY_SELECTION = "test-time.selection"


KEY_EXCHANGE = "test-time.exchange_rate"


KEY_OWN = "test-time.own_arithmetic"


#: verdicts these analyses use beyond holds/bends/breaks/inconclusive, with their proposed tones
PROPOSED_VERDICTS = {"test-time cheaper": "ok", "pretraining cheaper": "info", "depends": "info"}


#: an interval of the pooled forecast error wider than this (coverage points): inconclusive
MAX_WIDTH_PP = 10.0


#: the last decade of k adding less than this (coverage points, upper end of its interval): breaks
MIN_GAIN_PP = 1.0


#: a verifier plateau this far below coverage (points, whole interval): bends
SELECTION_GAP_PP = 5.0


_CITE_BROWN = "Brown, Juravsky, Ehrlich, Clark, Le, Re & Mirhoseini (2024), 'Large Language Monkeys: Scaling Inference Compute with Repeated Sampling', arXiv:2407.21787"


_CITE_CHEN = "Chen et al. (2021), 'Evaluating Large Language Models Trained on Code', arXiv:2107.03374 (unbiased pass@k, eq. 1)"


_CITE_SCHAEFFER = "Schaeffer et al. (2025), 'How Do Large Language Monkeys Get Their Power (Laws)?', ICML, arXiv:2502.17578"


_CITE_EFRON = "Efron & Tibshirani (1993), 'An Introduction to the Bootstrap', Chapman & Hall (percentile intervals)"


_CITE_WANG = "Wang et al. (2023), 'Self-Consistency Improves Chain of Thought Reasoning in Language Models', ICLR, arXiv:2203.11171"


_CITE_JONES = "Jones (2021), 'Scaling Scaling Laws with Board Games', arXiv:2104.03113"


_CITE_KAPLAN = "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361 (2N FLOP per token forward, 6ND training)"


_CITE_PYTHIA = "Biderman et al. (2023), 'Pythia: A Suite for Analyzing Large Language Models Across Training and Scaling', arXiv:2304.01373"


def checked_verdict(verdict: str, notes: list[str]) -> str:
    """``verdict`` if the test-time vocabulary has it; else ``"inconclusive"`` and a note saying which verdict it stands for.

    The proposed verdicts (:data:`PROPOSED_VERDICTS`) are not yet in
    :data:`scalewatch.analyses.VERDICTS` ``["test-time"]``; until they are, the
    finding carries the analysis's verdict in a note.
    """
    if verdict in VERDICTS["test-time"]:
        return verdict
    notes.append(
        f"the analysis's verdict is {verdict!r}, which is not yet in the test-time vocabulary "
        f"({', '.join(VERDICTS['test-time'])}); shown as 'inconclusive' until it is added"
    )
    return "inconclusive"


def model_label(model: str) -> str:
    """'llmonkeys-pythia-math:Pythia-12B' -> 'Pythia-12B'."""
    return model.split(":", 1)[-1]


def _counts_and_params(per_problem: Any, runs: Any) -> tuple[Any, dict[str, float], dict[str, float]]:
    counts = per_problem_counts(per_problem, func="test-time analysis")
    params, tokens = {}, {}
    if runs is not None:
        t = runs
        key = "run_id" if "run_id" in t.columns else "model"
        for _, r in t.iterrows():
            params[str(r[key])] = float(r["params"]) if "params" in t.columns else float("nan")
            tokens[str(r[key])] = float(r["tokens"]) if "tokens" in t.columns else float("nan")
    return counts, params, tokens


def _model_order(counts: Any, params: dict[str, float]) -> list[str]:
    names = list(dict.fromkeys(counts["model"]))
    if params and all(m in params for m in names):
        names.sort(key=lambda m: params[m])
    return names


def _matrices(counts: Any, names: Sequence[str], ks: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[Any]]:
    """Per model: pass@k matrix (problems x K) and success rates c/n, problems aligned across models."""
    mats, rates, problems = {}, {}, None
    for m in names:
        g = counts[counts["model"] == m].sort_values("problem", kind="stable")
        probs = g["problem"].tolist()
        if problems is None:
            problems = probs
        elif probs != problems:
            raise ValueError(f"test-time analysis: model {m!r} answered different problems than {names[0]!r}; the paired resampling needs the same problems.")
        n, c = g["n"].to_numpy(), g["c"].to_numpy()
        mats[m] = pass_at_k_matrix(n, c, ks)
        rates[m] = c / n
    return mats, rates, problems  # type: ignore[return-value]


def _brown(logk: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brown law (a, b) by least squares on log(-log c), vectorised over leading axes of C (..., K)."""
    slope, icpt = _line(logk, _loglog(C))
    return np.exp(icpt), -slope


def _pct(x: np.ndarray, ci: float) -> tuple[float, float]:
    lo, hi = np.quantile(x, [(1 - ci) / 2, (1 + ci) / 2])
    return float(lo), float(hi)


def _fmt_k(k: float) -> str:
    if not math.isfinite(k):
        return "never"
    return f"{k:,.0f}" if k < 1e6 else f"{k:.2g}"
