"""Validation and server-side defaults applied on insert and update (§4, §6(b) 9–12).

Which check raises which ErrorCodes name is emulator policy where the reference marks the real
behaviour as unverified:

* natural key blank ⇒ ``KeyIsEmpty`` (unless the group has an ``AutoNumber`` series: next number);
  duplicate (case-insensitive) ⇒ ``KeyExists``;
* Debtor.Account longer than 20 chars, or not all digits while ``digits_only_accounts`` is on,
  ⇒ ``FieldHasinvalidValue``; CompanyRegNo with blanks ⇒ ``FieldHasinvalidValue``;
* a non-blank reference (group, payment, VAT, layout group, employee, project, category, item,
  number series, debtor of a contact/project) that does not exist ⇒ ``FieldHasinvalidValue``;
  a dimension value not in ``GLDimTypeN`` (or beyond ``NumberOfDimensions``) ⇒
  ``DimensionDoesNotExist``;
* Debtor/InvItem/Project without group get the group flagged ``IsDefault``; Debtor without
  currency gets the company currency;
* DebtorOrder: debtor looked up first (missing ⇒ 400 ``Unable to find debtor with account number
  <acc>``), ``OrderNumber`` 0 ⇒ next number, and members absent from the JSON inherit from the
  debtor (currency, end discount, layout group, price list, employee, dimensions);
* DebtorOrderLine: order must exist (``CouldNotFind``), blocked item ⇒ ``ItemIsOnHold``, ``Qty``
  rounded to the item's ``Decimals`` like .NET ``Math.Round`` (half to even), blank ``Text`` ⇒
  item name, ``Price`` 0 ⇒ ``SalesPrice1``, unset ``Unit`` ⇒ item unit, ``LineNumber`` 0 ⇒ next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sync.emulator.entities import EntitySpec
from sync.emulator.errors import BadRequest, UnicontaError
from sync.emulator.settings import Faults
from sync.emulator.store import Store
from sync.emulator.wire import format_date

Row = dict[str, Any]

_DEBTOR_ORDER_INHERITED = (
    "Currency",
    "EndDiscountPct",
    "LayoutGroup",
    "PriceList",
    "Employee",
    *(f"Dimension{i}" for i in range(1, 6)),
)
_GROUPED = {"Debtor": "DebtorGroup", "InvItem": "InvGroup", "Project": "ProjectGroup"}


@dataclass
class CompanyContext:
    """One company's data as seen by one request."""

    store: Store
    company_id: int
    info: dict[str, Any]
    faults: Faults

    def get(self, entity: str, key: object) -> Row | None:
        """Row of ``entity`` whose natural key is ``key`` (case-insensitive)."""
        if key is None or str(key) == "":
            return None
        return self.store.by_key(self.company_id, entity, str(key))

    def rows(self, entity: str) -> list[Row]:
        return self.store.rows(self.company_id, entity)

    def numbered(self, entity: str, prop: str, number: object) -> list[Row]:
        """Rows of ``entity`` whose integer ``prop`` (an indexed number) equals ``number``."""
        if isinstance(number, bool) or not isinstance(number, int):
            return [r for r in self.rows(entity) if r.get(prop) == number]
        return self.store.rows_numbered(self.company_id, entity, prop, number, number)

    def default_row(self, entity: str) -> Row | None:
        """The row flagged ``IsDefault`` (groups, terms, categories), if any."""
        return next((r for r in self.rows(entity) if r.get("IsDefault")), None)

    @property
    def currency(self) -> str:
        return str(self.info.get("Currency") or "DKK")

    @property
    def dimensions(self) -> int:
        return int(self.info.get("NumberOfDimensions") or 0)


def now_text() -> str:
    return format_date(datetime.now().replace(microsecond=0))


def round_qty(qty: float, decimals: int) -> float:
    """Round like .NET ``Math.Round(qty, decimals)`` (midpoints to even)."""
    exponent = Decimal(1).scaleb(-max(0, min(decimals, 15)))
    return float(Decimal(repr(qty)).quantize(exponent, rounding=ROUND_HALF_EVEN))


def _next_from_serie(ctx: CompanyContext, serie_key: str) -> str:
    serie = ctx.get("NumberSerie", serie_key)
    if serie is None:
        raise UnicontaError("NumberSerieDoesNotExist")
    if serie.get("Blocked"):
        raise UnicontaError("NumberSerieIsBlocked")
    number = int(serie.get("Next") or serie.get("FirstValue") or 1)
    serie["Next"] = number + 1
    serie["InUse"] = True
    ctx.store.update(serie["RowId"], serie["Serie"], serie)
    return f"{serie.get('Prefix') or ''}{number}"


# -- generic checks -------------------------------------------------------------------------


def check_references(ctx: CompanyContext, entity: EntitySpec, row: Row) -> None:
    """Every non-blank reference must exist; dimension values must exist and be active."""
    for spec in entity.fields:
        value = row.get(spec.prop)
        if value in (None, ""):
            continue
        if spec.dim:
            if spec.dim > ctx.dimensions or ctx.get(f"GLDimType{spec.dim}", value) is None:
                raise UnicontaError("DimensionDoesNotExist")
        elif spec.ref and ctx.get(spec.ref, value) is None:
            raise UnicontaError("FieldHasinvalidValue")


def check_key(ctx: CompanyContext, entity: EntitySpec, row: Row, row_id: int | None) -> None:
    """Natural key present and unique."""
    if not entity.has_natural_key:
        return
    key = row.get(entity.key)
    if key in (None, "", 0):
        raise UnicontaError("KeyIsEmpty")
    existing = ctx.get(entity.name, key)
    if existing is not None and existing["RowId"] != row_id:
        raise UnicontaError("KeyExists")


def _check_debtor(ctx: CompanyContext, row: Row) -> None:
    account = str(row.get("Account") or "")
    if len(account) > 20 or account != account.strip():
        raise UnicontaError("FieldHasinvalidValue")
    if ctx.faults.digits_only_accounts and not account.isdigit():
        raise UnicontaError("FieldHasinvalidValue")
    if " " in str(row.get("CompanyRegNo") or ""):
        raise UnicontaError("FieldHasinvalidValue")


def _check_item(row: Row) -> None:
    item = str(row.get("Item") or "")
    if len(item) > 40 or any(c in item for c in ' ",'):
        raise UnicontaError("FieldHasinvalidValue")


def _apply_line_item(ctx: CompanyContext, row: Row, provided: set[str]) -> None:
    """Order-line defaults and checks that depend on the item."""
    item = ctx.get("InvItem", row.get("Item"))
    if not row.get("Item"):
        return
    if item is None:
        raise UnicontaError("FieldHasinvalidValue")
    if item.get("Blocked"):
        raise UnicontaError("ItemIsOnHold")
    row["Qty"] = round_qty(float(row.get("Qty") or 0.0), int(item.get("Decimals") or 0))
    if not row.get("Text"):
        row["Text"] = item.get("Name")
    if not row.get("Price"):
        row["Price"] = float(item.get("SalesPrice1") or 0.0)
    if "Unit" not in provided:
        row["Unit"] = item.get("Unit") or row.get("Unit")


# -- insert ---------------------------------------------------------------------------------


def debtor_for_order(ctx: CompanyContext, values: Row) -> Row:
    """rmja's debtor lookup for a DebtorOrder insert (400 text when not exactly one hit)."""
    account = str(values.get("Account") or "")
    debtor = ctx.get("Debtor", account) if account else None
    if debtor is None:
        raise BadRequest(f"Unable to find debtor with account number {account}")
    return debtor


def prepare_insert(ctx: CompanyContext, entity: EntitySpec, row: Row, provided: set[str]) -> Row:
    """Fill server-side defaults into ``row`` (a blank row updated with the input) and validate.

    ``provided`` names the members present in the input JSON. Mutates and returns ``row``.
    Writes only number-series counters (inside the caller's transaction).
    """
    if not entity.writable:
        raise UnicontaError("NoRightsToInsert")
    name = entity.name
    if "Created" in row:
        row["Created"] = now_text()

    if name == "DebtorOrder":
        debtor = debtor_for_order(ctx, row)
        row["Account"] = debtor["Account"]
        for prop in _DEBTOR_ORDER_INHERITED:
            if prop not in provided:
                row[prop] = debtor.get(prop)
        if not row.get("OrderNumber"):
            row["OrderNumber"] = next_order_number(ctx)
    elif name == "DebtorOrderLine":
        if ctx.get("DebtorOrder", row.get("OrderNumber")) is None:
            raise UnicontaError("CouldNotFind")
        _apply_line_item(ctx, row, provided)
        if not row.get("LineNumber"):
            numbers = [
                float(r.get("LineNumber") or 0)
                for r in ctx.numbered("DebtorOrderLine", "OrderNumber", row["OrderNumber"])
            ]
            row["LineNumber"] = float(int(max(numbers, default=0.0)) + 1)
    elif name == "Contact" and not row.get("DCType"):
        row["DCType"] = 1

    if name in _GROUPED:
        group_entity = _GROUPED[name]
        if not row.get("Group"):
            default = ctx.default_row(group_entity)
            if default is None:
                raise UnicontaError("FieldCannotBeBlank")
            row["Group"] = default["Group"]
        group = ctx.get(group_entity, row["Group"])
        if group is None:
            raise UnicontaError("FieldHasinvalidValue")
        if not row.get(entity.key) and group.get("AutoNumber"):
            row[entity.key] = _next_from_serie(ctx, group["AutoNumber"])
    if name == "Debtor" and not row.get("Currency"):
        row["Currency"] = ctx.currency

    validate(ctx, entity, row, row_id=None)
    return row


def next_order_number(ctx: CompanyContext) -> int:
    """Next free DebtorOrder number (never below an explicitly inserted one)."""
    from sync.emulator.fixtures import FIRST_ORDER_NUMBER

    highest = ctx.store.highest(ctx.company_id, "DebtorOrder", "OrderNumber")
    ctx.store.bump_counter(ctx.company_id, "OrderNumber", highest)
    return ctx.store.next_counter(ctx.company_id, "OrderNumber", FIRST_ORDER_NUMBER)


def validate(ctx: CompanyContext, entity: EntitySpec, row: Row, row_id: int | None) -> None:
    """Checks shared by insert and update."""
    check_key(ctx, entity, row, row_id)
    if entity.name == "Debtor":
        _check_debtor(ctx, row)
    elif entity.name == "InvItem":
        _check_item(row)
    if (
        entity.name == "Contact"
        and row.get("DCType") == 1
        and row.get("DCAccount")
        and ctx.get("Debtor", row["DCAccount"]) is None
    ):
        raise UnicontaError("FieldHasinvalidValue")
    check_references(ctx, entity, row)


# -- update / delete ------------------------------------------------------------------------


def prepare_update(ctx: CompanyContext, entity: EntitySpec, old: Row, new: Row) -> Row:
    """Validate a patched row (``new``); recomputes order-line item defaults when needed."""
    if not entity.writable:
        raise UnicontaError("NoRightsToUpdate")
    if entity.name == "DebtorOrder" and new.get("OrderNumber") != old.get("OrderNumber"):
        raise UnicontaError("PrimaryKeyCannotBeChanged")
    if entity.name == "DebtorOrderLine":
        if ctx.get("DebtorOrder", new.get("OrderNumber")) is None:
            raise UnicontaError("CouldNotFind")
        if new.get("Item") != old.get("Item") or new.get("Qty") != old.get("Qty"):
            changed_item = new.get("Item") != old.get("Item")
            provided = set() if changed_item else {"Unit"}
            if changed_item:
                new["Text"] = new.get("Text") if new.get("Text") != old.get("Text") else ""
                new["Price"] = new.get("Price") if new.get("Price") != old.get("Price") else 0.0
            _apply_line_item(ctx, new, provided)
    validate(ctx, entity, new, row_id=old["RowId"])
    return new


def delete_row(ctx: CompanyContext, entity: EntitySpec, row: Row) -> None:
    """Delete one row with Uniconta-like cascades and referential checks."""
    if not entity.writable:
        raise UnicontaError("NoRightsToDelete")
    if entity.name == "Debtor":
        account = str(row["Account"]).lower()

        def owned(other: Row, prop: str = "Account") -> bool:
            return str(other.get(prop) or "").lower() == account

        if any(owned(r) for r in ctx.rows("DebtorTrans")):
            raise UnicontaError("CouldNotDeleteRecordThatHasTransactions")
        if any(owned(r) for r in ctx.rows("DebtorOrder")) or any(
            owned(r) for r in ctx.rows("Project")
        ):
            raise UnicontaError("CouldNotDeleteRecordThatIsReferred")
        for contact in ctx.rows("Contact"):
            if contact.get("DCType") == 1 and owned(contact, "DCAccount"):
                ctx.store.delete(contact["RowId"])
    elif entity.name == "DebtorOrder":
        for line in ctx.numbered("DebtorOrderLine", "OrderNumber", row["OrderNumber"]):
            ctx.store.delete(line["RowId"])
    ctx.store.delete(row["RowId"])


def store_key(entity: EntitySpec, row: Row) -> str | None:
    """Value of the unique-key column for a row (``None`` for RowId-keyed types)."""
    return str(row[entity.key]) if entity.has_natural_key else None
