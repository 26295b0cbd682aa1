"""Reviewers: the queue, a case, and decisions (a reviewer API key for now)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from takedown import cases, people
from takedown.cases.views import case_detail, case_summary, find_case
from takedown.web.deps import BearerDep, DatabaseDep, MatcherDep

router = APIRouter(prefix="/v1/cases", tags=["review"])


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss"]
    reason: str = Field(min_length=1, max_length=5000)
    category: str | None = Field(None, max_length=40)


@router.get("")
def list_cases(db: DatabaseDep, key: BearerDep, state: str | None = None) -> list[dict]:
    """Open cases, P0 first, then by deadline."""
    with db.session() as session:
        people.authenticate(session, key)
        return [case_summary(c) for c in cases.queue(session, state)]


@router.get("/{case_ref}")
def get_case(case_ref: str, db: DatabaseDep, key: BearerDep) -> dict:
    with db.session() as session:
        user = people.authenticate(session, key)
        return case_detail(session, find_case(session, case_ref), user)


@router.post("/{case_ref}/decisions")
def decide(
    case_ref: str, body: DecisionBody, db: DatabaseDep, key: BearerDep, matcher: MatcherDep
) -> dict:
    """confirm removes everything and suspends the poster; a P0 dismissal needs two people."""
    with db.session() as session:
        user = people.require_decider(people.authenticate(session, key))
        case = find_case(session, case_ref)
        case = cases.decide(
            session, case.id, user, body.decision, body.reason, body.category, engine=matcher
        )
        summary = case_summary(case)
    matcher.sync_now()  # a confirmation's hashes are in this process's index on return
    return summary
