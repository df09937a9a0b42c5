"""The invoice page: one issued invoice as archived — header, lines, totals, FI line, payment
status, delivery log, its PDF and e-invoice, what Uniconta booked against Faktura's draft, the
credit notes that credit it (or, on a credit note, the invoice it credits) — and its actions,
each a form with the session's CSRF token: "send again" (a new e-mail copy) and "credit this
invoice" (a confirmation page showing the credit note, then `issuing.crediting`: the issuing
pipeline, or a draft in Uniconta in drafts mode).

The lines and totals are the domain's computation of the archived invoice (what the PDF
prints); when it no longer gives the archived total (the settings changed since), the page
shows the archived total and the lines without amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.pages.routes import (
    SignedIn,
    Visitor,
    _form,
    _not_found,
    _page,
    _services,
    _state,
    booking_record,
)
from api.pages.texts import texts
from api.routes_archive import NUMBER_PATTERN
from api.tenants import TenantServices
from archive import ArchiveEntry, ArchiveError
from faktura.computed import ComputedInvoice, compute
from faktura.crediting import credit_note_source_id
from faktura.errors import FakturaError, InvalidInput, Problem
from faktura.model import Invoice
from faktura.problem_texts import in_language
from issuing.bootstrap import open_outbox, open_status_store
from issuing.crediting import (
    AlreadyCredited,
    credit_in_full,
    credit_notes_of,
    prepare,
)
from issuing.delivery import Deliverer, route_of
from issuing.renderpool import RenderQueueFull
from renderer.formatting import amount

router = APIRouter(include_in_schema=False)
NOTES = ("sent", "failed", "unconfirmed", "not_set_up", "credit_issued", "credit_drafted")
SENT_NOTES = NOTES[:4]


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
    is_credit_note = entry.document_type == "credit_note"
    credit_notes = [] if is_credit_note else credit_notes_of(services.archive, entry)
    with booking_record(services) as bookings:
        booking = bookings.get(services.tenant, number) if bookings is not None else None
        credit_drafted = bookings is not None and not is_credit_note and not credit_notes \
            and bookings.draft_source(services.tenant, credit_note_source_id(number)) is not None
    credits = invoice.preceding_invoice_reference if is_credit_note else None
    return {"entry": entry, "invoice": invoice, "computed": computed, "status": status,
            "log": log, "route": route_of(entry, invoice, services.settings.delivery),
            "credit_notes": credit_notes, "credit_drafted": credit_drafted,
            "credits": credits and (credits, _archived(services, credits)),
            "booking": booking if booking is not None and booking.state == "issued" else None}


def _archived(services: TenantServices, number: str) -> bool:
    try:
        services.archive.get(services.tenant, number)
    except (ArchiveError, ValueError, LookupError):
        return False
    return True


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
    credit_notes = [(e, f"{amount(e.signed_total, language)} {e.currency_code}")
                    for e in facts["credit_notes"]]
    return _page(request, visitor, "invoice.html.j2", entry=entry, lines=lines,
                 totals=totals, gross=money(abs(entry.total_amount)), payment=payment,
                 amount_open=amount_open, log=facts["log"], route=facts["route"],
                 credit_notes=credit_notes, credit_drafted=facts["credit_drafted"],
                 credits=facts["credits"], booking=facts["booking"],
                 note=note if note in NOTES else "")


async def _refused_action(request: Request, visitor: Visitor, number: str) -> Response | None:
    """The page refusing an invoice's action form (no such number, an expired CSRF token), or
    None when the action may go ahead."""
    form = await _form(request)
    if not re.fullmatch(NUMBER_PATTERN, number):
        return _not_found(request, visitor)
    assert visitor.session is not None
    if not visitor.session.csrf_ok(form.get("csrf")):
        return _page(request, visitor, "message.html.j2", 403,
                     message=texts(visitor.language)["expired"])
    return None


@router.post("/archive/{number}/send")
async def send_again(request: Request, visitor: SignedIn, number: str) -> Response:
    refused = await _refused_action(request, visitor, number)
    if refused is not None:
        return refused
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


# --- credit this invoice ----------------------------------------------------------------------


def _prepare(services: TenantServices, number: str) -> ComputedInvoice:
    return prepare(services.issuer(), number, date.today())


def _credit(services: TenantServices, number: str) -> str:
    credited = credit_in_full(services.issuer(), services.guard, number, date.today())
    if credited.issued is not None:
        return f"/archive/{credited.issued.invoice_number}?note=credit_issued"
    return f"/archive/{number}?note=credit_drafted"


def _refused(request: Request, visitor: Visitor, services: TenantServices, number: str,
             error: FakturaError) -> Response:
    """The confirmation page saying why the invoice cannot be credited here."""
    language = visitor.language
    t = texts(language)
    if isinstance(error, AlreadyCredited):
        if error.draft_order is not None:
            reason = t["credit_refused_draft"]
        else:
            entry = services.archive.get(services.tenant, number)
            reason = t["credit_refused_credited"].format(
                credited=f"{amount(error.credited, language)} {entry.currency_code}",
                total=f"{amount(abs(entry.total_amount), language)} {entry.currency_code}")
        problems = [Problem("", reason)]
        status = 409
    elif isinstance(error, InvalidInput):
        problems = [Problem(p.field, in_language(p.message, language)) for p in error.problems]
        status = 422
    else:
        problems = [Problem("", in_language(str(error), language))]
        status = 422
    credit_notes = error.credit_notes if isinstance(error, AlreadyCredited) else []
    return _page(request, visitor, "credit.html.j2", status, number=number, computed=None,
                 problems=problems, credit_notes=credit_notes)


@router.get("/archive/{number}/credit")
async def credit_form(request: Request, visitor: SignedIn, number: str) -> Response:
    """What crediting the invoice in full would issue, with the button that does it."""
    if not re.fullmatch(NUMBER_PATTERN, number):
        return _not_found(request, visitor)
    services = _services(request, visitor)
    try:
        computed = await run_in_threadpool(_prepare, services, number)
    except (ArchiveError, LookupError):
        return _not_found(request, visitor)
    except FakturaError as error:
        return await run_in_threadpool(_refused, request, visitor, services, number, error)
    language = visitor.language
    currency = computed.invoice.currency_code

    def money(value: Any) -> str:
        return f"{amount(-value, language)} {currency}"

    lines = [LineRow(line.line.text or "",
                     "" if line.line.quantity is None else amount(line.line.quantity, language),
                     line.line.unit or "",
                     "" if line.line.unit_price is None
                     else amount(line.line.unit_price, language),
                     "" if line.net_amount is None else amount(-line.net_amount, language))
             for line in computed.lines]
    totals = {"net": money(computed.totals.line_total), "vat": money(computed.totals.vat_amount),
              "gross": money(computed.totals.total_with_vat)}
    return _page(request, visitor, "credit.html.j2", number=number, computed=computed,
                 lines=lines, totals=totals, problems=[], credit_notes=[],
                 drafts=services.settings.uniconta.post_as_drafts)


@router.post("/archive/{number}/credit")
async def credit(request: Request, visitor: SignedIn, number: str) -> Response:
    """Credit the invoice in full (after the confirmation page); refusals come back to it."""
    refused = await _refused_action(request, visitor, number)
    if refused is not None:
        return refused
    t = texts(visitor.language)
    services = _services(request, visitor)
    try:
        _state(request).pool.check_capacity()  # a busy renderer refuses before any posting
        target = await run_in_threadpool(_credit, services, number)
    except RenderQueueFull as busy:
        page = _page(request, visitor, "message.html.j2", 503,
                     message=t["busy"].format(seconds=busy.retry_after))
        page.headers["Retry-After"] = str(busy.retry_after)
        return page
    except (ArchiveError, LookupError):
        return _not_found(request, visitor)
    except FakturaError as error:
        return await run_in_threadpool(_refused, request, visitor, services, number, error)
    return RedirectResponse(target, status_code=303)
