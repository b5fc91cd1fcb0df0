"""Shared tiny set-ups for the experiments tests: models of ~5-15k parameters, context 32."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scalewatch.experiments import Corpus, stdlib_corpus


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The first 300 kB of the stdlib corpus (every 10th file held out)."""
    return stdlib_corpus(max_bytes=300_000)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """One torch thread, as the sweep uses: on a busy 2-core machine two threads are many times slower."""
    try:
        import torch
    except ImportError:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
