"""Helpers that the tests and the benchmarks share, shipped like ``starlette.testclient``.

- ``processes``: free loopback ports; a ``stadiumflow`` server or worker started as a user
  starts one (``python -m stadiumflow ...``); waiting until it is healthy, or until
  anything holds; stopping it.
- ``azurite``: a real Azurite (the Azure Storage emulator) on free ports, one shared per
  process if wanted, and Settings or environment variables naming fresh queues, tables and
  containers on it.
- ``sagemaker_stub``: a local server speaking the SageMaker runtime's wire protocol.

Standard library and the product's own dependencies only: nothing here imports pytest or
another development tool (pytest fixtures and skips stay in ``tests/``), and nothing is
imported or started when this package is imported.
"""
