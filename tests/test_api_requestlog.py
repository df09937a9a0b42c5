"""The request log and request ids: one JSON line per request, an `X-Request-ID` on every
answer (also in every problem document), and nothing of the caller's data in the log."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api_helpers import FakeIssuers, sample, tenant_settings

from api.app import create_app
from api.auth import KeyStore
from api.tenants import TenantRegistry
from faktura.model import Invoice
from faktura.settings import Settings

CUSTOMER = "Hemmeligsen Rådgivning ApS"
LINE_KEYS = {"request_id", "method", "route", "status", "duration_ms", "tenant"}


class Failing(FakeIssuers):
    """Issuers that fail the way a bug would: with the customer's data in the message."""

    def __init__(self) -> None:
        super().__init__()
        self.how = "runtime"

    @contextmanager
    def __call__(self, settings: Settings, renderer: Any = None) -> Iterator[Any]:
        if self.how == "pydantic":  # a pydantic error quotes the input value
            Invoice.model_validate({"customer": {"name": CUSTOMER, "vat_id": CUSTOMER}})
        raise RuntimeError(f"cannot issue for {CUSTOMER}")
        yield


class Server:
    def __init__(self, tmp: Path) -> None:
        settings = tenant_settings(tmp, "alpha")
        registry = TenantRegistry.of(settings, key_store_path=tmp / "keys.sqlite")
        store = KeyStore(registry.key_store_path)
        self.key, _ = store.create("alpha")
        store.close()
        self.issuers = Failing()
        self.app = create_app(registry, issuer_factory=self.issuers, batch_workers=0,
                              max_body_bytes=64 * 1024)
        self.client = TestClient(self.app, raise_server_exceptions=False)

    def auth(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("requestlog"))
    with running.client:
        yield running


@pytest.fixture(autouse=True)
def request_log_reaches_caplog(monkeypatch: pytest.MonkeyPatch) -> None:
    """`faktura serve`'s logging (`api.server.log_config`, which a socket test may have
    applied in this process) sends the request log to standard output only."""
    monkeypatch.setattr(logging.getLogger("api.requests"), "propagate", True)


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "api.requests"]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record the server wrote (message, arguments, traceback), as a handler would.

    The test client's own records (httpx logs each URL it calls) are not the server's.
    """
    formatter = logging.Formatter()
    return "\n".join(formatter.format(r) for r in caplog.records
                     if not r.name.startswith(("httpx", "httpcore")))


def assert_request_id(response: Any) -> str:
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", request_id)
    if response.headers.get("content-type") == "application/problem+json":
        assert response.json()["request_id"] == request_id
    return str(request_id)


def test_a_secret_key_and_a_customer_name_never_reach_the_log(
        server: Server, caplog: pytest.LogCaptureFixture) -> None:
    invoice = sample(source_id="LOG-1")
    invoice["customer"]["name"] = CUSTOMER
    invoice["lines"][0]["unit_price"] = CUSTOMER  # invalid: the name is in the error's input
    with caplog.at_level(logging.DEBUG):
        response = server.client.post(f"/v1/invoices?note={CUSTOMER}", json=invoice,
                                      headers=server.auth())
    assert response.status_code == 422
    assert CUSTOMER not in response.text
    [line] = request_lines(caplog)
    assert set(line) == LINE_KEYS
    assert line == {**line, "method": "POST", "route": "/v1/invoices", "status": 422,
                    "tenant": "alpha", "request_id": assert_request_id(response)}
    assert isinstance(line["duration_ms"], float)
    logged = everything_logged(caplog)
    assert server.key not in logged and server.key[3:] not in logged
    assert CUSTOMER not in logged and "Hemmeligsen" not in logged


def test_an_unknown_secret_looking_key_is_not_logged(server: Server,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    guessed = "fk_" + "Zq8sV3cretKeyMaterial" * 2
    with caplog.at_level(logging.DEBUG):
        response = server.client.get("/v1/archive", headers={"Authorization": f"Bearer {guessed}"})
    assert response.status_code == 401
    [line] = request_lines(caplog)
    assert (line["status"], line["tenant"], line["route"]) == (401, None, "/v1/archive")
    assert "Zq8sV3cret" not in everything_logged(caplog)


def test_the_route_template_is_logged_not_the_path(server: Server,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        response = server.client.get("/v1/archive/NUMBER-4711/meta", headers=server.auth())
    assert response.status_code == 404
    [line] = request_lines(caplog)
    assert line["route"] == "/v1/archive/{invoice_number}/meta"
    assert "4711" not in everything_logged(caplog)


@pytest.mark.parametrize("how", ["runtime", "pydantic"])
def test_an_unexpected_error_is_a_500_problem_logged_by_type_only(
        server: Server, caplog: pytest.LogCaptureFixture, how: str) -> None:
    server.issuers.how = how
    with caplog.at_level(logging.DEBUG):
        response = server.client.post("/v1/invoices", json=sample(source_id=f"BOOM-{how}"),
                                      headers=server.auth(**{"X-Request-ID": f"trace-{how}"}))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert assert_request_id(response) == f"trace-{how}"
    assert CUSTOMER not in response.text
    [line] = request_lines(caplog)
    assert line["request_id"] == f"trace-{how}" and line["status"] == 500
    if how == "runtime":  # (a handler of its own may answer a pydantic error first)
        assert line["error"].startswith("RuntimeError at ")
    assert CUSTOMER not in everything_logged(caplog)


@pytest.mark.parametrize("incoming", ["abc-123_XYZ.7:1", "a" * 64])
def test_a_sane_incoming_request_id_is_kept(server: Server, incoming: str) -> None:
    response = server.client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming


@pytest.mark.parametrize("incoming", ["a" * 65, "two words", "<script>", "é", ""])
def test_an_odd_incoming_request_id_is_replaced(server: Server, incoming: str) -> None:
    response = server.client.get("/healthz", headers={"X-Request-ID": incoming.encode()})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_every_answer_has_a_request_id(server: Server) -> None:
    ids = {assert_request_id(server.client.get("/healthz")),
           assert_request_id(server.client.get("/v1/archive")),  # 401
           assert_request_id(server.client.get("/no/such/page")),  # 404
           assert_request_id(server.client.post("/v1/preview", content=b"{",
                                                headers=server.auth(**{
                                                    "Content-Type": "application/json"}))),
           assert_request_id(server.client.post("/v1/preview", content=b" " * 70_000,
                                                headers=server.auth(**{
                                                    "Content-Type": "application/json"})))}
    assert len(ids) == 5  # each request its own


def _asgi(app: Any, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    """Drive the app directly with the given raw headers (clients fix Content-Length)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/preview", "raw_path":
             b"/v1/preview", "query_string": b"", "root_path": "", "client": ("t", 1),
             "server": ("t", 80), "state": {}, "app": app,
             "headers": [(b"content-type", b"application/json"), *headers]}
    asyncio.run(app(scope, receive, send))
    return sent


@pytest.mark.parametrize("lengths", [[b"abc"], [b"-2"], [b"2", b"3"], [b"1e3"], [b""]])
def test_a_garbage_content_length_reaching_the_app_is_a_400_problem(
        server: Server, lengths: list[bytes]) -> None:
    sent = _asgi(server.app, [(b"content-length", value) for value in lengths])
    start, body = sent[0], json.loads(sent[1]["body"])
    headers = dict(start["headers"])
    assert start["status"] == 400
    assert headers[b"content-type"] == b"application/problem+json"
    assert body["errors"][0]["field"] == "Content-Length"
    assert body["request_id"] == headers[b"x-request-id"].decode()


@pytest.mark.parametrize("name", ["api.request_id", "api.problems"])
def test_the_docstring_examples_hold(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
