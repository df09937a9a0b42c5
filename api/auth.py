"""API keys on requests: `Authorization: Bearer <key>`, each key belonging to one tenant.

The keys themselves are kept by `api.keys.KeyStore` (only their SHA-256 hashes are stored).
Wrong keys are counted per client address and per tenant (`api.signin_limits`): after a few,
the answer is 429 with `Retry-After`, for a growing while.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import KEY_PREFIX, KeyInfo, KeyStore, StoredKey, hash_key
from api.problems import ApiProblem
from api.signin_limits import SignInGuard, SignInLocked, client_address

__all__ = ["KEY_PREFIX", "KeyInfo", "KeyStore", "StoredKey", "authenticate", "bearer", "hash_key"]

bearer = HTTPBearer(auto_error=False, description="An API key from `faktura apikey create`")


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> KeyInfo:
    """The key's owner, or a 401 problem (the same answer for a missing, bad or unknown key);
    429 while the caller's address, or the key's tenant, is locked out after failures."""
    store: KeyStore = request.app.state.faktura.keys
    if credentials is None:
        raise _unauthorized()
    guard: SignInGuard = request.app.state.faktura.sign_ins
    address = client_address(request.scope)
    try:
        guard.check(address)
        info = store.lookup(credentials.credentials)
        if info is None:
            tenant = store.owner(credentials.credentials)  # a revoked key's
            guard.failed(address, tenant)
            guard.check(address, tenant)
            raise _unauthorized()
    except SignInLocked as locked:
        raise ApiProblem(429, str(locked), slug="too-many-failed-sign-ins",
                         headers={"Retry-After": str(locked.retry_after)}) from None
    return info


def _unauthorized() -> ApiProblem:
    return ApiProblem(401, "a valid API key is required: Authorization: Bearer <key>",
                      headers={"WWW-Authenticate": 'Bearer realm="faktura"'})
