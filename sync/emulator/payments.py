"""Payments in the emulator: settle a booked invoice's open item, fully or in part.

Outside the Uniconta contract (an admin action, as a bank reconciliation in Uniconta would
do it): the invoice's `DebtorTransOpen` row loses the amount paid, in the invoice currency
(`AmountOpenCur`) and pro rata in the company currency (`AmountOpen`); a settled item leaves
the table. A credit note's open item is negative: paying it out settles it the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sync.emulator.store import Store


class PaymentRefused(ValueError):
    """The payment cannot be applied (no open item, or more than is open)."""


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def pay(store: Store, company_id: int, invoice: int, amount: Decimal | None = None
        ) -> dict[str, Any]:
    """Apply a payment of `amount` (default: all that is open) to the invoice's open item;
    what is open afterwards."""
    with store.transaction():
        rows = store.rows_numbered(company_id, "DebtorTransOpen", "Invoice", invoice, invoice)
        if not rows:
            raise PaymentRefused(f"invoice {invoice} has no open item (not booked, or paid)")
        row = rows[0]
        open_cur, open_dkk = _money(row["AmountOpenCur"]), _money(row["AmountOpen"])
        paid = open_cur if amount is None else _money(amount)
        if paid == 0 or (paid > 0) != (open_cur > 0) or abs(paid) > abs(open_cur):
            raise PaymentRefused(f"amount must be between 0 and the open {open_cur}"
                                 f" {row.get('Currency') or ''}".rstrip())
        left = open_cur - paid
        if left == 0:
            store.delete(row["RowId"])
        else:
            row["AmountOpenCur"] = float(left)
            row["AmountOpen"] = float(_money(open_dkk * left / open_cur))
            store.update(row["RowId"], None, row)
    return {"invoice": invoice, "paid": str(paid), "amount_open": str(left),
            "settled": left == 0}
