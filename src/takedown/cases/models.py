"""A case gathers the reports and content of one incident, and the decisions on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db.base import Base, utcnow


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
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseItem(Base):
    """A content item in a case, with its counters when it joined (for views-after-report)."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "content_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # reported, repost, copy
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
