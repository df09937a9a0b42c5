"""The gateway routes: rmja/unicontarest's contract plus the three extensions (§2.3, §2.8)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sync.emulator import crud, posting
from sync.emulator.auth import StatusOnly, authenticate, company_context, require_rights
from sync.emulator.entities import ENTITIES, EntitySpec, resolve_type
from sync.emulator.enums import ALL_ENUMS, COMPANY_LAYOUT_TYPE
from sync.emulator.errors import TYPE_NOT_FOUND, BadRequest
from sync.emulator.filters import parse_filters
from sync.emulator.runtime import Runtime
from sync.emulator.wire import parse_iso_date

router = APIRouter()

QUERY_ROUTE = "/Companies/{company_id}/Query/{type_name}"
CRUD_ROUTE = "/Companies/{company_id}/Crud/{type_name}"
INVOICE_ROUTE = "/Companies/{company_id}/Invoice/DebtorOrders/{order_number}"
LEGACY_INVOICE_ROUTE = "/Companies/{company_id}/Invoice/Orders/{order_number}"
PDF_ROUTE = "/Companies/{company_id}/Invoice/DebtorInvoices/{invoice_number}/Pdf"


def _entity(type_name: str, request: Request | None = None) -> EntitySpec:
    entity = resolve_type(type_name)
    if entity is None:
        raise BadRequest(TYPE_NOT_FOUND)
    if request is not None:
        require_rights(request, entity.name)
    return entity


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"The value '{raw}' is not valid for limit.") from None


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        raise BadRequest("Object or array is expected")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Invalid JSON: {exc}") from None


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


@router.get("/")
async def index() -> dict[str, Any]:
    """Usage document (upstream IndexController)."""
    return {
        "QueryEndpoint": "/Companies/{companyId}/Query/{typeName}?filter.{Field}={value}",
        "CrudEndpoint": "/Companies/{companyId}/Crud/{typeName}",
        "InvoiceOrderEndpoint": "/Companies/{companyId}/Invoice/DebtorOrders/{orderNumber}"
        "?simulate={bool}&documentType={CompanyLayoutType}&email={address}",
        "Enums": {e.name: list(e.members) for e in ALL_ENUMS},
        "Types": [e.name for e in ENTITIES],
    }


@router.get("/Companies")
async def companies(request: Request) -> Response:
    """Extension: the companies the user may open, with their dimension setup."""
    if not _runtime(request).faults.extensions:
        raise StatusOnly(404)
    user = authenticate(request)
    store = request.app.state.store
    found = [c for c in store.companies() if c["CompanyId"] in user.companies]
    return JSONResponse(found)


@router.get(QUERY_ROUTE)
async def query(request: Request, company_id: str, type_name: str) -> Response:
    ctx = company_context(request, company_id)
    entity = _entity(type_name, request)
    predicates = parse_filters(entity, request.query_params.multi_items())
    return JSONResponse(crud.query(ctx, entity, predicates))


@router.post(CRUD_ROUTE)
async def insert(request: Request, company_id: str, type_name: str) -> Response:
    ctx = company_context(request, company_id)
    entity = _entity(type_name, request)
    return JSONResponse(crud.insert(ctx, entity, await _json_body(request)))


@router.patch(CRUD_ROUTE)
async def patch(request: Request, company_id: str, type_name: str) -> Response:
    ctx = company_context(request, company_id)
    entity = _entity(type_name, request)
    predicates = parse_filters(entity, request.query_params.multi_items())
    operations = await _json_body(request)
    return JSONResponse(crud.patch(ctx, entity, predicates, _limit(request), operations))


@router.delete(CRUD_ROUTE)
async def delete(request: Request, company_id: str, type_name: str) -> Response:
    ctx = company_context(request, company_id)
    entity = _entity(type_name, request)
    predicates = parse_filters(entity, request.query_params.multi_items())
    crud.delete(ctx, entity, predicates, _limit(request))
    return Response(status_code=204)


def _parse_bool(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    if raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise BadRequest(f"The value '{raw}' is not valid for {name}.")


def _posting_request(request: Request, order_number: str) -> posting.PostingRequest:
    params = request.query_params
    try:
        number = int(order_number)
    except ValueError:
        raise StatusOnly(404) from None
    raw_type = params.get("documentType") or "Invoice"
    document_type = COMPANY_LAYOUT_TYPE.parse(raw_type)
    if document_type is None:
        raise BadRequest(f"The value '{raw_type}' is not valid for documentType.")
    when: date | None = None
    raw_date = params.get("date")
    if raw_date is not None and _runtime(request).faults.extensions:
        parsed = parse_iso_date(raw_date)
        if parsed is None:
            raise BadRequest(f"The value '{raw_date}' is not valid for date.")
        when = parsed.date()
    return posting.PostingRequest(
        order_number=number,
        simulate=_parse_bool("simulate", params.get("simulate")),
        document_type=document_type,
        emails=tuple(e for e in params.getlist("email") if e),
        date=when,
    )


class DroppedResponse(Response):
    """Fault: start a response, send half of it, then return ⇒ uvicorn closes the connection."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = self.body
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        half = body[: len(body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})


@router.post(INVOICE_ROUTE)
@router.post(LEGACY_INVOICE_ROUTE)
async def post_invoice(request: Request, company_id: str, order_number: str) -> Response:
    """Simulate or post an order as an invoice; ``Accept: application/pdf`` returns the PDF."""
    ctx = company_context(request, company_id)
    runtime = _runtime(request)
    req = _posting_request(request, order_number)
    real = not req.simulate and req.document_type in ("Invoice", "Creditnote")
    if real and runtime.take("fail_before_commit"):
        runtime.record_posting("failed_before_commit")
        return Response("Service Unavailable", status_code=503, media_type="text/plain")
    want_pdf = "application/pdf" in request.headers.get("accept", "").lower()
    settings = request.app.state.settings
    outcome = posting.post(
        ctx,
        req,
        today=settings.today or date.today(),
        use_order_date=runtime.faults.extensions,
        want_pdf=want_pdf,
        render=request.app.state.render_pdf,
        misbook_vat=real and runtime.take("misbook_vat"),
    )
    runtime.record_posting("committed" if outcome.invoice_number else "simulated")
    if outcome.invoice_number and req.emails:
        runtime.record_email(outcome.invoice_number, list(req.emails))
    if outcome.invoice_number and runtime.take("drop_after_commit"):
        runtime.record_posting("dropped_after_commit")
        return DroppedResponse(json.dumps(outcome.result).encode())
    if want_pdf and outcome.pdf is not None:
        return Response(outcome.pdf, media_type="application/pdf")
    return JSONResponse(outcome.result)


@router.get(PDF_ROUTE)
async def invoice_pdf(request: Request, company_id: str, invoice_number: str) -> Response:
    """Extension: the stored PDF of a posted invoice (404 when there is none)."""
    if not _runtime(request).faults.extensions:
        raise StatusOnly(404)
    ctx = company_context(request, company_id)
    document_type = request.query_params.get("documentType") or "Invoice"
    if COMPANY_LAYOUT_TYPE.parse(document_type) is None:
        raise BadRequest(f"The value '{document_type}' is not valid for documentType.")
    try:
        number = int(invoice_number)
    except ValueError:
        raise StatusOnly(404) from None
    data = ctx.store.get_pdf(ctx.company_id, number)
    if data is None:
        raise StatusOnly(404)
    return Response(data, media_type="application/pdf")
