"""What the law asks us to keep: CyberTipline reports, evidence holds, statements of reasons,
and requests under the TAKE IT DOWN Act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db import Base, utcnow


class NcmecReport(Base):
    """One CyberTipline report per confirmed CSAM case: what was sent and NCMEC's report id."""

    __tablename__ = "ncmec_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    # pending, filed, not_sent (NCMEC disabled here: file by hand), failed
    state: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    category: Mapped[str] = mapped_column(String(40))
    endpoint: Mapped[str | None] = mapped_column(Text)
    report_xml: Mapped[str | None] = mapped_column(Text)
    # One entry per uploaded file: content id, NCMEC file id, and the fileDetails XML sent.
    files: Mapped[list[dict[str, object]]] = mapped_column(JSONB, default=list)
    ncmec_report_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvidenceHold(Base):
    """A case's preserved evidence: where its encrypted files are and until when they stay.

    The keys are never here: each case's data key is stored wrapped, beside its files."""

    __tablename__ = "evidence_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True, default="pending")  # stored, purged
    directory: Mapped[str | None] = mapped_column(String(100))
    held_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    held_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    extended_reason: Mapped[str | None] = mapped_column(Text)
    files: Mapped[int] = mapped_column(Integer, default=0)
    media_files: Mapped[int] = mapped_column(Integer, default=0)
    stored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatementOfReasons(Base):
    """DSA Article 17: one statement per restriction or removal, for the affected account."""

    __tablename__ = "statements_of_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    puid: Mapped[str] = mapped_column(String(500), unique=True)
    body: Mapped[dict[str, object]] = mapped_column(JSONB)
    # pending, sent, local (the Transparency Database is not enabled here), failed
    state: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    transparency_uuid: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TakeItDownRequest(Base):
    """A removal request under the TAKE IT DOWN Act: removal is due 48 hours after it."""

    __tablename__ = "take_it_down_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), unique=True)
    signature: Mapped[str] = mapped_column(String(200))
    good_faith: Mapped[bool] = mapped_column(Boolean)
    identification: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(320))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removal_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
