"""A reviewer claims a case for a while, so two people do not work it by accident."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from takedown import audit
from takedown.cases.errors import ClaimedByOther
from takedown.cases.models import Case
from takedown.cases.service import get_case
from takedown.db import utcnow
from takedown.people import User

LEASE = timedelta(minutes=15)


def claim(session: Session, case_id: int, user: User) -> Case:
    case = get_case(session, case_id, lock=True)
    now = utcnow()
    held = case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > now
    if held and case.claimed_by_id != user.id:
        raise ClaimedByOther("Another reviewer is working on this case.")
    case.claimed_by_id, case.claim_expires_at = user.id, now + LEASE
    audit.record(
        session,
        "case.claimed",
        actor=f"user:{user.username}",
        subject_type="case",
        subject_id=case.id,
        data={"until": case.claim_expires_at},
    )
    return case


def release(session: Session, case_id: int, user: User) -> Case:
    case = get_case(session, case_id, lock=True)
    if case.claimed_by_id == user.id:
        case.claimed_by_id = case.claim_expires_at = None
    return case


def holder(case: Case) -> int | None:
    if case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > utcnow():
        return case.claimed_by_id
    return None
