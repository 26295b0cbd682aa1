"""reports that name no registered content, in the reporter's language, withdrawable

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-01 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("where_seen", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "reports", sa.Column("locale", sa.String(length=10), server_default="en", nullable=False)
    )
    op.add_column("reports", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "reports", sa.Column("proven", sa.Boolean(), server_default=sa.true(), nullable=False)
    )


def downgrade() -> None:
    for column in ("proven", "withdrawn_at", "locale", "where_seen"):
        op.drop_column("reports", column)
