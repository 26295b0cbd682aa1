"""Priority rules, decision deadlines and the immediate protection of reported content."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from takedown import audit, cases, enforcement
from takedown.cases import Case
from takedown.config import Settings
from takedown.db.base import utcnow
from takedown.platforms import ContentItem, family

PROTECTING = ("open", "restricted", "pending_second_review")


def priority_for(reporter_role: str, minor_depicted: str, le_case_number: str | None) -> str:
    """P0: a child may be depicted, or the police are involved. Never lower for those."""
    if minor_depicted == "yes" or reporter_role == "law_enforcement" or le_case_number:
        return "P0"
    if minor_depicted == "unsure" or reporter_role in (
        "trusted_flagger",
        "ngo",
        "victim",
        "parent_guardian",
    ):
        return "P1"
    return "P2"


def lock_families(session: Session, items: list[ContentItem]) -> None:
    """Serialise reports on the same repost families until this transaction ends."""
    for root in sorted({item.root_id or item.id for item in items}):
        session.execute(text("SELECT pg_advisory_xact_lock(7236100, :r)"), {"r": root})


def queue_for(reporter_role: str, minor_depicted: str, priority: str) -> str:
    """Which reviewers see it: anything that may involve a child goes to child safety."""
    if priority == "P0" or minor_depicted in ("yes", "unsure"):
        return "child_safety"
    return "general"


def deadline_for(settings: Settings, priority: str, start: datetime) -> datetime:
    if priority == "P0":
        return start + timedelta(minutes=settings.p0_decision_minutes)
    return start + timedelta(hours=settings.default_decision_hours)


def raise_priority(settings: Settings, case: Case, priority: str) -> bool:
    """A new report can only raise a case, and pulls its deadline in with it."""
    new = cases.higher(case.priority, priority)
    if new == case.priority:
        return False
    case.priority = new
    case.deadline_at = min(case.deadline_at, deadline_for(settings, new, utcnow()))
    return True


def protect(
    session: Session,
    case: Case,
    items: list[ContentItem],
    *,
    actor: str,
    reason: str = "reported",
) -> int:
    """Restrict the items and every repost of them, and put them all in the case."""
    restricted = 0
    for item in items:
        for member in family(session, item):
            cases.add_items(session, case, [member], reason if member.id == item.id else "repost")
            if enforcement.restrict_content(
                session,
                member,
                case_id=case.id,
                actor=actor,
                reason="reported: minor may be depicted",
            ):
                restricted += 1
    if case.restricted_at is None:
        case.restricted_at = utcnow()
        cases.tell_reporter(
            session,
            case,
            "restricted",
            "The content you reported, and every repost of it, is now hidden from everyone, "
            "cannot be shared and earns no money while people review it.",
        )
    if case.state == "open":
        case.state = "restricted"
    return restricted


def on_new_content(session: Session, item: ContentItem) -> str:
    """The verdict for a newly registered item: allow, hold or block."""
    case = cases.case_for_content(session, [item])
    if case is None:
        return "allow"
    if case.state in ("confirmed", "appealed"):
        cases.add_items(session, case, [item], "repost")
        enforcement.remove_content(
            session, item, case_id=case.id, actor="system", reason="repost of removed content"
        )
        audit.record(
            session,
            "content.blocked",
            actor="system",
            subject_type="content",
            subject_id=item.id,
            data={"case": case.number},
        )
        return "block"
    if case.state in PROTECTING and (case.priority == "P0" or case.restricted_at is not None):
        protect(session, case, [item], actor="system", reason="repost")
        return "hold"
    return "allow"
