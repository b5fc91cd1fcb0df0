from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def chinchilla_runs(mirror):
    """Epoch's extraction of the Chinchilla runs, five highest-loss runs dropped (Besiroglu et al. 2024)."""
    df = pd.read_csv(mirror / "chinchilla-hoffmann2022" / "svg_extracted_data.csv")
    df = df.sort_values("loss").iloc[:-5]
    N = df["Model Size"].to_numpy(float)
    return {"N": N, "D": df["Training FLOP"].to_numpy(float) / (6 * N), "loss": df["loss"].to_numpy(float)}
