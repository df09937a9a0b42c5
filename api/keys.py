"""The API key store: each key belongs to exactly one tenant (`Authorization: Bearer <key>`).

A key is shown once, when it is created (`faktura apikey create --tenant NAME`); only its
SHA-256 hash is stored, in SQLite (`api-keys.sqlite`, see `infra.tenant_settings`) or in the tenants'
PostgreSQL database (`database_url`).
Keys are 256-bit random tokens, so a plain hash (no salt, no slow KDF) is the right tool: a
lookup by hash is constant work and a leaked database reveals no usable key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    select,
)

from infra.database import Target, is_url, open_database

KEY_PREFIX = "fk_"

metadata = MetaData()
_metadata = metadata
api_keys = Table(
    "api_keys",
    _metadata,
    Column("key_sha256", String(64), primary_key=True),
    Column("key_id", String(16), nullable=False, unique=True),  # shown in logs, not secret
    Column("tenant", String(40), nullable=False, index=True),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    """Who a valid key belongs to."""

    key_id: str
    tenant: str
    label: str


@dataclass(frozen=True)
class StoredKey:
    """A key as listed: its id, owner, label, creation time and whether it is revoked."""

    key_id: str
    tenant: str
    label: str
    created_at: datetime
    revoked: bool


class KeyStore:
    """API keys in a SQLite file or a database URL (created with its table if missing)."""

    def __init__(self, target: Target) -> None:
        self.path = None if is_url(target) else Path(target)
        self.engine: Engine = open_database(target)
        _metadata.create_all(self.engine)

    def create(self, tenant: str, label: str = "") -> tuple[str, KeyInfo]:
        """A new key for `tenant`: returns the key (shown once) and what is stored of it."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        info = KeyInfo(key_id=secrets.token_hex(6), tenant=tenant, label=label)
        with self.engine.begin() as conn:
            conn.execute(api_keys.insert().values(
                key_sha256=hash_key(key), key_id=info.key_id, tenant=tenant, label=label,
                created_at=datetime.now(UTC).replace(tzinfo=None), revoked=False))
        return key, info

    def lookup(self, key: str) -> KeyInfo | None:
        """The tenant of a valid, unrevoked key; None for anything else."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        query = select(api_keys).where(api_keys.c.key_sha256 == hash_key(key))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.revoked:
            return None
        return KeyInfo(key_id=row.key_id, tenant=row.tenant, label=row.label)

    def owner(self, key: str) -> str | None:
        """The tenant a key was made for, revoked or not (None for an unknown key)."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        query = select(api_keys.c.tenant).where(api_keys.c.key_sha256 == hash_key(key))
        with self.engine.connect() as conn:
            tenant = conn.execute(query).scalar()
        return None if tenant is None else str(tenant)

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by its id; True if there was such a key."""
        with self.engine.begin() as conn:
            result = conn.execute(api_keys.update().where(api_keys.c.key_id == key_id)
                                  .values(revoked=True))
        return bool(result.rowcount)

    def keys(self, tenant: str | None = None) -> list[StoredKey]:
        """Every key (or one tenant's), oldest first: what is stored, never the key itself."""
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        with self.engine.connect() as conn:
            return [StoredKey(key_id=row.key_id, tenant=row.tenant, label=row.label,
                              created_at=row.created_at, revoked=row.revoked)
                    for row in conn.execute(query)]

    def close(self) -> None:
        self.engine.dispose()
