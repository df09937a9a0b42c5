"""`api_batches`: the API's batch records in the tenants' database (with `database_url`).

One row per batch: the request as submitted and the record (status, progress, results) as
JSON text, so any API server sharing the database can report on, or resume, any batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, Text, select, update

from faktura.database import open_database
from faktura.settings import Settings

metadata = MetaData()
api_batches = Table(
    "api_batches", metadata,
    Column("tenant", String(40), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("request", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class BatchRows:
    """The `api_batches` table in one database."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = open_database(url)
        metadata.create_all(self.engine)

    def put_request(self, tenant: str, batch_id: str, request: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(api_batches.insert().values(
                tenant=tenant, id=batch_id, status="queued", request=request, record="{}",
                updated_at=datetime.now(UTC)))

    def request(self, tenant: str, batch_id: str) -> str:
        with self.engine.connect() as conn:
            value = conn.execute(select(api_batches.c.request).where(
                api_batches.c.tenant == tenant, api_batches.c.id == batch_id)).scalar_one()
        return str(value)

    def put_record(self, tenant: str, batch_id: str, status: str, record: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(api_batches).where(
                api_batches.c.tenant == tenant, api_batches.c.id == batch_id,
            ).values(status=status, record=record, updated_at=datetime.now(UTC)))

    def record(self, tenant: str, batch_id: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(api_batches.c.record).where(
                api_batches.c.tenant == tenant, api_batches.c.id == batch_id,
                api_batches.c.record != "{}")).scalar_one_or_none()
        return None if value is None else str(value)

    def records_in(self, tenant: str, statuses: Iterable[str]) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_batches.c.record).where(
                api_batches.c.tenant == tenant, api_batches.c.status.in_(list(statuses)),
                api_batches.c.record != "{}").order_by(api_batches.c.updated_at)).all()
        return [str(row.record) for row in rows]


_tables: dict[str, BatchRows] = {}
_guard = threading.Lock()


def table_for(settings: Settings) -> BatchRows:
    """The (shared) batch table of the settings' database."""
    assert settings.database_url is not None
    url = settings.database_url.get_secret_value()
    with _guard:
        if url not in _tables:
            _tables[url] = BatchRows(url)
        return _tables[url]
