"""The posting ledger: what this product has done in Uniconta, per source invoice.

A local SQLite file (the embedded default) or a PostgreSQL database chosen by
`database_url`, keyed by (tenant, source invoice id). Each invoice moves through

    validated → order_created → posted → archived

or, in drafts mode (`uniconta.post_as_drafts`), validated → order_created → drafted.
A failed attempt keeps its state and records the reason. An invoice that Uniconta booked with
figures other than the computed ones stays `posted` (booked, not archived) with the
disagreement recorded in `mismatch`, both figures named, until a person resolves it.
Every state is written *before* the next step starts, so a re-run after a crash resumes where
it stopped and knows which Uniconta facts to check before doing anything again (see
`sync.posting.engine`). The ledger also remembers a fingerprint of each customer's and
contact's data as last sent, so master data is written only when it changed.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from infra.database import Target, exclusive_lock, is_url, open_database
from infra.migrations import open_embedded


class State(enum.StrEnum):
    VALIDATED = "validated"
    ORDER_CREATED = "order_created"
    DRAFTED = "drafted"  # drafts mode: the order is left in Uniconta, not posted
    POSTED = "posted"
    ARCHIVED = "archived"


#: The ledger's SQLite file in `state_dir` (with `database_url`: tables in that database).
LEDGER_FILE = "ledger.sqlite"

metadata = MetaData()
_metadata = metadata

postings = Table(
    "postings", _metadata,
    Column("tenant", String(40), primary_key=True),
    Column("source_id", String(200), primary_key=True),
    Column("content_sha256", String(64), nullable=False),
    Column("customer_number", String(64), nullable=False),
    Column("state", String(20), nullable=False),
    Column("order_number", Integer),
    Column("invoice_number", String(20)),
    Column("voucher", Integer),
    Column("journal_posted_id", Integer),
    Column("error", Text),
    Column("mismatch", Text),  # booked with other figures than computed: both, per field
    Column("calls", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Master data as last sent to Uniconta: kind ('debtor', 'contact', 'employee', 'project',
# 'customer-id'), key, a fingerprint of the mapped fields, and a reference (e.g. a RowId).
master_data = Table(
    "master_data", _metadata,
    Column("tenant", String(40), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("reference", String(200)),
)


@dataclass(frozen=True)
class PostingRecord:
    tenant: str
    source_id: str
    content_sha256: str
    customer_number: str
    state: State
    order_number: int | None
    invoice_number: str | None
    voucher: int | None
    journal_posted_id: int | None
    error: str | None
    calls: int
    created_at: datetime
    updated_at: datetime
    mismatch: str | None = None

    @property
    def booked_not_archived(self) -> bool:
        """Booked in Uniconta, but no PDF archived (a crash between, or a mismatch)."""
        return self.state == State.POSTED


def _now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """The posting ledger in a SQLite file or a database URL (safe for several processes)."""

    def __init__(self, target: Target) -> None:
        self.path: Path | None = None if is_url(target) else Path(target)
        self._engine: Engine = open_database(target)
        if self._engine.dialect.name == "sqlite":  # the embedded default: its own file
            open_embedded(self._engine, "ledger", _metadata.create_all)
        else:  # a server's schema is `faktura db upgrade`'s
            _metadata.create_all(self._engine)

    @property
    def lock_file(self) -> Path | None:
        """The posting lock file next to a SQLite ledger (None: the database holds the lock)."""
        return self.path.with_suffix(".lock") if self.path is not None else None

    @contextlib.contextmanager
    def posting_lock(self, tenant: str, lock_file: Path | None = None) -> Iterator[None]:
        """One poster per tenant at a time, across processes (and machines on PostgreSQL)."""
        with exclusive_lock(self._engine, f"faktura-posting:{tenant}",
                            lock_file or self.lock_file):
            yield

    def close(self) -> None:
        self._engine.dispose()

    # ----------------------------------------------------------------- postings

    def get(self, tenant: str, source_id: str) -> PostingRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id)).first()
        return _record(row) if row else None

    def start(self, tenant: str, source_id: str, content_sha256: str,
              customer_number: str) -> PostingRecord:
        """Record a validated invoice (or return the record it already has)."""
        now = _now()
        with self._engine.begin() as conn:
            row = conn.execute(select(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id)).first()
            if row is None:
                conn.execute(insert(postings).values(
                    tenant=tenant, source_id=source_id, content_sha256=content_sha256,
                    customer_number=customer_number, state=State.VALIDATED, calls=0,
                    created_at=now, updated_at=now))
        record = self.get(tenant, source_id)
        assert record is not None
        return record

    def advance(self, tenant: str, source_id: str, state: State, **values: object) -> None:
        """Move an invoice to `state`, recording the given columns (and clearing the error)."""
        values = {"error": None, **values}
        with self._engine.begin() as conn:
            conn.execute(update(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id,
            ).values(state=state, updated_at=_now(), **values))

    def fail(self, tenant: str, source_id: str, reason: str) -> None:
        """Record why the last attempt failed. The state stays, so a re-run resumes from it."""
        with self._engine.begin() as conn:
            conn.execute(update(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id,
            ).values(error=reason, updated_at=_now()))

    def flag_mismatch(self, tenant: str, source_id: str, mismatch: str) -> None:
        """Record that Uniconta booked the invoice with other figures than computed."""
        with self._engine.begin() as conn:
            conn.execute(update(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id,
            ).values(mismatch=mismatch, error=mismatch, updated_at=_now()))

    def replace_content(self, tenant: str, source_id: str, content_sha256: str,
                        customer_number: str) -> None:
        """A not-yet-posted invoice was corrected in the source: track the new content."""
        with self._engine.begin() as conn:
            conn.execute(update(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id,
            ).values(content_sha256=content_sha256, customer_number=customer_number,
                     updated_at=_now()))

    def add_calls(self, tenant: str, source_id: str, calls: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(postings).where(
                postings.c.tenant == tenant, postings.c.source_id == source_id,
            ).values(calls=postings.c.calls + calls))

    # ----------------------------------------------------------------- many at once

    def start_many(self, tenant: str, invoices: Sequence[tuple[str, str, str]]) -> None:
        """`start` for many (source id, content sha256, customer number), one transaction."""
        now = _now()
        with self._engine.begin() as conn:
            known = {row.source_id for row in conn.execute(
                select(postings.c.source_id).where(
                    postings.c.tenant == tenant,
                    postings.c.source_id.in_([source_id for source_id, _, _ in invoices])))}
            rows = [dict(tenant=tenant, source_id=source_id, content_sha256=content,
                         customer_number=customer, state=State.VALIDATED, calls=0,
                         created_at=now, updated_at=now)
                    for source_id, content, customer in invoices if source_id not in known]
            if rows:
                conn.execute(insert(postings), rows)

    def known(self, tenant: str, source_ids: Sequence[str]) -> set[str]:
        """Which of these source invoices the ledger has a record of (one read)."""
        with self._engine.connect() as conn:
            return {row.source_id for row in conn.execute(
                select(postings.c.source_id).where(postings.c.tenant == tenant,
                                                   postings.c.source_id.in_(source_ids)))}

    def advance_many(self, tenant: str, state: State,
                     values: Mapping[str, Mapping[str, object]]) -> None:
        """`advance` for many invoices (source id → columns), one transaction."""
        now = _now()
        with self._engine.begin() as conn:
            for source_id, columns in values.items():
                conn.execute(update(postings).where(
                    postings.c.tenant == tenant, postings.c.source_id == source_id,
                ).values(state=state, updated_at=now, **{"error": None, **columns}))

    def add_calls_many(self, tenant: str, calls: Mapping[str, int]) -> None:
        """`add_calls` for many invoices (source id → calls), one transaction."""
        with self._engine.begin() as conn:
            for source_id, count in calls.items():
                if count:
                    conn.execute(update(postings).where(
                        postings.c.tenant == tenant, postings.c.source_id == source_id,
                    ).values(calls=postings.c.calls + count))

    def all(self, tenant: str) -> list[PostingRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(postings).where(postings.c.tenant == tenant)
                                .order_by(postings.c.created_at)).all()
        return [_record(row) for row in rows]

    # ----------------------------------------------------------------- master data

    def master(self, tenant: str, kind: str, key: str) -> tuple[str, str | None] | None:
        """(fingerprint, reference) of master data as last sent, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(master_data.c.fingerprint, master_data.c.reference).where(
                master_data.c.tenant == tenant, master_data.c.kind == kind,
                master_data.c.key == key)).first()
        return (row.fingerprint, row.reference) if row else None

    def masters(self, tenant: str) -> dict[tuple[str, str], tuple[str, str | None]]:
        """Every (kind, key) → (fingerprint, reference) of the tenant's master data."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(master_data.c.kind, master_data.c.key,
                                       master_data.c.fingerprint, master_data.c.reference)
                                .where(master_data.c.tenant == tenant)).all()
        return {(row.kind, row.key): (row.fingerprint, row.reference) for row in rows}

    def remember(self, tenant: str, kind: str, key: str, fingerprint: str,
                 reference: str | None = None) -> None:
        upsert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        statement = upsert(master_data).values(
            tenant=tenant, kind=kind, key=key, fingerprint=fingerprint, reference=reference)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant", "kind", "key"],
            set_={"fingerprint": statement.excluded.fingerprint,
                  "reference": statement.excluded.reference})
        with self._engine.begin() as conn:
            conn.execute(statement)


def _record(row) -> PostingRecord:  # type: ignore[no-untyped-def]
    return PostingRecord(
        tenant=row.tenant, source_id=row.source_id, content_sha256=row.content_sha256,
        customer_number=row.customer_number, state=State(row.state),
        order_number=row.order_number, invoice_number=row.invoice_number,
        voucher=row.voucher, journal_posted_id=row.journal_posted_id, error=row.error,
        calls=row.calls, created_at=row.created_at, updated_at=row.updated_at,
        mismatch=row.mismatch)
