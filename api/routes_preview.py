"""`POST /v1/preview`: an invoice as a draft PDF or HTML, watermarked KLADDE.

Nothing is posted and nothing is archived: the preview only renders, in a worker thread, with
the Renderer built once at startup.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.body import read_invoice
from api.deps import State, Tenant
from api.openapi import INVOICE_BODY, PROBLEM_RESPONSES, problems
from api.problems import ApiProblem
from faktura.errors import Problem
from faktura.model import Invoice
from faktura.settings import Settings
from renderer.document import build_view
from renderer.render import STYLESHEET, Renderer

router = APIRouter(tags=["preview"])

OFFERED = ("application/pdf", "text/html")


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
    settings = services.settings
    renderer = state.renderer
    if media == "text/html":
        html = await run_in_threadpool(draft_html, renderer, invoice, settings)
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    _, pdf = await run_in_threadpool(renderer.render, invoice, settings, draft=True)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="kladde-{_safe(invoice.source_id)}.pdf"',
        "Cache-Control": "no-store"})


@cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def draft_html(renderer: Renderer, invoice: Invoice, settings: Settings) -> str:
    """The draft as one HTML document, with the layout's stylesheet inlined (every text from
    the invoice is escaped by the template)."""
    html = renderer.html(build_view(invoice, settings, draft=True))
    return html.replace("</head>", f"<style>\n{_stylesheet()}</style>\n</head>", 1)


def _safe(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in text)[:60]
