"""Background work on Celery workers: the poll for booked invoices and the payment-status read,
sent on a schedule by `faktura beat` (Celery beat) to the `<namespace>.periodic` queue.

Beat, not tasks that send themselves again: a self-rescheduling task is a chain that a lost
message or a killed worker breaks without a sound (or doubles, when a redelivered task and its
first run both send the next), and nothing shows that it stopped; beat is one small process
that sends each task on time, and whether it runs is plain to see. Repeats and overlaps are
made harmless where the work is done: each round takes the tenant's lock without waiting (a
round under way anywhere — another worker, `faktura serve`, `faktura follow` — makes it a
no-op), issuing is exactly once per invoice number, and a status read younger than 90 % of
its interval is left alone. So a second beat only sends more messages, never does work twice.

Every message expires after its interval: rounds not taken while the workers were down are
dropped, not piled up. The schedule lives in memory (no schedule file): a started beat sends
every task at once, so a round follows start-up, and then every interval.

Tasks (one tenant each): `faktura.follow` every `uniconta.follow_interval` seconds for the
tenants with `uniconta.follow_in_workers`; `faktura.refresh_status` every
`uniconta.status_interval` seconds (0: never). A worker process opens a tenant's parts once
(`issuing.bootstrap.open_parts`, whose archive queues and sends each invoice's e-mail when
`[delivery] automatic` is set) and closes them when it ends, after the last e-mail was tried.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.beat import ScheduleEntry, Scheduler
from celery.signals import worker_process_shutdown

from faktura.errors import FakturaError, InvalidInput, Problem
from faktura.settings import Settings
from issuing.booked import BookedIssuer, booked_issuer
from issuing.bootstrap import Parts, open_parts, open_status_store
from issuing.queue import make_app
from issuing.status import refresh_if_due
from sync.uniconta.errors import GatewayError

log = logging.getLogger(__name__)

FOLLOW_TASK = "faktura.follow"
STATUS_TASK = "faktura.refresh_status"


def periodic_queue(namespace: str) -> str:
    return f"{namespace}.periodic"


def shared_app(settings: dict[str, Settings], source: str) -> tuple[Celery, Settings]:
    """The Celery application every tenant of these settings shares (one broker, one queue
    namespace; `InvalidInput` naming `source` else), with the periodic tasks; and the first
    tenant's settings (the broker's)."""
    configs = list(settings.values())
    brokers = {c.broker_url.get_secret_value() if c.broker_url else "" for c in configs}
    if "" in brokers or len(brokers) > 1 or len({c.queue_namespace for c in configs}) > 1:
        raise InvalidInput(source, [Problem(
            "broker_url", "every tenant needs the same broker_url and queue_namespace for a"
            " worker")])
    app = make_app(configs[0])
    app.task(name=FOLLOW_TASK, ignore_result=True)(_follow_task)
    app.task(name=STATUS_TASK, ignore_result=True)(_status_task)
    return app, configs[0]


# -- where beat runs -----------------------------------------------------------------------------


def beat_schedule(settings: dict[str, Settings]) -> dict[str, dict[str, Any]]:
    """Celery beat's schedule for these tenants (see the module's docstring)."""
    out: dict[str, dict[str, Any]] = {}
    for tenant, config in settings.items():
        wanted = (("follow", FOLLOW_TASK, config.uniconta.follow_interval
                   if config.uniconta.follow_in_workers else 0),
                  ("status", STATUS_TASK, config.uniconta.status_interval))
        for kind, task, seconds in wanted:
            if seconds:
                out[f"{kind}-{tenant}"] = {
                    "task": task, "schedule": timedelta(seconds=seconds), "args": (tenant,),
                    "options": {"queue": periodic_queue(config.queue_namespace),
                                "expires": seconds}}
    return out


class DueAtStart(ScheduleEntry):
    """A schedule entry that is due as soon as beat starts (then every interval)."""

    def __init__(self, *args: Any, last_run_at: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, last_run_at=last_run_at, **kwargs)
        if last_run_at is None:
            self.last_run_at -= self.schedule.run_every


class StartingScheduler(Scheduler):
    """Beat's in-memory scheduler whose entries are due at start."""

    Entry = DueAtStart


# -- on the worker -------------------------------------------------------------------------------


class _Tenants:
    """A worker process's tenants: their settings, and their parts once opened."""

    def __init__(self, settings: dict[str, Settings]) -> None:
        self.settings = settings
        self._parts: dict[str, Parts] = {}
        self._followers: dict[str, BookedIssuer] = {}
        self._stack = ExitStack()
        self._lock = threading.Lock()

    def parts(self, tenant: str) -> Parts:
        with self._lock:
            if tenant not in self._parts:
                if tenant not in self.settings:
                    raise FakturaError(f"this worker has no settings for tenant {tenant!r}")
                self._parts[tenant] = self._stack.enter_context(
                    open_parts(self.settings[tenant]))
            return self._parts[tenant]

    def follower(self, tenant: str) -> BookedIssuer:
        parts = self.parts(tenant)
        with self._lock:
            if tenant not in self._followers:
                follower = booked_issuer(parts.issuer)
                self._stack.callback(follower.close)
                self._followers[tenant] = follower
            return self._followers[tenant]

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._parts.clear()
            self._followers.clear()


_tenants: _Tenants | None = None


def install(settings: dict[str, Settings]) -> None:
    """Give this worker process its tenants' settings (before the worker starts)."""
    global _tenants
    _tenants = _Tenants(settings)


@worker_process_shutdown.connect
def _close(**_: Any) -> None:
    if _tenants is not None:
        _tenants.close()


def _worker() -> _Tenants:
    if _tenants is None:
        raise FakturaError("not a Faktura worker (start it with `faktura worker`)")
    return _tenants


def _follow_task(tenant: str) -> None:
    try:
        outcomes = _worker().follower(tenant).follow_once(wait=False)
    except GatewayError as error:
        log.warning("polling Uniconta for tenant %s: %s; the next round tries again", tenant,
                    error)
        return
    if outcomes is None:
        log.info("tenant %s: another poll is under way; this round is left out", tenant)
    elif outcomes:
        counts = Counter(o.outcome for o in outcomes)
        log.info("tenant %s: booked invoices %s", tenant,
                 ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())))


def _status_task(tenant: str) -> None:
    parts = _worker().parts(tenant)
    settings = parts.settings
    try:
        with open_status_store(settings) as store:
            read = refresh_if_due(settings, parts.archive, store, parts.engine.client,
                                  min_age=0.9 * settings.uniconta.status_interval)
    except GatewayError as error:
        log.warning("reading the payment statuses of tenant %s: %s; the next round tries"
                    " again", tenant, error)
        return
    if read is not None:
        log.info("tenant %s: payment statuses read (%d invoices)", tenant, len(read))
