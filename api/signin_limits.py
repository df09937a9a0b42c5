"""Failed sign-ins: wrong API keys (on the API and the sign-in page) are counted per client
address and per tenant, and after a few a growing lock-out answers 429 with `Retry-After`.

* **per address**: after `allowed` failures from one address, that address is locked out for
  `first_lock` seconds, twice as long after each further failure, at most `max_lock`; while
  locked, every attempt from it is refused before its key is even looked up (so a right key
  guessed during a lock-out tells the guesser nothing). Other addresses are not affected: a
  right key works for everyone else;
* **per tenant**: failures that name a tenant (a revoked key, a key of a tenant this server
  does not serve) are counted for that tenant the same way; while it is locked, such keys are
  refused with 429 (the tenant's valid keys keep working);
* failures are forgotten `forget_after` seconds after the last one; a sign-in that succeeds
  does not reset the count (one valid key must not buy an address more guesses).

Each failure is logged with the address and the tenant if known, never with the key. The
counters live in the server's memory (a restart forgets them) and hold at most `max_tracked`
addresses and tenants, the stalest dropped first.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are allowed, and how long the lock-outs after them last."""

    allowed: int = 5  # failures before the first lock-out
    first_lock: float = 1.0  # seconds; doubled with each further failure
    max_lock: float = 900.0  # seconds
    forget_after: float = 900.0  # seconds after the last failure
    max_tracked: int = 100_000  # addresses and tenants kept


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class SignInLocked(Exception):
    """Too many failed sign-ins from this address (or for this tenant): retry after
    `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


class SignInGuard:
    """The failure counters of one server (thread-safe)."""

    def __init__(self, limits: SignInLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or SignInLimits()
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, address: str | None, tenant: str | None = None) -> None:
        """Raise `SignInLocked` while the address (or the tenant) is locked out."""
        now = self._clock()
        with self._lock:
            waits = [entry.locked_until - now for entry in (
                self._failures.get(("address", address or "")),
                self._failures.get(("tenant", tenant)) if tenant else None)
                if entry is not None]
        wait = max(waits, default=0.0)
        if wait > 0:
            raise SignInLocked(max(1, math.ceil(wait)))

    def failed(self, address: str | None, tenant: str | None = None,
               where: str = "api") -> None:
        """Count one failed sign-in (a wrong, unknown or revoked key) and log it."""
        now = self._clock()
        locks = []
        with self._lock:
            for subject in [("address", address or "")] + ([("tenant", tenant)] if tenant
                                                             else []):
                entry = self._entry(subject, now)
                entry.count += 1
                entry.last = now
                over = entry.count - self.limits.allowed
                if over >= 0:
                    lock = min(self.limits.max_lock, self.limits.first_lock * 2 ** over)
                    entry.locked_until = now + lock
                    locks.append(lock)
        log.warning("failed sign-in (%s) from %s%s%s", where, address or "an unknown address",
                    f" for tenant {tenant}" if tenant else "",
                    f"; locked out for {max(locks):g} s" if locks else "")

    def _entry(self, subject: tuple[str, str], now: float) -> _Failures:
        entry = self._failures.pop(subject, None)
        if entry is None or now - entry.last > self.limits.forget_after:
            entry = _Failures()
        self._failures[subject] = entry  # the most recent last
        while len(self._failures) > self.limits.max_tracked:
            self._failures.popitem(last=False)
        return entry


def client_address(scope: dict[str, object]) -> str | None:
    """The caller's address (a trusted proxy's client's, when behind one)."""
    client = scope.get("client")
    return str(client[0]) if isinstance(client, tuple | list) and client else None
