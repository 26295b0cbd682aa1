"""Cases made through the public API, as a platform, a reporter and a reviewer would."""

from __future__ import annotations

import hashlib
import json
import uuid

import httpx
from sqlalchemy import select

from takedown.cases.models import Case
from takedown.demo.media import synthetic_image
from tests.support import wait_for


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post(client: httpx.Client, key: str, body: dict, media: bytes | None = None) -> dict:
    headers = {"authorization": f"Bearer {key}"}
    if media is None:
        r = client.post("/v1/content", json=body, headers=headers)
    else:
        r = client.post(
            "/v1/content",
            data={"metadata": json.dumps(body)},
            files={"media": (f"{body['id']}.jpg", media, "image/jpeg")},
            headers=headers,
        )
    assert r.status_code == 200, r.text
    return r.json()


def upload(
    client: httpx.Client,
    key: str,
    *,
    seed: int | None = None,
    media: bytes | None = None,
    handle: str | None = None,
    media_url: str | None = None,
    media_type: str = "image",
) -> dict[str, str]:
    """An upload (a benign generated image unless `media` is given) and one repost of it."""
    ids = {"post": uid("post"), "repost": uid("repost"), "author": uid("author")}
    data = media if media is not None else synthetic_image(seed or uuid.uuid4().int % 2**31)
    body = {
        "id": ids["post"],
        "author_id": ids["author"],
        "url": f"https://example.social/p/{ids['post']}",
        "media_type": media_type,
    }
    if handle:
        body["author_handle"] = handle
    if media_url:
        body["media_url"] = media_url
    post(client, key, body, data)
    post(
        client,
        key,
        {
            "id": ids["repost"],
            "author_id": uid("fan"),
            "repost_of": ids["post"],
            "url": f"https://example.social/p/{ids['repost']}",
            "media_type": media_type,
        },
    )
    ids["media_sha256"] = hashlib.sha256(data).hexdigest()
    return ids


def report(client: httpx.Client, content: list[str], **fields: object) -> dict:
    body: dict[str, object] = {
        "content": content,
        "reporter_role": "victim",
        "minor_depicted": "yes",
    }
    body.update(fields)
    r = client.post("/v1/reports", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def confirm(client: httpx.Client, key: str, case_number: str, category: str | None) -> None:
    # Every confirmation names a category now; "other" stands for "not CSAM, not NCII".
    body: dict[str, object] = {
        "decision": "confirm",
        "reason": "reviewed every item",
        "category": category or "other",
    }
    r = client.post(
        f"/v1/cases/{case_number}/decisions",
        json=body,
        headers={"authorization": f"Bearer {key}"},
    )
    assert r.status_code == 200, r.text


def case_id(db, case_number: str) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(select(Case.id).where(Case.number == case_number))


def wait_row(db, model, case: int, states: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """The legal row of a case once its job has brought it to one of `states`."""

    def check():  # type: ignore[no-untyped-def]
        with db.session() as session:
            row = session.scalar(select(model).where(model.case_id == case))
            return row if row is not None and row.state in states else None

    return wait_for(check, what=f"{model.__tablename__} in {states}")
