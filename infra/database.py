"""One way to open a SQL database: an embedded SQLite file or a PostgreSQL server by URL.

`open_database(target)` takes a path (a SQLite file, the embedded default) or a SQLAlchemy URL
(`postgresql+psycopg://host:5432/db`, `sqlite:///file`). SQLite files get WAL, full sync and
a busy timeout, and are private to their user (0600, with the journal SQLite makes beside
them; see `infra.private`); PostgreSQL connections are checked before use. A URL may pick a
schema with `?options=-csearch_path%3Dname`. The URL (it may hold a password) is never put in a message:
`describe(url)` gives its password-free form.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from infra.private import narrow, open_private, private_file

Target = Path | str


def is_url(target: Target) -> bool:
    """Whether `target` is a database URL rather than a file path."""
    return isinstance(target, str) and "://" in target


def open_database(target: Target) -> Engine:
    """An engine for a SQLite file path or a database URL."""
    if not is_url(target):
        path = Path(target)
        private_file(path)
        for journal in ("-wal", "-shm", "-journal"):  # SQLite gives new ones the file's mode
            narrow(path.with_name(path.name + journal))
        target = f"sqlite:///{path}"
    url = make_url(str(target))
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def describe(target: Target) -> str:
    """The target without its password, for messages."""
    if not is_url(target):
        return str(target)
    return make_url(str(target)).render_as_string(hide_password=True)


@contextlib.contextmanager
def exclusive_lock(engine: Engine, name: str, fallback_file: Path | None, *,
                   wait: bool = True) -> Iterator[bool]:
    """Hold a lock named `name` across processes and machines; yields whether it is held
    (always, when `wait`; without `wait`, False at once if another holder has it).

    On PostgreSQL an advisory lock on its own connection (released if the holder dies); on
    SQLite, whose users share one machine, a lock file next to the database.
    """
    if is_postgres(engine):
        with engine.connect() as conn:
            if wait:
                conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": name})
            elif not conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:n))"),
                                  {"n": name}).scalar_one():
                conn.commit()
                yield False
                return
            try:
                yield True
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
                conn.commit()
        return
    if fallback_file is None:
        raise ValueError("a lock file is needed for a SQLite database")
    with os.fdopen(open_private(fallback_file, os.O_WRONLY | os.O_APPEND), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def copy_tables(metadata: MetaData, source: Engine, target: Engine) -> dict[str, int]:
    """Copy every row of `metadata`'s tables from `source` into `target`, in one transaction,
    parents first; refused (nothing copied) when a target table already holds rows.
    Returns the rows copied per table."""
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        for table in metadata.sorted_tables:
            if writing.execute(select(func.count()).select_from(table)).scalar_one():
                raise ValueError(f"{table.name}: the target already holds rows")
        for table in metadata.sorted_tables:
            rows = [dict(row._mapping) for row in reading.execute(select(table))]
            for start in range(0, len(rows), 500):
                writing.execute(table.insert(), rows[start:start + 500])
            copied[table.name] = len(rows)
    return copied
