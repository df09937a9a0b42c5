"""The pages' sessions and forms without a browser: CSRF tokens, tenant isolation, revoked
keys, security headers (the browser tests cover what a person sees)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_api_helpers import FakeIssuers, tenant_settings

from api.app import create_app
from api.keys import KeyStore
from infra.tenant_settings import TenantRegistry
from archive import LocalArchive, NewArchiveItem


def archived(settings_archive: Path, tenant: str, number: str, name: str,
             xml: bytes | None = None) -> None:
    with LocalArchive(settings_archive) as archive:
        archive.put(NewArchiveItem(
            tenant=tenant, invoice_number=number, document_type="invoice",
            issue_date=date(2026, 11, 2), customer_number="1", customer_name=name,
            currency_code="DKK", total_amount=Decimal("220426.56"), layout="clienttime",
            fik_line="+71<000000202600011+85000012<", pdf=b"%PDF-1.7 " + number.encode(),
            invoice_json="{}", xml=xml, xml_format="oioubl" if xml else None))


EINVOICE = b'<?xml version="1.0" encoding="UTF-8"?><Invoice>20260002</Invoice>'


class Site:
    def __init__(self, tmp: Path) -> None:
        alpha, beta = tenant_settings(tmp, "alpha"), tenant_settings(tmp, "beta")
        archived(alpha.archive_dir, "alpha", "20260001", "Alfa Kunde ApS")
        archived(beta.archive_dir, "beta", "20269999", "Beta Kunde ApS")
        archived(alpha.archive_dir, "alpha", "20260002", "Elektronisk Kunde A/S", EINVOICE)
        registry = TenantRegistry.of(alpha, beta, key_store_path=tmp / "keys.sqlite")
        self.keys = KeyStore(registry.key_store_path)
        self.alpha_key, self.alpha_info = self.keys.create("alpha")
        self.app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0,
                              keys=self.keys)

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = Site(tmp_path_factory.mktemp("pages"))
    with running.client():  # runs the lifespan once for the module
        yield running


def token(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def signed_in(site: Site) -> tuple[TestClient, str]:
    client = site.client()
    form = client.get("/login")
    answer = client.post("/login", data={"key": site.alpha_key,
                                         "login_token": token(form.text, "login_token")},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/archive"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = client.get("/archive")
    return client, token(page.text, "csrf")


def test_the_archive_in_danish_for_the_keys_tenant_only(site: Site) -> None:
    client, _ = signed_in(site)
    page = client.get("/archive")
    assert "220.426,56 DKK" in page.text and "+71&lt;000000202600011+85000012&lt;" in page.text
    assert "Alfa Kunde ApS" in page.text and "Beta Kunde" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/archive/20269999.pdf").status_code == 404  # another tenant's
    assert client.get("/archive/20260001.pdf").content == b"%PDF-1.7 20260001"
    assert client.get("/archive", params={"q": "20260001"}).text.count("<tr>") == 2


def test_the_e_invoice_is_linked_where_the_archive_has_one(site: Site) -> None:
    client, _ = signed_in(site)
    page = client.get("/archive").text
    assert page.count(".xml\"") == 1 and 'href="/archive/20260002.xml"' in page
    served = client.get("/archive/20260002.xml")
    assert served.status_code == 200 and served.content == EINVOICE
    assert served.headers["content-type"].startswith("application/xml")
    assert client.get("/archive/20260001.xml").status_code == 404  # archived without one
    assert client.get("/archive/20269999.xml").status_code == 404  # another tenant's


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/archive"), ("GET", "/archive/20260001.pdf"), ("GET", "/archive/20260002.xml"),
    ("GET", "/preview"), ("POST", "/preview"), ("GET", "/preview/abc.pdf"),
    ("GET", "/batches"), ("POST", "/batches"), ("GET", "/batches/" + "0" * 32),
    ("GET", "/batches/" + "0" * 32 + ".pdf"),
])
def test_every_page_behind_the_sign_in_sends_a_stranger_to_sign_in(
    site: Site, method: str, path: str,
) -> None:
    answer = site.client().request(method, path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert "Alfa Kunde" not in answer.text and "%PDF" not in answer.text


def test_signing_in_needs_the_forms_token(site: Site) -> None:
    client = site.client()
    client.get("/login")
    forged = client.post("/login", data={"key": site.alpha_key, "login_token": "guess"})
    assert forged.status_code == 403 and "faktura_session" not in forged.headers.get(
        "set-cookie", "")


def test_a_form_without_the_sessions_csrf_token_is_refused(site: Site) -> None:
    client, csrf = signed_in(site)
    refused = client.post("/preview", data={"invoice": "{}"})
    assert refused.status_code == 403
    refused = client.post("/batches", data={"invoices": "[{}]", "csrf": "wrong"})
    assert refused.status_code == 403
    checked = client.post("/preview", data={"invoice": "{", "csrf": csrf})
    assert checked.status_code == 422 and "Ikke gyldig JSON" in checked.text


def test_signing_out_and_revoking_end_the_session(site: Site) -> None:
    client, csrf = signed_in(site)
    client.post("/logout", data={"csrf": csrf})
    assert client.get("/archive", follow_redirects=False).status_code == 303
    client, _ = signed_in(site)
    other_key, info = site.keys.create("alpha")
    site.keys.revoke(site.alpha_info.key_id)
    try:
        assert client.get("/archive", follow_redirects=False).headers["location"] == "/login"
    finally:
        site.alpha_key, site.alpha_info = other_key, info


def test_the_language_can_be_chosen(site: Site) -> None:
    client, _ = signed_in(site)
    client.get("/lang/en", params={"next": "//evil.example"}, follow_redirects=False)
    page = client.get("/archive")
    assert "<h1>Archive</h1>" in page.text and "220,426.56 DKK" in page.text
    away = client.get("/lang/da", params={"next": "//evil.example"}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_a_browser_meets_error_pages_in_its_language_an_api_caller_problem_json(
        site: Site) -> None:
    client, _ = signed_in(site)
    html = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    unknown = client.get("/no-such-page", headers=html)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert "Siden findes ikke." in unknown.text and "Not Found" not in unknown.text
    assert client.get("/no-such-page").headers["content-type"] == "application/problem+json"
    assert client.get("/v1/no-such-thing", headers=html).headers[
        "content-type"] == "application/problem+json"
    client.cookies.set("faktura_lang", "en")
    wrong = client.get("/archive?page=first", headers=html)
    assert wrong.status_code == 422 and "The address is not valid:" in wrong.text
    assert "<code>page</code>: must be a whole number" in wrong.text
    assert client.delete("/archive", headers=html).status_code == 405
