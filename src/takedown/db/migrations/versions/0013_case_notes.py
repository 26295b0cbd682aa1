"""internal notes on cases; the TAKE IT DOWN queue

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None
SEARCHED = (("content_items", "external_id"), ("accounts", "external_id"), ("accounts", "handle"))


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_case_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"], unique=False)
    # The console searches by content id, account id and handle.
    for table, column in SEARCHED:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
    # Whoever saw the general queue saw TAKE IT DOWN requests there: they keep seeing them.
    op.execute(
        "UPDATE users SET queues = queues || '[\"take_it_down\"]'::jsonb "
        "WHERE queues ? 'general' AND NOT queues ? 'take_it_down'"
    )
    op.execute(
        "UPDATE cases SET queue = 'take_it_down' WHERE queue = 'general' AND id IN "
        "(SELECT case_id FROM take_it_down_requests)"
    )


def downgrade() -> None:
    op.execute("UPDATE cases SET queue = 'general' WHERE queue = 'take_it_down'")
    op.execute("UPDATE users SET queues = queues - 'take_it_down'")
    for table, column in SEARCHED:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_index(op.f("ix_case_notes_case_id"), table_name="case_notes")
    op.drop_table("case_notes")
