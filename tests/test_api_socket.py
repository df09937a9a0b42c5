"""The API over a real socket: uvicorn in a thread on 127.0.0.1, issuing for real.

Invoices are posted by the sync core (`issuing.bootstrap.open_issuer`) to the Uniconta emulator
over HTTP, rendered, archived, and read back through the API. The server is configured as
`faktura serve` configures it (`api.server.server_config`).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from test_api_helpers import FakeIssuers, page_count, pdf_text, sample, tenant_settings

from api.app import create_app
from api.auth import KeyStore
from api.server import server_config
from api.tenants import TenantRegistry
from sync.emulator.server import free_port
from sync.emulator.testing import EmulatorHandle


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread has no signals
        pass


@contextmanager
def serving(app: FastAPI, **options: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port until the block ends; yields the base URL
    (`options`: more of `server_config`'s, e.g. `limits`)."""
    port = free_port()
    server = _Server(server_config(app, "127.0.0.1", port, log_level="warning", lifespan="on",
                                   **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def make_key(registry: TenantRegistry, tenant: str) -> str:
    store = KeyStore(registry.key_store_path)
    try:
        return store.create(tenant)[0]
    finally:
        store.close()


def wait_done(client: httpx.Client, batch_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        record = client.get(f"/v1/batches/{batch_id}").json()
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(0.3)
    raise AssertionError("batch did not finish")


def test_issue_preview_batch_and_archive_for_real(tmp_path: Path,
                                                  emulator: EmulatorHandle) -> None:
    base = tenant_settings(tmp_path, "revisorhuset")
    settings = base.model_copy(update={"uniconta": base.uniconta.model_copy(
        update={"gateway_url": emulator.base_url})})
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    key = make_key(registry, "revisorhuset")
    app = create_app(registry, batch_workers=2)  # the real sync core; batches in 2 processes
    with serving(app) as base_url, httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as http:
        assert httpx.get(f"{base_url}/healthz").json()["status"] == "ok"
        assert httpx.get(f"{base_url}/v1/archive").status_code == 401

        preview = http.post("/v1/preview", json=sample(source_id="LIVE-1"))
        assert preview.status_code == 200 and "KLADDE" in pdf_text(preview.content)
        assert emulator.query("DebtorInvoice") == []  # a preview posts nothing

        first = http.post("/v1/invoices", json=sample(source_id="LIVE-1"))
        assert first.status_code == 201, first.text
        number = first.json()["invoice_number"]
        again = http.post("/v1/invoices", json=sample(source_id="LIVE-1"))
        assert (again.status_code, again.json()["invoice_number"]) == (200, number)
        assert len(emulator.query("DebtorInvoice")) == 1  # posted exactly once

        meta = http.get(f"/v1/archive/{number}/meta").json()
        assert meta["fik_line"] and meta["voucher"] is not None
        pdf = http.get(f"/v1/archive/{number}").content
        assert number in pdf_text(pdf) and meta["fik_line"].replace(" ", "") in pdf_text(
            pdf).replace(" ", "")

        bad = sample(source_id="LIVE-BAD")
        del bad["customer"]["customer_number"]
        invoices = [sample(source_id="LIVE-1"), sample(source_id="LIVE-2"), bad,
                    sample("04-mixed-vat.json", source_id="LIVE-3"),
                    # credits LIVE-3, booked before it in the same batch
                    sample("05-credit-note.json", source_id="LIVE-4",
                           preceding_invoice_reference=str(int(number) + 2))]
        accepted = http.post("/v1/batches", json={"invoices": invoices})
        assert accepted.status_code == 202
        record = wait_done(http, accepted.json()["id"])
        assert [r["outcome"] for r in record["results"]] == [
            "already_issued", "issued", "failed", "issued", "issued"], record
        assert record["results"][2]["errors"][0]["field"] == "customer.customer_number"
        numbers = [r["invoice_number"] for r in record["results"] if r["invoice_number"]]
        assert len(set(numbers)) == 4 and numbers[0] == number
        assert len(emulator.query("DebtorInvoice")) == 4  # each posted exactly once
        merged = http.get(f"/v1/batches/{record['id']}/pdf")
        assert merged.status_code == 200
        assert page_count(merged.content) == sum(
            page_count(http.get(f"/v1/archive/{n}").content) for n in numbers)

        listed = http.get("/v1/archive").json()["items"]
        assert sorted(i["invoice_number"] for i in listed) == sorted(numbers)


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    settings = tenant_settings(tmp_path, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    key = make_key(registry, "alpha")
    app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0)
    with serving(app) as base_url:
        yield base_url, key


def raw_request(base_url: str, head: bytes, body_chunks: Iterator[bytes]) -> bytes:
    """Send a request by hand, stop sending as soon as the server answers; the answer's head."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        pending = b""
        chunks = iter(body_chunks)
        answer = b""
        deadline = time.monotonic() + 30
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            if not pending:
                pending = next(chunks, b"")
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 1)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not data:
                    break
                answer += data
            elif writable:
                try:
                    pending = pending[sock.send(pending):]
                except (BrokenPipeError, ConnectionResetError):
                    pending = b""
        return answer


def test_50_mb_body_is_refused_early_over_a_socket(small_server: tuple[str, str]) -> None:
    base_url, key = small_server
    head = (b"POST /v1/preview HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\nContent-Length: 52428800\r\n\r\n")
    answer = raw_request(base_url, head, iter([b"{"]))  # 1 byte of the declared 50 MB
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer


def test_chunked_body_over_the_limit_is_refused_over_a_socket(
        small_server: tuple[str, str]) -> None:
    base_url, key = small_server
    head = (b"POST /v1/batches HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        piece = b" " * 65536
        for _ in range(50 * 16):  # 50 MB
            sent += 1
            yield b"%x\r\n" % len(piece) + piece + b"\r\n"

    answer = raw_request(base_url, head, chunks())
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 50 * 16


def test_auth_and_problem_json_over_a_socket(small_server: tuple[str, str]) -> None:
    base_url, key = small_server
    with httpx.Client(base_url=base_url, timeout=60) as http:
        unknown = http.get("/v1/archive", headers={"Authorization": "Bearer fk_nope"})
        assert unknown.status_code == 401
        assert unknown.headers["content-type"] == "application/problem+json"
        auth = {"Authorization": f"Bearer {key}"}
        bad = http.post("/v1/invoices", content=b"{", headers={
            **auth, "Content-Type": "application/json"})
        assert bad.status_code == 400
        issued = http.post("/v1/invoices", json=sample(source_id="SOCK-1"), headers=auth)
        assert issued.status_code == 201
        number = issued.json()["invoice_number"]
        assert http.get(f"/v1/archive/{number}", headers=auth).content.startswith(b"%PDF")


def _answer(base_url: str, request: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer: (status line, headers, body)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status.encode(), headers, body


@pytest.mark.parametrize("lengths", [["abc"], ["-5"], ["2", "3"], ["1e3"], ["0x10"]])
def test_a_garbage_content_length_is_a_400_problem_over_a_socket(
        small_server: tuple[str, str], lengths: list[str]) -> None:
    base_url, key = small_server
    head = "".join(f"Content-Length: {value}\r\n" for value in lengths)
    request = (f"POST /v1/preview HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               f"Authorization: Bearer {key}\r\n{head}\r\n{{}}").encode()
    status, headers, body = _answer(base_url, request)
    assert status.startswith(b"HTTP/1.1 400"), status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 400 and "Content-Length" in problem["detail"]
    assert problem["request_id"] == headers["x-request-id"]


def test_answers_over_a_socket_carry_a_request_id(small_server: tuple[str, str]) -> None:
    base_url, _ = small_server
    answer = httpx.get(f"{base_url}/healthz", headers={"X-Request-ID": "from-the-caller"})
    assert answer.headers["x-request-id"] == "from-the-caller"
