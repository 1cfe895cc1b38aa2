"""/openapi.json and /docs (Swagger UI served from the installed package, no CDN)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import swagger_ui_bundle
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from stadiumflow.entrypoints.http.openapi import openapi_document

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stadiumflow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/init.js"></script>
</body></html>"""

_INIT = b"""window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});"""


async def _openapi(request: Request) -> Response:
    return Response(msgspec.json.encode(openapi_document()), media_type="application/json")


async def _docs(request: Request) -> Response:
    return HTMLResponse(_PAGE)


async def _init(request: Request) -> Response:
    return Response(_INIT, media_type="text/javascript")


def routes() -> list[BaseRoute]:
    assets = Path(swagger_ui_bundle.swagger_ui_path)
    return [
        Route("/openapi.json", _openapi, methods=["GET"]),
        Route("/docs", _docs, methods=["GET"]),
        Route("/docs/static/init.js", _init, methods=["GET"]),
        Mount("/docs/static", app=StaticFiles(directory=assets), name="docs-static"),
    ]
