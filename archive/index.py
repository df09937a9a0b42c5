"""`SqlIndex`: the archive's metadata in a SQL database (SQLAlchemy Core): a SQLite file
(`SqliteIndex`, WAL: the embedded default) or PostgreSQL by URL.

One row per archived invoice, unique on (tenant, invoice_number), with indexes for the lookups
the archive offers (customer, issue date, source id). Amounts are kept as exact decimal text
and `archived_at` as naive UTC, because SQLite has neither decimals nor time zones (the same
columns on PostgreSQL, so an archive moves between the two unchanged).

Name search (`q`) finds the text anywhere in the customer's name, ignoring case (Danish
letters included: "SØN" finds "Søndergaard"), with `%` and `_` as ordinary characters: the
same rows, in the same order, as testing every folded name with LIKE. On SQLite trigram
tables kept by triggers find them (`archive.name_search`); a customer given, or a text
shorter than three letters (no trigram), tests the rows one by one instead. On PostgreSQL the
table of customers' names (migration `archive_0004`) tells whether a few customers or many
bear such a name, and the page is read through them or by the issue-date index accordingly
(`archive.customer_names`); with a customer given, or before that migration, the LIKE is left
to the planner (a pg_trgm index on the folded names, migration `archive_0003`, may serve it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
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
    bindparam,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from archive.customer_names import (
    customers_named,
    customers_page,
    has_customer_names,
    newest_page,
)
from archive.model import ArchiveEntry
from archive.name_search import MAX_ID, TRIGRAM, create_name_search, escape_like, page_ids
from infra.database import Target, describe, is_url, open_database
from infra.migrations import open_embedded

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
    Column("pdf_sha256", String(64)),  # NULL: Uniconta's layout, its PDF not kept
    Column("invoice_json_sha256", String(64), nullable=False),
    Column("archived_at", DateTime, nullable=False),
    Column("pdf_size", Integer),
    Column("xml_sha256", String(64)),  # the e-invoice's; NULL: archived without one
    Column("xml_format", String(16)),
    UniqueConstraint("tenant", "invoice_number", name="uq_archive_tenant_number"),
    Index("ix_archive_customer", "tenant", "customer_number", "issue_date"),
    Index("ix_archive_issue_date", "tenant", "issue_date"),
    Index("ix_archive_source_id", "tenant", "source_id"),
)

_COLUMNS = [c for c in entries.c if c.name not in ("id", "customer_name_folded")]

# The statements an archive write runs, built once (each call only binds its values).
_INSERT = entries.insert()
_GET = select(entries).where(entries.c.tenant == bindparam("tenant"),
                             entries.c.invoice_number == bindparam("invoice_number"))
_BY_SOURCE_ID = (select(entries)
                 .where(entries.c.tenant == bindparam("tenant"),
                        entries.c.source_id == bindparam("source_id"))
                 .order_by(entries.c.id).limit(1))


def _create_all(conn: Connection) -> None:
    """A new index file's tables: the entries and their name search."""
    metadata.create_all(conn)
    create_name_search(conn)


def _to_row(entry: ArchiveEntry) -> dict[str, Any]:
    row = entry.model_dump()
    row["total_amount"] = str(entry.total_amount)
    row["archived_at"] = entry.archived_at.astimezone(UTC).replace(tzinfo=None)
    row["customer_name_folded"] = entry.customer_name.casefold()
    return row


def _from_row(row: Row[Any]) -> ArchiveEntry:
    mapping = row._mapping
    data = {c.name: mapping[c.name] for c in _COLUMNS}
    data["total_amount"] = Decimal(data["total_amount"])
    data["archived_at"] = data["archived_at"].replace(tzinfo=UTC)
    return ArchiveEntry.model_validate(data)


# A list page's entries are made without validating each row again: the index wrote every
# row from a validated entry, and pages of a hundred are read far more often than written.
# `get`, `find_by_source_id` and `all()` (what `verify` reads) still validate, so a row
# edited behind the index's back shows there.
_LISTED = tuple(c.name for c in _COLUMNS)
# A name-search page straight from the SQLite driver (dates and times as SQLite's text).
_PAGE = ("SELECT id, " + ", ".join(_LISTED) + " FROM archive_entries"
         " WHERE id IN (SELECT value FROM json_each(:ids))")


# Every field set, every value to be replaced: a copy of it given a row's values is pydantic's
# cheapest way to an entry from trusted values (`model_construct` walks each field's aliases).
_BLANK = ArchiveEntry.model_construct(**dict.fromkeys(ArchiveEntry.model_fields))


def _trusted_entry(data: dict[str, Any]) -> ArchiveEntry:
    data["total_amount"] = Decimal(data["total_amount"])
    data["archived_at"] = data["archived_at"].replace(tzinfo=UTC)
    return _BLANK.model_copy(update=data)


def _listed_entry(row: Row[Any] | tuple[Any, ...]) -> ArchiveEntry:
    """The entry of a list query's row of `_COLUMNS`."""
    return _trusted_entry(dict(zip(_LISTED, row, strict=True)))


def _page_entry(values: tuple[Any, ...]) -> ArchiveEntry:
    """The entry of a `_PAGE` row (its id left off)."""
    data = dict(zip(_LISTED, values[1:], strict=True))
    data["issue_date"] = date.fromisoformat(data["issue_date"])
    data["archived_at"] = datetime.fromisoformat(data["archived_at"])
    return _trusted_entry(data)


def _name_contains(q: str) -> Any:
    """'The folded name contains the folded `q`', tested on each row."""
    pattern = f"%{escape_like(q.casefold())}%"
    return entries.c.customer_name_folded.like(pattern, escape="\\")


class SqlIndex:
    """Archive metadata in a SQLite file or a database URL (tables created if missing)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.engine: Engine = open_database(target)
        # The trigram name index here is SQLite's (FTS5); PostgreSQL's is a pg_trgm index on
        # the folded names, made by the archive's migration, that its planner picks itself.
        self.name_index = self.engine.dialect.name == "sqlite"
        if self.name_index:  # the embedded default brings its own file up to date
            open_embedded(self.engine, "archive", _create_all)
        else:  # a server's schema is `faktura db upgrade`'s
            metadata.create_all(self.engine)
        # PostgreSQL's table of customers' names, once `faktura db upgrade` has made it.
        self.customer_names = (self.engine.dialect.name == "postgresql"
                               and has_customer_names(self.engine))

    def __str__(self) -> str:
        return describe(self.target)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def insert(self, entry: ArchiveEntry) -> bool:
        """Add `entry`; False if the tenant already has that invoice number."""
        try:
            with self.engine.begin() as conn:
                conn.execute(_INSERT, _to_row(entry))
        except IntegrityError:
            if self.get(entry.tenant, entry.invoice_number) is None:
                raise
            return False
        return True

    def get(self, tenant: str, invoice_number: str) -> ArchiveEntry | None:
        """The entry for (tenant, invoice_number), or None."""
        return self._one(_GET, {"tenant": tenant, "invoice_number": invoice_number})

    def find_by_source_id(self, tenant: str, source_id: str) -> ArchiveEntry | None:
        """The first archived entry with this source id, or None."""
        return self._one(_BY_SOURCE_ID, {"tenant": tenant, "source_id": source_id})

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
            if self._searchable(conn, q, customer):
                return self._search(conn, tenant, q or "", date_from, date_to, limit, offset)
            if self.customer_names and q and customer is None:
                return self._by_customers(conn, tenant, q, date_from, date_to, limit, offset)
            query = select(*_COLUMNS).where(entries.c.tenant == tenant)
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
            return [_listed_entry(row) for row in conn.execute(query)]

    def _searchable(self, conn: Connection, q: str | None, customer: str | None) -> bool:
        """Whether the name-search table answers this list: a text of three letters or more
        (a trigram), no customer (its own index finds its few rows sooner), and ids that fit
        below the issue date in the table's rowid."""
        if not (self.name_index and q and customer is None and len(q.casefold()) >= TRIGRAM):
            return False
        return (conn.exec_driver_sql("SELECT max(id) FROM archive_entries").scalar()
                or 0) < MAX_ID

    @staticmethod
    def _search(conn: Connection, tenant: str, q: str, date_from: date | None,
                date_to: date | None, limit: int, offset: int) -> list[ArchiveEntry]:
        """The page by the name-search tables, then those rows."""
        cursor = conn.connection.cursor()  # a few small statements: the driver's own cursor
        try:
            page = page_ids(cursor, tenant, q, date_from, date_to, limit, offset)
            if not page:
                return []
            rows = {row[0]: row for row in cursor.execute(_PAGE, {"ids": json.dumps(page)})}
        finally:
            cursor.close()
        return [_page_entry(rows[i]) for i in page if i in rows]

    @staticmethod
    def _by_customers(conn: Connection, tenant: str, q: str, date_from: date | None,
                      date_to: date | None, limit: int, offset: int) -> list[ArchiveEntry]:
        """The page through the customers whose names hold the text when they are few, else
        by the issue-date index (`archive.customer_names`)."""
        customers = customers_named(conn, tenant, q)
        if customers == []:
            return []
        if customers is None:
            rows = newest_page(conn, _LISTED, tenant, q, date_from, date_to, limit, offset)
        else:
            rows = customers_page(conn, _LISTED, tenant, q, customers, date_from, date_to,
                                  limit, offset)
        return [_listed_entry(row) for row in rows]

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

    def _one(self, query: Select[Any], values: dict[str, str]) -> ArchiveEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(query, values).first()
        return None if row is None else _from_row(row)


class SqliteIndex(SqlIndex):
    """Archive metadata in the SQLite file at `path` (the embedded default)."""

    def __init__(self, path: Path) -> None:
        if is_url(path):
            raise ValueError("SqliteIndex takes a file path; use SqlIndex for a URL")
        self.path = Path(path)
        super().__init__(self.path)
