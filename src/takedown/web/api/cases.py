"""Reviewers' API: the queue, a case, claims and decisions (API key or logged-in session)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from takedown import cases, people
from takedown.cases import case_detail, case_summary, claims, find_case
from takedown.people import NotInQueue
from takedown.web.auth import Caller, api_caller, check_csrf
from takedown.web.deps import DatabaseDep, MatcherDep

router = APIRouter(prefix="/v1/cases", tags=["review"])


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss", "escalate", "request_info"]
    reason: str = Field(min_length=1, max_length=5000)
    category: Literal["csam_a1", "csam_a2", "csam_b1", "csam_b2", "ncii", "other"] | None = None
    items: list[int] | None = Field(
        None,
        max_length=1000,
        description="the item ids (`items[].id` of the case) this decision is about; unset: "
        "every undecided item that needs no look of its own",
    )
    report_id: int | None = Field(
        None, description="decide every undecided item this report named or brought in"
    )


def _visible(caller: Caller, case: cases.Case) -> cases.Case:
    people.require(caller.user, people.READERS, "read cases")
    if not people.can_see_queue(caller.user, case.queue):
        raise NotInQueue("This case is not in your queues.")
    return case


@router.get("")
def list_cases(
    request: Request,
    response: Response,
    db: DatabaseDep,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict]:
    """Open cases in the caller's queues: P0 first, credible reports before bare claims,
    then by deadline. Paged: `X-Total-Count` has the total, `Link` the next page."""
    with db.session() as session:
        caller = api_caller(session, request)
        people.require(caller.user, people.READERS, "read cases")
        page = cases.queue(session, caller.user.queues, state, limit=limit, offset=offset)
        response.headers["X-Total-Count"] = str(page.total)
        if offset + limit < page.total:
            nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
            response.headers["Link"] = f'<{nxt}>; rel="next"'
        return [case_summary(c) for c in page.cases]


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
    """Decide items of the case (`items` or `report_id`; unset: the undecided items that
    need no look of their own). confirm removes them and their reposts and suspends their
    posters; a P0 dismissal needs a second, senior reviewer per item; escalate and
    request_info keep the case open."""
    with db.session() as session:
        caller = api_caller(session, request)
        check_csrf(caller, request.headers.get("x-csrf-token"))
        case = _visible(caller, find_case(session, case_ref))
        people.require_decider(caller.user)
        case = cases.decide(
            session,
            case.id,
            caller.user,
            body.decision,
            body.reason,
            body.category,
            engine=matcher,
            content_ids=body.items,
            report_id=body.report_id,
        )
        summary = case_summary(case)
    matcher.sync_now()  # a confirmation's hashes are in this process's index on return
    return summary
