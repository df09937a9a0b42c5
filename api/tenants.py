"""Which tenants the server serves, with whose settings, and each tenant's services.

Tenant settings are plain Faktura settings files, one per tenant (kept simple on purpose):

* `--settings FILE`: one tenant, the file's `tenant`; API keys in `<state_dir>/api-keys.sqlite`;
* `--settings DIR`: every `DIR/<tenant>.toml` is a tenant (the file name must equal the file's
  `tenant` value, so a file cannot claim someone else's name); API keys in
  `DIR/api-keys.sqlite`.

Each tenant has its own archive folder, state folder (ledger, batches) and Uniconta issuer; a
request only ever reaches the services of the tenant its API key belongs to.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from archive import Archive
from archive.open import open_archive
from faktura.errors import InvalidInput, Problem
from faktura.settings import Settings, load_settings
from issuing.batch import IssuingGuard
from issuing.pipeline import Issuer
from renderer.render import Renderer

KEYS_FILE = "api-keys.sqlite"
# (settings, renderer to use) → context manager of the tenant's Issuer; `sync.connect.open_issuer`.
IssuerFactory = Callable[[Settings, Renderer], AbstractContextManager[Issuer]]


@dataclass(frozen=True)
class TenantRegistry:
    """Settings by tenant name, and where the API keys are kept."""

    settings: dict[str, Settings]
    key_store_path: Path | str  # a SQLite file, or the database URL the tenants share

    @classmethod
    def load(cls, path: Path) -> TenantRegistry:
        """From one settings file or a folder of `<tenant>.toml` files."""
        if path.is_dir():
            found: dict[str, Settings] = {}
            for file in sorted(path.glob("*.toml")):
                config = load_settings(file)
                if config.tenant != file.stem:
                    raise InvalidInput(str(file), [Problem(
                        "tenant", f"must equal the file name ({file.stem}) in a folder of"
                        " tenant settings")])
                found[config.tenant] = config
            if not found:
                raise InvalidInput(str(path), [Problem("", "no <tenant>.toml settings files")])
            return cls(found, _key_store(found.values(), path / KEYS_FILE))
        config = load_settings(path)
        return cls({config.tenant: config}, _key_store([config], config.state_dir / KEYS_FILE))

    @classmethod
    def of(cls, *settings: Settings, key_store_path: Path) -> TenantRegistry:
        """From settings objects (tests, embedding)."""
        return cls({s.tenant: s for s in settings}, key_store_path)

    def get(self, tenant: str) -> Settings | None:
        return self.settings.get(tenant)


def _key_store(settings: Iterable[Settings], file: Path) -> Path | str:
    """The API keys live in the tenants' database when they have one, else in `file`."""
    urls = {s.database_url.get_secret_value() for s in settings if s.database_url}
    if len(urls) > 1:
        raise InvalidInput("database_url", [Problem(
            "database_url", "tenants served together must share one database (it holds the"
            " API keys)")])
    return urls.pop() if urls else file


@dataclass
class TenantServices:
    """One tenant's archive (for reading), issuer (opened on first use) and issuing locks."""

    settings: Settings
    issuer_factory: IssuerFactory
    renderer: Renderer
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
        """The tenant's issuer: opened once, posting serialised, rendering with our Renderer.

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
