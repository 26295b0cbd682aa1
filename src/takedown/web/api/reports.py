"""Reports: no account needed. A receipt with a case number and PIN comes back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from takedown import intake, platforms
from takedown.intake import Challenge, PublicStatus, Receipt, ReportIn, attach, conversation
from takedown.web.clients import client_key
from takedown.web.deps import BearerDep, DatabaseDep, MatcherDep, SettingsDep

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.post("", status_code=201, response_model=Receipt)
def create_report(
    body: ReportIn,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    matcher: MatcherDep,
    bearer: BearerDep,
) -> Receipt:
    """File a report. Committed before this answers: an acknowledged report is never lost.
    No account is needed; a trusted flagger sends its key (scope `flagger`) as a Bearer
    token, and its reports hide content at once without the limits anonymous ones have."""
    client = client_key(settings, request)
    with db.session() as session:
        flagger = bearer is not None and bool(
            platforms.authenticate(session, bearer, scope="flagger")
        )
        return intake.submit_report(
            session, settings, body, channel="api", engine=matcher, client=client, flagger=flagger
        )


@router.get("/challenge", response_model=Challenge)
def report_challenge(settings: SettingsDep, response: Response) -> Challenge:
    """A proof-of-work challenge for the next report (see `report_pow_bits`; 0 bits: none
    is needed). Send `challenge:solution` as the report's `proof_of_work`."""
    response.headers["Cache-Control"] = "no-store"
    return Challenge(
        challenge=intake.new_challenge(settings.secret_key),
        bits=settings.report_pow_bits,
        expires_in=intake.CHALLENGE_LIFETIME_S,
    )


@router.get("/{case_number}", response_model=PublicStatus)
def report_status(
    case_number: str,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    pin: Annotated[str | None, Query(description="prefer the X-Report-PIN header")] = None,
    x_report_pin: Annotated[str | None, Header()] = None,
) -> PublicStatus:
    """What happened to a report, in plain words. Needs the PIN given with the receipt."""
    client = client_key(settings, request)
    with db.session() as session:
        return intake.status(
            session, settings, case_number, x_report_pin or pin or "", client=client
        )


class AttachBody(BaseModel):
    """Content the platform found for a report it was asked about (`report.unresolved`)."""

    model_config = ConfigDict(extra="forbid")

    report_id: int = Field(description="`report_id` of the `report.unresolved` webhook")
    content_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=50, description="ids registered with POST /v1/content first"
    )


class AttachOut(BaseModel):
    case_number: str
    report_id: int
    content_ids: list[str]
    protection: str = Field(description="what was hidden at once, as on a receipt")
    state: str


@router.post("/{case_number}/content", response_model=AttachOut)
def attach_content(
    case_number: str,
    body: AttachBody,
    db: DatabaseDep,
    settings: SettingsDep,
    matcher: MatcherDep,
    bearer: BearerDep,
) -> AttachOut:
    """The platform attaches the content a report named without a registered link; it is
    protected at once under the rules of a report that named it (platform key, `content`)."""
    with db.session() as session:
        platform = platforms.authenticate(session, bearer, "content")
        done = attach.attach_content(
            session, settings, matcher, platform, case_number, body.report_id, body.content_ids
        )
        return AttachOut(**vars(done))


class ReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=conversation.MAX_REPLY)


class ReporterActionOut(BaseModel):
    case_number: str
    state: str


@router.post("/{case_number}/replies", response_model=ReporterActionOut, status_code=201)
def reply(
    case_number: str,
    body: ReplyBody,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    x_report_pin: Annotated[str, Header()] = "",
) -> ReporterActionOut:
    """The reporter answers a reviewer (case number and `X-Report-PIN`)."""
    client = client_key(settings, request)
    with db.session() as session:
        case = conversation.reply(
            session, settings, case_number, x_report_pin, body.text, client=client
        )
        return ReporterActionOut(case_number=case.number, state=case.state)


@router.post("/{case_number}/withdraw", response_model=ReporterActionOut)
def withdraw(
    case_number: str,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    x_report_pin: Annotated[str, Header()] = "",
) -> ReporterActionOut:
    """The reporter withdraws their report; a person still checks the content."""
    client = client_key(settings, request)
    with db.session() as session:
        case = conversation.withdraw(session, settings, case_number, x_report_pin, client=client)
        return ReporterActionOut(case_number=case.number, state=case.state)
