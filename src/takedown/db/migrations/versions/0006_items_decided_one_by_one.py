"""items decided one by one, bounded protection, keyed counters, PIN digests

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counters")),
    )
    op.create_table(
        "bursts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_bursts_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bursts")),
    )
    op.add_column("cases", sa.Column("round", sa.Integer(), server_default="0", nullable=False))
    op.add_column(
        "cases", sa.Column("credibility", sa.Integer(), server_default="2", nullable=False)
    )
    op.add_column("cases", sa.Column("burst_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_cases_burst_id"), "cases", ["burst_id"], unique=False)
    op.create_foreign_key(op.f("fk_cases_burst_id_bursts"), "cases", "bursts", ["burst_id"], ["id"])
    op.drop_column("cases", "pin_failures")
    op.drop_column("cases", "pin_locked_until")

    op.add_column(
        "case_items",
        sa.Column("state", sa.String(length=30), server_default="open", nullable=False),
    )
    op.add_column("case_items", sa.Column("report_id", sa.Integer(), nullable=True))
    op.add_column("case_items", sa.Column("source_id", sa.Integer(), nullable=True))
    op.add_column("case_items", sa.Column("match_distance", sa.Integer(), nullable=True))
    op.add_column(
        "case_items", sa.Column("needs_look", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("case_items", sa.Column("hidden_by_report_id", sa.Integer(), nullable=True))
    op.add_column("case_items", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("case_items", sa.Column("first_dismissed_by_id", sa.Integer(), nullable=True))
    op.add_column(
        "case_items",
        sa.Column("dismissed_before", sa.Boolean(), server_default="false", nullable=False),
    )
    op.create_foreign_key(
        op.f("fk_case_items_first_dismissed_by_id_users"),
        "case_items",
        "users",
        ["first_dismissed_by_id"],
        ["id"],
    )
    op.create_index(op.f("ix_case_items_report_id"), "case_items", ["report_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_case_items_report_id_reports"), "case_items", "reports", ["report_id"], ["id"]
    )
    op.create_foreign_key(
        op.f("fk_case_items_source_id_content_items"),
        "case_items",
        "content_items",
        ["source_id"],
        ["id"],
    )
    op.create_foreign_key(
        op.f("fk_case_items_hidden_by_report_id_reports"),
        "case_items",
        "reports",
        ["hidden_by_report_id"],
        ["id"],
    )
    # Items of cases decided before this revision take their case's outcome.
    op.execute(
        "UPDATE case_items SET state = c.state FROM cases c WHERE c.id = case_items.case_id "
        "AND c.state IN ('confirmed', 'dismissed', 'pending_second_review')"
    )
    op.execute(
        "UPDATE case_items SET state = 'confirmed' FROM cases c WHERE c.id = case_items.case_id "
        "AND c.state = 'appealed'"
    )

    op.add_column("decisions", sa.Column("round", sa.Integer(), server_default="0", nullable=False))
    op.add_column(
        "decisions",
        sa.Column("content_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        "platforms",
        sa.Column(
            "hosts", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
    )
    op.execute(
        "UPDATE platforms p SET hosts = COALESCE((SELECT jsonb_agg(DISTINCT "
        "lower(split_part(split_part(c.url, '://', 2), '/', 1))) FROM content_items c "
        "WHERE c.platform_id = p.id AND c.url LIKE '%://%'), '[]'::jsonb)"
    )
    op.add_column("reports", sa.Column("pin_digest", sa.String(length=64), nullable=True))
    op.add_column("reports", sa.Column("copies_allowed", sa.Integer(), nullable=True))
    op.add_column("reports", sa.Column("client_key", sa.String(length=64), nullable=True))
    op.add_column(
        "reports", sa.Column("trust", sa.String(length=20), server_default="bare", nullable=False)
    )
    op.add_column(
        "reports",
        sa.Column("protection", sa.String(length=20), server_default="none", nullable=False),
    )
    op.add_column(
        "reports",
        sa.Column(
            "unresolved_refs",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
    )
    op.add_column(
        "reports",
        sa.Column(
            "item_ids", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
    )
    op.execute(
        "UPDATE reports r SET item_ids = COALESCE((SELECT jsonb_agg(ci.content_id) "
        "FROM case_items ci WHERE ci.case_id = r.case_id AND ci.reason = 'reported'), '[]')"
    )
    op.create_index(op.f("ix_reports_pin_digest"), "reports", ["pin_digest"], unique=False)
    op.create_index(op.f("ix_reports_client_key"), "reports", ["client_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_client_key"), table_name="reports")
    op.drop_index(op.f("ix_reports_pin_digest"), table_name="reports")
    for column in (
        "copies_allowed",
        "item_ids",
        "unresolved_refs",
        "protection",
        "trust",
        "client_key",
        "pin_digest",
    ):
        op.drop_column("reports", column)
    op.drop_column("platforms", "hosts")
    op.drop_column("decisions", "content_ids")
    op.drop_column("decisions", "round")
    op.drop_constraint(
        op.f("fk_case_items_first_dismissed_by_id_users"), "case_items", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_case_items_hidden_by_report_id_reports"), "case_items", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_case_items_source_id_content_items"), "case_items", type_="foreignkey"
    )
    op.drop_constraint(op.f("fk_case_items_report_id_reports"), "case_items", type_="foreignkey")
    op.drop_index(op.f("ix_case_items_report_id"), table_name="case_items")
    for column in (
        "first_dismissed_by_id",
        "dismissed_before",
        "decided_at",
        "hidden_by_report_id",
        "needs_look",
        "match_distance",
        "source_id",
        "report_id",
        "state",
    ):
        op.drop_column("case_items", column)
    op.add_column("cases", sa.Column("pin_locked_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "cases", sa.Column("pin_failures", sa.Integer(), server_default="0", nullable=False)
    )
    op.drop_constraint(op.f("fk_cases_burst_id_bursts"), "cases", type_="foreignkey")
    op.drop_index(op.f("ix_cases_burst_id"), table_name="cases")
    for column in ("burst_id", "credibility", "round"):
        op.drop_column("cases", column)
    op.drop_table("bursts")
    op.drop_table("rate_counters")
