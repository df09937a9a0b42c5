"""Infrastructure: what the domain may not do — opening databases (SQLite files or PostgreSQL,
cross-process locks), writing files atomically, finding and reading the settings and invoice
files, and the stores' schema migrations.

It sits on the adapter floor: the adapters, `issuing/` and the entry points may import it; it
imports only the domain, and no adapter.
"""
