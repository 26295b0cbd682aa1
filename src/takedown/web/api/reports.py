"""Reports: no account needed. A receipt with a case number and PIN comes back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from takedown import intake, platforms
from takedown.intake import Challenge, PublicStatus, Receipt, ReportIn
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
