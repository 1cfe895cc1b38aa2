"""A new model version in the store replaces the one in service; a bad one is skipped."""

from __future__ import annotations

from stadiumflow.adapters.model_folder import FolderModelStore
from stadiumflow.adapters.model_reload import StoreFollowingWaitModel
from stadiumflow.adapters.onnx_model import METADATA_FILE, MODEL_FILE, OnnxWaitModel
from stadiumflow.bootstrap import shipped_model_dir
from stadiumflow.domain.queueing import QueueingWaitModel


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def shipped_files() -> dict[str, bytes]:
    return {n: (shipped_model_dir() / n).read_bytes() for n in (MODEL_FILE, METADATA_FILE)}


def test_follows_the_store_and_skips_a_broken_version(tmp_path):
    store = FolderModelStore(tmp_path)
    ticks = Ticks()
    model = StoreFollowingWaitModel(
        store, OnnxWaitModel.from_files, QueueingWaitModel(reason="test"), clock=ticks
    )
    assert model.is_fallback and model.version == "fallback:queueing-1"

    files = shipped_files()
    version = OnnxWaitModel.from_files(files).version
    store.save(version, files)
    assert not model.maybe_reload()  # not yet time to look
    ticks.now += 61
    assert model.maybe_reload()
    assert model.version == version and not model.is_fallback
    assert model.predict([[0.0] * 17])[0].wait >= 0

    store.save("zzz-broken", {MODEL_FILE: b"garbage", METADATA_FILE: files[METADATA_FILE]})
    ticks.now += 61
    assert not model.maybe_reload()
    assert model.version == version  # the broken one is skipped, the good one stays
    ticks.now += 61
    assert not model.maybe_reload()  # and not retried every minute
