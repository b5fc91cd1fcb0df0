"""Shared pieces of the capabilities analyses: question, verdicts, citations, tables and link traces."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalewatch.analyses.capabilities.sigmoid import LinkFit
from scalewatch.plots import band, curve, floats, points

__all__ = ["QUESTION", "VERDICTS"]


#: the question these analyses answer (the report groups findings by it)
QUESTION = "capabilities"


#: verdicts of this question; the last three are capabilities.model_size's, about parameter counts
VERDICTS = ("in step", "decoupling", "ahead", "inconclusive", "size on trend", "size growing slower", "size growing faster")


def _err(y: Any, low: Any, high: Any) -> dict[str, Any]:
    """Asymmetric error bars (plotly ``error_y``) from an interval."""
    yy, lo, hi = (np.asarray(v, dtype=float) for v in (y, low, high))
    return {"type": "data", "symmetric": False, "array": floats(hi - yy), "arrayminus": floats(yy - lo)}


def _link_traces(link: LinkFit, color: str, label: str) -> list[dict[str, Any]]:
    """Data points, fitted curve and 95 % band of one link (x in natural units)."""
    xs = link.centre + link.fit.X[:, 0] * link.span  # the fit saw standardised x
    c = link.curve(40)
    return [
        *band(c["x"], c["low"], c["high"], f"{label} band", color=color, group=label, showlegend=False),
        curve(c["x"], c["score"], label, color=color, group=label),
        points(xs, link.fit.y, label, color=color, group=label, showlegend=False, size=4),
    ]


def _n_boot(n_boot: int | None, fast: bool, default: int = 200, fast_default: int = 40) -> int:
    if n_boot is not None:
        if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 0):
            raise ValueError(f"n_boot={n_boot!r}; use a non-negative integer (e.g. 200), or None for the default.")
        return int(n_boot)
    return fast_default if fast else default


_PAPERS = {
    "ruan": "Ruan, Maddison & Hashimoto (2024), Observational Scaling Laws and the Predictability of Language Model Performance, arXiv:2405.10938",
    "gadre": "Gadre et al. (2024), Language models scale reliably with over-training and on downstream tasks, arXiv:2403.08540",
    "pythia": "Biderman et al. (2023), Pythia: A Suite for Analyzing Large Language Models Across Training and Scaling, ICML 2023, arXiv:2304.01373",
    "owen": "Owen (2024), How predictable is language model benchmark performance?, arXiv:2401.04757",
    "schaeffer": "Schaeffer, Miranda & Koyejo (2023), Are Emergent Abilities of Large Language Models a Mirage?, NeurIPS 2023, arXiv:2304.15004",
    "wei": "Wei et al. (2022), Emergent Abilities of Large Language Models, TMLR, arXiv:2206.07682",
    "epoch_hub": "Epoch AI (2025), A Rosetta Stone for AI Benchmarks (benchmark hub), https://github.com/epoch-research/benchmark-stitching",
    "epoch_models": "Epoch AI, Data on AI Models, https://epoch.ai/data/ai-models",
    "efron": "Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13",
}


_LINK_LOSS = "least squares on linear residuals (score units)"


def _pts(v: float) -> float:
    """A score fraction in points (percentage points)."""
    return 100.0 * float(v)
