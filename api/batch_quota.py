"""How much each tenant may keep in the batch store, and how long finished batches are kept.

Every tenant has the same limits (`BatchQuota`): at most `max_batches` batches and at most
`max_bytes` of stored requests and records. A batch that would pass either limit is refused
before anything of it is stored (`BatchQuotaExceeded`, answered 429 with `Retry-After` when
an expiry will make room). Finished batches (done or failed) are deleted, record and request,
`keep_finished` after they finished; a queued or running batch is never expired.

>>> BatchQuota().check(StoreUsage(batches=200, stored_bytes=0), 10, now=_T0)
Traceback (most recent call last):
...
api.batch_quota.BatchQuotaExceeded: max_batches: at most 200 batches are kept per tenant
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MiB = 1024 * 1024
_T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BatchQuota:
    """The limits of one tenant's batch store (the same for every tenant)."""

    max_batches: int = 200
    max_bytes: int = 200 * MiB
    keep_finished: timedelta = timedelta(days=7)
    expire_every: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_batches < 1 or self.max_bytes < 1:
            raise ValueError("batch quotas must be at least 1")
        if self.keep_finished < timedelta(0) or self.expire_every <= timedelta(0):
            raise ValueError("batch expiry times must be positive")

    def check(self, usage: StoreUsage, new_bytes: int, now: datetime) -> None:
        """Raise `BatchQuotaExceeded` if a new batch of `new_bytes` does not fit."""
        retry = self._retry_after(usage, now)
        if usage.batches + 1 > self.max_batches:
            raise BatchQuotaExceeded("max_batches", self.max_batches, usage.batches,
                                     f"at most {self.max_batches} batches are kept per tenant",
                                     retry)
        if usage.stored_bytes + new_bytes > self.max_bytes:
            if new_bytes > self.max_bytes:  # never fits: waiting does not help
                retry = None
            raise BatchQuotaExceeded("max_bytes", self.max_bytes, usage.stored_bytes,
                                     f"at most {self.max_bytes} bytes of batches are kept per"
                                     " tenant", retry)

    def _retry_after(self, usage: StoreUsage, now: datetime) -> int | None:
        if usage.oldest_finished is None:
            return None  # only unfinished batches: nothing will expire before they finish
        expires = usage.oldest_finished + self.keep_finished
        return max(1, math.ceil((expires - now).total_seconds()))


@dataclass(frozen=True)
class StoreUsage:
    """What one tenant's batch store holds now."""

    batches: int
    stored_bytes: int
    oldest_finished: datetime | None = None  # when the longest-finished batch finished


class BatchQuotaExceeded(ValueError):
    """A new batch would pass one of the tenant's limits; nothing of it was stored."""

    def __init__(self, quota: str, limit: int, used: int, message: str,
                 retry_after: int | None) -> None:
        super().__init__(f"{quota}: {message}")
        self.quota = quota
        self.limit = limit
        self.used = used
        self.message = message
        self.retry_after = retry_after
