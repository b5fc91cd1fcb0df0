"""The arithmetic test-time experiment: task, held-out split, sampler, counts -> pass@k, a tiny end-to-end run."""

from __future__ import annotations

import re

import numpy as np
import pytest

from scalewatch.analyses.testtime.coverage import fit_coverage_models
from scalewatch.analyses.testtime.passk import coverage_curves, pass_at_k
from scalewatch.analyses.testtime.selection import majority_at_k, majority_vote_limit
from scalewatch.experiments._arith import (
    ArithmeticTask,
    ArithmeticTestTime,
    arithmetic_corpus,
    arithmetic_testtime,
    check_answers,
    heldout_problems,
    load_arithmetic_testtime,
)
from scalewatch.analyses.testtime import AnswerDistributions

LINE = re.compile(r"^(\d+)([+*])(\d+)=(\d+)$")


def _key(a: int, op: str, b: int) -> tuple[str, int, int]:
    return op, min(a, b), max(a, b)


# =============================================================================
# task
# =============================================================================


@pytest.mark.parametrize("reverse", [False, True])
def test_heldout_problems_are_deterministic_distinct_and_correct(reverse: bool) -> None:
    task = ArithmeticTask(reverse=reverse)
    p1, p2 = heldout_problems(task, 300, seed=3), heldout_problems(task, 300, seed=3)
    assert p1.prompts == p2.prompts and p1.answers == p2.answers
    assert heldout_problems(task, 300, seed=4).prompts != p1.prompts
    assert len(set(p1.keys.tolist())) == 300  # distinct up to operand order
    for prompt, answer in zip(p1.prompts, p1.answers):
        m = re.fullmatch(r"\n(\d+)([+*])(\d+)=", prompt)
        assert m is not None
        a, op, b = int(m[1]), m[2], int(m[3])
        truth = str(a + b if op == "+" else a * b)
        assert answer == (truth[::-1] if reverse else truth)
        if op == "+":
            assert 10 <= a <= 999 and 10 <= b <= 999
        else:
            assert 1 <= a <= 99 and 2 <= b <= 9
    share = float(np.mean(p1.op == 1))
    assert 0.15 < share < 0.35  # mul_share 0.25


def test_heldout_problems_run_out() -> None:
    task = ArithmeticTask(add_digits=(1, 1), mul_share=0.0)  # 45 unordered pairs of 1..9
    assert len(heldout_problems(task, 45, seed=0)) == 45
    with pytest.raises(ValueError, match="distinct problems"):
        heldout_problems(task, 46, seed=0)


@pytest.mark.parametrize("kwargs", [{"add_digits": (0, 3)}, {"add_digits": (3, 2)}, {"mul_digits": (1, 5)}, {"mul_share": 1.5}])
def test_task_rejects_bad_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="ArithmeticTask"):
        ArithmeticTask(**kwargs)


def test_check_answers_is_exact() -> None:
    assert check_answers(["168", "168 ", "0168", "167", ""], ["168"] * 5).tolist() == [True, False, False, False, False]
    with pytest.raises(ValueError, match="one each"):
        check_answers(["1"], ["1", "2"])


@pytest.mark.parametrize("reverse", [False, True])
def test_corpus_is_deterministic_correct_and_disjoint_from_heldout(reverse: bool) -> None:
    task = ArithmeticTask(reverse=reverse)
    held = heldout_problems(task, 200, seed=1)
    c1 = arithmetic_corpus(task, 200_000, exclude=held, seed=2)
    c2 = arithmetic_corpus(task, 200_000, exclude=held, seed=2)
    assert c1.sha256 == c2.sha256
    assert arithmetic_corpus(task, 200_000, exclude=held, seed=5).sha256 != c1.sha256
    assert c1.train.size + c1.val.size == 200_000
    text = (c1.train.tobytes() + c1.val.tobytes()).decode("ascii")
    lines = text.split("\n")[1:-1]  # the stream is cut at both ends only at the last line
    held_keys = set()
    for prompt in held.prompts:
        m = re.fullmatch(r"\n(\d+)([+*])(\d+)=", prompt)
        held_keys.add(_key(int(m[1]), m[2], int(m[3])))
    seen = set()
    for line in lines:
        m = LINE.fullmatch(line)
        assert m is not None, line
        a, op, b, r = int(m[1]), m[2], int(m[3]), m[4]
        truth = str(a + b if op == "+" else a * b)
        assert r == (truth[::-1] if reverse else truth)
        seen.add(_key(a, op, b))
    assert not seen & held_keys  # no held-out problem, in either operand order
    # the exclusion did something: without it, some held-out products (a small space) appear
    unfiltered = arithmetic_corpus(task, 200_000, seed=2)
    raw = {(_key(int(m[1]), m[2], int(m[3]))) for m in map(LINE.fullmatch, unfiltered.train.tobytes().decode().split("\n")[1:-1])}
    assert raw & held_keys
    assert c1.info["excluded_lines_dropped"] > 0


# =============================================================================
# sampler
# =============================================================================


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the experiments extra (torch) is not installed")


def _fixed_logits_model(torch, logits, context=16):  # noqa: ANN001
    """A stand-in model whose next-byte logits are the same at every position."""

    class FixedLogits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.z = torch.nn.Parameter(torch.as_tensor(logits, dtype=torch.float32))
            self.cfg = type("Cfg", (), {"context": context})()

        def forward(self, idx):  # noqa: ANN001
            return self.z.expand(idx.shape[0], idx.shape[1], -1)

    return FixedLogits()


@pytest.fixture(scope="module")
def tiny_model(torch):
    from scalewatch.experiments._model import ModelConfig, Transformer

    torch.manual_seed(0)
    return Transformer(ModelConfig(n_layer=1, n_head=2, d_model=32, context=16))


def test_sample_shapes_and_determinism(torch, tiny_model) -> None:
    from scalewatch.experiments._sampling import decode, sample

    prompts = ["\n12+3=", "\n1+2=", b"\n7*8="]
    a = sample(tiny_model, prompts, 5, temperature=1.0, max_new_tokens=4, seed=7)
    assert a.shape == (3, 5, 4) and a.dtype == np.uint8
    assert np.array_equal(a, sample(tiny_model, prompts, 5, temperature=1.0, max_new_tokens=4, seed=7))
    assert not np.array_equal(a, sample(tiny_model, prompts, 5, temperature=1.0, max_new_tokens=4, seed=8))
    # chunking changes which random numbers a sample gets, never the shape
    assert sample(tiny_model, prompts, 5, max_new_tokens=4, seed=7, max_rows=3).shape == (3, 5, 4)
    texts = decode(a)
    assert len(texts) == 3 and all(len(t) == 5 for t in texts)
    assert tiny_model.training  # the mode is restored


def test_temperature_zero_is_greedy(torch, tiny_model) -> None:
    from scalewatch.experiments._sampling import sample

    prompts = ["\n12+3=", "\n1+2="]
    g = sample(tiny_model, prompts, 3, temperature=0.0, max_new_tokens=5, stop=None, seed=0)
    assert (g == g[:, :1]).all()  # every sample the same
    tiny_model.eval()
    with torch.no_grad():  # independent greedy decode, one prompt at a time
        for i, p in enumerate(prompts):
            seq = torch.tensor([list(p.encode())])
            for t in range(5):
                nxt = int(tiny_model(seq)[0, -1].argmax())
                assert g[i, 0, t] == nxt
                seq = torch.cat([seq, torch.tensor([[nxt]])], dim=1)
    tiny_model.train()
    # a vanishing temperature gives the greedy answer (where the top logit is clear)
    cold = sample(tiny_model, prompts, 3, temperature=1e-4, max_new_tokens=5, stop=None, seed=1)
    assert np.array_equal(cold, g)


def test_sample_follows_the_softmax_at_temperature(torch) -> None:
    from scalewatch.experiments._sampling import sample

    z = np.full(256, -30.0)
    z[[48, 49, 50]] = [0.0, 1.0, 2.0]
    model = _fixed_logits_model(torch, z)
    for temp in (1.0, 0.5):
        out = sample(model, ["x"], 20_000, temperature=temp, max_new_tokens=1, seed=3)
        freq = np.bincount(out[0, :, 0], minlength=256)[[48, 49, 50]] / 20_000
        p = np.exp(z[[48, 49, 50]] / temp)
        p /= p.sum()
        assert np.allclose(freq, p, atol=0.015), (temp, freq, p)


def test_sample_stops_and_pads(torch) -> None:
    from scalewatch.experiments._sampling import decode, sample

    z = np.full(256, -30.0)
    z[10] = 0.0  # always the newline
    out = sample(_fixed_logits_model(torch, z), ["ab", "c"], 2, max_new_tokens=6, seed=0)
    assert (out == 10).all()
    assert decode(out) == [["", ""], ["", ""]]
    assert decode(np.array([[[0x34, 0x00, 0x22, 10]]], dtype=np.uint8)) == [["4\\x00\\x22"]]


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n=0"),
    ({"temperature": -1.0}, "temperature"),
    ({"max_new_tokens": 0}, "max_new_tokens"),
    ({"prompts": [""]}, "empty"),
    ({"prompts": ["x" * 16]}, "context"),
])
def test_sample_rejects_bad_arguments(torch, tiny_model, kwargs: dict, match: str) -> None:
    from scalewatch.experiments._sampling import sample

    args = {"prompts": ["\n1+2="], "n": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        sample(tiny_model, args.pop("prompts"), args.pop("n"), **args)


# =============================================================================
# end to end, and the counts feed the existing estimators
# =============================================================================


@pytest.fixture(scope="module")
def tiny_run(torch) -> ArithmeticTestTime:
    from scalewatch.experiments._model import ModelConfig

    sizes = [ModelConfig(1, 1, 16, context=32), ModelConfig(1, 2, 32, context=32)]
    return arithmetic_testtime(sizes, task=ArithmeticTask(add_digits=(1, 1), mul_share=0.0, reverse=True),
                               tokens=30_000, n_problems=12, n_samples=16, batch_size=16, seed=5, threads=1)


def test_end_to_end_tables(tiny_run: ArithmeticTestTime) -> None:
    per, ans, runs = tiny_run.per_problem, tiny_run.answers, tiny_run.runs
    assert len(runs) == 2 and len(per) == 24
    assert list(per.columns[:5]) == ["run_id", "benchmark", "problem_idx", "num_samples", "num_correct"]
    assert (per["num_samples"] == 16).all()
    summed = ans.groupby(["run_id", "problem_idx"])["count"].sum()
    assert (summed == 16).all()  # every sample counted once
    correct = ans[ans["correct"]].groupby(["run_id", "problem_idx"])["count"].sum()
    merged = per.set_index(["run_id", "problem_idx"])["num_correct"]
    assert (correct.reindex(merged.index, fill_value=0) == merged).all()
    # answers marked correct are exactly the references
    ref = per.set_index(["run_id", "problem_idx"])["answer"]
    hit = ans.set_index(["run_id", "problem_idx"])
    assert (hit["correct"] == (hit["answer"] == ref.reindex(hit.index))).all()
    assert tiny_run.config["seed"] == 5 and tiny_run.config["torch_version"]
    assert "pass@1" in tiny_run.report() and repr(tiny_run).startswith("ArithmeticTestTime(2 models")


def test_end_to_end_is_deterministic(torch, tiny_run: ArithmeticTestTime) -> None:
    from scalewatch.experiments._model import ModelConfig

    again = arithmetic_testtime([ModelConfig(1, 1, 16, context=32)],
                                task=ArithmeticTask(add_digits=(1, 1), mul_share=0.0, reverse=True),
                                tokens=30_000, n_problems=12, n_samples=16, batch_size=16, seed=5, threads=1)
    first = tiny_run.per_problem[tiny_run.per_problem["run_id"] == again.run_ids[0]].reset_index(drop=True)
    assert first["num_correct"].tolist() == again.per_problem["num_correct"].tolist()
    assert float(tiny_run.runs["loss"].iloc[0]) == float(again.runs["loss"].iloc[0])


def test_counts_feed_the_pass_at_k_estimators(tiny_run: ArithmeticTestTime) -> None:
    per = tiny_run.per_problem
    cov = coverage_curves(per, n_resamples=0).table
    for rid, g in per.groupby("run_id"):
        n, c = g["num_samples"].to_numpy(), g["num_correct"].to_numpy()
        row = cov[cov["model"] == rid].set_index("k")["coverage"]
        assert row[1] == pytest.approx(np.mean(c / n), abs=1e-12)  # pass@1 = mean c/n
        assert row[16] == pytest.approx(np.mean(c > 0), abs=1e-12)  # pass@n = share ever solved
        assert row[4] == pytest.approx(float(np.mean(pass_at_k(n, c, 4))), abs=1e-12)
        assert np.all(np.diff(row.to_numpy()) >= -1e-12)  # coverage never falls with k


def test_answer_tables_feed_majority_vote(tiny_run: ArithmeticTestTime) -> None:
    rid = tiny_run.run_ids[-1]
    lists, refs = tiny_run.answer_lists(rid)
    assert len(lists) == 12 and all(len(x) == 16 for x in lists)
    dist = AnswerDistributions(tiny_run.answer_shares(rid))
    g = tiny_run.per_problem[tiny_run.per_problem["run_id"] == rid].sort_values("problem_idx")
    assert np.allclose(dist.p_correct, g["num_correct"].to_numpy() / 16)
    # majority@n over all n samples (one subset) equals the empirical mode's limit
    acc, _ = majority_at_k(lists, refs, k=16, n_draws=1)
    assert acc == pytest.approx(float(np.mean(majority_vote_limit(dist))))


def test_csv_round_trip(tiny_run: ArithmeticTestTime, tmp_path) -> None:  # noqa: ANN001
    tiny_run.to_csv(tmp_path)
    back = ArithmeticTestTime.read_csv(tmp_path)
    assert back.per_problem.equals(tiny_run.per_problem)
    assert back.answers.equals(tiny_run.answers)
    assert back.config["seed"] == 5
    with pytest.raises(FileNotFoundError, match="missing"):
        ArithmeticTestTime.read_csv(tmp_path / "nowhere")


def test_committed_result_is_consistent_and_fits() -> None:
    res = load_arithmetic_testtime()
    per = res.per_problem
    assert len(res.run_ids) >= 3
    n = int(res.config["n_samples"])
    assert (per["num_samples"] == n).all()
    summed = res.answers.groupby(["run_id", "problem_idx"])["count"].sum()
    assert (summed == n).all()
    fits = fit_coverage_models(per, "brown", n_resamples=50, seed=0)
    assert set(fits) == set(res.run_ids)
    for f in fits.values():
        assert f.params["a"] > 0 and f.params["b"] > 0
