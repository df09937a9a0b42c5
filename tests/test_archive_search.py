"""Name search on SQLite gives exactly what the plain LIKE condition gives: the same rows in
the same order, for random entries and searches (see `archive_search_support`)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from archive_search_support import by_index, by_like, fill, random_searches

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
        searches = random_searches(random.Random(4), made, 300)
        for search in searches:
            assert by_index(index, search) == by_like(index.engine, search), search
    finally:
        index.close()
