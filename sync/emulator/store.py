"""Emulator state in one SQLite file (stdlib ``sqlite3``); survives a server restart.

Rows of every entity live in one table as JSON documents keyed by property name; the natural
key (when the entity has one) is indexed uniquely per company and entity, and the numbers that
tie rows together (:data:`NUMBERS`: an order's lines, an invoice's lines and ledger rows) are
indexed too, so that reading one order or one invoice costs the same however much is stored.
Counters (order, voucher and journal numbers) and generated invoice PDFs have their own tables. Callers group
writes with :meth:`Store.transaction` so that e.g. an invoice posting commits atomically.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.private import private_file

Row = dict[str, Any]

#: Integer properties indexed in every entity's rows (absent ones index as NULL).
NUMBERS = ("OrderNumber", "InvoiceNumber", "Invoice")


def _number(prop: str) -> str:
    """The indexed expression of a number property (written alike in index and queries)."""
    if prop not in NUMBERS:
        raise ValueError(f"{prop} is not an indexed number")
    return f"json_extract(data, '$.{prop}')"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS companies (
    company_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rows (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL,
    entity TEXT NOT NULL,
    key TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rows_by_entity ON rows (company_id, entity);
CREATE UNIQUE INDEX IF NOT EXISTS rows_by_key ON rows (company_id, entity, key)
    WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS counters (
    company_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (company_id, name)
);
CREATE TABLE IF NOT EXISTS pdfs (
    company_id INTEGER NOT NULL,
    invoice_number INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (company_id, invoice_number)
);
""" + "".join(f"CREATE INDEX IF NOT EXISTS rows_by_{prop.lower()} ON rows"
              f" (company_id, entity, {_number(prop)});\n" for prop in NUMBERS)


def _norm(key: str | None) -> str | None:
    """Keys are unique case-insensitively (SQL Server's default collation)."""
    return None if key is None else key.lower()


class Store:
    """Thread-safe access to the state file; one connection, explicit transactions."""

    def __init__(self, path: Path) -> None:
        private_file(path)
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group writes; nested use joins the outer transaction. Rolls back on any exception."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    # -- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            found = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- companies ----------------------------------------------------------------------------

    def put_company(self, company: Row) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO companies (company_id, data) VALUES (?, ?)",
                (int(company["CompanyId"]), json.dumps(company)),
            )

    def companies(self) -> list[Row]:
        with self._lock:
            rows = self._conn.execute("SELECT data FROM companies ORDER BY company_id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def company(self, company_id: int) -> Row | None:
        with self._lock:
            found = self._conn.execute(
                "SELECT data FROM companies WHERE company_id = ?", (company_id,)
            ).fetchone()
        return json.loads(found[0]) if found else None

    # -- rows ---------------------------------------------------------------------------------

    def rows(self, company_id: int, entity: str) -> list[Row]:
        """All rows of an entity (with ``RowId``), in insertion order."""
        with self._lock:
            found = self._conn.execute(
                "SELECT row_id, data FROM rows WHERE company_id = ? AND entity = ? ORDER BY row_id",
                (company_id, entity),
            ).fetchall()
        return [{**json.loads(data), "RowId": row_id} for row_id, data in found]

    def rows_numbered(self, company_id: int, entity: str, prop: str, low: int | None,
                      high: int | None = None) -> list[Row]:
        """The rows whose number ``prop`` (one of :data:`NUMBERS`) lies between ``low`` and
        ``high`` (inclusive; ``None`` leaves that side open), in insertion order."""
        sql = ("SELECT row_id, data FROM rows WHERE company_id = ? AND entity = ?"
               f" AND {_number(prop)} IS NOT NULL")
        arguments: list[Any] = [company_id, entity]
        for operator, bound in ((">=", low), ("<=", high)):
            if bound is not None:
                sql += f" AND {_number(prop)} {operator} ?"
                arguments.append(bound)
        with self._lock:
            found = self._conn.execute(sql + " ORDER BY row_id", arguments).fetchall()
        return [{**json.loads(data), "RowId": row_id} for row_id, data in found]

    def highest(self, company_id: int, entity: str, prop: str) -> int:
        """The highest number ``prop`` (one of :data:`NUMBERS`) of the entity's rows, or 0."""
        with self._lock:
            found = self._conn.execute(
                f"SELECT {_number(prop)} FROM rows WHERE company_id = ? AND entity = ?"
                f" ORDER BY {_number(prop)} DESC LIMIT 1", (company_id, entity)).fetchone()
        return int(found[0] or 0) if found else 0

    def by_key(self, company_id: int, entity: str, key: str) -> Row | None:
        """The row whose natural key equals ``key`` (case-insensitive), or ``None``."""
        with self._lock:
            found = self._conn.execute(
                "SELECT row_id, data FROM rows WHERE company_id = ? AND entity = ? AND key = ?",
                (company_id, entity, key.lower()),
            ).fetchone()
        return {**json.loads(found[1]), "RowId": found[0]} if found else None

    def by_row_id(self, company_id: int, entity: str, row_id: int) -> Row | None:
        with self._lock:
            found = self._conn.execute(
                "SELECT data FROM rows WHERE company_id = ? AND entity = ? AND row_id = ?",
                (company_id, entity, row_id),
            ).fetchone()
        return {**json.loads(found[0]), "RowId": row_id} if found else None

    def insert(self, company_id: int, entity: str, key: str | None, data: Row) -> int:
        """Insert a row; returns its RowId. The caller has checked key uniqueness."""
        payload = {k: v for k, v in data.items() if k != "RowId"}
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO rows (company_id, entity, key, data) VALUES (?, ?, ?, ?)",
                (company_id, entity, _norm(key), json.dumps(payload)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def update(self, row_id: int, key: str | None, data: Row) -> None:
        payload = {k: v for k, v in data.items() if k != "RowId"}
        with self._lock:
            self._conn.execute(
                "UPDATE rows SET key = ?, data = ? WHERE row_id = ?",
                (_norm(key), json.dumps(payload), row_id),
            )

    def delete(self, row_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM rows WHERE row_id = ?", (row_id,))

    def count_rows(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM rows").fetchone()[0])

    # -- counters -----------------------------------------------------------------------------

    def next_counter(self, company_id: int, name: str, start: int) -> int:
        """Return the next value of a per-company counter (``start`` the first time)."""
        with self.transaction():
            found = self._conn.execute(
                "SELECT value FROM counters WHERE company_id = ? AND name = ?", (company_id, name)
            ).fetchone()
            value = max(start, found[0] + 1) if found else start
            self._conn.execute(
                "INSERT OR REPLACE INTO counters (company_id, name, value) VALUES (?, ?, ?)",
                (company_id, name, value),
            )
        return value

    def bump_counter(self, company_id: int, name: str, at_least: int) -> None:
        """Make sure the counter's next value is greater than ``at_least``."""
        with self.transaction():
            found = self._conn.execute(
                "SELECT value FROM counters WHERE company_id = ? AND name = ?", (company_id, name)
            ).fetchone()
            if not found or found[0] < at_least:
                self._conn.execute(
                    "INSERT OR REPLACE INTO counters (company_id, name, value) VALUES (?, ?, ?)",
                    (company_id, name, at_least),
                )

    # -- PDFs ---------------------------------------------------------------------------------

    def put_pdf(self, company_id: int, invoice_number: int, data: bytes) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO pdfs (company_id, invoice_number, data) VALUES (?, ?, ?)",
                (company_id, invoice_number, data),
            )

    def get_pdf(self, company_id: int, invoice_number: int) -> bytes | None:
        with self._lock:
            found = self._conn.execute(
                "SELECT data FROM pdfs WHERE company_id = ? AND invoice_number = ?",
                (company_id, invoice_number),
            ).fetchone()
        return bytes(found[0]) if found else None

    # -- wipe ---------------------------------------------------------------------------------

    def wipe(self) -> None:
        """Delete all state (tables stay)."""
        with self.transaction():
            for table in ("meta", "companies", "rows", "counters", "pdfs"):
                self._conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
