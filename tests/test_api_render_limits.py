"""The API's rendering limits over a real socket (uvicorn on loopback).

A full render queue answers 503 with Retry-After (previews and issuing, before anything is
posted); a render over the time limit or the memory ceiling answers 422 naming the lines; a
caller that disconnects cancels its render, and the server goes on answering.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_api_helpers import FakeIssuers, page_count, pdf_text, sample, tenant_settings
from test_api_socket import make_key, serving
from test_render_pool import ceiling_below_a_long_render, eventually

from api.app import create_app
from api.tenants import TenantRegistry
from issuing.renderpool import MiB, PoolLimits, RenderPool


def long_invoice(lines: int = 1000, source_id: str = "LONG-1") -> dict[str, Any]:
    data = sample(source_id=source_id)
    data["lines"] = [copy.deepcopy(data["lines"][0]) for _ in range(lines)]
    return data


class Served:
    def __init__(self, base_url: str, key: str, pool: RenderPool, issuers: FakeIssuers) -> None:
        self.base_url, self.key, self.pool, self.issuers = base_url, key, pool, issuers
        self.headers = {"Authorization": f"Bearer {key}"}

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers,
                            timeout=options.pop("timeout", 120), **options)


@contextmanager
def served(tmp: Path, limits: PoolLimits) -> Iterator[Served]:
    settings = tenant_settings(tmp, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp / "keys.sqlite")
    key = make_key(registry, "alpha")
    issuers = FakeIssuers()
    app = create_app(registry, issuer_factory=issuers, batch_workers=0, render_limits=limits)
    with serving(app) as base_url:
        pool: RenderPool = app.state.faktura.pool
        pool.wait_ready()
        yield Served(base_url, key, pool, issuers)


def send_raw(server: Served, body: dict[str, Any]) -> socket.socket:
    """A preview request sent by hand on a socket the caller may close at any moment."""
    payload = json.dumps(body).encode()
    host, port = server.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(b"POST /v1/preview HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 b"Accept: application/pdf\r\nAuthorization: Bearer " + server.key.encode()
                 + b"\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    return sock


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One render worker and one place in the queue."""
    with served(tmp_path_factory.mktemp("one"), PoolLimits(workers=1,
                                                           queue_per_worker=1)) as server:
        yield server


def test_a_1000_line_preview_answers_within_the_limits(one_worker: Served) -> None:
    with one_worker.client() as http:
        answer = http.post("/v1/preview", json=long_invoice())
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert page_count(answer.content) > 10 and "KLADDE" in pdf_text(answer.content)
    stats = one_worker.pool.stats()
    assert stats.timed_out == 0 and stats.over_memory == 0
    assert 0 < stats.max_rss <= one_worker.pool.limits.memory_limit


def test_full_queue_answers_503_with_retry_after(one_worker: Served) -> None:
    before = one_worker.pool.stats()
    # drafts not previewed before (a kept preview is answered without a render)
    running = send_raw(one_worker, long_invoice(source_id="LONG-2"))  # the worker renders it
    eventually(lambda: one_worker.pool.stats().running == 1)
    waiting = send_raw(one_worker, long_invoice(source_id="LONG-3"))  # and this one waits
    eventually(lambda: one_worker.pool.stats().waiting == 1)
    try:
        with one_worker.client() as http:
            busy = http.post("/v1/preview", json=sample())
            body = assert_problem(busy, 503)
            assert int(busy.headers["Retry-After"]) >= 1
            assert "busy" in body["detail"]

            issued = http.post("/v1/invoices", json=sample(source_id="Q-1"))
            assert_problem(issued, 503)
            assert "Retry-After" in issued.headers
            poster = one_worker.issuers.posters.get("alpha")
            assert poster is None or poster.posts == 0  # refused before anything was posted
    finally:
        running.close()
        waiting.close()
    # both callers went away: the waiting render left the queue, the running one was stopped
    eventually(lambda: one_worker.pool.stats().cancelled >= before.cancelled + 2)
    eventually(lambda: one_worker.pool.stats().running == 0
               and one_worker.pool.stats().waiting == 0)
    with one_worker.client() as http:
        again = http.post("/v1/preview", json=sample())
        assert again.status_code == 200 and again.content.startswith(b"%PDF")


def test_a_client_that_disconnects_cancels_its_render(one_worker: Served) -> None:
    pool = one_worker.pool
    before = pool.stats()
    worker = before.worker_pids[0]
    with pytest.raises(httpx.ReadTimeout), one_worker.client(timeout=httpx.Timeout(
            120, read=1.0)) as http:
        http.post("/v1/preview", json=long_invoice(source_id="LONG-4"))  # gives up after 1 s
    eventually(lambda: pool.stats().cancelled == before.cancelled + 1)
    assert worker not in pool.stats().worker_pids  # the worker rendering it was stopped
    with one_worker.client() as http:
        answer = http.post("/v1/preview", json=sample(), headers={"Accept": "text/html"})
        assert answer.status_code == 200 and "KLADDE" in answer.text
        assert "<style>" in answer.text  # the stylesheet is inlined


def test_over_the_time_limit_answers_422_naming_the_lines(tmp_path: Path) -> None:
    with served(tmp_path, PoolLimits(workers=1, time_limit=0.2)) as server, \
            server.client() as http:
        answer = http.post("/v1/preview", json=long_invoice())
        body = assert_problem(answer, 422)
        assert body["type"].endswith("/too-long-to-render")
        assert "too long to render within the time limit of 0.2 s" in body["detail"]
        assert [e["field"] for e in body["errors"]] == ["lines"]
        assert server.pool.stats().timed_out == 1
        assert http.get("/healthz").status_code == 200


def test_over_the_memory_ceiling_answers_422_and_the_server_goes_on(tmp_path: Path) -> None:
    ceiling = ceiling_below_a_long_render(tenant_settings(tmp_path / "measure", "alpha"))
    limits = PoolLimits(workers=1, memory_limit=ceiling, recycle_memory=ceiling)
    with served(tmp_path, limits) as server, server.client() as http:
        answer = http.post("/v1/preview", json=long_invoice())
        body = assert_problem(answer, 422)
        assert f"memory limit of {ceiling // MiB} MiB" in body["detail"]
        assert server.pool.stats().over_memory == 1
        small = http.post("/v1/preview", json=sample())
        assert small.status_code == 200 and small.content.startswith(b"%PDF")
        issued = http.post("/v1/invoices", json=sample(source_id="M-1"))
        assert issued.status_code == 201, issued.text


def test_batches_render_in_the_pool(tmp_path: Path) -> None:
    settings = tenant_settings(tmp_path, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    key = make_key(registry, "alpha")
    app = create_app(registry, issuer_factory=FakeIssuers(), render_workers=1)
    with serving(app) as base_url, httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        pool: RenderPool = app.state.faktura.pool
        created = http.post("/v1/batches", json={"invoices": [
            sample(source_id=f"B-{i}") for i in range(3)]})
        assert created.status_code == 202, created.text
        batch_id = created.json()["id"]
        record = eventually(lambda: (lambda r: r if r["status"] in ("done", "failed") else None)(
            http.get(f"/v1/batches/{batch_id}").json()), seconds=120)
        assert record["status"] == "done" and record["issued"] == 3
        assert pool.stats().rendered >= 3
