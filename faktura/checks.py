"""The checks that can refuse a computed invoice, before anything is booked.

Pure functions over a `ComputedInvoice` and the `Settings`: each raises `InvalidInput` naming
the field and the fix. The issuing pipeline runs them (and the checks that need the archive or
the item catalogue) before the first Uniconta call, so a refused invoice leaves nothing behind:
no order, no booked invoice, no archive entry.
"""

from __future__ import annotations

from collections.abc import Callable

from faktura.computed import ComputedInvoice
from faktura.errors import InvalidInput, Problem
from faktura.settings import LINE_KINDS, Settings

#: Given an item number, whether Uniconta books it with VAT (None: not known).
ItemVat = Callable[[str], bool | None]


def check_totals(computed: ComputedInvoice) -> None:
    """An invoice never asks for a negative amount: that is a credit note."""
    totals = computed.totals
    if totals.line_total < 0 or totals.total_with_vat < 0:
        raise InvalidInput("invoice", [Problem(
            "lines", "the total is negative: issue a credit note (type_code 381) instead")])


def check_something_to_book(computed: ComputedInvoice) -> None:
    """An invoice books at least one line with a quantity: Uniconta refuses one without
    (`NoLinesToUpdate`), and only after its debtor and order were made."""
    if not any(line.line.quantity for line in computed.lines if not line.is_text):
        raise InvalidInput("invoice", [Problem(
            "lines", "no line has a quantity, so there is nothing to book: give a line a"
                     " quantity, or do not issue the invoice")])


def check_credit_note(computed: ComputedInvoice, *, credited_customer: str | None,
                      credited_is_credit_note: bool = False) -> None:
    """A credit note credits an invoice of the same customer (`credited_customer`: the
    customer number of the credited invoice as issued here; None when it was not — the sync
    engine then asks Uniconta, before anything is written)."""
    if not computed.is_credit_note or credited_customer is None:
        return
    if credited_is_credit_note:
        raise InvalidInput("invoice", [Problem(
            "preceding_invoice_reference",
            "names a credit note: a credit note credits an invoice")])
    if credited_customer != computed.invoice.customer.customer_number:
        raise InvalidInput("invoice", [Problem(
            "preceding_invoice_reference",
            "names an invoice of another customer: a credit note credits an invoice of its"
            " own customer")])


def configured_item_vat(settings: Settings) -> dict[str, bool]:
    """The items the settings name, with the VAT they stand for (ProductNumber with VAT,
    ProductNumberExVat without, and the `[products]` defaults likewise)."""
    integration = settings.integration
    out: dict[str, bool] = {}
    for kind in LINE_KINDS:
        products = settings.products.for_kind(kind)
        if products.default:
            out.setdefault(products.default, True)
        if products.default_ex_vat:
            out.setdefault(products.default_ex_vat, False)
    out.setdefault(integration.product_number, True)
    out.setdefault(integration.product_number_ex_vat, False)
    return out


def check_line_vat(computed: ComputedInvoice, settings: Settings, *,
                   item_of: Callable[[int], str | None],
                   item_vat: ItemVat | None = None) -> None:
    """Each line's VAT flag agrees with the VAT of the item it is booked with.

    `item_of(position)` is the item a line is posted with. `item_vat` (from an imported item
    catalogue: the item group's sales VAT) decides when it knows the item; otherwise the
    configured ProductNumber / ProductNumberExVat (and `[products]` defaults) do.
    """
    configured = configured_item_vat(settings)
    problems = []
    for line in computed.lines:
        if line.is_text:
            continue
        item = item_of(line.position)
        if item is None:
            continue
        with_vat = item_vat(item) if item_vat is not None else None
        if with_vat is None:
            with_vat = configured.get(item)
        if with_vat is None:
            continue
        flagged = not line.is_vat_free  # exempt (E) and reverse charge (AE) carry no VAT
        if with_vat != flagged:
            problems.append(Problem(
                f"lines[{line.position - 1}].vat",
                f"is {str(flagged).lower()}, but item {item} is booked in Uniconta"
                f" {'with' if with_vat else 'without'} VAT: fix the line's VAT flag or its"
                " item number"))
    if problems:
        raise InvalidInput("invoice", problems)
