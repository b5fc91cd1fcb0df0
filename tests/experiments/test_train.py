"""The training loop: it learns, is deterministic under a seed, and resumes exactly from a checkpoint."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the experiments need torch: pip install 'scalewatch[experiments]'")

from scalewatch.experiments import Corpus, ModelConfig, RunSpec, StepInfo, train  # noqa: E402

CFG = ModelConfig(n_layer=1, n_head=3, d_model=24, context=32)  # 7,272 non-embedding, 14,184 total parameters


def same(a: list[dict], b: list[dict]) -> bool:
    """Curves equal, NaN (the train loss at step 0) equal to NaN."""
    def key(rows: list[dict]) -> list[tuple]:
        return [tuple(sorted((k, "nan" if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()))
                for r in rows]
    return key(a) == key(b)


def spec(**kw: object) -> RunSpec:
    base = dict(model=CFG, tokens=16 * 32 * 24, batch_size=16, lr=1e-2, eval_tokens=1024, eval_every=6, seed=3)
    return RunSpec(**{**base, **kw})  # type: ignore[arg-type]


def test_training_reduces_loss_and_reports_its_curve(corpus: Corpus) -> None:
    r = train(spec(), corpus)
    first, last = r.curve[0], r.curve[-1]
    assert first["step"] == 0 and math.isnan(first["train_loss"])
    assert first["val_loss"] > 5.0  # about ln 256 = 5.55 before training
    assert r.loss == last["val_loss"] < first["val_loss"] - 1.0
    assert [row["step"] for row in r.curve] == [0, 6, 12, 18, 24]
    assert last["tokens"] == r.spec.tokens_seen == 24 * 16 * 32
    assert r.tokens_per_second > 0 and r.wall_seconds > 0 and r.resumed_from == 0


def test_same_seed_same_numbers_other_seed_other_numbers(corpus: Corpus) -> None:
    a, b = train(spec(tokens=16 * 32 * 6), corpus), train(spec(tokens=16 * 32 * 6), corpus)
    assert same(a.curve, b.curve)
    c = train(spec(tokens=16 * 32 * 6, seed=4), corpus)
    assert c.loss != a.loss


def test_checkpoint_resume_equals_uninterrupted(corpus: Corpus, tmp_path: Path) -> None:
    s = spec(checkpoint_every=5)
    whole = train(s, corpus)
    ckpt = tmp_path / "run.pt"

    class Killed(Exception):
        pass

    def die(info: StepInfo) -> None:
        if info.step == 13:  # after the checkpoint at step 10, before the one at 15
            raise Killed

    with pytest.raises(Killed):
        train(s, corpus, checkpoint_path=ckpt, on_step=die)
    assert ckpt.is_file() and not list(tmp_path.glob("*.tmp*"))
    resumed = train(s, corpus, checkpoint_path=ckpt)
    assert resumed.resumed_from == 10
    assert same(resumed.curve, whole.curve) and resumed.loss == whole.loss
    # a finished run's checkpoint gives the result back without training
    again = train(s, corpus, checkpoint_path=ckpt)
    assert again.resumed_from == s.steps and again.loss == whole.loss


def test_checkpoint_of_another_run_is_refused(corpus: Corpus, tmp_path: Path) -> None:
    ckpt = tmp_path / "run.pt"
    train(spec(tokens=16 * 32 * 2), corpus, checkpoint_path=ckpt)
    with pytest.raises(ValueError, match="belongs to another run spec or corpus"):
        train(spec(tokens=16 * 32 * 2, seed=9), corpus, checkpoint_path=ckpt)


def test_schedule_warms_up_then_decays_to_min_lr() -> None:
    s = spec(tokens=16 * 32 * 100, warmup=0.1, min_lr_ratio=0.1)
    lrs = [s.lr_at(i) for i in range(s.steps)]
    assert s.warmup_steps == 10 and lrs[0] == pytest.approx(1e-3) and lrs[9] == pytest.approx(1e-2)
    assert all(x >= y for x, y in zip(lrs[9:], lrs[10:]))
    assert lrs[-1] == pytest.approx(1e-3)


@pytest.mark.parametrize(("kw", "match"), [
    ({"tokens": 0}, r"tokens=0"),
    ({"lr": -1.0}, r"lr=-1.0"),
    ({"warmup": 2.0}, r"warmup=2.0"),
    ({"device": "tpu"}, r"device='tpu'.*cpu, cuda, auto"),
    ({"dtype": "float16"}, r"dtype='float16'"),
])
def test_runspec_rejects_bad_values(kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        spec(**kw)


def test_runspec_round_trips_through_a_dict() -> None:
    s = spec()
    assert RunSpec.from_dict(s.to_dict()) == s
    assert replace(s, seed=5).to_dict()["seed"] == 5
