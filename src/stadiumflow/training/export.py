"""LightGBM boosters -> one ONNX graph with four named outputs, checked at export."""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm as lgb
import numpy as np
import onnx
import onnxmltools
from onnx import compose, helper
from onnxmltools.convert.common.data_types import FloatTensorType

from stadiumflow.adapters.onnx_model import OUTPUTS, OnnxWaitModel

INPUT_NAME = "features"
ONNX_OPSET = 15  # onnxmltools' LightGBM converter supports up to 15
MAX_EXPORT_DIFFERENCE_MINUTES = 1e-3


def _one(booster: lgb.Booster, n_features: int, prefix: str) -> onnx.ModelProto:
    model = onnxmltools.convert_lightgbm(
        booster,
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        target_opset=ONNX_OPSET,
        zipmap=False,
    )
    return compose.add_prefix(model, prefix=prefix)


def to_onnx(boosters: Sequence[lgb.Booster], n_features: int) -> bytes:
    """Merge one graph per booster, sharing the input, outputs named as OUTPUTS."""
    if len(boosters) != len(OUTPUTS):
        raise ValueError(f"need {len(OUTPUTS)} boosters, got {len(boosters)}")
    parts = [_one(b, n_features, f"m{i}_") for i, b in enumerate(boosters)]
    nodes, initializers = [], []
    for i, (part, name) in enumerate(zip(parts, OUTPUTS, strict=True)):
        graph = part.graph
        nodes.append(helper.make_node("Identity", [INPUT_NAME], [graph.input[0].name]))
        nodes.extend(graph.node)
        initializers.extend(graph.initializer)
        nodes.append(helper.make_node("Identity", [graph.output[0].name], [name], name=f"out{i}"))
    graph = helper.make_graph(
        nodes,
        "stadiumflow_wait",
        [helper.make_tensor_value_info(INPUT_NAME, onnx.TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [None, 1]) for n in OUTPUTS],
        initializer=initializers,
    )
    merged = helper.make_model(graph, opset_imports=list(parts[0].opset_import))
    merged.ir_version = parts[0].ir_version
    merged.producer_name = "stadiumflow"
    onnx.checker.check_model(merged)
    return bytes(merged.SerializeToString())


def check_export(
    model_bytes: bytes, metadata: dict[str, object], boosters: Sequence[lgb.Booster], x: np.ndarray
) -> float:
    """Largest difference (minutes) between ONNX and LightGBM on ``x``; raises if too big."""
    corrections = OnnxWaitModel(model_bytes, metadata).corrections(x)
    worst = 0.0
    for booster, name in zip(boosters, OUTPUTS, strict=True):
        expected = np.asarray(booster.predict(x), dtype=np.float64)
        worst = max(worst, float(np.abs(expected - corrections[name]).max()))
    if worst > MAX_EXPORT_DIFFERENCE_MINUTES:
        raise RuntimeError(f"ONNX differs from LightGBM by {worst:.2e} min")
    return worst
