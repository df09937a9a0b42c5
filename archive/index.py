"""`SqlIndex`: the archive's metadata in a SQL database (SQLAlchemy Core): a SQLite file
(`SqliteIndex`, WAL: the embedded default) or PostgreSQL by URL.

One row per archived invoice, unique on (tenant, invoice_number), with indexes for the lookups
the archive offers (customer, issue date, source id). Amounts are kept as exact decimal text
and `archived_at` as naive UTC, because SQLite has neither decimals nor time zones (the same
columns on PostgreSQL, so an archive moves between the two unchanged).

Name search (`q`) finds the text anywhere in the customer's name, ignoring case (Danish
letters included: "SØN" finds "Søndergaard"), with `%` and `_` as ordinary characters: the
same rows, in the same order, as testing every folded name with LIKE. On SQLite a full-text
index of the tenants and case-folded names in trigrams (FTS5, `archive_search`, kept current
by triggers) has the list's order as its rowid, so a page of matches is read newest first and
the reading stops when the page is full; a customer given, or a text shorter than three
letters (no trigram), tests the rows one by one instead. An index file from before this name
search gets its table built, and the older name index dropped, when it is opened (or by
`faktura db upgrade`). On PostgreSQL a pg_trgm index on the folded names (the archive's
migration makes it) serves the LIKE when the planner finds it cheaper.
"""

from __future__ import annotations

import json
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
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
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
    mapping = row._mapping
    data = {c.name: mapping[c.name] for c in _COLUMNS}
    data["total_amount"] = Decimal(data["total_amount"])
    data["archived_at"] = data["archived_at"].replace(tzinfo=UTC)
    return ArchiveEntry.model_validate(data)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The name search on SQLite: a contentless FTS5 table of trigrams whose rowid is the list's
# order, `_order_key` = issue date (Julian day number) · 2^32 + id, so the newest matches come
# first off its doclists and reading stops when a page is full; an issue-date range is a rowid
# range. Its `tenant` column holds the first trigram of "[tenant]" (one token per row) so a
# small tenant can narrow the candidates too. Triggers keep it in step with every write; a
# contentless table is told the old values of a row it forgets.
_KEY_SHIFT = 32
_MAX_ID = 1 << _KEY_SHIFT
_JULIAN_OFFSET = 1721424  # Julian day number of date.fromordinal(1) - 1
_SEARCH = "archive_search"
_KEY_SQL = "CAST(julianday({row}.issue_date) AS INTEGER) * 4294967296 + {row}.id"
_VALUES_SQL = "{key}, substr('[' || {row}.tenant || ']', 1, 3), {row}.customer_name_folded"


def _search_values(row: str) -> str:
    return _VALUES_SQL.format(key=_KEY_SQL.format(row=row), row=row)


_NAME_SEARCH = [
    *(f"DROP TRIGGER IF EXISTS {_SEARCH}_{event}" for event in ("ai", "ad", "au")),
    f"CREATE VIRTUAL TABLE {_SEARCH} USING fts5(tenant, name, content='',"
    " tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER {_SEARCH}_ai AFTER INSERT ON archive_entries BEGIN"
    f" INSERT INTO {_SEARCH}(rowid, tenant, name) VALUES ({_search_values('new')}); END",
    f"CREATE TRIGGER {_SEARCH}_ad AFTER DELETE ON archive_entries BEGIN"
    f" INSERT INTO {_SEARCH}({_SEARCH}, rowid, tenant, name)"
    f" VALUES ('delete', {_search_values('old')}); END",
    f"CREATE TRIGGER {_SEARCH}_au AFTER UPDATE OF id, tenant, issue_date, customer_name_folded"
    f" ON archive_entries BEGIN INSERT INTO {_SEARCH}({_SEARCH}, rowid, tenant, name)"
    f" VALUES ('delete', {_search_values('old')});"
    f" INSERT INTO {_SEARCH}(rowid, tenant, name) VALUES ({_search_values('new')}); END",
    f"INSERT INTO {_SEARCH}(rowid, tenant, name)"
    f" SELECT {_search_values('archive_entries')} FROM archive_entries",
    f"INSERT INTO {_SEARCH}({_SEARCH}) VALUES ('optimize')",
    # The previous release's name index (an external-content table keyed by id) gives way.
    *(f"DROP TRIGGER IF EXISTS archive_names_{event}" for event in ("ai", "ad", "au")),
    "DROP TABLE IF EXISTS archive_names",
]
_TRIGRAM = 3
_FIND_SEARCH = f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{_SEARCH}'"


def create_name_search(conn: Connection) -> bool:
    """Create and fill the name-search table on SQLite if `conn`'s database has none yet
    (in the caller's transaction); whether it was created."""
    if conn.dialect.name != "sqlite" or conn.execute(text(_FIND_SEARCH)).first():
        return False
    for statement in _NAME_SEARCH:
        conn.execute(text(statement))
    return True


def _ensure_name_search(engine: Engine) -> None:
    """Give an index file without the name-search table one (under the write lock, so two
    processes opening the same old file build it once)."""
    with engine.connect() as conn:
        if conn.execute(text(_FIND_SEARCH)).first():
            return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            if cursor.execute(_FIND_SEARCH).fetchone() is None:
                for statement in _NAME_SEARCH:
                    cursor.execute(statement)
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
    finally:
        raw.close()


def _order_key(day: date) -> int:
    """The lowest name-search rowid of entries issued on `day`."""
    return (day.toordinal() + _JULIAN_OFFSET) << _KEY_SHIFT


def _phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _tenant_term(tenant: str) -> str:
    """The tenant column's token for `tenant` (shared by tenants that begin alike)."""
    return f"tenant : {_phrase(('[' + tenant + ']')[:_TRIGRAM])}"


def _name_terms(folded: str) -> dict[str, int]:
    """One FTS5 term per distinct trigram of the folded text, with where it first starts."""
    terms: dict[str, int] = {}
    for start in range(len(folded) - _TRIGRAM + 1):
        terms.setdefault(f"name : {_phrase(folded[start:start + _TRIGRAM])}", start)
    return terms


_PROBE_DEPTH = 64
_KEEP_WITHIN = 8  # a term at most this many times as common as the rarest narrows enough
_MAX_TERMS = 4
_MAX_CHUNK = 4096
# The plain condition on a chunk of candidates (`+tenant`: by their ids, not the tenant index).
_CHECK = (
    "SELECT id FROM archive_entries WHERE id IN (SELECT value FROM json_each(:ids))"
    " AND +tenant = :tenant AND customer_name_folded LIKE :pattern ESCAPE '\\'")
_NEWEST = (f"SELECT rowid FROM {_SEARCH} WHERE {_SEARCH} MATCH :match{{where}}"
           " ORDER BY rowid DESC LIMIT {limit}")
_PROBE = ("SELECT {n}, count(*), max(rowid) - min(rowid) FROM ("
          + _NEWEST.format(where="{where}", limit=_PROBE_DEPTH) + ")")


def _range(low: int | None, high: int | None) -> tuple[str, dict[str, int]]:
    where, bounds = "", {}
    if low is not None:
        where, bounds["low"] = where + " AND rowid >= :low", low
    if high is not None:
        where, bounds["high"] = where + " AND rowid < :high", high
    return where, bounds


def _candidates(cursor: Any, match: str, low: int | None, high: int | None,
                count: int) -> list[int]:
    """The newest `count` rowids (below `high`) whose names hold every term of `match`."""
    where, bounds = _range(low, high)
    sql = _NEWEST.format(where=where, limit=":count")
    return [key for (key,) in cursor.execute(sql, {"match": match, "count": count, **bounds})]


def _apart(one: int | None, other: int | None) -> bool:
    """Whether two terms (where their trigrams start) share no letter of the text; the
    tenant's term (None) is apart from every other."""
    return one is None or other is None or abs(one - other) >= _TRIGRAM


def _rarest(cursor: Any, terms: dict[str, int | None], low: int | None,
            high: int | None) -> list[str]:
    """The terms worth reading: the rarest in the range, newest first, then the rarest of
    the rest that are nearly as rare and overlap none already taken (overlapping trigrams
    come together, so they narrow little). `terms` maps each to where its trigram starts in
    the text (None: the tenant's). A term's `_PROBE_DEPTH` newest postings tell how far back
    one must read to meet that many: the further, the rarer."""
    where, bounds = _range(low, high)
    names = list(terms)
    probe = " UNION ALL ".join(
        _PROBE.format(n=n, where=where).replace(":match", f":m{n}") for n in range(len(names)))
    params = {**bounds, **{f"m{n}": term for n, term in enumerate(names)}}
    reach = {}
    for n, found, span in cursor.execute(probe, params).fetchall():
        if found == 0:
            return [names[n]]  # nothing holds it: nothing matches
        # fewer postings than the depth: as rare as it gets, ranked by how few
        reach[names[n]] = (found < _PROBE_DEPTH, span + 1, -found)
    ranked = sorted(names, key=lambda t: reach[t], reverse=True)
    rarest = reach[ranked[0]]
    rare_enough = [t for t in ranked
                   if rarest[0] or reach[t][1] * _KEEP_WITHIN >= rarest[1]]
    chosen: list[str] = []
    for term in rare_enough:
        if len(chosen) < _MAX_TERMS and all(_apart(terms[term], terms[c]) for c in chosen):
            chosen.append(term)
    return chosen


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
        # The trigram name index here is SQLite's (FTS5); PostgreSQL's is a pg_trgm index on
        # the folded names, made by the archive's migration, that its planner picks itself.
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
            if self._searchable(conn, q, customer):
                return self._search(conn, tenant, q or "", date_from, date_to, limit, offset)
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

    def _searchable(self, conn: Connection, q: str | None, customer: str | None) -> bool:
        """Whether the name-search table answers this list: a text of three letters or more
        (a trigram), no customer (its own index finds its few rows sooner), and ids that fit
        below the issue date in the table's rowid."""
        if not (self.name_index and q and customer is None and len(q.casefold()) >= _TRIGRAM):
            return False
        return (conn.exec_driver_sql("SELECT max(id) FROM archive_entries").scalar()
                or 0) < _MAX_ID

    @staticmethod
    def _search(conn: Connection, tenant: str, q: str, date_from: date | None,
                date_to: date | None, limit: int, offset: int) -> list[ArchiveEntry]:
        """The page by the name-search table: candidates newest first from the rarest of the
        text's trigrams (and the tenant's), each checked against the plain condition, until
        `offset + limit` have passed; then those rows."""
        folded = q.casefold()
        low = None if date_from is None else _order_key(date_from)
        high = _order_key(date_to) + _MAX_ID if date_to is not None else None
        cursor = conn.connection.cursor()  # a few small statements: the driver's own cursor
        try:
            terms = _rarest(cursor, {**_name_terms(folded), _tenant_term(tenant): None},
                            low, high)
            pattern = f"%{_escape_like(folded)}%"
            wanted, found, chunk = offset + limit, [], max(64, 2 * (offset + limit))
            while len(found) < wanted:
                keys = _candidates(cursor, " AND ".join(terms), low, high, chunk)
                if not keys:
                    break
                ids = [key & (_MAX_ID - 1) for key in keys]
                check = {"ids": json.dumps(ids), "tenant": tenant, "pattern": pattern}
                passed = {i for (i,) in cursor.execute(_CHECK, check)}
                found += [i for i in ids if i in passed]
                if len(keys) < chunk:
                    break
                high, chunk = keys[-1], min(chunk * 2, _MAX_CHUNK)
        finally:
            cursor.close()
        page = found[offset:wanted]
        if not page:
            return []
        rows = {row.id: row for row in conn.execute(
            select(entries).where(entries.c.id.in_(page)))}
        return [_from_row(rows[i]) for i in page if i in rows]

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
