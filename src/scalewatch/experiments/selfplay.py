r"""Synthetic data, measured: System 2 -> System 1 distillation with and without a verifier.

Two loops on our own tiny byte-level transformers (:class:`~scalewatch.experiments.Transformer`):

**Closed domain (arithmetic, an exact checker exists).** A *seed* model is
trained on a limited ground-truth set of sums with 1-2 digit operands
(``"\n{a}+{b}={a+b reversed}"``, :mod:`scalewatch.experiments._arith`). Each
round the *System 2* process samples ``k`` answers at temperature ``T`` to a
fresh pool of unlabelled problems that includes harder ones (3-digit
operands), and labels them; the *System 1* model is then trained on the seed
set plus every label accepted so far (fine-tuned from the current model, or
retrained from scratch at the same size: ``mode``). This is expert iteration
/ STaR (Anthony et al. 2017; Zelikman et al. 2022; Silver et al. 2017). Arms:

* ``verified``: keep a sampled answer only if the exact checker accepts it;
* ``majority``: no checker, keep the most frequent answer per problem
  (self-consistency; Wang et al. 2023);
* ``unverified``: no checker, keep every distinct well-formed sample;
* ``ground_truth``: the same pool labelled with the true answers (the same
  training compute spent on more human data; no generation compute);
* ``seed_only``: the same training compute spent on the seed set alone;
* ``larger_model`` (optional, not in the default run): the *total* compute of the
  ``verified`` chain up to round r (its seed model, and every round's
  generation and training FLOPs) spent instead on training a model of twice the
  width (``d_model``; about 4x the parameters) from scratch on the seed set.

Per round: greedy pass@1 on held-out problems of each difficulty (operand
digits), the acceptance rate (share of samples the checker accepts, for every
arm, whether or not the arm uses it), the share of kept labels that are
correct, and the FLOPs of generation and of training.

**Open domain (text, no verifier).** Generation 0 is trained on human text
(the Python standard library corpus, :func:`~scalewatch.experiments.stdlib_corpus`);
generation ``g`` is trained from scratch on text sampled from generation
``g - 1``, either all synthetic (``synthetic``; Shumailov et al. 2024) or with a
fixed share of the original human data in every batch (``mixed``;
Gerstgrasser et al. 2024). Per generation: held-out loss on real human text,
the distinct n-gram ratio of the samples (:func:`distinct_ngram_ratio`) and the
share of sampled bytes that fall in the human tail (:func:`tail_share`).

FLOPs
-----
Training: :meth:`ModelConfig.flops_per_token` (:math:`6N + 6 n_{layer} T d`)
per token seen. Generation without a key/value cache: a forward pass costs a
third of that per position, and step :math:`s` of a prompt of length
:math:`L_0` processes :math:`L_0 + s` positions, so a sample of ``m`` new
bytes costs :math:`\tfrac13 F \sum_{s=0}^{m-1} (L_0 + s)` (an upper bound:
early stopping is not subtracted).

Resuming and executors
----------------------
One round of one chain, (part, arm, seed, round), is the unit of work; the
units of one round are independent and run on the sweep runner's executors
(in-process, a local process pool, or Ray). Every finished unit saves its
model and data in the state folder and returns its record, which the parent
alone appends as one JSON line to ``results.jsonl``; :func:`run_selfplay`
skips the records already there and restarts each chain from its last saved
round. Every random draw is seeded from
``SeedSequence([seed, part, arm, round])``, so an interrupted run resumed
gives the records of an uninterrupted one (``tests/experiments/test_selfplay.py``).

References
----------
Anthony, Tian and Barber (2017), "Thinking Fast and Slow with Deep Learning and Tree Search", NeurIPS, arXiv:1705.08439.
Zelikman, Wu, Mu and Goodman (2022), "STaR: Bootstrapping Reasoning With Reasoning", NeurIPS, arXiv:2203.14465.
Silver et al. (2017), "Mastering the game of Go without human knowledge", Nature 550, 354-359.
Wang et al. (2023), "Self-Consistency Improves Chain of Thought Reasoning in Language Models", ICLR, arXiv:2203.11171.
Shumailov et al. (2024), "AI models collapse when trained on recursively generated data", Nature 631, 755-759.
Gerstgrasser et al. (2024), "Is Model Collapse Inevitable? Breaking the Curse of Recursion by Accumulating Real and
Synthetic Data", arXiv:2404.01413.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SelfPlayConfig",
    "ARMS",
    "DEFAULT_ARMS",
    "TEXT_ARMS",
    "DATA_DIR",
    "check_sums",
    "distinct_ngram_ratio",
    "tail_share",
    "run_selfplay",
    "load_selfplay",
    "read_records",
    "strip_timing",
    "SelfPlayResult",
    "Interrupted",
]

#: closed-domain arms
ARMS = ("verified", "majority", "unverified", "ground_truth", "seed_only", "larger_model")
#: the closed-domain arms of the default (committed) run: all of them
DEFAULT_ARMS = ARMS
#: open-domain arms
TEXT_ARMS = ("synthetic", "mixed")
#: the committed result of the default run
DATA_DIR = Path(__file__).with_name("data") / "selfplay"
RESULTS = "results.jsonl"
_PART_ID = {"closed": 1, "open": 2}
# appended, never reordered: the ids seed every draw, so the committed records stay reproducible
_ARM_ID = {a: i for i, a in enumerate(("seed", "human", "verified", "majority", "unverified", "ground_truth",
                                       "seed_only", "synthetic", "mixed", "larger_model"))}
_TIMING = ("seconds",)
# Test-only hook: when set to a file path, the first round (not a base model) to finish creates
# that file and kills its own process with SIGKILL after saving its checkpoint, before its record
# reaches the parent. Only with a pool or Ray (in-process it would kill the run). Never set it in real use.
_KILL_ENV = "_SCALEWATCH_TEST_KILL_ROUND"


# =============================================================================
# configuration
# =============================================================================


@dataclass(frozen=True)
class SelfPlayConfig:
    """Every setting of :func:`run_selfplay` (the default is the committed run, ~12 minutes on one CPU core).

    Parameters
    ----------
    seeds : tuple of int
        One chain of every arm per seed; intervals are over seeds.
    rounds : int
        Closed domain: rounds of sample -> filter -> train.
    arms : tuple of str
        Closed-domain arms, a subset of :data:`ARMS` (default :data:`DEFAULT_ARMS`, all of them).
    mode : {"finetune", "scratch"}
        ``finetune``: train the current model for ``round_steps`` on the seed
        set plus all kept labels; ``scratch``: re-initialise and train
        ``seed_steps`` on them.
    seed_problems : int
        Ground-truth problems in the seed set: 1-2 digit operands, and a
        share ``seed_hard_share`` with the pool's largest digit count (a few
        hard examples to bootstrap from, as STaR starts from a few-shot prompt).
    seed_hard_share : float
    pool_problems : int
        Unlabelled problems per round (``pool_digits`` operands, drawn fresh each round).
    pool_digits : tuple of int
        Operand digit counts of the unlabelled pool (3 is harder than the seed set).
    eval_digits : tuple of int
        Difficulties of the held-out sets (operand digits).
    heldout_per_digit : int
        Held-out problems per difficulty.
    k, temperature : int, float
        Samples per unlabelled problem and their temperature.
    model : (n_layer, n_head, d_model)
        Shape of both domains' models.
    arith_context, text_context : int
    seed_steps, round_steps, text_steps : int
        Optimizer steps of the seed model, of each round's fine-tune, and of
        each text generation.
    batch_size, lr : int, float
    generations : int
        Open domain: generations after the human-trained one.
    text_arms : tuple of str
        A subset of :data:`TEXT_ARMS`.
    human_fraction : float
        ``mixed``: share of every batch drawn from the human text.
    text_bytes : int
        Bytes of the human corpus (stdlib).
    text_samples : int
        Sequences sampled per generation (each ``text_context - 1`` bytes).
    ngram : int
        ``n`` of the distinct n-gram ratio.
    tail : float
        Human tail: the rarest bytes that make up this share of the human text.
    threads : int
        ``torch.set_num_threads`` during the run.
    """

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    rounds: int = 3
    arms: tuple[str, ...] = DEFAULT_ARMS
    mode: str = "finetune"
    seed_problems: int = 1000
    seed_hard_share: float = 0.1
    pool_problems: int = 300
    pool_digits: tuple[int, ...] = (2, 3)
    eval_digits: tuple[int, ...] = (2, 3)
    heldout_per_digit: int = 100
    k: int = 8
    temperature: float = 1.0
    model: tuple[int, int, int] = (2, 2, 64)
    arith_context: int = 32
    seed_steps: int = 2500
    round_steps: int = 200
    batch_size: int = 32
    lr: float = 3e-3
    generations: int = 4
    text_arms: tuple[str, ...] = TEXT_ARMS
    human_fraction: float = 0.5
    text_bytes: int = 200_000
    text_context: int = 48
    text_steps: int = 300
    text_samples: int = 256
    ngram: int = 4
    tail: float = 0.05
    threads: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, list):
                object.__setattr__(self, f.name, tuple(v))
        w = "SelfPlayConfig"
        ints = ("rounds", "seed_problems", "pool_problems", "heldout_per_digit", "k", "arith_context", "seed_steps",
                "round_steps", "batch_size", "text_bytes", "text_context", "text_steps", "text_samples", "ngram", "threads")
        for name in ints:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{w}({name}={v!r}): an integer >= 1.")
        if isinstance(self.generations, bool) or not isinstance(self.generations, int) or self.generations < 0:
            raise ValueError(f"{w}(generations={self.generations!r}): an integer >= 0.")
        if not self.seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
            raise ValueError(f"{w}(seeds={self.seeds!r}): a non-empty tuple of integers >= 0, e.g. (0, 1, 2).")
        bad = [a for a in self.arms if a not in ARMS]
        if bad or not self.arms:
            raise ValueError(f"{w}(arms={self.arms!r}): a non-empty subset of {ARMS}; unknown {bad}.")
        bad = [a for a in self.text_arms if a not in TEXT_ARMS]
        if bad:
            raise ValueError(f"{w}(text_arms={self.text_arms!r}): a subset of {TEXT_ARMS}; unknown {bad}.")
        if self.mode not in ("finetune", "scratch"):
            raise ValueError(f"{w}(mode={self.mode!r}): 'finetune' or 'scratch'.")
        for name in ("pool_digits", "eval_digits"):
            v = getattr(self, name)
            if not v or any(not isinstance(d, int) or not 1 <= d <= 4 for d in v):
                raise ValueError(f"{w}({name}={v!r}): operand digit counts in 1..4, e.g. (2, 3).")
        if not 0.0 <= self.seed_hard_share <= 1.0:
            raise ValueError(f"{w}(seed_hard_share={self.seed_hard_share!r}): a share in [0, 1], e.g. 0.05.")
        if not 0.0 <= self.human_fraction <= 1.0:
            raise ValueError(f"{w}(human_fraction={self.human_fraction!r}): a share in [0, 1].")
        if not 0.0 < self.tail < 1.0:
            raise ValueError(f"{w}(tail={self.tail!r}): a share in (0, 1), e.g. 0.05.")
        if not self.temperature > 0:
            raise ValueError(f"{w}(temperature={self.temperature!r}): > 0 (sampling needs diversity).")
        if len(self.model) != 3 or self.model[2] % self.model[1]:
            raise ValueError(f"{w}(model={self.model!r}): (n_layer, n_head, d_model) with d_model a multiple of n_head.")
        if self.arith_context < 16:
            raise ValueError(f"{w}(arith_context={self.arith_context}): >= 16 (a prompt and answer take up to 15 bytes).")

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SelfPlayConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"SelfPlayConfig.from_dict: unknown settings {unknown}; allowed: {sorted(known)}.")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# =============================================================================
# pure measures (NumPy only)
# =============================================================================


def _rev(x: int) -> str:
    return str(int(x))[::-1]


def check_sums(a: Sequence[int], b: Sequence[int], answers: Sequence[str]) -> np.ndarray:
    """The exact checker: ``answers[i]`` is ``a[i] + b[i]`` written least-significant digit first.

    No stripping: a space, a leading (reversed: trailing) zero or a missing digit is wrong.

    Examples
    --------
    >>> check_sums([12, 99], [34, 1], ["64", "001"]).tolist()
    [True, True]
    >>> check_sums([12, 12, 12], [34, 34, 34], ["46", "640", " 64"]).tolist()
    [False, False, False]
    """
    if not len(a) == len(b) == len(answers):
        raise ValueError(f"check_sums: {len(a)} a, {len(b)} b and {len(answers)} answers; give one of each per problem.")
    return np.array([ans == _rev(x + y) for x, y, ans in zip(a, b, answers)], dtype=bool)


def distinct_ngram_ratio(texts: Iterable[bytes], n: int = 4) -> float:
    r"""Distinct n-grams over all n-grams of the texts (Li et al. 2016's distinct-n, on bytes).

    :math:`\text{distinct-}n = |\{g\}| / \sum_t (|t| - n + 1)^+`, 1 when no n-gram repeats,
    :math:`1/\text{total}` when all are equal; NaN when no text has ``n`` bytes.

    Examples
    --------
    >>> distinct_ngram_ratio([b"abab"], n=2)   # ab, ba, ab: 2 distinct of 3
    0.6666666666666666
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"distinct_ngram_ratio(n={n!r}): an integer >= 1.")
    seen: set[bytes] = set()
    total = 0
    for t in texts:
        t = bytes(t)
        for i in range(len(t) - n + 1):
            seen.add(t[i : i + n])
            total += 1
    return len(seen) / total if total else float("nan")


def tail_share(sample: np.ndarray, reference: np.ndarray, tail: float = 0.05, vocab: int = 256) -> tuple[float, float]:
    r"""Share of ``sample`` bytes in the reference's tail, and the reference's own share.

    The tail is the set of rarest byte values of ``reference`` (ascending
    frequency, among those that occur) whose cumulative share does not exceed
    ``tail``. A model that forgets the tail (Shumailov et al. 2024) puts less
    than the reference's share there.

    Returns
    -------
    (float, float)
        ``(sample share, reference share)``.

    Examples
    --------
    >>> ref = np.array([0] * 90 + [1] * 6 + [2] * 4, dtype=np.uint8)
    >>> tail_share(np.array([0] * 99 + [2], dtype=np.uint8), ref, tail=0.1)
    (0.01, 0.1)
    """
    ref = np.bincount(np.asarray(reference, dtype=np.int64).ravel(), minlength=vocab).astype(np.float64)
    smp = np.bincount(np.asarray(sample, dtype=np.int64).ravel(), minlength=vocab).astype(np.float64)
    if ref.sum() == 0 or smp.sum() == 0:
        raise ValueError("tail_share: empty sample or reference; give at least one byte of each.")
    p = ref / ref.sum()
    order = [i for i in np.argsort(p, kind="stable") if p[i] > 0]
    cum, members = 0.0, []
    for i in order:
        if cum + p[i] > tail + 1e-12:
            break
        cum += p[i]
        members.append(i)
    return float(smp[members].sum() / smp.sum()), float(cum)


# =============================================================================
# results file
# =============================================================================


def _key(rec: dict[str, Any]) -> tuple[str, str, int, int]:
    return (rec["part"], rec["arm"], int(rec["seed"]), int(rec["round"]))


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``results.jsonl``; a torn last line (a kill mid-write) is dropped."""
    p = Path(path)
    if not p.is_file():
        return []
    out = []
    for line in p.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _append(path: Path, rec: dict[str, Any]) -> None:
    with open(path, "a") as fh:
        fh.write(json.dumps(rec, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


class Interrupted(RuntimeError):
    """Raised by :func:`run_selfplay` after ``stop_after`` new records (a simulated kill, for tests)."""


@dataclass(frozen=True)
class SelfPlayResult:
    """The records of a run and its configuration (``records``: one dict per (part, arm, seed, round))."""

    config: SelfPlayConfig
    records: tuple[dict[str, Any], ...] = field(repr=False)
    meta: dict[str, Any] = field(default_factory=dict, repr=False)

    def frame(self, part: str) -> Any:
        import pandas as pd

        return pd.DataFrame([r for r in self.records if r["part"] == part])


def load_selfplay(folder: str | Path | None = None) -> SelfPlayResult:
    """The committed default run (``experiments/data/selfplay``) or the run in ``folder``."""
    src = DATA_DIR if folder is None else Path(folder)
    cfg_path = src / "config.json"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"load_selfplay({str(src)!r}): no config.json; run `scalewatch experiment selfplay --out {src}`.")
    meta = json.loads(cfg_path.read_text())
    return SelfPlayResult(SelfPlayConfig.from_dict(meta["config"]), tuple(read_records(src / RESULTS)), meta)


# =============================================================================
# torch parts
# =============================================================================


def _seed(seed: int, part: str, arm: str, rnd: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, _PART_ID[part], _ARM_ID[arm], rnd])


def _new_model(cfg: SelfPlayConfig, context: int, ss: np.random.SeedSequence) -> Any:
    import torch

    from scalewatch.experiments._model import ModelConfig, Transformer

    torch.manual_seed(int(ss.generate_state(1)[0]))
    n_layer, n_head, d = cfg.model
    return Transformer(ModelConfig(n_layer=n_layer, n_head=n_head, d_model=d, context=context))


def _fit(model: Any, streams: Sequence[np.ndarray], weights: Sequence[float], steps: int, cfg: SelfPlayConfig,
         ss: np.random.SeedSequence) -> float:
    """Train ``model`` on random windows of the byte ``streams`` (each window from stream i with prob weights[i]).

    AdamW (wd 0.01), linear warm-up over 5% of the steps, cosine decay to 10%. Returns training FLOPs.
    """
    import math

    import torch

    ctx = model.cfg.context
    rng = np.random.default_rng(ss)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01, betas=(0.9, 0.95))
    w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    warm = max(1, steps // 20)
    model.train()
    for step in range(steps):
        lr = cfg.lr * (step + 1) / warm if step < warm else cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, steps - warm))))
        for g in opt.param_groups:
            g["lr"] = lr
        which = rng.choice(len(streams), size=cfg.batch_size, p=w)
        rows = []
        for s in which:
            data = streams[s]
            i = int(rng.integers(0, len(data) - ctx - 1))
            rows.append(data[i : i + ctx + 1])
        batch = torch.from_numpy(np.stack(rows).astype(np.int64))
        loss = model.loss(batch[:, :-1], batch[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return float(model.cfg.flops_per_token() * steps * cfg.batch_size * ctx)


def _stream(lines: Sequence[str], rng: np.random.Generator, min_len: int) -> np.ndarray:
    """Shuffled lines joined into one byte stream starting with a newline, repeated to at least ``min_len`` bytes."""
    order = rng.permutation(len(lines))
    text = "\n" + "".join(lines[i] for i in order)
    while len(text) < min_len:
        order = rng.permutation(len(lines))
        text += "".join(lines[i] for i in order)
    return np.frombuffer(text.encode(), dtype=np.uint8).copy()


def _gen_flops(model: Any, prompt_lengths: Sequence[int], n: int, new: int) -> float:
    f = model.cfg.flops_per_token() / 3.0
    return float(sum(n * f * sum(L + s for s in range(new)) for L in prompt_lengths))


def _draw_sums(rng: np.random.Generator, m: int, digits: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    d = rng.choice(np.asarray(digits), size=m)
    lo = np.where(d == 1, 1, 10 ** (d - 1))
    hi = 10 ** d
    a = lo + np.floor(rng.random(m) * (hi - lo)).astype(np.int64)
    b = lo + np.floor(rng.random(m) * (hi - lo)).astype(np.int64)
    return a, b


def _pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.minimum(a, b) * 100_000 + np.maximum(a, b)


def _line(a: int, b: int, ans: str) -> str:
    return f"{a}+{b}={ans}\n"


@dataclass(frozen=True)
class _ArithData:
    heldout: dict[int, tuple[np.ndarray, np.ndarray]]
    seed_lines: tuple[str, ...]
    exclude: frozenset[int]


def _arith_data(cfg: SelfPlayConfig, seed: int) -> _ArithData:
    rng = np.random.default_rng(_seed(seed, "closed", "seed", 10_000))
    heldout: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    used: set[int] = set()
    for d in cfg.eval_digits:
        a, b = _draw_sums(rng, 20 * cfg.heldout_per_digit, (d,))
        keep_a, keep_b = [], []
        for x, y, k in zip(a.tolist(), b.tolist(), _pair_key(a, b).tolist()):
            if k not in used:
                used.add(k)
                keep_a.append(x)
                keep_b.append(y)
            if len(keep_a) == cfg.heldout_per_digit:
                break
        if len(keep_a) < cfg.heldout_per_digit:
            raise ValueError(f"SelfPlayConfig(heldout_per_digit={cfg.heldout_per_digit}): only {len(keep_a)} distinct "
                             f"{d}-digit sums; ask for fewer.")
        heldout[d] = (np.array(keep_a), np.array(keep_b))
    n_hard = int(round(cfg.seed_hard_share * cfg.seed_problems))
    parts = []
    for n, digits in ((cfg.seed_problems - n_hard, (1, 2)), (n_hard, (max(cfg.pool_digits),))):
        a, b = _draw_sums(rng, 20 * n + 1, digits)
        ok = ~np.isin(_pair_key(a, b), list(used))
        parts.append((a[ok][:n], b[ok][:n]))
    a, b = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    lines = tuple(_line(x, y, _rev(x + y)) for x, y in zip(a.tolist(), b.tolist()))
    return _ArithData(heldout, lines, frozenset(used))


def _answers(model: Any, a: np.ndarray, b: np.ndarray, n: int, temperature: float, seed: int) -> list[list[str]]:
    from scalewatch.experiments._sampling import decode, sample

    prompts = [f"\n{x}+{y}=" for x, y in zip(a.tolist(), b.tolist())]
    out = sample(model, prompts, n, temperature=temperature, max_new_tokens=6, seed=seed)
    return decode(out)


def _evaluate(model: Any, data: _ArithData) -> dict[str, float]:
    res = {}
    for d, (a, b) in data.heldout.items():
        ans = [x[0] for x in _answers(model, a, b, 1, 0.0, 0)]
        res[f"pass@1 d{d}"] = float(check_sums(a.tolist(), b.tolist(), ans).mean())
    res["pass@1"] = float(np.mean([res[f"pass@1 d{d}"] for d in data.heldout]))
    return res


def _well_formed(s: str) -> bool:
    return 0 < len(s) <= 5 and s.isdigit()


def _label(arm: str, a: np.ndarray, b: np.ndarray, samples: list[list[str]] | None) -> tuple[list[str], dict[str, float]]:
    """Labels of one round's pool by one arm, and what they are worth."""
    truth = [_rev(x + y) for x, y in zip(a.tolist(), b.tolist())]
    lines: list[str] = []
    n_correct_kept = 0
    stats: dict[str, float] = {}
    if samples is not None:
        flat_ok = [[s == t for s in row] for row, t in zip(samples, truth)]
        stats["acceptance rate"] = float(np.mean([np.mean(r) for r in flat_ok]))
        stats["problems solved"] = float(np.mean([any(r) for r in flat_ok]))
    for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
        if arm == "ground_truth":
            kept = [truth[i]]
        elif arm == "verified":
            kept = [truth[i]] if samples is not None and truth[i] in samples[i] else []
        elif arm == "majority":
            votes = Counter(s for s in samples[i] if _well_formed(s))  # type: ignore[index]
            kept = [sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]] if votes else []
        elif arm == "unverified":
            kept = sorted({s for s in samples[i] if _well_formed(s)})  # type: ignore[index]
        else:
            kept = []
        n_correct_kept += sum(k == truth[i] for k in kept)
        lines.extend(_line(x, y, k) for k in kept)
    stats["labels kept"] = float(len(lines))
    stats["label precision"] = float(n_correct_kept / len(lines)) if lines else float("nan")
    return lines, stats


def _save(path: Path, model: Any, extra: dict[str, Any]) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    # numpy arrays travel as tensors, so the checkpoint loads with weights_only=True (no pickled objects)
    extra = {k: torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v for k, v in extra.items()}
    torch.save({"model": model.state_dict(), **extra}, tmp)
    os.replace(tmp, path)


def _load(path: Path, model: Any) -> dict[str, Any]:
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)  # tensors, lists and strings only: no pickled code
    model.load_state_dict(state.pop("model"))
    return {"model": model, **{k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in state.items()}}


def _closed_base(cfg: SelfPlayConfig, seed: int, state: Path) -> dict[str, Any]:
    """Round 0 of the closed domain: the seed model of ``seed``, trained on the ground-truth seed set."""
    data = _arith_data(cfg, seed)
    ctx = cfg.arith_context
    t0 = time.perf_counter()
    model = _new_model(cfg, ctx, _seed(seed, "closed", "seed", 0))
    seed_flops = float(model.cfg.flops_per_token() * cfg.seed_steps * cfg.batch_size * ctx)
    rng = np.random.default_rng(_seed(seed, "closed", "seed", 0))
    _fit(model, [_stream(data.seed_lines, rng, 4 * ctx)], [1.0], cfg.seed_steps, cfg, _seed(seed, "closed", "seed", 1))
    _save(_state_file(state, "closed", "seed", seed, 0), model, {"lines": []})
    return {"part": "closed", "arm": "seed", "seed": seed, "round": 0, **_evaluate(model, data),
            "train FLOPs": seed_flops, "generation FLOPs": 0.0, "seconds": time.perf_counter() - t0}


def _round_pool(cfg: SelfPlayConfig, seed: int, r: int, data: _ArithData) -> tuple[np.ndarray, np.ndarray]:
    """The unlabelled problems of round ``r``: the same for every arm (seeded without the arm)."""
    rng = np.random.default_rng(_seed(seed, "closed", "seed", 100 + r))
    a, b = _draw_sums(rng, 3 * cfg.pool_problems, cfg.pool_digits)
    ok = ~np.isin(_pair_key(a, b), list(data.exclude))
    return a[ok][: cfg.pool_problems], b[ok][: cfg.pool_problems]


def _larger_round(cfg: SelfPlayConfig, seed: int, r: int, state: Path, data: _ArithData) -> dict[str, Any]:
    r"""Round ``r`` of ``larger_model``: the ``verified`` chain's compute up to round ``r``, on a wider model.

    Budget :math:`C_r = C_\text{seed} + \sum_{j \le r} (C^\text{gen}_j + C^\text{train}_j)` of the
    ``verified`` arm (its generation FLOPs counted as if every sample ran to the 6-byte limit, as
    :func:`_gen_flops` does); a model of width ``2 d_model`` is trained from scratch on the seed set for
    :math:`\lfloor C_r / (F B T) \rfloor` steps, :math:`F` its FLOPs per token.
    """
    import dataclasses

    ctx = cfg.arith_context
    t0 = time.perf_counter()
    small = _new_model(cfg, ctx, _seed(seed, "closed", "seed", 0))
    per_step = float(small.cfg.flops_per_token() * cfg.batch_size * ctx)
    budget = per_step * cfg.seed_steps
    for j in range(1, r + 1):
        a, b = _round_pool(cfg, seed, j, data)
        budget += _gen_flops(small, [len(f"\n{x}+{y}=") for x, y in zip(a.tolist(), b.tolist())], cfg.k, 6)
        budget += per_step * (cfg.seed_steps if cfg.mode == "scratch" else cfg.round_steps)
    n_layer, n_head, d = cfg.model
    wide = dataclasses.replace(cfg, model=(n_layer, n_head, 2 * d))
    model = _new_model(wide, ctx, _seed(seed, "closed", "larger_model", r))
    steps = max(1, int(budget // (model.cfg.flops_per_token() * cfg.batch_size * ctx)))
    rng = np.random.default_rng(_seed(seed, "closed", "larger_model", 1000 + r))
    flops = _fit(model, [_stream(data.seed_lines, rng, 4 * ctx)], [1.0], steps, cfg,
                 _seed(seed, "closed", "larger_model", 2000 + r))
    _save(_state_file(state, "closed", "larger_model", seed, r), model, {"lines": []})
    return {"part": "closed", "arm": "larger_model", "seed": seed, "round": r, **_evaluate(model, data),
            "train FLOPs": flops, "generation FLOPs": 0.0, "training lines": len(data.seed_lines),
            "params": int(model.cfg.params()), "compute budget": budget, "seconds": time.perf_counter() - t0}


def _closed_round(cfg: SelfPlayConfig, seed: int, arm: str, r: int, state: Path) -> dict[str, Any]:
    """Round ``r`` >= 1 of one closed-domain chain, from the model and labels saved by round ``r - 1``."""
    data = _arith_data(cfg, seed)
    if arm == "larger_model":  # no chain: each round a fresh model at that round's compute
        return _larger_round(cfg, seed, r, state, data)
    ctx = cfg.arith_context
    t0 = time.perf_counter()
    model = _new_model(cfg, ctx, _seed(seed, "closed", "seed", 0))
    prev = _state_file(state, "closed", "seed", seed, 0) if r == 1 else _state_file(state, "closed", arm, seed, r - 1)
    lines = list(_load(prev, model)["lines"])
    ss = _seed(seed, "closed", arm, r)
    s_pool, s_sample, s_stream, s_fit, s_init = ss.spawn(5)
    a, b = _round_pool(cfg, seed, r, data)
    gen_flops = 0.0
    samples = None
    if arm in ("verified", "majority", "unverified"):
        samples = _answers(model, a, b, cfg.k, cfg.temperature, int(s_sample.generate_state(1)[0]))
        gen_flops = _gen_flops(model, [len(f"\n{x}+{y}=") for x, y in zip(a.tolist(), b.tolist())], cfg.k, 6)
    new_lines, stats = _label(arm, a, b, samples)
    lines = lines + new_lines
    train_lines = list(data.seed_lines) + lines
    srng = np.random.default_rng(s_stream)
    stream = _stream(train_lines, srng, 4 * ctx)
    if cfg.mode == "scratch":
        model = _new_model(cfg, ctx, s_init)
        steps = cfg.seed_steps
    else:
        steps = cfg.round_steps
    train_flops = _fit(model, [stream], [1.0], steps, cfg, s_fit)
    _save(_state_file(state, "closed", arm, seed, r), model, {"lines": lines})
    return {"part": "closed", "arm": arm, "seed": seed, "round": r, **_evaluate(model, data), **stats,
            "train FLOPs": train_flops, "generation FLOPs": gen_flops, "training lines": len(train_lines),
            "seconds": time.perf_counter() - t0}


def _text_eval(model: Any, val: np.ndarray, n_windows: int = 64) -> float:
    import torch

    ctx = model.cfg.context
    starts = np.linspace(0, len(val) - ctx - 2, n_windows).astype(np.int64)
    batch = torch.from_numpy(np.stack([val[i : i + ctx + 1] for i in starts]).astype(np.int64))
    model.eval()
    with torch.no_grad():
        loss = float(model.loss(batch[:, :-1], batch[:, 1:]))
    model.train()
    return loss


def _text_samples(model: Any, cfg: SelfPlayConfig, seed: int) -> tuple[np.ndarray, float]:
    from scalewatch.experiments._sampling import sample

    new = cfg.text_context - 1
    out = sample(model, [b"\n"], cfg.text_samples, temperature=1.0, max_new_tokens=new, stop=None, seed=seed)
    return out[0], _gen_flops(model, [1], cfg.text_samples, new)


def _text_stats(samples: np.ndarray, human: np.ndarray, cfg: SelfPlayConfig) -> dict[str, float]:
    share, ref_share = tail_share(samples, human, cfg.tail)
    p = np.bincount(samples.ravel(), minlength=256) / samples.size
    ent = float(-(p[p > 0] * np.log2(p[p > 0])).sum())
    return {f"distinct-{cfg.ngram}": distinct_ngram_ratio([bytes(r) for r in samples], cfg.ngram),
            "tail share": share, "human tail share": ref_share, "byte entropy (bits)": ent,
            "distinct bytes": int((p > 0).sum())}


def _open_base(cfg: SelfPlayConfig, seed: int, state: Path, corpus: Any) -> dict[str, Any]:
    """Generation 0 of the open domain: a model of ``seed`` trained on human text, and its samples."""
    ctx = cfg.text_context
    human = corpus.train
    t0 = time.perf_counter()
    model = _new_model(cfg, ctx, _seed(seed, "open", "human", 0))
    flops = float(model.cfg.flops_per_token() * cfg.text_steps * cfg.batch_size * ctx)
    _fit(model, [human], [1.0], cfg.text_steps, cfg, _seed(seed, "open", "human", 1))
    smp, gflops = _text_samples(model, cfg, int(_seed(seed, "open", "human", 2).generate_state(1)[0]))
    _save(_state_file(state, "open", "human", seed, 0), model, {"samples": smp})
    rng = np.random.default_rng(_seed(seed, "open", "human", 3))
    starts = rng.integers(0, len(corpus.val) - ctx, size=cfg.text_samples)
    ref = np.stack([corpus.val[i : i + ctx - 1] for i in starts])
    return {"part": "open", "arm": "human", "seed": seed, "round": 0, "heldout loss": _text_eval(model, corpus.val),
            **_text_stats(smp, human, cfg), f"human distinct-{cfg.ngram}": distinct_ngram_ratio([bytes(r) for r in ref], cfg.ngram),
            "train FLOPs": flops, "generation FLOPs": gflops, "seconds": time.perf_counter() - t0}


def _open_generation(cfg: SelfPlayConfig, seed: int, arm: str, g: int, state: Path, corpus: Any) -> dict[str, Any]:
    """Generation ``g`` >= 1 of one open-domain chain: trained from scratch on generation ``g - 1``'s samples."""
    ctx = cfg.text_context
    human = corpus.train
    t0 = time.perf_counter()
    prev = _state_file(state, "open", "human" if g == 1 else arm, seed, g - 1)
    samples = _load(prev, _new_model(cfg, ctx, _seed(seed, "open", arm, 0)))["samples"]
    synth = np.concatenate([np.concatenate([[10], r]) for r in samples]).astype(np.uint8)
    model = _new_model(cfg, ctx, _seed(seed, "open", arm, g))
    if arm == "mixed" and cfg.human_fraction > 0:
        streams, w = [synth, human], [1 - cfg.human_fraction, cfg.human_fraction]
    else:
        streams, w = [synth], [1.0]
    flops = _fit(model, streams, w, cfg.text_steps, cfg, _seed(seed, "open", arm, 100 + g))
    smp, gflops = _text_samples(model, cfg, int(_seed(seed, "open", arm, 200 + g).generate_state(1)[0]))
    _save(_state_file(state, "open", arm, seed, g), model, {"samples": smp})
    return {"part": "open", "arm": arm, "seed": seed, "round": g, "heldout loss": _text_eval(model, corpus.val),
            **_text_stats(smp, human, cfg), "train FLOPs": flops, "generation FLOPs": gflops,
            "seconds": time.perf_counter() - t0}


# =============================================================================
# units of work: what the executors run
# =============================================================================


def _state_file(state: Path, part: str, arm: str, seed: int, rnd: int) -> Path:
    """The checkpoint a round leaves for the next one (the file names of the sequential version)."""
    return Path(state) / (f"closed-{arm}-s{seed}-r{rnd}.pt" if part == "closed" else f"open-{arm}-s{seed}-g{rnd}.pt")


@dataclass(frozen=True)
class _Unit:
    """One round of one chain, ``(part, arm, seed, round)``; round 0 is a domain's base model (arm seed/human)."""

    part: str
    arm: str
    seed: int
    round: int


@dataclass(frozen=True)
class _Context:
    """What every unit needs besides its key (sent to Ray's object store once)."""

    cfg: SelfPlayConfig
    state: str
    corpus: Any  # the human text Corpus (open domain), or None
    kill_marker: str | None = None  # test hook, see _KILL_ENV


def _run_unit(unit: _Unit, ctx: _Context) -> dict[str, Any]:
    """Compute one round and save its checkpoint; return its record (runs in-process, in a pool or on Ray).

    Writes only the unit's own checkpoint in the state folder; the record goes
    back to the parent, which alone appends to ``results.jsonl``.
    """
    import torch

    cfg, state = ctx.cfg, Path(ctx.state)
    old = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        if unit.part == "closed":
            rec = (_closed_base(cfg, unit.seed, state) if unit.round == 0
                   else _closed_round(cfg, unit.seed, unit.arm, unit.round, state))
        else:
            rec = (_open_base(cfg, unit.seed, state, ctx.corpus) if unit.round == 0
                   else _open_generation(cfg, unit.seed, unit.arm, unit.round, state, ctx.corpus))
    finally:
        torch.set_num_threads(old)
    if ctx.kill_marker and unit.round >= 1:
        # test hook: the first round to get here dies after saving its checkpoint and before its
        # record reaches the parent (the worst moment); O_EXCL makes "first" hold across processes
        try:
            os.close(os.open(ctx.kill_marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            pass
        else:
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in rec.items()}


def _chain_start(done: set[tuple[str, str, int, int]], state: Path, part: str, arm: str, seed: int,
                 last: int) -> int | None:
    """The last round (0 = the base) a chain can restart from, or None when every record of it is there."""
    missing = [r for r in range(1, last + 1) if (part, arm, seed, r) not in done]
    if not missing:
        return None
    for r in range(missing[0] - 1, 0, -1):
        if (part, arm, seed, r) in done and _state_file(state, part, arm, seed, r).is_file():
            return r
    return 0


def _plan_waves(cfg: SelfPlayConfig, done: set[tuple[str, str, int, int]], state: Path) -> list[list[_Unit]]:
    """The units still to run, by round: wave ``r`` needs only waves before it, its units are independent.

    A chain restarts after its last round with both a record and a checkpoint;
    a base model is (re)trained when its record is missing, or a chain
    restarts from it and its checkpoint is missing.
    """
    chains = [("closed", "seed", arm, cfg.rounds) for arm in cfg.arms]
    if cfg.generations > 0 and cfg.text_arms:
        chains += [("open", "human", arm, cfg.generations) for arm in cfg.text_arms]
    waves: list[list[_Unit]] = [[] for _ in range(max(cfg.rounds, cfg.generations) + 1)]
    for seed in cfg.seeds:
        for part in dict.fromkeys(c[0] for c in chains):
            base = (part, "seed" if part == "closed" else "human", seed, 0)
            need_base = base not in done
            for p, _b, arm, last in chains:
                if p != part:
                    continue
                start = _chain_start(done, state, part, arm, seed, last)
                if start is None:
                    continue
                need_base |= start == 0 and not _state_file(state, *base).is_file()
                waves_of = [_Unit(part, arm, seed, r) for r in range(start + 1, last + 1)]
                for u in waves_of:
                    waves[u.round].append(u)
            if need_base:
                waves[0].append(_Unit(*base))
    return [w for w in waves if w]


def _versions() -> dict[str, str]:
    import torch

    from scalewatch._version import __version__

    return {"scalewatch": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def run_selfplay(
    config: SelfPlayConfig | None = None,
    out: str | Path = "selfplay-results",
    *,
    state: str | Path | None = None,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    stop_after: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> SelfPlayResult:
    """Run (or resume) both loops; write ``results.jsonl`` and ``config.json`` into ``out``.

    The unit of work is one round of one chain, ``(part, arm, seed, round)``.
    Rounds of a chain are sequential (round ``r`` starts from round
    ``r - 1``'s checkpoint); different seeds and arms are independent, so
    the units run in waves, one per round: wave 0 trains every seed's base
    models, wave ``r`` runs round ``r`` of every chain, each wave's units in
    parallel on the executor (:func:`~scalewatch.experiments._executors.execute_calls`).

    Parameters
    ----------
    config : SelfPlayConfig, optional
        Default ``SelfPlayConfig()`` (the committed run).
    out : path
        Results folder. Records already in its ``results.jsonl`` are kept and
        not recomputed; a different configuration there is an error.
    state : path, optional
        Checkpoints and kept labels of every round (default ``out/state``);
        needed to resume a chain mid-way. On a multi-node Ray cluster it must
        be a folder every node sees at the same path.
    executor : {"local", "ray"}, default "local"
        ``"local"``: in this process, one unit after another, when
        ``workers == 1``; else a *spawn* process pool of ``workers``.
        ``"ray"``: Ray tasks of ``config.threads`` CPUs each, on the cluster at
        ``address`` or a local Ray (needs ``pip install 'scalewatch[cluster]'``);
        a unit whose worker dies is rerun by Ray.
    workers : int, default 1
        Units at once for the local executor.
    address : str, optional
        Ray cluster address (``"auto"``, ``"ray://host:10001"``); Ray only.
    stop_after : int, optional
        Stop with :class:`Interrupted` after this many new records (a simulated kill).
    progress : callable, optional
        Called with one line per record.

    Returns
    -------
    SelfPlayResult

    Raises
    ------
    ValueError
        For an unknown executor, ``workers`` < 1, an ``address`` without Ray,
        or ``out`` holding a run of another configuration.
    ImportError
        For ``executor="ray"`` without Ray installed.

    Notes
    -----
    Only this process writes ``results.jsonl``: a unit returns its record, and
    the record is appended (and fsynced) as the unit finishes, after the unit
    saved its checkpoint. A run killed at any point and started again with
    the same command recomputes at most the rounds whose records were not yet
    written, and, as every draw is seeded per (seed, part, arm, round), gives
    the records of an uninterrupted run whatever the executor.
    """
    from scalewatch.experiments._executors import check_executor, execute_calls, session

    cfg = SelfPlayConfig() if config is None else config
    if not isinstance(cfg, SelfPlayConfig):
        raise TypeError(f"run_selfplay(config=...): a SelfPlayConfig; got {type(cfg).__name__}.")
    check_executor("run_selfplay", executor, workers, address, need_ray=True)  # before any work
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    st = outdir / "state" if state is None else Path(state)
    st.mkdir(parents=True, exist_ok=True)
    cfg_path = outdir / "config.json"
    if cfg_path.is_file():
        old = json.loads(cfg_path.read_text()).get("config")
        if old != cfg.to_dict():
            raise ValueError(f"run_selfplay(out={str(outdir)!r}): that folder holds a run with another configuration; "
                             "give a new --out or the same config to resume.")
    meta = {"experiment": "selfplay", "config": cfg.to_dict(), "versions": _versions(), "machine": platform.platform(),
            "processor": platform.processor() or platform.machine()}
    if not cfg_path.is_file():
        meta["started"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        cfg_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    results = outdir / RESULTS
    done = {_key(r) for r in read_records(results)}
    say = progress or (lambda _m: None)
    new = 0

    waves = _plan_waves(cfg, done, st)
    corpus = None
    if any(u.part == "open" for w in waves for u in w):
        from scalewatch.experiments._corpus import stdlib_corpus

        corpus = stdlib_corpus(cfg.text_bytes)
    ctx = _Context(cfg, str(st), corpus, os.environ.get(_KILL_ENV) or None)
    with session(executor, address, "run_selfplay"):  # one Ray connection for all waves
        for wave in waves:
            for _i, rec in execute_calls(_run_unit, wave, shared=(ctx,), executor=executor, workers=workers,
                                         address=address, num_cpus=cfg.threads, caller="run_selfplay"):
                if _key(rec) in done:  # a round recomputed only to rebuild a lost checkpoint
                    continue
                _append(results, rec)
                done.add(_key(rec))
                say(f"{rec['part']} {rec['arm']} seed {rec['seed']} round {rec['round']}: "
                    + ", ".join(f"{k} {v:.3g}" for k, v in rec.items()
                                if k in ("pass@1", "heldout loss", "acceptance rate", f"distinct-{cfg.ngram}")))
                new += 1
                if stop_after is not None and new >= stop_after:
                    raise Interrupted(f"stopped after {new} new records (stop_after={stop_after})")
    recs = sorted(read_records(results), key=lambda r: (r["part"], r["arm"], r["seed"], r["round"]))
    meta = json.loads(cfg_path.read_text())
    if "finished" not in meta:
        meta["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        meta["cpu_seconds_recorded"] = float(sum(r.get("seconds", 0.0) for r in recs))
        cfg_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return SelfPlayResult(cfg, tuple(recs), meta)


def strip_timing(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without wall-time fields, sorted by key (for comparing two runs)."""
    return sorted(({k: v for k, v in r.items() if k not in _TIMING} for r in records), key=_key)
