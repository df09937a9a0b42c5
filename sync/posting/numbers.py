"""The invoice numbers Uniconta will give: read before posting, so that a number the FI line
cannot carry is refused before anything is booked (docs/refusals.md).

Uniconta numbers each invoice from its debtor group's number series. `InvoiceNumbers` reads
the series' next number once per run (`sync.uniconta.setup.next_invoice_number`, two reads on
either transport, shared with the setup doctor)
and then counts on: each invoice prepared takes one, each posting shows where the series
stands. Only invoices that carry an FI payment ID (a creditor number, card type 71 or 75) are
checked.
"""

from __future__ import annotations

from faktura import fik
from faktura.computed import ComputedInvoice
from faktura.errors import InvalidInput
from faktura.model import Customer
from faktura.settings import Settings
from sync.posting.mapping import MappingError
from sync.uniconta.gateway import GatewayClient
from sync.uniconta.setup import SetupReader, next_invoice_number

#: The card type that carries the longest payment ID.
LONGEST = "75"


def group_field(customer: Customer) -> str:
    """Where the customer's debtor group comes from: its own, else the setting."""
    return "customer.group" if customer.group else "uniconta.debtor_group"


class InvoiceNumbers:
    """The next invoice number per debtor group, for one run of one engine."""

    def __init__(self, client: GatewayClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._reader = SetupReader(client)
        self._next: dict[str, int | None] = {}

    def _group(self, customer: Customer) -> str:
        return customer.group or self.settings.uniconta.debtor_group or ""

    def check(self, computed: ComputedInvoice, *, take: bool = True) -> None:
        """Take the number this invoice will get (`take=False`: only look at it, for a draft
        booked later, at a number no lower); refuse it when its FI payment ID cannot carry
        that number, naming the setting to change."""
        card = self.settings.layout.fi_card_type
        id_length = fik.CARD_TYPES[card].ID_LENGTH
        if self.settings.integration.fi_creditor_number is None or id_length is None:
            return
        group = self._group(computed.invoice.customer)
        if group not in self._next:
            self._next[group] = next_invoice_number(self._reader, group or None)
        number = self._next[group]
        if number is None:  # no series: Uniconta refuses the posting and says so
            return
        if take:
            self._next[group] = number + 1
        try:
            computed.numbered(str(number), self.settings)
        except InvalidInput:
            digits, longest = len(str(number)), fik.CARD_TYPES[LONGEST].ID_LENGTH or 0
            if digits < longest:
                where = "layout.fi_card_type"
                fix = f"set it to {LONGEST} (payment IDs of up to {longest - 1} digits)"
            else:
                where = group_field(computed.invoice.customer)
                fix = "restart this debtor group's invoice number series in Uniconta"
            raise MappingError(where, (
                f"Uniconta's next invoice number has {digits} digits, more than the"
                f" {id_length - 1} an FI card {card} payment ID holds, so the invoice could not"
                f" carry its FI line: {fix}")) from None

    def posted(self, computed: ComputedInvoice, number: int) -> None:
        """A posted number shows where the group's series stands."""
        group = self._group(computed.invoice.customer)
        known = self._next.get(group)
        if known is not None and number >= known:
            self._next[group] = number + 1
