"""The trained wait model, run with onnxruntime in batches.

One ONNX graph with four outputs (point, 10% and 90% quantiles, the wait 15 minutes
ahead), each a correction to the queueing base ``wait_base(features)``. The metadata
beside it lists the features it was trained on; a model built for another feature list
is refused at load (ModelUnavailable), and the worker falls back to the formula.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnxruntime as ort

from stadiumflow.domain.errors import ModelUnavailable
from stadiumflow.domain.features import BASE_INDEX, FEATURE_NAMES, FEATURES_VERSION
from stadiumflow.domain.wait import WaitEstimate

MODEL_FILE = "wait_model.onnx"
METADATA_FILE = "metadata.json"
OUTPUTS = ("wait", "wait_low", "wait_high", "wait_in_15")


def session_options() -> ort.SessionOptions:
    """One thread each: inference shares two cores with the HTTP server."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


class OnnxWaitModel:
    """WaitModel port on onnxruntime: one call per batch, never one per reading."""

    name = "lightgbm-onnx"
    is_fallback = False
    fallback_reason: str | None = None

    def __init__(self, model_bytes: bytes, metadata: dict[str, Any]) -> None:
        features = metadata.get("features")
        if features != list(FEATURE_NAMES):
            raise ModelUnavailable(
                "model was trained on other features than this code computes"
                f" (model: {features!r:.200}; code: {list(FEATURE_NAMES)!r:.200})"
            )
        if metadata.get("featuresVersion") != FEATURES_VERSION:
            raise ModelUnavailable(
                f"model features version {metadata.get('featuresVersion')!r},"
                f" code {FEATURES_VERSION}"
            )
        try:
            self._session = ort.InferenceSession(
                model_bytes, sess_options=session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelUnavailable(f"model file cannot be loaded: {exc}") from exc
        outputs = [o.name for o in self._session.get_outputs()]
        if outputs != list(OUTPUTS):
            raise ModelUnavailable(f"model outputs {outputs}, expected {list(OUTPUTS)}")
        self._input = self._session.get_inputs()[0].name
        self.version = str(metadata.get("version", "unknown"))
        self.metadata = metadata

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> OnnxWaitModel:
        try:
            model_bytes = files[MODEL_FILE]
            metadata = json.loads(files[METADATA_FILE])
        except KeyError as exc:
            raise ModelUnavailable(f"model version lacks {exc.args[0]}") from exc
        except ValueError as exc:
            raise ModelUnavailable(f"model metadata is not JSON: {exc}") from exc
        if not isinstance(metadata, dict):
            raise ModelUnavailable("model metadata is not a JSON object")
        return cls(model_bytes, metadata)

    def corrections(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """The raw outputs: minutes to add to the queueing base, per output."""
        x = np.ascontiguousarray(features, dtype=np.float32)
        raw = self._session.run(None, {self._input: x})
        return {
            name: np.asarray(r, dtype=np.float64).reshape(-1)
            for name, r in zip(OUTPUTS, raw, strict=True)
        }

    def predict_arrays(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Waits (minutes) for a [n, F] float array: base + corrections, ordered, >= 0."""
        corrections = self.corrections(features)
        base = np.asarray(features[:, BASE_INDEX], dtype=np.float64)
        point, low, high, ahead = (base + corrections[name] for name in OUTPUTS)
        point = np.maximum(point, 0.0)
        return {
            "wait": point,
            "wait_low": np.clip(low, 0.0, point),
            "wait_high": np.maximum(high, point),
            "wait_in_15": np.maximum(ahead, 0.0),
        }

    def maybe_reload(self) -> bool:
        return False  # one version, loaded once: StoreFollowingWaitModel swaps versions

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        if not rows:
            return []
        out = self.predict_arrays(np.asarray(rows, dtype=np.float64))
        return [
            WaitEstimate(w, lo, hi, ahead)
            for w, lo, hi, ahead in zip(
                out["wait"].tolist(),
                out["wait_low"].tolist(),
                out["wait_high"].tolist(),
                out["wait_in_15"].tolist(),
                strict=True,
            )
        ]
