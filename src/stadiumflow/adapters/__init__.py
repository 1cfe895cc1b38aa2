"""Adapters: one module per technology behind the ports (memory, SQLite, Azure, ONNX, ...)."""
