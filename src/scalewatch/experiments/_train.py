r"""Train one small language model on a :class:`~scalewatch.experiments.Corpus` (PyTorch).

The loop is nanoGPT's, pared down: AdamW (betas 0.9/0.95, weight decay on
matrices only), linear warm-up then cosine decay to ``min_lr_ratio * lr``
over exactly the run's own token budget (Hoffmann et al. 2022, sec. 3 and
appendix B: a cosine cycle longer than the run overestimates the loss of
the shorter runs and biases the fitted law), gradient clipping at 1.0.

Everything random comes from ``spec.seed``: ``torch.manual_seed`` for the
initial weights and a ``numpy.random.Generator`` for the batch offsets. A
checkpoint stores the weights, the optimizer, both random states and the
curve so far, so a run that is killed and restarted from its last
checkpoint ends with exactly the numbers of a run that was never stopped
(on the same machine and thread count).

Validation loss is measured on a fixed set of evenly spaced windows of the
validation split (``spec.eval_tokens`` tokens), the same for every run with
the same context, so runs are comparable.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scalewatch.experiments._corpus import Corpus

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from scalewatch.experiments._model import ModelConfig

__all__ = ["RunSpec", "RunResult", "StepInfo", "train", "resolve_device"]

DEVICES = ("cpu", "cuda", "auto")
DTYPES = ("float32", "bfloat16")
# Test-only hook (see run_sweep's _SCALEWATCH_TEST_PAUSE_TRAIN): given a file path,
# train() writes that file after saving its first mid-run checkpoint and then
# sleeps, so a test can kill the process at a known point.
_PAUSE_SECONDS = 600.0
_CHECKPOINT_VERSION = 1


def _positive_int(owner: str, name: str, value: Any, *, minimum: int = 1) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{owner}({name}={value!r}): must be an int >= {minimum}")


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines one training run.

    Parameters
    ----------
    model : ModelConfig
        Shape of the transformer (its ``context`` is the sequence length).
    tokens : int
        Training-token budget D; the run takes ``steps = round(D / (batch_size
        * context))`` optimizer steps (at least 1) and sees ``steps *
        batch_size * context`` tokens (:attr:`tokens_seen`).
    batch_size : int, default 32
        Sequences per optimizer step.
    lr : float, default 3e-3
        Peak learning rate.
    warmup : float, default 0.05
        Share of the steps spent in linear warm-up from 0 to ``lr`` (at least 1 step).
    min_lr_ratio : float, default 0.1
        Final learning rate as a share of ``lr`` at the end of the cosine
        (Hoffmann et al. 2022 decay 10x).
    weight_decay : float, default 0.1
        AdamW decoupled weight decay, on weight matrices only (not biases,
        LayerNorms or embeddings; as nanoGPT).
    grad_clip : float, default 1.0
        Global gradient-norm clip.
    seed : int, default 0
        Seeds the initial weights (torch) and the batch sampling (numpy).
    eval_every : int, default 0
        Steps between validation evaluations; 0 picks ``max(1, steps // 10)``.
        The loss is also measured at step 0 and at the last step.
    eval_tokens : int, default 32768
        Validation tokens per evaluation (``eval_tokens // context`` windows).
    checkpoint_every : int, default 0
        Steps between checkpoints (when a path is given); 0 means at every evaluation.
    device : {"cpu", "cuda", "auto"}, default "cpu"
        "auto" takes CUDA when present.
    dtype : {"float32", "bfloat16"}, default "float32"
        "bfloat16" runs the forward pass under ``torch.autocast`` (weights and
        optimizer stay float32); meant for GPUs.
    compile : bool, default False
        ``torch.compile`` the model (CUDA only; ignored on CPU).
    """

    model: ModelConfig
    tokens: int
    batch_size: int = 32
    lr: float = 3e-3
    warmup: float = 0.05
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    eval_every: int = 0
    eval_tokens: int = 32768
    checkpoint_every: int = 0
    device: str = "cpu"
    dtype: str = "float32"
    compile: bool = False

    def __post_init__(self) -> None:
        from scalewatch.experiments._model import ModelConfig

        if not isinstance(self.model, ModelConfig):
            raise TypeError(f"RunSpec(model=...): must be a ModelConfig, got {type(self.model).__name__}")
        if isinstance(self.tokens, float) and self.tokens.is_integer():
            object.__setattr__(self, "tokens", int(self.tokens))
        _positive_int("RunSpec", "tokens", self.tokens)
        _positive_int("RunSpec", "batch_size", self.batch_size)
        _positive_int("RunSpec", "eval_every", self.eval_every, minimum=0)
        _positive_int("RunSpec", "checkpoint_every", self.checkpoint_every, minimum=0)
        _positive_int("RunSpec", "eval_tokens", self.eval_tokens)
        _positive_int("RunSpec", "seed", self.seed, minimum=0)
        for name, lo, hi in (("lr", 0.0, 10.0), ("warmup", 0.0, 1.0), ("min_lr_ratio", 0.0, 1.0),
                             ("weight_decay", 0.0, 10.0), ("grad_clip", 0.0, math.inf)):
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) or (
                name == "grad_clip" and value == math.inf)
            if not ok or not lo <= value <= hi or (name in ("lr", "grad_clip") and value == 0):
                raise ValueError(f"RunSpec({name}={value!r}): must be a number in {'(' if name == 'lr' else '['}"
                                 f"{lo:g}, {hi:g}]")
        if self.device not in DEVICES:
            raise ValueError(f"RunSpec(device={self.device!r}): must be one of {', '.join(DEVICES)}")
        if self.dtype not in DTYPES:
            raise ValueError(f"RunSpec(dtype={self.dtype!r}): must be one of {', '.join(DTYPES)}")

    @property
    def steps(self) -> int:
        """Optimizer steps: the token budget in whole batches (at least 1)."""
        return max(1, round(self.tokens / (self.batch_size * self.model.context)))

    @property
    def tokens_seen(self) -> int:
        """Training tokens actually processed: ``steps * batch_size * context``."""
        return self.steps * self.batch_size * self.model.context

    @property
    def warmup_steps(self) -> int:
        return max(1, round(self.warmup * self.steps))

    @property
    def eval_interval(self) -> int:
        return self.eval_every or max(1, self.steps // 10)

    @property
    def checkpoint_interval(self) -> int:
        return self.checkpoint_every or self.eval_interval

    def lr_at(self, step: int) -> float:
        """Learning rate for optimizer step ``step`` (0-based): linear warm-up, then cosine to ``min_lr_ratio * lr``."""
        w = self.warmup_steps
        if step < w:
            return self.lr * (step + 1) / w
        span = max(1, self.steps - w)
        progress = min(1.0, (step - w + 1) / span)
        ratio = self.min_lr_ratio + (1.0 - self.min_lr_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.lr * ratio

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field (the model as a nested dict)."""
        d = asdict(self)
        d["model"] = asdict(self.model)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunSpec:
        from scalewatch.experiments._model import ModelConfig

        d = dict(d)
        d["model"] = ModelConfig(**d["model"])
        return cls(**d)


@dataclass(frozen=True)
class StepInfo:
    """What :func:`train` passes to ``on_step`` after each optimizer step."""

    step: int  # steps done (1-based)
    steps: int  # total steps of the run
    tokens: int  # training tokens seen so far
    train_loss: float  # loss of this step's batch, nats/token
    val_loss: float | None  # validation loss when evaluated at this step, else None
    lr: float


@dataclass(frozen=True)
class RunResult:
    """The outcome of :func:`train`.

    Attributes
    ----------
    spec : RunSpec
    loss : float
        Final validation loss, nats per token.
    train_loss : float
        Mean training loss over the last evaluation interval, nats per token.
    curve : list of dict
        One row per evaluation: ``step``, ``tokens``, ``train_loss`` (mean since
        the previous evaluation; NaN at step 0), ``val_loss``, ``lr``.
    wall_seconds : float
        Time spent in this run, evaluations and restarts' earlier pieces included.
    tokens_per_second : float
        Training throughput, training steps only.
    resumed_from : int
        The step a checkpoint restarted the run from (0 if it started fresh).
    """

    spec: RunSpec
    loss: float
    train_loss: float
    curve: list[dict[str, float]] = field(repr=False)
    wall_seconds: float
    tokens_per_second: float
    resumed_from: int = 0
    device: str = "cpu"
    torch_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "loss": self.loss,
            "train_loss": self.train_loss,
            "curve": [dict(r) for r in self.curve],
            "wall_seconds": self.wall_seconds,
            "tokens_per_second": self.tokens_per_second,
            "resumed_from": self.resumed_from,
            "device": self.device,
            "torch_version": self.torch_version,
        }


def resolve_device(device: str) -> str:
    """"auto" -> "cuda" when available, else "cpu"; "cuda" without CUDA is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("RunSpec(device='cuda'): no CUDA device is visible to torch; use device='cpu' or 'auto'")
    return device


def _eval_starts(n_val: int, context: int, eval_tokens: int) -> np.ndarray:
    if n_val < context + 1:
        raise ValueError(f"train: the validation split has {n_val} bytes, fewer than context + 1 = {context + 1}; "
                         "use a larger corpus or a shorter context")
    n = max(1, eval_tokens // context)
    return np.unique(np.linspace(0, n_val - context - 1, n).round().astype(np.int64))


def _windows(data: np.ndarray, starts: np.ndarray, context: int) -> np.ndarray:
    # (len(starts), context + 1) int64 windows: inputs are [:, :-1], targets [:, 1:]
    return data[starts[:, None] + np.arange(context + 1)].astype(np.int64)


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a kill leaves either the old or the new checkpoint


def train(
    spec: RunSpec,
    corpus: Corpus,
    *,
    on_step: Callable[[StepInfo], None] | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    _pause_marker: str | None = None,
) -> RunResult:
    """Train ``spec.model`` on ``corpus`` for ``spec.tokens`` tokens.

    Parameters
    ----------
    spec : RunSpec
    corpus : Corpus
    on_step : callable, optional
        Called with a :class:`StepInfo` after every optimizer step. An
        exception raised in it stops training (the last checkpoint stays).
    checkpoint_path : path, optional
        Where to keep the checkpoint (written atomically every
        ``spec.checkpoint_interval`` steps and at the end). If the file exists
        and belongs to the same spec and corpus, training resumes from it.

    Returns
    -------
    RunResult

    Raises
    ------
    ValueError
        If the checkpoint at ``checkpoint_path`` belongs to another spec or
        corpus, or the corpus is too small for the context.
    """
    import torch

    from scalewatch.experiments._model import Transformer

    if not isinstance(spec, RunSpec):
        raise TypeError(f"train(spec=...): must be a RunSpec, got {type(spec).__name__}")
    if not isinstance(corpus, Corpus):
        raise TypeError(f"train(corpus=...): must be a Corpus, got {type(corpus).__name__}")
    device = resolve_device(spec.device)
    cfg = spec.model
    T, B = cfg.context, spec.batch_size
    if corpus.train.size < T + 2:
        raise ValueError(f"train: the corpus {corpus.name!r} has {corpus.train.size} training bytes, fewer than "
                         f"context + 2 = {T + 2}")
    val_windows = torch.from_numpy(_windows(corpus.val, _eval_starts(corpus.val.size, T, spec.eval_tokens), T))

    torch.manual_seed(spec.seed)
    model = Transformer(cfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.startswith(("tok.", "pos."))]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and not n.startswith(("tok.", "pos.")))]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": spec.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=spec.lr, betas=(0.9, 0.95), eps=1e-8,
    )
    rng = np.random.default_rng(spec.seed)
    fwd = model
    if device == "cuda" and spec.compile:  # pragma: no cover - needs a GPU
        fwd = torch.compile(model)
    autocast_dtype = torch.bfloat16 if spec.dtype == "bfloat16" else None

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if autocast_dtype is None:
            return fwd.loss(x, y) if fwd is model else _compiled_loss(fwd, x, y)
        with torch.autocast(device_type=device, dtype=autocast_dtype):
            return fwd.loss(x, y) if fwd is model else _compiled_loss(fwd, x, y)

    @torch.no_grad()
    def evaluate() -> float:
        model.eval()
        total, count = 0.0, 0
        for i in range(0, len(val_windows), 64):
            w = val_windows[i:i + 64].to(device)
            total += float(loss_of(w[:, :-1], w[:, 1:])) * len(w)
            count += len(w)
        model.train()
        return total / count

    key = {"spec": spec.to_dict(), "corpus_sha256": corpus.sha256}
    ckpt = Path(checkpoint_path) if checkpoint_path is not None else None
    step, curve, acc_loss, acc_n, elapsed, train_time = 0, [], 0.0, 0, 0.0, 0.0
    resumed_from = 0
    if ckpt is not None and ckpt.is_file():
        state = torch.load(ckpt, map_location=device, weights_only=True)  # plain tensors, numbers, dicts and lists only
        if state.get("version") != _CHECKPOINT_VERSION or state.get("key") != key:
            raise ValueError(f"train: checkpoint {ckpt} belongs to another run spec or corpus; delete it or choose "
                             "another checkpoint_path")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        step, curve = state["step"], state["curve"]
        acc_loss, acc_n, elapsed, train_time = state["acc_loss"], state["acc_n"], state["elapsed"], state["train_time"]
        resumed_from = step

    def checkpoint() -> None:
        if ckpt is None:
            return
        _save_checkpoint(ckpt, {
            "version": _CHECKPOINT_VERSION, "key": key, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "step": step,
            "curve": curve, "acc_loss": acc_loss, "acc_n": acc_n,
            "elapsed": elapsed + (time.perf_counter() - t0), "train_time": train_time,
        })

    t0 = time.perf_counter()
    model.train()
    if step == 0:
        curve.append({"step": 0, "tokens": 0.0, "train_loss": math.nan, "val_loss": evaluate(), "lr": 0.0})
    high = corpus.train.size - T - 1
    while step < spec.steps:
        lr = spec.lr_at(step)
        for group in opt.param_groups:
            group["lr"] = lr
        offsets = rng.integers(0, high + 1, size=B)
        batch = torch.from_numpy(_windows(corpus.train, offsets, T)).to(device)
        ts = time.perf_counter()
        loss = loss_of(batch[:, :-1], batch[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), spec.grad_clip)
        opt.step()
        value = float(loss.detach())
        train_time += time.perf_counter() - ts
        if not math.isfinite(value):
            raise FloatingPointError(f"train: loss became {value} at step {step + 1} of {spec.steps} "
                                     f"(lr {lr:.3g}); lower RunSpec(lr=...)")
        step += 1
        acc_loss, acc_n = acc_loss + value, acc_n + 1
        val = None
        if step % spec.eval_interval == 0 or step == spec.steps:
            val = evaluate()
            curve.append({"step": step, "tokens": float(step * B * T), "train_loss": acc_loss / acc_n,
                          "val_loss": val, "lr": lr})
            acc_loss, acc_n = 0.0, 0
        if ckpt is not None and (step % spec.checkpoint_interval == 0 or step == spec.steps):
            checkpoint()
            if _pause_marker and step < spec.steps and not Path(_pause_marker).exists():
                Path(_pause_marker).write_text(f"checkpoint at step {step} of {spec.steps}\n")
                time.sleep(_PAUSE_SECONDS)
        if on_step is not None:
            on_step(StepInfo(step=step, steps=spec.steps, tokens=step * B * T, train_loss=value, val_loss=val,
                             lr=lr))
    wall = elapsed + (time.perf_counter() - t0)
    last = curve[-1]
    return RunResult(
        spec=spec,
        loss=float(last["val_loss"]),
        train_loss=float(last["train_loss"]),
        curve=[dict(r) for r in curve],
        wall_seconds=wall,
        tokens_per_second=(spec.steps * B * T) / train_time if train_time > 0 else math.nan,
        resumed_from=resumed_from,
        device=device,
        torch_version=torch.__version__,
    )


def _compiled_loss(fwd: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # pragma: no cover - GPU only
    import torch.nn.functional as F

    logits = fwd(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), y.reshape(-1))
