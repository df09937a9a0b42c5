"""Name search on PostgreSQL through the customers' names: a row per (tenant, customer number,
folded name) ever archived, kept by statement triggers on the entries and filled from the
entries already there, with a pg_trgm GIN index of its own when the extension is installed
(`archive_0003` creates it where the server allows). A rare text finds its few customers in
this small table and their rows come off the customer index in the list's order
(`archive.customer_names`); the trigram index of every entry alone leaves the planner guessing
how many rows hold the text. SQLite keeps its own such table (`archive.name_search`)."""

from alembic import op
from sqlalchemy import text

revision = "archive_0004"
down_revision = "archive_0003"
branch_labels = None
depends_on = None

TABLE = "archive_customer_names"
FUNCTION = "archive_remember_customer_names"
TRIGGERS = ("archive_customer_names_ai", "archive_customer_names_au")
INDEX = "ix_archive_customer_names_trgm"

# The name is unique through its hash: a folded name may outgrow what a B-tree entry holds.
_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (tenant VARCHAR(40) NOT NULL,"
    " customer_number VARCHAR(64) NOT NULL, name VARCHAR NOT NULL)",
    f"CREATE UNIQUE INDEX IF NOT EXISTS uq_{TABLE} ON {TABLE}"
    " (tenant, customer_number, md5(name))",
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
    f" BEGIN INSERT INTO {TABLE} (tenant, customer_number, name)"
    " SELECT DISTINCT tenant, customer_number, customer_name_folded FROM written"
    " ON CONFLICT (tenant, customer_number, md5(name)) DO NOTHING; RETURN NULL; END $$",
    *(f"DROP TRIGGER IF EXISTS {trigger} ON archive_entries" for trigger in TRIGGERS),
    f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON archive_entries REFERENCING NEW TABLE AS"
    f" written FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    f"CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE ON archive_entries REFERENCING NEW TABLE AS"
    f" written FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    # after the triggers: their lock keeps writers out until this fill is committed
    f"INSERT INTO {TABLE} (tenant, customer_number, name)"
    " SELECT DISTINCT tenant, customer_number, customer_name_folded FROM archive_entries"
    " ON CONFLICT (tenant, customer_number, md5(name)) DO NOTHING",
]
_TRIGRAM_SCHEMA = ("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                   " ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in _CREATE:
        op.execute(statement)
    schema = bind.execute(text(_TRIGRAM_SCHEMA)).scalar()
    if schema is not None:  # without it the few thousand names are read one by one
        op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE}"
                   f' USING gin (name "{schema}".gin_trgm_ops)')
    op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON archive_entries")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
