"""A credit note counts negative wherever archived amounts are listed: `faktura archive list`,
`GET /v1/archive` and the archive page, so the amounts of a period add up to what it billed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_api_helpers import FakeIssuers, tenant_settings
from test_archive_cli import app, make_item, run  # noqa: F401 (fixture)
from test_pages import token

from api.app import create_app
from api.keys import KeyStore
from infra.tenant_settings import TenantRegistry
from archive import LocalArchive


def archive_with_a_credit_note(root: Path, tenant: str) -> None:
    with LocalArchive(root) as archive:
        archive.put(make_item("20260001", tenant=tenant, total_amount=Decimal("1250.50")))
        archive.put(make_item("20260002", tenant=tenant, document_type="credit_note",
                              total_amount=Decimal("250.50")))


def test_the_cli_lists_a_credit_note_negative(app, tmp_path: Path) -> None:  # noqa: F811
    archive_with_a_credit_note(tmp_path / "archive", "default")
    result = run(app, "list", "--archive-dir", tmp_path / "archive", "--tenant", "default")
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.output.splitlines()
            if "2026000" in line}
    assert "DKK -250,50" in rows["20260002"] and "DKK 1.250,50" in rows["20260001"]


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    """The API and pages over an archive with an invoice and a credit note; the key in the
    Authorization header (and as `client.key`, for signing in to the pages)."""
    settings = tenant_settings(tmp_path, "alpha")
    archive_with_a_credit_note(settings.archive_dir, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    keys = KeyStore(registry.key_store_path)
    key, _ = keys.create("alpha")
    app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0, keys=keys)
    test_client = TestClient(app, base_url="http://127.0.0.1")
    test_client.headers["Authorization"] = f"Bearer {key}"
    test_client.key = key  # type: ignore[attr-defined]
    return test_client


def test_the_api_lists_a_credit_note_negative_and_a_period_adds_up(client: TestClient) -> None:
    with client:
        listed = client.get("/v1/archive").json()["items"]
        meta = client.get("/v1/archive/20260002/meta").json()
    totals = {item["invoice_number"]: Decimal(item["total_amount"]) for item in listed}
    assert totals == {"20260001": Decimal("1250.50"), "20260002": Decimal("-250.50")}
    assert sum(totals.values()) == Decimal("1000.00")
    assert meta["document_type"] == "credit_note"  # the record itself is unchanged


def test_the_archive_page_shows_a_credit_note_negative(client: TestClient) -> None:
    with client:
        del client.headers["Authorization"]
        form = client.get("/login")
        client.post("/login", data={"key": client.key,  # type: ignore[attr-defined]
                                    "login_token": token(form.text, "login_token")})
        page = client.get("/archive").text
    assert "-250,50 DKK" in page and "1.250,50 DKK" in page
