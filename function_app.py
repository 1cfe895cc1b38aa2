"""Azure Functions entry point (Python v2 programming model): registers blueprints only.

The functions live in ``stadiumflow.entrypoints.azure``; see docs/azure.md.
"""

import azure.functions as func

from stadiumflow.entrypoints.azure import BLUEPRINTS

app = func.FunctionApp()
for blueprint in BLUEPRINTS:
    app.register_functions(blueprint)
