"""An embedded store brings its own SQLite file up to date as it opens it, through its
migrations (never an `ALTER TABLE` of its own): a new file gets the current schema, an older
one is upgraded keeping every row, and several processes opening the same old file at once
all find it upgraded once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from infra.migrations import current, head
from sync.posting.catalogue import CATALOGUE_FILE, Catalogue
from sync.posting.ledger import Ledger

LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy"
# The item catalogue as imported before it kept each item's sales VAT code.
OLD_CATALOGUE = """
CREATE TABLE items (tenant TEXT NOT NULL, item TEXT NOT NULL, name TEXT NOT NULL,
    item_group TEXT, unit TEXT, decimals INTEGER NOT NULL, blocked INTEGER NOT NULL,
    sales_price1 TEXT, PRIMARY KEY (tenant, item));
CREATE TABLE imports (tenant TEXT PRIMARY KEY, imported_at TEXT NOT NULL, items INTEGER NOT NULL);
INSERT INTO items VALUES ('default', '1000', 'Konsulenttimer', 'Timer', 'Hours', 2, 0, '950');
INSERT INTO imports VALUES ('default', '2025-01-02T08:00:00+00:00', 1);
"""


def _old_stores(folder: Path) -> None:
    with sqlite3.connect(folder / CATALOGUE_FILE) as conn:
        conn.executescript(OLD_CATALOGUE)
    with sqlite3.connect(folder / "ledger.sqlite") as conn:
        conn.executescript((LEGACY / "ledger.sql").read_text(encoding="utf-8"))


def _open_stores(folder: str) -> None:
    Catalogue(Path(folder) / CATALOGUE_FILE)
    Ledger(Path(folder) / "ledger.sqlite").close()


def _versions(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchall()


def test_old_stores_opened_by_several_processes_at_once_are_upgraded_once(tmp_path: Path):
    _old_stores(tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite") as conn:
        postings = conn.execute("SELECT * FROM postings ORDER BY source_id").fetchall()
    openers = [multiprocessing.get_context("spawn").Process(target=_open_stores,
                                                             args=(str(tmp_path),))
               for _ in range(4)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(120)
    assert [opener.exitcode for opener in openers] == [0, 0, 0, 0]
    assert _versions(tmp_path / CATALOGUE_FILE) == [(head("catalogue"),)]
    assert _versions(tmp_path / "ledger.sqlite") == [(head("ledger"),)]
    item = Catalogue(tmp_path / CATALOGUE_FILE).get("default", "1000")
    assert item is not None and (item.name, item.sales_vat) == ("Konsulenttimer", None)
    with sqlite3.connect(tmp_path / "ledger.sqlite") as conn:
        upgraded = conn.execute("SELECT * FROM postings ORDER BY source_id").fetchall()
    assert [row[:-1] for row in upgraded] == postings and postings  # + the new `mismatch`
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert left == [CATALOGUE_FILE, "ledger.sqlite"]  # no lock file left beside them


def test_a_new_store_file_gets_the_current_schema_at_the_newest_revision(tmp_path: Path):
    Catalogue(tmp_path / CATALOGUE_FILE)
    Ledger(tmp_path / "ledger.sqlite").close()
    assert current(tmp_path / CATALOGUE_FILE) == {head("catalogue")}
    assert current(tmp_path / "ledger.sqlite") == {head("ledger")}
    with sqlite3.connect(tmp_path / CATALOGUE_FILE) as conn:
        assert "sales_vat" in {row[1] for row in conn.execute("PRAGMA table_info(items)")}
