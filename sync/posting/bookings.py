"""The booking record: which invoices booked in Uniconta Faktura has issued, and where it is.

Beside the posting ledger (same SQLite file or PostgreSQL database), keyed by tenant:

* `bookings` — one row per booked invoice number Faktura has dealt with: `issued` (archived),
  `attention` (booked but cannot be issued as booked: the reason says why; `faktura follow
  --retry N` tries again) or `skipped` (made in Uniconta itself, and the settings do not issue
  those). `differences` holds what the bookkeeper changed against the Faktura source invoice.
* `drafted_sources` — the source invoice of each draft Faktura left in Uniconta (its JSON),
  so the booking can be compared with it and issued with the buyer's details.
* `follow_cursors` — the highest invoice number the poll has dealt with.

`follower` holds the tenant's poll (one round at a time, wherever it runs); `claim` holds
one invoice number while it is issued (checked, rendered, archived, recorded),
so that two threads or processes never issue the same number at once while different numbers
render side by side. The claim is a lock, not a row: a holder that dies releases it, and the
next round finds the number unrecorded (or archived) and finishes it.

The tables belong to the ledger's schema (its metadata and its migration branch).
Issuing is exactly once per invoice number: the archive is written before the row says
`issued`, and a re-run first asks the archive (see `issuing.booked`).
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from infra.database import Target, exclusive_lock, is_url, open_database
from infra.migrations import open_embedded
from sync.posting.ledger import metadata  # one schema, one migration branch ("ledger")


#: Lock files a SQLite ledger spreads the claims over (two numbers rarely share one).
CLAIM_STRIPES = 64


class BookingState(enum.StrEnum):
    ISSUED = "issued"
    ATTENTION = "attention"
    SKIPPED = "skipped"


bookings = Table(
    "bookings", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("invoice_number", String(20), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("source_id", String(200)),
    Column("reason", Text),
    Column("differences", Text),  # one per line: what the booking changed against the source
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

drafted_sources = Table(
    "drafted_sources", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("source_id", String(200), primary_key=True),
    Column("order_number", Integer),
    Column("invoice_json", Text, nullable=False),
)

follow_cursors = Table(
    "follow_cursors", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("last_invoice_number", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class BookingRecord:
    tenant: str
    invoice_number: str
    state: BookingState
    source_id: str | None
    reason: str | None
    differences: tuple[str, ...]
    attempts: int
    updated_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class Bookings:
    """The booking record in a SQLite file or a database URL (safe for several processes)."""

    def __init__(self, target: Target) -> None:
        self._engine: Engine = open_database(target)
        self._claims: Path | None = None if is_url(target) else \
            Path(target).with_suffix(".claims")
        if self._engine.dialect.name == "sqlite":  # the embedded default: the ledger's file
            open_embedded(self._engine, "ledger", metadata.create_all)
        # A ledger file made by a ledger opened before this module was imported is stamped
        # at the branch's head without these tables: they are created when missing, as every
        # store creates its missing tables when it opens (`infra.migrations`).
        metadata.create_all(self._engine, tables=[bookings, drafted_sources, follow_cursors])

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def claim(self, tenant: str, invoice_number: str) -> Iterator[None]:
        """Hold `invoice_number` while it is issued: one holder at a time across threads and
        processes (machines, on PostgreSQL); released when the holder ends or dies."""
        name = f"faktura-booking:{tenant}:{invoice_number}"
        stripe = zlib.crc32(name.encode("utf-8")) % CLAIM_STRIPES
        lock_file = self._claims / f"{stripe}.lock" if self._claims is not None else None
        with exclusive_lock(self._engine, name, lock_file):
            yield

    @contextmanager
    def follower(self, tenant: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the tenant's poll: one round at a time across threads, processes and workers;
        yields whether it is held (without `wait`: False at once while another round runs)."""
        lock_file = self._claims / f"follow-{tenant}.lock" if self._claims is not None else None
        with exclusive_lock(self._engine, f"faktura-follow:{tenant}", lock_file,
                            wait=wait) as held:
            yield held

    # ----------------------------------------------------------------- bookings

    def get(self, tenant: str, invoice_number: str) -> BookingRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(bookings).where(
                bookings.c.tenant == tenant,
                bookings.c.invoice_number == invoice_number)).first()
        return _record(row) if row else None

    def record(self, tenant: str, invoice_number: str, state: BookingState, *,
               source_id: str | None = None, reason: str | None = None,
               differences: list[str] | tuple[str, ...] = ()) -> None:
        """Write what became of a booked invoice (the last word wins; attempts count up)."""
        now = _now()
        values = {"state": state.value, "source_id": source_id, "reason": reason,
                  "differences": "\n".join(differences) or None, "updated_at": now}
        with self._engine.begin() as conn:
            found = conn.execute(select(bookings.c.attempts).where(
                bookings.c.tenant == tenant,
                bookings.c.invoice_number == invoice_number)).first()
            if found is None:
                conn.execute(insert(bookings).values(
                    tenant=tenant, invoice_number=invoice_number, attempts=1,
                    created_at=now, **values))
            else:
                conn.execute(update(bookings).where(
                    bookings.c.tenant == tenant,
                    bookings.c.invoice_number == invoice_number,
                ).values(attempts=found.attempts + 1, **values))

    def all(self, tenant: str, state: BookingState | None = None) -> list[BookingRecord]:
        query = select(bookings).where(bookings.c.tenant == tenant)
        if state is not None:
            query = query.where(bookings.c.state == state.value)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(bookings.c.invoice_number)).all()
        return [_record(row) for row in rows]

    # ----------------------------------------------------------------- drafts

    def remember_draft(self, tenant: str, source_id: str, order_number: int,
                       invoice_json: str) -> None:
        """Keep the source invoice of a draft left in Uniconta (replacing an earlier one)."""
        with self._engine.begin() as conn:
            conn.execute(delete(drafted_sources).where(
                drafted_sources.c.tenant == tenant, drafted_sources.c.source_id == source_id))
            conn.execute(insert(drafted_sources).values(
                tenant=tenant, source_id=source_id, order_number=order_number,
                invoice_json=invoice_json))

    def draft_source(self, tenant: str, source_id: str) -> str | None:
        """The source invoice JSON of a draft Faktura made, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(drafted_sources.c.invoice_json).where(
                drafted_sources.c.tenant == tenant,
                drafted_sources.c.source_id == source_id)).first()
        return row.invoice_json if row else None

    # ----------------------------------------------------------------- the poll's cursor

    def cursor(self, tenant: str) -> int | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(follow_cursors.c.last_invoice_number).where(
                follow_cursors.c.tenant == tenant)).first()
        return row.last_invoice_number if row else None

    def advance_cursor(self, tenant: str, invoice_number: int) -> None:
        """Move the cursor forward to `invoice_number` (never back)."""
        now = _now()
        with self._engine.begin() as conn:
            row = conn.execute(select(follow_cursors.c.last_invoice_number).where(
                follow_cursors.c.tenant == tenant)).first()
            if row is None:
                conn.execute(insert(follow_cursors).values(
                    tenant=tenant, last_invoice_number=invoice_number, updated_at=now))
            elif row.last_invoice_number < invoice_number:
                conn.execute(update(follow_cursors).where(
                    follow_cursors.c.tenant == tenant,
                ).values(last_invoice_number=invoice_number, updated_at=now))


def _record(row) -> BookingRecord:  # type: ignore[no-untyped-def]
    return BookingRecord(
        tenant=row.tenant, invoice_number=row.invoice_number, state=BookingState(row.state),
        source_id=row.source_id, reason=row.reason,
        differences=tuple(row.differences.splitlines()) if row.differences else (),
        attempts=row.attempts, updated_at=row.updated_at)
