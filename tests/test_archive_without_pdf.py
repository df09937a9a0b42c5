"""An invoice in Uniconta's own layout issued over Uniconta's REST API (which cannot read that
PDF) is archived without a PDF: its invoice data and e-invoice are kept and sealed, verify
looks for no PDF of it, yet still reports the PDF of any other invoice that goes missing and
a row whose PDF hash was blanked."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from pydantic import ValidationError
from pypdf import PdfReader, PdfWriter

from archive import ArchiveConflict, LocalArchive, NoPdfKept
from archive.migrate import copy_archive
from issuing.batch import print_file
from test_archive import make_item

XML = b'<?xml version="1.0" encoding="UTF-8"?><Invoice>20001</Invoice>'


def without_pdf(number: str = "20001", **overrides: object):  # type: ignore[no-untyped-def]
    return make_item(number, pdf=None, xml=XML, xml_format="oioubl", **overrides)


def kinds(archive: LocalArchive) -> list[tuple[str, str, str]]:
    return [(p.invoice_number, p.file, p.kind) for p in archive.verify().problems]


def test_an_invoice_in_unicontas_layout_is_kept_without_its_pdf(tmp_path: Path) -> None:
    with LocalArchive(tmp_path) as archive:
        entry = archive.put(without_pdf()).entry
        archive.put(make_item("20002"))
        assert (entry.pdf_kept, entry.pdf_sha256, entry.pdf_size) == (False, None, None)
        assert archive.get("default", "20002").pdf_kept
        with pytest.raises(NoPdfKept, match="20001 is in Uniconta's own layout.*e-invoice"):
            archive.pdf("default", "20001")
        assert archive.xml("default", "20001") == XML
        assert '"20001"' in archive.invoice_json("default", "20001")
        assert not archive.put(without_pdf()).created  # the same again: nothing new
        with pytest.raises(ArchiveConflict, match="pdf differ"):
            archive.put(make_item("20001", xml=XML, xml_format="oioubl"))  # now with a PDF
        assert kinds(archive) == []
    assert sorted(p.name for p in (tmp_path / "default").rglob("2000*")) == [
        "20001.json", "20001.xml", "20002.json", "20002.pdf"]


def test_only_an_invoice_in_unicontas_layout_goes_without_its_pdf() -> None:
    with pytest.raises(ValidationError, match="pdf: an invoice in the ClientTime layout"):
        without_pdf(layout="clienttime")


def test_verify_still_reports_the_pdf_of_an_invoice_that_had_one(tmp_path: Path) -> None:
    with LocalArchive(tmp_path) as archive:
        archive.put(without_pdf())
        archive.put(make_item("20002"))
        archive.put(make_item("20003"))
    (tmp_path / "default" / "2024" / "20002.pdf").unlink(missing_ok=False)
    (tmp_path / "default" / "2024" / "20001.xml").unlink()
    # The PDF of 20003 deleted and its row told there never was one: the seal says otherwise.
    (tmp_path / "default" / "2024" / "20003.pdf").unlink()
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        conn.execute("UPDATE archive_entries SET pdf_sha256 = NULL, pdf_size = NULL"
                     " WHERE invoice_number = '20003'")
    with LocalArchive(tmp_path) as archive:
        assert kinds(archive) == [("20001", "xml", "missing"), ("20002", "pdf", "missing"),
                                  ("20003", "index", "altered")]


def test_an_archive_with_invoices_without_pdf_is_copied_verified(tmp_path: Path) -> None:
    with LocalArchive(tmp_path / "from") as source:
        source.put(without_pdf())
        source.put(make_item("20002"))
        with LocalArchive(tmp_path / "to") as target:
            report = copy_archive(source, target)
            assert (report.copied, report.ok) == (2, True)
            assert not target.get("default", "20001").pdf_kept
            assert target.xml("default", "20001") == XML


def test_a_print_file_leaves_out_an_invoice_without_pdf_and_names_it(tmp_path: Path) -> None:
    page = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(page)
    with LocalArchive(tmp_path) as archive:
        archive.put(make_item("20002", pdf=page.getvalue()))
        archive.put(without_pdf())
        printed = print_file(archive, "default", ["20001", "20002"])
        assert printed.pdf is not None and len(PdfReader(io.BytesIO(printed.pdf)).pages) == 1
        assert printed.skipped == ["20001"] and "20001" in printed.note()
        assert print_file(archive, "default", ["20001"]).pdf is None
