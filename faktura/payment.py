"""An issued invoice's payment status, from what the ledger says is still open.

Uniconta's open debtor items are the truth: an invoice with no open item is paid (settled),
one whose open amount equals its total is open, less is partly paid; either past its due date
is overdue. An invoice that credit notes credit in full is credited, whatever is open. A
credit note's own amounts are negative; it is open until it is settled (paid out or offset).

>>> from datetime import date
>>> payment_status(total=Decimal("100"), amount_open=Decimal("40"), due_date=date(2026, 1, 8),
...                today=date(2026, 1, 5))
<PaymentStatus.PARTLY_PAID: 'partly_paid'>
>>> payment_status(total=Decimal("100"), amount_open=None, due_date=None, today=date(2026, 1, 5))
<PaymentStatus.PAID: 'paid'>
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal


class PaymentStatus(enum.StrEnum):
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"


def payment_status(*, total: Decimal, amount_open: Decimal | None, due_date: date | None,
                   today: date, credited: Decimal = Decimal(0)) -> PaymentStatus:
    """The status of an invoice (or credit note) of `total` with `amount_open` still open
    (None: no open item) and `credited` by credit notes (their totals, as positive amounts)."""
    if total > 0 and credited >= total:
        return PaymentStatus.CREDITED
    if amount_open is None or amount_open == 0:
        return PaymentStatus.PAID
    if due_date is not None and due_date < today:
        return PaymentStatus.OVERDUE
    return PaymentStatus.OPEN if abs(amount_open) >= abs(total) else PaymentStatus.PARTLY_PAID
