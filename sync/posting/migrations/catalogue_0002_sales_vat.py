"""The item catalogue keeps each item's sales VAT code (from its item group); NULL for items
imported before."""

import sqlalchemy as sa
from alembic import op

from infra.migrations.helpers import has_column

revision = "catalogue_0002"
down_revision = "catalogue_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_column("items", "sales_vat"):
        op.add_column("items", sa.Column("sales_vat", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("sales_vat")
