"""On SQLite, the name-search tables an index made by an earlier release lacks (the
customers' names and their trigram table): created and filled, the others left as they are."""

from alembic import op

from archive.name_search import create_name_search

revision = "archive_0005"
down_revision = "archive_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_name_search(op.get_bind())  # nothing on PostgreSQL, nothing already there


def downgrade() -> None:
    pass
