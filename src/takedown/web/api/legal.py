"""Legal: evidence for the roles that may open it (each opening audited), and /metrics."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from takedown import legal, people
from takedown.cases.views import find_case
from takedown.legal import metrics
from takedown.web.deps import BearerDep, DatabaseDep, SettingsDep

router = APIRouter(tags=["legal"])


class HoldBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: datetime = Field(description="keep the evidence until then (never shortened)")
    reason: str = Field(min_length=1, max_length=2000, description="e.g. the request's reference")


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
        hold = legal.extend_hold(session, case, body.until, body.reason, user)
        return {"case": case.number, "held_until": hold.held_until}


@router.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
def prometheus_metrics(db: DatabaseDep) -> PlainTextResponse:
    """Counters for Prometheus: notices, actions, CyberTipline reports, statements, holds."""
    with db.session() as session:
        body = metrics.render(session)
    return PlainTextResponse(body, media_type=metrics.CONTENT_TYPE)
