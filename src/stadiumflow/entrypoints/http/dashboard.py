"""The operations dashboard at ``/``: one HTML page, one script, one style sheet.

No framework, no build step and no CDN: the control room may have no internet, and what
it shows must not depend on anyone else's server. The page reads the public API
(``/api/flow/stadiums``, ``/api/flow/history``) and follows ``/api/flow/events`` for live
updates, so it needs nothing the partner services do not also get.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

# The page's scripts, styles and images all come from us; the policy makes that checkable.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _DashboardPage:
    """Serves index.html, read once on first use (never at import)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._body: bytes | None = None

    async def serve(self, request: Request) -> Response:
        if self._body is None:
            self._body = self._path.read_bytes()
        return Response(self._body, media_type="text/html", headers=_SECURITY_HEADERS)


class _Assets(StaticFiles):
    """The dashboard's own files, revalidated on each load so a deploy shows at once."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def routes() -> list[BaseRoute]:
    """``/`` and ``/static/*``, to mount beside the API."""
    return [
        Route("/", _DashboardPage(STATIC_DIR / "index.html").serve, methods=["GET"]),
        Mount("/static", app=_Assets(directory=STATIC_DIR), name="dashboard-static"),
    ]
