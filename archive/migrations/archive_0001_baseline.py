"""The archive index as it was before migrations: one row per archived invoice."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "archive_0001"
down_revision = None
branch_labels = ("archive",)
depends_on = None


def upgrade() -> None:
    if has_table("archive_entries"):
        return
    op.create_table(
        "archive_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("invoice_number", sa.String(20), nullable=False),
        sa.Column("document_type", sa.String(16), nullable=False),
        sa.Column("issue_date", sa.Date, nullable=False),
        sa.Column("customer_number", sa.String(64), nullable=False),
        sa.Column("customer_name", sa.String(300), nullable=False),
        sa.Column("customer_name_folded", sa.String, nullable=False),
        sa.Column("currency_code", sa.String(3), nullable=False),
        sa.Column("total_amount", sa.String(64), nullable=False),
        sa.Column("fik_line", sa.String(100)),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("uniconta_invoice_number", sa.BigInteger),
        sa.Column("voucher", sa.BigInteger),
        sa.Column("journal_posted_id", sa.BigInteger),
        sa.Column("source_id", sa.String(200)),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("invoice_json_sha256", sa.String(64), nullable=False),
        sa.Column("archived_at", sa.DateTime, nullable=False),
        sa.Column("pdf_size", sa.Integer, nullable=False),
        sa.UniqueConstraint("tenant", "invoice_number", name="uq_archive_tenant_number"),
    )
    op.create_index("ix_archive_customer", "archive_entries",
                    ["tenant", "customer_number", "issue_date"])
    op.create_index("ix_archive_issue_date", "archive_entries", ["tenant", "issue_date"])
    op.create_index("ix_archive_source_id", "archive_entries", ["tenant", "source_id"])
