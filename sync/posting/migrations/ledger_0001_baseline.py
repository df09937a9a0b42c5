"""The posting ledger as it was before migrations: postings and master data as last sent."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "ledger_0001"
down_revision = None
branch_labels = ("ledger",)
depends_on = None


def upgrade() -> None:
    if not has_table("postings"):
        op.create_table(
            "postings",
            sa.Column("tenant", sa.String(40), primary_key=True),
            sa.Column("source_id", sa.String(200), primary_key=True),
            sa.Column("content_sha256", sa.String(64), nullable=False),
            sa.Column("customer_number", sa.String(64), nullable=False),
            sa.Column("state", sa.String(20), nullable=False),
            sa.Column("order_number", sa.Integer),
            sa.Column("invoice_number", sa.String(20)),
            sa.Column("voucher", sa.Integer),
            sa.Column("journal_posted_id", sa.Integer),
            sa.Column("error", sa.Text),
            sa.Column("calls", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
    if not has_table("master_data"):
        op.create_table(
            "master_data",
            sa.Column("tenant", sa.String(40), primary_key=True),
            sa.Column("kind", sa.String(20), primary_key=True),
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("reference", sa.String(200)),
        )
