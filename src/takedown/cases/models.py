"""A case gathers the reports and content of one incident, and the decisions on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db import Base, utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    priority: Mapped[str] = mapped_column(String(2), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True, default="open")
    escalated: Mapped[bool] = mapped_column(default=False)
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str | None] = mapped_column(String(40))
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_report_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    queue: Mapped[str] = mapped_column(String(20), default="general", index=True)
    needs_specialist: Mapped[bool] = mapped_column(default=False)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    supervisor_alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    info_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Review rounds: a reopening (new report after a dismissal, re-review) starts a new one,
    # and the two-person rule counts the dismissals of the current round only.
    round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # 0 verified (bank match, trusted flagger), 1 credible detail, 2 bare claim: queue order.
    credibility: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    burst_id: Mapped[int | None] = mapped_column(ForeignKey("bursts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


ITEM_STATES = ("open", "pending_second_review", "confirmed", "dismissed")


class CaseItem(Base):
    """A content item in a case: decided on its own, with where it came from (the report,
    the repost chain or the fingerprint match) and its counters when it joined."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "content_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # reported, repost, copy
    state: Mapped[str] = mapped_column(String(30), default="open", server_default="open")
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    # The item whose repost chain or fingerprint brought this one in (None: named directly).
    source_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"))
    match_distance: Mapped[int | None] = mapped_column(Integer)
    # Joined after review began, or a copy by another author from an unverified report:
    # a reviewer must look at it and name it; a decision on the whole case passes it by.
    needs_look: Mapped[bool] = mapped_column(default=False, server_default="false")
    hidden_by_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    # Two people dismissed it once: only new evidence hides it again automatically.
    dismissed_before: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Who dismissed it first (a P0 item's second dismissal must be someone else's).
    first_dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    views_at_join: Mapped[int] = mapped_column(BigInteger, default=0)
    reposts_at_join: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # confirm, dismiss
    category: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The content items (ids) this decision was about; None for case-wide ones.
    content_ids: Mapped[list[int] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Burst(Base):
    """Many unverified reports against one account or platform in a short window:
    automatic hiding stops for it and a supervisor decides, once, for all of them."""

    __tablename__ = "bursts"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))  # account, platform
    target_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, released, accepted
    reports: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")


class CaseUpdate(Base):
    """What the reporter reads on the status page, in plain words."""

    __tablename__ = "case_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    # A reviewer's message goes to one report's reporter; None: every reporter sees it.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Appeal(Base):
    """An uploader's appeal of a removal, or a reporter's request for another review."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # uploader, reporter
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"))
    statement: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, granted, rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MessageTemplate(Base):
    """A message to reporters with {placeholders}; nothing is sent while one is unfilled."""

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseNote(Base):
    """An internal note on a case: staff only, never shown to a reporter or a platform."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# A report as the reporter gave it, and the PIN that lets them follow it: the case's
# threads. Intake takes it; every room below reads it from here.
class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reporter_role: Mapped[str] = mapped_column(String(40))
    minor_depicted: Mapped[str] = mapped_column(String(10))
    age_at_time: Mapped[int | None] = mapped_column(Integer)
    law_enforcement_case_number: Mapped[str | None] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(320))
    content_refs: Mapped[list[str]] = mapped_column(JSONB)
    channel: Mapped[str] = mapped_column(String(20), default="api")
    pin_hash: Mapped[str] = mapped_column(String(200))
    # HMAC(secret_key, case number + PIN): one indexed lookup per status check.
    pin_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    # HMAC of the client's address (never the address): rate limits and attribution.
    client_key: Mapped[str | None] = mapped_column(String(64), index=True)
    trust: Mapped[str] = mapped_column(String(20), default="bare", server_default="bare")
    # What automatic protection did for this report: restricted, limited, burst, none.
    protection: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    # The content items this report named (ids), as resolved when it arrived.
    item_ids: Mapped[list[int]] = mapped_column(JSONB, default=list, server_default="[]")
    # Copies by other authors it may hold (None: no limit), kept for the later second look.
    copies_allowed: Mapped[int | None] = mapped_column(Integer)
    unresolved_refs: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    # "I don't have a link": where the reporter saw it, in their words.
    where_seen: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The language the reporter used: messages to them are written in it.
    locale: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The proof of work held (or none was asked): content attached later may be hidden.
    proven: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
