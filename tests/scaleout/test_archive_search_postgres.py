"""Name search on PostgreSQL: the archive's migration gives the folded names a pg_trgm index
that serves the LIKE, and the search gives exactly what the plain LIKE condition gives (see
`archive_search_support`)."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from archive_search_support import by_index, by_like, fill, random_searches

from archive.index import SqlIndex
from cli.db import current, upgrade


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
    assert "archive_0003" in current(pg_url)
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
