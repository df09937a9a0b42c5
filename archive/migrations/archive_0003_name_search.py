"""Name search by trigrams: on PostgreSQL a pg_trgm GIN index on the folded customer names
(the extension is created when the server allows it; without it the search tests each row,
as before, and the migration says so); on SQLite the archive's own trigram table, keyed in
the list's order, which replaces the previous name index, and the customers' names beside it
(`archive.name_search`)."""

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from archive.name_search import create_name_search

revision = "archive_0003"
down_revision = "archive_0002"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
INDEX = "ix_archive_name_trgm"


def _trigram_schema(bind) -> str | None:
    """The schema of pg_trgm here, creating it if the server lets us (None: not available)."""
    installed = ("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                 " ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'")
    schema = bind.execute(text(installed)).scalar()
    if schema is not None:
        return schema
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm is not available (%s): the archive's name search tests every"
                    " row", str(error.orig).strip().splitlines()[0])
        return None
    savepoint.commit()
    return bind.execute(text(installed)).scalar()


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        create_name_search(bind)
    elif bind.dialect.name == "postgresql":
        schema = _trigram_schema(bind)
        if schema is not None:  # the operator class wherever the extension lives
            op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON archive_entries"
                       f' USING gin (customer_name_folded "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
