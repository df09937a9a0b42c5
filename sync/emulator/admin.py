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
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sync.emulator import fixtures
from sync.emulator.payments import PaymentRefused, pay

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


@router.post("/payments")
async def payments(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("invoice"), int):
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
