"""Small helpers for the reporter's side: reports, their rows, a platform's own host."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from takedown.cases import Case, CaseUpdate
from takedown.cases.models import Report
from takedown.enforcement.models import WebhookDelivery
from tests.e2e.helpers import uid


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def as_client(name: str) -> dict[str, str]:
    return {"x-forwarded-for": name}


def register(client: httpx.Client, key: str, host: str, content_id: str | None = None) -> str:
    """Register a post on the platform's own host; its id."""
    content_id = content_id or uid("post")
    body = {
        "id": content_id,
        "author_id": uid("poster"),
        "url": f"https://{host}/p/{content_id}",
        "media_type": "video",
    }
    r = client.post("/v1/content", json=body, headers=auth(key))
    assert r.status_code == 200, r.text
    return content_id


def visibility(client: httpx.Client, key: str, content_id: str) -> str:
    r = client.post(f"/v1/content/{content_id}/views", json={"count": 1}, headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()["visibility"]


def child_report(client: httpx.Client, content: list[str], **fields: object) -> httpx.Response:
    body: dict[str, object] = {
        "content": content,
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "age_at_time": 13,
    }
    # Each report from its own client unless told: one client's reports naming nothing
    # registered open at most `client_unresolved_cases` cases an hour.
    headers = fields.pop("headers", None) or as_client(uid("reporter"))
    body.update(fields)
    return client.post("/v1/reports", json=body, headers=headers)  # type: ignore[arg-type]


def reports_of(db, case_number: str) -> list[Report]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.scalars(
            select(Report)
            .join(Case, Case.id == Report.case_id)
            .where(Case.number == case_number)
            .order_by(Report.id)
        )
        reports = list(rows)
        session.expunge_all()
        return reports


def deliveries_for(db, report_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    keys = [f"report:{rid}" for rid in report_ids]
    with db.session() as session:
        return session.scalar(select(func.count()).where(WebhookDelivery.item_key.in_(keys)))  # type: ignore[return-value]


def thread_of(db, report_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(
            session.scalars(
                select(CaseUpdate.message)
                .where(CaseUpdate.report_id == report_id)
                .order_by(CaseUpdate.id)
            )
        )
