"""Payment statuses read in the background of a long-running process (`faktura serve`).

One thread per tenant reads the statuses (`issuing.status.refresh_if_due`) every `interval`
seconds and soon after Uniconta's webhook says something changed (`poke`). Webhooks coalesce:
however many arrive, one read follows them, `settle` seconds after the first and never sooner
than `gap` seconds after this process's previous read, so reads stay within Uniconta's daily
call budget (at most 86,400 / `gap` a day; see docs/uniconta-connect.md). A periodic read is
left out when any process (a Celery worker on `faktura beat`, another server) read the
statuses less than 90 % of an interval ago. A failed read is logged (the message only of
Uniconta's and Faktura's own errors, which never carry a password) and tried again after
`gap`, twice as long after each further failure, up to `max_backoff`; no other read comes in
between. `close` stops the thread after the read under way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from faktura.errors import FakturaError
from sync.uniconta.errors import GatewayError

log = logging.getLogger(__name__)

#: Seconds at least between two reads of this process, whatever asks for them.
GAP = 60.0
#: Seconds after a webhook before the read (the other webhooks of one booking arrive first).
SETTLE = 5.0


@dataclass(frozen=True)
class Timing:
    """How often a refresher reads (`interval` None: the tenant's `uniconta.status_interval`)."""

    interval: float | None = None
    gap: float = GAP
    settle: float = SETTLE


#: `refresh(min_age, wait)`: read the statuses unless they are younger than `min_age` seconds
#: or (without `wait`) another read is under way; whether it read them.
Refresh = Callable[[float, bool], bool]


class StatusRefresher:
    """Reads one tenant's payment statuses in a background thread until `close`."""

    def __init__(self, tenant: str, refresh: Refresh, *, interval: float, gap: float = GAP,
                 settle: float = SETTLE, max_backoff: float = 3600.0) -> None:
        self.tenant = tenant
        self._refresh = refresh
        self._interval = interval
        self._gap = gap
        self._settle = settle
        self._max_backoff = max_backoff
        self._changed = threading.Condition()
        self._event_due: float | None = None  # a webhook's read, coalesced
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"faktura-status-{tenant}",
                                        daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Something changed in Uniconta: read the statuses soon (once for many pokes)."""
        with self._changed:
            if self._event_due is None:
                self._event_due = time.monotonic() + self._settle
                self._changed.notify()

    def close(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify()
        self._thread.join()

    def _run(self) -> None:
        never = float("inf")
        last_read = -never
        next_periodic = time.monotonic() + self._interval if self._interval else never
        failures = 0
        retry_at = never
        while True:
            with self._changed:
                while not self._stopping:
                    event_due = (max(self._event_due, last_read + self._gap)
                                 if self._event_due is not None else never)
                    # Backing off, the retry is the next read, whatever else asks for one.
                    due = retry_at if failures else min(next_periodic, event_due)
                    now = time.monotonic()
                    if due <= now:
                        break
                    self._changed.wait(None if due == never else due - now)
                if self._stopping:
                    return
                by_event = self._event_due is not None or failures > 0
                self._event_due = None
            try:
                # A webhook's read waits for one under way (it may predate the change) and
                # reads whatever the age; the periodic one leaves fresh statuses alone.
                read = (self._refresh(0.0, True) if by_event
                        else self._refresh(0.9 * self._interval, False))
            except Exception as error:  # noqa: BLE001 - the thread goes on; the log says why
                failures += 1
                wait = min(self._gap * 2 ** (failures - 1), self._max_backoff)
                retry_at = time.monotonic() + wait
                said = f": {error}" if isinstance(error, FakturaError | GatewayError) else ""
                log.warning("reading the payment statuses of tenant %s failed (%s%s);"
                            " trying again in %g s", self.tenant, type(error).__name__,
                            said, wait)
                continue
            failures, retry_at = 0, never
            if read:
                last_read = time.monotonic()
            if self._interval:
                next_periodic = time.monotonic() + self._interval
