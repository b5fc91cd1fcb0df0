"""Benchmark: wall time and FLOPs of one self-training round at the default size, and throughput vs plain PyTorch.

Run:  python benchmarks/bench_selfplay.py [--seed-steps 300] [--repeats 3] [--no-write]
Writes the "self-play round (benchmarks/bench_selfplay.py)" section of benchmarks/RESULTS.md.

One round of the ``verified`` arm of :mod:`scalewatch.experiments.selfplay` at ``SelfPlayConfig()``'s sizes:
sample k answers to the pool, check them, fine-tune ``round_steps`` steps on the seed set plus the kept labels,
evaluate greedily on the held-out sets. The seed model is trained ``--seed-steps`` steps first (not timed; the
round's cost hardly depends on how good it is, except that sampling stops early once every row has ended).
Training throughput of the experiment's loop (``_fit``: numpy window sampling, learning-rate schedule) is compared
with a plain PyTorch loop on the same model, batch and context (``torch.randint`` offsets into a tensor, AdamW,
no schedule), the median of ``--repeats`` alternating measurements of ``round_steps`` steps each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

NAME = "self-play round (benchmarks/bench_selfplay.py)"


def plain_rate(model, data, steps: int, batch: int, lr: float) -> float:
    import torch

    ctx = model.cfg.context
    t = torch.from_numpy(data.astype("int64"))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(steps):
        i = torch.randint(0, len(t) - ctx - 1, (batch,), generator=gen)
        x = torch.stack([t[j : j + ctx + 1] for j in i.tolist()])
        loss = model.loss(x[:, :-1], x[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps * batch * ctx / (time.perf_counter() - t0)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed-steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    import numpy as np
    import torch

    from scalewatch.experiments import selfplay as sp

    torch.set_num_threads(1)
    cfg = sp.SelfPlayConfig()
    data = sp._arith_data(cfg, 0)
    ctx = cfg.arith_context
    model = sp._new_model(cfg, ctx, sp._seed(0, "closed", "seed", 0))
    rng = np.random.default_rng(0)
    seed_stream = sp._stream(data.seed_lines, rng, 4 * ctx)
    sp._fit(model, [seed_stream], [1.0], args.seed_steps, cfg, sp._seed(0, "closed", "seed", 1))
    # one round of the verified arm, timed by stage
    t0 = time.perf_counter()
    a, b = sp._draw_sums(np.random.default_rng(1), cfg.pool_problems, cfg.pool_digits)
    samples = sp._answers(model, a, b, cfg.k, cfg.temperature, 1)
    t_sample = time.perf_counter() - t0
    gen_flops = sp._gen_flops(model, [len(f"\n{x}+{y}=") for x, y in zip(a.tolist(), b.tolist())], cfg.k, 6)
    lines, stats = sp._label("verified", a, b, samples)
    t1 = time.perf_counter()
    stream = sp._stream(list(data.seed_lines) + lines, rng, 4 * ctx)
    train_flops = sp._fit(model, [stream], [1.0], cfg.round_steps, cfg, sp._seed(0, "closed", "verified", 1))
    t_train = time.perf_counter() - t1
    t2 = time.perf_counter()
    ev = sp._evaluate(model, data)
    t_eval = time.perf_counter() - t2
    total = time.perf_counter() - t0
    # throughput: the experiment's loop against plain PyTorch, alternating
    ours, plain = [], []
    tokens = cfg.round_steps * cfg.batch_size * ctx
    for _ in range(args.repeats):
        m1 = sp._new_model(cfg, ctx, sp._seed(0, "closed", "seed", 0))
        s = time.perf_counter()
        sp._fit(m1, [stream], [1.0], cfg.round_steps, cfg, sp._seed(0, "closed", "verified", 1))
        ours.append(tokens / (time.perf_counter() - s))
        m2 = sp._new_model(cfg, ctx, sp._seed(0, "closed", "seed", 0))
        plain.append(plain_rate(m2, stream, cfg.round_steps, cfg.batch_size, cfg.lr))
    o, p = statistics.median(ours), statistics.median(plain)
    n_params = model.cfg.params()
    body = f"""
Model: {cfg.model} (layers, heads, width), {n_params:,} non-embedding parameters, context {ctx}; torch {torch.__version__}, 1 thread.
One round of the verified arm at `SelfPlayConfig()` sizes: {cfg.pool_problems} problems x k = {cfg.k} samples, {cfg.round_steps} fine-tuning steps of {cfg.batch_size} x {ctx} tokens, greedy evaluation on {cfg.heldout_per_digit * len(cfg.eval_digits)} held-out problems (seed model trained {args.seed_steps} steps first, not timed).

| stage | wall time | FLOPs |
| --- | --- | --- |
| sampling ({cfg.pool_problems * cfg.k:,} answers, no KV cache) | {t_sample:.2f} s | {gen_flops:.3g} (upper bound) |
| fine-tuning ({tokens:,} tokens) | {t_train:.2f} s | {train_flops:.3g} |
| held-out evaluation | {t_eval:.2f} s | - |
| **round** | **{total:.2f} s** | **{gen_flops + train_flops:.3g}** |

Acceptance rate this round: {stats['acceptance rate']:.3f}; held-out pass@1 after it: {ev['pass@1']:.3f}.

Training throughput, median of {args.repeats} alternating runs of {cfg.round_steps} steps: experiment loop {o:,.0f} tokens/s,
plain PyTorch loop {p:,.0f} tokens/s (ratio {o / p:.2f}).
Command: `python benchmarks/bench_selfplay.py`
"""
    print(body)
    if not args.no_write:
        write_section(NAME, body)


if __name__ == "__main__":
    main()
