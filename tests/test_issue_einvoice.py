"""Issuing writes the e-invoice beside the PDF: a hybrid invoice.

Real components throughout: invoices are posted to the Uniconta emulator over HTTP, rendered
by WeasyPrint as PDF/A-3b, archived in a folder + SQLite, read back with pypdf, and the XML is
run through the official OIOUBL / Peppol validators.
"""

from __future__ import annotations

import io
import json
import os
import stat
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdf
import pytest
from test_render_pdfa import assert_pdfa

with warnings.catch_warnings():  # "install httpx2": the TestClient still works with httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import KeyStore
from infra.tenant_settings import TenantRegistry
from archive import ArchiveDamaged, LocalArchive, NoEInvoice
from faktura.errors import InvalidInput
from faktura.model import Invoice, parse_invoice
from faktura.settings import EInvoiceSettings, Settings
from infra.settings_files import load_settings
from issuing.pipeline import IssuedInvoice
from issuing.bootstrap import open_issuer
from renderer.render import Renderer
from sync.emulator.testing import EmulatorHandle
from tests.einvoice.conftest import (  # noqa: F401 (fixtures)
    Validate,
    fatal_findings,
    official_validator,
    text,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EAN = "5790001234560"

Issue = Callable[..., tuple[IssuedInvoice, Settings]]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def one_line(source_id: str, *, ean: str | None = None, **changes: Any) -> Invoice:
    """The one-line sample as a new invoice, optionally to a customer with an EAN."""
    data = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    data["source_id"] = source_id
    if ean:
        data["customer"]["ean"] = ean
    data.update(changes)
    return parse_invoice(data, source_id)


@pytest.fixture
def issue(emulator: EmulatorHandle, tmp_path: Path, renderer: Renderer) -> Issue:
    """Issue one invoice against the emulator with the sample settings, `[einvoice]` as given."""

    def run(invoice: Invoice, *, when: str = "ean", fmt: str = "peppol",
            layout: int = 1) -> tuple[IssuedInvoice, Settings]:
        settings = settings_for(emulator, tmp_path, when=when, fmt=fmt, layout=layout)
        with open_issuer(settings, renderer=renderer) as issuer:
            return issuer.issue(invoice), settings

    return run


def settings_for(emulator: EmulatorHandle, tmp: Path, *, when: str = "ean",
                 fmt: str = "peppol", layout: int = 1) -> Settings:
    base = load_settings(SAMPLES / "settings.toml")
    return base.model_copy(update={
        "state_dir": tmp / "state", "archive_dir": tmp / "archive",
        "uniconta": base.uniconta.model_copy(update={"gateway_url": emulator.base_url}),
        "integration": base.integration.model_copy(update={"use_time_view_invoice": layout}),
        "einvoice": EInvoiceSettings(when=when, format=fmt),  # type: ignore[arg-type]
    })


@contextmanager
def api_for(settings: Settings, tmp: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The HTTP API over the tenant's archive, with a key for it."""
    registry = TenantRegistry.of(settings, key_store_path=tmp / "keys.sqlite")
    keys = KeyStore(registry.key_store_path)
    key, _ = keys.create(settings.tenant)
    app = create_app(registry, keys=keys, batch_workers=0)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {key}"}
    keys.close()


def embedded_files(pdf: bytes) -> dict[str, Any]:
    """The PDF's embedded file specifications by name (from the catalogue's name tree)."""
    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
        return {}
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    return {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_a_customer_with_an_ean_gets_oioubl_inside_the_pdf_a_3b_and_in_the_archive(
        issue: Issue, fatal_findings: Validate, tmp_path: Path) -> None:  # noqa: F811
    issued, settings = issue(one_line("HYBRID-1", ean=EAN))
    number, tenant = issued.invoice_number, settings.tenant
    with LocalArchive(settings.archive_dir) as archive:
        entry = archive.get(tenant, number)
        xml, pdf = archive.xml(tenant, number), archive.pdf(tenant, number)
        assert archive.verify(tenant).ok
    assert entry.xml_format == "oioubl" and entry.xml_sha256 is not None

    reader = assert_pdfa(pdf)  # still PDF/A-3b with its output intent
    name = f"{number}-oioubl.xml"
    assert reader.attachments == {name: [xml]}  # the archived XML, byte for byte
    spec = embedded_files(pdf)[name]
    assert spec["/AFRelationship"] == "/Alternative"
    catalogue_af = [s.get_object() for s in reader.trailer["/Root"]["/AF"]]
    assert [(s["/F"], s["/AFRelationship"]) for s in catalogue_af] == [(name, "/Alternative")]

    assert fatal_findings(xml, "oioubl") == []
    assert text(xml, "cbc:ID") == [number]
    total = f"{entry.total_amount:.2f}"
    assert text(xml, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == [total]
    assert text(xml, "cac:LegalMonetaryTotal/cbc:PayableAmount") == [total]
    assert text(xml, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == [EAN]

    with api_for(settings, tmp_path) as (client, headers):
        served = client.get(f"/v1/archive/{number}/xml", headers=headers)
        assert served.status_code == 200, served.text
        assert served.headers["content-type"].startswith("application/xml")
        assert served.content == xml
        assert served.headers["etag"] == f'"{entry.xml_sha256}"'
        meta = client.get(f"/v1/archive/{number}/meta", headers=headers).json()
        assert (meta["xml_format"], meta["xml_sha256"]) == ("oioubl", entry.xml_sha256)
        documented = client.get("/openapi.json").json()["paths"][
            "/v1/archive/{invoice_number}/xml"]["get"]["responses"]
        assert "application/xml" in documented["200"]["content"]
        assert "application/problem+json" in documented["404"]["content"]


def test_without_an_ean_the_default_makes_no_e_invoice(issue: Issue, tmp_path: Path) -> None:
    issued, settings = issue(one_line("PLAIN-1"))
    number, tenant = issued.invoice_number, settings.tenant
    with LocalArchive(settings.archive_dir) as archive:
        entry = archive.get(tenant, number)
        assert (entry.xml_sha256, entry.xml_format) == (None, None)
        with pytest.raises(NoEInvoice):
            archive.xml(tenant, number)
        pdf = archive.pdf(tenant, number)
    assert embedded_files(pdf) == {} and assert_pdfa(pdf).attachments == {}
    assert sorted(p.name for p in (settings.archive_dir / tenant).rglob(f"{number}.*")) == [
        f"{number}.json", f"{number}.pdf"]
    with api_for(settings, tmp_path) as (client, headers):
        body = assert_problem(client.get(f"/v1/archive/{number}/xml", headers=headers), 404)
        assert "without an e-invoice" in body["detail"]
        assert_problem(client.get("/v1/archive/99999999/xml", headers=headers), 404)
        assert client.get(f"/v1/archive/{number}", headers=headers).status_code == 200


def test_always_gives_a_customer_without_an_ean_peppol(
        issue: Issue, fatal_findings: Validate) -> None:  # noqa: F811
    issued, settings = issue(one_line("ALWAYS-1"), when="always")
    number = issued.invoice_number
    with LocalArchive(settings.archive_dir) as archive:
        entry = archive.get(settings.tenant, number)
        xml, pdf = archive.xml(settings.tenant, number), archive.pdf(settings.tenant, number)
    assert entry.xml_format == "peppol"
    assert assert_pdfa(pdf).attachments == {f"{number}-peppol.xml": [xml]}
    assert fatal_findings(xml, "peppol") == []
    assert text(xml, "cac:LegalMonetaryTotal/cbc:PayableAmount") == [
        f"{entry.total_amount:.2f}"]


def test_a_swedish_business_buyer_gets_peppol_at_its_organisation_number_inside_the_pdf(
        issue: Issue, fatal_findings: Validate) -> None:  # noqa: F811
    invoice = one_line("SWEDEN-1")
    customer = invoice.customer.model_copy(update={
        "vat_number": "SE556036079301",
        "address": invoice.customer.address.model_copy(update={"country_code": "SE"})})
    issued, settings = issue(invoice.model_copy(update={"customer": customer}), when="always")
    number = issued.invoice_number
    with LocalArchive(settings.archive_dir) as archive:
        xml, pdf = archive.xml(settings.tenant, number), archive.pdf(settings.tenant, number)
    assert assert_pdfa(pdf).attachments == {f"{number}-peppol.xml": [xml]}
    assert fatal_findings(xml, "peppol") == []
    endpoint = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    assert text(xml, endpoint) == ["5560360793"]
    assert b'schemeID="0007">5560360793<' in xml


def test_never_makes_none_even_for_a_customer_with_an_ean(issue: Issue) -> None:
    issued, settings = issue(one_line("NEVER-1", ean=EAN), when="never")
    assert issued.entry.xml_sha256 is None
    with LocalArchive(settings.archive_dir) as archive:
        assert embedded_files(archive.pdf(settings.tenant, issued.invoice_number)) == {}


def test_an_invoice_whose_e_invoice_the_rules_refuse_is_refused_before_posting(
        issue: Issue, emulator: EmulatorHandle, tmp_path: Path) -> None:
    # OIOUBL needs the buyer's reference (F-INV051); the PDF and Uniconta would take it.
    invoice = one_line("NOREF-1", ean=EAN, buyer_reference=None)
    with pytest.raises(InvalidInput) as refused:
        issue(invoice)
    assert [p.field for p in refused.value.problems] == ["buyer_reference"]
    assert "F-INV051" in str(refused.value)
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorInvoice") == []
    with LocalArchive(tmp_path / "archive") as archive:
        assert archive.list("revisorhuset") == []
    # Without the e-invoice the same invoice is issued.
    issued, _ = issue(invoice, when="never")
    assert issued.entry.xml_sha256 is None and len(emulator.query("DebtorInvoice")) == 1


def test_the_uniconta_layout_archives_the_xml_beside_uniconta_s_own_pdf(
        issue: Issue, emulator: EmulatorHandle, fatal_findings: Validate) -> None:  # noqa: F811
    issued, settings = issue(one_line("UNICONTA-1", ean=EAN), layout=0)
    number = issued.invoice_number
    with LocalArchive(settings.archive_dir) as archive:
        entry = archive.get(settings.tenant, number)
        xml, pdf = archive.xml(settings.tenant, number), archive.pdf(settings.tenant, number)
    assert entry.layout == "uniconta" and entry.xml_format == "oioubl"
    assert embedded_files(pdf) == {}  # Uniconta's PDF is archived exactly as Uniconta made it
    assert fatal_findings(xml, "oioubl") == []


def test_verify_finds_a_tampered_e_invoice(issue: Issue) -> None:
    issued, settings = issue(one_line("TAMPER-1", ean=EAN))
    number, tenant = issued.invoice_number, settings.tenant
    [blob] = (settings.archive_dir / tenant).rglob(f"{number}.xml")
    assert stat.S_IMODE(blob.stat().st_mode) == 0o400  # written once, read-only, private
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes().replace(b"Mette Holm", b"Mette Hilm"))
    with LocalArchive(settings.archive_dir) as archive:
        report = archive.verify(tenant)
        assert [(p.invoice_number, p.file, p.kind) for p in report.problems] == [
            (number, "xml", "altered")]
        with pytest.raises(ArchiveDamaged):
            archive.xml(tenant, number)
