"""The sync engine: post a source invoice to Uniconta exactly once.

Per invoice: validate → master data (debtor only when a mapped field changed, contact,
employee, project) → order → its lines (one call) → optional simulation → post with the
invoice date → record → verify. At steady state that is three calls: order, lines, post.
Validating refuses, before anything is written, whatever can be refused (docs/refusals.md):
the lookups it needs (items, payment terms, the credited invoice of a credit note, the next
invoice number) are reads, and most are made once per run.

The order is a projection of the computed invoice (`faktura.computed`): its lines carry the
computed discounts, its payment term is the Uniconta term whose days give the computed due
date, a credit note is posted as `documentType=Creditnote` with the credited invoice named
in Remark. After posting, Uniconta's booked net, VAT, total, currency and due date are
compared with the computed ones: a disagreement stops the invoice before its PDF is archived
(`BookingMismatch`), flagged in the ledger with both figures.

Exactly once, through the posting ledger (`sync.posting.ledger`) and three rules:

1. Every step is recorded before the next begins; a re-run resumes from the record.
2. An invoice is posted only from an order this engine created and recorded. When a
   previous run may have posted it (a crash, or a lost answer to the posting), Uniconta is
   asked first — `DebtorInvoice` by order number — and a found invoice is recorded, not
   posted again.
3. When an order's creation answer was lost, the order is found by its marker (the
   `Ref: <source id>` line in Remark) and removed before a clean one is made: every resumed
   run that makes a new order sweeps such orphans first. An order whose
   lines failed, or whose posting was refused, is removed too: nothing is left half-posted.

An invoice whose content changed after posting is refused (the fix is a credit note).
Postings are serialised per tenant across processes (and machines, on PostgreSQL) by the
ledger's posting lock, so two workers never race on one invoice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from faktura import checks
from faktura.computed import ComputedInvoice, compute
from faktura.errors import ContentChanged, FakturaError, InvalidInput, Problem
from faktura.model import Invoice, content_sha256
from sync.posting.answer import Posting
from faktura.settings import Settings
from sync.posting import mapping
from sync.posting.mapping import MappingError
from sync.posting.numbers import InvoiceNumbers, group_field
from sync.posting.catalogue import check_items, item_of_line
from sync.posting.ledger import Ledger, PostingRecord, State
from sync.posting.log import SyncLog
from sync.posting.masterdata import MasterData
from sync.uniconta.errors import (
    AuthenticationError,
    BadRequestError,
    GatewayError,
    PdfUnavailableError,
    PostingOutcomeUnknown,
    ThrottledError,
    UnicontaError,
)
from sync.uniconta.gateway import GatewayClient, PostingResult
from sync.uniconta.wire import field

MAX_LINES_DELETE = 10_000


class SyncFailed(FakturaError):
    """This invoice could not be posted; the reason says what to fix. Nothing is half-posted."""


class LoginRefused(SyncFailed):
    """Uniconta refused the login: nothing was done, for this invoice or any other."""


class BookingMismatch(SyncFailed):
    """Uniconta booked the invoice with other figures than computed: booked, not archived."""


class Refused(SyncFailed, InvalidInput):
    """The invoice was refused for a field a user can fix — before anything was written, or
    by Uniconta: names the field (the invoice's or the setting's) and the fix, never the
    refused value. Nothing is half-posted."""


class CreditedNotBooked(MappingError):
    """A credit note credits an invoice Uniconta has not booked (nor the archive kept)."""


@dataclass(frozen=True)
class PreparedInvoice:
    """An invoice checked against Uniconta's rules, before anything is written."""

    computed: ComputedInvoice
    account: str
    items: list[tuple[str | None, int | None]]  # per line: (item, decimals)
    payment_term: str

    @property
    def invoice(self) -> Invoice:
        return self.computed.invoice


class SyncEngine:
    """Posts invoices for one tenant through one gateway client (implements `Poster`)."""

    def __init__(self, client: GatewayClient, ledger: Ledger, settings: Settings,
                 log: SyncLog, *, lock_path: Path | None = None) -> None:
        self.client = client
        self.ledger = ledger
        self.settings = settings
        self.tenant = settings.tenant
        self.log = log
        self.master = MasterData(client, ledger, settings)
        self._lock_path = lock_path or ledger.lock_file
        self._dimensions: int | None = None
        self.numbers = InvoiceNumbers(client, settings)

    # ----------------------------------------------------------------- Poster

    def computed(self, invoice: Invoice | ComputedInvoice) -> ComputedInvoice:
        return invoice if isinstance(invoice, ComputedInvoice) else compute(invoice,
                                                                            self.settings)

    def post(self, invoice: Invoice | ComputedInvoice) -> Posting:
        """Post one invoice (or return its earlier posting). Raises SyncFailed with the reason;
        `BookingMismatch` when Uniconta booked other figures than computed."""
        computed = self.computed(invoice)
        with self._posting_lock():
            outcome = self._post_reporting(computed)
        if isinstance(outcome, FakturaError):
            raise outcome
        return outcome

    def mark_archived(self, invoice: Invoice, invoice_number: str,
                      pdf_sha256: str | None) -> None:
        self.ledger.advance(self.tenant, invoice.source_id, State.ARCHIVED)
        self.log.step(invoice.source_id, "archived", invoice_number=invoice_number,
                      pdf_sha256=pdf_sha256)

    def _post_reporting(self, computed: ComputedInvoice) -> Posting | FakturaError:
        """`_post` with its outcome logged and its calls counted; a failure is returned as
        the error to raise (the ledger holds its reason). The posting lock is held."""
        started, calls_before = time.monotonic(), self.client.stats.snapshot()
        source_id = computed.invoice.source_id
        try:
            posting = self._post(computed)
        except (GatewayError, FakturaError) as error:
            return self._failure(computed, error, calls_before)
        finally:
            calls = calls_since(self.client, calls_before)
            if self.ledger.get(self.tenant, source_id):
                self.ledger.add_calls(self.tenant, source_id, calls)
        self.log.step(source_id, "done", invoice_number=posting.invoice_number,
                      calls=calls_since(self.client, calls_before),
                      ms=round((time.monotonic() - started) * 1000))
        return posting

    def _failure(self, computed: ComputedInvoice, error: GatewayError | FakturaError,
                 calls_before: dict[str, int]) -> FakturaError:
        """Record and log why the invoice failed; the error to report for it."""
        source_id = computed.invoice.source_id
        error = self._refusal(computed, error)
        reason = _reason(error)
        if self.ledger.get(self.tenant, source_id):
            self.ledger.fail(self.tenant, source_id, reason)
        self.log.step(source_id, "failed", reason=reason,
                      calls=calls_since(self.client, calls_before))
        if isinstance(error, ContentChanged | InvalidInput | SyncFailed):
            return error
        if isinstance(error, AuthenticationError):
            return LoginRefused(reason)
        return SyncFailed(f"invoice {source_id}: {reason}")

    # ------------------------------------------------------------------------ in bulk

    def post_many(self, invoices: Sequence[Invoice | ComputedInvoice],
                  on_posted: Callable[[int, Posting | FakturaError], None] | None = None,
                  ) -> list[Posting | FakturaError]:
        """Post a chunk of invoices with few calls; per invoice, in input order, its posting
        or the error that `post` would raise for it (the others go on).

        The orders of all new invoices are made in one call and all their lines in one
        more; then each order is posted (one call each, in input order, so the invoice
        numbers follow the input). At steady state that is `n + 2` calls for `n` invoices.

        Exactly once as in `post`: every invoice is recorded in the ledger before the bulk
        call and each order carries its marker. An invoice the ledger already knows (posted,
        or left half-done by an earlier run) takes the single-invoice path, which resumes it.
        When Uniconta refuses a bulk call (one bad record refuses the whole call, and nothing
        of it is made) each invoice of it is made on its own, so only the bad one fails; when
        the answer is lost (the orders may or may not exist) each invoice is resumed on its
        own like after a crash: its orders are found by marker and removed before a clean one
        is made, never duplicated nor left behind.

        `on_posted(position, outcome)` is called as each invoice's outcome is known, in
        input order (e.g. to render and archive it while the next ones post).
        """
        computed = [self.computed(item) for item in invoices]
        outcomes: list[Posting | FakturaError | None] = [None] * len(computed)
        calls: Counter[str] = Counter()  # per invoice, written to the ledger at the end
        with self._posting_lock(), self.master.snapshot():
            try:
                fresh = self._start_fresh(computed, outcomes, calls)
                self._create_in_bulk(fresh, outcomes, calls)
                by_index = {item.index: item for item in fresh}
                for index, item in enumerate(computed):
                    if outcomes[index] is None:
                        new = by_index.get(index)
                        if new is None or new.resume:
                            outcomes[index] = self._post_reporting(item)
                        else:
                            outcomes[index] = self._finish_fresh(new, calls)
                    if on_posted is not None:
                        outcome = outcomes[index]
                        assert outcome is not None
                        on_posted(index, outcome)
            finally:
                self.ledger.add_calls_many(self.tenant, calls)
        return [outcome for outcome in outcomes if outcome is not None]

    def _start_fresh(self, computed: list[ComputedInvoice],
                     outcomes: list[Posting | FakturaError | None],
                     calls: Counter[str]) -> list[_Fresh]:
        """Check each invoice the ledger does not know yet, record them all (one write), and
        make their master data current; the ones ready for a bulk order. Failures go into
        `outcomes`."""
        checked: list[tuple[int, PreparedInvoice]] = []
        seen = self.ledger.known(self.tenant, [item.invoice.source_id for item in computed])
        for index, item in enumerate(computed):
            invoice = item.invoice
            source_id = invoice.source_id
            if source_id in seen:
                continue  # known to the ledger (or twice in the chunk): the single path
            seen.add(source_id)
            calls_before = self.client.stats.snapshot()
            try:
                prepared = self.prepare(item)
                self._check_invoice_date(invoice)
            except CreditedNotBooked:
                # It may credit an invoice earlier in this chunk, not booked yet: it takes
                # the single path, after the invoices before it are posted (and checked again).
                calls[source_id] += calls_since(self.client, calls_before)
                continue
            except (GatewayError, FakturaError) as error:
                outcomes[index] = self._failure(item, error, calls_before)
                continue
            calls[source_id] += calls_since(self.client, calls_before)
            checked.append((index, prepared))
        # Recorded before anything is written to Uniconta for them.
        self.ledger.start_many(self.tenant, [
            (prepared.invoice.source_id, content_sha256(prepared.invoice), prepared.account)
            for _, prepared in checked])
        fresh: list[_Fresh] = []
        for index, prepared in checked:
            source_id = prepared.invoice.source_id
            self.log.step(source_id, "validated", resumed=False)
            calls_before = self.client.stats.snapshot()
            try:
                account, contact_row = self.master.ensure_for(prepared.invoice)
            except (GatewayError, FakturaError) as error:
                outcomes[index] = self._failure(prepared.computed, error, calls_before)
                continue
            finally:
                calls[source_id] += calls_since(self.client, calls_before)
            self.log.step(source_id, "master_data", account=account)
            fresh.append(_Fresh(index, prepared, contact_row))
        return fresh

    def _create_in_bulk(self, fresh: list[_Fresh],
                        outcomes: list[Posting | FakturaError | None],
                        calls: Counter[str]) -> None:
        """One call for the orders of `fresh`, one for all their lines. What Uniconta
        refused or whose answer was lost is marked to be done invoice by invoice."""
        if not fresh:
            return
        calls_before = self.client.stats.snapshot()
        try:
            self._create_orders_in_bulk(fresh)
            made = [item for item in fresh if item.order_number is not None]
            if made:
                self._create_lines_in_bulk(made)
        except (ThrottledError, AuthenticationError) as error:
            # Nothing more can be done now, for any of them; a re-run resumes each.
            for item in fresh:
                outcomes[item.index] = self._failure(item.computed, error, calls_before)
        finally:
            self._share_calls(fresh, calls_since(self.client, calls_before), calls)

    def _create_orders_in_bulk(self, fresh: list[_Fresh]) -> None:
        orders = [self._order_of(item.prepared, item.contact_row) for item in fresh]
        rows = self._insert_in_bulk("DebtorOrder", orders, fresh, "orders")
        if rows is None:
            return
        numbers = _order_numbers(rows, [mapping.marker(item.invoice) for item in fresh])
        if numbers is None:  # an answer this engine cannot match to its orders
            for item in fresh:
                item.resume = True
            return
        self.ledger.advance_many(self.tenant, State.ORDER_CREATED, {
            item.source_id: {"order_number": number}
            for item, number in zip(fresh, numbers, strict=True)})
        for item, number in zip(fresh, numbers, strict=True):
            item.order_number = number
            self.log.step(item.source_id, "order_created", order_number=number, bulk=True)

    def _create_lines_in_bulk(self, made: list[_Fresh]) -> None:
        lines = [line for item in made
                 for line in self._lines_of(item.prepared, item.order_numbered)]
        if self._insert_in_bulk("DebtorOrderLine", lines, made, "lines") is None:
            return
        for item in made:
            self.log.step(item.source_id, "lines_created", order_number=item.order_number,
                          lines=len(item.prepared.computed.lines), bulk=True)

    def _insert_in_bulk(self, type_name: str, rows: list[dict[str, Any]], items: list[_Fresh],
                        call: Literal["orders", "lines"]) -> list[dict[str, Any]] | None:
        """Insert the rows of `items` in one call; the stored rows, or None when Uniconta
        refused the call (one record refuses it and none is made: each item's `call` is then
        made on its own) or its answer was lost (the rows may exist: each item is resumed,
        its orphans found by marker, a recorded order completed or replaced)."""
        try:
            return self.client.insert(type_name, rows)
        except (ThrottledError, AuthenticationError):
            raise
        except (UnicontaError, BadRequestError) as refusal:
            for item in items:
                if call == "orders":
                    item.apart = True
                else:
                    item.lines_apart = True
                self.log.step(item.source_id, "bulk_refused", call=call,
                              reason=_reason(refusal))
        except GatewayError as lost:
            for item in items:
                item.resume = True
                self.log.step(item.source_id, "bulk_answer_lost", call=call,
                              reason=_reason(lost))
        return None

    def _finish_fresh(self, item: _Fresh, calls: Counter[str]) -> Posting | FakturaError:
        """Post one invoice of a bulk: its order (made on its own when the bulk call was
        refused), its lines (likewise), then the posting and the check of the booking."""
        started, calls_before = time.monotonic(), self.client.stats.snapshot()
        computed, source_id = item.computed, item.source_id
        try:
            if item.apart:
                order_number = self._create_order(item.prepared, item.contact_row)
            else:
                order_number = item.order_numbered
                if item.lines_apart:
                    self._create_lines_apart(item.prepared, order_number)
            if self.settings.uniconta.simulate_before_posting:
                self._simulate(computed, order_number)
            posting = self._post_order(computed, order_number)
        except (GatewayError, FakturaError) as error:
            return self._failure(computed, error, calls_before)
        finally:
            calls[source_id] += calls_since(self.client, calls_before)
        self.log.step(source_id, "done", invoice_number=posting.invoice_number,
                      calls=calls_since(self.client, calls_before) + item.shared_calls,
                      ms=round((time.monotonic() - started) * 1000))
        return posting

    def _create_lines_apart(self, prepared: PreparedInvoice, order_number: int) -> None:
        invoice = prepared.invoice
        lines = self._lines_of(prepared, order_number)
        try:
            self.client.insert("DebtorOrderLine", lines)
        except GatewayError:
            self._abandon_order(invoice, order_number)
            raise
        self.log.step(invoice.source_id, "lines_created", order_number=order_number,
                      lines=len(lines))

    def _share_calls(self, fresh: list[_Fresh], count: int, calls: Counter[str]) -> None:
        """Count the bulk calls against the invoices they served (evenly, summing up)."""
        share, left = divmod(count, len(fresh))
        for position, item in enumerate(fresh):
            item.shared_calls = share + (1 if position < left else 0)
            calls[item.source_id] += item.shared_calls

    # ------------------------------------------------------------------------ drafts mode

    def transfer_draft(self, invoice: Invoice | ComputedInvoice) -> int:
        """Drafts mode (`uniconta.post_as_drafts`): leave the invoice in Uniconta as an order
        with its lines, not booked; its order number. Exactly once: a re-run returns the
        recorded order (state DRAFTED). The project category is set when a project is."""
        calls_before = self.client.stats.snapshot()
        computed = self.computed(invoice)
        invoice = computed.invoice
        with self._posting_lock():
            try:
                order_number = self._transfer_draft(computed)
            except (GatewayError, FakturaError) as failure:
                error = self._refusal(computed, failure)
                reason = _reason(error)
                if self.ledger.get(self.tenant, invoice.source_id):
                    self.ledger.fail(self.tenant, invoice.source_id, reason)
                self.log.step(invoice.source_id, "failed", reason=reason)
                if isinstance(error, ContentChanged | InvalidInput | SyncFailed):
                    raise error from None
                raise SyncFailed(f"invoice {invoice.source_id}: {reason}") from None
            finally:
                if self.ledger.get(self.tenant, invoice.source_id):
                    self.ledger.add_calls(self.tenant, invoice.source_id,
                                          calls_since(self.client, calls_before))
        return order_number

    def _transfer_draft(self, computed: ComputedInvoice) -> int:
        invoice = computed.invoice
        source_id = invoice.source_id
        content = content_sha256(invoice)
        record = self.ledger.get(self.tenant, source_id)
        if record and record.state in (State.DRAFTED, State.POSTED, State.ARCHIVED):
            if record.content_sha256 != content:
                raise ContentChanged(
                    f"invoice {source_id} was transferred to Uniconta (order"
                    f" {record.order_number}) and has changed since: change the draft in"
                    " Uniconta, or issue a credit note and a new invoice")
            if record.state != State.DRAFTED or record.order_number is None:
                raise SyncFailed(f"invoice {source_id} is already posted as invoice"
                                 f" {record.invoice_number}; no draft is made")
            self.log.step(source_id, "already_drafted", order_number=record.order_number)
            return record.order_number
        prepared = self.prepare(computed, draft=True)
        resumed = record is not None
        earlier_account = record.customer_number if record else None
        if record and record.content_sha256 != content:
            self._discard_order(record, invoice)
            self.ledger.replace_content(self.tenant, source_id, content, prepared.account)
            self.ledger.advance(self.tenant, source_id, State.VALIDATED, order_number=None)
        record = self.ledger.start(self.tenant, source_id, content, prepared.account)
        account, contact_row = self.master.ensure_for(invoice)
        order_number = record.order_number
        if record.state == State.ORDER_CREATED and order_number is not None:
            found = self._find_posted(order_number)
            if found is not None:  # a run before drafts mode posted it: record, never redo
                posting = self._record_posting(computed, found)
                raise SyncFailed(f"invoice {source_id} is already posted as invoice"
                                 f" {posting.invoice_number}; no draft is made")
            if not self._order_is_complete(order_number, len(invoice.lines)):
                self._delete_order(order_number)
                order_number = None
        if order_number is None and resumed:
            # An earlier run may have made an order whose answer never arrived.
            self._remove_orphans(invoice, account, earlier_account)
        if order_number is None:
            order_number = self._create_order(prepared, contact_row)
        self.ledger.advance(self.tenant, source_id, State.DRAFTED, order_number=order_number)
        self.log.step(source_id, "drafted", order_number=order_number)
        return order_number

    # ----------------------------------------------------------------- end drafts mode

    # ----------------------------------------------------------------- the steps

    def _post(self, computed: ComputedInvoice) -> Posting:
        invoice = computed.invoice
        source_id = invoice.source_id
        content = content_sha256(invoice)
        record = self.ledger.get(self.tenant, source_id)
        if record and record.state in (State.POSTED, State.ARCHIVED):
            if record.content_sha256 != content:
                raise ContentChanged(
                    f"invoice {source_id} was posted to Uniconta as invoice"
                    f" {record.invoice_number} and has changed since; a posted invoice is"
                    " never changed: issue a credit note and a new invoice instead")
            if record.mismatch and record.state == State.POSTED:
                raise BookingMismatch(f"invoice {source_id}: {record.mismatch}")
            self.log.step(source_id, "already_posted", invoice_number=record.invoice_number)
            return self._posting_of(record, computed)

        prepared = self.prepare(computed)
        self._check_invoice_date(invoice)
        resumed = record is not None
        # An orphan order of an earlier run sits under the account that run used.
        earlier_account = record.customer_number if record else None
        if record and record.content_sha256 != content:
            # Corrected in the source before it was posted: drop the stale order, start over.
            self._discard_order(record, invoice)
            self.ledger.replace_content(self.tenant, source_id, content, prepared.account)
            self.ledger.advance(self.tenant, source_id, State.VALIDATED, order_number=None)
        record = self.ledger.start(self.tenant, source_id, content, prepared.account)
        self.log.step(source_id, "validated", resumed=resumed)

        account, contact_row = self.master.ensure_for(invoice)
        self.log.step(source_id, "master_data", account=account)

        order_number = record.order_number
        if record.state in (State.ORDER_CREATED, State.DRAFTED) and order_number is not None:
            found = self._find_posted(order_number)
            if found is not None:
                return self._record_posting(computed, found)
            if not self._order_is_complete(order_number, len(invoice.lines)):
                self._delete_order(order_number)
                order_number = None
        if order_number is None and resumed:
            # An earlier run may have made an order whose answer never arrived (also after
            # the recorded order was replaced: its replacement's answer may be the lost one).
            self._remove_orphans(invoice, account, earlier_account)
        if order_number is None:
            order_number = self._create_order(prepared, contact_row)

        if self.settings.uniconta.simulate_before_posting:
            self._simulate(computed, order_number)
        return self._post_order(computed, order_number)

    def prepare(self, invoice: Invoice | ComputedInvoice, *, draft: bool = False
                ) -> PreparedInvoice:
        """Check the invoice against Uniconta's rules (items, decimals, currency, customer,
        VAT flags, the payment term of its due date, the invoice a credit note credits, the
        number it will get) before anything is written. A `draft` (drafts mode) is booked
        later in Uniconta: it may credit another draft, and takes no number yet."""
        settings = self.settings
        computed = self.computed(invoice)
        invoice = computed.invoice
        checks.check_totals(computed)  # never a negative invoice (a credit note instead)
        checks.check_something_to_book(computed)  # Uniconta refuses one without a quantity
        check_items(computed, settings)  # VAT flags and items vs Uniconta's items, once
        account = mapping.debtor_account(invoice.customer)
        mapping.currency_byte(invoice.currency_code, "currency_code")
        mapping.debtor_fields(invoice.customer, settings)
        mapping.dimension_fields(invoice, settings, self._number_of_dimensions())
        items: list[tuple[str | None, int | None]] = []
        for position, line in enumerate(invoice.lines, start=1):
            number = item_of_line(line, settings, position)  # the [products] principle
            if number is None:
                items.append((None, None))
                continue
            item = self.master.item(number, line, position)
            mapping.quantity_for_item(line, position, number, item.decimals)
            items.append((number, item.decimals))
        if invoice.project:
            self.master.project_category()
        term = self.master.payment_term((computed.due_date - invoice.issue_date).days)
        if computed.is_credit_note and not draft:  # a draft may credit another draft
            self._check_credited(computed, account)
        # The number Uniconta gives it fits its FI line (a draft takes none yet).
        self.numbers.check(computed, take=not draft)
        return PreparedInvoice(computed, account, items, term)

    def _check_credited(self, computed: ComputedInvoice, account: str) -> None:
        """A credit note credits an invoice Uniconta has booked, for the same debtor (one
        read; the issuing pipeline checked the archive already)."""
        number = computed.credited_invoice_number
        rows = self.client.query("DebtorInvoice", InvoiceNumber=number) if number and \
            number.isdigit() else []
        if not rows:
            raise CreditedNotBooked("preceding_invoice_reference", (
                "names no invoice the archive or Uniconta knows: a credit note credits an"
                " issued invoice; give its invoice number"))
        if str(field(rows[0], "Account") or "") != account:
            raise MappingError("preceding_invoice_reference", (
                "names an invoice of another customer: a credit note credits an invoice of"
                " its own customer"))

    def _refusal(self, computed: ComputedInvoice, error: GatewayError | FakturaError
                 ) -> GatewayError | FakturaError:
        """A refusal a user fixes in a field, as the field and the fix: the engine's own
        (`MappingError`) or Uniconta's (an ErrorCodes name this engine can place)."""
        if isinstance(error, MappingError):
            return Refused(error.source, error.problems)
        if not isinstance(error, UnicontaError):
            return error
        fields = _refused_fields(error.code, computed.invoice, self.settings)
        if not fields:
            return error
        fix = _FIXES.get(error.code, "")
        return Refused("invoice", [
            Problem(where, f"Uniconta refused it ({error.code})" + (f": {fix}" if fix else ""))
            for where in fields])

    def _check_invoice_date(self, invoice: Invoice) -> None:
        """Without the gateway's date extension Uniconta dates every invoice today: refuse
        another date before an order is made, rather than fail at the posting."""
        if invoice.issue_date != date.today() and not self.client.has_extensions():
            raise mapping.MappingError(
                "issue_date", "is not today, and the Uniconta gateway has no date extension,"
                " so Uniconta would date the invoice today; post it on its issue date, or use"
                " a gateway with the extensions")

    def _create_order(self, prepared: PreparedInvoice, contact_row: int | None) -> int:
        invoice = prepared.invoice
        # If the answer is lost, the next run finds the order by its marker (nothing was posted).
        rows = self.client.insert("DebtorOrder", self._order_of(prepared, contact_row))
        order_number = int(field(rows[0], "OrderNumber"))
        self.ledger.advance(self.tenant, invoice.source_id, State.ORDER_CREATED,
                            order_number=order_number)
        self.log.step(invoice.source_id, "order_created", order_number=order_number)
        self._create_lines_apart(prepared, order_number)
        return order_number

    def _order_of(self, prepared: PreparedInvoice, contact_row: int | None) -> dict[str, Any]:
        """The DebtorOrder fields of a prepared invoice (its marker in Remark)."""
        invoice = prepared.invoice
        category = self.master.project_category() if invoice.project else None
        return mapping.order_fields(invoice, self.settings, account=prepared.account,
                                    contact_row_id=contact_row, category=category,
                                    number_of_dimensions=self._number_of_dimensions(),
                                    payment_term=prepared.payment_term)

    def _lines_of(self, prepared: PreparedInvoice, order_number: int) -> list[dict[str, Any]]:
        """The DebtorOrderLine fields of a prepared invoice, for order `order_number`."""
        invoice = prepared.invoice
        category = self.master.project_category() if invoice.project else None
        dims = self._number_of_dimensions()
        return [
            mapping.line_fields(invoice, line, self.settings,
                                order_number=order_number, item=item, decimals=decimals,
                                category=category, number_of_dimensions=dims)
            for line, (item, decimals) in zip(prepared.computed.lines, prepared.items,
                                              strict=True)
        ]

    def _simulate(self, computed: ComputedInvoice, order_number: int) -> None:
        invoice = computed.invoice
        try:
            result = self.client.post_invoice(order_number, simulate=True,
                                              date=invoice.issue_date,
                                              document_type=mapping.document_type(invoice))
        except UnicontaError:
            self._abandon_order(invoice, order_number)
            raise
        self.log.step(invoice.source_id, "simulated", order_number=order_number,
                      total=str(result.total))

    def _post_order(self, computed: ComputedInvoice, order_number: int) -> Posting:
        invoice = computed.invoice
        want_pdf = self.settings.layout_name == "uniconta"
        kind = mapping.document_type(invoice)
        try:
            if want_pdf:
                result, pdf = self.client.post_invoice_with_pdf(
                    order_number, date=invoice.issue_date, document_type=kind)
                result = replace(result, pdf=pdf)
            else:
                result = self.client.post_invoice(order_number, date=invoice.issue_date,
                                                  document_type=kind)
        except PostingOutcomeUnknown as lost:
            # The answer was lost: ask Uniconta before anything else happens.
            found = self._find_posted(order_number)
            if found is None:
                raise
            self.log.step(invoice.source_id, "posting_found_after_lost_answer",
                          invoice_number=found.invoice_number)
            return self._record_posting(computed, replace(found, pdf=lost.pdf))
        except PdfUnavailableError as error:
            # Posted, only the PDF did not come: record the posting before anything else.
            return self._record_posting(computed, error.result)
        except UnicontaError:
            self._abandon_order(invoice, order_number)
            raise
        return self._record_posting(computed, result)

    def _record_posting(self, computed: ComputedInvoice, result: PostingResult) -> Posting:
        invoice = computed.invoice
        number = str(result.invoice_number)
        self.numbers.posted(computed, result.invoice_number)
        self.ledger.advance(self.tenant, invoice.source_id, State.POSTED,
                            invoice_number=number, voucher=result.voucher,
                            journal_posted_id=result.journal_posted_id)
        self.log.step(invoice.source_id, "posted", invoice_number=number,
                      voucher=result.voucher, order_number=result.order_number)
        self._verify(computed, result)
        pdf = result.pdf
        if pdf is None and self.settings.layout_name == "uniconta":
            pdf = self.client.invoice_pdf(result.invoice_number,
                                          document_type=mapping.document_type(invoice))
        return Posting(number, result.voucher, result.journal_posted_id, uniconta_pdf=pdf)

    def _verify(self, computed: ComputedInvoice, result: PostingResult) -> None:
        """Uniconta's booking must say what the computed invoice says; else flag it in the
        ledger with both figures and stop (booked, never archived with other figures)."""
        differences = booking_differences(computed, result)
        if not differences:
            return
        source_id = computed.invoice.source_id
        detail = "; ".join(f"{name}: computed {ours}, booked {theirs}"
                           for name, ours, theirs in differences)
        message = (f"Uniconta booked invoice {result.invoice_number} with other figures than"
                   f" the invoice states ({detail}); it is booked but not archived: correct"
                   " the booking in Uniconta (credit it there), then resolve it here")
        self.ledger.flag_mismatch(self.tenant, source_id, message)
        self.log.step(source_id, "booking_mismatch", invoice_number=str(result.invoice_number),
                      detail=detail)
        raise BookingMismatch(f"invoice {source_id}: {message}")

    def _posting_of(self, record: PostingRecord, computed: ComputedInvoice) -> Posting:
        assert record.invoice_number is not None
        pdf = None
        if self.settings.layout_name == "uniconta" and record.state != State.ARCHIVED:
            pdf = self.client.invoice_pdf(int(record.invoice_number),
                                          document_type=mapping.document_type(
                                              computed.invoice))
        return Posting(record.invoice_number, record.voucher, record.journal_posted_id,
                       uniconta_pdf=pdf)

    # ----------------------------------------------------------------- what Uniconta has

    def _find_posted(self, order_number: int) -> PostingResult | None:
        rows = self.client.query("DebtorInvoice", OrderNumber=order_number)
        if not rows:
            return None
        return PostingResult.from_invoice_row(order_number, rows[0])

    def _order_is_complete(self, order_number: int, expected_lines: int) -> bool:
        if not self.client.query("DebtorOrder", OrderNumber=order_number):
            return False
        lines = self.client.query("DebtorOrderLine", OrderNumber=order_number)
        return len(lines) == expected_lines

    def _remove_orphans(self, invoice: Invoice, account: str,
                        earlier_account: str | None = None) -> None:
        """Remove orders carrying this invoice's marker (made by a run that never heard the
        answer), under its debtor and under the debtor an earlier run used, if another."""
        marker = mapping.marker(invoice)
        accounts = [account] + ([earlier_account] if earlier_account not in (None, account)
                                else [])
        rows = [row for acc in accounts for row in self.client.query("DebtorOrder", Account=acc)]
        for row in rows:
            remark = str(field(row, "Remark") or "")
            if remark.splitlines() and remark.splitlines()[-1] == marker:
                number = int(field(row, "OrderNumber"))
                self.log.step(invoice.source_id, "orphan_order_removed", order_number=number)
                self._delete_order(number)

    def _discard_order(self, record: PostingRecord, invoice: Invoice) -> None:
        if record.state != State.ORDER_CREATED or record.order_number is None:
            return
        if self._find_posted(record.order_number) is not None:
            raise ContentChanged(
                f"invoice {invoice.source_id} was posted to Uniconta (order"
                f" {record.order_number}) and has changed since: issue a credit note instead")
        self._delete_order(record.order_number)

    def _abandon_order(self, invoice: Invoice, order_number: int) -> None:
        """Lines or posting were refused: remove the order so nothing is left half-done.

        Called while handling that refusal: if the removal fails too (e.g. the same throttle),
        the order stays recorded, the next run removes or completes it, and the caller
        re-raises the original error — the reason the user sees is the real one.
        """
        try:
            self._delete_order(order_number)
        except GatewayError as error:
            self.log.step(invoice.source_id, "order_removal_failed", order_number=order_number,
                          reason=_reason(error))
            return
        self.ledger.advance(self.tenant, invoice.source_id, State.VALIDATED, order_number=None)

    def _delete_order(self, order_number: int) -> None:
        self.client.delete("DebtorOrderLine", {"OrderNumber": order_number},
                           limit=MAX_LINES_DELETE)
        self.client.delete("DebtorOrder", {"OrderNumber": order_number}, limit=1)

    def _number_of_dimensions(self) -> int | None:
        if self._dimensions is None:
            self._dimensions = self.client.resolve_company().number_of_dimensions
        return self._dimensions

    @contextmanager
    def _posting_lock(self) -> Iterator[None]:
        with self.ledger.posting_lock(self.tenant, self._lock_path):
            yield


@dataclass
class _Fresh:
    """An invoice of a bulk that the ledger did not know: checked, recorded, master data
    current; what the bulk calls did for it."""

    index: int
    prepared: PreparedInvoice
    contact_row: int | None
    order_number: int | None = None
    apart: bool = False  # the bulk order call was refused: make its order on its own
    lines_apart: bool = False  # the bulk lines call was refused: make its lines on its own
    resume: bool = False  # a bulk answer was lost: resume it like after a crash
    shared_calls: int = 0

    @property
    def computed(self) -> ComputedInvoice:
        return self.prepared.computed

    @property
    def invoice(self) -> Invoice:
        return self.prepared.invoice

    @property
    def source_id(self) -> str:
        return self.prepared.invoice.source_id

    @property
    def order_numbered(self) -> int:
        assert self.order_number is not None
        return self.order_number


def _order_numbers(rows: list[dict[str, Any]], markers: list[str]) -> list[int] | None:
    """The order numbers of a bulk insert's answer, in the order sent; None unless each row
    carries the marker of the order sent in its place."""
    if len(rows) != len(markers):
        return None
    numbers = []
    for row, marker in zip(rows, markers, strict=True):
        remark = str(field(row, "Remark") or "").splitlines()
        number = field(row, "OrderNumber")
        if not remark or remark[-1] != marker or not number:
            return None
        numbers.append(int(number))
    return numbers


def booking_differences(computed: ComputedInvoice, result: PostingResult
                        ) -> list[tuple[str, object, object]]:
    """(field, computed, booked) for each figure Uniconta booked otherwise; a figure Uniconta
    did not report is not compared. Credit notes are booked with negative amounts."""
    totals = computed.totals
    sign = -1 if computed.is_credit_note else 1
    wanted: list[tuple[str, object, object]] = [
        ("net", sign * totals.line_total, result.net),
        ("VAT", sign * totals.vat_amount, result.vat),
        ("total", sign * totals.total_with_vat, result.total),
        ("currency", computed.invoice.currency_code, result.currency),
        ("due date", computed.due_date, result.due_date),
    ]
    return [(name, ours, theirs) for name, ours, theirs in wanted
            if theirs is not None and ours != theirs]


def calls_since(client: GatewayClient, before: dict[str, int]) -> int:
    """Uniconta calls made since `before` (a `client.stats.snapshot()`)."""
    return client.stats.since(before).get("total", 0)


# What to do about the refusals a user can fix (ErrorCodes name → the fix).
_FIXES = {
    "SlowDown": "the Uniconta user's call limit is reached and nothing more was done; sync"
                " again later (or buy extended server calls)",
    "ServerIsBusy": "Uniconta is busy and nothing more was done; sync again later",
    "ToManyCreatesInOneDay": "Uniconta's limit of new records per day is reached; sync again"
                             " tomorrow",
    "DebtorIsStopped": "the debtor is blocked in Uniconta; unblock it, then sync again",
    "ItemIsOnHold": "an item on the invoice is blocked in Uniconta",
    "ProjectIsBlocked": "the project is blocked in Uniconta",
    "PrCategoryCannotBeBlank": "set uniconta.project_category to a Uniconta project category",
    "DimensionDoesNotExist": "the team, department or division is not a value of that"
                             " dimension in Uniconta; create it there or fix the invoice",
    "NumberSerieDoesNotExist": "the debtor group has no invoice number series in Uniconta",
    "NumberSerieIsBlocked": "the debtor group's invoice number series is blocked in Uniconta",
}


def _refused_fields(code: str, invoice: Invoice, settings: Settings) -> list[str]:
    """The fields a Uniconta refusal (ErrorCodes name) is about; [] when none is."""
    group = group_field(invoice.customer)
    dimensions = [name for name, dim in settings.integration.dimension_of.items()
                  if dim and getattr(invoice, name)]
    return {
        "DebtorIsStopped": [mapping.CUSTOMER_NUMBER],
        "ItemIsOnHold": ["lines"],
        "ProjectIsBlocked": ["project.number"],
        "PrCategoryCannotBeBlank": ["uniconta.project_category"],
        "DimensionDoesNotExist": dimensions,
        "NumberSerieDoesNotExist": [group],
        "NumberSerieIsBlocked": [group],
    }.get(code, [])


def _reason(error: Exception) -> str:
    if isinstance(error, UnicontaError):
        fix = _FIXES.get(error.code)
        return f"Uniconta refused: {error}" + (f": {fix}" if fix else "")
    return str(error)
