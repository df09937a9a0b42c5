"""An entry may be archived without a PDF: an invoice in Uniconta's own layout issued where
that PDF cannot be read (Uniconta's REST API) keeps its booked data and e-invoice only, so
`pdf_sha256` and `pdf_size` take NULL. Every entry from before keeps its values.

SQLite cannot drop a NOT NULL in place: the table is copied into one without it (ids, rows
and indexes kept) and the triggers that keep the name search in step with it are made again
as they were."""

from alembic import op
from sqlalchemy import inspect, text

revision = "archive_0006"
down_revision = "archive_0005"
branch_labels = None
depends_on = None

TABLE = "archive_entries"
COLUMNS = ("pdf_sha256", "pdf_size")


def _required() -> list[str]:
    """The PDF columns that still refuse NULL."""
    return [c["name"] for c in inspect(op.get_bind()).get_columns(TABLE)
            if c["name"] in COLUMNS and not c["nullable"]]


def upgrade() -> None:
    required = _required()
    if not required:  # made by the running code, or upgraded already
        return
    bind = op.get_bind()
    triggers = []
    if bind.dialect.name == "sqlite":
        triggers = [sql for (sql,) in bind.execute(text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
            " ORDER BY name"), {"table": TABLE})]
    with op.batch_alter_table(TABLE) as batch:
        for name in required:
            batch.alter_column(name, nullable=True)
    for sql in triggers:  # dropped with the old table on SQLite
        bind.execute(text(sql))


def downgrade() -> None:
    pass  # an entry without a PDF cannot go back into a column that requires one
