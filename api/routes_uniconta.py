"""`POST|GET /v1/uniconta/events/{token}`: Uniconta's webhook ("Change URL") for booked invoices.

Uniconta calls the URL registered in a `TableChangeEvent` row with `Company`, `Table`, `Key`,
`RowId` and `Operation` as query arguments (and, with UsePost, the record as JSON). The token
in the path is the tenant's secret (`uniconta.webhook_token`); a wrong one answers 404 before
anything is read, and the request log names only the route template, never the token.

The call is a hint, never trusted: its body is not read, and only `RowId` / `Key` say which
invoice to read back from Uniconta; what Uniconta answers is issued (`issuing.booked`), once
per invoice number. The answer (202) comes at once; the work runs after it, in a thread: the
hints that arrive meanwhile are read back together in the next round (`issuing.events`), and
their bookings issued as many at once as the render pool has workers (each renders while
holding only its own number's claim).

`start_followers` runs the poll (`faktura follow`) inside the server for each tenant whose
settings ask for it (`uniconta.follow_in_server`): the webhook's backstop in one process.
`start_status_refreshers` reads each tenant's payment statuses in the background
(`issuing.refresher`: every `uniconta.status_interval` seconds, 0: never); each webhook call
with the right token also asks for a read soon after it, many calls coalescing into one.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable
from fastapi import APIRouter, BackgroundTasks, Request, Response

from api.keys import KeyInfo
from api.problems import problem_response
from api.state import AppState
from issuing.booked import BookedIssuer, booked_issuer
from issuing.bootstrap import open_status_store
from issuing.events import EventDrain
from issuing.refresher import StatusRefresher, Timing
from issuing.status import refresh_if_due

router = APIRouter(tags=["uniconta"])
_followers: dict[int, dict[str, BookedIssuer]] = {}
_followers_lock = threading.Lock()
_drains: dict[int, dict[str, EventDrain]] = {}
_refreshers: dict[int, dict[str, StatusRefresher]] = {}


def _tenant_of(state: AppState, token: str) -> str | None:
    """The tenant whose webhook token this is (compared in constant time), or None."""
    found = None
    for tenant, settings in state.registry.settings.items():
        secret = settings.uniconta.webhook_token
        if secret is not None and hmac.compare_digest(
                secret.get_secret_value().encode(), token.encode("utf-8", "replace")):
            found = tenant
    return found


def _booked_issuer(state: AppState, tenant: str) -> BookedIssuer:
    services = state.services(KeyInfo("", tenant, ""))
    with _followers_lock:
        per_app = _followers.setdefault(id(state), {})
        found = per_app.get(tenant)
        if found is None:
            found = booked_issuer(services.issuer(), services.guard.posting_lock,
                                  parallel=state.pool.workers)
            per_app[tenant] = found
        return found


def _drain(state: AppState, tenant: str) -> EventDrain:
    with _followers_lock:
        per_app = _drains.setdefault(id(state), {})
        found = per_app.get(tenant)
        if found is None:
            found = per_app[tenant] = EventDrain(lambda: _booked_issuer(state, tenant))
        return found


logger = logging.getLogger("api.uniconta")


def _read_back(state: AppState, tenant: str) -> None:
    try:
        _drain(state, tenant).drain()
    except Exception as error:  # noqa: BLE001 - a hint only: the poll catches what this missed
        logger.warning("a Uniconta event for tenant %s could not be handled now (%s); the"
                       " poll will", tenant, type(error).__name__)


def start_followers(state: AppState) -> Callable[[], None]:
    """Start the poll for every tenant that asks for it; returns the function that stops them."""
    stopping = threading.Event()
    threads = []
    for tenant, settings in state.registry.settings.items():
        if not settings.uniconta.follow_in_server:
            continue

        def run(tenant: str = tenant, interval: int = settings.uniconta.follow_interval) -> None:
            def report(result: object) -> None:
                if isinstance(result, Exception):
                    logger.warning("polling Uniconta for tenant %s: %s; trying again later",
                                   tenant, type(result).__name__)

            try:
                _booked_issuer(state, tenant).follow(
                    interval=interval, stop=stopping.is_set, on_round=report,
                    sleep=stopping.wait)
            except Exception as error:  # noqa: BLE001 - the server goes on; the log says why
                logger.error("the poll for tenant %s stopped: %s", tenant,
                             type(error).__name__)

        thread = threading.Thread(target=run, name=f"uniconta-follow-{tenant}", daemon=True)
        thread.start()
        threads.append(thread)

    def stop() -> None:
        stopping.set()
        for thread in threads:
            thread.join(timeout=30)
        with _followers_lock:
            _drains.pop(id(state), None)
            for follower in _followers.pop(id(state), {}).values():
                follower.close()

    return stop


def start_status_refreshers(state: AppState, timing: Timing) -> Callable[[], None]:
    """Start reading the payment statuses of every tenant whose settings ask for it; returns
    the function that stops them (after a read under way)."""
    refreshers: dict[str, StatusRefresher] = {}
    for tenant, settings in state.registry.settings.items():
        interval = (settings.uniconta.status_interval if timing.interval is None
                    else timing.interval)
        if not interval:
            continue

        def refresh(min_age: float, wait: bool, tenant: str = tenant) -> bool:
            services = state.services(KeyInfo("", tenant, ""))
            client = _booked_issuer(state, tenant).client  # the issuer's Uniconta client
            with open_status_store(services.settings) as store:
                return refresh_if_due(services.settings, services.archive, store, client,
                                      min_age=min_age, wait=wait) is not None

        refreshers[tenant] = StatusRefresher(tenant, refresh, interval=interval,
                                             gap=timing.gap, settle=timing.settle)
    with _followers_lock:
        _refreshers[id(state)] = refreshers

    def stop() -> None:
        with _followers_lock:
            _refreshers.pop(id(state), None)
        for refresher in refreshers.values():
            refresher.close()

    return stop


def _poke(state: AppState, tenant: str) -> None:
    with _followers_lock:
        refresher = _refreshers.get(id(state), {}).get(tenant)
    if refresher is not None:
        refresher.poke()


@router.api_route("/v1/uniconta/events/{token}", methods=["GET", "POST"],
                  include_in_schema=False, status_code=202)
async def uniconta_event(token: str, request: Request,
                         background: BackgroundTasks) -> Response:
    # On the event loop, never waiting for a thread: while a burst of calls keeps every
    # worker thread reading back, the next call is still answered at once.
    state: AppState = request.app.state.faktura
    tenant = _tenant_of(state, token)
    if tenant is None:
        return problem_response(404, "Not Found")
    params = request.query_params
    _poke(state, tenant)
    if _drain(state, tenant).add(params.get("Key"), params.get("RowId")):
        background.add_task(_read_back, state, tenant)
    return Response(status_code=202)
