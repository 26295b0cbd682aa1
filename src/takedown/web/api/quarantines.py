"""Supervisors' API for bank entries quarantined for matching too much (bank hygiene)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from takedown import people
from takedown.exchanges import hygiene
from takedown.web.auth import api_caller, check_csrf
from takedown.web.deps import DatabaseDep

router = APIRouter(prefix="/v1/quarantines", tags=["ops"])
OPERATORS = ("supervisor", "admin")


@router.get("")
def list_quarantines(request: Request, db: DatabaseDep, state: str | None = "open") -> list[dict]:
    """Quarantined bank entries (`state`: open, released, kept), each with its matches."""
    with db.session() as session:
        caller = api_caller(session, request)
        people.require(caller.user, OPERATORS, "see quarantined bank entries")
        return hygiene.quarantines(
            session, state if state in ("open", "released", "kept") else None
        )


@router.post("/{quarantine_id}/{action}")
def decide(quarantine_id: int, action: str, request: Request, db: DatabaseDep) -> dict:
    """`release` (the entry acts again) or `keep` (it stays disabled)."""
    if action not in ("release", "keep"):
        from takedown.errors import NotFound

        raise NotFound("Use release or keep.", field="action")
    with db.session() as session:
        caller = api_caller(session, request)
        check_csrf(caller, request.headers.get("x-csrf-token"))
        people.require(caller.user, OPERATORS, "decide quarantined bank entries")
        return hygiene.decide(
            session, quarantine_id, action == "release", f"user:{caller.user.username}"
        )
