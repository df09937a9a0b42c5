"""API keys on requests: `Authorization: Bearer <key>`, each key belonging to one tenant.

The keys themselves are kept by `api.keys.KeyStore` (only their SHA-256 hashes are stored).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import KEY_PREFIX, KeyInfo, KeyStore, StoredKey, hash_key
from api.problems import ApiProblem

__all__ = ["KEY_PREFIX", "KeyInfo", "KeyStore", "StoredKey", "authenticate", "bearer", "hash_key"]

bearer = HTTPBearer(auto_error=False, description="An API key from `faktura apikey create`")


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> KeyInfo:
    """The key's owner, or a 401 problem (the same answer for a missing, bad or unknown key)."""
    store: KeyStore = request.app.state.faktura.keys
    info = store.lookup(credentials.credentials) if credentials else None
    if info is None:
        raise ApiProblem(401, "a valid API key is required: Authorization: Bearer <key>",
                         headers={"WWW-Authenticate": 'Bearer realm="faktura"'})
    return info
