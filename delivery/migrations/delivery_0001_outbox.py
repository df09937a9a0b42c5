"""The delivery outbox and log: every e-mail of an invoice, its state, and what happened."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "delivery_0001"
down_revision = None
branch_labels = ("delivery",)
depends_on = None


def upgrade() -> None:
    if not has_table("delivery_outbox"):
        op.create_table(
            "delivery_outbox",
            sa.Column("tenant", sa.String(40), primary_key=True),
            sa.Column("invoice_number", sa.String(20), primary_key=True),
            sa.Column("round", sa.Integer, primary_key=True),
            sa.Column("recipient", sa.String(320)),
            sa.Column("message_id", sa.String(300), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("server_reply", sa.Text),
            sa.Column("error", sa.Text),
            sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_delivery_outbox_state", "delivery_outbox", ["tenant", "state"])
    if not has_table("delivery_log"):
        op.create_table(
            "delivery_log",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("tenant", sa.String(40), nullable=False),
            sa.Column("invoice_number", sa.String(20), nullable=False),
            sa.Column("round", sa.Integer, nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("event", sa.String(16), nullable=False),
            sa.Column("detail", sa.Text),
        )
        op.create_index("ix_delivery_log_invoice", "delivery_log", ["tenant", "invoice_number"])


def downgrade() -> None:
    op.drop_table("delivery_log")
    op.drop_table("delivery_outbox")
