"""Invoices booked in Uniconta: what became of each, the drafts' source invoices, the poll's
cursor (beside the posting ledger)."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "booking_0001"
down_revision = "ledger_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_table("bookings"):
        op.create_table(
            "bookings",
            sa.Column("tenant", sa.String(40), primary_key=True),
            sa.Column("invoice_number", sa.String(20), primary_key=True),
            sa.Column("state", sa.String(20), nullable=False),
            sa.Column("source_id", sa.String(200)),
            sa.Column("reason", sa.Text),
            sa.Column("differences", sa.Text),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
    if not has_table("drafted_sources"):
        op.create_table(
            "drafted_sources",
            sa.Column("tenant", sa.String(40), primary_key=True),
            sa.Column("source_id", sa.String(200), primary_key=True),
            sa.Column("order_number", sa.Integer),
            sa.Column("invoice_json", sa.Text, nullable=False),
        )
    if not has_table("follow_cursors"):
        op.create_table(
            "follow_cursors",
            sa.Column("tenant", sa.String(40), primary_key=True),
            sa.Column("last_invoice_number", sa.Integer, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    for table in ("follow_cursors", "drafted_sources", "bookings"):
        op.drop_table(table)
