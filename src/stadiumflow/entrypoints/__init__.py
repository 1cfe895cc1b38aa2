"""Entry points: the ASGI app, the worker, the CLI, the Azure Functions blueprints. Thin."""
