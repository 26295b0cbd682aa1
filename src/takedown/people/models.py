"""Staff who act on cases (reviewers and up). Login and the console come with the review issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db.base import Base, utcnow

ROLES = (
    "reviewer",
    "child_safety_specialist",
    "supervisor",
    "admin",
    "auditor",
    "law_enforcement_liaison",
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
