"""The posting ledger records a booking that differs from the computed invoice (both figures)."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_column

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_column("postings", "mismatch"):
        op.add_column("postings", sa.Column("mismatch", sa.Text))


def downgrade() -> None:
    op.drop_column("postings", "mismatch")
