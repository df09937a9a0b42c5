"""The delivery database's tables: the e-mail outbox and its log (`delivery.outbox`) and each
invoice's payment status (`delivery.payments`); one metadata, one migration branch
(`delivery`, `delivery/migrations/`).

`<state_dir>/delivery.sqlite` (the embedded default: brought up to date as it is opened) or
the `database_url` database (`faktura db upgrade`).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from infra.database import Target, open_database
from infra.migrations import open_embedded

#: The delivery database's file name under `state_dir` (the embedded default).
DELIVERY_FILE = "delivery.sqlite"

metadata = MetaData()

outbox = Table(
    "delivery_outbox", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("invoice_number", String(20), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("recipient", String(320)),
    Column("message_id", String(300), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("server_reply", Text),
    Column("error", Text),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_delivery_outbox_state", "tenant", "state"),
)

log = Table(
    "delivery_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(40), nullable=False),
    Column("invoice_number", String(20), nullable=False),
    Column("round", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(16), nullable=False),
    Column("detail", Text),
    Index("ix_delivery_log_invoice", "tenant", "invoice_number"),
)

statuses = Table(
    "invoice_payment_status", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("invoice_number", String(20), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("amount_open", String(64)),  # exact decimal text; NULL: no open item
    Column("due_date", Date),
    Column("checked_at", DateTime(timezone=True), nullable=False),
)


def open_delivery_database(target: Target) -> Engine:
    """An engine on the delivery database, its schema current (a SQLite file is upgraded
    here; a server's schema is `faktura db upgrade`'s, missing tables created)."""
    engine = open_database(target)
    if engine.dialect.name == "sqlite":
        open_embedded(engine, "delivery", metadata.create_all)
    else:
        metadata.create_all(engine)
    return engine
