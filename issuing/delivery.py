"""E-mail issued invoices through the outbox: what to send, to whom, and exactly once.

For each send: claim it in the outbox (`sending`), build the message from the archive (the PDF
as archived and, where the e-invoice goes by e-mail, its XML), hand it to the SMTP server
(`handed_over` is recorded just before the point of no return), record the server's answer
(`sent`) or the reason (`failed`, retried later). One sender per tenant at a time; it first
settles what a crashed sender left (see `delivery.outbox`).

Where an invoice goes (`route_of`): the address from `[delivery.customers."<number>"]`, else
the invoice's invoice e-mail, its contact's e-mail, the customer's e-mail. Its e-invoice: none
made; by e-mail as an XML attachment; or by Uniconta's own OIOUBL sending (a customer with an
EAN when `uniconta_sends_oioubl` is set, or that customer's own setting), and then never as
an attachment here, so the customer never gets the same e-invoice twice.

An invoice in Uniconta's own layout archived without its PDF (issued over Uniconta's REST API,
which cannot read that PDF) is not e-mailed from here: the invoice document is Uniconta's, so
it is sent from Uniconta, with its e-invoice where that goes by Uniconta's sending. A send
asked for is refused with that reason; issuing never queues one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

from archive import ArchiveEntry, ArchiveStore, NewArchiveItem, NotArchived, PutResult
from delivery import (
    Attachment,
    DeliveryError,
    InvoiceMail,
    Mailer,
    Outbox,
    OutcomeUnknown,
    Send,
    SmtpServer,
    State,
    build_message,
    message_id,
)
from faktura.errors import FakturaError
from faktura.model import Invoice
from faktura.settings import DeliverySettings, Settings
from issuing.period import select as select_period

log = logging.getLogger(__name__)

#: `send --pending` stops retrying a failed send after this many attempts (`send N` still does).
MAX_ATTEMPTS = 10
EInvoiceRoute = Literal["none", "email", "uniconta"]
#: The outcome of a send asked for that is not made here (nothing queued).
REFUSED = "refused"


@dataclass(frozen=True)
class Route:
    """Where one invoice goes: the e-mail address (None: none known) and where from, and
    where its e-invoice goes."""

    recipient: str | None
    source: str  # "settings", "invoice e-mail", "contact", "customer", "none"
    einvoice: EInvoiceRoute
    ean: str | None


@dataclass(frozen=True)
class Outcome:
    """What one send did: the invoice, its state now and the detail (server answer/reason)."""

    invoice_number: str
    state: str
    detail: str


def route_of(entry: ArchiveEntry, invoice: Invoice, config: DeliverySettings) -> Route:
    """The invoice's route (see the module's docstring)."""
    own = config.customers.get(entry.customer_number)
    candidates = [("settings", own.email if own else None),
                  ("invoice e-mail", invoice.customer.invoice_email),
                  ("contact", invoice.contact.email if invoice.contact else None),
                  ("customer", invoice.customer.email)]
    source, recipient = next(((s, a) for s, a in candidates if a), ("none", None))
    ean = invoice.ean or invoice.customer.ean
    uniconta_sends = (own.uniconta_sends_einvoice if own and own.uniconta_sends_einvoice
                      is not None else config.uniconta_sends_oioubl)
    if entry.xml_format is None:
        einvoice: EInvoiceRoute = "none"
    elif entry.xml_format == "oioubl" and ean and uniconta_sends:
        einvoice = "uniconta"
    else:
        einvoice = "email"
    return Route(recipient, source, einvoice, ean)


def not_sent_here(entry: ArchiveEntry) -> str:
    """Why an invoice archived without its PDF is not e-mailed from here."""
    return (f"invoice {entry.invoice_number} is in Uniconta's own layout and its PDF is not"
            " kept here (Uniconta's REST API cannot read it): send it from Uniconta")


def smtp_server(config: DeliverySettings) -> SmtpServer:
    if not config.host:
        raise FakturaError("delivery.host is not set: e-mailing invoices needs an SMTP server"
                           " in [delivery]")
    return SmtpServer(host=config.host, port=config.port, security=config.security,
                      username=config.username,
                      password=config.password.get_secret_value() if config.password else None,
                      timeout=config.timeout, ca_file=config.ca_file)


class Deliverer:
    """Sends one tenant's invoices by e-mail through its outbox."""

    def __init__(self, settings: Settings, *, archive: ArchiveStore, outbox: Outbox,
                 mailer: Mailer | None = None) -> None:
        self.settings = settings
        self.config = settings.delivery
        self.tenant = settings.tenant
        self.archive = archive
        self.outbox = outbox
        self._mailer = mailer

    @property
    def mailer(self) -> Mailer:
        if self._mailer is None:
            self._mailer = Mailer(smtp_server(self.config))
        return self._mailer

    # ----------------------------------------------------------------- queueing

    def _message_id(self, invoice_number: str) -> Callable[[int], str]:
        domain = (self.config.from_address or "faktura.invalid").rsplit("@", 1)[-1]
        return lambda round_: message_id(self.tenant, invoice_number, round_, domain)

    def queue(self, invoice_number: str, *, again: bool = False,
              detail: str | None = None) -> Send:
        """Queue the invoice's e-mail (`again`: a new copy, unless one is waiting already)."""
        latest = self.outbox.get(self.tenant, invoice_number)
        if again and latest is not None and latest.state in (State.QUEUED, State.FAILED):
            again = False  # the waiting one is the copy
        return self.outbox.queue(self.tenant, invoice_number, self._message_id(invoice_number),
                                 again=again, detail=detail)

    # ----------------------------------------------------------------- sending

    def send(self, invoice_numbers: Iterable[str], *, again: bool = False) -> list[Outcome]:
        """E-mail these invoices now: each one's waiting send, or its first; an invoice
        already sent (or unconfirmed) is sent again only with `again`, as a new copy."""
        smtp_server(self.config)  # no server: say so before anything is queued
        outcomes: list[Outcome] = []
        with self.outbox.sender_lock(self.tenant):
            self.outbox.recover(self.tenant)
            for number in invoice_numbers:
                entry = self.archive.get(self.tenant, number)  # NotArchived: a clear error
                if not entry.pdf_kept:
                    outcomes.append(Outcome(number, REFUSED, not_sent_here(entry)))
                    continue
                latest = self.outbox.get(self.tenant, number)
                if latest is not None and latest.state in (State.SENT, State.UNCONFIRMED) \
                        and not again:
                    outcomes.append(Outcome(number, latest.state, _done(latest)))
                    continue
                send = self.queue(number, again=again,
                                  detail="sent again on request" if again else "on request")
                outcomes.append(self._deliver(send))
        return outcomes

    def send_pending(self) -> list[Outcome]:
        """Send every waiting send (queued, or failed fewer than `MAX_ATTEMPTS` times), first
        settling what a crashed sender left."""
        smtp_server(self.config)
        with self.outbox.sender_lock(self.tenant):
            self.outbox.recover(self.tenant)
            waiting = [send for send in self.outbox.in_states(self.tenant, (State.QUEUED,
                                                                            State.FAILED))
                       if send.attempts < MAX_ATTEMPTS]
            return [self._deliver(send) for send in waiting]

    def _deliver(self, send: Send) -> Outcome:
        number = send.invoice_number
        try:
            entry = self.archive.get(self.tenant, number)
            invoice = Invoice.model_validate_json(self.archive.invoice_json(self.tenant, number))
        except NotArchived:  # queued by issuing just before archiving: it waits for that
            return Outcome(number, send.state, "waits: not archived yet")
        if not entry.pdf_kept:
            self.outbox.failed(send, not_sent_here(entry))
            return Outcome(number, State.FAILED, not_sent_here(entry))
        route = route_of(entry, invoice, self.config)
        if route.recipient is None:
            reason = (f"no e-mail address: the invoice has none; set one in [delivery.customers"
                      f".\"{entry.customer_number}\"] email")
            self.outbox.failed(send, reason)
            return Outcome(number, State.FAILED, reason)
        if not self.outbox.claim(send, route.recipient):
            return Outcome(number, send.state, "taken by another sender")
        try:
            message = self._message(send, entry, invoice, route)
            reply = self.mailer.send(message, sender=self.config.from_address or "",
                                     recipients=[route.recipient],
                                     before_commit=lambda: self.outbox.handed_over(send))
        except OutcomeUnknown as unknown:
            self.outbox.unconfirmed(send, unknown.reason)
            return Outcome(number, State.UNCONFIRMED, unknown.reason)
        except (DeliveryError, FakturaError) as error:
            reason = getattr(error, "reason", str(error))
            self.outbox.failed(send, reason)
            return Outcome(number, State.FAILED, reason)
        self.outbox.sent(send, reply)
        return Outcome(number, State.SENT, f"to {route.recipient}: {reply}")

    def _message(self, send: Send, entry: ArchiveEntry, invoice: Invoice,
                 route: Route) -> EmailMessage:
        attachments = [Attachment(f"{entry.invoice_number}.pdf",
                                  self.archive.pdf(self.tenant, entry.invoice_number),
                                  "application/pdf")]
        if route.einvoice == "email":
            attachments.append(Attachment(f"{entry.invoice_number}-{entry.xml_format}.xml",
                                          self.archive.xml(self.tenant, entry.invoice_number),
                                          "application/xml"))
        elif route.einvoice == "uniconta":
            self.outbox.note(send, "einvoice", f"the e-invoice goes by Uniconta's OIOUBL"
                                               f" sending to EAN {route.ean}, not attached")
        seller = self.settings.seller
        mail = InvoiceMail(
            language=invoice.customer.language or self.settings.layout.language,
            invoice_number=entry.invoice_number,
            credit_note=entry.document_type == "credit_note",
            issue_date=entry.issue_date, customer_name=entry.customer_name,
            total=entry.total_amount, currency=entry.currency_code, fik_line=entry.fik_line,
            seller_name=seller.name, seller_email=seller.email, seller_phone=seller.phone,
            xml_attached=route.einvoice == "email")
        return build_message(mail, sender=self.config.from_address or "",
                             recipient=route.recipient or "", message_id=send.message_id,
                             attachments=attachments, reply_to=self.config.reply_to)

    # ----------------------------------------------------------------- reading

    def routes(self) -> list[tuple[ArchiveEntry, Route]]:
        """Each customer's route, from its latest archived invoice, by customer number."""
        latest: dict[str, ArchiveEntry] = {}
        for entry in select_period(self.archive, None, self.tenant).entries:
            known = latest.get(entry.customer_number)
            if known is None or (entry.issue_date, entry.invoice_number) >= (
                    known.issue_date, known.invoice_number):
                latest[entry.customer_number] = entry
        out = []
        for customer in sorted(latest):
            entry = latest[customer]
            invoice = Invoice.model_validate_json(
                self.archive.invoice_json(self.tenant, entry.invoice_number))
            out.append((entry, route_of(entry, invoice, self.config)))
        return out


def _done(send: Send) -> str:
    if send.state == State.SENT:
        return (f"already sent {send.updated_at:%Y-%m-%d %H:%M} UTC to {send.recipient}"
                " (--again sends a new copy)")
    return f"{send.error} (--again sends a new copy)"


class AutomaticDelivery:
    """E-mails invoices as issuing archives them (`[delivery] automatic`): a background
    thread drains the outbox whenever something was queued; `close` drains it once more."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="faktura-delivery", daemon=True)
        self._thread.start()

    def queue(self, invoice_number: str) -> None:
        """Queue an invoice about to be archived (sent once it is, after `wake`)."""
        self.deliverer.queue(invoice_number, detail="issued")

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            # Read after clearing: a `close` that comes while this round sends wakes the loop
            # once more, so what was queued before it is sent, not left for the next run.
            stopping = self._stop
            try:
                for outcome in self.deliverer.send_pending():
                    log.info("invoice %s: %s %s", outcome.invoice_number, outcome.state,
                             outcome.detail)
            except Exception:  # noqa: BLE001 - the outbox keeps it; `faktura send --pending`
                log.exception("e-mailing issued invoices failed; they wait in the outbox")
            if stopping:
                return

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()


class QueueingArchive:
    """An archive that queues each invoice's e-mail as it archives it: queued first (so a
    crash in between never loses the send), the sender woken after."""

    def __init__(self, archive: ArchiveStore, automatic: AutomaticDelivery) -> None:
        self._archive = archive
        self._automatic = automatic

    def put(self, item: NewArchiveItem) -> PutResult:
        if item.pdf is None:  # Uniconta's layout, its PDF not kept: sent from Uniconta
            return self._archive.put(item)
        self._automatic.queue(item.invoice_number)
        result = self._archive.put(item)
        self._automatic.wake()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


@contextmanager
def automatic_delivery(settings: Settings, archive: ArchiveStore,
                       outbox: Outbox) -> Iterator[ArchiveStore]:
    """`archive`, queueing (in `outbox`) and e-mailing every invoice put into it until the
    context ends (it ends once the last of them was tried)."""
    automatic = AutomaticDelivery(Deliverer(settings, archive=archive, outbox=outbox))
    try:
        yield QueueingArchive(archive, automatic)  # type: ignore[misc]
    finally:
        automatic.close()
