"""Appeals of removals (from the platform, for its uploader) and reporters' re-reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field

from takedown import intake, platforms
from takedown.cases import appeals
from takedown.web.clients import client_key
from takedown.web.deps import BearerDep, DatabaseDep, SettingsDep

router = APIRouter(tags=["appeals"])


class AppealBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_id: str = Field(min_length=1, max_length=200)
    statement: str = Field("", max_length=5000)


class RereviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: str = Field("", max_length=5000)


class AppealOut(BaseModel):
    appeal_id: int
    case_number: str
    state: str


@router.post("/v1/appeals", response_model=AppealOut, status_code=201)
def appeal(body: AppealBody, db: DatabaseDep, key: BearerDep) -> AppealOut:
    """An uploader appeals a removal (within six months); a reviewer who did not decide
    the case looks at it again."""
    with db.session() as session:
        platform = platforms.authenticate(session, key, "appeals")
        item = platforms.content_for_platform(session, platform, body.content_id)
        made = appeals.appeal_removal(session, item, body.statement)
        case = appeals.get_case(session, made.case_id)
        return AppealOut(appeal_id=made.id, case_number=case.number, state=case.state)


@router.post("/v1/reports/{case_number}/rereview", response_model=AppealOut, status_code=201)
def rereview(
    case_number: str,
    body: RereviewBody,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    x_report_pin: Annotated[str, Header()] = "",
) -> AppealOut:
    """The reporter asks for another review of a dismissed report (case number and PIN)."""
    client = client_key(settings, request)
    with db.session() as session:
        case, report = intake.reporter_of(
            session, settings, case_number, x_report_pin, client=client
        )
        made = appeals.request_rereview(session, case, body.statement, report_id=report.id)
        return AppealOut(appeal_id=made.id, case_number=case.number, state=case.state)
