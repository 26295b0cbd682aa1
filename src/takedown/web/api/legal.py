"""Legal: evidence for the roles that may open it (each opening audited), and /metrics."""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from takedown import legal, people
from takedown.cases import Case, find_case
from takedown.db import utcnow
from takedown.errors import NotFound, Unauthorized
from takedown.legal import MAX_HOLD, EvidenceForbidden
from takedown.reporting import metrics
from takedown.web.deps import BearerDep, DatabaseDep, SettingsDep

router = APIRouter(tags=["legal"])


class HoldBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime = Field(
        description="keep the evidence until then (never shortened); with a timezone, "
        "at most ten years from now"
    )
    reason: str = Field(min_length=1, max_length=2000, description="e.g. the request's reference")

    @field_validator("until")
    @classmethod
    def _within_ten_years(cls, until: AwareDatetime) -> AwareDatetime:
        if until > utcnow() + MAX_HOLD:
            raise ValueError("a hold can run at most ten years from now")
        return until


def _may_hold(user: people.User, case: Case) -> None:
    """The roles that may open a case's evidence, in the case's queue (an admin: any)."""
    if user.role not in legal.EVIDENCE_ROLES:
        raise EvidenceForbidden(f"Role {user.role!r} cannot extend evidence holds.")
    if user.role != "admin" and not people.can_see_queue(user, case.queue):
        raise EvidenceForbidden(f"Case {case.number} is not in your queues.")


@router.get("/v1/evidence/{case_ref}")
def open_evidence(case_ref: str, db: DatabaseDep, settings: SettingsDep, key: BearerDep) -> dict:
    """A case's preserved evidence (child-safety specialists, law-enforcement liaisons and
    admins only; audited). Media files are listed with their SHA-256, not sent."""
    with db.session() as session:
        user = people.authenticate(session, key)
        case = find_case(session, case_ref)
        files = legal.open_evidence(session, settings, case, user, purpose="api")
        hold = legal.status_of(session, case.id)
        return {
            "case": case.number,
            "held_until": hold.evidence_held_until,
            "files": [
                {"name": n, "bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                for n, d in sorted(files.items())
            ],
            "record": json.loads(files["record.json"]),
        }


@router.post("/v1/evidence/{case_ref}/hold")
def extend_hold(case_ref: str, body: HoldBody, db: DatabaseDep, key: BearerDep) -> dict:
    """Keep a case's evidence longer, e.g. on a law-enforcement request."""
    with db.session() as session:
        user = people.authenticate(session, key)
        case = find_case(session, case_ref)
        _may_hold(user, case)
        hold = legal.extend_hold(session, case, body.until, body.reason, user)
        return {"case": case.number, "held_until": hold.held_until}


@router.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
def prometheus_metrics(db: DatabaseDep, settings: SettingsDep, key: BearerDep) -> PlainTextResponse:
    """Counters for Prometheus: notices, actions, CyberTipline reports, statements, holds.
    Needs `metrics_token` as a Bearer token; with none set, only in development."""
    if settings.metrics_token is None:
        if settings.environment != "development":
            raise NotFound("Not Found")
    elif not (key and hmac.compare_digest(key.encode(), settings.metrics_token.encode())):
        raise Unauthorized("/metrics needs the metrics token (Authorization: Bearer ...).")
    with db.session() as session:
        body = metrics.render(session)
    return PlainTextResponse(body, media_type=metrics.CONTENT_TYPE)
