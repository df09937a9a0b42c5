"""Schema migrations (Alembic) for every database Faktura keeps: one branch per store.

Branches: `archive` (the archive index), `ledger` (postings and master data), `keys` (API
keys), `batches` (API batch records). With PostgreSQL all four live in one database; with the
embedded default each store is its own SQLite file and gets its own branch only. Every
migration must be safe to run on a database whose tables were created by the running code
(`helpers.has_table` / `helpers.has_column`), because stores create missing tables when they
open.
"""
