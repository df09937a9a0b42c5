"""Issue what Uniconta booked: the invoices a bookkeeper booked there, exactly once each.

    webhook hints or poll → read the bookings back from Uniconta, all of a round in two
                            calls (`sync.uniconta.booked`); then each, `parallel` at a time:
                          → the one computed invoice of the booking (`faktura.booking`),
                            with the source invoice when Faktura drafted it
                          → every check that can refuse it (totals, e-invoice rules)
                          → the issuing steps every invoice takes (`Issuer.archive_posted`:
                            e-invoice, ClientTime PDF with the FI line from Uniconta's number,
                            archive)
                          → in Uniconta's own layout (UseTimeViewInvoice = 0): its PDF read
                            through the gateway; over Uniconta's REST API, which cannot read
                            it, the booked data and the e-invoice archived without a PDF
                          → recorded (`sync.posting.bookings`), with what the bookkeeper
                            changed against the source

Exactly once per invoice number: the number is claimed first (`Bookings.claim`, a lock that
dies with its holder); under the claim the record and the archive are asked before anything
is made (a crash between the archive write and the record is found there), and a number
already recorded is left alone. Reading Uniconta and rendering run outside the tenant's
posting lock, so bookings of different numbers render side by side in the render pool; the
lock is held only to write the archive entry (write-once) and the records. A booking that cannot
be issued as booked (an FI payment ID that overflows, a character the fonts lack, an
e-invoice rule) is never dropped and never archived with other figures: it goes to the
"needs attention" list with its reason until `retry` issues it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from archive import ArchiveEntry, NotArchived
from einvoice import check as check_einvoice
from einvoice import format_for
from faktura import checks
from faktura.booking import (
    BookedInvoice,
    computed_from_booking,
    source_differences,
)
from faktura.computed import ComputedInvoice, compute
from faktura.errors import FakturaError
from faktura.model import Invoice, invoice_json
from sync.posting.answer import Posting
from issuing.batch import SerializedPoster
from issuing.pipeline import Issuer, PostedInvoice
from sync.posting.bookings import BookingRecord, Bookings, BookingState
from sync.posting.engine import SyncEngine
from sync.posting.ledger import LEDGER_FILE, State
from sync.posting.mapping import document_type
from sync.uniconta.booked import (
    read_booked,
    read_booked_after,
    read_booked_many,
    with_customer,
    with_customers,
)
from sync.uniconta.errors import GatewayError

Outcome = Literal["issued", "already issued", "attention", "skipped", "not booked"]


@dataclass(frozen=True)
class BookingOutcome:
    invoice_number: str
    outcome: Outcome
    reason: str | None = None


class BookedIssuer:
    """Issues one tenant's booked invoices through its issuer and its Uniconta client."""

    def __init__(self, issuer: Issuer, engine: SyncEngine, bookings: Bookings,
                 lock: Callable[[], AbstractContextManager[None]] | None = None,
                 parallel: int = 1) -> None:
        self.issuer = issuer
        self.parallel = max(1, parallel)
        self.engine = engine
        self.client = engine.client
        self.bookings = bookings
        self.settings = issuer.settings
        self.tenant = issuer.settings.tenant
        self._lock = lock

    # ----------------------------------------------------------------- entry points

    def on_events(self, hints: Iterable[tuple[str | None, str | None]]
                  ) -> list[BookingOutcome]:
        """Webhook hints (key, row id) that arrived together: every invoice they name read back
        at once (two calls however many) and issued side by side, `parallel` at a time."""
        numbers, rows = set(), set()
        for key, row_id in hints:
            number, row = _positive(key), _positive(row_id)
            if number is not None:
                numbers.add(number)
            if row is not None:
                rows.add(row)
        if not numbers and not rows:
            return []
        booked = read_booked_many(self.client, invoice_numbers=numbers, row_ids=rows)
        done = self._issue_all(booked)
        failed = next((d for d in done if isinstance(d, BaseException)), None)
        if failed is not None:
            raise failed
        return [d for d in done if isinstance(d, BookingOutcome)]

    def issue(self, invoice_number: int, *, retry: bool = False) -> BookingOutcome:
        """Issue one booked invoice by its number (`retry`: also one that needs attention, or
        one skipped before `uniconta.issue_uniconta_invoices` was switched on)."""
        return self._issue(invoice_number, retry=retry)

    def follow_once(self, stop: Callable[[], bool] = lambda: False, *,
                    wait: bool = True) -> list[BookingOutcome] | None:
        """The poll: every invoice booked since the cursor, read back at once (two calls) and
        issued `parallel` at a time; the cursor moves past the ones dealt with, up to the first
        that was not. A Uniconta fault stops the round there (and is raised); so does `stop()`,
        checked before each invoice. One round at a time per tenant, wherever it runs
        (`Bookings.follower`): without `wait`, None when another round is at work."""
        with self.bookings.follower(self.tenant, wait=wait) as held:
            if not held:
                return None
            out: list[BookingOutcome] = []
            booked = read_booked_after(self.client, self.bookings.cursor(self.tenant) or 0)
            for done in self._issue_all(booked, stop):
                if not isinstance(done, BookingOutcome):
                    if isinstance(done, BaseException):
                        raise done
                    break
                self.bookings.advance_cursor(self.tenant, int(done.invoice_number))
                out.append(done)
            return out

    def follow(self, *, interval: float, stop: Callable[[], bool],
               on_round: Callable[[list[BookingOutcome] | Exception], None] | None = None,
               sleep: Callable[[float], None] = time.sleep, max_backoff: float = 900.0) -> None:
        """Poll until `stop()`: one round every `interval` seconds; while Uniconta is down or
        refuses (throttled), wait twice as long each time (up to `max_backoff`). A round another
        process is running (a Celery worker's, say) is skipped, not waited for."""
        wait = interval
        while not stop():
            try:
                result: list[BookingOutcome] | Exception = (
                    self.follow_once(stop, wait=False) or [])
                wait = interval
            except GatewayError as error:
                result = error
                wait = min(max(wait, interval) * 2, max_backoff)
            if on_round is not None:
                on_round(result)
            if stop():
                return
            sleep(wait)

    def needing_attention(self) -> list[BookingRecord]:
        return self.bookings.all(self.tenant, BookingState.ATTENTION)

    def close(self) -> None:
        self.bookings.close()

    # ----------------------------------------------------------------- the one way through

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self.engine.ledger.posting_lock(self.tenant):
            if self._lock is None:
                yield
            else:
                with self._lock():
                    yield

    def _issue_all(self, many: list[BookedInvoice], stop: Callable[[], bool] = lambda: False
                   ) -> list[BookingOutcome | BaseException | None]:
        """Issue the bookings read back, `parallel` at a time (their debtors read in one call
        for those made in Uniconta); per booking, in their order, its outcome, the error that
        stopped it, or None when `stop()` said not to start it."""
        if self.settings.uniconta.issue_uniconta_invoices:
            unsourced = with_customers(self.client, [b for b in many if not b.source_id])
            known = {b.invoice_number: b for b in unsourced}
            many = [known.get(b.invoice_number, b) for b in many]

        def one(booked: BookedInvoice) -> BookingOutcome | BaseException | None:
            if stop():
                return None
            try:
                return self._issue(int(booked.invoice_number), booked=booked)
            except Exception as error:  # noqa: BLE001 - given back to the caller, in order
                return error

        if self.parallel == 1 or len(many) < 2:
            return [one(b) for b in many]
        with ThreadPoolExecutor(min(self.parallel, len(many)),
                                thread_name_prefix="booked") as pool:
            return list(pool.map(one, many))

    def _issue(self, number: int, *, booked: BookedInvoice | None = None,
               retry: bool = False) -> BookingOutcome:
        key = str(number)
        with self.bookings.claim(self.tenant, key):
            record = self.bookings.get(self.tenant, key)
            if record is not None and (record.state == BookingState.ISSUED or not retry):
                shown: Outcome = ("already issued" if record.state == BookingState.ISSUED
                                  else record.state.value)  # type: ignore[assignment]
                return BookingOutcome(key, shown, record.reason)
            archived = self._archived(key)
            # Archived already: posted and issued directly, or issued before a crash
            # kept the records from being written.
            if archived is not None:
                if archived.source_id:
                    self._record_archived(archived.source_id, archived)
                self.bookings.record(self.tenant, key, BookingState.ISSUED,
                                     source_id=archived.source_id or "")
                return BookingOutcome(key, "already issued")
            if booked is None:
                booked = read_booked(self.client, invoice_number=number)
                if booked is None:
                    return BookingOutcome(key, "not booked")
            source = self._source(booked)
            if source is None and not self.settings.uniconta.issue_uniconta_invoices:
                reason = ("made in Uniconta, not by Faktura"
                          " (uniconta.issue_uniconta_invoices is off)")
                self.bookings.record(self.tenant, key, BookingState.SKIPPED, reason=reason)
                return BookingOutcome(key, "skipped", reason)
            if source is None and booked.customer is None:
                booked = with_customer(self.client, booked)
            source_id = source.source_id if source else None
            try:
                self._issue_booked(booked, source)
            except Exception as error:  # noqa: BLE001 - booked already: keep it, with the reason
                reason = str(error) if isinstance(error, FakturaError | OSError) else (
                    f"invoice {key} could not be issued ({type(error).__name__}: {error})")
                self.bookings.record(self.tenant, key, BookingState.ATTENTION,
                                     source_id=source_id, reason=reason)
                return BookingOutcome(key, "attention", reason)
            return BookingOutcome(key, "issued")

    def _issue_booked(self, booked: BookedInvoice, source: Invoice | None) -> None:
        """Compute, check and render the booking (no lock held but the number's claim), then
        archive and record it, with what it changed against the source, under the lock."""
        computed = computed_from_booking(booked, source, self.settings)
        checks.check_totals(computed)
        fmt = format_for(computed.invoice, self.settings)
        if fmt is not None:
            check_einvoice(computed, self.settings, fmt)
        differences = (source_differences(compute(source, self.settings), computed)
                       if source is not None else [])
        posting = Posting(booked.invoice_number, booked.voucher, booked.journal_posted_id,
                          uniconta_pdf=self._unicontas_pdf(computed, booked))
        posted = PostedInvoice(computed, posting)
        rendered = self.issuer.render_posted(posted, pdf_kept=not self._pdf_unreadable)
        with self._locked():
            self.issuer.archive_rendered(posted, rendered)
            if source is not None:
                self._record_archived(source.source_id, booked)
            self.bookings.record(self.tenant, str(booked.invoice_number), BookingState.ISSUED,
                                 source_id=source.source_id if source else None,
                                 differences=differences)

    @property
    def _pdf_unreadable(self) -> bool:
        """Uniconta's own layout over its REST API, which cannot read that PDF."""
        return (self.settings.layout_name == "uniconta"
                and self.settings.uniconta.transport == "rest")

    def _unicontas_pdf(self, computed: ComputedInvoice, booked: BookedInvoice) -> bytes | None:
        """Uniconta's PDF of the booking, in its own layout where the gateway can read it."""
        if self.settings.layout_name != "uniconta" or self._pdf_unreadable:
            return None
        return self.client.invoice_pdf(int(booked.invoice_number),
                                       document_type=document_type(computed.invoice))

    def _archived(self, number: str) -> ArchiveEntry | None:
        """The archived invoice with this number, or None."""
        try:
            return self.issuer.archive.get(self.tenant, number)
        except (NotArchived, ValueError):
            return None

    def _record_archived(self, source_id: str, booked: BookedInvoice | ArchiveEntry) -> None:
        """The draft's posting record: archived, with the number Uniconta gave the booking
        (written again where a crash came between the archive and this record)."""
        self.engine.ledger.advance(self.tenant, source_id, State.ARCHIVED,
                                   invoice_number=str(booked.invoice_number),
                                   voucher=booked.voucher,
                                   journal_posted_id=booked.journal_posted_id)

    def _source(self, booked: BookedInvoice) -> Invoice | None:
        if not booked.source_id:
            return None
        text = self.bookings.draft_source(self.tenant, booked.source_id)
        return Invoice.model_validate_json(text) if text is not None else None


def booked_issuer(issuer: Issuer, lock: threading.Lock | None = None,
                  parallel: int = 1) -> BookedIssuer:
    """A `BookedIssuer` beside `issuer` (whose poster is the tenant's sync engine, perhaps
    serialised by `lock`, which is then held around each booking instead), issuing `parallel`
    bookings at once; the booking record lives in the ledger's database. Close it with
    `close`."""
    poster: Any = issuer.poster
    engine = poster.inner if isinstance(poster, SerializedPoster) else poster
    if not isinstance(engine, SyncEngine):
        raise TypeError("issuing on booking needs the sync engine as the issuer's poster")
    plain = Issuer(issuer.settings, poster=engine, archive=issuer.archive,
                   renderer=issuer.renderer)
    bookings = Bookings(issuer.settings.database(LEDGER_FILE))
    return BookedIssuer(plain, engine, bookings,
                        lock=(lambda: lock) if lock is not None else None, parallel=parallel)


def draft(engine: SyncEngine, bookings: Bookings, invoice: Invoice) -> int:
    """Drafts mode: leave the invoice in Uniconta as an order (exactly once), keeping its
    source invoice first so that its booking can be compared with it; the order number."""
    record = engine.ledger.get(engine.tenant, invoice.source_id)
    if record is None or record.state not in (State.DRAFTED, State.POSTED, State.ARCHIVED):
        bookings.remember_draft(engine.tenant, invoice.source_id, 0, invoice_json(invoice))
    return engine.transfer_draft(invoice)


def _positive(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit() or len(text.strip()) > 18:
        return None
    value = int(text)
    return value if value > 0 else None
