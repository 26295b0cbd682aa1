"""The platform's API: register content (answered with a verdict) and count views."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from takedown import platforms, triage
from takedown.web.deps import BearerDep, DatabaseDep

router = APIRouter(prefix="/v1/content", tags=["platform"])


class ContentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="the platform's content id")
    author_id: str = Field(min_length=1, max_length=200)
    author_handle: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    media_type: Literal["image", "video", "text", "other"] = "video"
    media_url: str | None = Field(None, max_length=2000)
    repost_of: str | None = Field(None, max_length=200)


class ContentVerdict(BaseModel):
    id: str
    verdict: Literal["allow", "hold", "block"]
    visibility: str
    monetised: bool
    shareable: bool


class ViewsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=10_000_000)


class ViewsOut(BaseModel):
    id: str
    view_count: int
    visibility: str


@router.post("", response_model=ContentVerdict)
def register_content(body: ContentBody, db: DatabaseDep, key: BearerDep) -> ContentVerdict:
    """Register an upload or repost. `hold`: keep it hidden; `block`: do not publish it."""
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
        return ContentVerdict(
            id=item.external_id,
            verdict=verdict,
            visibility=item.visibility,
            monetised=item.monetised,
            shareable=item.shareable,
        )


@router.post("/{content_id}/views", response_model=ViewsOut)
def add_views(content_id: str, body: ViewsBody, db: DatabaseDep, key: BearerDep) -> ViewsOut:
    with db.session() as session:
        platform = platforms.authenticate(session, key)
        item = platforms.content_for_platform(session, platform, content_id)
        item = platforms.add_views(session, item, body.count)
        return ViewsOut(id=item.external_id, view_count=item.view_count, visibility=item.visibility)
