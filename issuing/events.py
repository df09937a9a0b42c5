"""Webhook hints of one tenant, coalesced: the hints that arrive while a read-back runs are
read back together by the next one (`BookedIssuer.on_events`: two Uniconta calls however many),
and their bookings issued side by side. One read-back runs at a time per tenant; no hint is
dropped (one that arrives while the last round ends starts another round)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from issuing.booked import BookedIssuer, BookingOutcome


class EventDrain:
    """Collects one tenant's hints; whoever `add` answers True for runs `drain` (with the
    tenant's `BookedIssuer`, made when first needed)."""

    def __init__(self, booked: Callable[[], BookedIssuer]) -> None:
        self._booked = booked
        self._lock = threading.Lock()
        self._pending: list[tuple[str | None, str | None]] = []
        self._running = False

    def add(self, key: str | None, row_id: str | None) -> bool:
        """Note a hint; True when no read-back runs, so the caller must run `drain`."""
        with self._lock:
            self._pending.append((key, row_id))
            if self._running:
                return False
            self._running = True
            return True

    def drain(self) -> list[BookingOutcome]:
        """Read back and issue every pending hint, round after round, until none is left.
        A round that fails (Uniconta down) drops its hints (the poll finds the bookings) and
        raises once the drain is handed back."""
        out: list[BookingOutcome] = []
        failed: Exception | None = None
        while True:
            with self._lock:
                hints, self._pending = self._pending, []
                if not hints:
                    self._running = False
                    break
            try:
                out += self._booked().on_events(hints)
            except Exception as error:  # noqa: BLE001 - the next rounds still run
                failed = error
        if failed is not None:
            raise failed
        return out
