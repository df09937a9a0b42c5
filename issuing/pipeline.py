"""Issue an invoice: post it to Uniconta exactly once, make its PDF and e-invoice, archive them.

The one pipeline behind `faktura sync`, `faktura batch` and `POST /v1/invoices`:

    source invoice → compute once → every check that can refuse it, the e-invoice rules
                     included (nothing sent yet; the checks against the ledger's items —
                     each line's VAT flag, the imported catalogue — are the posting
                     engine's, run once in its `prepare` before its first Uniconta call)
                   → Poster.post (sync core: Uniconta assigns the number and books it; the
                     booking is compared with the computed invoice)
                   → e-invoice (`[einvoice]`: OIOUBL for a buyer with an EAN, or the set
                     format, or none) of the numbered invoice
                   → PDF: the ClientTime layout with its FIK line, a PDF/A-3b carrying the
                     e-invoice as its /Alternative; or Uniconta's own PDF as it came
                   → archive (append-only: PDF, invoice JSON, e-invoice XML)
                   → Poster.mark_archived

The PDF, the e-invoice, the Uniconta order and the archive entry are projections of the one
`ComputedInvoice`: nothing here computes an amount, a date or a VAT flag of its own.

With the Uniconta layout the PDF is Uniconta's own, archived byte for byte as Uniconta made
it (not a PDF/A-3), so the e-invoice is not embedded in it; it is archived beside it. Where
that PDF cannot be read (an invoice booked in Uniconta, read over its REST API), the invoice
is archived without one (`render_posted(..., pdf_kept=False)`): the booked data and the
e-invoice, with the FI line the e-invoice carries.

Issuing is idempotent on the source invoice's identity: a second call returns what was
issued the first time, and an invoice whose content changed after it was issued is refused
(the fix is a credit note).

Many invoices at once (`Issuer.post_many`, then `Issuer.archive_posted` for each): every one
is computed and checked first, then all are posted together through `BulkPoster.post_many`
(a few Uniconta calls for the whole chunk, one posting each), then each is rendered and
archived. Each invoice succeeds or fails on its own, with the same outcome `issue` gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from archive import ArchiveEntry, ArchiveStore, NewArchiveItem, NotArchived
from einvoice import EInvoice, build, format_for
from einvoice import check as check_einvoice
from faktura import checks
from faktura.computed import ComputedInvoice, compute
from faktura.errors import ContentChanged, FakturaError
from faktura.model import Invoice, content_sha256, invoice_json
from sync.posting.answer import Posting
from faktura.settings import Settings
from renderer.render import EmbeddedFile, Renderer

#: The number the e-invoice rules are checked with before Uniconta assigns the real one.
PROVISIONAL_NUMBER = "1"


class Poster(Protocol):
    """The sync core, as the issuing pipeline sees it."""

    def post(self, computed: ComputedInvoice) -> Posting:
        """Post the invoice to Uniconta exactly once (a re-run returns the first posting)."""
        ...

    def mark_archived(self, invoice: Invoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        """Record that the issued invoice is safely archived (with its PDF's hash; None: in
        Uniconta's layout, archived without it)."""
        ...


@runtime_checkable
class BulkPoster(Poster, Protocol):
    """A sync core that posts many invoices with few Uniconta calls."""

    def post_many(self, invoices: Sequence[ComputedInvoice],
                  on_posted: Callable[[int, Posting | FakturaError], None] | None = None,
                  ) -> list[Posting | FakturaError]:
        """Post each invoice exactly once; per invoice, in order, its posting or its error
        (also given to `on_posted(position, outcome)` as soon as it is known)."""
        ...


@dataclass(frozen=True)
class PostedInvoice:
    """An invoice booked in Uniconta whose PDF is not archived yet."""

    computed: ComputedInvoice
    posting: Posting

    @property
    def invoice(self) -> Invoice:
        return self.computed.invoice


@dataclass(frozen=True)
class IssuedInvoice:
    entry: ArchiveEntry
    already_issued: bool

    @property
    def invoice_number(self) -> str:
        return self.entry.invoice_number


class Issuer:
    """Issues invoices for one tenant with one set of settings."""

    def __init__(self, settings: Settings, *, poster: Poster, archive: ArchiveStore,
                 renderer: Renderer | None = None) -> None:
        self.settings = settings
        self.poster = poster
        self.archive = archive
        self.renderer = renderer or Renderer()

    def issue(self, invoice: Invoice) -> IssuedInvoice:
        existing = self._already_issued(invoice)
        if existing is not None:
            return existing
        computed = self.refuse_or_compute(invoice)
        return self.archive_posted(PostedInvoice(computed, self.poster.post(computed)))

    def refuse_or_compute(self, invoice: Invoice) -> ComputedInvoice:
        """Compute the invoice once and run every check of its own that can refuse it; raises
        `InvalidInput` naming the field. Nothing has been sent to Uniconta yet (the poster
        checks the lines against Uniconta's items before its first call)."""
        computed = compute(invoice, self.settings)
        checks.check_totals(computed)
        checks.check_something_to_book(computed)
        if computed.is_credit_note:
            credited = self._credited_entry(computed)
            checks.check_credit_note(
                computed, credited_customer=credited.customer_number if credited else None,
                credited_is_credit_note=bool(credited and credited.document_type
                                             == "credit_note"))
        fmt = format_for(computed.invoice, self.settings)
        if fmt is not None:
            # The rules as the numbered invoice will meet them; Uniconta has not numbered it yet.
            provisional = computed if computed.invoice_number is not None else \
                computed.numbered(PROVISIONAL_NUMBER, self.settings)
            check_einvoice(provisional, self.settings, fmt)
        return computed

    # ----------------------------------------------------------------- many at once

    def issue_many(self, invoices: Sequence[Invoice]) -> list[IssuedInvoice | Exception]:
        """Issue a chunk of invoices, posting them together; per invoice, in order, what
        `issue` would return for it, or the error it would raise."""
        issued: list[IssuedInvoice | Exception] = []
        for step in self.post_many(invoices):
            if isinstance(step, PostedInvoice):
                try:
                    step = self.archive_posted(step)
                except Exception as error:  # noqa: BLE001 - this one fails, the others go on
                    step = error
            issued.append(step)
        return issued

    def post_many(self, invoices: Sequence[Invoice],
                  on_step: Callable[[int, PostedInvoice | IssuedInvoice | Exception], None]
                  | None = None) -> list[PostedInvoice | IssuedInvoice | Exception]:
        """Compute and check every invoice, then post the good ones together. Per invoice, in
        order: `PostedInvoice` (booked; `archive_posted` finishes it), `IssuedInvoice` (it was
        issued before), or the error that refused it. `on_step(position, step)` gets each as
        soon as it is known (the refused and the earlier issued first)."""
        steps: list[PostedInvoice | IssuedInvoice | Exception | ComputedInvoice] = []
        for invoice in invoices:
            try:
                existing = self._already_issued(invoice)
                steps.append(existing if existing is not None
                             else self.refuse_or_compute(invoice))
            except Exception as error:  # noqa: BLE001 - this invoice fails, the others go on
                steps.append(error)
        out: list[PostedInvoice | IssuedInvoice | Exception | ComputedInvoice] = list(steps)
        positions = [position for position, step in enumerate(steps)
                     if isinstance(step, ComputedInvoice)]
        if on_step is not None:
            for position, step in enumerate(steps):
                if not isinstance(step, ComputedInvoice):
                    on_step(position, step)

        def posted(index: int, posting: Posting | Exception) -> None:
            position = positions[index]
            computed = steps[position]
            assert isinstance(computed, ComputedInvoice)
            step = PostedInvoice(computed, posting) if isinstance(posting, Posting) else posting
            out[position] = step
            if on_step is not None:
                on_step(position, step)

        self._post_computed([steps[position] for position in positions], posted)
        return [step for step in out if not isinstance(step, ComputedInvoice)]

    def archive_posted(self, posted: PostedInvoice) -> IssuedInvoice:
        """Make a posted invoice's e-invoice and PDF and archive them (the end of `issue`)."""
        return self.archive_rendered(posted, self.render_posted(posted))

    def render_posted(self, posted: PostedInvoice, *, pdf_kept: bool = True
                      ) -> NewArchiveItem:
        """A posted invoice's e-invoice and PDF, made ready for the archive (nothing written:
        callers that must hold a lock to write render first, outside it). `pdf_kept` False:
        an invoice in Uniconta's layout whose PDF cannot be read, archived without it."""
        tenant = self.settings.tenant
        computed, posting = posted.computed, posted.posting
        numbered = computed.numbered(posting.invoice_number, self.settings)
        document = self._einvoice(numbered)
        if pdf_kept:
            pdf, fik_line = self._pdf(numbered, posting, document)
        else:  # the FI line the e-invoice carries (the item refuses a ClientTime layout)
            fik = numbered.payment.fik if numbered.payment else None
            pdf, fik_line = None, fik.code_line if fik else None
        return NewArchiveItem(
            tenant=tenant,
            invoice_number=posting.invoice_number,
            document_type=numbered.document_type,
            issue_date=numbered.invoice.issue_date,
            customer_number=numbered.invoice.customer.customer_number,
            customer_name=numbered.invoice.buyer_name,
            currency_code=numbered.invoice.currency_code,
            total_amount=numbered.totals.total_with_vat,
            fik_line=fik_line,
            layout=self.settings.layout_name,
            uniconta_invoice_number=int(posting.invoice_number),
            voucher=posting.voucher,
            journal_posted_id=posting.journal_posted_id,
            source_id=numbered.invoice.source_id,
            pdf=pdf,
            invoice_json=invoice_json(numbered.invoice),
            xml=document.xml if document else None,
            xml_format=document.archive_label if document else None,
        )

    def archive_rendered(self, posted: PostedInvoice, item: NewArchiveItem) -> IssuedInvoice:
        """Archive what `render_posted` made (write-once) and record it as archived."""
        result = self.archive.put(item)
        self.poster.mark_archived(posted.computed.invoice, result.entry.invoice_number,
                                  result.entry.pdf_sha256)
        return IssuedInvoice(result.entry, already_issued=not result.created)

    def _post_computed(self, computed: list[ComputedInvoice],
                       posted: Callable[[int, Posting | Exception], None]) -> None:
        if not computed:
            return
        if isinstance(self.poster, BulkPoster):
            self.poster.post_many(computed, posted)
            return
        for index, item in enumerate(computed):
            try:
                outcome: Posting | Exception = self.poster.post(item)
            except Exception as error:  # noqa: BLE001 - this invoice fails, the others go on
                outcome = error
            posted(index, outcome)

    def _einvoice(self, numbered: ComputedInvoice) -> EInvoice | None:
        """The e-invoice of the numbered invoice, when the settings make one for it."""
        fmt = format_for(numbered.invoice, self.settings)
        return build(numbered, self.settings, fmt) if fmt is not None else None

    def _already_issued(self, invoice: Invoice) -> IssuedInvoice | None:
        """What was issued for this source invoice before (refused if it changed since)."""
        existing = self.archive.find_by_source_id(self.settings.tenant, invoice.source_id)
        if existing is None:
            return None
        self._check_unchanged(invoice, existing)
        # A crash may have come between the archive write and this record.
        self.poster.mark_archived(invoice, existing.invoice_number, existing.pdf_sha256)
        return IssuedInvoice(existing, already_issued=True)

    def _credited_entry(self, computed: ComputedInvoice) -> ArchiveEntry | None:
        """The credited invoice as archived here (None: not issued by this product)."""
        number = computed.credited_invoice_number
        assert number is not None
        try:
            return self.archive.get(self.settings.tenant, number)
        except (NotArchived, ValueError):
            return None

    def _pdf(self, numbered: ComputedInvoice, posting: Posting,
             document: EInvoice | None) -> tuple[bytes, str | None]:
        if self.settings.layout_name == "uniconta":
            if posting.uniconta_pdf is None:
                raise FakturaError(f"invoice {posting.invoice_number}: Uniconta returned no"
                                   " PDF for the Uniconta layout")
            return posting.uniconta_pdf, None
        attachments = [] if document is None else [EmbeddedFile(
            document.attachment_name, document.xml, document.format_name, "Alternative")]
        view, pdf = self.renderer.render(numbered, self.settings, pdf_variant="pdf/a-3b",
                                         attachments=attachments)
        return pdf, view.fi_slip.code_line if view.fi_slip else None

    def _check_unchanged(self, invoice: Invoice, entry: ArchiveEntry) -> None:
        issued = Invoice.model_validate_json(
            self.archive.invoice_json(entry.tenant, entry.invoice_number))
        if content_sha256(issued) != content_sha256(invoice):
            raise ContentChanged(
                f"invoice {invoice.source_id} was issued as number {entry.invoice_number} and"
                " has changed since; an issued invoice is never altered: issue a credit note"
                " and a new invoice instead")
