"""Schema migrations keep every row of stores made before migrations existed, and
`archive migrate` copies such an archive to PostgreSQL + S3, verified.

`tests/fixtures/legacy/` holds an archive (index dump and files) and a posting ledger (dump)
written by the code as it was before migrations.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from scaleout_support import REPO, run_faktura, scaleout_settings

from archive import LocalArchive, NewArchiveItem
from infra.migrations import head
from sync.posting.ledger import Ledger, State

LEGACY = REPO / "tests" / "fixtures" / "legacy"


def _legacy_stores(tmp: Path) -> None:
    """The legacy archive and ledger, where the settings below look for them."""
    shutil.copytree(LEGACY / "archive", tmp / "archive")
    for dump, target in (("archive-index.sql", tmp / "archive" / "index.sqlite"),
                         ("ledger.sql", tmp / "state" / "ledger.sqlite")):
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(target) as conn:
            conn.executescript((LEGACY / dump).read_text(encoding="utf-8"))


def _rows(path: Path, table: str, columns: str = "*") -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)


def _columns(path: Path, table: str) -> str:
    with sqlite3.connect(path) as conn:
        return ", ".join(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))


def test_upgrade_keeps_every_row_of_a_legacy_archive_and_ledger(tmp_path: Path):
    _legacy_stores(tmp_path)
    index, ledger_file = tmp_path / "archive" / "index.sqlite", tmp_path / "state" / "ledger.sqlite"
    legacy = {t: _columns(index, t) for t in ("archive_entries",)}
    legacy |= {t: _columns(ledger_file, t) for t in ("postings", "master_data")}
    before = {t: _rows(index, t) for t in ("archive_entries",)}
    before |= {t: _rows(ledger_file, t) for t in ("postings", "master_data")}
    assert [len(before[t]) for t in ("archive_entries", "postings", "master_data")] == [4, 4, 2]
    settings = scaleout_settings(tmp_path, gateway_url="http://127.0.0.1:9")

    for _ in range(2):  # upgrading again changes nothing
        result = run_faktura("db", "upgrade", "--settings", str(settings), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert f"index.sqlite: at {head('archive')}" in result.stdout
    assert f"ledger.sqlite: at {head('ledger')}" in result.stdout

    after = {t: _rows(index, t, legacy[t]) for t in ("archive_entries",)}
    after |= {t: _rows(ledger_file, t, legacy[t]) for t in ("postings", "master_data")}
    assert after == before  # every legacy row and value kept; new columns only added
    assert [row[0] for row in _rows(ledger_file, "postings", "mismatch")] == [None] * 4
    assert _rows(index, "alembic_version") == [(head("archive"),)]
    assert _rows(index, "archive_entries", "xml_sha256, xml_format") == [(None, None)] * 4

    with LocalArchive(tmp_path / "archive") as archive:
        assert archive.verify().ok
        assert archive.get("default", "1001").customer_name == "Østergaard & Søn ApS"
        assert archive.get("default", "1001").xml_sha256 is None  # archived before e-invoices
        assert [e.invoice_number for e in archive.list("default")] == ["1004", "1002", "1001"]
        archive.put(with_einvoice("1005"))  # the upgraded index takes an e-invoice
        assert archive.verify().ok and archive.xml("default", "1005") == XML
        archive.put(without_pdf("1006"))  # and an invoice in Uniconta's layout without PDF
        assert archive.verify().ok and not archive.get("default", "1006").pdf_kept
        # The name search's triggers outlived the table's copy (SQLite drops no NOT NULL).
        assert [e.invoice_number for e in archive.list("default", q="østergaard")] == [
            "1001"]
        assert [e.invoice_number for e in archive.list("default", q="uniconta-kunde")] == [
            "1006"]
    ledger = Ledger(ledger_file)
    try:
        states = {r.source_id: r.state for r in ledger.all("default")}
        assert states == {"src-1": State.ARCHIVED, "src-2": State.ARCHIVED,
                          "src-3": State.POSTED, "src-4": State.ORDER_CREATED}
        assert ledger.master("default", "debtor", "C1") == ("f" * 64, "rowid-1")
    finally:
        ledger.close()


XML = b'<?xml version="1.0" encoding="UTF-8"?><Invoice>1005</Invoice>'


def with_einvoice(number: str) -> NewArchiveItem:
    """An invoice archived with its e-invoice (the XML is only stored, not read)."""
    return NewArchiveItem(
        tenant="default", invoice_number=number, document_type="invoice",
        issue_date=date(2026, 2, 1), customer_number="C5", customer_name="Ærø Fiskeri",
        currency_code="DKK", total_amount=Decimal("125.00"), layout="clienttime",
        source_id=f"src-{number}", pdf=b"%PDF-1.7 " + number.encode(), invoice_json="{}",
        xml=XML, xml_format="oioubl")


def without_pdf(number: str) -> NewArchiveItem:
    """An invoice in Uniconta's layout archived without its PDF (the REST API's case)."""
    return with_einvoice(number).model_copy(update={
        "layout": "uniconta", "pdf": None, "customer_name": "Uniconta-kunde ApS"})


def test_postgresql_at_the_previous_revision_takes_invoices_without_pdf_after_upgrading(
        pg_url: str, tmp_path: Path):
    from archive import Archive
    from archive.blobs import LocalBlobStore
    from archive.index import SqlIndex
    from infra.migrations import upgrade

    upgrade(pg_url, ["archive"], to="archive_0005")
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        required = conn.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = 'archive_entries'"
            " AND column_name IN ('pdf_sha256', 'pdf_size')"
            " AND is_nullable = 'NO' ORDER BY 1")).scalars().all()
    assert required == ["pdf_sha256", "pdf_size"]
    with Archive(LocalBlobStore(tmp_path), SqlIndex(pg_url)) as before:
        before.put(with_einvoice("1005"))
    upgrade(pg_url, ["archive"])
    upgrade(pg_url, ["archive"])  # again: nothing to do
    with engine.connect() as conn:
        nullable = conn.execute(sa.text(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE"
            " table_schema = current_schema() AND table_name = 'archive_entries'"
            " AND column_name IN ('pdf_sha256', 'pdf_size')"
            " ORDER BY 1")).all()
    engine.dispose()
    assert nullable == [("pdf_sha256", "YES"), ("pdf_size", "YES")]
    with Archive(LocalBlobStore(tmp_path), SqlIndex(pg_url)) as after:
        after.put(without_pdf("1006"))
        assert after.get("default", "1005").pdf_kept and not after.get("default", "1006").pdf_kept
        assert after.verify().ok


def test_an_index_opened_before_upgrading_gets_the_new_columns_and_upgrades(tmp_path: Path):
    _legacy_stores(tmp_path)
    index = tmp_path / "archive" / "index.sqlite"
    with LocalArchive(tmp_path / "archive") as archive:  # the running code adds the columns
        archive.put(with_einvoice("1005"))
    settings = scaleout_settings(tmp_path, gateway_url="http://127.0.0.1:9")
    result = run_faktura("db", "upgrade", "--settings", str(settings), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _rows(index, "alembic_version") == [(head("archive"),)]
    with LocalArchive(tmp_path / "archive") as archive:
        assert archive.verify().ok and len(list(archive.index.all())) == 5
        assert archive.get("default", "1005").xml_format == "oioubl"


def test_legacy_archive_migrates_to_postgresql_and_s3_verified(tmp_path: Path, pg_url,
                                                               s3_env, s3_endpoint):
    _legacy_stores(tmp_path)
    with LocalArchive(tmp_path / "archive") as archive:
        archive.put(with_einvoice("1005"))  # one invoice with its e-invoice beside the four
        archive.put(without_pdf("1006"))  # and one in Uniconta's layout without its PDF
    local = scaleout_settings(tmp_path, gateway_url="http://127.0.0.1:9")
    target_dir = tmp_path / "target"
    target_dir.mkdir()
    target = scaleout_settings(target_dir, gateway_url="http://127.0.0.1:9", database_url=pg_url,
                               bucket=s3_env, endpoint=s3_endpoint)
    upgraded = run_faktura("db", "upgrade", "--settings", str(target), cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr

    for copied in ("Copied 6", "Copied 0"):  # a second run finds everything there
        result = run_faktura("archive", "migrate", "--settings", str(local), "--to",
                             str(target), cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert copied in result.stdout and "Verified" in result.stdout

    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        migrated = conn.execute(sa.text(
            "SELECT tenant, invoice_number, pdf_sha256, archived_at FROM archive_entries"
            " ORDER BY id")).all()
    engine.dispose()
    legacy = _rows(tmp_path / "archive" / "index.sqlite", "archive_entries")
    assert sorted((r[0], r[1], r[2]) for r in migrated) == sorted(
        (r[1], r[2], r[16]) for r in legacy)
    assert ("default", "1006", None) in [(r[0], r[1], r[2]) for r in migrated]
    verified = run_faktura("archive", "verify", "--settings", str(target), "--tenant", "default",
                           cwd=tmp_path)
    assert verified.returncode == 0
    assert "Verified 5 archived invoices (tenant default)" in verified.stdout
    kept = run_faktura("archive", "get", "1006", "--settings", str(target), "--tenant",
                       "default", "--out", str(tmp_path), cwd=tmp_path)
    assert kept.returncode == 1 and "not kept in the archive" in kept.stderr
    xml = run_faktura("archive", "get", "1005", "--xml", "--settings", str(target),
                      "--tenant", "default", "--out", str(tmp_path), cwd=tmp_path)
    assert xml.returncode == 0, xml.stderr
    assert (tmp_path / "1005-oioubl.xml").read_bytes() == XML  # from S3, hash-checked
    none = run_faktura("archive", "get", "1001", "--xml", "--settings", str(target),
                       "--tenant", "default", "--out", str(tmp_path), cwd=tmp_path)
    assert none.returncode == 1 and "without an e-invoice" in none.stderr
    pdf = run_faktura("archive", "get", "1003", "--tenant", "acme", "--settings", str(target),
                      "--out", str(tmp_path / "1003.pdf"), cwd=tmp_path)
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "1003.pdf").read_bytes() == (
        LEGACY / "archive" / "acme" / "2025" / "1003.pdf").read_bytes()
