"""One contract for every ModelStore adapter: a local folder, the ml-models container, and
the in-memory fake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from stadiumflow.adapters.memory import MemoryModelStore
from stadiumflow.adapters.model_folder import FolderModelStore
from stadiumflow.domain.errors import ModelUnavailable
from stadiumflow.ports import ModelStore


def _azure(tmp: Path) -> ModelStore:
    from tests.azure.backends import azure_model_store

    return azure_model_store()


BACKENDS: dict[str, Callable[[Path], ModelStore]] = {
    "folder": lambda tmp: FolderModelStore(tmp / "models"),
    "azure": _azure,
    "memory": lambda tmp: MemoryModelStore(),
}
MARKS = {"azure": pytest.mark.azure}

FILES = {"model.onnx": b"\x08\x01onnx-bytes\x00\xff", "metadata.json": b'{"version": "v1"}'}


@pytest.fixture(params=[pytest.param(name, marks=MARKS.get(name, ())) for name in sorted(BACKENDS)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ModelStore:
    return BACKENDS[request.param](tmp_path)


def test_an_empty_store_has_no_version(store):
    assert store.latest_version() is None


def test_saved_files_load_back_byte_for_byte(store):
    store.save("2025-07-01.1", FILES)
    assert store.load("2025-07-01.1") == FILES


def test_the_greatest_version_is_the_latest(store):
    for version in ("2025-07-01.1", "2025-07-14.1", "2025-07-02.1"):
        store.save(version, {**FILES, "metadata.json": version.encode()})
    assert store.latest_version() == "2025-07-14.1"
    assert store.load("2025-07-02.1")["metadata.json"] == b"2025-07-02.1"


def test_saving_a_version_again_replaces_its_files(store):
    store.save("v1", FILES)
    store.save("v1", {"model.onnx": b"new"})
    assert store.load("v1")["model.onnx"] == b"new"


def test_an_unknown_version_is_model_unavailable(store):
    with pytest.raises(ModelUnavailable):
        store.load("v9")


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", ""])
def test_names_that_are_not_one_path_segment_are_refused(store, name):
    with pytest.raises(ValueError):
        store.save(name, FILES)
    with pytest.raises(ValueError):
        store.save("v1", {name: b"x"})
