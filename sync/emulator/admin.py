"""Admin routes outside the Uniconta contract (no auth, not counted, no latency).

* ``GET  /_emulator/health``         → ``{"ok": true}``
* ``GET  /_emulator/faults``         → current switches (see :class:`~.settings.Faults`)
* ``POST /_emulator/faults``         → partial update, JSON object; returns the switches
* ``GET  /_emulator/stats``          → calls, per-route request counts, writes (non-GET
  requests), posting outcomes, e-mails
* ``POST /_emulator/reset-counters`` → zero call budget and statistics
* ``POST /_emulator/payments``      → ``{"invoice": N, "amount": "X"}`` (amount optional: all
  that is open) settles a booked invoice's open item; what is open afterwards
* ``POST /_emulator/reset-state``    → wipe the state file, re-seed the fixtures, restore the
  start-up fault switches and zero the counters (a fresh emulator without a restart)
* ``POST /_emulator/book/{order}``    → the bookkeeper books a draft order (:mod:`.booking`);
  body (optional) ``{"add_lines": ["ITEM;TEXT;QTY[;PRICE]"], "date": "YYYY-MM-DD",
  "company": id}`` → ``{"InvoiceNumber", "RowId", "webhooks"}`` (the number of URLs called,
  in the background after the answer); a refusal → 400 ``{"error": "<ErrorCodes name>"}``
* ``POST /_emulator/periods``         → ``{"closed_until": "YYYY-MM-DD" | null}``: booking into a
  closed finance period is refused with ``FinancePeriodNotOpen``
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sync.emulator import booking, fixtures
from sync.emulator.entities import REGISTRY
from sync.emulator.errors import BadRequest, UnicontaError
from sync.emulator.payments import PaymentRefused, pay
from sync.emulator.rules import CompanyContext
from sync.emulator.wire import encode_row

ADMIN_PREFIX = "/_emulator"

router = APIRouter(prefix=ADMIN_PREFIX)


@router.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    return request.app.state.runtime.faults.as_dict()


@router.post("/faults")
async def set_faults(request: Request) -> JSONResponse:
    try:
        changes = await request.json()
    except ValueError:
        return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
    if not isinstance(changes, dict):
        return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
    faults = request.app.state.runtime.faults
    try:
        faults.update(changes)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(faults.as_dict())


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    return request.app.state.runtime.stats()


@router.post("/reset-counters")
async def reset_counters(request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    runtime.reset_counters()
    return runtime.stats()


@router.post("/reset-state")
async def reset_state(request: Request) -> dict[str, bool]:
    store = request.app.state.store
    with store.transaction():
        store.wipe()
        fixtures.seed(store)
    runtime = request.app.state.runtime
    runtime.faults.update(request.app.state.settings.faults.as_dict())
    runtime.reset_counters()
    return {"ok": True}


async def _object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _company(request: Request, body: dict[str, Any]) -> CompanyContext:
    company_id = body.get("company", fixtures.COMPANY_ID)
    info = request.app.state.store.company(company_id) if isinstance(company_id, int) else None
    if info is None:
        raise BadRequest(f"unknown company {company_id!r}")
    return CompanyContext(request.app.state.store, company_id, info,
                          request.app.state.runtime.faults)


@router.post("/book/{order_number}")
async def book(request: Request, order_number: int) -> JSONResponse:
    from sync.emulator import rest_routes

    try:
        body = await _object(request)
        ctx = _company(request, body)
        lines = body.get("add_lines") or []
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise BadRequest("add_lines must be a list of 'ITEM;TEXT;QTY[;PRICE]' strings")
        when = date.fromisoformat(body["date"]) if body.get("date") else None
        settings = request.app.state.settings
        row = booking.book(ctx, order_number, today=settings.today or date.today(),
                           render=request.app.state.render_pdf,
                           added=[booking.AddedLine.parse(x) for x in lines], invoice_date=when)
    except UnicontaError as error:
        return JSONResponse({"error": error.code}, status_code=400)
    except BadRequest as error:
        return JSONResponse({"error": "BadRequest", "message": error.message}, status_code=400)
    except ValueError as error:
        return JSONResponse({"error": "BadRequest", "message": str(error)}, status_code=400)
    record = rest_routes.public(encode_row(REGISTRY["debtorinvoice"], row, ctx.company_id))
    targets = booking.webhook_targets(ctx)
    if targets:
        threading.Thread(target=booking.fire_webhooks, args=(ctx, row, record),
                         name="uniconta-webhooks", daemon=True).start()
    return JSONResponse({"InvoiceNumber": row["InvoiceNumber"], "RowId": row["RowId"],
                         "webhooks": len(targets)})


@router.post("/periods")
async def periods(request: Request) -> JSONResponse:
    try:
        body = await _object(request)
        ctx = _company(request, body)
        until = body.get("closed_until")
        booking.close_periods(ctx, date.fromisoformat(until) if until else None)
    except (BadRequest, ValueError, TypeError) as error:
        return JSONResponse({"error": "BadRequest", "message": str(getattr(error, "message",
                                                                          error))},
                            status_code=400)
    return JSONResponse({"closed_until": until or None})


@router.post("/payments")
async def payments(request: Request) -> JSONResponse:
    try:
        body = await _object(request)
    except BadRequest as error:
        return JSONResponse({"error": error.message}, status_code=400)
    if not isinstance(body.get("invoice"), int):
        return JSONResponse({"error": "body must be a JSON object with an integer invoice"},
                            status_code=400)
    try:
        amount = Decimal(str(body["amount"])) if body.get("amount") is not None else None
        if amount is not None and not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        return JSONResponse({"error": "amount must be a decimal number"}, status_code=400)
    company = body.get("company", fixtures.COMPANY_ID)
    try:
        return JSONResponse(pay(request.app.state.store, company, body["invoice"], amount))
    except PaymentRefused as refused:
        return JSONResponse({"error": str(refused)}, status_code=409)
