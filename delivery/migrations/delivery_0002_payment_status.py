"""Each issued invoice's payment status, as last read from Uniconta's open items."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "delivery_0002"
down_revision = "delivery_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if has_table("invoice_payment_status"):
        return
    op.create_table(
        "invoice_payment_status",
        sa.Column("tenant", sa.String(40), primary_key=True),
        sa.Column("invoice_number", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount_open", sa.String(64)),
        sa.Column("due_date", sa.Date),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("invoice_payment_status")
