"""The item catalogue as it was before migrations: the imported items and when each tenant's
were imported."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_table

revision = "catalogue_0001"
down_revision = None
branch_labels = ("catalogue",)
depends_on = None


def upgrade() -> None:
    if not has_table("items"):
        op.create_table(
            "items",
            sa.Column("tenant", sa.Text, primary_key=True),
            sa.Column("item", sa.Text, primary_key=True),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("item_group", sa.Text),
            sa.Column("unit", sa.Text),
            sa.Column("decimals", sa.Integer, nullable=False),
            sa.Column("blocked", sa.Integer, nullable=False),
            sa.Column("sales_price1", sa.Text),
        )
    if not has_table("imports"):
        op.create_table(
            "imports",
            sa.Column("tenant", sa.Text, primary_key=True),
            sa.Column("imported_at", sa.Text, nullable=False),
            sa.Column("items", sa.Integer, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("imports")
    op.drop_table("items")
