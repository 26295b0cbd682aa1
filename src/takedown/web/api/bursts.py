"""Supervisors' API for report bursts: one item per burst, released or accepted at once."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from takedown import people, triage
from takedown.web.auth import api_caller, check_csrf
from takedown.web.deps import DatabaseDep

router = APIRouter(prefix="/v1/bursts", tags=["review"])
SUPERVISORS = ("supervisor", "admin")


class BurstDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=5000)


@router.get("")
def list_bursts(request: Request, db: DatabaseDep, state: str | None = "open") -> list[dict]:
    """Bursts of unverified reports (open ones by default), with what they hid."""
    with db.session() as session:
        caller = api_caller(session, request)
        people.require(caller.user, SUPERVISORS, "see report bursts")
        return triage.bursts.list_bursts(session, state)


@router.post("/{burst_id}/release")
def release(burst_id: int, body: BurstDecision, request: Request, db: DatabaseDep) -> dict:
    """Put back everything the burst's unverified reports hid; they stay queued."""
    return _decide(db, request, burst_id, triage.bursts.release, body.note)


@router.post("/{burst_id}/accept")
def accept(burst_id: int, body: BurstDecision, request: Request, db: DatabaseDep) -> dict:
    """The burst is genuine: hide its reported items now and queue its cases."""
    return _decide(db, request, burst_id, triage.bursts.accept, body.note)


def _decide(db, request: Request, burst_id: int, action: Callable, note: str) -> dict:
    with db.session() as session:
        caller = api_caller(session, request)
        check_csrf(caller, request.headers.get("x-csrf-token"))
        people.require(caller.user, SUPERVISORS, "decide report bursts")
        burst = action(session, burst_id, caller.user, note)
        return triage.bursts.summary(session, burst)
