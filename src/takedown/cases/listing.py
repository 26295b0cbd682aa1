"""The console's other views of cases: closed, escalated, waiting for a second review, and
TAKE IT DOWN requests; each limited to the reviewer's queues and paged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from takedown.cases.models import Burst, Case, CaseItem
from takedown.cases.service import ACTIVE, QueuePage
from takedown.db import utcnow

VIEWS = {
    "open": "Waiting",
    "take_it_down": "TAKE IT DOWN requests",
    "escalated": "Escalated",
    "pending_second_review": "Pending second review",
    "closed": "Closed",
}
CLOSED = ("confirmed", "dismissed")


def case_list(
    session: Session,
    view: str,
    queues: list[str],
    *,
    among: Select | None = None,
    limit: int = 50,
    offset: int = 0,
) -> QueuePage:
    """One view's cases (not "open": that is `cases.queue`). `among` (a query of case ids)
    narrows the TAKE IT DOWN view to the cases that carry a request."""
    query = select(Case).where(Case.queue.in_(queues))
    if view == "closed":
        query = query.where(Case.state.in_(CLOSED))
        order: tuple[ColumnElement[Any], ...] = (
            Case.decided_at.desc().nulls_last(),
            Case.id.desc(),
        )
    else:
        query = query.where(Case.state.in_(ACTIVE))
        order = (Case.priority.asc(), Case.deadline_at.asc(), Case.id.asc())
    if view == "escalated":
        query = query.where(Case.needs_specialist | Case.escalated)
    elif view == "pending_second_review":
        waiting = select(CaseItem.case_id).where(CaseItem.state == "pending_second_review")
        query = query.where(Case.id.in_(waiting))
    elif view == "take_it_down":
        query = query.where(Case.id.in_(among) if among is not None else Case.queue == view)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))
    return QueuePage(page, total, offset, limit)


def next_case(
    session: Session, queues: list[str], user_id: int, after: int, *, second_reviews: bool
) -> Case | None:
    """The first waiting case in queue order that is not `after` and not claimed by someone
    else: where "decide and open next case" goes (second reviews only for who may do them)."""
    now = utcnow()
    open_bursts = select(Burst.id).where(Burst.state == "open")
    free = or_(
        Case.claimed_by_id.is_(None),
        Case.claimed_by_id == user_id,
        Case.claim_expires_at.is_(None),
        Case.claim_expires_at <= now,
    )
    waiting = ACTIVE if second_reviews else tuple(s for s in ACTIVE if s != "pending_second_review")
    query = select(Case).where(
        Case.state.in_(waiting),
        Case.queue.in_(queues),
        Case.id != after,
        Case.burst_id.is_(None) | Case.burst_id.not_in(open_bursts),
        free,
    )
    ordered = query.order_by(Case.priority, Case.credibility, Case.deadline_at, Case.id)
    return session.scalar(ordered.limit(1))
