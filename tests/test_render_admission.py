"""A full render queue: previews (page and API) are refused at once with a `Retry-After` that
prices what is queued, and health and the archive stay fast while it is full.

The queue is filled for as long as a test needs by stopping the one render worker (SIGSTOP)
while it renders: nothing drains it, nothing races.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_api_helpers import FakeIssuers, sample, tenant_settings
from test_api_socket import make_key, serving

from api.app import create_app
from api.tenants import TenantRegistry
from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from issuing.renderpool import PoolLimits, RenderJob, RenderPool, RenderQueueFull


def invoice_of(lines: int) -> Invoice:
    data = sample()
    data["lines"] = [copy.deepcopy(data["lines"][0]) for _ in range(lines)]
    return parse_invoice(data)


def eventually(condition: Callable[[], Any], seconds: float = 120.0) -> Any:
    """Wait until `condition()` is true (a bound on waiting, not a speed assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("the condition never became true")


@contextmanager
def stopped_worker(pool: RenderPool, running: RenderJob) -> Iterator[None]:
    """The pool's one worker frozen while it renders `running`; thawed afterwards."""
    eventually(lambda: pool.stats().running == 1 and running.future.running())
    (pid,) = pool.stats().worker_pids
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):  # a cancelled render's worker is gone
            os.kill(pid, signal.SIGCONT)


def _retry_after_when_full(pool: RenderPool, settings: Settings, invoice: Invoice) -> int:
    with pytest.raises(RenderQueueFull) as refused:
        pool.submit(invoice, settings)
    return refused.value.retry_after


def test_retry_after_prices_what_is_queued_by_measured_render_times(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    long, short = invoice_of(900), invoice_of(1)  # two long ones: seconds, not a rounding
    with RenderPool(PoolLimits(workers=1, queue_per_worker=2)) as pool:
        pool.wait_ready()
        spent: dict[str, list[float]] = {"long": [], "short": []}
        for name, invoice in (("long", long), ("short", short)) * 2:
            started = time.monotonic()
            pool.result(pool.submit(invoice, settings, draft=True))
            spent[name].append(time.monotonic() - started)
        times = {name: statistics.mean(seconds) for name, seconds in spent.items()}
        running = pool.submit(short, settings, draft=True)
        with stopped_worker(pool, running):
            queued = [pool.submit(long, settings, draft=True) for _ in range(2)]
            behind_long = _retry_after_when_full(pool, settings, short)
            for job in queued:
                job.cancel()
            queued = [pool.submit(short, settings, draft=True) for _ in range(2)]
            behind_short = _retry_after_when_full(pool, settings, short)
            for job in [*queued, running]:
                job.cancel()
    # Two long renders wait: at least their measured time (with room for a busy machine's
    # noise), and clearly more than two short ones.
    assert behind_long >= 2 * times["long"] * 0.5, (behind_long, times)
    assert behind_long <= 2 * times["long"] * 3 + 3, (behind_long, times)
    assert behind_short < behind_long, (behind_short, behind_long, times)


# -- over a socket ------------------------------------------------------------------------------


def csrf_of(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def signed_in_client(base_url: str, key: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    form = client.get("/login")
    answer = client.post("/login", data={"key": key,
                                         "login_token": csrf_of(form.text, "login_token")})
    assert answer.status_code in (200, 303), answer.text
    return client


def median_seconds(probe: Callable[[], httpx.Response], times: int = 15) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        answer = probe()
        spent.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
    return statistics.median(spent)


#: Concurrent callers asking for previews while the queue is full: more than the server's
#: shared threads (40), so a preview that held one while waiting would starve the rest.
CALLERS = 44
#: How much slower health and the archive may answer under that load than when idle: a
#: generous bound (the failure it guards against is a 30 s time-out, thousands of times).
SLOWER_AT_MOST = 25


def test_a_full_queue_refuses_previews_at_once_and_health_and_archive_stay_fast(
        tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    key = make_key(registry, "alpha")
    app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0,
                     render_limits=PoolLimits(workers=1, queue_per_worker=1))
    invoice = sample()
    with serving(app) as base_url:
        pool: RenderPool = app.state.faktura.pool
        pool.wait_ready()
        page = signed_in_client(base_url, key)
        api = httpx.Client(base_url=base_url, timeout=30,
                           headers={"Authorization": f"Bearer {key}"})
        csrf = csrf_of(page.get("/preview").text, "csrf")
        probes = {"health": lambda: api.get("/healthz"),
                  "archive": lambda: api.get("/v1/archive"),
                  "archive page": lambda: page.get("/archive")}
        for probe in probes.values():  # warm: the first answer of each builds its caches
            probe()
        idle = {name: median_seconds(probe) for name, probe in probes.items()}

        running = pool.submit(parse_invoice(invoice), settings, draft=True)
        with stopped_worker(pool, running):
            waiting = pool.submit(parse_invoice(invoice), settings, draft=True)  # full now
            from_page = page.post("/preview", data={"csrf": csrf,
                                                    "invoice": json_text(invoice)})
            from_api = api.post("/v1/preview", json=invoice)
            for answer in (from_page, from_api):
                assert answer.status_code == 503, answer.text
                assert int(answer.headers["retry-after"]) >= 1

            answers: list[int] = []
            stop = threading.Event()

            def ask_for_previews(use_page: bool) -> None:
                with httpx.Client(base_url=base_url, timeout=60, cookies=page.cookies,
                                  headers={"Authorization": f"Bearer {key}"}) as own:
                    while not stop.is_set():
                        if use_page:
                            answer = own.post("/preview", data={
                                "csrf": csrf, "invoice": json_text(invoice)})
                        else:
                            answer = own.post("/v1/preview", json=invoice)
                        answers.append(answer.status_code)
                        stop.wait(0.5)

            callers = [threading.Thread(target=ask_for_previews, args=(i % 2 == 0,),
                                        daemon=True) for i in range(CALLERS)]
            for caller in callers:
                caller.start()
            try:
                eventually(lambda: len(answers) >= CALLERS, 60)
                busy = {name: median_seconds(probe) for name, probe in probes.items()}
            finally:
                stop.set()
                for caller in callers:
                    caller.join(timeout=90)
            for job in (waiting, running):
                job.cancel()
        page.close()
        api.close()
    assert set(answers) == {503}, answers
    slower = {name: busy[name] / idle[name] for name in probes}
    assert all(ratio < SLOWER_AT_MOST for ratio in slower.values()), (slower, idle, busy)


def json_text(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)
