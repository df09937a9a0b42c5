"""`api_batches`: the API's batch records in the tenants' database (with `database_url`).

One row per batch: the request as submitted and the record (status, progress, results) as
JSON text, so any API server sharing the database can report on, or resume, any batch.
`updated_at` is when the batch finished (before that: when the row was last written), as the
caller says; expiry goes by it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    cast,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from infra.database import open_database
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

    def put_request(self, tenant: str, batch_id: str, request: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(api_batches.insert().values(
                tenant=tenant, id=batch_id, status="queued", request=request, record="{}",
                updated_at=at))

    def request(self, tenant: str, batch_id: str) -> str:
        with self.engine.connect() as conn:
            value = conn.execute(select(api_batches.c.request).where(
                api_batches.c.tenant == tenant, api_batches.c.id == batch_id)).scalar_one()
        return str(value)

    def put_record(self, tenant: str, batch_id: str, status: str, record: str,
                   at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(api_batches).where(
                api_batches.c.tenant == tenant, api_batches.c.id == batch_id,
            ).values(status=status, record=record, updated_at=at))

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

    def usage(self, tenant: str, finished: Iterable[str]) -> tuple[int, int, datetime | None]:
        """The tenant's number of rows, their stored bytes, and the oldest finished row's time."""
        size = self._octets(api_batches.c.request) + self._octets(api_batches.c.record)
        with self.engine.connect() as conn:
            count, stored = conn.execute(select(
                func.count(), func.coalesce(func.sum(size), 0)).where(
                api_batches.c.tenant == tenant)).one()
            oldest = conn.execute(select(func.min(api_batches.c.updated_at)).where(
                api_batches.c.tenant == tenant,
                api_batches.c.status.in_(list(finished)))).scalar_one()
        return int(count), int(stored), _utc(oldest)

    def delete_older(self, tenant: str, statuses: Iterable[str], before: datetime) -> int:
        """Delete the tenant's rows in `statuses` last written before `before`; how many."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(api_batches).where(
                api_batches.c.tenant == tenant, api_batches.c.status.in_(list(statuses)),
                api_batches.c.updated_at < before))
        return int(result.rowcount or 0)

    def delete(self, tenant: str, batch_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(api_batches).where(
                api_batches.c.tenant == tenant, api_batches.c.id == batch_id))

    def _octets(self, column: Column[str]) -> ColumnElement[int]:
        if self.engine.dialect.name == "postgresql":
            return func.octet_length(column)
        return func.length(cast(column, LargeBinary))  # SQLite: bytes, not characters


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone; every one written is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


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
