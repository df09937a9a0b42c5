"""Each tenant's services: its archive, its issuer and its issuing locks.

Which tenants there are is `infra.tenant_settings`'s concern. Each tenant has its own archive folder,
state folder (ledger, batches) and Uniconta issuer; a request only ever reaches the services of
the tenant its API key belongs to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field

from infra.tenant_settings import KEYS_FILE, TenantRegistry  # noqa: F401  (re-exported)
from archive import Archive
from faktura.settings import Settings
from issuing.batch import IssuingGuard
from issuing.bootstrap import open_archive
from issuing.pipeline import Issuer
from issuing.renderpool import PoolRenderer

# (settings, renderer to use) → context manager of the tenant's Issuer (`bootstrap.open_issuer`).
IssuerFactory = Callable[[Settings, PoolRenderer], AbstractContextManager[Issuer]]


@dataclass
class TenantServices:
    """One tenant's archive (for reading), issuer (opened on first use) and issuing locks."""

    settings: Settings
    issuer_factory: IssuerFactory
    renderer: PoolRenderer
    guard: IssuingGuard = field(default_factory=IssuingGuard)
    _archive: Archive | None = None
    _issuer: Issuer | None = None
    _stack: ExitStack = field(default_factory=ExitStack)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _issuer_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    @property
    def archive(self) -> Archive:
        """The tenant's archive, for lookups (every query is scoped to this tenant)."""
        with self._lock:
            if self._archive is None:
                self._archive = self._stack.enter_context(open_archive(self.settings))
            return self._archive

    def issuer(self) -> Issuer:
        """The tenant's issuer: opened once, posting serialised, rendering in the render pool.

        Opening may start the built-in Uniconta emulator, so it happens on first use, not at
        startup. Call from a worker thread (it may block).
        """
        with self._issuer_lock:
            if self._issuer is None:
                opened = self._stack.enter_context(
                    self.issuer_factory(self.settings, self.renderer))
                self._issuer = self.guard.wrap(opened)
            return self._issuer

    def close(self) -> None:
        with self._issuer_lock, self._lock:
            self._stack.close()
            self._archive = None
            self._issuer = None
