"""Check a bare file or bare hashes against the banks and the platform's media."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from takedown import platforms, triage
from takedown.errors import InvalidInput
from takedown.web.api.bodies import body_doc
from takedown.web.api.content import Match, Verdict, verdict_of
from takedown.web.api.media import (
    Hashes,
    authenticate_platform,
    parse,
    query_from,
    read_request,
)
from takedown.web.deps import BearerDep, DatabaseDep, MatcherDep

router = APIRouter(prefix="/v1/check", tags=["platform"])


class CheckBody(BaseModel):
    """Bare hashes to check (or send a file as multipart `media` instead)."""

    model_config = ConfigDict(extra="forbid")

    hashes: Hashes | None = None


class CheckResult(BaseModel):
    verdict: Verdict
    matches: list[Match]


@router.post(
    "",
    response_model=CheckResult,
    openapi_extra=body_doc(CheckBody, "a file to check; nothing is stored"),
)
async def check(
    request: Request, db: DatabaseDep, matcher: MatcherDep, key: BearerDep
) -> CheckResult:
    """`block`: a block bank knows it; `hold`: a review bank knows it, or it copies media
    under P0 review; `allow`: nothing known. Nothing is stored."""
    await run_in_threadpool(authenticate_platform, db, key, "check")
    metadata, media, filename = await read_request(request)
    body = parse(CheckBody, metadata)
    query = await query_from(media, filename, body.hashes)
    if query is None or query.empty:
        raise InvalidInput("Send a `media` file (multipart) or `hashes`.", field="media")

    def work() -> CheckResult:
        with db.session() as session:
            platform = platforms.authenticate(session, key, scope="check")
            result = triage.check_media(session, matcher, query, platform.id)
            return CheckResult(
                verdict=verdict_of(result.verdict),
                matches=[Match.model_validate(m.to_dict()) for m in result.bank_matches],
            )

    return await run_in_threadpool(work)
