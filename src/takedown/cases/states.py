"""The one writer of case and item state: every change of a case's state, round, priority,
deadline, credibility, queue and restriction time, and of an item's decision state, goes
through here. Case states move by CASE_TRANSITIONS, items by ITEM_TRANSITIONS (as content
moves by enforcement's table); tests/test_architecture.py fails on a write elsewhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases.models import Case, CaseItem
from takedown.db import utcnow

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


DERIVED = ("open", "restricted", "pending_second_review", "confirmed", "dismissed")
# state -> the states a case may enter it from. The five derived states follow the items
# (settle); an uploader's appeal only opens on a confirmed case and ends confirmed (a
# granted item is put back on its own); a reporter's re-review only follows a decision.
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": DERIVED,
    "restricted": DERIVED,
    "pending_second_review": DERIVED,
    "confirmed": (*DERIVED, "rereview", "appealed"),
    "dismissed": (*DERIVED, "rereview"),
    "appealed": ("confirmed",),
    "rereview": ("confirmed", "dismissed"),
}


class IllegalTransition(RuntimeError):
    """A case was moved where its state does not lead: a bug, refused before it is stored."""


def _move(case: Case, target: str) -> None:
    if case.state is not None and case.state not in CASE_TRANSITIONS[target]:
        raise IllegalTransition(f"case {case.number}: {case.state} -> {target}")
    case.state = target


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
            _move(case, "confirmed")
            case.removed_at = case.removed_at or now
        else:
            _move(case, "dismissed")
        case.decided_at = now
    elif case.state == "rereview":
        pass
    elif undecided and all(s == "pending_second_review" for s in undecided):
        _move(case, "pending_second_review")
    else:
        _move(case, "restricted" if case.restricted_at is not None else "open")
    return case.state


def close_empty(case: Case) -> None:
    """A case with no content (nothing could be resolved) is closed by a dismissal."""
    _move(case, "dismissed")
    case.decided_at = utcnow()


def appeal_decided(session: Session, case: Case) -> None:
    """The uploader's appeal is decided: the removal stands (a granted item was put back
    on its own), and the case is confirmed again; items reopened by new information
    during the appeal still wait for their own decision."""
    _move(case, "confirmed")
    case.decided_at = utcnow()
    waiting = select(CaseItem.id).where(CaseItem.case_id == case.id, CaseItem.state.in_(UNDECIDED))
    if session.scalar(waiting.limit(1)) is not None:
        settle(session, case)


IN_ROUND = ("appealed", "rereview")


def new_information(case: Case, deadline: datetime) -> None:
    """A report about dismissed content: a new round, or, while an appeal or a re-review
    is under way, part of that round (it is not lost, and the round is not dropped)."""
    if case.state in IN_ROUND:
        pull_deadline(case, deadline)
    else:
        reopen(case, "open", deadline=deadline)


def mark_restricted(case: Case) -> bool:
    """Something of the case is hidden now; True the first time."""
    first = case.restricted_at is None
    if first:
        case.restricted_at = utcnow()
    if case.state == "open":
        _move(case, "restricted")
    return first


def reopen(case: Case, state: str, *, queue: str | None = None, deadline: datetime) -> None:
    """A new round: an appeal, a re-review, or new information after a dismissal."""
    _move(case, state)
    case.decided_at = None
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


def cap_credibility(case: Case, rank: int) -> None:
    """No more credible than `rank` (a released burst's reports hid too much)."""
    case.credibility = max(case.credibility, rank)


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


def info_answered(case: Case) -> None:
    """The reporter answered: the case is back with the reviewers."""
    case.info_requested_at = None


def join_burst(case: Case, burst_id: int | None) -> None:
    case.burst_id = burst_id
