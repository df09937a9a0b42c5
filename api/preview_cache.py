"""Rendered previews kept by their content: a draft previewed again unchanged is answered
without rendering it again.

A preview is reproducible: the same invoice, settings and renderer give the same bytes. So
each is kept under a digest of exactly those and of what was asked (PDF or HTML): the invoice
as canonical JSON (as validated, so the order of the fields sent does not matter), the
settings as JSON (secrets dumped as stars) with the logo file's size and modification time,
and the renderer's version (`renderer.version`). Any change to a line, a setting, the logo
or a template makes another key.

Kept per tenant and never shared: the key is looked up within its tenant's own entries, so
one tenant's preview is never another's answer, however equal the content. Each tenant keeps
at most `per_tenant_bytes` (its oldest preview goes first) and all tenants together at most
`total_bytes` (the least recently used goes first).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from faktura.model import Invoice
from faktura.settings import Settings
from renderer.version import renderer_version

MiB = 1024 * 1024
PER_TENANT_BYTES = 16 * MiB
TOTAL_BYTES = 64 * MiB


class _SettingsJson:
    """The settings as JSON, made once per settings object (settings are frozen; a tenant's
    stay the same object until they are loaded again); the newest `size` kept."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._made: OrderedDict[int, tuple[Settings, bytes]] = OrderedDict()

    def __call__(self, settings: Settings) -> bytes:
        with self._lock:
            found = self._made.get(id(settings))
            if found is not None and found[0] is settings:  # held here: its id is its own
                return found[1]
        made = json.dumps(settings.model_dump(mode="json"), sort_keys=True).encode()
        with self._lock:
            self._made[id(settings)] = (settings, made)
            while len(self._made) > self._size:
                self._made.popitem(last=False)
        return made


_settings_json = _SettingsJson()


def preview_key(invoice: Invoice, settings: Settings, kind: str) -> str:
    """The digest a preview of `invoice` with `settings` is kept under."""
    digest = hashlib.sha256(f"{kind}\0{renderer_version()}\0".encode())
    digest.update(_settings_json(settings))
    logo = settings.seller.logo
    if logo is not None:
        try:
            stat = logo.stat()
            digest.update(f"\0logo {stat.st_size} {stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(b"\0logo unreadable")  # the render refuses it; nothing is kept
    digest.update(b"\0")
    digest.update(invoice.model_dump_json().encode())
    return digest.hexdigest()


def _size(rendered: Any) -> int:
    """Bytes held by a rendered preview: HTML text or `(None, pdf)`."""
    if isinstance(rendered, str):
        return len(rendered)
    return len(rendered[1])


class PreviewCache:
    """Rendered previews by tenant and content key, bounded in memory."""

    def __init__(self, per_tenant_bytes: int = PER_TENANT_BYTES,
                 total_bytes: int = TOTAL_BYTES) -> None:
        self._per_tenant = per_tenant_bytes
        self._total = total_bytes
        self._entries: OrderedDict[tuple[str, str], Any] = OrderedDict()  # oldest first
        self._tenant_bytes: dict[str, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, tenant: str, key: str) -> Any:
        """The tenant's kept preview under `key`, or None."""
        with self._lock:
            rendered = self._entries.get((tenant, key))
            if rendered is not None:
                self._entries.move_to_end((tenant, key))
            return rendered

    def put(self, tenant: str, key: str, rendered: Any) -> None:
        """Keep a rendered preview (one larger than a tenant's share is not kept)."""
        size = _size(rendered)
        if size > self._per_tenant or size > self._total:
            return
        with self._lock:
            if (tenant, key) in self._entries:
                return
            self._entries[(tenant, key)] = rendered
            self._tenant_bytes[tenant] = self._tenant_bytes.get(tenant, 0) + size
            self._bytes += size
            while self._tenant_bytes[tenant] > self._per_tenant:
                self._drop(next(k for k in self._entries if k[0] == tenant))
            while self._bytes > self._total:
                self._drop(next(iter(self._entries)))

    def _drop(self, entry: tuple[str, str]) -> None:
        size = _size(self._entries.pop(entry))
        self._bytes -= size
        self._tenant_bytes[entry[0]] -= size
        if not self._tenant_bytes[entry[0]]:
            del self._tenant_bytes[entry[0]]
