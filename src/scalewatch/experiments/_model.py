r"""A small decoder-only transformer for scaling sweeps (PyTorch; import lazily).

The model is deliberately plain (pre-norm GPT blocks in the style of nanoGPT,
Radford et al. 2019) and kept apart from the training loop, so that the
sweep's numbers depend on the shape rules, not on tricks.

Parameter counting follows Kaplan et al. (2020, arXiv:2001.08361, Table 1):
non-embedding parameters :math:`N \approx 12\, n_\text{layer} d^2`, training
compute :math:`C \approx 6 N D`. :meth:`ModelConfig.params` counts exactly.

>>> cfg = ModelConfig(n_layer=2, n_head=2, d_model=64)     # doctest: +SKIP
>>> model = Transformer(cfg)                               # doctest: +SKIP
>>> logits = model(torch.zeros(4, 32, dtype=torch.long))   # (batch, time, vocab)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ModelConfig", "Transformer", "config_for_params"]


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a :class:`Transformer`.

    Parameters
    ----------
    n_layer, n_head, d_model : int
        Depth, attention heads and width; ``d_model`` must divide by ``n_head``.
    vocab_size : int
        256 for the byte-level corpus.
    context : int
        Sequence length in tokens.
    """

    n_layer: int
    n_head: int
    d_model: int
    vocab_size: int = 256
    context: int = 128

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "d_model", "vocab_size", "context"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ModelConfig({name}={value!r}): must be a positive int.")
        if self.d_model % self.n_head:
            raise ValueError(
                f"ModelConfig(d_model={self.d_model}, n_head={self.n_head}): d_model must be a multiple of n_head; "
                f"choose n_head in {[h for h in range(1, self.d_model + 1) if self.d_model % h == 0][:8]}."
            )

    def params(self, *, non_embedding: bool = True) -> int:
        """Exact trainable parameter count.

        Non-embedding: per block 2 LayerNorms (4d), attention qkv+proj with
        biases (4d^2 + 4d), MLP 4x with biases (8d^2 + 5d); plus the final
        LayerNorm (2d). Embedding adds the token table (V d, tied with the
        output head) and the learned positions (context d).
        """
        d = self.d_model
        n = self.n_layer * (12 * d * d + 13 * d) + 2 * d
        if not non_embedding:
            n += self.vocab_size * d + self.context * d
        return n

    def flops_per_token(self) -> float:
        """Training FLOP per token: 6 N (Kaplan et al. 2020) plus attention, 6 n_layer context d."""
        return 6.0 * self.params() + 6.0 * self.n_layer * self.context * self.d_model


def config_for_params(target: float, *, context: int = 128, vocab_size: int = 256, head_dim: int = 16) -> ModelConfig:
    """The shape whose non-embedding parameter count is closest to ``target``.

    Rule: aspect ratio d_model / n_layer between 16 and 64 (Kaplan et al. 2020
    find loss flat over a wide range of shapes at fixed N), width a multiple of
    ``head_dim``, heads = d_model / head_dim.
    """
    if not (isinstance(target, (int, float)) and math.isfinite(target) and target >= 1_000):
        raise ValueError(f"config_for_params(target={target!r}): need a finite parameter count >= 1000.")
    best: tuple[float, ModelConfig] | None = None
    for n_layer in range(1, 25):
        for d in range(head_dim, 2049, head_dim):
            if not 16 <= d / n_layer <= 64 and not (n_layer == 1 and d <= 64):
                continue
            cfg = ModelConfig(n_layer=n_layer, n_head=d // head_dim, d_model=d, vocab_size=vocab_size, context=context)
            # distance in log space; prefer the deeper model on ties
            score = abs(math.log(cfg.params() / target)) - 1e-6 * n_layer
            if best is None or score < best[0]:
                best = (score, cfg)
    assert best is not None
    return best[1]


class _Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        d = cfg.d_model
        self.n_head = cfg.n_head
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, d)
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        # (B, heads, T, head_dim)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Transformer(nn.Module):
    """Decoder-only transformer: token + learned position embedding, pre-norm blocks, tied output head."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.context, cfg.d_model)
        self.blocks = nn.ModuleList(_Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)
        # GPT-2 scaled init of residual projections (Radford et al. 2019)
        for name, p in self.named_parameters():
            if name.endswith(("proj.weight", "out.weight")):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, time, vocab) for token ids ``idx`` of shape (batch, time)."""
        t = idx.shape[1]
        if t > self.cfg.context:
            raise ValueError(f"Transformer: sequence of {t} tokens is longer than the context {self.cfg.context}.")
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x) @ self.tok.weight.T  # tied head

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean next-token cross-entropy in nats per token."""
        logits = self(idx)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1))
