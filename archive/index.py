"""`SqlIndex`: the archive's metadata in a SQL database (SQLAlchemy Core): a SQLite file
(`SqliteIndex`, WAL: the embedded default) or PostgreSQL by URL.

One row per archived invoice, unique on (tenant, invoice_number), with indexes for the lookups
the archive offers (customer, issue date, source id). Amounts are kept as exact decimal text
and `archived_at` as naive UTC, because SQLite has neither decimals nor time zones (the same
columns on PostgreSQL, so an archive moves between the two unchanged).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from archive.model import ArchiveEntry
from faktura.database import Target, describe, is_url, open_database

_BATCH = 500

metadata = MetaData()

entries = Table(
    "archive_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(40), nullable=False),
    Column("invoice_number", String(20), nullable=False),
    Column("document_type", String(16), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("customer_number", String(64), nullable=False),
    Column("customer_name", String(300), nullable=False),
    Column("customer_name_folded", String, nullable=False),  # casefold() may lengthen
    Column("currency_code", String(3), nullable=False),
    Column("total_amount", String(64), nullable=False),
    Column("fik_line", String(100)),
    Column("layout", String(16), nullable=False),
    Column("uniconta_invoice_number", BigInteger),
    Column("voucher", BigInteger),
    Column("journal_posted_id", BigInteger),
    Column("source_id", String(200)),
    Column("pdf_sha256", String(64), nullable=False),
    Column("invoice_json_sha256", String(64), nullable=False),
    Column("archived_at", DateTime, nullable=False),
    Column("pdf_size", Integer, nullable=False),
    UniqueConstraint("tenant", "invoice_number", name="uq_archive_tenant_number"),
    Index("ix_archive_customer", "tenant", "customer_number", "issue_date"),
    Index("ix_archive_issue_date", "tenant", "issue_date"),
    Index("ix_archive_source_id", "tenant", "source_id"),
)

_COLUMNS = [c for c in entries.c if c.name not in ("id", "customer_name_folded")]


def _to_row(entry: ArchiveEntry) -> dict[str, Any]:
    row = entry.model_dump()
    row["total_amount"] = str(entry.total_amount)
    row["archived_at"] = entry.archived_at.astimezone(UTC).replace(tzinfo=None)
    row["customer_name_folded"] = entry.customer_name.casefold()
    return row


def _from_row(row: Row[Any]) -> ArchiveEntry:
    data = {c.name: row._mapping[c.name] for c in _COLUMNS}
    data["total_amount"] = Decimal(data["total_amount"])
    data["archived_at"] = data["archived_at"].replace(tzinfo=UTC)
    return ArchiveEntry.model_validate(data)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlIndex:
    """Archive metadata in a SQLite file or a database URL (tables created if missing)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.engine: Engine = open_database(target)
        metadata.create_all(self.engine)

    def __str__(self) -> str:
        return describe(self.target)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def insert(self, entry: ArchiveEntry) -> bool:
        """Add `entry`; False if the tenant already has that invoice number."""
        try:
            with self.engine.begin() as conn:
                conn.execute(entries.insert().values(**_to_row(entry)))
        except IntegrityError:
            if self.get(entry.tenant, entry.invoice_number) is None:
                raise
            return False
        return True

    def get(self, tenant: str, invoice_number: str) -> ArchiveEntry | None:
        """The entry for (tenant, invoice_number), or None."""
        query = select(entries).where(
            entries.c.tenant == tenant, entries.c.invoice_number == invoice_number
        )
        return self._one(query)

    def find_by_source_id(self, tenant: str, source_id: str) -> ArchiveEntry | None:
        """The first archived entry with this source id, or None."""
        query = (
            select(entries)
            .where(entries.c.tenant == tenant, entries.c.source_id == source_id)
            .order_by(entries.c.id)
            .limit(1)
        )
        return self._one(query)

    def list(
        self,
        tenant: str,
        *,
        customer: str | None,
        date_from: date | None,
        date_to: date | None,
        q: str | None,
        limit: int,
        offset: int,
    ) -> list[ArchiveEntry]:
        """A page of entries, newest issue date first (ties: latest archived first)."""
        query = select(entries).where(entries.c.tenant == tenant)
        if customer is not None:
            query = query.where(entries.c.customer_number == customer)
        if date_from is not None:
            query = query.where(entries.c.issue_date >= date_from)
        if date_to is not None:
            query = query.where(entries.c.issue_date <= date_to)
        if q:
            pattern = f"%{_escape_like(q.casefold())}%"
            query = query.where(entries.c.customer_name_folded.like(pattern, escape="\\"))
        query = (
            query.order_by(entries.c.issue_date.desc(), entries.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def all(self, tenant: str | None = None) -> Iterator[ArchiveEntry]:
        """Every entry in archive order, fetched in batches (no connection held in between)."""
        last_id = 0
        while True:
            query = select(entries).where(entries.c.id > last_id)
            if tenant is not None:
                query = query.where(entries.c.tenant == tenant)
            query = query.order_by(entries.c.id).limit(_BATCH)
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            for row in rows:
                yield _from_row(row)
            last_id = rows[-1].id

    def _one(self, query: Select[Any]) -> ArchiveEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _from_row(row)


class SqliteIndex(SqlIndex):
    """Archive metadata in the SQLite file at `path` (the embedded default)."""

    def __init__(self, path: Path) -> None:
        if is_url(path):
            raise ValueError("SqliteIndex takes a file path; use SqlIndex for a URL")
        self.path = Path(path)
        super().__init__(self.path)
