r"""Test-time compute, measured: repeated sampling of small models on held-out arithmetic.

The experiment (:func:`arithmetic_testtime`) trains byte-level transformers of
several sizes on a stream of solved arithmetic problems, then draws many
answers to each of a few hundred *held-out* problems at temperature
:math:`T` and checks each answer exactly. The result has the shape of
Brown et al.'s (2024) repeated-sampling data (``llmonkeys-pythia-math``):
one row per (model, problem) with the samples drawn and the samples correct,
so that every test-time analysis of :mod:`scalewatch.analyses` (pass@k,
coverage curves and laws, majority vote) runs on it unchanged.

The task (:class:`ArithmeticTask`)
----------------------------------
A line of the corpus is ``"{a}{op}{b}={result}\n"``, the result written
least-significant digit first by default (``123+45=861``: the order in which
carries are computed, which small transformers learn from far fewer tokens
than the usual order; Lee et al. 2023):

* sums ``a+b`` whose operands have ``add_digits`` digits (the digit count
  drawn uniformly, then the value uniformly among numbers of that many
  digits; 1-digit numbers are 1..9);
* with probability ``mul_share``, products ``a*b`` with ``a`` of
  ``mul_digits`` digits and a single-digit ``b`` in 2..9.

The prompt of a problem is ``"\n{a}{op}{b}="`` (the newline marks the start
of a line, as in the corpus) and the answer is the completion up to the next
newline; it is correct when it equals ``str(result)`` exactly (no spaces, no
leading zeros; ``1000`` reversed is ``0001``).

Held-out problems are disjoint from training: they are drawn first, and every
training line whose *unordered* operand pair and operation matches a
held-out problem is dropped (so ``45+123`` is not in training when
``123+45`` is held out). Products with a single-digit ``b`` form a small space
(792 pairs by default), so a held-out product is one the model never saw while
it saw most of the multiplication table: the hardest problems, and the heavy
tail of per-problem difficulty that makes coverage grow as a power law
(Schaeffer et al. 2025).

Randomness
----------
One ``seed`` drives everything through :class:`numpy.random.SeedSequence`:
its spawned children seed the held-out problems, the training stream, the
training runs (initial weights and batches; :func:`~scalewatch.experiments.train`)
and the sampling. The same seed, machine and thread count give the same table.

References
----------
Brown et al. (2024), "Large Language Monkeys: Scaling Inference Compute with
Repeated Sampling", arXiv:2407.21787.
Chen et al. (2021), "Evaluating Large Language Models Trained on Code",
arXiv:2107.03374 (unbiased pass@k).
Schaeffer et al. (2025), "How Do Large Language Monkeys Get Their Power
(Laws)?", arXiv:2502.17578.
Lee et al. (2023), "Teaching Arithmetic to Small Transformers",
arXiv:2307.03381 (reversed output order).
"""

from __future__ import annotations

import json
import math
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scalewatch import seeds
from scalewatch.experiments._corpus import Corpus
from scalewatch.findings import json_safe

__all__ = [
    "ArithmeticTask",
    "Problems",
    "heldout_problems",
    "arithmetic_corpus",
    "check_answers",
    "ArithmeticTestTime",
    "arithmetic_testtime",
    "load_arithmetic_testtime",
    "DATA_DIR",
    "BENCHMARK",
]

#: folder of the committed result of the default experiment
DATA_DIR = Path(__file__).with_name("data") / "testtime"
#: the ``benchmark`` column of the result tables
BENCHMARK = "arith"
_OPS = ("+", "*")
_ANSWERS = "answers.csv.gz"
_MAX_DIGITS = 4  # operands below 10^4: the canonical key packs them into 4 decimal digits each


# =============================================================================
# the task
# =============================================================================


def _digit_range(value: Any, name: str) -> tuple[int, int]:
    ok = (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value))
    if not ok or not 1 <= value[0] <= value[1] <= _MAX_DIGITS:
        raise ValueError(f"ArithmeticTask({name}={value!r}): a pair (lo, hi) of digit counts with 1 <= lo <= hi <= {_MAX_DIGITS}, e.g. (2, 3).")
    return int(value[0]), int(value[1])


@dataclass(frozen=True)
class ArithmeticTask:
    """Which arithmetic problems the corpus and the held-out set draw from.

    Parameters
    ----------
    add_digits : (int, int), default (2, 3)
        Digit counts of both operands of a sum (inclusive; the count is drawn
        uniformly, then the value).
    mul_digits : (int, int), default (1, 2)
        Digit counts of the first operand of a product; the second is a
        single digit in 2..9.
    mul_share : float, default 0.25
        Share of problems that are products (0 for sums only).
    reverse : bool, default True
        Write every result with its digits reversed (``123+45=861``), the
        order in which carries are computed; small transformers learn it
        with far fewer tokens than the usual order (Lee et al. 2023). The
        reference answer is reversed too.

    Examples
    --------
    >>> task = ArithmeticTask()
    >>> p = heldout_problems(task, 3, seed=0)
    >>> len(p), p.prompts[0][0] == "\\n", p.prompts[0][-1] == "="
    (3, True, True)
    """

    add_digits: tuple[int, int] = (2, 3)  # operands of a+b: 10..999
    mul_digits: tuple[int, int] = (1, 2)  # first operand of a*b: 1..99; the second is 2..9
    mul_share: float = 0.25  # a quarter of the lines are products
    reverse: bool = True  # results least-significant digit first: far easier for small models (Lee et al. 2023)

    def __post_init__(self) -> None:
        object.__setattr__(self, "add_digits", _digit_range(self.add_digits, "add_digits"))
        object.__setattr__(self, "mul_digits", _digit_range(self.mul_digits, "mul_digits"))
        s = self.mul_share
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0.0 <= s <= 1.0:
            raise ValueError(f"ArithmeticTask(mul_share={s!r}): a share in [0, 1], e.g. 0.25.")
        if not isinstance(self.reverse, bool):
            raise TypeError(f"ArithmeticTask(reverse={self.reverse!r}): True or False.")

    def to_dict(self) -> dict[str, Any]:
        return {"add_digits": list(self.add_digits), "mul_digits": list(self.mul_digits), "mul_share": float(self.mul_share),
                "reverse": self.reverse}

    def result_text(self, r: np.ndarray) -> list[str]:
        """Results as written in the corpus and expected as answers (digits reversed when ``reverse``)."""
        return [str(v)[::-1] if self.reverse else str(v) for v in np.asarray(r).tolist()]

    def draw(self, rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``m`` random problems as arrays (a, op, b); ``op`` indexes ``("+", "*")``."""

        def operand(digits: tuple[int, int]) -> np.ndarray:
            d = rng.integers(digits[0], digits[1] + 1, size=m)
            lo = 10 ** (d - 1)
            return lo + np.floor(rng.random(m) * (10 ** d - lo)).astype(np.int64)

        is_mul = rng.random(m) < self.mul_share
        a_add, b_add = operand(self.add_digits), operand(self.add_digits)
        a_mul, b_mul = operand(self.mul_digits), rng.integers(2, 10, size=m)
        op = is_mul.astype(np.int64)
        return np.where(is_mul, a_mul, a_add), op, np.where(is_mul, b_mul, b_add)


def _key(a: np.ndarray, op: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Canonical problem id: the operation and the unordered operand pair (both operations commute)."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return op * 10 ** (2 * _MAX_DIGITS) + lo * 10 ** _MAX_DIGITS + hi


def _result(a: np.ndarray, op: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(op == 1, a * b, a + b)


def _lines(task: ArithmeticTask, a: np.ndarray, op: np.ndarray, b: np.ndarray) -> list[str]:
    r = task.result_text(_result(a, op, b))
    return [f"{x}{_OPS[o]}{y}={z}\n" for x, o, y, z in zip(a.tolist(), op.tolist(), b.tolist(), r)]


@dataclass(frozen=True)
class Problems:
    """Held-out problems: operands, prompts and reference answers.

    Attributes
    ----------
    a, op, b : numpy.ndarray of int64, shape (P,)
        Operands and operation (index into ``("+", "*")``).
    prompts : tuple of str
        ``"\\n{a}{op}{b}="``.
    answers : tuple of str
        ``str(result)``, the only answer counted correct.
    """

    a: np.ndarray = field(repr=False)
    op: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    prompts: tuple[str, ...] = field(repr=False)
    answers: tuple[str, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.prompts)

    @property
    def keys(self) -> np.ndarray:
        """Canonical ids (operation and unordered operand pair), shape (P,)."""
        return _key(self.a, self.op, self.b)

    def to_frame(self) -> Any:
        """One row per problem: ``problem_idx, a, op, b, prompt, answer``."""
        import pandas as pd

        return pd.DataFrame({
            "problem_idx": np.arange(len(self)), "a": self.a, "op": [_OPS[o] for o in self.op.tolist()], "b": self.b,
            "prompt": list(self.prompts), "answer": list(self.answers),
        })

    def __repr__(self) -> str:
        return f"Problems({len(self)} held out, {int((self.op == 1).sum())} products)"


def _check_count(value: Any, name: str, func: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{func}({name}={value!r}): an integer >= {minimum}.")
    return int(value)


def heldout_problems(task: ArithmeticTask, n: int, *, seed: int | np.random.SeedSequence | np.random.Generator = 0) -> Problems:
    """``n`` distinct problems (distinct up to operand order), in a seeded order.

    Parameters
    ----------
    task : ArithmeticTask
    n : int
        Problems (>= 1).
    seed : int, SeedSequence or Generator, default 0

    Returns
    -------
    Problems

    Raises
    ------
    ValueError
        If the task has fewer than ``n`` distinct problems to draw from
        (found after 100 rounds of drawing).
    """
    func = "heldout_problems"
    if not isinstance(task, ArithmeticTask):
        raise TypeError(f"{func}(task=...): an ArithmeticTask; got {type(task).__name__}.")
    n = _check_count(n, "n", func)
    rng = seeds.rng(seed)
    keys: dict[int, tuple[int, int, int]] = {}
    for _ in range(100):
        a, op, b = task.draw(rng, 4 * n)
        for k, x, o, y in zip(_key(a, op, b).tolist(), a.tolist(), op.tolist(), b.tolist()):
            if k not in keys:
                keys[k] = (x, o, y)
                if len(keys) == n:
                    break
        if len(keys) == n:
            break
    else:
        raise ValueError(f"{func}(n={n}): the task {task} gave only {len(keys)} distinct problems; ask for fewer.")
    arr = np.array(list(keys.values()), dtype=np.int64).reshape(-1, 3)
    a, op, b = arr[:, 0], arr[:, 1], arr[:, 2]
    r = _result(a, op, b)
    prompts = tuple(f"\n{x}{_OPS[o]}{y}=" for x, o, y in zip(a.tolist(), op.tolist(), b.tolist()))
    return Problems(a, op, b, prompts, tuple(task.result_text(r)))


def arithmetic_corpus(
    task: ArithmeticTask,
    n_bytes: int,
    *,
    exclude: Problems | None = None,
    val_fraction: float = 0.05,
    seed: int | np.random.SeedSequence | np.random.Generator = 0,
) -> Corpus:
    r"""A byte-level corpus of solved problems, ``"{a}{op}{b}={result}\n"`` per line.

    Parameters
    ----------
    task : ArithmeticTask
    n_bytes : int
        Total bytes (train + validation); the stream is cut at this length.
    exclude : Problems, optional
        Held-out problems: every line with the same operation and unordered
        operand pair is left out of the stream.
    val_fraction : float, default 0.05
        The last share of the stream is the validation split
        (:meth:`Corpus.from_bytes`); it holds training-distribution problems,
        never held-out ones.
    seed : int, SeedSequence or Generator, default 0

    Returns
    -------
    Corpus
        ``info`` records the task, the number of excluded problems, the lines
        dropped for being held out, and the seed.
    """
    func = "arithmetic_corpus"
    if not isinstance(task, ArithmeticTask):
        raise TypeError(f"{func}(task=...): an ArithmeticTask; got {type(task).__name__}.")
    n_bytes = _check_count(n_bytes, "n_bytes", func, minimum=1000)
    rng = seeds.rng(seed)
    banned = exclude.keys if exclude is not None else np.empty(0, dtype=np.int64)
    parts: list[str] = []
    total = dropped = 0
    while total < n_bytes:
        a, op, b = task.draw(rng, 16384)
        keep = ~np.isin(_key(a, op, b), banned)
        dropped += int((~keep).sum())
        chunk = "".join(_lines(task, a[keep], op[keep], b[keep]))
        parts.append(chunk)
        total += len(chunk)
    data = "".join(parts)[:n_bytes].encode("ascii")
    return Corpus.from_bytes(
        f"arith-{n_bytes}",
        data,
        val_fraction,
        info={
            "task": task.to_dict(),
            "excluded_problems": 0 if exclude is None else len(exclude),
            "excluded_lines_dropped": dropped,
            "seed": seed if isinstance(seed, (int, np.integer)) else "derived",
        },
    )


def check_answers(answers: Sequence[str], reference: Sequence[str]) -> np.ndarray:
    """Exact check: ``answers[i] == reference[i]`` as strings (no stripping, no leading zeros).

    Examples
    --------
    >>> check_answers(["168", " 168", "0168", "167"], ["168"] * 4).tolist()
    [True, False, False, False]
    """
    if len(answers) != len(reference):
        raise ValueError(f"check_answers: {len(answers)} answers but {len(reference)} reference answers; give one each.")
    return np.array([x == y for x, y in zip(answers, reference)], dtype=bool)


# =============================================================================
# the result
# =============================================================================


@dataclass(frozen=True)
class ArithmeticTestTime:
    """Repeated sampling of small models on held-out arithmetic problems.

    Attributes
    ----------
    per_problem : pandas.DataFrame
        One row per (run, problem), named as ``llmonkeys-pythia-math``'s
        table ``per_problem``: ``run_id, benchmark, problem_idx, num_samples,
        num_correct``, plus ``op``, ``prompt`` (without the leading newline)
        and ``answer`` (the reference). Feed it to
        :func:`scalewatch.analyses.testtime.coverage_curves`,
        :func:`~scalewatch.analyses.testtime.fit_coverage_models` or
        :func:`~scalewatch.analyses.testtime.coverage_law_finding` as is.
    runs : pandas.DataFrame
        One row per model: ``run_id, model_id, params`` (non-embedding, Kaplan
        et al. 2020's N), ``params_total``, ``tokens`` (training tokens seen),
        ``loss`` (final validation loss, nats per byte), shape columns,
        ``flops_per_token``, ``train_seconds``, ``tokens_per_second``,
        ``sample_seconds``.
    answers : pandas.DataFrame
        One row per (run, problem, distinct answer): ``run_id, problem_idx,
        answer, count, correct``; the counts of a (run, problem) sum to its
        ``num_samples``. Answers are the completion up to the first newline,
        non-printable bytes as ``\\xNN``.
    config : dict
        Every setting, the seed, the corpus description, torch version,
        machine and timing (JSON-safe).
    """

    per_problem: Any = field(repr=False)
    runs: Any = field(repr=False)
    answers: Any = field(repr=False)
    config: dict[str, Any] = field(repr=False)

    @property
    def run_ids(self) -> tuple[str, ...]:
        """Runs ordered by parameters."""
        return tuple(self.runs.sort_values("params")["run_id"].tolist())

    def answer_lists(self, run_id: str) -> tuple[list[list[str]], list[str]]:
        """Per problem the list of sampled answers (expanded counts) and the reference.

        The input of :func:`scalewatch.analyses.testtime.majority_at_k`.
        """
        a = self._answers_of(run_id)
        refs = self.per_problem[self.per_problem["run_id"] == run_id].sort_values("problem_idx")
        lists = [
            [ans for ans, cnt in zip(g["answer"].tolist(), g["count"].tolist()) for _ in range(int(cnt))]
            for _, g in a.groupby("problem_idx", sort=True)
        ]
        return lists, refs["answer"].astype(str).tolist()

    def answer_shares(self, run_id: str) -> np.ndarray:
        """Empirical answer shares of one run: shape (problems, answers), column 0 the correct answer.

        Rows sum to 1; the wrong answers follow in decreasing share. Wrap them in
        :class:`scalewatch.analyses.testtime.AnswerDistributions` for
        :func:`~scalewatch.analyses.testtime.majority_vote_accuracy` and
        :func:`~scalewatch.analyses.testtime.majority_vote_limit`.
        """
        a = self._answers_of(run_id)
        groups = [g for _, g in a.groupby("problem_idx", sort=True)]
        width = 1 + max(int((~g["correct"]).sum()) for g in groups)
        probs = np.zeros((len(groups), max(width, 2)))
        for i, g in enumerate(groups):
            cnt = g["count"].to_numpy(dtype=np.float64)
            ok = g["correct"].to_numpy(dtype=bool)
            probs[i, 0] = cnt[ok].sum()
            wrong = np.sort(cnt[~ok])[::-1]
            probs[i, 1 : 1 + wrong.size] = wrong
            probs[i] /= cnt.sum()
        return probs

    def _answers_of(self, run_id: str) -> Any:
        a = self.answers[self.answers["run_id"] == run_id]
        if a.empty:
            raise KeyError(f"no run {run_id!r} in this result; runs: {list(self.run_ids)}")
        return a

    def summary(self) -> Any:
        """Per run: params, loss, pass@1 (mean c/n) and coverage at the largest k (= n)."""
        import pandas as pd

        rows = []
        for rid in self.run_ids:
            g = self.per_problem[self.per_problem["run_id"] == rid]
            n, c = g["num_samples"].to_numpy(), g["num_correct"].to_numpy()
            r = self.runs[self.runs["run_id"] == rid].iloc[0]
            rows.append({
                "run_id": rid, "params": int(r["params"]), "loss": float(r["loss"]),
                "pass@1": float(np.mean(c / n)), f"pass@{int(n.min())}": float(np.mean(c > 0)),
                "pass@1 sums": float(np.mean((c / n)[g["op"].to_numpy() == "+"])) if (g["op"] == "+").any() else math.nan,
                "pass@1 products": float(np.mean((c / n)[g["op"].to_numpy() == "*"])) if (g["op"] == "*").any() else math.nan,
            })
        return pd.DataFrame(rows)

    def report(self) -> str:
        s = self.summary()
        cfg = self.config
        lines = [
            f"[[Arithmetic test-time]] {len(s)} model(s), {cfg.get('n_problems')} held-out problems, "
            f"{cfg.get('n_samples')} samples each at T = {cfg.get('temperature')}",
            f"    seed        {cfg.get('seed')}",
            f"    training    {cfg.get('tokens')} tokens per model, corpus sha256 {str(cfg.get('corpus', {}).get('sha256', ''))[:12]}...",
            f"    torch       {cfg.get('torch_version')} on {cfg.get('device')}",
        ]
        kmax = [c for c in s.columns if c.startswith("pass@") and c not in ("pass@1", "pass@1 sums", "pass@1 products")][0]
        for _, r in s.iterrows():
            lines.append(f"    {r['run_id']:<28} N = {r['params']:>8,}  loss {r['loss']:.3f}  pass@1 {r['pass@1']:.3f}  {kmax} {r[kmax]:.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return json_safe({
            "config": self.config,
            "runs": self.runs.to_dict(orient="records"),
            "summary": self.summary().to_dict(orient="records"),
        })

    def to_csv(self, folder: str | Path) -> list[Path]:
        """Write ``per_problem.csv``, ``runs.csv``, ``answers.csv.gz`` and ``config.json`` into ``folder``.

        The answer table is gzipped (with a zero time stamp, so the same result
        gives the same bytes): at temperature 1 small models draw tens of
        thousands of distinct wrong answers.
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "per_problem.csv", out / "runs.csv", out / _ANSWERS, out / "config.json"]
        self.per_problem.to_csv(paths[0], index=False)
        self.runs.to_csv(paths[1], index=False, float_format="%.6g")
        self.answers.to_csv(paths[2], index=False, compression={"method": "gzip", "mtime": 0})
        paths[3].write_text(json.dumps(json_safe(self.config), indent=2, sort_keys=True) + "\n")
        return paths

    @classmethod
    def read_csv(cls, folder: str | Path) -> ArithmeticTestTime:
        """Read what :meth:`to_csv` wrote."""
        import pandas as pd

        src = Path(folder)
        missing = [p for p in ("per_problem.csv", "runs.csv", _ANSWERS, "config.json") if not (src / p).is_file()]
        if missing:
            raise FileNotFoundError(f"ArithmeticTestTime.read_csv({str(folder)!r}): missing {missing}; write it with to_csv().")
        str_cols = {"run_id": str, "answer": str, "prompt": str, "op": str}
        per = pd.read_csv(src / "per_problem.csv", dtype=str_cols, keep_default_na=False)
        answers = pd.read_csv(src / _ANSWERS, dtype=str_cols, keep_default_na=False)
        answers["correct"] = answers["correct"].astype(str).map({"True": True, "False": False}).astype(bool)
        runs = pd.read_csv(src / "runs.csv", dtype={"run_id": str, "model_id": str})
        return cls(per, runs, answers, json.loads((src / "config.json").read_text()))

    def __repr__(self) -> str:
        return (f"ArithmeticTestTime({len(self.runs)} models, {self.config.get('n_problems')} problems, "
                f"{self.config.get('n_samples')} samples, seed={self.config.get('seed')})")


def load_arithmetic_testtime() -> ArithmeticTestTime:
    """The committed result of the default experiment (``scalewatch/experiments/data/testtime``).

    See that folder's README for the command, machine and date that made it.
    """
    return ArithmeticTestTime.read_csv(DATA_DIR)


# =============================================================================
# the experiment
# =============================================================================


def _count_answers(tokens: np.ndarray) -> tuple[list[str], list[int]]:
    """Distinct completions of one problem (rows of ``tokens``, shape (n, L)) and their counts, most frequent first."""
    from scalewatch.experiments._sampling import decode

    uniq, counts = np.unique(tokens, axis=0, return_counts=True)
    texts = decode(uniq[None])[0]
    # rows differing only after the stop byte decode alike: merge them
    merged: dict[str, int] = {}
    for t, c in zip(texts, counts.tolist()):
        merged[t] = merged.get(t, 0) + int(c)
    order = sorted(merged, key=lambda t: (-merged[t], t))
    return order, [merged[t] for t in order]


def _configs(sizes: Sequence[Any], context: int) -> list[Any]:
    from scalewatch.experiments._model import ModelConfig, config_for_params

    out = []
    for s in sizes:
        if isinstance(s, ModelConfig):
            if s.context < context:
                raise ValueError(f"arithmetic_testtime(sizes=...): {s} has context {s.context} < context={context}.")
            out.append(s)
        elif isinstance(s, (int, float)) and not isinstance(s, bool):
            out.append(config_for_params(float(s), context=context))
        else:
            raise TypeError(f"arithmetic_testtime(sizes=...): give parameter counts or ModelConfig; got {type(s).__name__}.")
    if not out:
        raise ValueError("arithmetic_testtime(sizes=()): give at least one model size.")
    shapes = [(c.n_layer, c.n_head, c.d_model) for c in out]
    if len(set(shapes)) != len(shapes):
        raise ValueError(f"arithmetic_testtime(sizes={list(sizes)}): two sizes give the same model shape; choose sizes further apart.")
    return out


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def arithmetic_testtime(
    sizes: Sequence[Any] = (1e4, 3e4, 1e5, 3e5),
    *,
    task: ArithmeticTask | None = None,
    tokens: int = 3_000_000,
    n_problems: int = 200,
    n_samples: int = 256,
    temperature: float = 1.0,
    context: int = 32,
    batch_size: int = 16,
    lr: float = 2e-3,
    seed: int = 0,
    device: str = "cpu",
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ArithmeticTestTime:
    r"""Train models of several sizes on arithmetic and sample many answers to held-out problems.

    Parameters
    ----------
    sizes : sequence of float or ModelConfig, default (1e4, 3e4, 1e5, 3e5)
        Non-embedding parameter counts (shapes from
        :func:`~scalewatch.experiments.config_for_params`) or model shapes.
    task : ArithmeticTask, optional
        Default ``ArithmeticTask()``: 2-3 digit sums, a quarter 1-2 digit
        times 1 digit products, results reversed.
    tokens : int, default 3_000_000
        Training tokens (bytes) per model; the corpus has as many bytes.
    n_problems : int, default 200
        Held-out problems.
    n_samples : int, default 256
        Samples per problem and model (the largest k of pass@k).
    temperature : float, default 1.0
        Sampling temperature (0: greedy, every sample the same).
    context : int, default 32
        Sequence length in training (a line is at most 12 bytes).
    batch_size : int, default 16
        Sequences per optimizer step.
    lr : float, default 2e-3
        Peak learning rate (warm-up and cosine as in :class:`~scalewatch.experiments.RunSpec`).
    seed : int, default 0
        Seeds the held-out problems, the corpus, training and sampling
        (through spawned :class:`numpy.random.SeedSequence` children).
    device : {"cpu", "cuda", "auto"}, default "cpu"
    threads : int, optional
        ``torch.set_num_threads`` for the run (restored afterwards); 1 is
        fastest for these tiny models on a shared machine.
    progress : callable, optional
        Called with one line of text per stage.

    Returns
    -------
    ArithmeticTestTime

    Notes
    -----
    Answers are sampled without a key/value cache (:func:`~scalewatch.experiments._sampling.sample`),
    at most 6 new bytes (the longest answer, 1998, has 4 digits, then the
    newline). pass@k uses the unbiased estimator of Chen et al. (2021),
    exact for k <= ``n_samples``.

    Examples
    --------
    >>> res = arithmetic_testtime((1e4, 3e4), tokens=50_000, n_problems=10, n_samples=8)  # doctest: +SKIP
    >>> from scalewatch.analyses.testtime import coverage_curves                             # doctest: +SKIP
    >>> coverage_curves(res.per_problem, n_resamples=0).table                              # doctest: +SKIP
    """
    import pandas as pd
    import torch

    from scalewatch.experiments._sampling import sample
    from scalewatch.experiments._train import RunSpec, resolve_device, train

    func = "arithmetic_testtime"
    task = ArithmeticTask() if task is None else task
    if not isinstance(task, ArithmeticTask):
        raise TypeError(f"{func}(task=...): an ArithmeticTask; got {type(task).__name__}.")
    tokens = _check_count(tokens, "tokens", func, minimum=1000)
    n_problems = _check_count(n_problems, "n_problems", func)
    n_samples = _check_count(n_samples, "n_samples", func)
    seed = _check_count(seed, "seed", func, minimum=0)
    if threads is not None:
        threads = _check_count(threads, "threads", func)
    configs = _configs(sizes, context)
    say = progress or (lambda _msg: None)
    max_new = 6

    ss = np.random.SeedSequence(seed)
    s_problems, s_corpus, s_train, s_sample = ss.spawn(4)
    problems = heldout_problems(task, n_problems, seed=s_problems)
    corpus = arithmetic_corpus(task, tokens, exclude=problems, seed=s_corpus)
    train_seed = int(s_train.generate_state(1)[0])
    sample_seeds = s_sample.generate_state(len(configs)).tolist()
    say(f"corpus {corpus!r}; {len(problems)} held-out problems")

    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    run_rows, per_rows, ans_rows = [], [], []
    t_start = time.perf_counter()
    try:
        dev = resolve_device(device)
        for cfg, sample_seed in zip(configs, sample_seeds):
            model_id = f"L{cfg.n_layer}-H{cfg.n_head}-d{cfg.d_model}"
            run_id = f"{BENCHMARK}:{model_id}"
            spec = RunSpec(model=cfg, tokens=tokens, batch_size=batch_size, lr=lr, seed=train_seed,
                           eval_tokens=8192, device=dev)
            say(f"{run_id}: training N = {cfg.params():,} for {spec.tokens_seen:,} tokens ({spec.steps} steps)")
            with tempfile.TemporaryDirectory(prefix="scalewatch-arith-") as tmp:
                ckpt = Path(tmp) / "run.pt"
                result = train(spec, corpus, checkpoint_path=ckpt)
                # train() checkpoints the final step; its weights are the trained model
                state = torch.load(ckpt, map_location=dev, weights_only=True)  # tensors, numbers and dicts only (train() writes no objects)
            from scalewatch.experiments._model import Transformer

            model = Transformer(cfg).to(dev)
            model.load_state_dict(state["model"])
            say(f"{run_id}: val loss {result.loss:.4f}, {result.tokens_per_second:,.0f} tokens/s; sampling")
            ts = time.perf_counter()
            out = sample(model, problems.prompts, n_samples, temperature=temperature, max_new_tokens=max_new,
                         seed=int(sample_seed))
            t_sample = time.perf_counter() - ts
            n_correct = []
            for i, ref in enumerate(problems.answers):
                texts, counts = _count_answers(out[i])
                ok = check_answers(texts, [ref] * len(texts))
                n_correct.append(int(np.sum(np.array(counts)[ok])))
                ans_rows.extend({"run_id": run_id, "problem_idx": i, "answer": t, "count": c, "correct": bool(k)}
                                for t, c, k in zip(texts, counts, ok.tolist()))
            for i in range(len(problems)):
                per_rows.append({
                    "run_id": run_id, "benchmark": BENCHMARK, "problem_idx": i, "num_samples": n_samples,
                    "num_correct": n_correct[i], "op": _OPS[int(problems.op[i])], "prompt": problems.prompts[i][1:],
                    "answer": problems.answers[i],
                })
            run_rows.append({
                "run_id": run_id, "model_id": model_id, "family": "scalewatch-arith",
                "params": cfg.params(), "params_total": cfg.params(non_embedding=False), "params_kind": "non-embedding",
                "tokens": spec.tokens_seen, "loss": result.loss, "n_layer": cfg.n_layer, "n_head": cfg.n_head,
                "d_model": cfg.d_model, "context": cfg.context, "flops_per_token": cfg.flops_per_token(),
                "train_seconds": result.wall_seconds, "tokens_per_second": result.tokens_per_second,
                "sample_seconds": t_sample,
            })
            say(f"{run_id}: pass@1 {np.mean(np.array(n_correct) / n_samples):.3f}, "
                f"pass@{n_samples} {np.mean(np.array(n_correct) > 0):.3f} ({t_sample:.1f} s sampling)")
    finally:
        if threads is not None:
            torch.set_num_threads(old_threads)
    config = {
        "experiment": "arithmetic_testtime",
        "sizes": [asdict(c) for c in configs],
        "task": task.to_dict(), "tokens": tokens, "n_problems": n_problems, "n_samples": n_samples,
        "temperature": float(temperature), "max_new_tokens": max_new, "context": context, "batch_size": batch_size,
        "lr": lr, "seed": seed, "train_seed": train_seed, "sample_seeds": [int(s) for s in sample_seeds],
        "device": dev, "threads": threads if threads is not None else old_threads,
        "torch_version": torch.__version__, "machine": _machine(), "corpus": corpus.describe(),
        "wall_seconds": time.perf_counter() - t_start,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    answers = pd.DataFrame(ans_rows, columns=["run_id", "problem_idx", "answer", "count", "correct"])
    return ArithmeticTestTime(pd.DataFrame(per_rows), pd.DataFrame(run_rows), answers, config)


def _main(argv: Sequence[str] | None = None) -> None:
    """``python -m scalewatch.experiments._arith``: run the experiment and write its tables."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m scalewatch.experiments._arith", description=_main.__doc__)
    ap.add_argument("--sizes", default="1e4,3e4,1e5,3e5", help="comma-separated non-embedding parameter counts")
    ap.add_argument("--tokens", type=int, default=3_000_000)
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--samples", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=None, help="folder for the CSV tables (default: print only)")
    args = ap.parse_args(argv)
    res = arithmetic_testtime(
        [float(s) for s in args.sizes.split(",")], tokens=args.tokens, n_problems=args.problems, n_samples=args.samples,
        temperature=args.temperature, batch_size=args.batch_size, lr=args.lr, seed=args.seed, threads=args.threads,
        device=args.device,
        progress=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True),
    )
    print(res.report())
    if args.out:
        for p in res.to_csv(args.out):
            print(f"wrote {p}")


if __name__ == "__main__":  # pragma: no cover
    _main()
