"""Reviewers' API: the queue, a case, claims and decisions (API key or logged-in session)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from takedown import cases, people
from takedown.cases import claims
from takedown.cases.views import case_detail, case_summary, find_case
from takedown.people.errors import NotInQueue
from takedown.web.auth import Caller, api_caller, check_csrf
from takedown.web.deps import DatabaseDep, MatcherDep

router = APIRouter(prefix="/v1/cases", tags=["review"])


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss", "escalate", "request_info"]
    reason: str = Field(min_length=1, max_length=5000)
    category: Literal["csam_a1", "csam_a2", "csam_b1", "csam_b2", "ncii", "other"] | None = None


def _visible(caller: Caller, case: cases.Case) -> cases.Case:
    people.require(caller.user, people.READERS, "read cases")
    if not people.can_see_queue(caller.user, case.queue):
        raise NotInQueue("This case is not in your queues.")
    return case


@router.get("")
def list_cases(request: Request, db: DatabaseDep, state: str | None = None) -> list[dict]:
    """Open cases in the caller's queues: P0 first, then by deadline."""
    with db.session() as session:
        caller = api_caller(session, request)
        people.require(caller.user, people.READERS, "read cases")
        return [case_summary(c) for c in cases.queue(session, caller.user.queues, state)]


@router.get("/{case_ref}")
def get_case(case_ref: str, request: Request, db: DatabaseDep) -> dict:
    """The whole case; the viewing is audited."""
    with db.session() as session:
        caller = api_caller(session, request)
        case = _visible(caller, find_case(session, case_ref))
        return case_detail(session, case, caller.user)


@router.post("/{case_ref}/claim")
def claim(case_ref: str, request: Request, db: DatabaseDep) -> dict:
    """Claim the case for 15 minutes so nobody else works it by accident."""
    with db.session() as session:
        caller = api_caller(session, request)
        check_csrf(caller, request.headers.get("x-csrf-token"))
        case = _visible(caller, find_case(session, case_ref))
        people.require_decider(caller.user)
        case = claims.claim(session, case.id, caller.user)
        return {**case_summary(case), "claimed_until": case.claim_expires_at}


@router.post("/{case_ref}/decisions")
def decide(
    case_ref: str, body: DecisionBody, request: Request, db: DatabaseDep, matcher: MatcherDep
) -> dict:
    """confirm removes everything and suspends the poster; a P0 dismissal needs a second,
    senior reviewer; escalate and request_info keep the case open."""
    with db.session() as session:
        caller = api_caller(session, request)
        check_csrf(caller, request.headers.get("x-csrf-token"))
        case = _visible(caller, find_case(session, case_ref))
        people.require_decider(caller.user)
        case = cases.decide(
            session, case.id, caller.user, body.decision, body.reason, body.category, engine=matcher
        )
        summary = case_summary(case)
    matcher.sync_now()  # a confirmation's hashes are in this process's index on return
    return summary
