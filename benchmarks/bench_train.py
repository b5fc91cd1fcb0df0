"""Benchmark: training throughput of scalewatch's ``train`` against a plain PyTorch loop.

Run:  python benchmarks/bench_train.py [--threads 1] [--sizes 1e5,3e5,1e6]
Writes the "training throughput (benchmarks/bench_train.py)" section of benchmarks/RESULTS.md (``--no-write``
to print only).

Both loops train the same model (:class:`scalewatch.experiments.Transformer`,
same shape, same initial weights), on batches of the same size and context
drawn at random offsets of the same byte corpus (the Python standard library,
:func:`scalewatch.experiments.stdlib_corpus`), with AdamW (betas 0.9/0.95,
weight decay on matrices), gradient clipping at 1.0 and the same dtype
(float32 on CPU; bfloat16 autocast on CUDA). The plain loop is what one would
write by hand: a pre-built tensor of the corpus, ``torch.randint`` offsets, no
learning-rate schedule, no per-step ``loss.item()``, no evaluation, no
callbacks. scalewatch's ``train`` adds the schedule, numpy batch sampling,
a per-step loss read-back (NaN check) and evaluations.

Throughput is measured in steady state: ``train``'s ``on_step`` callback time-
stamps every step and the rate is taken over the steps after ``--warmup`` and
before the last one (whose interval holds the final evaluation); the plain
loop is timed over the same number of steps after the same warm-up. Each
measurement is repeated ``--repeats`` times, alternating the two loops, and the
median is reported. On CUDA, model FLOP utilisation (MFU) is tokens/s times
``ModelConfig.flops_per_token()`` (6N + 6 n_layer context d; Kaplan et al.
2020) over the GPU's peak dense bf16 FLOP/s (``--peak-tflops`` or a small
table of known GPUs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

#: peak dense bf16 tensor FLOP/s (no sparsity) of known GPUs, from the vendors' data sheets
PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L4": 121.0, "A10G": 125.0, "RTX 4090": 165.0}


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def scalewatch_rate(cfg, corpus, *, batch: int, steps: int, warmup: int, device: str, dtype: str, seed: int) -> float:
    """Tokens/s of scalewatch's train() over steps warmup+1 .. steps-1."""
    from scalewatch.experiments import RunSpec, train

    spec = RunSpec(model=cfg, tokens=steps * batch * cfg.context, batch_size=batch, seed=seed, eval_every=steps,
                   eval_tokens=cfg.context, device=device, dtype=dtype)
    stamps: list[float] = []

    def on_step(_info) -> None:
        _sync(device)
        stamps.append(time.perf_counter())

    train(spec, corpus, on_step=on_step)
    # stamps[i] is after step i+1; steps warmup+1 .. steps-1 lie between stamps[warmup-1] and stamps[steps-2]
    n = steps - 1 - warmup
    return n * batch * cfg.context / (stamps[steps - 2] - stamps[warmup - 1])


def plain_rate(cfg, corpus, *, batch: int, steps: int, warmup: int, device: str, dtype: str, seed: int) -> float:
    """Tokens/s of a hand-written loop over the same number of steps."""
    import torch

    from scalewatch.experiments import Transformer

    torch.manual_seed(seed)
    model = Transformer(cfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.startswith(("tok.", "pos."))]
    rest = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and not n.startswith(("tok.", "pos.")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.95))
    data = torch.from_numpy(corpus.train.astype("int64")).to(device)
    T = cfg.context
    ar = torch.arange(T + 1, device=device)
    gen = torch.Generator(device=device).manual_seed(seed)
    ctx = torch.autocast(device_type=device, dtype=torch.bfloat16) if dtype == "bfloat16" else None

    def step() -> None:
        starts = torch.randint(0, data.numel() - T - 1, (batch,), device=device, generator=gen)
        w = data[starts[:, None] + ar]
        if ctx is None:
            loss = model.loss(w[:, :-1], w[:, 1:])
        else:
            with ctx:
                loss = model.loss(w[:, :-1], w[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(warmup):
        step()
    _sync(device)
    t = time.perf_counter()
    n = steps - 1 - warmup
    for _ in range(n):
        step()
    _sync(device)
    return n * batch * T / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,3e5,1e6", help="non-embedding parameter counts (config_for_params)")
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=0, help="steps per measurement (0: about --seconds each)")
    ap.add_argument("--seconds", type=float, default=3.0, help="target length of one measurement when --steps is 0")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave torch's default)")
    ap.add_argument("--device", default="auto", choices=("cpu", "cuda", "auto"))
    ap.add_argument("--peak-tflops", type=float, default=0.0, help="GPU peak dense bf16 TFLOP/s for MFU (0: look up)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()

    import torch

    from scalewatch.experiments import config_for_params, stdlib_corpus
    from scalewatch.experiments._train import resolve_device

    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    dtype = "bfloat16" if device == "cuda" else "float32"
    gpu = torch.cuda.get_device_name() if device == "cuda" else ""
    peak = args.peak_tflops or next((v for k, v in PEAK_BF16_TFLOPS.items() if k in gpu), 0.0)
    corpus = stdlib_corpus(1_000_000)
    rows = []
    for target in (float(s) for s in args.sizes.split(",")):
        cfg = config_for_params(target, context=args.context)
        steps = args.steps
        if not steps:  # calibrate: a short plain run, then enough steps for about --seconds
            rate = plain_rate(cfg, corpus, batch=args.batch, steps=args.warmup + 4, warmup=args.warmup,
                              device=device, dtype=dtype, seed=0)
            steps = max(args.warmup + 5, int(args.seconds * rate / (args.batch * args.context)) + args.warmup + 1)
        sw, pl = [], []
        for r in range(args.repeats):
            kw = dict(batch=args.batch, steps=steps, warmup=args.warmup, device=device, dtype=dtype, seed=r)
            if r % 2 == 0:
                sw.append(scalewatch_rate(cfg, corpus, **kw))
                pl.append(plain_rate(cfg, corpus, **kw))
            else:
                pl.append(plain_rate(cfg, corpus, **kw))
                sw.append(scalewatch_rate(cfg, corpus, **kw))
        s_med, p_med = statistics.median(sw), statistics.median(pl)
        fpt = cfg.flops_per_token()
        row = {"cfg": cfg, "steps": steps, "sw": s_med, "pl": p_med, "ratio": s_med / p_med, "sw_all": sw, "pl_all": pl,
               "mfu_sw": s_med * fpt / (peak * 1e12) if peak else float("nan"),
               "mfu_pl": p_med * fpt / (peak * 1e12) if peak else float("nan")}
        rows.append(row)
        print(f"N={cfg.params():>9,} (L{cfg.n_layer} d{cfg.d_model}) steps={steps}: scalewatch {s_med:,.0f} tok/s, "
              f"plain {p_med:,.0f} tok/s, ratio {row['ratio']:.3f}  (runs: {[round(x) for x in sw]} vs {[round(x) for x in pl]})",
              flush=True)

    threads = torch.get_num_threads()
    mfu_col = peak > 0
    lines = [
        f"Training throughput of `scalewatch.experiments.train` against a hand-written PyTorch loop (same model, "
        f"batch {args.batch} x context {args.context}, AdamW, grad clip 1.0, {dtype}), torch {torch.__version__} on "
        f"{device}{' (' + gpu + ')' if gpu else ''}, {threads} torch thread(s). Steady-state tokens/s, median of "
        f"{args.repeats} alternating measurements of the steps after a {args.warmup}-step warm-up.",
        "",
        "| N (non-emb.) | shape | steps | scalewatch tok/s (range) | plain tok/s (range) | ratio |"
        + (" MFU scalewatch | MFU plain |" if mfu_col else ""),
        "|---:|---|---:|---:|---:|---:|" + ("---:|---:|" if mfu_col else ""),
    ]
    for r in rows:
        c = r["cfg"]
        line = (f"| {c.params():,} | L{c.n_layer} H{c.n_head} d{c.d_model} | {r['steps']} | "
                f"{r['sw']:,.0f} ({min(r['sw_all']):,.0f}-{max(r['sw_all']):,.0f}) | "
                f"{r['pl']:,.0f} ({min(r['pl_all']):,.0f}-{max(r['pl_all']):,.0f}) | {r['ratio']:.3f} |")
        if mfu_col:
            line += f" {100 * r['mfu_sw']:.1f}% | {100 * r['mfu_pl']:.1f}% |"
        lines.append(line)
    ratios = [r["ratio"] for r in rows]
    lines += ["", f"Ratio scalewatch / plain: {min(ratios):.3f} to {max(ratios):.3f}. Where the ranges of the repeats "
              "overlap, the difference is within this machine's noise."]
    if device == "cpu" and args.threads == 1:
        lines += ["One torch thread: on a shared machine with few cores, torch's default of one thread per core "
                  "contends with other jobs and makes every number slower and far noisier."]
    lines += ["", f"Command: `python benchmarks/bench_train.py {' '.join(sys.argv[1:])}`".replace("  ", " ")]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section("training throughput (benchmarks/bench_train.py)", body)


if __name__ == "__main__":
    main()
