"""Schema migrations (Alembic) for every database Faktura keeps: one branch per store, each
store's migrations beside it, this package the environment they share and the routine that
runs them.

Branches and where their migrations live: `archive` (the archive index,
`archive/migrations/`), `ledger` (postings and master data, `sync/posting/migrations/`),
`catalogue` (the item catalogue, `sync/posting/migrations/`), `keys` and `batches` (API keys
and batch records, `api/migrations/`), `delivery` (the e-mail outbox and log and the payment
status, `delivery/migrations/`). With PostgreSQL the archive, ledger, keys and batches
live in one database, brought up by `faktura db upgrade`; with the embedded default each store
is its own SQLite file, and the store brings its own branch up when it opens it
(`open_embedded`). Every migration must be safe to run on a database whose tables were
created by the running code (`helpers.has_table` / `helpers.has_column`), because stores
create missing tables when they open. No schema change happens anywhere else.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect

from infra.database import Target, open_database

HERE = Path(__file__).resolve().parent
#: Where each store's migrations are, relative to the folder the project's packages are in.
VERSION_FOLDERS = ("archive/migrations", "sync/posting/migrations", "api/migrations",
                   "delivery/migrations")
#: The branches one PostgreSQL database holds (the item catalogue is always a SQLite file).
SHARED_BRANCHES = ("archive", "ledger", "keys", "batches", "delivery")


def _config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(
        str(HERE.parents[1] / folder) for folder in VERSION_FOLDERS))
    config.attributes["connection"] = connection
    return config


def upgrade(target: Target, branches: list[str], *, to: str = "head") -> None:
    """Bring one database's branches to their newest revision (or each to the revision
    `to` names on it, e.g. an older one to test an upgrade from)."""
    engine = open_database(target)
    try:
        _upgrade(engine, branches, to)
    finally:
        engine.dispose()


def _upgrade(engine: Engine, branches: list[str], to: str = "head") -> None:
    with engine.begin() as conn:
        _run(conn, "upgrade", branches, to)


def _run(conn: Connection, action: str, branches: list[str], to: str = "head") -> None:
    from alembic import command

    config = _config(conn)
    for branch in branches:
        getattr(command, action)(config, to if to != "head" else f"{branch}@head")


def current(target: Target) -> set[str]:
    """The revisions a database is at (empty: never migrated)."""
    engine = open_database(target)
    try:
        return _current(engine)
    finally:
        engine.dispose()


def _current(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return _heads(conn)


def _heads(conn: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(conn).get_current_heads())


@functools.cache
def head(branch: str) -> str:
    """The newest revision of `branch` (read from the migration files once per process)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(None))
    (revision,) = script.get_revisions(f"{branch}@head")
    return revision.revision  # type: ignore[union-attr]


def open_embedded(engine: Engine, branch: str,
                  create_all: Callable[[Connection], None]) -> None:
    """An embedded SQLite store as it opens it: a new file gets the current schema
    (`create_all`) stamped with `branch`'s newest revision; an older file is upgraded to it.
    One opener at a time (SQLite's write lock, taken first); the others then find it done."""
    if head(branch) in _current(engine):
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        if head(branch) not in _heads(conn):
            if inspect(conn).get_table_names():
                _run(conn, "upgrade", [branch])
            else:
                create_all(conn)
                _run(conn, "stamp", [branch])
        conn.commit()


def sqlite_at_head(connection: sqlite3.Connection, branch: str) -> bool:
    """Whether a SQLite file, read through the standard library, is at `branch`'s newest
    revision (a quick look before opening it with SQLAlchemy to upgrade it)."""
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:  # never migrated
        return False
    return head(branch) in {row[0] for row in rows}
