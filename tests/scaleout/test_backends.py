"""The scale-out backends one by one: the S3 blob store against a real S3 server (moto), and
the archive index, posting ledger and API keys on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import boto3
import pytest

from api.auth import KeyStore
from archive import Archive, ArchiveConflict, NewArchiveItem, NoEInvoice, NoPdfKept
from archive.index import SqlIndex
from archive.s3 import S3BlobStore
from infra.database import describe
from sync.posting.ledger import Ledger, State


def _store(endpoint: str, bucket: str, **kwargs) -> S3BlobStore:  # type: ignore[no-untyped-def]
    return S3BlobStore.connect(bucket=bucket, endpoint_url=endpoint, create=True, **kwargs)


def _item(number: str, pdf: bytes | None = b"%PDF-1.7 test", layout: str = "clienttime",
          **xml: object) -> NewArchiveItem:
    return NewArchiveItem(**xml,  # type: ignore[arg-type]
        tenant="revisorhuset", invoice_number=number, document_type="invoice",
        issue_date=date(2026, 11, 30), customer_number="1001", customer_name="Kunde ÆØÅ ApS",
        currency_code="DKK", total_amount=Decimal("1187.50"), fik_line=None,
        layout=layout, uniconta_invoice_number=int(number), voucher=1,
        journal_posted_id=2, source_id=f"src-{number}", pdf=pdf, invoice_json='{"a": 1}')


# -- S3 --------------------------------------------------------------------------------------


def test_s3_objects_are_written_once_and_never_replaced(s3_env, s3_endpoint):
    store = _store(s3_endpoint, s3_env, prefix="faktura/")
    assert store.put_if_absent("t/2026/1.pdf", b"first")
    assert not store.put_if_absent("t/2026/1.pdf", b"second")
    assert store.get("t/2026/1.pdf") == b"first"
    assert store.exists("t/2026/1.pdf") and not store.exists("t/2026/2.pdf")
    with pytest.raises(KeyError):
        store.get("t/2026/2.pdf")
    with pytest.raises(ValueError, match="invalid blob key"):
        store.put_if_absent("../escape.pdf", b"x")
    assert store.keys() == ["t/2026/1.pdf"]


def test_s3_conditional_put_refuses_an_object_written_meanwhile(s3_env, s3_endpoint):
    store = _store(s3_endpoint, s3_env)
    store.client.put_object(Bucket=s3_env, Key="t/2026/9.pdf", Body=b"other writer")
    store.exists = lambda key: False  # type: ignore[method-assign] - lose the race on purpose
    assert store.put_if_absent("t/2026/9.pdf", b"mine") is False
    assert store.client.get_object(Bucket=s3_env, Key="t/2026/9.pdf")["Body"].read() == (
        b"other writer")


def test_s3_read_checks_the_hash_and_verify_reports_an_altered_object(s3_env, s3_endpoint,
                                                                       tmp_path: Path):
    store = _store(s3_endpoint, s3_env)
    archive = Archive(store, SqlIndex(tmp_path / "index.sqlite"))
    archive.put(_item("7001"))
    archive.put(_item("7002"))
    assert archive.verify().ok
    # Someone with write access replaces an object (a bucket without object lock allows it).
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-north-1")
    key = "revisorhuset/2026/7001.pdf"
    metadata = s3.head_object(Bucket=s3_env, Key=key)["Metadata"]
    s3.put_object(Bucket=s3_env, Key=key, Body=b"%PDF forged", Metadata=metadata)
    report = archive.verify()
    assert [(p.invoice_number, p.kind) for p in report.problems] == [("7001", "altered")]
    with pytest.raises(Exception, match="do not match|altered"):
        archive.pdf("revisorhuset", "7001")
    with pytest.raises(ArchiveConflict):
        archive.put(_item("7002", pdf=b"%PDF-1.7 other"))
    archive.close()


def test_s3_object_lock_retention_where_the_bucket_supports_it(s3_env, s3_endpoint):
    store = _store(s3_endpoint, s3_env, retention_days=3650)
    assert store.put_if_absent("t/2026/1.pdf", b"kept ten years")
    head = store.client.head_object(Bucket=s3_env, Key="t/2026/1.pdf")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].year >= datetime.now(UTC).year + 9
    version = head["VersionId"]
    with pytest.raises(Exception, match="AccessDenied|locked|retention|WORM"):
        store.client.delete_object(Bucket=s3_env, Key="t/2026/1.pdf", VersionId=version)


def test_an_e_invoice_is_a_third_object_on_s3_indexed_on_postgresql(s3_env, s3_endpoint,
                                                                     pg_url):
    archive = Archive(_store(s3_endpoint, s3_env), SqlIndex(pg_url))
    xml = b"<?xml version='1.0'?><Invoice>7101</Invoice>"
    entry = archive.put(_item("7101", xml=xml, xml_format="peppol")).entry
    archive.put(_item("7102"))
    assert archive.get("revisorhuset", "7101").xml_sha256 == entry.xml_sha256 is not None
    assert archive.xml("revisorhuset", "7101") == xml
    with pytest.raises(NoEInvoice):
        archive.xml("revisorhuset", "7102")
    with pytest.raises(ArchiveConflict, match="e-invoice xml differ"):
        archive.put(_item("7101", xml=b"<Invoice>other</Invoice>", xml_format="peppol"))
    assert archive.verify("revisorhuset").ok
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-north-1")
    key = "revisorhuset/2026/7101.xml"
    metadata = s3.head_object(Bucket=s3_env, Key=key)["Metadata"]
    s3.put_object(Bucket=s3_env, Key=key, Body=b"<Invoice>forged</Invoice>", Metadata=metadata)
    problems = archive.verify("revisorhuset").problems
    assert [(p.invoice_number, p.file, p.kind) for p in problems] == [("7101", "xml", "altered")]
    archive.close()


def test_an_invoice_without_pdf_on_s3_and_postgresql_verifies_and_a_deleted_pdf_shows(
        s3_env, s3_endpoint, pg_url):
    archive = Archive(_store(s3_endpoint, s3_env), SqlIndex(pg_url))
    xml = b"<?xml version='1.0'?><Invoice>7301</Invoice>"
    archive.put(_item("7301", pdf=None, layout="uniconta", xml=xml, xml_format="oioubl"))
    archive.put(_item("7302"))
    assert archive.get("revisorhuset", "7301").pdf_sha256 is None
    with pytest.raises(NoPdfKept):
        archive.pdf("revisorhuset", "7301")
    assert archive.xml("revisorhuset", "7301") == xml and archive.verify("revisorhuset").ok
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-north-1")
    s3.delete_object(Bucket=s3_env, Key="revisorhuset/2026/7302.pdf")
    problems = archive.verify("revisorhuset").problems
    assert [(p.invoice_number, p.file, p.kind) for p in problems] == [("7302", "pdf", "missing")]
    archive.close()


# -- PostgreSQL -------------------------------------------------------------------------------


def test_archive_index_on_postgresql(pg_url, tmp_path: Path):
    from archive.blobs import LocalBlobStore

    archive = Archive(LocalBlobStore(tmp_path), SqlIndex(pg_url))
    assert archive.put(_item("5001")).created
    assert not archive.put(_item("5001")).created
    archive.put(_item("5002"))
    assert [e.invoice_number for e in archive.list("revisorhuset", q="kunde æø")] == [
        "5002", "5001"]
    entry = archive.get("revisorhuset", "5001")
    assert entry.total_amount == Decimal("1187.50") and entry.archived_at.tzinfo is UTC
    assert archive.find_by_source_id("revisorhuset", "src-5002").invoice_number == "5002"
    assert archive.verify().checked == 2
    archive.close()


def test_ledger_on_postgresql_keeps_states_and_master_data(pg_url):
    ledger = Ledger(pg_url)
    ledger.start("t1", "src-1", "a" * 64, "1001")
    ledger.advance("t1", "src-1", State.POSTED, invoice_number="42", voucher=7)
    ledger.add_calls("t1", "src-1", 3)
    ledger.remember("t1", "debtor", "1001", "f1", "row-1")
    ledger.remember("t1", "debtor", "1001", "f2", "row-1")  # an update, not a second row
    [record] = ledger.all("t1")
    assert (record.state, record.invoice_number, record.voucher, record.calls) == (
        State.POSTED, "42", 7, 3)
    assert ledger.master("t1", "debtor", "1001") == ("f2", "row-1")
    assert ledger.all("t2") == []
    ledger.close()


def _hold_lock(url: str, tenant: str, held: multiprocessing.Event, release: multiprocessing.Event):  # type: ignore[valid-type]  # noqa: E501
    ledger = Ledger(url)
    with ledger.posting_lock(tenant):
        held.set()
        release.wait(30)


def test_posting_lock_serialises_one_tenant_across_processes_not_two(pg_url):
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(pg_url, "t1", held, release))
    holder.start()
    try:
        assert held.wait(60)
        ledger = Ledger(pg_url)
        with ledger.posting_lock("t2"):  # another tenant posts in parallel
            pass
        entered = threading.Event()

        def take() -> None:
            with ledger.posting_lock("t1"):
                entered.set()

        waiter = threading.Thread(target=take)
        waiter.start()
        assert not entered.wait(1.0)  # t1 is held by the other process
        release.set()
        assert entered.wait(30)
        waiter.join()
        ledger.close()
    finally:
        release.set()
        holder.join(30)


def test_posting_lock_is_released_when_its_holder_dies(pg_url):
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(pg_url, "t1", held, release))
    holder.start()
    assert held.wait(60)
    holder.kill()  # kill -9 while holding the tenant's posting lock
    holder.join(30)
    ledger = Ledger(pg_url)
    started = time.monotonic()
    with ledger.posting_lock("t1"):
        pass
    assert time.monotonic() - started < 30
    ledger.close()


def test_api_keys_on_postgresql(pg_url):
    store = KeyStore(pg_url)
    key, info = store.create("revisorhuset", "bookkeeping")
    assert store.lookup(key).tenant == "revisorhuset"
    assert store.revoke(info.key_id)
    assert store.lookup(key) is None
    store.close()


def test_database_url_password_is_never_described(pg_url):
    url = "postgresql+psycopg://faktura:s3cret-pw@db.example:5432/faktura"
    assert "s3cret-pw" not in describe(url)
    assert "db.example" in describe(url)
