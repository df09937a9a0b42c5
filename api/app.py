"""The Faktura HTTP API: `create_app(...)` builds the FastAPI application.

    uvicorn "api.app:create_app" --factory        # or: faktura serve

Pages for people at `/` (`api.pages`). Routes: `POST /v1/preview`, `POST /v1/invoices`,
`POST /v1/batches`, `GET /v1/batches/{id}`, `GET /v1/batches/{id}/pdf`, `GET /v1/archive`,
`GET /v1/archive/{n}`, `GET /v1/archive/{n}/meta`, `GET /healthz`; docs at `/docs` and `/redoc`.
Errors are problem+json (`api.problems`); callers authenticate with a per-tenant API key
(`api.auth`). The outermost middleware (`api.requestlog`; only a trusted proxy's headers are
read before it) gives every answer an `X-Request-ID` and logs one JSON line per request; each
tenant's batch store is bounded (`api.batch_quota`).

Rendering runs in a pool of warm worker processes (`issuing.renderpool`) started in the
lifespan and shared by previews, issuing and batches: a bounded queue, a time limit and a
memory ceiling per render (`render_problems` says what a refusal answers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import openapi, pages, problems, render_problems
from api.auth import KeyStore
from api.batch_quota import BatchQuota
from api.batches import BatchService, Clock, utc_now
from api.limits import DEFAULT_MAX_BODY, BodySizeLimit
from api.pages.session import Sessions
from api.requestlog import RequestLog
from api.routes_archive import router as archive_router
from api.routes_batches import router as batches_router
from api.routes_health import router as health_router
from api.routes_invoices import router as invoices_router
from api.routes_preview import router as preview_router
from api.routes_uniconta import router as uniconta_router
from api.routes_uniconta import start_followers, start_status_refreshers
from api.signin_limits import SignInGuard, SignInLimits
from api.state import AppState
from api.tenants import IssuerFactory, TenantRegistry
from infra.settings_files import find_settings
from issuing.bootstrap import open_issuer
from issuing.refresher import Timing
from issuing.renderpool import BULK, PoolLimits, RenderPool


def create_app(
    settings: Path | TenantRegistry | None = None,
    *,
    keys: KeyStore | Path | None = None,
    issuer_factory: IssuerFactory | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    batch_workers: int | None = None,
    resume_batches: bool = True,
    batch_quota: BatchQuota | None = None,
    clock: Clock = utc_now,
    render_workers: int | None = None,
    render_limits: PoolLimits | None = None,
    trusted_proxies: Sequence[str] = (),
    sign_in_limits: SignInLimits | None = None,
    status_timing: Timing | None = None,
) -> FastAPI:
    """The API application.

    `settings`: one settings file, a folder of `<tenant>.toml`, or a `TenantRegistry`
    (default: found as every command finds it, `infra.settings_files`).
    `keys`: the API key store (default: the registry's `api-keys.sqlite`).
    `issuer_factory`: settings → context manager of an `Issuer` (default:
    `issuing.bootstrap.open_issuer`).
    `batch_quota`: what each tenant may keep of batches, and for how long (default
    `BatchQuota()`: 200 batches, 200 MiB, finished ones kept 7 days); `clock`: the time
    batches are stamped and expired by.
    `render_workers`: render processes (default one per core); `render_limits`: the pool's
    queue, time and memory limits (`issuing.renderpool.PoolLimits`).
    `batch_workers`: how many of those workers a batch keeps busy (default all; 0: one invoice
    at a time). `resume_batches`: pick up batches a previous run left unfinished.
    `trusted_proxies`: addresses or networks (`10.0.0.0/8`) of reverse proxies whose
    `X-Forwarded-Proto` and `X-Forwarded-For` are believed (the scheme makes the session
    cookie `Secure` behind TLS; the address is the client's for the sign-in limits); from
    anyone else those headers are ignored. `sign_in_limits`: failed sign-ins allowed per
    address and tenant, and the lock-outs after them (`api.signin_limits`).
    `status_timing`: how often the payment statuses are read in the background (default:
    each tenant's `uniconta.status_interval`, and a webhook's read 5 s after it, at most one
    read a minute; `issuing.refresher`).
    """
    registry = (settings if isinstance(settings, TenantRegistry)
                else TenantRegistry.load(find_settings(settings)))
    limits = render_limits or PoolLimits()
    if render_workers is not None:
        limits = dataclasses.replace(limits, workers=render_workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        key_store = keys if isinstance(keys, KeyStore) else KeyStore(
            keys or registry.key_store_path)
        pool = RenderPool(limits)  # workers start in the background; renders wait for them
        workers = pool.workers if batch_workers is None else batch_workers
        batches = BatchService(workers=workers, quota=batch_quota, clock=clock,
                               renderer_factory=lambda n: pool.renderer(priority=BULK,
                                                                        workers=n))
        state = AppState(registry=registry, keys=key_store, pool=pool,
                         renderer=pool.renderer(),
                         issuer_factory=issuer_factory or open_issuer,
                         batches=batches, max_body_bytes=max_body_bytes,
                         sign_ins=SignInGuard(sign_in_limits))
        app.state.faktura = state
        app.state.pages_sessions = Sessions(key_store)
        try:
            if resume_batches:
                for services in state.all_services():
                    state.batches.resume_unfinished(services)
            state.batches.expire_regularly(state.all_services)
            stop_followers = start_followers(state)
            stop_refreshers = start_status_refreshers(state, status_timing or Timing())
            try:
                yield
            finally:
                await run_in_threadpool(stop_refreshers)
                await run_in_threadpool(stop_followers)
        finally:
            await run_in_threadpool(state.close)

    app = FastAPI(
        title="Faktura",
        version="0.1.0",
        description="Danish invoices: preview, issue (exactly once to Uniconta), batch and"
        " archive. Authenticate with `Authorization: Bearer <API key>`.",
        lifespan=lifespan,
        docs_url=None,  # served from local files by api.pages
        redoc_url=None,
    )
    problems.install(app)
    render_problems.install(app)
    for router in (health_router, preview_router, invoices_router, batches_router,
                   archive_router, uniconta_router):
        app.include_router(router)
    openapi.install(app)
    pages.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestLog)
    if trusted_proxies:  # the outermost: every layer sees the client's scheme and address
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    return app
