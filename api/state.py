"""What the running app holds: tenants, keys, the render pool, kept previews, batches
(`app.state.faktura`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from api.auth import KeyInfo, KeyStore
from api.batches import BatchService
from api.preview_cache import PreviewCache
from api.problems import ApiProblem
from api.signin_limits import SignInGuard
from api.tenants import IssuerFactory, TenantRegistry, TenantServices
from issuing.renderpool import PoolRenderer, RenderPool


@dataclass
class AppState:
    """Built in the app's lifespan; closed when the server stops."""

    registry: TenantRegistry
    keys: KeyStore
    pool: RenderPool
    renderer: PoolRenderer  # renders in the pool (issuing, the pages)
    issuer_factory: IssuerFactory
    batches: BatchService
    max_body_bytes: int
    sign_ins: SignInGuard = field(default_factory=SignInGuard)  # failed sign-ins, lock-outs
    previews: PreviewCache = field(default_factory=PreviewCache)  # rendered, by content
    _services: dict[str, TenantServices] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def services(self, key: KeyInfo) -> TenantServices:
        """The services of the key's tenant (and only that tenant)."""
        settings = self.registry.get(key.tenant)
        if settings is None:  # a key for a tenant this server does not serve
            raise ApiProblem(401, "this API key's tenant is not served here",
                             headers={"WWW-Authenticate": 'Bearer realm="faktura"'})
        with self._lock:
            services = self._services.get(key.tenant)
            if services is None:
                services = TenantServices(settings, self.issuer_factory, self.renderer)
                self._services[key.tenant] = services
            return services

    def all_services(self) -> list[TenantServices]:
        """Services of every configured tenant (created if needed)."""
        return [self.services(KeyInfo("", tenant, "")) for tenant in self.registry.settings]

    def close(self) -> None:
        self.batches.close()
        with self._lock:
            for services in self._services.values():
                services.close()
            self._services.clear()
        self.pool.close()
        self.keys.close()
