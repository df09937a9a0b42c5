"""The invoice page: one issued invoice as archived — header, lines, totals, FI line, payment
status, delivery log, its PDF and e-invoice — and "send again" (a new e-mail copy, with the
session's CSRF token).

The lines and totals are the domain's computation of the archived invoice (what the PDF
prints); when it no longer gives the archived total (the settings changed since), the page
shows the archived total and the lines without amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.pages.routes import SignedIn, _form, _not_found, _page, _services
from api.pages.texts import texts
from api.routes_archive import NUMBER_PATTERN
from api.tenants import TenantServices
from archive import ArchiveEntry, ArchiveError
from faktura.computed import ComputedInvoice, compute
from faktura.errors import FakturaError
from faktura.model import Invoice
from issuing.bootstrap import open_outbox, open_status_store
from issuing.delivery import Deliverer, route_of
from renderer.formatting import amount

router = APIRouter(include_in_schema=False)
SENT_NOTES = ("sent", "failed", "unconfirmed", "not_set_up")


@dataclass(frozen=True)
class LineRow:
    text: str
    quantity: str
    unit: str
    unit_price: str
    net: str


def _load(services: TenantServices, number: str
          ) -> tuple[ArchiveEntry, Invoice, ComputedInvoice | None]:
    archive, tenant = services.archive, services.tenant
    entry = archive.get(tenant, number)
    invoice = Invoice.model_validate_json(archive.invoice_json(tenant, number))
    try:
        computed: ComputedInvoice | None = compute(invoice, services.settings)
    except (FakturaError, ValueError):
        computed = None
    if computed is not None and computed.totals.total_with_vat != abs(entry.total_amount):
        computed = None
    return entry, invoice, computed


def _facts(services: TenantServices, number: str) -> dict[str, Any]:
    entry, invoice, computed = _load(services, number)
    with open_status_store(services.settings) as statuses:
        status = statuses.of(services.tenant, [number]).get(number)
    with open_outbox(services.settings) as outbox:
        log = outbox.log_of(services.tenant, number)
    return {"entry": entry, "invoice": invoice, "computed": computed, "status": status,
            "log": log, "route": route_of(entry, invoice, services.settings.delivery)}


@router.get("/archive/{number}")
async def invoice_page(request: Request, visitor: SignedIn, number: str,
                       note: str = "") -> Response:
    if not re.fullmatch(NUMBER_PATTERN, number):
        return _not_found(request, visitor)
    services = _services(request, visitor)
    try:
        facts = await run_in_threadpool(_facts, services, number)
    except (ArchiveError, ValueError, LookupError):
        return _not_found(request, visitor)
    language = visitor.language
    entry, computed = facts["entry"], facts["computed"]
    sign = -1 if entry.document_type == "credit_note" else 1

    def money(value: Any) -> str:
        return f"{amount(sign * value, language)} {entry.currency_code}"

    lines = []
    for position, line in enumerate(facts["invoice"].lines):
        net = computed.lines[position].net_amount if computed else None
        lines.append(LineRow(
            line.text or "", "" if line.quantity is None else amount(line.quantity, language),
            line.unit or "",
            "" if line.unit_price is None else amount(line.unit_price, language),
            "" if net is None else amount(sign * net, language)))
    totals = None if computed is None else {
        "net": money(computed.totals.line_total), "vat": money(computed.totals.vat_amount),
        "gross": money(computed.totals.total_with_vat)}
    payment = facts["status"]
    amount_open = None if payment is None or payment.amount_open is None else \
        f"{amount(payment.amount_open, language)} {entry.currency_code}"
    return _page(request, visitor, "invoice.html.j2", entry=entry, lines=lines,
                 totals=totals, gross=money(abs(entry.total_amount)), payment=payment,
                 amount_open=amount_open, log=facts["log"], route=facts["route"],
                 note=note if note in SENT_NOTES else "")


@router.post("/archive/{number}/send")
async def send_again(request: Request, visitor: SignedIn, number: str) -> Response:
    form = await _form(request)
    if not re.fullmatch(NUMBER_PATTERN, number):
        return _not_found(request, visitor)
    assert visitor.session is not None
    if not visitor.session.csrf_ok(form.get("csrf")):
        return _page(request, visitor, "message.html.j2", 403,
                     message=texts(visitor.language)["expired"])
    services = _services(request, visitor)
    try:
        note = await run_in_threadpool(_send, services, number)
    except (ArchiveError, ValueError, LookupError):
        return _not_found(request, visitor)
    return RedirectResponse(f"/archive/{number}?note={note}", status_code=303)


def _send(services: TenantServices, number: str) -> str:
    services.archive.get(services.tenant, number)
    if not services.settings.delivery.host:
        return "not_set_up"
    with open_outbox(services.settings) as outbox:
        deliverer = Deliverer(services.settings, archive=services.archive, outbox=outbox)
        [outcome] = deliverer.send([number], again=True)
    return str(outcome.state) if str(outcome.state) in SENT_NOTES else "failed"
