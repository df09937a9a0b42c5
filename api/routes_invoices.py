"""`POST /v1/invoices`: issue one invoice through the tenant's issuer.

201 when this call issued it, 200 with the same number when it was issued before (issuing is
idempotent on the source invoice id), 409 when it changed since it was issued, 503 with
`Retry-After` when the render pool's queue is full (checked before anything is posted).
Issuing runs in threads of its own (`ISSUING_THREADS`): a render it waits for never takes a
thread the other routes need.
"""

from __future__ import annotations

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Request, Response

from api.body import read_invoice
from api.deps import State, Tenant
from api.openapi import INVOICE_BODY, PROBLEM_RESPONSES, problem_doc, problems
from api.schemas import IssuedOut
from api.tenants import TenantServices
from faktura.model import Invoice
from issuing.pipeline import IssuedInvoice

router = APIRouter(tags=["invoices"])
#: Invoices issued at once (each holds a thread while it posts, renders and archives).
ISSUING_THREADS = 16


def _issuing_threads(request: Request) -> CapacityLimiter:
    """The app's own threads for issuing, apart from the server's shared ones."""
    limiter: CapacityLimiter | None = getattr(request.app.state, "issuing_threads", None)
    if limiter is None:
        limiter = request.app.state.issuing_threads = CapacityLimiter(ISSUING_THREADS)
    return limiter


def _issue(services: TenantServices, invoice: Invoice) -> IssuedInvoice:
    return services.guard.issue(services.issuer(), invoice)


@router.post(
    "/v1/invoices",
    status_code=201,
    response_model=IssuedOut,
    summary="Issue an invoice (post to Uniconta, render, archive)",
    responses={200: {"model": IssuedOut, "description": "Already issued: the same number"},
               409: problem_doc("Changed since it was issued, or an archive conflict"),
               **PROBLEM_RESPONSES, **problems(502)},
    openapi_extra=INVOICE_BODY,
)
async def issue_invoice(request: Request, response: Response, services: Tenant,
                        state: State) -> IssuedOut:
    """Issue the invoice exactly once; repeat the call safely (same answer, status 200)."""
    invoice = await read_invoice(request)
    state.pool.check_capacity()  # a busy renderer refuses before anything is posted
    issued = await anyio.to_thread.run_sync(_issue, services, invoice,
                                            limiter=_issuing_threads(request))
    number = issued.invoice_number
    if issued.already_issued:
        response.status_code = 200
    response.headers["Location"] = f"/v1/archive/{number}"
    return IssuedOut(invoice_number=number, already_issued=issued.already_issued,
                     entry=issued.entry, pdf_url=f"/v1/archive/{number}",
                     meta_url=f"/v1/archive/{number}/meta")
