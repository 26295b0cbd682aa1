"""The one writer of case and item state: every change of a case's state, round, priority,
deadline and restriction time, and of an item's decision state, goes through here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases.models import Case, CaseItem
from takedown.db.base import utcnow

PRIORITY_ORDER = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}
UNDECIDED = ("open", "pending_second_review")

# kind -> (item states it applies from, state it leaves)
ITEM_TRANSITIONS = {
    "confirm": (UNDECIDED, "confirmed"),
    "first_dismissal": (("open",), "pending_second_review"),
    "dismiss": (UNDECIDED, "dismissed"),
    "reopen": (("dismissed",), "open"),
    "reinstate": (("confirmed",), "dismissed"),
}


def move_item(item: CaseItem, kind: str) -> bool:
    """Apply one item transition; False if it does not apply from the item's state."""
    sources, target = ITEM_TRANSITIONS[kind]
    if item.state not in sources:
        return False
    item.state = target
    item.decided_at = None if target in UNDECIDED else utcnow()
    if kind == "reopen":
        item.first_dismissed_by_id = None
    return True


def settle(session: Session, case: Case) -> str:
    """Derive the case's state from its items: decided when every item is (confirmed if
    any item is), waiting for a second review when only such items remain."""
    if case.state == "appealed":
        return case.state  # the appeal's own decision settles it
    states = list(session.scalars(select(CaseItem.state).where(CaseItem.case_id == case.id)))
    undecided = [s for s in states if s in UNDECIDED]
    now = utcnow()
    if states and not undecided:
        if "confirmed" in states:
            case.state = "confirmed"
            case.removed_at = case.removed_at or now
        else:
            case.state = "dismissed"
        case.decided_at = now
    elif case.state == "rereview":
        pass
    elif undecided and all(s == "pending_second_review" for s in undecided):
        case.state = "pending_second_review"
    else:
        case.state = "restricted" if case.restricted_at is not None else "open"
    return case.state


def close_empty(case: Case) -> None:
    """A case with no content (nothing could be resolved) is closed by a dismissal."""
    case.state, case.decided_at = "dismissed", utcnow()


def mark_restricted(case: Case) -> bool:
    """Something of the case is hidden now; True the first time."""
    first = case.restricted_at is None
    if first:
        case.restricted_at = utcnow()
    if case.state == "open":
        case.state = "restricted"
    return first


def reopen(case: Case, state: str, *, queue: str | None = None, deadline: datetime) -> None:
    """A new round: an appeal, a re-review, or new information after a dismissal."""
    case.state, case.decided_at = state, None
    case.round += 1
    if queue:
        case.queue = queue
    case.deadline_at = deadline


def higher(a: str, b: str) -> str:
    return a if PRIORITY_ORDER[a] <= PRIORITY_ORDER[b] else b


def raise_priority(case: Case, priority: str, deadline: datetime) -> bool:
    """A new report can only raise a case, and pulls its deadline in with it."""
    new = higher(case.priority, priority)
    if new == case.priority:
        return False
    case.priority = new
    pull_deadline(case, deadline)
    return True


def pull_deadline(case: Case, at: datetime) -> None:
    case.deadline_at = min(case.deadline_at, at)


def raise_credibility(case: Case, rank: int) -> None:
    case.credibility = min(case.credibility, rank)


def escalate(case: Case, *, police: bool = False) -> bool:
    """A police case number tags the case; a reviewer's escalation sends it to a specialist."""
    if police:
        changed = not case.escalated
        case.escalated = True
        return changed
    case.needs_specialist, case.queue = True, "child_safety"
    return True


def to_queue(case: Case, queue: str) -> None:
    """A legal request gets its own queue (a child's case stays with child safety)."""
    if case.queue == "general":
        case.queue = queue


def request_info(case: Case) -> None:
    case.info_requested_at = utcnow()


def join_burst(case: Case, burst_id: int | None) -> None:
    case.burst_id = burst_id
