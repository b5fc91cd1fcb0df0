r"""Plan a sweep: which models to train on how many tokens, and how long it will take.

Two designs:

- :func:`plan_isoflop` (Hoffmann et al. 2022, "approach 2"): for each compute
  budget C, several model sizes N, each trained on ``D = C / (6 N)`` tokens,
  so that every run of a budget costs the same and the loss minimum over N
  gives the compute-optimal size.
- :func:`plan_grid`: every size with every token count.

Conventions (stated, because every number downstream depends on them):

- **N is non-embedding parameters** (Kaplan et al. 2020, arXiv:2001.08361,
  sec. 2.1), exactly as :meth:`ModelConfig.params` counts them; the token
  table, positions and (tied) output head are left out.
- **C = 6 N D** with that N (Kaplan et al. 2020, Table 1). The real cost of a
  tiny byte-level model is higher (the output head, 6 V d FLOP per token, and
  attention, 6 n_layer T d), which :func:`train_flops_per_token` counts and
  the time estimate uses.
- **Shapes** come from :func:`config_for_params` (aspect ratio 16-64, head
  dimension 8); the actual N differs from the target by a few percent and
  D is computed from the actual N, then rounded to whole batches.
- **Learning rate** ``lr = min(lr_max, lr_scale / d_model)``: Adam's optimal
  hidden-layer learning rate scales as 1/width (Yang et al. 2022, muP,
  arXiv:2203.03466, Table 3). The constant 0.25 was calibrated on the stdlib
  corpus with a short search at d_model 32 and 64 (lr 1e-3, 3e-3, 1e-2, 2e-2;
  best 1e-2 and 3e-3).
- **Batch** 32 sequences of ``context`` tokens, halved (down to 8) while a run
  would take fewer than ``min_steps`` steps.
- **Schedule**: 5% linear warm-up, cosine to 10% of the peak over each run's
  own budget (Hoffmann et al. 2022, sec. 3.1).

On a GPU
--------
``RunSpec(device="cuda", dtype="bfloat16", compile=True)`` (CLI: ``scalewatch
sweep run --device cuda --dtype bfloat16``) trains under bf16 autocast with
float32 weights and optimizer state, and :func:`measure_throughput` with
``device="cuda"`` times the GPU for the estimate. This path is written but was
not run in CI (no GPU there). The CPU presets are sized for a laptop; a GPU
sweep worth its time needs budgets of about 1e15-1e17 FLOP, i.e. models of
1e6-1e7 parameters and 1e8-1e9 tokens, which is far more text than the ~11 MB
stdlib corpus (tens of epochs): it needs a larger corpus first, so no GPU
preset is shipped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from scalewatch.experiments._model import ModelConfig
    from scalewatch.experiments._train import RunSpec

__all__ = [
    "PlannedRun",
    "Plan",
    "Throughput",
    "plan_isoflop",
    "plan_grid",
    "lr_for_width",
    "train_flops_per_token",
    "measure_throughput",
    "PRESETS",
    "preset",
]

#: Chinchilla's compute-optimal tokens per parameter (Hoffmann et al. 2022, Table 3)
TOKENS_PER_PARAM = 20.0


def lr_for_width(d_model: int, *, lr_scale: float = 0.25, lr_max: float = 1e-2) -> float:
    """Peak learning rate ``min(lr_max, lr_scale / d_model)`` (muP's 1/width rule for Adam; see the module notes)."""
    return min(lr_max, lr_scale / d_model)


def train_flops_per_token(cfg: ModelConfig) -> float:
    """Training FLOP per token of the real model: 6 N + attention + the tied output head (6 V d)."""
    return cfg.flops_per_token() + 6.0 * cfg.vocab_size * cfg.d_model


@dataclass(frozen=True)
class PlannedRun:
    """One run of a :class:`Plan`: its spec and the budget it was planned for."""

    spec: RunSpec
    budget: float | None  # the IsoFLOP budget C (FLOP, 6ND), None in a grid
    target_params: float  # the N asked for, before snapping to a shape

    @property
    def params(self) -> int:
        """Non-embedding parameters N."""
        return self.spec.model.params()

    @property
    def tokens(self) -> int:
        """Training tokens D actually seen (whole batches)."""
        return self.spec.tokens_seen

    @property
    def compute(self) -> float:
        """6 N D with non-embedding N (Kaplan et al. 2020), FLOP."""
        return 6.0 * self.params * self.tokens

    @property
    def model_flops(self) -> float:
        """Real training FLOP, head and attention included (:func:`train_flops_per_token`)."""
        return train_flops_per_token(self.spec.model) * self.tokens


@dataclass(frozen=True)
class Throughput:
    """A hardware speed model: ``seconds/step = overhead + tokens/step * flops/token / flops_per_second``.

    Build one with :func:`measure_throughput` (a probe of a few seconds) or by hand.
    """

    flops_per_second: float  # sustained training FLOP/s (head and attention included)
    overhead: float = 0.0  # seconds per optimizer step not proportional to FLOP (Python, launches)
    device: str = "cpu"
    threads: int = 1

    def seconds(self, run: PlannedRun) -> float:
        spec = run.spec
        per_step = self.overhead + spec.batch_size * spec.model.context * train_flops_per_token(spec.model) / (
            self.flops_per_second)
        # evaluations: forward only (1/3 of a training step's FLOP), 11 of them by default
        n_evals = spec.steps // spec.eval_interval + 1
        evals = n_evals * spec.eval_tokens * train_flops_per_token(spec.model) / 3.0 / self.flops_per_second
        return spec.steps * per_step + evals

    def tokens_per_second(self, cfg: ModelConfig, batch_size: int = 32) -> float:
        step = self.overhead + batch_size * cfg.context * train_flops_per_token(cfg) / self.flops_per_second
        return batch_size * cfg.context / step

    def describe(self) -> str:
        return (f"{self.device} ({self.threads} thread{'s' if self.threads != 1 else ''}): "
                f"{self.flops_per_second:.3g} FLOP/s + {1e3 * self.overhead:.2g} ms/step")


@dataclass(frozen=True)
class Plan:
    """A list of runs to train, with their cost.

    Attributes
    ----------
    runs : tuple of PlannedRun
    kind : {"isoflop", "grid"}
    description : str
        How the plan was made, in words (stored with every run).
    """

    runs: tuple[PlannedRun, ...]
    kind: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.runs)

    @property
    def total_flops(self) -> float:
        """Sum of 6 N D over the runs (non-embedding N), FLOP."""
        return float(sum(r.compute for r in self.runs))

    @property
    def total_model_flops(self) -> float:
        """Sum of the real training FLOP (head and attention included)."""
        return float(sum(r.model_flops for r in self.runs))

    @property
    def total_tokens(self) -> int:
        return int(sum(r.tokens for r in self.runs))

    def estimate_seconds(self, throughput: Throughput | float, *, workers: int = 1) -> float:
        """Wall-clock estimate.

        Parameters
        ----------
        throughput : Throughput or float
            A speed model, or a plain sustained FLOP/s (of real model FLOP).
        workers : int, default 1
            Runs trained at once (assumes each worker gets ``throughput``).
        """
        if not isinstance(throughput, Throughput):
            if not (isinstance(throughput, (int, float)) and throughput > 0):
                raise ValueError(f"Plan.estimate_seconds(throughput={throughput!r}): need a Throughput or a "
                                 "positive FLOP/s")
            throughput = Throughput(flops_per_second=float(throughput))
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"Plan.estimate_seconds(workers={workers!r}): must be an int >= 1")
        times = sorted((throughput.seconds(r) for r in self.runs), reverse=True)
        # longest-first onto the least-loaded worker (the order the executors use)
        load = [0.0] * workers
        for t in times:
            load[load.index(min(load))] += t
        return max(load) if load else 0.0

    def table(self) -> pd.DataFrame:
        """One row per run: budget, shape, N, D, D/N, 6ND, real FLOP, batch, steps, lr."""
        import pandas as pd

        rows = []
        for r in self.runs:
            s, m = r.spec, r.spec.model
            rows.append({
                "budget": r.budget, "n_layer": m.n_layer, "d_model": m.d_model, "n_head": m.n_head,
                "params": r.params, "tokens": r.tokens, "tokens_per_param": r.tokens / r.params,
                "compute": r.compute, "model_flops": r.model_flops, "batch_size": s.batch_size,
                "steps": s.steps, "lr": s.lr, "seed": s.seed,
            })
        return pd.DataFrame(rows)


def _check_numbers(func: str, name: str, values: Any, *, minimum: float) -> list[float]:
    if isinstance(values, (int, float)):
        values = [values]
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError(f"{func}({name}={values!r}): must be a list of numbers, e.g. 1e11,3e11") from None
    if not out:
        raise ValueError(f"{func}({name}=[]): give at least one value")
    for v in out:
        if not math.isfinite(v) or v < minimum:
            raise ValueError(f"{func}({name}=...): {v:g} is not allowed; each value must be >= {minimum:g}")
    if len(set(out)) != len(out):
        raise ValueError(f"{func}({name}=...): repeated values {sorted(out)}; give each once")
    return out


def _spec(cfg: ModelConfig, tokens: float, *, seed: int, min_steps: int, lr_scale: float, lr_max: float,
          eval_tokens: int, device: str, dtype: str) -> RunSpec:
    from scalewatch.experiments._train import RunSpec

    batch = 32
    while batch > 8 and tokens / (batch * cfg.context) < min_steps:
        batch //= 2
    return RunSpec(model=cfg, tokens=max(1, round(tokens)), batch_size=batch,
                   lr=lr_for_width(cfg.d_model, lr_scale=lr_scale, lr_max=lr_max), seed=seed,
                   eval_tokens=eval_tokens, device=device, dtype=dtype)


def plan_isoflop(
    budgets: Sequence[float],
    *,
    sizes_per_budget: int = 5,
    spread: float = 4.0,
    tokens_per_param: float = TOKENS_PER_PARAM,
    sizes: Sequence[float] | None = None,
    context: int = 64,
    head_dim: int = 8,
    seed: int = 0,
    min_steps: int = 100,
    lr_scale: float = 0.25,
    lr_max: float = 1e-2,
    eval_tokens: int = 32768,
    device: str = "cpu",
    dtype: str = "float32",
) -> Plan:
    r"""IsoFLOP plan: for each budget C, models of several sizes N trained on D = C / (6 N) tokens.

    Parameters
    ----------
    budgets : sequence of float
        Compute budgets C in FLOP (6ND, non-embedding N), each >= 1e8.
    sizes_per_budget : int, default 5
        Sizes per budget, spaced evenly in log N from ``N_opt / spread`` to
        ``N_opt * spread`` around ``N_opt = sqrt(C / (6 k))`` with ``k =
        tokens_per_param``. Ignored when ``sizes`` is given.
    spread : float, default 4.0
        Factor either side of N_opt (> 1).
    tokens_per_param : float, default 20
        Where to centre the sizes: Chinchilla's 20 tokens per parameter
        (Hoffmann et al. 2022) for large models; tiny byte-level models want
        far more (the ``default`` preset uses 200, from a first look at the
        1e11 FLOP budget, where the loss fell towards the smallest size).
    sizes : sequence of float, optional
        Explicit non-embedding sizes N, the same for every budget.
    context : int, default 64
        Sequence length.
    head_dim : int, default 8
        Width per attention head; widths are multiples of it (8 gives finer
        sizes than 16 at these tiny scales).
    seed : int, default 0
        Seed of every run.
    min_steps : int, default 100
        The batch is halved (32 -> 16 -> 8) while a run would take fewer steps.
    lr_scale, lr_max : float
        Learning rate ``min(lr_max, lr_scale / d_model)``.
    eval_tokens : int, default 32768
    device, dtype : str
        Passed to every :class:`RunSpec`.

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        For a budget below 1e8 FLOP, sizes below 1000, ``spread`` <= 1, or a
        run that would see fewer tokens than one batch.

    Examples
    --------
    >>> plan = plan_isoflop([1e11, 1e12], sizes_per_budget=3)  # doctest: +SKIP
    >>> len(plan), f"{plan.total_flops:.2g}"                     # doctest: +SKIP
    (6, '3.3e+12')
    """
    from scalewatch.experiments._model import config_for_params

    cs = _check_numbers("plan_isoflop", "budgets", budgets, minimum=1e8)
    if sizes is not None:
        fixed = _check_numbers("plan_isoflop", "sizes", sizes, minimum=1000)
    else:
        if not isinstance(sizes_per_budget, int) or sizes_per_budget < 1:
            raise ValueError(f"plan_isoflop(sizes_per_budget={sizes_per_budget!r}): must be an int >= 1")
        if not (isinstance(spread, (int, float)) and spread > 1):
            raise ValueError(f"plan_isoflop(spread={spread!r}): must be a number > 1, e.g. 4")
        if not (isinstance(tokens_per_param, (int, float)) and 0 < tokens_per_param < 1e6):
            raise ValueError(f"plan_isoflop(tokens_per_param={tokens_per_param!r}): must be a number in (0, 1e6), "
                             "e.g. 20")
    runs: list[PlannedRun] = []
    for c in sorted(cs):
        if sizes is not None:
            targets = fixed
        else:
            n_opt = math.sqrt(c / (6.0 * tokens_per_param))
            k = sizes_per_budget
            targets = [n_opt * spread ** (2 * i / (k - 1) - 1) if k > 1 else n_opt for i in range(k)]
        seen: set[ModelConfig] = set()
        for target in targets:
            cfg = config_for_params(max(target, 1000.0), context=context, head_dim=head_dim)
            if cfg in seen:  # two targets snapped to one shape
                continue
            seen.add(cfg)
            tokens = c / (6.0 * cfg.params())
            if tokens < 8 * context:
                raise ValueError(
                    f"plan_isoflop: budget {c:.3g} FLOP gives N={cfg.params():,} only {tokens:.0f} tokens, less "
                    f"than one batch; raise the budget or use smaller sizes"
                )
            runs.append(PlannedRun(_spec(cfg, tokens, seed=seed, min_steps=min_steps, lr_scale=lr_scale,
                                         lr_max=lr_max, eval_tokens=eval_tokens, device=device, dtype=dtype),
                                   budget=c, target_params=target))
    settings = {"budgets": sorted(cs), "sizes_per_budget": sizes_per_budget, "spread": spread,
                "tokens_per_param": tokens_per_param,
                "sizes": list(sizes) if sizes is not None else None, "context": context, "head_dim": head_dim, "seed": seed,
                "min_steps": min_steps, "lr_scale": lr_scale, "lr_max": lr_max}
    return Plan(runs=tuple(runs), kind="isoflop",
                description=(f"IsoFLOP: {len(cs)} budgets, D = C/(6N) with non-embedding N, sizes "
                             + (f"{list(sizes)}" if sizes is not None else f"{sizes_per_budget} per budget "
                                f"within x{spread:g} of sqrt(C/(6*{tokens_per_param:g}))")),
                settings=settings)


def plan_grid(
    sizes: Sequence[float],
    tokens: Sequence[float],
    *,
    context: int = 64,
    head_dim: int = 8,
    seed: int = 0,
    min_steps: int = 100,
    lr_scale: float = 0.25,
    lr_max: float = 1e-2,
    eval_tokens: int = 32768,
    device: str = "cpu",
    dtype: str = "float32",
) -> Plan:
    """Grid plan: every size N (non-embedding) trained on every token count D.

    Parameters are as in :func:`plan_isoflop`; ``tokens`` are raw counts (>= 8 * context).
    """
    from scalewatch.experiments._model import config_for_params

    ns = _check_numbers("plan_grid", "sizes", sizes, minimum=1000)
    ds = _check_numbers("plan_grid", "tokens", tokens, minimum=8 * context)
    runs = []
    for n in sorted(ns):
        cfg = config_for_params(n, context=context, head_dim=head_dim)
        for d in sorted(ds):
            runs.append(PlannedRun(_spec(cfg, d, seed=seed, min_steps=min_steps, lr_scale=lr_scale, lr_max=lr_max,
                                         eval_tokens=eval_tokens, device=device, dtype=dtype),
                                   budget=None, target_params=n))
    settings = {"sizes": sorted(ns), "tokens": sorted(ds), "context": context, "head_dim": head_dim, "seed": seed,
                "min_steps": min_steps,
                "lr_scale": lr_scale, "lr_max": lr_max}
    return Plan(runs=tuple(runs), kind="grid",
                description=f"grid: {len(ns)} sizes x {len(ds)} token counts, non-embedding N", settings=settings)


#: named plans: keyword arguments of plan_isoflop (the committed dataset is "default")
PRESETS: dict[str, dict[str, Any]] = {
    # the committed scalewatch-sweep dataset: 4 budgets x 5 sizes on the stdlib corpus, ~20-30 min on 1 CPU thread
    "default": {"budgets": [1e11, 3e11, 1e12, 3e12], "sizes_per_budget": 6, "spread": 4.0,
                "tokens_per_param": 200.0, "context": 64},
    # seconds: for trying the machinery
    "tiny": {"budgets": [1e9, 3e9], "sizes_per_budget": 2, "spread": 2.0, "context": 32, "min_steps": 20,
             "eval_tokens": 2048},
}


def preset(name: str, **overrides: Any) -> Plan:
    """The named plan of :data:`PRESETS`, with keyword overrides (e.g. ``seed``)."""
    if name not in PRESETS:
        raise ValueError(f"preset {name!r} is unknown; choose one of {', '.join(PRESETS)}")
    return plan_isoflop(**{**PRESETS[name], **overrides})


def measure_throughput(*, device: str = "cpu", threads: int | None = None, seconds: float = 2.0) -> Throughput:
    """Time training steps of two small models on this machine and fit a :class:`Throughput`.

    Two shapes (d_model 32 and 96, context 64, batch 32) are timed for about
    ``seconds / 2`` each after one warm-up step; the two step times give the
    FLOP rate (slope) and the per-step overhead (intercept).
    """
    import torch

    from scalewatch.experiments._model import ModelConfig, Transformer
    from scalewatch.experiments._train import resolve_device

    dev = resolve_device(device)
    old = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        points = []
        for cfg in (ModelConfig(1, 2, 32, context=64), ModelConfig(2, 6, 96, context=64)):
            model = Transformer(cfg).to(dev)
            opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
            x = torch.randint(0, 256, (32, 65), generator=torch.Generator().manual_seed(0)).to(dev)
            n, t_total = 0, 0.0
            while n < 2 or (t_total < seconds / 2 and n < 200):
                t0 = time.perf_counter()
                loss = model.loss(x[:, :-1], x[:, 1:])
                opt.zero_grad()
                loss.backward()
                opt.step()
                if dev == "cuda":  # pragma: no cover
                    torch.cuda.synchronize()
                dt = time.perf_counter() - t0
                if n > 0:  # the first step warms caches up
                    t_total += dt
                n += 1
            points.append((32 * 64 * train_flops_per_token(cfg), t_total / (n - 1)))
        (f1, t1), (f2, t2) = points
        rate = (f2 - f1) / max(t2 - t1, 1e-9)
        overhead = max(0.0, t1 - f1 / rate)
        if not math.isfinite(rate) or rate <= 0:  # noisy machine: fall back to the larger model's plain rate
            rate, overhead = f2 / t2, 0.0
        return Throughput(flops_per_second=rate, overhead=overhead, device=dev, threads=torch.get_num_threads())
    finally:
        torch.set_num_threads(old)
