"""The platform's API: register content (answered with a verdict) and count views."""

from __future__ import annotations

from typing import Literal, cast, get_args

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from takedown import matching, platforms, triage
from takedown.web.api.bodies import body_doc
from takedown.web.api.media import (
    Hashes,
    authenticate_platform,
    parse,
    query_from,
    read_request,
)
from takedown.web.deps import BearerDep, DatabaseDep, MatcherDep, SettingsDep

router = APIRouter(prefix="/v1/content", tags=["platform"])


class ContentBody(BaseModel):
    """An upload or repost on the platform, as the platform knows it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "post-1001",
                    "author_id": "user-42",
                    "url": "https://example.social/p/post-1001",
                    "media_type": "image",
                }
            ]
        },
    )

    id: str = Field(min_length=1, max_length=200, description="the platform's content id")
    author_id: str = Field(
        min_length=1, max_length=200, description="the platform's id of the uploader's account"
    )
    author_handle: str | None = Field(None, max_length=200, description="the uploader's @name")
    url: str | None = Field(
        None, max_length=2000, description="the public link reporters will paste"
    )
    media_type: Literal["image", "video", "text", "other"] = Field(
        "video", description="what the item is"
    )
    media_url: str | None = Field(
        None,
        max_length=2000,
        description="where Takedown can fetch the media (evidence, previews for reviewers)",
    )
    repost_of: str | None = Field(
        None, max_length=200, description="the content id this reposts (a registered item)"
    )
    hashes: Hashes | None = Field(None, description="hashes computed by the platform itself")


class Match(BaseModel):
    bank: str
    action: str
    signal: str
    distance: int
    entry_id: str | None = None
    classification: str | None = None
    source: str
    note: str | None = None
    frames_matched_pct: float | None = None


Verdict = Literal["allow", "hold", "block"]


def verdict_of(value: str) -> Verdict:
    """Triage's verdict (a plain str) as the API's literal: anything else is a bug."""
    if value not in get_args(Verdict):
        raise ValueError(f"unknown verdict {value!r}")
    return cast(Verdict, value)


class ContentVerdict(BaseModel):
    id: str
    verdict: Verdict
    visibility: str
    monetised: bool
    shareable: bool
    matches: list[Match] = []
    copy_of: list[str] = []
    case_number: str | None = None


class ViewsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=10_000_000)


class ViewsOut(BaseModel):
    id: str
    view_count: int
    visibility: str


CONTENT_DOC = body_doc(ContentBody, "the image or video file, fingerprinted on receipt")


@router.post("", response_model=ContentVerdict, openapi_extra=CONTENT_DOC)
async def register_content(
    request: Request, db: DatabaseDep, settings: SettingsDep, matcher: MatcherDep, key: BearerDep
) -> ContentVerdict:
    """Register an upload or repost, as JSON or as multipart (`metadata` + `media` file).

    `block`: do not publish; `hold`: keep it hidden, it is under review; `allow`: publish."""
    await run_in_threadpool(authenticate_platform, db, key)
    metadata, media, filename = await read_request(request)
    body = parse(ContentBody, metadata)
    query = await query_from(media, filename, body.hashes)

    def work() -> ContentVerdict:
        with db.session() as session:
            platform = platforms.authenticate(session, key)
            item = platforms.register_content(
                session,
                platform,
                platforms.ContentIn(
                    external_id=body.id,
                    author_id=body.author_id,
                    author_handle=body.author_handle,
                    url=body.url,
                    media_type=body.media_type,
                    media_url=body.media_url,
                    repost_of=body.repost_of,
                ),
            )
            verdict = triage.on_new_content(session, item)
            result = triage.Verdict(verdict)
            if query is not None and not query.empty:
                screened = triage.screen_upload(session, settings, matcher, item, query)
                matching.index_media(session, item.id, query)
                result = _merge(result, screened)
            return ContentVerdict(
                id=item.external_id,
                verdict=verdict_of(result.verdict),
                visibility=item.visibility,
                monetised=item.monetised,
                shareable=item.shareable,
                matches=[Match.model_validate(m.to_dict()) for m in result.bank_matches],
                copy_of=result.copy_of,
                case_number=result.case_number,
            )

    return await run_in_threadpool(work)


def _merge(first: triage.Verdict, second: triage.Verdict) -> triage.Verdict:
    order = {"allow": 0, "hold": 1, "block": 2}
    second.verdict = max(first.verdict, second.verdict, key=order.__getitem__)
    return second


@router.post("/{content_id}/views", response_model=ViewsOut)
def add_views(content_id: str, body: ViewsBody, db: DatabaseDep, key: BearerDep) -> ViewsOut:
    with db.session() as session:
        platform = platforms.authenticate(session, key)
        item = platforms.content_for_platform(session, platform, content_id)
        item = platforms.add_views(session, item, body.count)
        return ViewsOut(id=item.external_id, view_count=item.view_count, visibility=item.visibility)
