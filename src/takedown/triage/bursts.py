"""A supervisor's one decision on a burst: release what it hid, or accept its reports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, enforcement
from takedown.cases import Burst, Case, CaseItem, Report
from takedown.db import utcnow
from takedown.errors import Conflict, NotFound
from takedown.people import User
from takedown.platforms import ContentItem, get_account
from takedown.triage.service import RANK_RELEASED


class BurstDecided(Conflict):
    code = "burst_decided"


def list_bursts(session: Session, state: str | None = "open") -> list[dict[str, object]]:
    query = select(Burst).order_by(Burst.id.desc()).limit(200)
    if state:
        query = query.where(Burst.state == state)
    return [summary(session, b) for b in session.scalars(query)]


def summary(session: Session, burst: Burst) -> dict[str, object]:
    members = _cases(session, burst)
    hidden = [ci for ci, item in _items(session, members) if item.visibility == "restricted"]
    target = (
        get_account(session, burst.target_id).external_id
        if burst.target_type == "account"
        else str(burst.target_id)
    )
    return {
        "id": burst.id,
        "target_type": burst.target_type,
        "target": target,
        "state": burst.state,
        "reports": burst.reports,
        "cases": [c.number for c in members],
        "hidden_items": len(hidden),
        "started_at": burst.started_at,
        "alerted_at": burst.alerted_at,
        "decided_at": burst.decided_at,
    }


def release(session: Session, burst_id: int, user: User, note: str = "") -> Burst:
    """Put back everything unverified reports of the burst hid; the reports stay queued
    for review like any other (their items can still be confirmed one by one)."""
    burst = _open(session, burst_id)
    actor = f"user:{user.username}"
    for case in _cases(session, burst):
        for ci, item in _items(session, [case]):
            if item.visibility == "restricted" and not _held_by_verified(session, item):
                enforcement.restore_content(
                    session, item, case_id=case.id, actor=actor, reason="burst released"
                )
                ci.hidden_by_report_id = None
        cases.states.cap_credibility(case, RANK_RELEASED)
    return _decided(session, burst, "released", user, note)


def accept(session: Session, burst_id: int, user: User, note: str = "") -> Burst:
    """The burst is genuine: its cases join the queue and their items are hidden now."""
    burst = _open(session, burst_id)
    for case in _cases(session, burst):
        items = [item for ci, item in _items(session, [case]) if ci.state in cases.PROTECTING]
        from takedown.triage.service import protect

        protect(session, case, items, actor=f"user:{user.username}", reason="burst accepted")
    return _decided(session, burst, "accepted", user, note)


def _open(session: Session, burst_id: int) -> Burst:
    burst = session.get(Burst, burst_id, with_for_update=True)
    if burst is None:
        raise NotFound(f"No burst {burst_id}.")
    if burst.state != "open":
        raise BurstDecided(f"Burst {burst_id} was already {burst.state}.")
    return burst


def _decided(session: Session, burst: Burst, state: str, user: User, note: str) -> Burst:
    burst.state, burst.decided_by_id, burst.decided_at, burst.note = state, user.id, utcnow(), note
    audit.record(
        session,
        f"burst.{state}",
        actor=f"user:{user.username}",
        subject_type="burst",
        subject_id=burst.id,
        data={"note": note},
    )
    session.flush()
    return burst


def _cases(session: Session, burst: Burst) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.burst_id == burst.id).order_by(Case.id)))


def _items(session: Session, members: list[Case]) -> list[tuple[CaseItem, ContentItem]]:
    return [pair for case in members for pair in cases.items_of(session, case)]


def _held_by_verified(session: Session, item: ContentItem) -> bool:
    """Hidden by a trusted flagger's or a bank-matched report in some case: stays hidden."""
    return (
        session.scalar(
            select(CaseItem.id)
            .join(Report, Report.id == CaseItem.hidden_by_report_id)
            .where(
                CaseItem.content_id == item.id,
                CaseItem.state.in_(cases.PROTECTING),
                Report.trust == "verified",
            )
            .limit(1)
        )
        is not None
    )
