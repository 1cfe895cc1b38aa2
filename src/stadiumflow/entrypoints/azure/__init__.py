"""The Azure Functions home: blueprints over the same services as the HTTP server.

``function_app.py`` at the repository root registers :data:`BLUEPRINTS` and nothing else.
Importing these modules builds no client: services are built on first use, once per
worker process (:func:`stadiumflow.entrypoints.azure.context.get_services`).
"""

from __future__ import annotations

import azure.functions as func

from stadiumflow.entrypoints.azure.http_functions import bp as http_bp
from stadiumflow.entrypoints.azure.queue_functions import bp as queue_bp
from stadiumflow.entrypoints.azure.timer_functions import bp as timer_bp

BLUEPRINTS: tuple[func.Blueprint, ...] = (http_bp, queue_bp, timer_bp)
