"""Training the wait model: data from the simulation, LightGBM, ONNX export, evaluation.

Needs the ``train`` extra (lightgbm, onnxmltools, onnx); serving does not.
"""
