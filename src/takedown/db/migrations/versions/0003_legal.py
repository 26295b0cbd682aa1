"""legal: NCMEC reports, evidence holds, statements of reasons, TAKE IT DOWN requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "ncmec_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=True),
        sa.Column("report_xml", sa.Text(), nullable=True),
        sa.Column("files", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("ncmec_report_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_ncmec_reports_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ncmec_reports")),
        sa.UniqueConstraint("case_id", name=op.f("uq_ncmec_reports_case_id")),
    )
    op.create_index(op.f("ix_ncmec_reports_state"), "ncmec_reports", ["state"], unique=False)
    op.create_table(
        "evidence_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("directory", sa.String(length=100), nullable=True),
        sa.Column("held_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extended_reason", sa.Text(), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("media_files", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_holds_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_holds")),
        sa.UniqueConstraint("case_id", name=op.f("uq_evidence_holds_case_id")),
    )
    op.create_index(
        op.f("ix_evidence_holds_held_until"), "evidence_holds", ["held_until"], unique=False
    )
    op.create_index(op.f("ix_evidence_holds_state"), "evidence_holds", ["state"], unique=False)
    op.create_table(
        "statements_of_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("puid", sa.String(length=500), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("transparency_uuid", sa.String(length=100), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_statements_of_reasons_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_statements_of_reasons_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements_of_reasons")),
        sa.UniqueConstraint("action_id", name=op.f("uq_statements_of_reasons_action_id")),
        sa.UniqueConstraint("puid", name=op.f("uq_statements_of_reasons_puid")),
    )
    op.create_index(
        op.f("ix_statements_of_reasons_case_id"), "statements_of_reasons", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_statements_of_reasons_state"), "statements_of_reasons", ["state"], unique=False
    )
    op.create_table(
        "take_it_down_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("good_faith", sa.Boolean(), nullable=False),
        sa.Column("identification", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removal_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_take_it_down_requests_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_take_it_down_requests_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_take_it_down_requests")),
        sa.UniqueConstraint("report_id", name=op.f("uq_take_it_down_requests_report_id")),
    )
    op.create_index(
        op.f("ix_take_it_down_requests_case_id"), "take_it_down_requests", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_take_it_down_requests_case_id"), table_name="take_it_down_requests")
    op.drop_table("take_it_down_requests")
    op.drop_index(op.f("ix_statements_of_reasons_state"), table_name="statements_of_reasons")
    op.drop_index(op.f("ix_statements_of_reasons_case_id"), table_name="statements_of_reasons")
    op.drop_table("statements_of_reasons")
    op.drop_index(op.f("ix_evidence_holds_state"), table_name="evidence_holds")
    op.drop_index(op.f("ix_evidence_holds_held_until"), table_name="evidence_holds")
    op.drop_table("evidence_holds")
    op.drop_index(op.f("ix_ncmec_reports_state"), table_name="ncmec_reports")
    op.drop_table("ncmec_reports")
