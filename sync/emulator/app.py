"""FastAPI app factory for the Uniconta gateway emulator.

``create_app(state_path, settings=...)`` opens (and on first use seeds) the SQLite state file and
returns an app serving the gateway routes (:mod:`.routes`) and the admin routes (:mod:`.admin`).
Error mapping (§2.6): ``UnicontaError`` ⇒ JSON string (500, or 403 for a failed login),
``BadRequest`` ⇒ 400 text, ``TooManyMatches`` ⇒ 409 text, ``StatusOnly`` and unknown routes ⇒
empty body with the status.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.emulator import admin, fixtures, rest_routes, routes
from sync.emulator.auth import StatusOnly
from sync.emulator.errors import BadRequest, TooManyMatches, UnicontaError
from sync.emulator.pdf import render_pdf
from sync.emulator.runtime import Runtime
from sync.emulator.settings import EmulatorSettings
from sync.emulator.store import Store

#: Literal route segments matched case-insensitively, as ASP.NET Core routing does.
_SEGMENTS = {
    s.lower(): s
    for s in (
        "Companies",
        "Query",
        "Crud",
        "Invoice",
        "DebtorOrders",
        "Orders",
        "DebtorInvoices",
        "Pdf",
    )
}


class GatewayMiddleware:
    """Pure ASGI middleware: case-insensitive route literals, latency fault, per-route stats."""

    def __init__(self, app: Any, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(admin.ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        parts = scope["path"].split("/")
        scope["path"] = "/".join(_SEGMENTS.get(p.lower(), p) for p in parts)
        latency = self.runtime.faults.latency_ms
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or scope["path"]
            self.runtime.count_route(f"{scope['method']} {template}")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(UnicontaError)
    async def _uniconta(_: Request, exc: UnicontaError) -> Response:
        return JSONResponse(exc.code, status_code=exc.status)

    @app.exception_handler(BadRequest)
    async def _bad(_: Request, exc: BadRequest) -> Response:
        return PlainTextResponse(exc.message, status_code=400)

    @app.exception_handler(TooManyMatches)
    async def _conflict(_: Request, exc: TooManyMatches) -> Response:
        return PlainTextResponse(exc.message, status_code=409)

    @app.exception_handler(StatusOnly)
    async def _status(_: Request, exc: StatusOnly) -> Response:
        return Response(status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        return Response(status_code=exc.status_code)


def open_store(state_path: Path, settings: EmulatorSettings) -> Store:
    """Open the state file; seed the fixtures when it is new (and seeding is on)."""
    store = Store(state_path)
    if settings.seed and not store.companies() and store.get_meta("seeded_at") is None:
        fixtures.seed(store)
    return store


def create_app(state_path: Path, *, settings: EmulatorSettings | None = None) -> FastAPI:
    """Build the emulator app on the state file ``state_path``."""
    settings = settings or EmulatorSettings()
    store = open_store(Path(state_path), settings)
    runtime = Runtime(dataclasses.replace(settings.faults))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="Uniconta gateway emulator",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.runtime = runtime
    app.state.render_pdf = render_pdf
    _install_handlers(app)
    app.include_router(admin.router)
    app.include_router(routes.router)
    app.include_router(rest_routes.router)  # official REST contract, same state
    app.add_middleware(GatewayMiddleware, runtime=runtime)
    return app
