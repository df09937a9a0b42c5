"""The archive keeps each invoice's e-invoice beside its PDF: its hash and format (NULL for
entries archived without one, every entry from before)."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_column

revision = "archive_0002"
down_revision = "archive_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, length in (("xml_sha256", 64), ("xml_format", 16)):
        if not has_column("archive_entries", name):
            op.add_column("archive_entries", sa.Column(name, sa.String(length)))


def downgrade() -> None:
    with op.batch_alter_table("archive_entries") as batch:
        batch.drop_column("xml_format")
        batch.drop_column("xml_sha256")
