"""`SqlIndex`: the archive's metadata in a SQL database (SQLAlchemy Core): a SQLite file
(`SqliteIndex`, WAL: the embedded default) or PostgreSQL by URL.

One row per archived invoice, unique on (tenant, invoice_number), with indexes for the lookups
the archive offers (customer, issue date, source id). Amounts are kept as exact decimal text
and `archived_at` as naive UTC, because SQLite has neither decimals nor time zones (the same
columns on PostgreSQL, so an archive moves between the two unchanged).

Name search (`q`) finds the text anywhere in the customer's name, ignoring case (Danish
letters included: "SØN" finds "Søndergaard"), with `%` and `_` as ordinary characters. A
full-text index of the case-folded names in trigrams (SQLite FTS5, `archive_names`, kept
current by triggers) finds the matching rows; when a text matches so many names that walking
the dates newest first finds a page sooner, or when a customer is given or the text is
shorter than three letters (no trigram), the rows are tested one by one instead. An index
file from before the name search gets its full-text table built when it is opened.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
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
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.sql import Select, column, table

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
    Column("xml_sha256", String(64)),  # the e-invoice's; NULL: archived without one
    Column("xml_format", String(16)),
    UniqueConstraint("tenant", "invoice_number", name="uq_archive_tenant_number"),
    Index("ix_archive_customer", "tenant", "customer_number", "issue_date"),
    Index("ix_archive_issue_date", "tenant", "issue_date"),
    Index("ix_archive_source_id", "tenant", "source_id"),
)

_COLUMNS = [c for c in entries.c if c.name not in ("id", "customer_name_folded")]

#: Columns added after the first archives were written: (name, SQL type). An index opened
#: without `faktura db upgrade` gets them here (migration `archive_0002` adds the same).
LATER_COLUMNS = (("xml_sha256", "VARCHAR(64)"), ("xml_format", "VARCHAR(16)"))


def _add_later_columns(engine: Engine) -> None:
    """Add the columns an index made before them lacks (safe to race: re-checked)."""
    have = {c["name"] for c in inspect(engine).get_columns("archive_entries")}
    for name, sql_type in LATER_COLUMNS:
        if name in have:
            continue
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE archive_entries ADD COLUMN {name} {sql_type}")
        except (OperationalError, ProgrammingError):
            names = {c["name"] for c in inspect(engine).get_columns("archive_entries")}
            if name not in names:  # not a concurrent opener that added it first
                raise


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


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The name search: trigrams of the folded names, an external-content FTS5 table over
# archive_entries.customer_name_folded, and triggers that keep it in step with every write.
_NAME_SEARCH = [
    "CREATE VIRTUAL TABLE archive_names USING fts5(customer_name_folded,"
    " content='archive_entries', content_rowid='id', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER archive_names_ai AFTER INSERT ON archive_entries BEGIN"
    " INSERT INTO archive_names(rowid, customer_name_folded)"
    " VALUES (new.id, new.customer_name_folded); END",
    "CREATE TRIGGER archive_names_ad AFTER DELETE ON archive_entries BEGIN"
    " INSERT INTO archive_names(archive_names, rowid, customer_name_folded)"
    " VALUES ('delete', old.id, old.customer_name_folded); END",
    "CREATE TRIGGER archive_names_au AFTER UPDATE OF customer_name_folded ON archive_entries"
    " BEGIN INSERT INTO archive_names(archive_names, rowid, customer_name_folded)"
    " VALUES ('delete', old.id, old.customer_name_folded);"
    " INSERT INTO archive_names(rowid, customer_name_folded)"
    " VALUES (new.id, new.customer_name_folded); END",
    "INSERT INTO archive_names(archive_names) VALUES ('rebuild')",
]
_TRIGRAM = 3
_names = table("archive_names", column("rowid"), column("archive_names"))


def _ensure_name_search(engine: Engine) -> None:
    """Create and fill the name-search table if this index file has none yet."""
    with engine.begin() as conn:
        exists = conn.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archive_names'"
        )).first()
        if not exists:
            for statement in _NAME_SEARCH:
                conn.execute(text(statement))


def _by_trigrams(q: str) -> bool:
    return len(q.casefold()) >= _TRIGRAM


def _name_match(q: str) -> Any:
    """The trigram index's condition for names containing the folded `q` (3 letters or more)."""
    phrase = '"' + q.casefold().replace('"', '""') + '"'
    return _names.c.archive_names.op("MATCH")(phrase)


def _name_index_matches(q: str) -> Any:
    """'The folded name contains the folded `q`', answered by the trigram index."""
    return entries.c.id.in_(select(_names.c.rowid).where(_name_match(q)))


def _name_contains(q: str) -> Any:
    """'The folded name contains the folded `q`', tested on each row."""
    pattern = f"%{_escape_like(q.casefold())}%"
    return entries.c.customer_name_folded.like(pattern, escape="\\")


class SqlIndex:
    """Archive metadata in a SQLite file or a database URL (tables created if missing)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.engine: Engine = open_database(target)
        metadata.create_all(self.engine)
        _add_later_columns(self.engine)
        # The trigram name index is SQLite's (FTS5); elsewhere the rows are tested in turn.
        self.name_index = self.engine.dialect.name == "sqlite"
        if self.name_index:
            _ensure_name_search(self.engine)

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
        with self.engine.connect() as conn:
            by_name_index = self.name_index and bool(q) and customer is None and self._few_matches(
                conn, q or "", offset + limit)
            if by_name_index:
                # The name index leads (`+tenant` keeps SQLite from walking the tenant's
                # date index instead and testing every row against the matches).
                query = select(entries).where(
                    text("+archive_entries.tenant = :tenant").bindparams(tenant=tenant),
                    _name_index_matches(q or ""))
            else:
                query = select(entries).where(entries.c.tenant == tenant)
                if q:
                    query = query.where(_name_contains(q))
            if customer is not None:
                query = query.where(entries.c.customer_number == customer)
            if date_from is not None:
                query = query.where(entries.c.issue_date >= date_from)
            if date_to is not None:
                query = query.where(entries.c.issue_date <= date_to)
            query = (
                query.order_by(entries.c.issue_date.desc(), entries.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [_from_row(row) for row in conn.execute(query)]

    @staticmethod
    def _few_matches(conn: Connection, q: str, wanted: int) -> bool:
        """Whether reading every name match beats walking the dates newest first.

        With m matches among n rows, the walk reads about wanted·n/m rows before it has
        `wanted`; reading the matches costs m. They cross near m = √(wanted·n)."""
        if not _by_trigrams(q):
            return False
        rows = conn.execute(select(func.max(entries.c.id))).scalar() or 0
        bound = max(100, math.isqrt(wanted * rows))
        found = conn.execute(
            select(func.count()).select_from(
                select(_names.c.rowid).where(_name_match(q)).limit(bound).subquery())
        ).scalar_one()
        return found < bound

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
