"""Name search on SQLite gives exactly what the plain LIKE condition gives: the same rows in
the same order, for random entries and searches (see `archive_search_support`)."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from archive_search_support import by_index, by_like, fill, random_entries, random_searches

from archive import ArchiveEntry
from archive.index import SqlIndex, SqliteIndex


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory):
    index = SqliteIndex(tmp_path_factory.mktemp("search") / "index.sqlite")
    made = fill(index, random.Random(20260101), 3000)
    yield index, made
    index.close()


def test_name_search_gives_the_rows_of_the_plain_condition_in_order(
        filled, monkeypatch: pytest.MonkeyPatch) -> None:
    index, made = filled
    by_table = []
    search_table = SqlIndex._search

    def counted(*args, **kwargs):
        by_table.append(args)
        return search_table(*args, **kwargs)

    monkeypatch.setattr(SqlIndex, "_search", staticmethod(counted))
    searches = random_searches(random.Random(7), made, 1500)
    answers = [(s, by_index(index, s), by_like(index.engine, s)) for s in searches]
    assert [a for a in answers if a[1] != a[2]] == []
    assert len(by_table) > 700  # the searches of three letters or more went by the table
    assert sum(1 for a in answers if a[2]) > 1000  # most found rows


def test_name_search_follows_deletes_and_edits(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite")
    try:
        made = fill(index, random.Random(3), 400)
        with index.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM archive_entries WHERE id % 7 = 0")
            conn.exec_driver_sql(
                "UPDATE archive_entries SET customer_name_folded = 'øvrige ' ||"
                " customer_name_folded, issue_date = '2031-05-05' WHERE id % 5 = 0")
            conn.exec_driver_sql("UPDATE archive_entries SET tenant = 'acme' WHERE id % 11 = 0")
            conn.exec_driver_sql(
                "UPDATE archive_entries SET customer_number = 'C99' WHERE id % 13 = 0")
        searches = random_searches(random.Random(4), made, 300)
        for search in searches:
            assert by_index(index, search) == by_like(index.engine, search), search
    finally:
        index.close()


def _customers_entries(count: int) -> list[ArchiveEntry]:
    """`count` customers, three invoices each, every optional field filled in."""
    made = []
    for n in range(count * 3):
        customer = n % count
        made.append(ArchiveEntry(
            tenant="default", invoice_number=str(5000 + n), document_type="credit_note",
            issue_date=date(2025, 1, 1) + timedelta(days=n % 17),
            customer_number=f"K{customer}", customer_name=f"Kunde {customer} Jensen ApS",
            currency_code="EUR", total_amount=Decimal("1234.5600") / (n + 1),
            fik_line=f"+71<{n:015d}+12345678<", layout="uniconta",
            uniconta_invoice_number=900 + n, voucher=n, journal_posted_id=70 + n,
            source_id=f"src-{n}", pdf_sha256=f"{n:064x}", invoice_json_sha256="a" * 64,
            archived_at=datetime(2026, 1, 5, 12, 30, 15, n, tzinfo=UTC), pdf_size=n,
            xml_sha256="b" * 64, xml_format="peppol"))
    return made


def test_a_search_page_holds_the_entries_as_archived(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite")
    try:
        made = _customers_entries(80)
        for entry in made:
            index.insert(entry)
        archived = {e.invoice_number: e for e in made}
        # one customer's name, every customer's surname, two letters, no text at all
        for q in ("kunde 7 jensen", "JENSEN", "7 ", None):
            page = index.list("default", customer=None, date_from=None, date_to=None, q=q,
                              limit=1000, offset=0)
            assert page and len(page) == len({e.invoice_number for e in page})
            for entry in page:
                assert entry == archived[entry.invoice_number]
                assert entry.model_dump_json() == archived[entry.invoice_number].model_dump_json()
                assert entry == index.get("default", entry.invoice_number)
    finally:
        index.close()


def test_an_index_from_before_the_customer_names_gets_them_when_opened(
        tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = SqliteIndex(path)
    made = fill(index, random.Random(11), 600)
    index.close()
    with sqlite3.connect(path) as conn:  # as the previous release left the file
        for trigger in ("archive_search_names_ai", "archive_search_names_entry_ai",
                        "archive_search_names_entry_au"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE archive_search_name_trigrams")
        conn.execute("DROP TABLE archive_search_names")
        conn.execute("UPDATE alembic_version SET version_num = 'archive_0004'")
    index = SqliteIndex(path)
    try:
        newer = list(random_entries(random.Random(12), 1000))[-200:]
        for entry in newer:
            index.insert(entry)
        searches = random_searches(random.Random(13), made + newer, 300)
        for search in searches:
            assert by_index(index, search) == by_like(index.engine, search), search
    finally:
        index.close()
