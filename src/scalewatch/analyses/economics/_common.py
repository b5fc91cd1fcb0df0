"""Shared pieces of the economics findings: keys, datasets, citations and number formats."""

from __future__ import annotations

import math

__all__ = ["KEY_COST", "KEY_DEBATE"]


KEY_COST = "test-time.cost_to_target"


KEY_DEBATE = "test-time.debate_numbers"


_LLMONKEYS = "llmonkeys-pythia-math"


_HARDWARE = "epoch-ml-hardware"


_MODELS = "epoch-ai-models"


_BENCH = "epoch-benchmark-stitching"


_PRICES = "epoch-llm-inference-prices"


_CITE_COTTIER = "Cottier, Rahman, Fattorini, Maslej, Besiroglu & Owen (2024), 'The rising costs of training frontier AI models', arXiv:2405.21015"


_CITE_SARDANA = "Sardana, Portes, Doubov & Frankle (2024), 'Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws', ICML, arXiv:2401.00448"


_CITE_HOFFMANN = "Hoffmann et al. (2022), 'Training Compute-Optimal Large Language Models', arXiv:2203.15556 (eq. 10 constants)"


_CITE_LLAMA3 = "Llama Team, Meta (2024), 'The Llama 3 Herd of Models', arXiv:2407.21783 (3.8e25 FLOP); Llama 3.1 model card (30.84M H100-hours for 405B)"


_CITE_KAPLAN = "Kaplan et al. (2020), 'Scaling Laws for Neural Language Models', arXiv:2001.08361 (6ND training, 2N FLOP per token)"


_CITE_BROWN = "Brown et al. (2024), 'Large Language Monkeys: Scaling Inference Compute with Repeated Sampling', arXiv:2407.21787"


_CITE_JONES = "Jones (2021), 'Scaling Scaling Laws with Board Games', arXiv:2104.03113"


_CITE_EPOCH_PRICES = "Cottier et al. (2025), 'LLM inference prices have fallen rapidly but unequally across tasks', Epoch AI data insight (9x to 900x per year by task)"


def _sci(x: float) -> str:
    """3.8e25, not 3.8e+25."""
    mant, exp = f"{x:.2g}".split("e") if "e" in f"{x:.2g}" else (f"{x:.2g}", "0")
    return f"{mant}e{int(exp)}" if exp != "0" else mant


def _money(x: float) -> str:
    if not math.isfinite(x):
        return "never"
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= scale:
            return f"${x / scale:.3g}{unit}"
    return f"${x:.3g}"
