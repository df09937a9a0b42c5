"""Slow and idle clients over real sockets: the server as `faktura serve` runs it cuts off a
request whose head or body trickles in, and caps the connections one address, and everyone,
may hold open. The limits are set short here so the tests stay quick; nothing is timed: each
test checks that the server closed the connection long before the client would have finished.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_api_helpers import FakeIssuers, tenant_settings
from test_api_socket import make_key, serving

from api.app import create_app
from api.server import ConnectionLimits
from api.tenants import TenantRegistry

LIMITS = ConnectionLimits(header_timeout=1.0, body_timeout=2.0, max_connections=7,
                          max_per_client=3)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int, str]]:
    settings = tenant_settings(tmp_path, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    key = make_key(registry, "alpha")
    app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0)
    with serving(app, limits=LIMITS) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        yield host, int(port), key


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A connection to the server from `source` (any 127.x.y.z address is this machine)."""
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def trickle(sock: socket.socket, data: bytes, every: float) -> tuple[bytes, int]:
    """Send `data` a byte at a time, `every` seconds apart, until the server answers or
    closes; (what it answered, how many bytes were sent)."""
    sock.settimeout(every)
    sent = 0
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += 1
        try:
            answer = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return b"", sent
        return answer + read_rest(sock), sent
    return read_rest(sock), sent


def read_rest(sock: socket.socket, seconds: float = 10.0) -> bytes:
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def closed_by_server(sock: socket.socket, seconds: float = 10.0) -> bytes | None:
    """What the server sent before closing the connection (None: still open after
    `seconds`)."""
    sock.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data
    except TimeoutError:
        return None


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off_with_408(
        server: tuple[str, int, str]) -> None:
    _, port, _ = server
    head = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with connect(port) as sock:
        answer, sent = trickle(sock, head, every=0.25)  # 60 s for the whole head
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer and b"head" in answer
    assert sent < len(head) // 2


def test_a_body_at_one_byte_per_two_seconds_is_cut_off_with_408(
        server: tuple[str, int, str]) -> None:
    _, port, key = server
    body = b'{"source_id": "SLOW", "lines": []}'
    head = (b"POST /v1/preview HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    with connect(port) as sock:
        sock.sendall(head)
        answer, sent = trickle(sock, body, every=2.0)  # 70 s for the whole body
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"body" in answer
    assert sent <= 3  # cut off after the body limit (2 s), not after the whole body


def test_idle_connections_are_capped_per_address_and_in_all_and_then_closed(
        server: tuple[str, int, str]) -> None:
    _, port, _ = server
    opened: list[socket.socket] = []
    try:
        mine = [connect(port, "127.0.0.2") for _ in range(LIMITS.max_per_client)]
        opened += mine
        one_too_many = connect(port, "127.0.0.2")
        opened.append(one_too_many)
        refused = closed_by_server(one_too_many, 5)
        assert refused is not None and refused.startswith(b"HTTP/1.1 503"), refused
        assert b"limit of 3 open connections" in refused

        # Another address may still connect, until the server holds its limit in all.
        others = [connect(port, f"127.0.0.{3 + i // 3}") for i in range(
            LIMITS.max_connections - LIMITS.max_per_client)]
        opened += others
        over_all = connect(port, "127.0.0.9")
        opened.append(over_all)
        refused = closed_by_server(over_all, 5)
        assert refused is not None and refused.startswith(b"HTTP/1.1 503"), refused
        assert b"limit of 7 connections" in refused

        # Idle connections are closed after the head's time limit: the server is free again.
        for sock in mine + others:
            answer = closed_by_server(sock, 10)
            assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
        deadline = time.monotonic() + 10
        while True:
            with connect(port, "127.0.0.9") as fresh:
                fresh.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                answer = read_rest(fresh)
            if answer.startswith(b"HTTP/1.1 200") or time.monotonic() > deadline:
                break
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        for sock in opened:
            sock.close()


def test_a_client_that_keeps_its_connection_and_asks_again_is_served(
        server: tuple[str, int, str]) -> None:
    _, port, _ = server
    with connect(port) as sock:
        for _ in range(3):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            sock.settimeout(10)
            answer = b""
            while not answer.endswith(b"}"):  # the whole answer: head and JSON body
                chunk = sock.recv(65536)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            time.sleep(0.3)  # well within the head's time limit
