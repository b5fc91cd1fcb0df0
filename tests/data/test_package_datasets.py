"""Package datasets come through a hook: the data layer loads them by name without importing who makes them."""

from __future__ import annotations

import pytest

import scalewatch.data._package as package
from scalewatch.data import datasets
from scalewatch.errors import DatasetUnavailableError


def test_the_sweep_is_registered_by_its_entry_point():
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group=datasets.PACKAGE_DATASET_GROUP) if e.name == "scalewatch-sweep"]
    assert ep.value == "scalewatch.experiments:sweep_dataset"
    assert datasets.load("scalewatch-sweep").name == "scalewatch-sweep"


def test_a_registered_loader_is_used_and_a_missing_one_is_explained(monkeypatch):
    monkeypatch.setattr(package, "_LOADERS", {})
    sentinel = object()
    datasets.register_package_dataset("scalewatch-sweep", lambda: sentinel)
    assert package.package_dataset("scalewatch-sweep") is sentinel
    with pytest.raises(TypeError, match=r"takes a function \(\) -> Dataset; got int"):
        datasets.register_package_dataset("scalewatch-sweep", 3)
    with pytest.raises(DatasetUnavailableError, match="no entry point 'nothing-here' in group 'scalewatch.datasets'"):
        package.package_dataset("nothing-here")
