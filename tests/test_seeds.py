"""Randomness as a seed argument: one generator per seed, one record of it."""

from __future__ import annotations

import numpy as np
import pytest

from scalewatch.seeds import rng, seed_label


def test_a_seed_gives_a_reproducible_stream_and_a_generator_is_shared():
    assert rng(5).random() == rng(5).random()
    g = np.random.default_rng(1)
    assert rng(g) is g
    assert rng(np.random.SeedSequence(3)).random() == np.random.default_rng(np.random.SeedSequence(3)).random()
    assert isinstance(rng(None), np.random.Generator)


@pytest.mark.parametrize("bad", [True, 1.5, "7", [1, 2]])
def test_anything_else_is_refused_with_what_to_give(bad):
    with pytest.raises(TypeError, match="give an int, a numpy SeedSequence or Generator"):
        rng(bad)


def test_seed_label_is_json_safe():
    assert seed_label(np.int64(4)) == 4 and seed_label(None) is None and seed_label(np.random.default_rng()) == "generator"
