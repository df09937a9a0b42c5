"""Per-instance run-time state that is *not* Uniconta data: call budget, faults, statistics."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sync.emulator.settings import Faults


class Runtime:
    """Counters and fault switches shared by the gateway routes and the admin routes."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self.calls = 0
        self.routes: Counter[str] = Counter()
        self.postings: Counter[str] = Counter()
        self.emails: list[dict[str, Any]] = []

    def count_route(self, key: str) -> None:
        """Record one gateway request under ``"METHOD /route/template"``."""
        with self._lock:
            self.routes[key] += 1

    def gate(self) -> str | None:
        """Count one authenticated call; return an ErrorCodes name if it must be refused."""
        with self._lock:
            self.calls += 1
            if self.faults.logged_in_elsewhere:
                self.faults.logged_in_elsewhere = False
                return "UserNotLoggedIn"
            limit = self.faults.call_limit
            if limit is not None and self.calls > limit:
                return "SlowDown"
        return None

    def take(self, switch: str) -> bool:
        """Consume one unit of a counted fault (``drop_after_commit``/``fail_before_commit``)."""
        with self._lock:
            remaining = getattr(self.faults, switch)
            if remaining > 0:
                setattr(self.faults, switch, remaining - 1)
                return True
        return False

    def record_posting(self, outcome: str) -> None:
        with self._lock:
            self.postings[outcome] += 1

    def record_email(self, invoice_number: int, recipients: list[str]) -> None:
        with self._lock:
            self.emails.append({"InvoiceNumber": invoice_number, "To": list(recipients)})

    def reset_counters(self) -> None:
        """Zero the call budget and statistics (faults stay as they are)."""
        with self._lock:
            self.calls = 0
            self.routes.clear()
            self.postings.clear()
            self.emails.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.calls,
                "total_requests": sum(self.routes.values()),
                # requests that may change state (every method but GET)
                "writes": sum(n for key, n in self.routes.items() if not key.startswith("GET ")),
                "routes": dict(self.routes),
                "postings": dict(self.postings),
                "emails": list(self.emails),
            }
