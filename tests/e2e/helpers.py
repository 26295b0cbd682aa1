"""Small clients for the public API, as a platform and a reporter would call it."""

from __future__ import annotations

import uuid

import httpx


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post_content(
    client: httpx.Client, key: str, content_id: str, author: str, repost_of: str | None = None
) -> dict:
    body = {
        "id": content_id,
        "author_id": author,
        "url": f"https://example.social/p/{content_id}",
        "media_type": "video",
    }
    if repost_of:
        body["repost_of"] = repost_of
    r = client.post("/v1/content", json=body, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return r.json()


def report(
    client: httpx.Client,
    content: list[str],
    headers: dict[str, str] | None = None,
    **fields: object,
) -> httpx.Response:
    body = {
        "content": content,
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "age_at_time": 13,
        "statement": "This is me. I was 13.",
    }
    body.update(fields)
    return client.post("/v1/reports", json=body, headers=headers)


def parent_with_police(
    client: httpx.Client, content: list[str], headers: dict[str, str] | None = None
) -> httpx.Response:
    """A genuine report with every detail: a parent, the child's age, a police case number
    and a contact."""
    return report(
        client,
        content,
        headers=headers,
        reporter_role="parent_guardian",
        law_enforcement_case_number="PD-2020-0113",
        contact="parent@example.org",
    )


def status(client: httpx.Client, case_number: str, pin: str) -> dict:
    r = client.get(f"/v1/reports/{case_number}", headers={"x-report-pin": pin})
    assert r.status_code == 200, r.text
    return r.json()


def decide(
    client: httpx.Client,
    key: str,
    case_number: str,
    decision: str,
    reason: str = "reviewed all items",
    category: str | None = None,
) -> httpx.Response:
    body = {"decision": decision, "reason": reason}
    if decision == "confirm":
        body["category"] = category or "csam_a1"
    return client.post(
        f"/v1/cases/{case_number}/decisions",
        json=body,
        headers={"authorization": f"Bearer {key}"},
    )


def seed_family(client: httpx.Client, key: str) -> dict[str, str]:
    """An original video, a repost, a repost of the repost, and an unrelated post."""
    ids = {name: uid(name) for name in ("video", "repost1", "repost2", "other")}
    author = uid("poster")
    post_content(client, key, ids["video"], author)
    post_content(client, key, ids["repost1"], uid("fan"), repost_of=ids["video"])
    post_content(client, key, ids["repost2"], uid("fan"), repost_of=ids["repost1"])
    post_content(client, key, ids["other"], author)
    ids["author"] = author
    return ids
