"""Triage's own table: cases whose copies are looked for once more, a moment after a
report committed (a copy uploaded while the report was being taken)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db import Base


class ResweepDue(Base):
    __tablename__ = "resweeps_due"
    __table_args__ = (Index("ix_resweeps_due_due_at", "due_at"),)

    case_id: Mapped[int] = mapped_column(Integer, ForeignKey("cases.id"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
