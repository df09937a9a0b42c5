"""Credit an issued invoice in full, from the archive (the invoice page's "Credit this
invoice"): the credit note (`faktura.crediting`) goes through the issuing pipeline as every
invoice does — computed once, every check that can refuse it first, posted, rendered,
archived — or, in drafts mode (`uniconta.post_as_drafts`, the REST transport), is left in
Uniconta as a draft order that Faktura issues once a bookkeeper books it there.

An invoice is credited in full once: an invoice that archived credit notes already credit
(in full or in part), or whose full credit note waits as a draft in Uniconta, is refused with
`AlreadyCredited` naming them. Two requests at once take the credit note's source-id lock, so
the second finds the first's credit note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from archive import ArchiveEntry, ArchiveStore
from faktura.computed import ComputedInvoice
from faktura.crediting import credit_note_source_id, full_credit_note
from faktura.errors import FakturaError
from faktura.model import Invoice
from issuing.batch import IssuingGuard, SerializedPoster
from issuing.period import number_key
from issuing.pipeline import IssuedInvoice, Issuer


class AlreadyCredited(FakturaError):
    """The invoice is credited already: by archived credit notes, or by a draft in Uniconta."""

    def __init__(self, invoice_number: str, credit_notes: list[ArchiveEntry],
                 draft_order: int | None = None) -> None:
        self.invoice_number = invoice_number
        self.credit_notes = credit_notes
        self.draft_order = draft_order
        by = (f"a draft credit note (order {draft_order}) waiting in Uniconta"
              if draft_order is not None else
              "credit note " + ", ".join(e.invoice_number for e in credit_notes))
        super().__init__(f"invoice {invoice_number} is credited already by {by}")

    @property
    def credited(self) -> Decimal:
        """What the archived credit notes credit (positive)."""
        return sum((abs(e.total_amount) for e in self.credit_notes), Decimal(0))


@dataclass(frozen=True)
class Credited:
    """What crediting did: the issued credit note, or the draft order left in Uniconta."""

    issued: IssuedInvoice | None = None
    draft_order: int | None = None


def credit_notes_of(archive: ArchiveStore, entry: ArchiveEntry) -> list[ArchiveEntry]:
    """The archived credit notes that credit `entry`, in number order. A credit note credits
    an invoice of its own customer (`faktura.checks`), so only that customer's are read."""
    found: list[ArchiveEntry] = []
    offset, page = 0, 500
    while True:
        listed = archive.list(entry.tenant, customer=entry.customer_number, limit=page,
                              offset=offset)
        for other in listed:
            if other.document_type == "credit_note" and _credited_number(archive, other) \
                    == entry.invoice_number:
                found.append(other)
        if len(listed) < page:
            break
        offset += page
    return sorted(found, key=lambda e: number_key(e.invoice_number))


def _credited_number(archive: ArchiveStore, entry: ArchiveEntry) -> str | None:
    invoice = Invoice.model_validate_json(archive.invoice_json(entry.tenant,
                                                               entry.invoice_number))
    return invoice.preceding_invoice_reference


def prepare(issuer: Issuer, invoice_number: str, today: date) -> ComputedInvoice:
    """The full credit note of the archived invoice, computed and checked as issuing will
    (raises `InvalidInput` naming the field, `AlreadyCredited`); nothing is sent."""
    archive, tenant = issuer.archive, issuer.settings.tenant
    entry = archive.get(tenant, invoice_number)
    credit_notes = credit_notes_of(archive, entry)
    draft_order = _draft_order(issuer, credit_note_source_id(invoice_number))
    if credit_notes or draft_order is not None:
        raise AlreadyCredited(invoice_number, credit_notes, draft_order)
    invoice = Invoice.model_validate_json(archive.invoice_json(tenant, invoice_number))
    computed = issuer.refuse_or_compute(full_credit_note(invoice, invoice_number, today))
    if computed.totals.total_with_vat != abs(entry.total_amount):
        raise FakturaError(
            f"invoice {invoice_number}: the settings changed since it was issued, so a credit"
            f" note computed now would credit {computed.totals.total_with_vat}, not its"
            f" {abs(entry.total_amount)}: credit it in the source system instead")
    return computed


def credit_in_full(issuer: Issuer, guard: IssuingGuard, invoice_number: str,
                   today: date) -> Credited:
    """Issue the full credit note of the archived invoice (or, in drafts mode, leave it in
    Uniconta as a draft); refused as `prepare` refuses, before anything is sent."""
    with guard.source_locks.hold(credit_note_source_id(invoice_number)):
        computed = prepare(issuer, invoice_number, today)
        if not issuer.settings.uniconta.post_as_drafts:
            return Credited(issued=issuer.issue(computed.invoice))
        from issuing.booked import draft
        from sync.posting.bookings import Bookings
        from sync.posting.ledger import LEDGER_FILE

        engine = _engine(issuer)
        if engine is None:
            raise FakturaError("drafts mode needs the sync engine to leave the draft")
        bookings = Bookings(issuer.settings.database(LEDGER_FILE))
        try:
            with guard.posting_lock:
                return Credited(draft_order=draft(engine, bookings, computed.invoice))
        finally:
            bookings.close()


def _engine(issuer: Issuer):  # type: ignore[no-untyped-def]
    """The issuer's sync engine (None when it posts through something else)."""
    from sync.posting.engine import SyncEngine

    poster = issuer.poster
    poster = poster.inner if isinstance(poster, SerializedPoster) else poster
    return poster if isinstance(poster, SyncEngine) else None


def _draft_order(issuer: Issuer, source_id: str) -> int | None:
    """The order number of the draft left in Uniconta for `source_id`, not yet issued."""
    from sync.posting.ledger import State

    engine = _engine(issuer)
    if engine is None:
        return None
    record = engine.ledger.get(engine.tenant, source_id)
    return record.order_number if record and record.state == State.DRAFTED else None
