"""Keep Uniconta's master data current: debtors, contacts, employees, projects, and the
lookups an invoice needs (items, project categories).

Written to spend as few of Uniconta's calls as possible (5,000 a day per user): what was
last sent is remembered in the ledger as a fingerprint, so a customer that did not change
costs no call at all; lookups are cached for the life of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faktura.model import Contact, Customer, Employee, Invoice, Project
from faktura.settings import Settings
from sync.posting import mapping
from sync.posting.ledger import Ledger
from sync.posting.mapping import MappingError
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

    # ----------------------------------------------------------------- lookups

    def item(self, number: str, position: int) -> Item:
        """The Uniconta item (cached); unknown or blocked items are refused before posting."""
        if number not in self._items:
            rows = self.client.query("InvItem", Item=number)
            self._items[number] = Item(
                item=number,
                decimals=int(field(rows[0], "Decimals") or 0),
                blocked=bool(field(rows[0], "Blocked")),
            ) if rows else None
        item = self._items[number]
        if item is None:
            raise MappingError(f"line {position}: item {number} does not exist in Uniconta;"
                               " create it or fix ProductNumber / the line's item number")
        if item.blocked:
            raise MappingError(f"line {position}: item {number} is blocked in Uniconta")
        return item

    def project_category(self) -> str:
        """The category for orders and lines with a project: the setting, else the
        company's default on-account-invoicing category (what Uniconta's own UI picks)."""
        if self._category is None:
            rows = self.client.query("PrCategory")
            wanted = self.settings.uniconta.project_category
            if wanted:
                if not any(field(row, "Number") == wanted for row in rows):
                    raise MappingError(f"project category {wanted!r} (settings:"
                                       " uniconta.project_category) does not exist in Uniconta")
                self._category = wanted
            else:
                defaults = [row for row in rows
                            if field(row, "CatType") == ON_ACCOUNT_INVOICING]
                defaults.sort(key=lambda row: not field(row, "IsDefault"))
                if not defaults:
                    raise MappingError(
                        "an invoice with a project needs a project category, and Uniconta has"
                        " no on-account invoicing category: set uniconta.project_category")
                self._category = str(field(defaults[0], "Number"))
        return self._category

    # ----------------------------------------------------------------- master data

    def debtor(self, customer: Customer) -> str:
        """Create or update the customer's debtor when a mapped field changed; its account."""
        fields = mapping.debtor_fields(customer, self.settings)
        account = fields["_Account"]
        self._check_customer_number(customer, account)
        stamp = mapping.fingerprint(fields)
        known = self.ledger.master(self.tenant, "debtor", account)
        if known and known[0] == stamp:
            return account
        rows = self.client.query("Debtor", Account=account)
        if not rows:
            self.client.insert("Debtor", fields)
        else:
            changed = {key: value for key, value in fields.items()
                       if not _same(field(rows[0], key), value)}
            if changed:
                self.client.patch("Debtor", {"Account": account}, changed, limit=1)
        self.ledger.remember(self.tenant, "debtor", account, stamp)
        if customer.source_id:
            self.ledger.remember(self.tenant, "customer-id", customer.source_id, stamp, account)
        return account

    def _check_customer_number(self, customer: Customer, account: str) -> None:
        """A customer whose number changed in the source is never created a second time."""
        if not customer.source_id:
            return
        known = self.ledger.master(self.tenant, "customer-id", customer.source_id)
        if known is None or known[1] == account:
            return
        old = known[1]
        # The fix the guide prescribes: change the account in Uniconta too. Accept it once done.
        if self.client.query("Debtor", Account=account) and not self.client.query(
                "Debtor", Account=old):
            return
        raise MappingError(
            f"customer {customer.name!r} (source id {customer.source_id}) was synced as debtor"
            f" {old} and now has customer number {account}. Changing the number breaks the link"
            f" to Uniconta: change debtor {old}'s account to {account} in Uniconta (or change"
            " the number back in the source system), then sync again")

    def contact(self, contact: Contact, account: str) -> int:
        """Create or update the contact (matched on e-mail, else name); its RowId."""
        fields = mapping.contact_fields(contact, account)
        key = f"{account}/{(contact.email or contact.name).lower()}"
        stamp = mapping.fingerprint(fields)
        known = self.ledger.master(self.tenant, "contact", key)
        if known and known[0] == stamp and known[1]:
            return int(known[1])
        rows = self.client.query("Contact", DCAccount=account)
        match = _match_contact(rows, contact)
        if match is None:
            row_id = int(field(self.client.insert("Contact", fields)[0], "RowId"))
        else:
            row_id = int(field(match, "RowId"))
            changed = {k: v for k, v in fields.items() if not _same(field(match, k), v)}
            if changed:
                self.client.patch("Contact", {"RowId": row_id}, changed, limit=1)
        self.ledger.remember(self.tenant, "contact", key, stamp, str(row_id))
        return row_id

    def employee(self, employee: Employee) -> str:
        """Make sure the internal reference exists as an Employee (created when missing)."""
        fields = mapping.employee_fields(employee)
        if self.ledger.master(self.tenant, "employee", employee.number):
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
        self.ledger.remember(self.tenant, "employee", employee.number,
                             mapping.fingerprint(fields))
        return employee.number

    def project(self, project: Project, account: str) -> str:
        """Make sure the project exists (default project group)."""
        fields = mapping.project_fields(project, account, self.settings)
        if self.ledger.master(self.tenant, "project", project.number):
            return project.number
        if not self.client.query("Project", Number=project.number):
            self.client.insert("Project", fields)
        self.ledger.remember(self.tenant, "project", project.number,
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
