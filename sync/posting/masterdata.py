"""Keep Uniconta's master data current: debtors, contacts, employees, projects, and the
lookups an invoice needs (items, project categories).

A field removed in the source (a phone number, an e-mail, a VAT number, an address line) is
removed in Uniconta too: the source owns those fields (`mapping.CLEARABLE_DEBTOR_FIELDS`).

Written to spend as few of Uniconta's calls as possible (5,000 a day per user): what was
last sent is remembered in the ledger as a fingerprint, so a customer that did not change
costs no call at all; lookups are cached for the life of the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from faktura.model import Contact, Customer, Employee, Invoice, InvoiceLine, Project
from faktura.settings import Settings
from sync.posting import mapping
from sync.posting.catalogue import blocked_item, unknown_item
from sync.posting.ledger import Ledger
from sync.posting.mapping import MappingError
from sync.posting.numbers import group_field
from sync.uniconta.errors import UnicontaError
from sync.uniconta.gateway import GatewayClient
from sync.uniconta.wire import field

ON_ACCOUNT_INVOICING = "OnAccountInvoicing"


@dataclass(frozen=True)
class Item:
    item: str
    decimals: int
    blocked: bool


class MasterData:
    """Master data for one tenant through one gateway client."""

    def __init__(self, client: GatewayClient, ledger: Ledger, settings: Settings) -> None:
        self.client = client
        self.ledger = ledger
        self.settings = settings
        self.tenant = settings.tenant
        self._items: dict[str, Item | None] = {}
        self._category: str | None = None
        self._employees: set[str] | None = None
        self._terms: dict[str, int] | None = None
        self._snapshot: dict[tuple[str, str], tuple[str, str | None]] | None = None

    # ----------------------------------------------------------------- what was sent

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read what was last sent from one read of the ledger while the block runs (a
        bulk posting, under the posting lock: no one else writes it meanwhile)."""
        self._snapshot = self.ledger.masters(self.tenant)
        try:
            yield
        finally:
            self._snapshot = None

    def _known(self, kind: str, key: str) -> tuple[str, str | None] | None:
        if self._snapshot is not None:
            return self._snapshot.get((kind, key))
        return self.ledger.master(self.tenant, kind, key)

    def _remember(self, kind: str, key: str, fingerprint: str,
                  reference: str | None = None) -> None:
        self.ledger.remember(self.tenant, kind, key, fingerprint, reference)
        if self._snapshot is not None:
            self._snapshot[(kind, key)] = (fingerprint, reference)

    # ----------------------------------------------------------------- lookups

    def item(self, number: str, line: InvoiceLine, position: int) -> Item:
        """The Uniconta item of a line (cached); unknown or blocked items are refused before
        posting, naming the line's item number or the setting that names the item."""
        if number not in self._items:
            rows = self.client.query("InvItem", Item=number)
            self._items[number] = Item(
                item=number,
                decimals=int(field(rows[0], "Decimals") or 0),
                blocked=bool(field(rows[0], "Blocked")),
            ) if rows else None
        item = self._items[number]
        if item is None:
            raise MappingError([unknown_item(line, position, number, self.settings)])
        if item.blocked:
            raise MappingError([blocked_item(line, position, number, self.settings)])
        return item

    def project_category(self) -> str:
        """The category for orders and lines with a project: the setting, else the
        company's default on-account-invoicing category (what Uniconta's own UI picks)."""
        if self._category is None:
            rows = self.client.query("PrCategory")
            wanted = self.settings.uniconta.project_category
            if wanted:
                if not any(field(row, "Number") == wanted for row in rows):
                    raise MappingError("uniconta.project_category",
                                       "names a project category Uniconta does not have")
                self._category = wanted
            else:
                defaults = [row for row in rows
                            if field(row, "CatType") == ON_ACCOUNT_INVOICING]
                defaults.sort(key=lambda row: not field(row, "IsDefault"))
                if not defaults:
                    raise MappingError(
                        "uniconta.project_category",
                        "must be set: an invoice with a project needs a project category, and"
                        " Uniconta has no on-account invoicing category")
                self._category = str(field(defaults[0], "Number"))
        return self._category

    def payment_term(self, days: int) -> str:
        """The Uniconta payment term of `days` days (the configured one when it has them).

        Looked up once and remembered in the ledger (no call on later runs); the check after
        posting catches a term whose days were changed in Uniconta since.
        """
        key = str(days)
        known = self._known("payment-term", key)
        if known and known[1]:
            return known[1]
        if self._terms is None:
            self._terms = {str(field(row, "Payment")): int(field(row, "Days") or 0)
                           for row in self.client.query("PaymentTerm")}
        configured = self.settings.uniconta.payment_terms
        if configured and self._terms.get(configured) == days:
            term = configured
        else:
            matching = sorted(name for name, term_days in self._terms.items()
                              if term_days == days)
            if not matching:
                raise MappingError(
                    "due_date",
                    f"the invoice is due {days} days after its issue date, and Uniconta has no"
                    f" payment term of {days} days, so Uniconta would book another due date"
                    f" than the invoice prints: create one in Uniconta (e.g. Netto{days}), or"
                    " change the due date / TermsOfPayment")
            term = matching[0]
        self._remember("payment-term", key, "-", term)
        return term

    # ----------------------------------------------------------------- master data

    def debtor(self, customer: Customer) -> str:
        """Create or update the customer's debtor when a mapped field changed; its account."""
        fields = mapping.debtor_fields(customer, self.settings)
        account = fields["_Account"]
        self._check_customer_number(customer, account)
        stamp = mapping.fingerprint(fields)
        known = self._known("debtor", account)
        if known and known[0] == stamp:
            return account
        rows = self.client.query("Debtor", Account=account)
        try:
            if not rows:
                self.client.insert("Debtor", fields)
            else:
                ops = _changes(rows[0], fields, mapping.CLEARABLE_DEBTOR_FIELDS)
                if ops:
                    self.client.patch("Debtor", {"Account": account}, ops, limit=1)
        except UnicontaError as error:
            if error.code != "FieldHasinvalidValue":
                raise
            raise self._invalid_debtor_reference(customer, fields) or error from None
        self._remember("debtor", account, stamp)
        if customer.source_id:
            self._remember("customer-id", customer.source_id, stamp, account)
        return account

    def _invalid_debtor_reference(self, customer: Customer,
                                  fields: dict[str, Any]) -> MappingError | None:
        """Uniconta refused the debtor for a value it does not know: which reference it is
        (a read per reference, only after such a refusal); None when none is missing."""
        references = (
            ("_Group", "DebtorGroup", "Group", "debtor group", group_field(customer)),
            ("_Payment", "PaymentTerm", "Payment", "payment term", "uniconta.payment_terms"),
            ("_LayoutGroup", "DebtorLayoutGroup", "Name", "layout group",
             "uniconta.layout_group"),
        )
        for key, entity, name, what, where in references:
            value = fields.get(key)
            if value is not None and not self.client.query(entity, **{name: value}):
                return MappingError(where, (
                    f"names a {what} Uniconta does not have (Uniconta refused the debtor:"
                    f" FieldHasinvalidValue): create it in Uniconta or name another"))
        return None

    def _check_customer_number(self, customer: Customer, account: str) -> None:
        """A customer whose number changed in the source is never created a second time."""
        if not customer.source_id:
            return
        known = self._known("customer-id", customer.source_id)
        if known is None or known[1] == account:
            return
        old = known[1]
        # The fix the guide prescribes: change the account in Uniconta too. Accept it once done.
        if self.client.query("Debtor", Account=account) and not self.client.query(
                "Debtor", Account=old):
            return
        raise MappingError(
            mapping.CUSTOMER_NUMBER,
            f"has changed since the customer (source id {customer.source_id}) was synced as"
            f" debtor {old}; changing the number breaks the link to Uniconta: change debtor"
            f" {old}'s account to the new number in Uniconta (or change the number back in"
            " the source system), then sync again")

    def contact(self, contact: Contact, account: str) -> int:
        """Create or update the contact (matched on e-mail, else name); its RowId."""
        fields = mapping.contact_fields(contact, account)
        key = f"{account}/{(contact.email or contact.name).lower()}"
        stamp = mapping.fingerprint(fields)
        known = self._known("contact", key)
        if known and known[0] == stamp and known[1]:
            return int(known[1])
        rows = self.client.query("Contact", DCAccount=account)
        match = _match_contact(rows, contact)
        if match is None:
            row_id = int(field(self.client.insert("Contact", fields)[0], "RowId"))
        else:
            row_id = int(field(match, "RowId"))
            ops = _changes(match, fields, mapping.CLEARABLE_CONTACT_FIELDS)
            if ops:
                self.client.patch("Contact", {"RowId": row_id}, ops, limit=1)
        self._remember("contact", key, stamp, str(row_id))
        return row_id

    def employee(self, employee: Employee) -> str:
        """Make sure the internal reference exists as an Employee (created when missing)."""
        fields = mapping.employee_fields(employee)
        if self._known("employee", employee.number):
            return employee.number
        if self._employees is None:
            self._employees = {str(field(row, "Number"))
                               for row in self.client.query("Employee")}
        if employee.number not in self._employees:
            try:
                self.client.insert("Employee", fields)
            except UnicontaError as error:
                # Made since the list was read — e.g. by an insert whose answer was lost, or
                # with another letter case (Uniconta keys ignore case): it exists, use it.
                if error.code not in ("KeyExists", "RecordExists"):
                    raise
            self._employees.add(employee.number)
        self._remember("employee", employee.number,
                             mapping.fingerprint(fields))
        return employee.number

    def project(self, project: Project, account: str) -> str:
        """Make sure the project exists (default project group)."""
        fields = mapping.project_fields(project, account, self.settings)
        if self._known("project", project.number):
            return project.number
        if not self.client.query("Project", Number=project.number):
            self.client.insert("Project", fields)
        self._remember("project", project.number,
                             mapping.fingerprint(fields))
        return project.number

    def ensure_for(self, invoice: Invoice) -> tuple[str, int | None]:
        """All master data the invoice refers to; (debtor account, contact RowId)."""
        account = self.debtor(invoice.customer)
        contact_row = self.contact(invoice.contact, account) if invoice.contact else None
        if invoice.internal_reference:
            self.employee(invoice.internal_reference)
        if invoice.project:
            self.project(invoice.project, account)
        return account, contact_row


def _changes(row: dict[str, Any], fields: dict[str, Any],
             clearable: tuple[str, ...]) -> list[dict[str, Any]]:
    """JSON Patch ops that make `row` say what `fields` say: replace what differs, remove a
    clearable field the source no longer has."""
    ops: list[dict[str, Any]] = [{"op": "replace", "path": f"/{key}", "value": value}
                                 for key, value in fields.items()
                                 if not _same(field(row, key), value)]
    ops += [{"op": "remove", "path": f"/{key}"} for key in clearable
            if key not in fields and not _same(field(row, key), None)]
    return ops


def _same(current: Any, wanted: Any) -> bool:
    if current is None or current == "":
        return wanted is None or wanted == ""
    return str(current) == str(wanted)


def _match_contact(rows: list[dict[str, Any]], contact: Contact) -> dict[str, Any] | None:
    if contact.email:
        for row in rows:
            if (field(row, "Email") or "").lower() == contact.email.lower():
                return row
    for row in rows:
        if (field(row, "Name") or "").strip().lower() == contact.name.lower():
            return row
    return None
