"""The API's batch records in the database (PostgreSQL deployments)."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "batches_0001"
down_revision = None
branch_labels = ("batches",)
depends_on = None


def upgrade() -> None:
    if has_table("api_batches"):
        return
    op.create_table(
        "api_batches",
        sa.Column("tenant", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
