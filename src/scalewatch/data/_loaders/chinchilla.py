"""chinchilla-hoffmann2022: the 245 final losses of Hoffmann et al. (2022), Figure 4.

Upstream file ``data/svg_extracted_data.csv`` (Besiroglu et al. 2024) has one row
per marker of the figure: ``Model Size`` (N), ``Training FLOP`` (C) and ``loss``;
``x``, ``y`` and the colours are drawing positions, not data, and are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Parsed, curves_frame, runs_frame, scores_frame

NAME = "chinchilla-hoffmann2022"


def load(get: Callable[..., Path]) -> Parsed:
    raw = pd.read_csv(get("svg_extracted_data.csv"))
    n = raw["Model Size"].astype("float64")
    c = raw["Training FLOP"].astype("float64")
    # Upstream has no run ids; the row number in the pinned file is stable.
    local = [f"row{i:03d}" for i in range(len(raw))]
    runs = runs_frame(
        {
            "run_id": [f"{NAME}:{x}" for x in local],
            "model_id": local,
            # Hoffmann et al. count all parameters, embeddings included (Pearce & Song 2024).
            # N is read off the figure's colour scale, so it is not an exact integer.
            "params": n,
            "params_kind": "total",
            # D is not in the figure: D = C / (6 N), the approximation the paper itself uses.
            "tokens": c / (6.0 * n),
            "compute": c,
            "compute_estimated": False,
            "loss": raw["loss"],
            "loss_split": "train",
            "loss_unit": "nats",
        }
    )
    return Parsed(
        runs=runs,
        scores=scores_frame(),
        curves=curves_frame(),
        notes=("tokens are derived as D = C / (6 N); N is read off the figure's colour scale",),
    )
