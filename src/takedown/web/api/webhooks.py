"""Admins' API for webhook deliveries: the dead-letter list and redrive."""

from __future__ import annotations

from fastapi import APIRouter, Request

from takedown import enforcement, people
from takedown.web.auth import api_caller, check_csrf
from takedown.web.deps import DatabaseDep

router = APIRouter(prefix="/v1/webhooks", tags=["ops"])
OPERATORS = ("supervisor", "admin")


@router.get("/dead")
def dead_letters(
    request: Request, db: DatabaseDep, platform: str | None = None, limit: int = 100
) -> list[dict]:
    """Deliveries given up after webhook_max_attempts, newest first."""
    with db.session() as session:
        caller = api_caller(session, request)
        people.require(caller.user, OPERATORS, "see dead webhooks")
        return enforcement.list_deliveries(session, state="dead", platform=platform, limit=limit)


@router.post("/{delivery_id}/redrive")
def redrive(delivery_id: int, request: Request, db: DatabaseDep) -> dict:
    """Send a dead delivery again, unless a newer state of its item exists (superseded)."""
    with db.session() as session:
        caller = api_caller(session, request)
        check_csrf(caller, request.headers.get("x-csrf-token"))
        people.require(caller.user, OPERATORS, "redrive webhooks")
        [result] = enforcement.redrive(session, [delivery_id], actor=f"user:{caller.user.username}")
        return result
