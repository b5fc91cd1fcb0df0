"""Benchmark: the overhead of the Ray executor against the local executor on the same small sweep.

Run:  python benchmarks/bench_ray.py [--repeats 5] [--no-write]
Writes the "Ray executor overhead (benchmarks/bench_ray.py)" section of benchmarks/RESULTS.md.

The sweep: ``plan_grid([3000, 7000], [1e5, 2e5], context=32, min_steps=100)`` on the first 300 kB of the
stdlib corpus (4 runs of ~3-7k non-embedding parameters, ~200 steps each, one torch thread each), each time
into a fresh registry. Timed (wall clock of ``run_sweep``, median of ``--repeats``, local and Ray alternating),
at two parallelisms P:

* P = 1: the local executor in this process (the reference) against Ray started with ``ray.init(num_cpus=1)``;
* P = 2: the local executor's spawn pool (``workers=2``, the reference) against ``ray.init(num_cpus=2)``.

Ray is started before the timing (its start-up is reported apart); its first sweep, while its worker
processes start and import torch, is reported apart from the warm median.

Ray's overhead is the ratio of its wall time to the local executor's at the same parallelism; on runs this
short it is mostly task scheduling, shipping the corpus and results through the object store, and (cold) the
worker processes' start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

NAME = "Ray executor overhead (benchmarks/bench_ray.py)"
SIZES = [3000, 7000]  # non-embedding parameters
TOKENS = [100_000, 200_000]  # training tokens per run


def timed_sweep(plan, corpus, **kw) -> float:
    from scalewatch.experiments import run_sweep

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        t0 = time.perf_counter()
        res = run_sweep(plan, corpus, Path(tmp) / "sweep.duckdb", **kw)
        wall = time.perf_counter() - t0
    assert len(res.trained) == len(plan)
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    import ray
    import torch

    from scalewatch.experiments import plan_grid, stdlib_corpus

    torch.set_num_threads(1)
    corpus = stdlib_corpus(max_bytes=300_000)
    plan = plan_grid(SIZES, TOKENS, context=32, eval_tokens=2048, min_steps=100)
    steps = sum(r.spec.steps for r in plan.runs)

    timed_sweep(plan, corpus)  # warm-up, untimed: the first sweep in a process pays one-time costs (torch kernels, caches)
    rows, ratios, starts = [], {}, {}
    # (label, local executor kwargs, Ray CPUs): the local executor and Ray at the same parallelism
    for par, local_kw, local_label in ((1, {}, "local, in-process"), (2, {"workers": 2}, "local, 2 workers (spawn pool)")):
        t0 = time.perf_counter()
        ray.init(num_cpus=par, include_dashboard=False, log_to_driver=False)
        starts[par] = time.perf_counter() - t0
        try:
            cold = timed_sweep(plan, corpus, executor="ray")
            loc: list[float] = []
            ray_t: list[float] = []
            for _ in range(args.repeats):
                loc.append(timed_sweep(plan, corpus, **local_kw))
                ray_t.append(timed_sweep(plan, corpus, executor="ray"))
        finally:
            ray.shutdown()
        ml, mr = statistics.median(loc), statistics.median(ray_t)
        ratios[par] = (mr / ml, cold / ml)
        rows.append(f"| {par} | {local_label} | {ml:.2f} | {', '.join(f'{x:.2f}' for x in loc)} | 1.00 |")
        rows.append(f"| {par} | ray, `num_cpus={par}`, warm workers | {mr:.2f} | {', '.join(f'{x:.2f}' for x in ray_t)} | "
                    f"**{mr / ml:.2f}** |")
        rows.append(f"| {par} | ray, first sweep (workers importing torch) | {cold:.2f} | | {cold / ml:.2f} |")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = f"""
Sweep: {len(plan)} runs ({steps} optimizer steps in all) of `plan_grid({SIZES}, {TOKENS}, context=32, min_steps=100)`,
300 kB stdlib corpus, one torch thread per run; wall time of `run_sweep` into a fresh registry, median of
{args.repeats} (local and Ray alternating, after one untimed local warm-up sweep). Ray is a local Ray started in this process with `ray.init(num_cpus=P)`
before the timing; its start-up ({starts[1]:.1f} s with 1 CPU, {starts[2]:.1f} s with 2) is not in the table and is
paid again whenever `run_sweep` starts Ray itself. The spawn pool's numbers include starting its worker processes
(each imports torch), as every `run_sweep(workers=2)` does. Torch {torch.__version__}, Ray {ray.__version__}.
The machine's 2 cores are shared with other jobs (load average {load}), so every row is noisy.

| P (runs at once) | executor | wall s (median) | each | / local at the same P |
|---|---|---|---|---|
{chr(10).join(rows)}

Ray against the local executor at the same parallelism, warm: **{ratios[1][0]:.2f}x** (one at a time),
**{ratios[2][0]:.2f}x** (two at once); on a first sweep, whose Ray workers start and import torch:
{ratios[1][1]:.2f}x and {ratios[2][1]:.2f}x. Command: `nice -n 10 python benchmarks/bench_ray.py`.
"""
    print(body)
    if not args.no_write:
        write_section(NAME, body)


if __name__ == "__main__":
    main()
