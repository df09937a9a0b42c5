"""The HTTP API in-process (Starlette TestClient): every route, auth, tenants, bad input.

Issuing goes through the real `Issuer` (render → archive) with a `FakePoster` in place of the
sync core; `test_api_socket.py` issues for real against the Uniconta emulator over sockets.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # "install httpx2": the TestClient still works with httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api_helpers import FakeIssuers, page_count, pdf_text, sample, tenant_settings

from api.app import create_app
from api.auth import KeyStore, hash_key
from api.tenants import TenantRegistry
from archive import LocalArchive

SECRET = "s3cr3t-VALUE-must-not-echo"


class Api:
    """A running app with two tenants (alpha, beta) and a key for each."""

    def __init__(self, tmp: Path, **alpha_settings: Any) -> None:
        self.tmp = tmp
        self.alpha = tenant_settings(tmp, "alpha", **alpha_settings)
        self.beta = tenant_settings(tmp, "beta")
        self.registry = TenantRegistry.of(self.alpha, self.beta,
                                          key_store_path=tmp / "keys.sqlite")
        store = KeyStore(self.registry.key_store_path)
        self.alpha_key, _ = store.create("alpha")
        self.beta_key, _ = store.create("beta")
        self.stranger_key, _ = store.create("gamma")  # a tenant this server does not serve
        store.close()
        self.issuers = FakeIssuers()
        self.app = create_app(self.registry, issuer_factory=self.issuers, batch_workers=0,
                              max_body_bytes=1024 * 1024)
        self.client = TestClient(self.app, raise_server_exceptions=False)

    def headers(self, tenant: str = "alpha", **extra: str) -> dict[str, str]:
        key = {"alpha": self.alpha_key, "beta": self.beta_key}[tenant]
        return {"Authorization": f"Bearer {key}", **extra}

    def archive_of(self, tenant: str) -> LocalArchive:
        return LocalArchive((self.alpha if tenant == "alpha" else self.beta).archive_dir)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    running = Api(tmp_path_factory.mktemp("api"))
    with running.client:
        yield running


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


def issue(api: Api, data: dict[str, Any], tenant: str = "alpha") -> Any:
    return api.client.post("/v1/invoices", json=data, headers=api.headers(tenant))


# -- health, docs, auth -----------------------------------------------------------------------


def test_healthz_and_docs_need_no_key(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok", "tenants": 2}
    assert api.client.get("/docs").status_code == 200
    document = api.client.get("/openapi.json").json()
    assert {"/v1/preview", "/v1/invoices", "/v1/batches", "/v1/batches/{batch_id}",
            "/v1/batches/{batch_id}/pdf", "/v1/archive", "/v1/archive/{invoice_number}",
            "/v1/archive/{invoice_number}/meta", "/healthz"} <= set(document["paths"])
    assert "Invoice" in document["components"]["schemas"]
    assert "Customer" in document["components"]["schemas"]


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer fk_unknown", "Basic abc",
                                           "Bearer " + "x" * 500])
def test_missing_or_unknown_key_is_401(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = api.client.get("/v1/archive", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_key_of_a_tenant_not_served_is_401(api: Api) -> None:
    response = api.client.get("/v1/archive",
                              headers={"Authorization": f"Bearer {api.stranger_key}"})
    assert_problem(response, 401)


def test_only_the_hash_of_a_key_is_stored(api: Api) -> None:
    raw = api.registry.key_store_path.read_bytes()
    assert api.alpha_key.encode() not in raw
    store = KeyStore(api.registry.key_store_path)
    try:
        info = store.lookup(api.alpha_key)
        assert info is not None and info.tenant == "alpha"
        assert store.lookup(hash_key(api.alpha_key)) is None  # the hash is not a key
    finally:
        store.close()


# -- preview ----------------------------------------------------------------------------------


def test_preview_pdf_is_a_draft_and_issues_nothing(api: Api) -> None:
    posts_before = sum(p.posts for p in api.issuers.posters.values())
    data = sample(source_id="PREVIEW-1")
    response = api.client.post("/v1/preview", json=data, headers=api.headers())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "KLADDE" in text
    assert "Bageriet Kornblomsten" in text
    assert sum(p.posts for p in api.issuers.posters.values()) == posts_before
    with api.archive_of("alpha") as archive:
        assert archive.find_by_source_id("alpha", "PREVIEW-1") is None


def test_preview_html_escapes_markup_from_every_text_field(api: Api) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = sample(source_id="PREVIEW-XSS", header=evil, note=evil)
    data["customer"]["name"] = evil
    data["lines"][0]["text"] = evil
    response = api.client.post("/v1/preview", json=data,
                               headers=api.headers(Accept="text/html"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "KLADDE" in html
    pdf = api.client.post("/v1/preview", json=data, headers=api.headers()).content
    assert '<script>alert("x")</script>' in pdf_text(pdf)  # printed as text, never run


def test_preview_accept_negotiation(api: Api) -> None:
    data = sample()
    html_first = api.headers(Accept="application/pdf;q=0.5, text/html")
    assert api.client.post("/v1/preview", json=data, headers=html_first
                           ).headers["content-type"].startswith("text/html")
    anything = api.headers(Accept="*/*")
    assert api.client.post("/v1/preview", json=data, headers=anything
                           ).headers["content-type"] == "application/pdf"
    body = assert_problem(api.client.post("/v1/preview", json=data,
                                          headers=api.headers(Accept="image/png")), 406)
    assert fields(body) == ["Accept"]


# -- bad input: 4xx problem+json, nothing archived -------------------------------------------


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post("/v1/invoices", content=b'{"source_id": "X",',
                               headers=api.headers(**{"Content-Type": "application/json"}))
    body = assert_problem(response, 400)
    assert "line 1" in body["errors"][0]["message"]


def test_not_json_is_415(api: Api) -> None:
    response = api.client.post("/v1/preview", content=b"source_id=X",
                               headers=api.headers(**{"Content-Type": "text/plain"}))
    assert fields(assert_problem(response, 415)) == ["Content-Type"]


def test_wrong_type_names_the_field_without_echoing_the_value(api: Api) -> None:
    data = sample(source_id="BAD-TYPE")
    data["lines"][0]["quantity"] = SECRET
    data["issue_date"] = SECRET
    response = issue(api, data)
    body = assert_problem(response, 422)
    assert set(fields(body)) == {"lines[0].quantity", "issue_date"}
    assert SECRET not in response.text


def test_missing_required_field_is_422(api: Api) -> None:
    data = sample(source_id="NO-CUSTOMER")
    del data["customer"]
    assert fields(assert_problem(issue(api, data), 422)) == ["customer"]


@pytest.mark.parametrize("body", [b"[]", b"42", b'"text"', b"null", b"[" * 100_000])
def test_not_an_invoice_object_is_a_4xx_problem(api: Api, body: bytes) -> None:
    response = api.client.post("/v1/invoices", content=body,
                               headers=api.headers(**{"Content-Type": "application/json"}))
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


def test_malformed_timelog_export_is_422(api: Api) -> None:
    response = issue(api, {"InvoiceID": "TL-1", "Lines": 5, "Customer": "x"})
    assert_problem(response, 422)


def test_body_over_the_limit_is_413_by_content_length(api: Api) -> None:
    big = b"[" + b"0," * (600 * 1024) + b"0]"  # 1.2 MB, limit is 1 MB
    response = api.client.post("/v1/preview", content=big,
                               headers=api.headers(**{"Content-Type": "application/json"}))
    assert_problem(response, 413)


def test_streamed_body_over_the_limit_is_413_without_reading_it_all(api: Api) -> None:
    """A chunked 50 MB body (no Content-Length): refused once the count passes the limit.

    (The TestClient buffers request bodies, so this drives the ASGI app directly.)
    """
    chunk, total_chunks = b" " * 65536, 50 * 16
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < total_chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/batches", "raw_path":
             b"/v1/batches", "query_string": b"", "root_path": "", "client": ("t", 1),
             "server": ("t", 80), "state": {}, "app": api.app,
             "headers": [(b"content-type", b"application/json"),
                         (b"authorization", f"Bearer {api.alpha_key}".encode())]}
    asyncio.run(api.app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert pulled <= 1024 * 1024 // len(chunk) + 1  # stopped at the 1 MB limit


def test_bad_input_leaves_no_trace_in_the_archive(api: Api) -> None:
    with api.archive_of("alpha") as archive:
        for source_id in ("BAD-TYPE", "NO-CUSTOMER", "X"):
            assert archive.find_by_source_id("alpha", source_id) is None


def test_bad_query_parameter_is_422_naming_it(api: Api) -> None:
    response = api.client.get(f"/v1/archive?from={SECRET}&limit=0", headers=api.headers())
    body = assert_problem(response, 422)
    assert set(fields(body)) == {"from", "limit"}
    assert SECRET not in response.text


@pytest.mark.parametrize("path", ["/v1/archive/..x", "/v1/archive/a.b/meta",
                                  "/v1/archive/a%5Cb", "/v1/archive/" + "1" * 21])
def test_path_like_invoice_number_is_422(api: Api, path: str) -> None:
    assert fields(assert_problem(api.client.get(path, headers=api.headers()), 422)) == [
        "invoice_number"]


@pytest.mark.parametrize("path", ["/v1/archive/..%2Fx", "/v1/archive/../x",
                                  "/v1/archive/%2E%2E/keys"])
def test_traversal_never_reaches_a_file(api: Api, path: str) -> None:
    response = api.client.get(path, headers=api.headers())
    assert response.status_code in (401, 404, 422)
    assert not response.content.startswith(b"%PDF")


# -- issuing and the archive -----------------------------------------------------------------


def test_issue_is_idempotent_on_the_source_id(api: Api) -> None:
    data = sample(source_id="ISSUE-1")
    first = issue(api, data)
    assert first.status_code == 201, first.text
    number = first.json()["invoice_number"]
    assert first.headers["location"] == f"/v1/archive/{number}"
    again = issue(api, data)
    assert again.status_code == 200
    assert again.json()["invoice_number"] == number
    assert again.json()["already_issued"] is True

    pdf = api.client.get(f"/v1/archive/{number}", headers=api.headers())
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert number in text and "KLADDE" not in text
    meta = api.client.get(f"/v1/archive/{number}/meta", headers=api.headers()).json()
    assert meta["source_id"] == "ISSUE-1" and meta["tenant"] == "alpha"
    assert pdf.headers["etag"] == f'"{meta["pdf_sha256"]}"'


def test_changed_invoice_is_409_and_the_archive_keeps_the_original(api: Api) -> None:
    data = sample(source_id="CHANGE-1")
    number = issue(api, data).json()["invoice_number"]
    original = api.client.get(f"/v1/archive/{number}", headers=api.headers()).content
    changed = sample(source_id="CHANGE-1")
    changed["lines"][0]["unit_price"] = "99999.00"
    body = assert_problem(issue(api, changed), 409)
    assert "credit note" in body["detail"]
    assert api.client.get(f"/v1/archive/{number}", headers=api.headers()).content == original


def test_archived_files_are_read_only_and_served_exactly(api: Api) -> None:
    number = issue(api, sample(source_id="IMMUTABLE-1")).json()["invoice_number"]
    files = list(api.alpha.archive_dir.glob(f"alpha/*/{number}.*"))
    assert len(files) == 2
    assert all(os.stat(f).st_mode & 0o222 == 0 for f in files)
    served = api.client.get(f"/v1/archive/{number}", headers=api.headers()).content
    assert served == next(f for f in files if f.suffix == ".pdf").read_bytes()


def test_archive_list_filters(api: Api) -> None:
    issue(api, sample("04-mixed-vat.json", source_id="LIST-ACME"))
    issue(api, sample(source_id="LIST-BAGER", issue_date="2026-01-15"))
    get = api.client.get
    by_customer = get("/v1/archive?customer=1001", headers=api.headers()).json()["items"]
    assert {i["source_id"] for i in by_customer} == {"LIST-ACME"}
    by_name = get("/v1/archive?q=kornblomst", headers=api.headers()).json()["items"]
    assert "LIST-BAGER" in {i["source_id"] for i in by_name}
    assert "LIST-ACME" not in {i["source_id"] for i in by_name}
    by_date = get("/v1/archive?from=2026-01-01&to=2026-01-31",
                  headers=api.headers()).json()["items"]
    assert [i["source_id"] for i in by_date] == ["LIST-BAGER"]
    page = get("/v1/archive?limit=1&offset=0", headers=api.headers()).json()
    assert len(page["items"]) == 1 and page["limit"] == 1


def test_unknown_invoice_number_is_404(api: Api) -> None:
    assert_problem(api.client.get("/v1/archive/99999999", headers=api.headers()), 404)
    assert_problem(api.client.get("/v1/archive/99999999/meta", headers=api.headers()), 404)


def test_a_tenant_never_sees_another_tenants_archive(api: Api) -> None:
    number = issue(api, sample(source_id="ALPHA-ONLY")).json()["invoice_number"]
    beta = api.headers("beta")
    assert_problem(api.client.get(f"/v1/archive/{number}", headers=beta), 404)
    assert_problem(api.client.get(f"/v1/archive/{number}/meta", headers=beta), 404)
    listed = api.client.get("/v1/archive?q=", headers=beta).json()["items"]
    assert all(item["tenant"] == "beta" for item in listed)
    assert "ALPHA-ONLY" not in {item["source_id"] for item in listed}
    # the same source id is a different invoice for another tenant, with its own settings
    response = issue(api, sample(source_id="ALPHA-ONLY"), tenant="beta")
    assert response.status_code == 201
    assert response.json()["entry"]["tenant"] == "beta"


# -- batches -----------------------------------------------------------------------------------


def wait_for_batch(api: Api, batch_id: str, tenant: str = "alpha") -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = api.client.get(f"/v1/batches/{batch_id}", headers=api.headers(tenant)).json()
        if record["status"] in ("done", "failed"):
            return record
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} did not finish")


def test_batch_issues_the_good_and_reports_the_bad(api: Api) -> None:
    bad = sample(source_id="BATCH-BAD")
    bad["lines"][0]["unit_price"] = "twelve"
    invoices = [sample(source_id="BATCH-1"), bad, sample("04-mixed-vat.json",
                                                         source_id="BATCH-2"),
                sample(source_id="BATCH-1")]
    response = api.client.post("/v1/batches", json={"invoices": invoices},
                               headers=api.headers())
    assert response.status_code == 202, response.text
    batch_id = response.json()["id"]
    assert response.headers["location"] == f"/v1/batches/{batch_id}"
    record = wait_for_batch(api, batch_id)
    assert record["status"] == "done"
    assert (record["total"], record["done"]) == (4, 4)
    outcomes = [r["outcome"] for r in record["results"]]
    assert outcomes == ["issued", "failed", "issued", "already_issued"]
    assert record["results"][1]["errors"] == [
        {"field": "lines[0].unit_price",
         "message": "must be a number written with the digits 0-9 and an optional decimal point"}]
    assert record["results"][0]["invoice_number"] == record["results"][3]["invoice_number"]

    merged = api.client.get(f"/v1/batches/{batch_id}/pdf", headers=api.headers())
    assert merged.status_code == 200
    singles = [api.client.get(f"/v1/archive/{r['invoice_number']}", headers=api.headers())
               .content for r in record["results"] if r["invoice_number"]]
    assert page_count(merged.content) == sum(page_count(p) for p in singles)

    # another tenant cannot see it
    assert_problem(api.client.get(f"/v1/batches/{batch_id}", headers=api.headers("beta")), 404)
    assert_problem(api.client.get(f"/v1/batches/{batch_id}/pdf",
                                  headers=api.headers("beta")), 404)


def test_batch_body_must_list_invoices(api: Api) -> None:
    for body in ({}, {"invoices": []}, {"invoices": "x"}, []):
        response = api.client.post("/v1/batches", json=body, headers=api.headers())
        assert fields(assert_problem(response, 422)) == ["invoices"]


def test_unknown_or_malformed_batch_id(api: Api) -> None:
    assert_problem(api.client.get("/v1/batches/" + "0" * 32, headers=api.headers()), 404)
    assert_problem(api.client.get("/v1/batches/not-an-id", headers=api.headers()), 422)


def test_unfinished_batch_is_resumed_when_the_server_starts(tmp_path: Path) -> None:
    """A batch left 'running' by a stopped server is picked up again; nothing is doubled."""
    settings = tenant_settings(tmp_path, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    store = KeyStore(registry.key_store_path)
    key, _ = store.create("alpha")
    store.close()
    issuers = FakeIssuers()
    headers = {"Authorization": f"Bearer {key}"}
    invoices = [sample(source_id="RESUME-1"), sample(source_id="RESUME-2")]
    with TestClient(create_app(registry, issuer_factory=issuers, batch_workers=0)) as client:
        batch_id = client.post("/v1/batches", json={"invoices": invoices},
                               headers=headers).json()["id"]
        while client.get(f"/v1/batches/{batch_id}", headers=headers).json()["status"] != "done":
            time.sleep(0.1)
    # Pretend the server died after the first invoice: the record says running, 1 of 2 done.
    path = settings.state_dir / "api-batches" / "alpha" / f"{batch_id}.json"
    record = json.loads(path.read_text())
    record.update(status="running", finished_at=None, results=record["results"][:1])
    path.write_text(json.dumps(record))

    with TestClient(create_app(registry, issuer_factory=issuers, batch_workers=0)) as client:
        deadline = time.monotonic() + 60
        while (record := client.get(f"/v1/batches/{batch_id}", headers=headers).json()
               )["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert [r["outcome"] for r in record["results"]] == ["issued", "already_issued"]
    poster = issuers.posters["alpha"]
    assert sorted(poster.numbers) == ["RESUME-1", "RESUME-2"]
    with LocalArchive(settings.archive_dir) as archive:
        assert len(archive.list("alpha")) == 2
