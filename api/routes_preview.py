"""`POST /v1/preview`: an invoice as a draft PDF or HTML, watermarked KLADDE.

Nothing is posted and nothing is archived: the preview only renders, in the server's render
pool (`issuing.renderpool`): bounded in queue, time and memory. A caller that disconnects
while its preview waits or renders cancels it. A draft previewed again unchanged (same
invoice, settings and renderer) is answered from the tenant's kept previews
(`api.preview_cache`) without a render.

`render_draft` is the one admission rule of every preview, this route's and the page's: a kept
preview is answered at once; otherwise a full queue refuses at once (503 with the pool's
`Retry-After`), and waiting for the render is an await, so no server thread is held while a
preview waits or renders.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from fastapi import APIRouter, Request, Response

from api.body import read_invoice
from api.deps import State, Tenant
from api.openapi import INVOICE_BODY, PROBLEM_RESPONSES, problems
from api.preview_cache import preview_key
from api.problems import ApiProblem
from api.state import AppState
from faktura.errors import Problem
from faktura.model import Invoice
from faktura.settings import Settings
from issuing.renderpool import JobKind, RenderJob, RenderPool
from renderer.paths import STYLESHEET

router = APIRouter(tags=["preview"])

OFFERED = ("application/pdf", "text/html")
#: How often a preview that is still rendering checks whether its caller is still there.
DISCONNECT_CHECK = 0.1
CLIENT_GONE = 499  # nginx's "client closed request": nobody reads it


def negotiate(accept: str | None) -> str:
    """PDF or HTML, by the Accept header's preferences (PDF when anything goes)."""
    if not accept:
        return "application/pdf"
    best, best_q = None, 0.0
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        candidates = [m for m in OFFERED if media in (m, "*/*", m.split("/")[0] + "/*")]
        for candidate in candidates:
            if q > best_q or (q == best_q and best is not None
                              and OFFERED.index(candidate) < OFFERED.index(best)):
                best, best_q = candidate, q
    if best is None:
        raise ApiProblem(406, "the preview is available as application/pdf or text/html",
                         errors=[Problem("Accept", "must allow application/pdf or text/html")])
    return best


@router.post(
    "/v1/preview",
    summary="Preview an invoice (draft, nothing issued)",
    responses={200: {"content": {"application/pdf": {}, "text/html": {}},
                     "description": "The draft, watermarked KLADDE"}, **PROBLEM_RESPONSES,
               **problems(406)},
    openapi_extra=INVOICE_BODY,
    response_class=Response,
)
async def preview(request: Request, services: Tenant, state: State) -> Response:
    """Render the invoice as a draft with the tenant's settings: PDF (`Accept:
    application/pdf`, the default) or HTML (`Accept: text/html`)."""
    media = negotiate(request.headers.get("accept"))
    invoice = await read_invoice(request)
    kind = "html" if media == "text/html" else "pdf"
    rendered = await render_draft(request, state, invoice, services.settings, kind)
    if rendered is None:
        return Response(status_code=CLIENT_GONE)
    if kind == "html":
        return Response(inline_stylesheet(rendered), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    _, pdf = rendered
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="kladde-{_safe(invoice.source_id)}.pdf"',
        "Cache-Control": "no-store"})


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


async def render_draft(request: Request, state: AppState, invoice: Invoice,
                       settings: Settings, kind: JobKind = "pdf") -> Any:
    """A draft, kept or rendered in the pool: the HTML, or `(None, pdf)`; None when the
    caller left.

    Raises `RenderQueueFull` at once when it must be rendered and the queue is full (never
    waits for a place)."""
    key = preview_key(invoice, settings, kind)
    rendered = state.previews.get(settings.tenant, key)
    if rendered is not None:
        return rendered
    job = state.pool.submit(invoice, settings, kind=kind, draft=True, want_view=False)
    rendered = await render_while_connected(request, state.pool, job)
    if rendered is not None:
        state.previews.put(settings.tenant, key, rendered)
    return rendered


async def render_while_connected(request: Request, pool: RenderPool, job: RenderJob) -> Any:
    """The job's result; None when the caller disconnected first (the render is cancelled)."""
    waiter = asyncio.ensure_future(pool.wait(job))
    try:
        while True:
            done, _ = await asyncio.wait({waiter}, timeout=DISCONNECT_CHECK)
            if done:
                return waiter.result()
            if await request.is_disconnected():
                job.cancel()
                return None
    finally:
        if not waiter.done():
            waiter.cancel()


def inline_stylesheet(html: str) -> str:
    """The draft as one HTML document, with the layout's stylesheet inlined (every text from
    the invoice is escaped by the template)."""
    return html.replace("</head>", f"<style>\n{_stylesheet()}</style>\n</head>", 1)


def _safe(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in text)[:60]
