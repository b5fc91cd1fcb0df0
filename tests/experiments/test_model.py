"""The transformer's shape rules: exact parameter counts and FLOP per token."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch", reason="the experiments need torch: pip install 'scalewatch[experiments]'")

from scalewatch.experiments import ModelConfig, Transformer, config_for_params  # noqa: E402


@pytest.mark.parametrize(("n_layer", "n_head", "d_model", "context"), [(1, 2, 16, 32), (2, 3, 24, 32), (3, 4, 32, 64)])
def test_params_match_torch(n_layer: int, n_head: int, d_model: int, context: int) -> None:
    cfg = ModelConfig(n_layer=n_layer, n_head=n_head, d_model=d_model, context=context)
    model = Transformer(cfg)
    total = sum(p.numel() for p in model.parameters())
    embedding = model.tok.weight.numel() + model.pos.weight.numel()
    assert cfg.params(non_embedding=False) == total
    assert cfg.params() == total - embedding
    # Kaplan et al. (2020): N ~ 12 n_layer d^2 plus biases and norms
    assert cfg.params() == n_layer * (12 * d_model**2 + 13 * d_model) + 2 * d_model
    assert cfg.flops_per_token() == 6 * cfg.params() + 6 * n_layer * context * d_model


def test_forward_shapes_and_initial_loss() -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(n_layer=1, n_head=2, d_model=16, context=32)
    model = Transformer(cfg)
    idx, targets = torch.randint(0, 256, (2, 2, 32))
    assert model(idx).shape == (2, 32, 256)
    with torch.no_grad():
        initial = model.loss(idx, targets).item()
    assert abs(initial - math.log(256)) < 0.1  # near uniform
    with pytest.raises(ValueError, match="longer than the context"):
        model(torch.zeros(1, 33, dtype=torch.long))


def test_config_for_params_is_close() -> None:
    for target in (5e3, 2e4, 1e5):
        cfg = config_for_params(target, context=32, head_dim=8)
        assert 0.6 < cfg.params() / target < 1.6
    with pytest.raises(ValueError, match="d_model must be a multiple of n_head"):
        ModelConfig(n_layer=1, n_head=3, d_model=16)
