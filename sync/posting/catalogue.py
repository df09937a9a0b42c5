"""Product numbers: Uniconta's items in a local catalogue, and the product-number principle.

The TimeLog guide's product-number setup has three steps; here they are:

1. **Import** — `faktura import items` reads every `InvItem` (Item, Name, Group, Unit,
   Decimals, Blocked, SalesPrice1) and every `InvGroup` (its sales VAT code says whether the
   group's items are booked with VAT) — two calls — into the catalogue,
   `<state_dir>/catalogue.sqlite`.
2. **Principle** — `[products.<kind>] principle`: per kind of invoice line, whether the line's
   own product number (TimeLog `ProductNo`) wins (`"line"`) or the kind's default is always
   used (`"default"`).
3. **Defaults** — `[products.<kind>] default` / `default_ex_vat`: the item per kind, by VAT.
   `ProductNumber` / `ProductNumberExVat` stay the last fallback, by the line's VAT.

Why SQLite and not a JSON file: a re-import replaces the whole catalogue in one transaction
(a reader sees the old or the new one, never a mix), it sits next to the posting ledger in
the state directory, is keyed by tenant, and a lookup per line needs no parsing of the lot.

Where a line's *kind* comes from: the invoice model has no kind field (yet), so
`line_kind` reads a `kind` attribute when the model grows one (TimeLog line key `Kind`),
and otherwise infers it from the unit: a time unit (timer, hours, dage, min …) is `hours`,
anything else `other`. `expenses`, `travel` and `fixed_price` therefore need that field.

Before anything is sent, the engine calls `check_items` once per invoice, opening the
catalogue once: `check_line_vat` refuses a line whose VAT flag contradicts its item (the
catalogue's item group decides; without a catalogue the configured ProductNumber /
ProductNumberExVat do), and `check_invoice_items` refuses an invoice with a line whose item is
missing from the catalogue or blocked there (when a catalogue exists).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from faktura import checks, units
from faktura.computed import ComputedInvoice
from faktura.errors import FakturaError, Problem
from faktura.model import Invoice, InvoiceLine
from infra.private import private_file
from faktura.settings import LINE_KINDS, Settings
from infra.database import open_database
from infra.migrations import open_embedded, sqlite_at_head
from sync.posting.mapping import MappingError, line_field, quantity_for_item
from sync.uniconta.gateway import GatewayClient
from sync.uniconta.wire import field, to_decimal

CATALOGUE_FILE = "catalogue.sqlite"
_TIME_UNITS = frozenset({"Hours", "Minutes", "Days"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    tenant TEXT NOT NULL,
    item TEXT NOT NULL,
    name TEXT NOT NULL,
    item_group TEXT,
    unit TEXT,
    decimals INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    sales_price1 TEXT,
    sales_vat TEXT,
    PRIMARY KEY (tenant, item)
);
CREATE TABLE IF NOT EXISTS imports (
    tenant TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL,
    items INTEGER NOT NULL
);
"""


def _create_all(conn: Connection) -> None:
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


class CatalogueError(FakturaError):
    """The item catalogue cannot be read or written; the message says why."""


@dataclass(frozen=True)
class CatalogueItem:
    """One Uniconta item as imported (the guide's Product numbers table plus posting facts)."""

    item: str
    name: str
    group: str | None
    unit: str | None
    decimals: int
    blocked: bool
    sales_price1: Decimal | None
    sales_vat: str | None = None  # the item group's sales VAT code; "" = none; None = unknown

    @property
    def with_vat(self) -> bool | None:
        """Whether Uniconta books this item with VAT (None: not known, an older import)."""
        return None if self.sales_vat is None else bool(self.sales_vat)

    @classmethod
    def from_row(cls, row: Mapping[str, Any],
                 group_vat: Mapping[str, str] | None = None) -> CatalogueItem:
        """From an `InvItem` gateway row (either wire spelling); `group_vat` maps each item
        group to its sales VAT code."""
        number = field(row, "Item")
        if not number:
            raise CatalogueError("Uniconta returned an item without an item number")
        unit = field(row, "Unit")
        return cls(
            item=str(number),
            name=str(field(row, "Name") or ""),
            group=field(row, "Group") or None,
            unit=None if unit in (None, "", "None", 0) else str(unit),
            decimals=int(field(row, "Decimals") or 0),
            blocked=bool(field(row, "Blocked")),
            sales_price1=to_decimal(field(row, "SalesPrice1")),
            sales_vat=None if group_vat is None else group_vat.get(
                str(field(row, "Group") or ""), ""),
        )

    def timelog(self) -> dict[str, Any]:
        """The guide's Product numbers table, TimeLog side: ProductNo, Name, Description."""
        return {"ProductNo": self.item, "Name": self.name, "Description": None}

    def as_dict(self) -> dict[str, Any]:
        return {"Item": self.item, "Name": self.name, "Group": self.group, "Unit": self.unit,
                "Decimals": self.decimals, "Blocked": self.blocked,
                "SalesPrice1": None if self.sales_price1 is None else str(self.sales_price1)}


@dataclass(frozen=True)
class ImportResult:
    """What a re-import changed: items new in Uniconta, vanished from it, or changed."""

    items: list[CatalogueItem]
    added: list[str]
    removed: list[str]
    changed: list[str]


class Catalogue:
    """The local item catalogue (one SQLite file, one catalogue per tenant)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            private_file(path)
            with closing(self._connect()) as conn:
                current = sqlite_at_head(conn, "catalogue")
            if not current:  # a new file, or one from before a migration
                engine = open_database(path)
                try:
                    open_embedded(engine, "catalogue", _create_all)
                finally:
                    engine.dispose()
        except (OSError, sqlite3.Error, SQLAlchemyError) as error:
            raise CatalogueError(f"item catalogue {path}: {error}") from None

    @classmethod
    def for_settings(cls, settings: Settings) -> Catalogue:
        return cls(settings.state_dir / CATALOGUE_FILE)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def replace(self, tenant: str, items: Iterable[CatalogueItem]) -> ImportResult:
        """Replace the tenant's catalogue with `items` in one transaction."""
        new = {item.item: item for item in items}
        old = {item.item: item for item in self.all(tenant)}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with closing(self._connect()) as conn, conn:
                conn.execute("DELETE FROM items WHERE tenant = ?", (tenant,))
                conn.executemany(
                    "INSERT INTO items (tenant, item, name, item_group, unit, decimals,"
                    " blocked, sales_price1, sales_vat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(tenant, i.item, i.name, i.group, i.unit, i.decimals, int(i.blocked),
                      None if i.sales_price1 is None else str(i.sales_price1), i.sales_vat)
                     for i in new.values()])
                conn.execute(
                    "INSERT INTO imports VALUES (?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET"
                    " imported_at = excluded.imported_at, items = excluded.items",
                    (tenant, now, len(new)))
        except sqlite3.Error as error:
            raise CatalogueError(f"item catalogue {self.path}: {error}") from None
        return ImportResult(
            items=sorted(new.values(), key=lambda i: i.item),
            added=sorted(set(new) - set(old)),
            removed=sorted(set(old) - set(new)),
            changed=sorted(k for k in set(new) & set(old) if new[k] != old[k]),
        )

    def imported_at(self, tenant: str) -> datetime | None:
        """When the tenant's catalogue was last imported (None: never)."""
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT imported_at FROM imports WHERE tenant = ?",
                               (tenant,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def get(self, tenant: str, item: str) -> CatalogueItem | None:
        with closing(self._connect()) as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM items WHERE tenant = ? AND item = ?",
                               (tenant, item)).fetchone()
        return _item(row) if row else None

    def all(self, tenant: str) -> list[CatalogueItem]:
        with closing(self._connect()) as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM items WHERE tenant = ? ORDER BY item",
                                (tenant,)).fetchall()
        return [_item(row) for row in rows]


_COLUMNS = "item, name, item_group, unit, decimals, blocked, sales_price1, sales_vat"


def _item(row: tuple[Any, ...]) -> CatalogueItem:
    item, name, group, unit, decimals, blocked, price, sales_vat = row
    return CatalogueItem(item, name, group, unit, int(decimals), bool(blocked),
                         Decimal(price) if price is not None else None, sales_vat)


def import_items(client: GatewayClient, catalogue: Catalogue, tenant: str) -> ImportResult:
    """Step 1: read all of Uniconta's items and item groups (two calls) into the catalogue."""
    group_vat = {str(field(row, "Group")): str(field(row, "SalesVat") or "")
                 for row in client.query("InvGroup")}
    rows = client.query("InvItem")
    items = [CatalogueItem.from_row(row, group_vat) for row in rows]
    return catalogue.replace(tenant, items)


# --------------------------------------------------------------------------- the principle


def line_kind(line: InvoiceLine) -> str:
    """The line's kind: its `kind` attribute if the model has one, else inferred from the unit."""
    kind = getattr(line, "kind", None)
    if kind:
        return str(kind)
    unit = units.find(line.unit)
    return "hours" if unit is not None and unit.uniconta in _TIME_UNITS else "other"


def item_for(kind: str, vat: bool, settings: Settings, line_item: str | None = None,
             position: int | None = None) -> str:
    """The item a line of `kind` is posted with (steps 2 and 3; ProductNumber(ExVat) last).

    `line_item` is the line's own product number; it wins under the `"line"` principle.
    `position` (1-based) names the line in a refusal.
    """
    if kind not in LINE_KINDS:
        raise MappingError(line_field(position, "kind") if position else "kind",
                           f"is not a kind of invoice line (known: {', '.join(LINE_KINDS)})")
    products = settings.products.for_kind(kind)
    if products.principle == "line" and line_item:
        return line_item
    configured = products.default if vat else products.default_ex_vat
    if configured:
        return configured
    integration = settings.integration
    return integration.product_number if vat else integration.product_number_ex_vat


def item_of_line(line: InvoiceLine, settings: Settings, position: int | None = None
                 ) -> str | None:
    """The item of one invoice line (None for a text line); `position` (1-based) names the
    line in a refusal."""
    if line.is_text:
        return None
    return item_for(line_kind(line), line.vat, settings, line_item=line.item_number,
                    position=position)


def item_field(line: InvoiceLine, position: int, item: str, settings: Settings) -> str:
    """Where the item a line is posted with comes from: the line's own item number, else the
    setting that names it (`integration.ProductNumber`, `products.hours.default` …)."""
    if line.item_number == item:
        return line_field(position, "item_number")
    where = configured_items(settings).get(item, "ProductNumber")
    return where if where.startswith("products.") else f"integration.{where}"


def unknown_item(line: InvoiceLine, position: int, item: str, settings: Settings,
                 since: str = "") -> Problem:
    """The problem of a line whose item Uniconta does not have (`since`: when it was read)."""
    where = item_field(line, position, item, settings)
    fix = ("fix the line's item number" if where.startswith("lines[")
           else f"fix {where} in the settings")
    return Problem(where, f"names an item Uniconta does not have{since}: create it in"
                          f" Uniconta (then run `faktura import items`) or {fix}")


def blocked_item(line: InvoiceLine, position: int, item: str, settings: Settings) -> Problem:
    return Problem(item_field(line, position, item, settings),
                   "names an item that is blocked in Uniconta; unblock it or choose another"
                   " item")


def check_invoice_items(invoice: Invoice, catalogue: Catalogue, settings: Settings) -> None:
    """Refuse the invoice, before anything is sent, if a line's item is unknown or blocked in
    the catalogue, or its quantity does not fit the item's decimals."""
    imported = catalogue.imported_at(settings.tenant)
    problems: list[Problem] = []
    for position, line in enumerate(invoice.lines, start=1):
        number = item_of_line(line, settings, position)
        if number is None:
            continue
        item = catalogue.get(settings.tenant, number)
        if item is None:
            when = f" (item catalogue of {imported:%Y-%m-%d %H:%M} UTC)" if imported else ""
            problems.append(unknown_item(line, position, number, settings, when))
        elif item.blocked:
            problems.append(blocked_item(line, position, number, settings))
        else:
            try:
                quantity_for_item(line, position, number, item.decimals)
            except MappingError as error:
                problems.extend(error.problems)
    if problems:
        raise MappingError(problems)


def imported_catalogue(settings: Settings) -> Catalogue | None:
    """The tenant's item catalogue, or None when none was imported."""
    path = settings.state_dir / CATALOGUE_FILE
    if not path.exists():
        return None
    catalogue = Catalogue(path)
    return catalogue if catalogue.imported_at(settings.tenant) is not None else None


def check_line_vat(computed: ComputedInvoice, settings: Settings,
                   catalogue: Catalogue | None) -> None:
    """Refuse a line whose VAT flag contradicts the item it is booked with: the imported
    catalogue's item group decides, else the configured items (`checks.check_line_vat`)."""

    def item_vat(number: str) -> bool | None:
        item = catalogue.get(settings.tenant, number) if catalogue else None
        return item.with_vat if item else None

    checks.check_line_vat(
        computed, settings,
        item_of=lambda position: item_of_line(computed.lines[position - 1].line, settings,
                                              position),
        item_vat=item_vat)


def check_items(computed: ComputedInvoice, settings: Settings) -> None:
    """Refuse the invoice if a line contradicts the item it is booked with: its VAT flag
    (`check_line_vat`), and, when the tenant has imported a catalogue, the item itself
    (`check_invoice_items`). Opens the catalogue once; costs no Uniconta call. (Without a
    catalogue the engine still checks each item live.)"""
    catalogue = imported_catalogue(settings)
    check_line_vat(computed, settings, catalogue)
    if catalogue is not None:
        check_invoice_items(computed.invoice, catalogue, settings)


def configured_items(settings: Settings) -> dict[str, str]:
    """Every item the settings name, with where: {"1000": "ProductNumber", ...}."""
    out = {settings.integration.product_number: "ProductNumber",
           settings.integration.product_number_ex_vat: "ProductNumberExVat"}
    for kind in LINE_KINDS:
        products = settings.products.for_kind(kind)
        if products.default:
            out.setdefault(products.default, f"products.{kind}.default")
        if products.default_ex_vat:
            out.setdefault(products.default_ex_vat, f"products.{kind}.default_ex_vat")
    return out


def check_configured_items(catalogue: Catalogue, settings: Settings) -> list[str]:
    """Problems with the items the settings name: missing from or blocked in the catalogue."""
    problems = []
    for number, where in configured_items(settings).items():
        item = catalogue.get(settings.tenant, number)
        if item is None:
            problems.append(f"{where} names item {number}, which Uniconta does not have")
        elif item.blocked:
            problems.append(f"{where} names item {number}, which is blocked in Uniconta")
    return problems
