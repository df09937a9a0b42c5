"""A third e-invoice format is one module: this file adds one (`Dummy`) through the plug-in
registry and sees it offered by `faktura einvoice --format`, accepted by the settings,
embedded in the PDF/A-3 and labelled by the archive — and refused everywhere once withdrawn.

Real components: the command line through its own entry point, issuing against the Uniconta
emulator over HTTP, WeasyPrint's PDF read back with pypdf, the archive in a folder + SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from test_issue_einvoice import (  # noqa: F401 (fixtures)
    Issue,
    embedded_files,
    issue,
    one_line,
    renderer,
)
from typer.testing import CliRunner

from archive import LocalArchive
from cli.main import app
from einvoice import formats
from faktura.computed import ComputedInvoice
from faktura.errors import InvalidInput, Problem
from faktura.settings import EInvoiceSettings, Settings
from infra.settings_files import load_settings
from sync.emulator.testing import EmulatorHandle

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


class Dummy:
    """A made-up format: the invoice number, buyer and total as three elements."""

    name = "dummy"
    title = "Dummy Invoice 0.1"
    media_type = "application/xml"
    serves_ean_buyers = False
    label = "dummy-01"  # the archive's label differs from the name, to show which is used
    file_suffix = ".dummy.xml"

    def build(self, computed: ComputedInvoice, settings: Settings) -> bytes:
        return (f"<?xml version='1.0' encoding='UTF-8'?>\n<Dummy>"
                f"<ID>{escape(computed.invoice_number or '')}</ID>"
                f"<Buyer>{escape(computed.invoice.buyer_name)}</Buyer>"
                f"<Total>{computed.totals.total_with_vat}</Total></Dummy>").encode()

    def problems(self, computed: ComputedInvoice, settings: Settings) -> list[Problem]:
        if computed.invoice.purchase_order_reference:
            return []
        return [Problem("purchase_order_reference", "Dummy needs the buyer's order number")]


@pytest.fixture
def dummy() -> Iterator[Dummy]:
    fmt = formats.register(Dummy())
    yield fmt
    formats.unregister(fmt.name)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_command_line_offers_a_registered_format_and_writes_its_document(
        dummy: Dummy, tmp_path: Path) -> None:
    invoice = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    invoice["purchase_order_reference"] = "PO-77"
    path = tmp_path / "invoice.json"
    path.write_text(json.dumps(invoice), encoding="utf-8")
    code, output = cli("einvoice", str(path), "--format", "dummy", "--out", str(tmp_path / "out"),
                       "--invoice-number", "4711", "--settings", str(SAMPLES / "settings.toml"))
    assert code == 0, output
    written = (tmp_path / "out" / "4711.xml").read_text(encoding="utf-8")
    assert "<ID>4711</ID>" in written and "<Total>" in written
    # An unknown name is refused with the formats on offer, the plug-in's among them.
    code, output = cli("einvoice", str(path), "--format", "nonesuch", "--out", str(tmp_path))
    assert code != 0 and "oioubl, peppol, dummy" in output


def test_a_withdrawn_format_is_not_offered(tmp_path: Path) -> None:
    code, output = cli("einvoice", str(SAMPLES / "01-one-line.json"), "--format", "dummy",
                       "--out", str(tmp_path))
    assert code != 0 and "use one of: oioubl, peppol" in output
    assert not list(tmp_path.iterdir())


def test_the_settings_accept_a_registered_format_by_name(dummy: Dummy) -> None:
    chosen = EInvoiceSettings.model_validate({"when": "always", "format": "dummy"})
    settings = Settings.model_validate({**_sample_settings_data(), "einvoice": chosen})
    formats.check_settings(settings)  # refuses an unknown format (below)
    formats.unregister("dummy")
    with pytest.raises(InvalidInput) as refused:
        formats.check_settings(settings)
    assert [p.field for p in refused.value.problems] == ["einvoice.format"]
    assert "use one of: oioubl, peppol" in str(refused.value)


def _sample_settings_data() -> dict[str, object]:
    return load_settings(SAMPLES / "settings.toml").model_dump()


def test_issuing_embeds_and_archives_the_plugin_format_under_its_label(
        dummy: Dummy, issue: Issue, emulator: EmulatorHandle) -> None:  # noqa: F811
    issued, settings = issue(one_line("DUMMY-1", purchase_order_reference="PO-9"),
                             when="always", fmt="dummy")
    number, tenant = issued.invoice_number, settings.tenant
    with LocalArchive(settings.archive_dir) as archive:
        entry = archive.get(tenant, number)
        xml, pdf = archive.xml(tenant, number), archive.pdf(tenant, number)
    assert entry.xml_format == "dummy-01"
    assert xml.startswith(b"<?xml") and f"<ID>{number}</ID>".encode() in xml
    [(name, spec)] = embedded_files(pdf).items()
    assert name == f"{number}.dummy.xml" and spec["/Desc"] == "Dummy Invoice 0.1"
    # The format's own rule refuses before anything is posted.
    with pytest.raises(InvalidInput) as refused:
        issue(one_line("DUMMY-2"), when="always", fmt="dummy")
    assert "purchase_order_reference" in str(refused.value)
    assert len(emulator.query("DebtorInvoice")) == 1


def test_issuing_refuses_settings_naming_a_format_not_on_offer(
        issue: Issue, emulator: EmulatorHandle) -> None:  # noqa: F811
    with pytest.raises(InvalidInput) as refused:
        issue(one_line("DUMMY-3"), when="always", fmt="dummy")
    assert [p.field for p in refused.value.problems] == ["einvoice.format"]
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorInvoice") == []
