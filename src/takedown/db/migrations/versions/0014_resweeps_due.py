"""cases due a second look for copies: one row each, swept by the workers in batches
instead of a queued job per report

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01 19:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resweeps_due",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_resweeps_due_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_resweeps_due")),
    )
    op.create_index("ix_resweeps_due_due_at", "resweeps_due", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_resweeps_due_due_at", table_name="resweeps_due")
    op.drop_table("resweeps_due")
