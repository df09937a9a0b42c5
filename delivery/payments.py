"""The payment status of each issued invoice, as last read from Uniconta's open items.

Kept beside the invoice's e-mails in the delivery database (the invoice's life after it was
issued; the archive itself is append-only and sealed, so a status that changes is not in it).
One row per (tenant, invoice number): the status, the amount still open (None: no open item),
the due date Uniconta booked and when it was read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from delivery.schema import open_delivery_database, statuses
from faktura.payment import PaymentStatus
from infra.database import Target, exclusive_lock, is_url

@dataclass(frozen=True)
class StatusRecord:
    invoice_number: str
    status: PaymentStatus
    amount_open: Decimal | None
    due_date: date | None
    checked_at: datetime


class PaymentStatusStore:
    """The statuses in a SQLite file or a database URL."""

    def __init__(self, target: Target) -> None:
        self._engine: Engine = open_delivery_database(target)
        self._path = None if is_url(target) else Path(target)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> PaymentStatusStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def refreshing(self, tenant: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the tenant's refresh: one at a time across threads, processes and workers;
        yields whether it is held (without `wait`: False at once while another one runs)."""
        lock_file = (self._path.with_name(f"{self._path.stem}.status-{tenant}.lock")
                     if self._path is not None else None)
        with exclusive_lock(self._engine, f"faktura-status:{tenant}", lock_file,
                            wait=wait) as held:
            yield held

    def last_checked(self, tenant: str) -> datetime | None:
        """When the tenant's statuses were last read (None: never)."""
        with self._engine.connect() as conn:
            when = conn.execute(select(func.max(statuses.c.checked_at)).where(
                statuses.c.tenant == tenant)).scalar_one()
        if when is None:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def save(self, tenant: str, records: list[StatusRecord]) -> None:
        """Record the statuses just read (replacing what was known)."""
        if not records:
            return
        insert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        with self._engine.begin() as conn:
            for record in records:
                values = {"status": str(record.status), "checked_at": record.checked_at,
                          "amount_open": None if record.amount_open is None
                          else str(record.amount_open), "due_date": record.due_date}
                conn.execute(insert(statuses).values(
                    tenant=tenant, invoice_number=record.invoice_number, **values,
                ).on_conflict_do_update(index_elements=["tenant", "invoice_number"],
                                        set_=values))

    def of(self, tenant: str, invoice_numbers: list[str] | None = None
           ) -> dict[str, StatusRecord]:
        """The statuses known, by invoice number (all of the tenant's, or these)."""
        query = select(statuses).where(statuses.c.tenant == tenant)
        if invoice_numbers is not None:
            query = query.where(statuses.c.invoice_number.in_(invoice_numbers))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return {row.invoice_number: StatusRecord(
            row.invoice_number, PaymentStatus(row.status),
            None if row.amount_open is None else Decimal(row.amount_open), row.due_date,
            row.checked_at if row.checked_at.tzinfo else row.checked_at.replace(tzinfo=UTC))
            for row in rows}
