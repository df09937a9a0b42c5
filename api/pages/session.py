"""Signed-in sessions of the bookkeepers' pages: a random id in an HttpOnly, SameSite=Strict
cookie, the API key kept on the server only, and a per-session CSRF token for every form.

Sessions live in the server's memory (a restart signs everyone out). The key is looked up
again on every request, so a revoked key ends its sessions at once. Signing in itself is
protected by a double-submit token (a cookie and a hidden field that must match).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from api.keys import KeyInfo, KeyStore

SESSION_COOKIE = "faktura_session"
LOGIN_COOKIE = "faktura_login"
IDLE_SECONDS = 8 * 3600
MAX_PREVIEWS = 5


@dataclass
class PageSession:
    """One signed-in browser."""

    key: str
    tenant: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    seen: float = field(default_factory=time.monotonic)
    previews: OrderedDict[str, bytes] = field(default_factory=OrderedDict)

    def keep_preview(self, pdf: bytes) -> str:
        """Keep a rendered preview for this session (the last few); returns its token."""
        token = secrets.token_urlsafe(12)
        self.previews[token] = pdf
        while len(self.previews) > MAX_PREVIEWS:
            self.previews.popitem(last=False)
        return token

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf)


class Sessions:
    """The signed-in sessions, by session id."""

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys
        self._by_id: dict[str, PageSession] = {}
        self._lock = threading.Lock()

    def sign_in(self, key: str) -> tuple[str, PageSession] | None:
        """A new session for a valid key (None for a wrong, unknown or revoked key)."""
        info = self._keys.lookup(key.strip())
        if info is None:
            return None
        session_id = secrets.token_urlsafe(32)
        session = PageSession(key=key.strip(), tenant=info.tenant)
        with self._lock:
            self._expire()
            self._by_id[session_id] = session
        return session_id, session

    def get(self, session_id: str | None) -> tuple[PageSession, KeyInfo] | None:
        """The live session of this id, with its key's owner (None if gone or revoked)."""
        if not session_id:
            return None
        with self._lock:
            session = self._by_id.get(session_id)
            if session is None or time.monotonic() - session.seen > IDLE_SECONDS:
                self._by_id.pop(session_id, None)
                return None
            session.seen = time.monotonic()
        info = self._keys.lookup(session.key)
        if info is None:  # the key was revoked
            self.sign_out(session_id)
            return None
        return session, info

    def sign_out(self, session_id: str | None) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)

    def _expire(self) -> None:
        now = time.monotonic()
        for session_id in [s for s, v in self._by_id.items() if now - v.seen > IDLE_SECONDS]:
            del self._by_id[session_id]
