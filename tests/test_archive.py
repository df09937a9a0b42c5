"""The invoice archive: append-only storage, lookup, listing, verification, crash recovery.

Real folders and real SQLite files under tmp_path throughout.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from archive import (
    ArchiveConflict,
    ArchiveDamaged,
    ArchiveEntry,
    ArchiveError,
    ArchiveStore,
    InvalidArchiveKey,
    LocalArchive,
    NewArchiveItem,
    NotArchived,
)
from archive.blobs import LocalBlobStore
from archive.model import INVOICE_NUMBER_RE, TENANT_RE

ALL_BYTES_PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"
FIXED_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def make_item(number: str = "10001", **overrides: Any) -> NewArchiveItem:
    """A valid item; content derives from tenant and number unless overridden."""
    tenant = overrides.get("tenant", "default")
    fields: dict[str, Any] = {
        "tenant": tenant,
        "invoice_number": number,
        "document_type": "invoice",
        "issue_date": date(2024, 3, 1),
        "customer_number": "C100",
        "customer_name": "Jensen & Søn ApS",
        "currency_code": "DKK",
        "total_amount": Decimal("1250.00"),
        "fik_line": "+71<000000000100001 +85211234<",
        "layout": "uniconta",
        "pdf": f"%PDF-1.7\n{tenant}/{number}\n%%EOF\n".encode(),
        "invoice_json": f'{{"tenant": "{tenant}", "number": "{number}"}}',
    }
    fields.update(overrides)
    return NewArchiveItem(**fields)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def store(root: Path) -> Iterator[LocalArchive]:
    archive = LocalArchive(root, clock=lambda: FIXED_NOW)
    yield archive
    archive.close()


def row_count(root: Path) -> int:
    with sqlite3.connect(root / "index.sqlite") as conn:
        return conn.execute("SELECT count(*) FROM archive_entries").fetchone()[0]


def stored_files(root: Path) -> list[str]:
    """Every invoice file under root (not the SQLite index files, not the index seal), as
    sorted relative paths."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith("index.sqlite")
        and p.parent.name != "index-chain"
    )


# --- put / get ----------------------------------------------------------------------------


def test_local_archive_satisfies_the_protocol(store: LocalArchive) -> None:
    as_protocol: ArchiveStore = store
    assert as_protocol is store


def test_put_get_round_trip_returns_exact_bytes(store: LocalArchive, root: Path) -> None:
    invoice_json = '{\n  "kunde": "Ærø Å/S",  "beløb": "1.250,00"\n}\n'
    item = make_item(
        "10001",
        pdf=ALL_BYTES_PDF,
        invoice_json=invoice_json,
        source_id="ct-42",
        uniconta_invoice_number=5501,
        voucher=77,
        journal_posted_id=9001,
    )

    result = store.put(item)

    assert result.created is True
    assert store.pdf("default", "10001") == ALL_BYTES_PDF
    assert store.invoice_json("default", "10001") == invoice_json
    entry = store.get("default", "10001")
    assert entry == result.entry
    assert entry.pdf_size == len(ALL_BYTES_PDF)
    assert entry.archived_at == FIXED_NOW
    assert (entry.uniconta_invoice_number, entry.voucher, entry.journal_posted_id) == (
        5501,
        77,
        9001,
    )
    assert stored_files(root) == ["default/2024/10001.json", "default/2024/10001.pdf"]
    for name in stored_files(root):
        assert stat.S_IMODE((root / name).stat().st_mode) == 0o400  # read-only, its owner's


def test_a_file_half_written_by_a_killed_writer_is_removed(root: Path) -> None:
    """kill -9 between writing a file and linking it to its name leaves a temporary file; the
    next write into its folder, or a verify, removes it, and never a live writer's."""
    folder = root / "default" / "2024"
    folder.mkdir(parents=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (folder / f".tmp-{gone}-abcd1234.part").write_bytes(b"%PDF-1.7 half")
        (folder / f".tmp-{live.pid}-efgh5678.part").write_bytes(b"%PDF-1.7 being written")
        with LocalArchive(root) as archive:
            archive.put(make_item("10001"))
            assert sorted(p.name for p in folder.iterdir()) == [
                f".tmp-{live.pid}-efgh5678.part", "10001.json", "10001.pdf"]
        (folder / f".tmp-{gone}-ijkl9012.part").write_bytes(b"%PDF-1.7 half")
        with LocalArchive(root) as archive:
            report = archive.verify()
        assert report.ok and any("half-written" in note for note in report.notes)
        assert sorted(p.name for p in folder.iterdir()) == [
            f".tmp-{live.pid}-efgh5678.part", "10001.json", "10001.pdf"]
    finally:
        live.kill()
        live.wait()


def test_metadata_survives_the_index_exactly(store: LocalArchive) -> None:
    item = make_item(
        "7",
        total_amount=Decimal("123456789012345.6789"),
        currency_code="EUR",
        document_type="credit_note",
        layout="clienttime",
        fik_line=None,
    )
    store.put(item)

    entry = store.get("default", "7")

    assert entry.model_dump(exclude={"pdf_sha256", "invoice_json_sha256", "archived_at"}) == {
        **item.metadata(),
        "pdf_size": len(item.pdf),
        "xml_sha256": None,  # archived without an e-invoice
    }
    assert entry.archived_at.tzinfo is UTC


def test_same_content_again_is_a_noop(store: LocalArchive, root: Path) -> None:
    first = store.put(make_item("10001"))

    again = store.put(make_item("10001"))

    assert again.created is False
    assert again.entry == first.entry
    assert row_count(root) == 1
    assert len(stored_files(root)) == 2


def test_same_content_after_reopening_is_a_noop(root: Path) -> None:
    with LocalArchive(root) as archive:
        archive.put(make_item("10001"))
    with LocalArchive(root) as archive:
        assert archive.put(make_item("10001")).created is False
    assert row_count(root) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"pdf": b"%PDF-1.7\nre-rendered with a newer template\n"},
        {"invoice_json": '{"number": "10001", "total": "999.00"}'},
    ],
    ids=["pdf", "json"],
)
def test_different_content_same_number_is_a_conflict(
    store: LocalArchive, root: Path, change: dict[str, Any]
) -> None:
    original = make_item("10001")
    store.put(original)

    with pytest.raises(ArchiveConflict) as excinfo:
        store.put(make_item("10001", **change))

    message = str(excinfo.value)
    assert "10001" in message
    assert "credit note" in message
    assert store.pdf("default", "10001") == original.pdf
    assert store.invoice_json("default", "10001") == original.invoice_json
    assert (root / "default/2024/10001.pdf").read_bytes() == original.pdf
    assert row_count(root) == 1


def test_metadata_only_change_with_same_documents_is_a_noop(store: LocalArchive) -> None:
    store.put(make_item("10001", customer_name="Old Name"))

    again = store.put(make_item("10001", customer_name="New Name"))

    assert again.created is False
    assert again.entry.customer_name == "Old Name"


# --- keys -------------------------------------------------------------------------------------

BAD_NUMBERS = ["../x", "a/b", "", "1" * 21, "..", "a\\b", "/etc", " 1", "1.pdf", "1\x00", "ø1"]


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_path_like_invoice_numbers_are_refused_and_nothing_is_written(
    store: LocalArchive, root: Path, number: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        make_item(number)
    assert isinstance(excinfo.value, ValueError)
    assert "invoice_number" in str(excinfo.value)

    unchecked = make_item("1").model_copy(update={"invoice_number": number})
    with pytest.raises(InvalidArchiveKey, match="invoice_number"):
        store.put(unchecked)
    with pytest.raises(InvalidArchiveKey):
        store.get("default", number)
    with pytest.raises(InvalidArchiveKey):
        store.pdf("default", number)

    assert stored_files(root) == []
    assert row_count(root) == 0
    assert not (root.parent / "x.pdf").exists()


@pytest.mark.parametrize("tenant", ["../t", "a/b", "", "Upper", "-x", "t" * 41, "."])
def test_bad_tenants_are_refused(store: LocalArchive, root: Path, tenant: str) -> None:
    with pytest.raises(ValidationError, match="tenant"):
        make_item("1", tenant=tenant)
    unchecked = make_item("1").model_copy(update={"tenant": tenant})
    with pytest.raises(InvalidArchiveKey, match="tenant"):
        store.put(unchecked)
    with pytest.raises(InvalidArchiveKey):
        store.list(tenant)
    with pytest.raises(InvalidArchiveKey):
        store.verify(tenant)
    assert stored_files(root) == []


def test_exception_hierarchy() -> None:
    assert issubclass(NotArchived, LookupError) and issubclass(NotArchived, ArchiveError)
    assert issubclass(InvalidArchiveKey, ValueError)
    assert issubclass(InvalidArchiveKey, ArchiveError)
    assert issubclass(ArchiveConflict, ArchiveError)


def test_blob_store_refuses_escaping_keys(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    for key in ["../x", "/abs", "a//b", "a/../b", ""]:
        with pytest.raises(ValueError):
            blobs.put_if_absent(key, b"x")
    assert not (tmp_path / "x").exists()


def test_blob_store_never_replaces_an_existing_blob(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path)
    assert blobs.put_if_absent("t/2024/1.pdf", b"first") is True
    assert blobs.put_if_absent("t/2024/1.pdf", b"second") is False
    assert blobs.get("t/2024/1.pdf") == b"first"
    assert [p.name for p in (tmp_path / "t/2024").iterdir()] == ["1.pdf"]  # no temp left


# --- tenants, lookup ----------------------------------------------------------------------


def test_tenant_isolation(store: LocalArchive, root: Path) -> None:
    store.put(make_item("10001", tenant="firm-a", source_id="s1"))

    with pytest.raises(NotArchived):
        store.get("firm-b", "10001")
    with pytest.raises(NotArchived):
        store.pdf("firm-b", "10001")
    assert store.list("firm-b") == []
    assert store.find_by_source_id("firm-b", "s1") is None

    own = store.put(make_item("10001", tenant="firm-b"))
    assert own.created is True
    assert store.pdf("firm-a", "10001") != store.pdf("firm-b", "10001")
    assert store.verify("firm-a").checked == 1


def test_get_unknown_number_raises_not_archived(store: LocalArchive) -> None:
    with pytest.raises(NotArchived, match="404"):
        store.get("default", "404")
    with pytest.raises(LookupError):
        store.invoice_json("default", "404")


def test_find_by_source_id(store: LocalArchive) -> None:
    store.put(make_item("10001", source_id="clienttime:inv-1"))
    store.put(make_item("10002", source_id="clienttime:inv-2"))
    store.put(make_item("10003"))

    found = store.find_by_source_id("default", "clienttime:inv-2")

    assert found is not None and found.invoice_number == "10002"
    assert store.find_by_source_id("default", "clienttime:inv-9") is None


# --- listing ------------------------------------------------------------------------------


@pytest.fixture
def listed(store: LocalArchive) -> LocalArchive:
    rows = [
        ("1", "C1", "Ærø Æbler A/S", date(2024, 1, 10)),
        ("2", "C2", "Jensen & Søn ApS", date(2024, 2, 10)),
        ("3", "C1", "ÆRØ ÆBLER A/S", date(2024, 3, 10)),
        ("4", "C3", "100% Rent_Vand", date(2024, 3, 31)),
        ("5", "C2", "Jensen & Søn ApS", date(2025, 1, 1)),
    ]
    for number, customer, name, issued in rows:
        store.put(
            make_item(number, customer_number=customer, customer_name=name, issue_date=issued)
        )
    return store


def numbers(entries: list[ArchiveEntry]) -> list[str]:
    return [e.invoice_number for e in entries]


def test_list_newest_first(listed: LocalArchive) -> None:
    assert numbers(listed.list("default")) == ["5", "4", "3", "2", "1"]


def test_list_by_customer(listed: LocalArchive) -> None:
    assert numbers(listed.list("default", customer="C1")) == ["3", "1"]
    assert listed.list("default", customer="C9") == []


def test_list_by_inclusive_date_range(listed: LocalArchive) -> None:
    in_range = listed.list("default", date_from=date(2024, 2, 10), date_to=date(2024, 3, 31))
    assert numbers(in_range) == ["4", "3", "2"]
    assert numbers(listed.list("default", date_from=date(2025, 1, 1))) == ["5"]
    assert numbers(listed.list("default", date_to=date(2024, 1, 10))) == ["1"]


def test_list_by_name_text_is_case_insensitive_for_danish_letters(listed: LocalArchive) -> None:
    assert numbers(listed.list("default", q="ærø æbler")) == ["3", "1"]
    assert numbers(listed.list("default", q="SØN")) == ["5", "2"]
    combined = listed.list("default", q="jensen", customer="C2", date_to=date(2024, 12, 31))
    assert numbers(combined) == ["2"]
    assert listed.list("default", q="nobody") == []


def test_list_name_text_treats_like_wildcards_literally(listed: LocalArchive) -> None:
    assert numbers(listed.list("default", q="100%")) == ["4"]
    assert numbers(listed.list("default", q="t_v")) == ["4"]
    assert numbers(listed.list("default", q="%")) == ["4"]
    assert numbers(listed.list("default", q="_")) == ["4"]


def test_list_name_text_finds_any_part_of_a_word(listed: LocalArchive) -> None:
    assert numbers(listed.list("default", q="ensen & s")) == ["5", "2"]
    assert numbers(listed.list("default", q="bler a/")) == ["3", "1"]
    assert numbers(listed.list("default", q="Ø")) == ["5", "3", "2", "1"]
    assert numbers(listed.list("default", q="rø")) == ["3", "1"]
    assert listed.list("default", q="jensen  søn") == []


def test_a_name_shared_by_many_invoices_is_found_newest_first(store: LocalArchive) -> None:
    first = date(2024, 1, 1)
    for n in range(1, 131):
        name = "Jensen & Søn ApS" if n % 10 else "Ærø Æbler A/S"
        store.put(make_item(str(n), customer_name=name, issue_date=first + timedelta(days=n)))

    assert numbers(store.list("default", q="JENSEN", limit=4)) == ["129", "128", "127", "126"]
    assert numbers(store.list("default", q="ærø", limit=3)) == ["130", "120", "110"]
    assert len(store.list("default", q="søn", limit=1000)) == 117


def test_name_search_finds_names_written_after_opening(listed: LocalArchive) -> None:
    listed.put(make_item("6", customer_name="Østergaard Rådgivning", issue_date=date(2025, 2, 1)))
    assert numbers(listed.list("default", q="RÅDGIV")) == ["6"]


# The previous release's name index: an external-content FTS5 table keyed by id.
PREVIOUS_NAME_INDEX = [
    "CREATE VIRTUAL TABLE archive_names USING fts5(customer_name_folded,"
    " content='archive_entries', content_rowid='id', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER archive_names_ai AFTER INSERT ON archive_entries BEGIN"
    " INSERT INTO archive_names(rowid, customer_name_folded)"
    " VALUES (new.id, new.customer_name_folded); END",
    "INSERT INTO archive_names(archive_names) VALUES ('rebuild')",
]


def test_an_index_of_the_previous_release_gets_the_name_search_when_opened(
        listed: LocalArchive, root: Path) -> None:
    listed.close()
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("DROP TABLE alembic_version")  # that release kept no schema revision
        conn.execute("DROP TABLE archive_search")
        for statement in PREVIOUS_NAME_INDEX:
            conn.execute(statement)
    reopened = LocalArchive(root, clock=lambda: FIXED_NOW)
    try:
        assert numbers(reopened.list("default", q="ærø æbler")) == ["3", "1"]
        reopened.put(make_item("6", customer_name="Ærø Æbler A/S", issue_date=date(2025, 2, 1)))
        assert numbers(reopened.list("default", q="ærø æbler")) == ["6", "3", "1"]
        assert numbers(reopened.list("default", q="ærø æbler", date_to=date(2025, 1, 31))) == [
            "3", "1"]
    finally:
        reopened.close()
    with sqlite3.connect(root / "index.sqlite") as conn:
        left = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'archive_names%'")
        assert left.fetchall() == []


def test_list_pagination_has_no_gaps_or_repeats(store: LocalArchive) -> None:
    for n in range(1, 24):
        store.put(make_item(str(n), issue_date=date(2024, 1, 1) + timedelta(days=n % 5)))

    pages = [store.list("default", limit=5, offset=offset) for offset in range(0, 30, 5)]

    assert [len(p) for p in pages] == [5, 5, 5, 5, 3, 0]
    seen = [number for page in pages for number in numbers(page)]
    assert sorted(seen, key=int) == [str(n) for n in range(1, 24)]
    dates = [e.issue_date for page in pages for e in page]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"limit": 1001}, {"offset": -1}])
def test_list_rejects_bad_paging(store: LocalArchive, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        store.list("default", **kwargs)


def test_lookups_use_indexes(store: LocalArchive, root: Path) -> None:
    store.put(make_item("1", source_id="s"))
    queries = {
        "sqlite_autoindex_archive_entries_1": "tenant = 'default' AND invoice_number = '1'",
        "ix_archive_source_id": "tenant = 'default' AND source_id = 's'",
        "ix_archive_customer": (
            "tenant = 'default' AND customer_number = 'C100' ORDER BY issue_date DESC, id DESC"
        ),
        "ix_archive_issue_date": "tenant = 'default' AND issue_date >= '2024-01-01'",
    }
    with sqlite3.connect(root / "index.sqlite") as conn:
        for index_name, where in queries.items():
            plan = conn.execute(
                f"EXPLAIN QUERY PLAN SELECT * FROM archive_entries WHERE {where}"
            ).fetchall()
            assert index_name in " ".join(str(step) for step in plan), (where, plan)


# --- verify -------------------------------------------------------------------------------


def test_verify_clean_archive(store: LocalArchive) -> None:
    for n in range(1, 4):
        store.put(make_item(str(n)))

    report = store.verify()

    assert report.ok and report.checked == 3 and report.problems == []


def test_verify_catches_a_modified_pdf(store: LocalArchive, root: Path) -> None:
    store.put(make_item("1"))
    store.put(make_item("2"))
    pdf_path = root / "default/2024/2.pdf"
    os.chmod(pdf_path, 0o644)
    data = bytearray(pdf_path.read_bytes())
    data[-2] ^= 0x01
    pdf_path.write_bytes(bytes(data))

    report = store.verify()

    assert not report.ok and report.checked == 2
    [problem] = report.problems
    assert (problem.invoice_number, problem.file, problem.kind) == ("2", "pdf", "altered")
    with pytest.raises(ArchiveDamaged, match="altered"):
        store.pdf("default", "2")


def test_verify_catches_a_deleted_file(store: LocalArchive, root: Path) -> None:
    store.put(make_item("1", tenant="firm-a"))
    store.put(make_item("1", tenant="firm-b"))
    (root / "firm-b/2024/1.json").unlink()

    report = store.verify()

    [problem] = report.problems
    assert (problem.tenant, problem.file, problem.kind) == ("firm-b", "json", "missing")
    assert store.verify("firm-a").ok
    with pytest.raises(ArchiveDamaged, match="missing"):
        store.invoice_json("firm-b", "1")


# --- crash recovery -----------------------------------------------------------------------


class Crash(Exception):
    """Stands in for the process dying."""


def test_crash_after_blob_write_is_completed_by_a_second_put(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = make_item("10001", source_id="src-1")
    crashing = LocalArchive(root)

    def die(entry: ArchiveEntry) -> bool:
        raise Crash

    monkeypatch.setattr(crashing.index, "insert", die)
    with pytest.raises(Crash):
        crashing.put(item)
    crashing.close()
    assert stored_files(root) == ["default/2024/10001.json", "default/2024/10001.pdf"]
    assert row_count(root) == 0

    with LocalArchive(root) as restarted:
        with pytest.raises(NotArchived):
            restarted.get("default", "10001")
        result = restarted.put(item)
        assert result.created is True
        assert restarted.pdf("default", "10001") == item.pdf
        assert restarted.find_by_source_id("default", "src-1") == result.entry
        assert restarted.verify().ok
    assert row_count(root) == 1
    assert stored_files(root) == ["default/2024/10001.json", "default/2024/10001.pdf"]


def test_crash_between_the_two_files_is_completed(root: Path) -> None:
    item = make_item("10001")
    LocalBlobStore(root).put_if_absent("default/2024/10001.pdf", item.pdf)  # json never written

    with LocalArchive(root) as archive:
        assert archive.put(item).created is True
        assert archive.invoice_json("default", "10001") == item.invoice_json
        assert archive.verify().ok


def test_leftover_file_with_other_content_is_a_conflict_not_an_overwrite(root: Path) -> None:
    leftover = b"%PDF-1.7\nhalf-issued earlier\n"
    LocalBlobStore(root).put_if_absent("default/2024/10001.pdf", leftover)

    with LocalArchive(root) as archive:
        with pytest.raises(ArchiveConflict, match="10001"):
            archive.put(make_item("10001"))
        with pytest.raises(NotArchived):
            archive.get("default", "10001")
    assert (root / "default/2024/10001.pdf").read_bytes() == leftover


# --- model --------------------------------------------------------------------------------


def test_archived_at_is_normalised_to_utc() -> None:
    cet = timezone(timedelta(hours=1))
    fields = {
        **make_item("1").metadata(),
        "pdf_sha256": "0" * 64,
        "invoice_json_sha256": "f" * 64,
        "pdf_size": 1,
    }
    entry = ArchiveEntry(**fields, archived_at=datetime(2026, 1, 1, 10, 0, tzinfo=cet))
    assert entry.archived_at == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert entry.archived_at.tzinfo is UTC
    with pytest.raises(ValidationError, match="archived_at"):
        ArchiveEntry(**fields, archived_at=datetime(2026, 1, 1, 10, 0))


def test_item_must_carry_a_pdf_and_json() -> None:
    with pytest.raises(ValidationError, match="pdf"):
        make_item("1", pdf=b"<html>not a pdf</html>")
    with pytest.raises(ValidationError, match="invoice_json"):
        make_item("1", invoice_json="{not json")


# --- properties ---------------------------------------------------------------------------

valid_numbers = st.from_regex(INVOICE_NUMBER_RE, fullmatch=True)
valid_tenants = st.from_regex(TENANT_RE, fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(tenant=valid_tenants, number=valid_numbers, pdf_tail=st.binary(max_size=200))
def test_any_valid_key_round_trips(tenant: str, number: str, pdf_tail: bytes) -> None:
    item = make_item(number, tenant=tenant, pdf=b"%PDF-1.7\n" + pdf_tail)
    with tempfile.TemporaryDirectory() as tmp, LocalArchive(Path(tmp)) as archive:
        assert archive.put(item).created is True
        assert archive.get(tenant, number).invoice_number == number
        assert archive.pdf(tenant, number) == item.pdf
        assert archive.invoice_json(tenant, number) == item.invoice_json
        assert archive.put(item).created is False
        assert (Path(tmp) / tenant / "2024" / f"{number}.pdf").is_file()


@pytest.fixture(scope="module")
def shared_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalArchive]:
    archive = LocalArchive(tmp_path_factory.mktemp("shared") / "archive")
    yield archive
    archive.close()


@settings(max_examples=100, deadline=None)
@given(number=st.text(max_size=30).filter(lambda s: not INVOICE_NUMBER_RE.fullmatch(s)))
def test_any_invalid_key_is_refused(shared_archive: LocalArchive, number: str) -> None:
    with pytest.raises(ValueError, match="invoice_number"):
        make_item(number)
    with pytest.raises(InvalidArchiveKey):
        shared_archive.get("default", number)
    with pytest.raises(InvalidArchiveKey):
        shared_archive.put(make_item("1").model_copy(update={"invoice_number": number}))
    assert shared_archive.list("default") == []


# --- verify proves the index ----------------------------------------------------------------


def _edit_row(root: Path, number: str, column: str, value: object) -> None:
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute(f"UPDATE archive_entries SET {column} = ? WHERE invoice_number = ?",
                     (value, number))


def _invoice_item(number: str, **overrides: Any) -> NewArchiveItem:
    data = {"invoice_number": number, "source_id": f"CT-{number}", "issue_date": "2024-03-01",
            "currency_code": "DKK", "customer": {"customer_number": "C100"}}
    return make_item(number, source_id=f"CT-{number}", invoice_json=json.dumps(data),
                     **overrides)


@pytest.mark.parametrize(("column", "value"), [
    ("total_amount", "1.00"), ("customer_name", "Someone Else ApS"),
    ("source_id", "CT-999"), ("customer_number", "C999")])
def test_verify_catches_an_edited_index_field(store: LocalArchive, root: Path, column: str,
                                              value: object) -> None:
    store.put(_invoice_item("1"))
    store.put(_invoice_item("2"))
    _edit_row(root, "2", column, value)

    report = store.verify()

    assert not report.ok and report.checked == 2
    assert {(p.invoice_number, p.file, p.kind) for p in report.problems} == {
        ("2", "index", "altered")}
    if column in ("source_id", "customer_number"):  # the invoice JSON says otherwise too
        assert any(column in p.detail for p in report.problems)


def test_verify_catches_a_deleted_index_row(store: LocalArchive, root: Path) -> None:
    for number in ("1", "2", "3"):
        store.put(_invoice_item(number))
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("DELETE FROM archive_entries WHERE invoice_number = '2'")

    report = store.verify("default")

    [problem] = report.problems
    assert (problem.invoice_number, problem.file, problem.kind) == ("2", "index", "deleted")


def test_verify_catches_a_row_slipped_into_the_index(store: LocalArchive, root: Path) -> None:
    store.put(_invoice_item("1"))
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("INSERT INTO archive_entries (tenant, invoice_number, document_type,"
                     " issue_date, customer_number, customer_name, customer_name_folded,"
                     " currency_code, total_amount, layout, pdf_sha256, invoice_json_sha256,"
                     " archived_at, pdf_size) SELECT tenant, '7', document_type, issue_date,"
                     " customer_number, customer_name, customer_name_folded, currency_code,"
                     " total_amount, layout, pdf_sha256, invoice_json_sha256, archived_at,"
                     " pdf_size FROM archive_entries WHERE invoice_number = '1'")

    kinds = {(p.invoice_number, p.kind) for p in store.verify().problems}

    assert ("7", "unsealed") in kinds


def test_an_archive_written_before_the_seal_is_sealed_on_verify(root: Path) -> None:
    with LocalArchive(root, clock=lambda: FIXED_NOW) as archive:
        archive.put(_invoice_item("1"))
        archive.put(_invoice_item("2"))
    for link in (root / "default" / "index-chain").iterdir():  # as an older version wrote it
        os.chmod(link, 0o644)
        link.unlink()

    with LocalArchive(root, clock=lambda: FIXED_NOW) as archive:
        first = archive.verify()
        assert first.ok and first.sealed == 2 and first.checked == 2
        again = archive.verify()
        assert again.ok and again.sealed == 0
        _edit_row(root, "1", "total_amount", "9.99")
        assert [p.kind for p in archive.verify().problems] == ["altered"]
