"""Name search on PostgreSQL: the archive's migrations give the folded names a pg_trgm index
that serves the LIKE and a table of the customers' names kept by triggers, and the search
gives exactly what the plain LIKE condition gives (see `archive_search_support`), before and
after the customers' names are there."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from archive_search_support import by_index, by_like, fill, random_searches

from archive.customer_names import customers_named
from archive.index import SqlIndex, entries
from infra.migrations import current, head, upgrade


@pytest.fixture
def trigram_url(pg_server_url: str, pg_url: str) -> str:
    """A fresh schema on a server with pg_trgm in `public`, where it outlives the test
    schemas (one made inside a test schema would go, with every index on it, when that
    schema is dropped)."""
    engine = sa.create_engine(pg_server_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    finally:
        engine.dispose()
    return pg_url


def test_name_search_on_postgresql_gives_the_rows_of_the_plain_condition(
        trigram_url: str) -> None:
    pg_url = trigram_url
    upgrade(pg_url, ["archive"])
    assert head("archive") in current(pg_url)
    index = SqlIndex(pg_url)
    try:
        made = fill(index, random.Random(20260101), 3000)
        with index.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE archive_entries"))
            conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = conn.execute(sa.text(
                "EXPLAIN SELECT id FROM archive_entries"
                " WHERE customer_name_folded LIKE '%søndergaard%'")).scalars().all()
        assert "ix_archive_name_trgm" in "\n".join(plan)
        answers = [(s, by_index(index, s), by_like(index.engine, s))
                   for s in random_searches(random.Random(7), made, 600)]
        assert [a for a in answers if a[1] != a[2]] == []
        assert sum(1 for a in answers if a[2]) > 400
    finally:
        index.close()


def test_the_migration_runs_again_without_change(trigram_url: str) -> None:
    pg_url = trigram_url
    for _ in range(2):
        upgrade(pg_url, ["archive"])
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            names = conn.execute(sa.text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'archive_entries'")).scalars()
            assert "ix_archive_name_trgm" in set(names)
    finally:
        engine.dispose()


def _names(engine: sa.Engine, table: str, columns: str) -> set[tuple[str, ...]]:
    with engine.connect() as conn:
        return {tuple(row) for row in conn.execute(sa.text(f"SELECT {columns} FROM {table}"))}


def test_an_index_written_before_the_customer_names_finds_the_same_rows_after_upgrading(
        trigram_url: str) -> None:
    pg_url = trigram_url
    upgrade(pg_url, ["archive"], to="archive_0003")
    before = SqlIndex(pg_url)
    try:
        assert not before.customer_names
        made = fill(before, random.Random(20260202), 2000)
        searches = random_searches(random.Random(11), made, 400)
        answers = [by_index(before, s) for s in searches]
    finally:
        before.close()

    upgrade(pg_url, ["archive"])
    assert head("archive") in current(pg_url)
    index = SqlIndex(pg_url)
    try:
        assert index.customer_names
        written = "tenant, customer_number, customer_name_folded"
        assert _names(index.engine, "archive_customer_names", "tenant, customer_number, name") \
            == _names(index.engine, "archive_entries", written)
        assert [by_index(index, s) for s in searches] == answers
        assert answers == [by_like(index.engine, s) for s in searches]
        with index.engine.connect() as conn:  # both ways of reading a page are in play
            found = [customers_named(conn, s.tenant, s.q) for s in searches]
        assert any(f is None for f in found) and any(f for f in found)
    finally:
        index.close()


def test_names_written_or_changed_after_upgrading_are_found(trigram_url: str) -> None:
    pg_url = trigram_url
    upgrade(pg_url, ["archive"])
    index = SqlIndex(pg_url)
    try:
        made = fill(index, random.Random(5), 600)
        # a customer renamed on a few of its invoices: its other rows must not match
        with index.engine.begin() as conn:
            conn.execute(entries.update().where(entries.c.invoice_number.in_(
                [e.invoice_number for e in made[:7]])).values(
                customer_name="Ørnebjerg Vinhandel", customer_name_folded="ørnebjerg vinhandel"))
        assert {e.invoice_number for e in index.list(
            made[0].tenant, customer=None, date_from=None, date_to=None, q="ØRNEBJERG vin",
            limit=100, offset=0)} == {e.invoice_number for e in made[:7]
                                      if e.tenant == made[0].tenant}
        searches = random_searches(random.Random(3), made, 300)
        assert [by_index(index, s) for s in searches] == [
            by_like(index.engine, s) for s in searches]
        written = "tenant, customer_number, customer_name_folded"
        assert _names(index.engine, "archive_entries", written) <= _names(
            index.engine, "archive_customer_names", "tenant, customer_number, name")
    finally:
        index.close()
