"""The case page: everything a reviewer sees of one case, and the form state kept when a
post is refused (the decision, reason, items and message values they had chosen)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from takedown import cases, people
from takedown.cases import case_detail, claims, clocks, find_case, messages, notes
from takedown.db import Database, utcnow
from takedown.errors import TakedownError
from takedown.legal import requests_of
from takedown.people import NotInQueue
from takedown.web.auth import Caller, page_caller
from takedown.web.hardening import CSP_HEADER, csp
from takedown.web.pages.render import error_page, page

FREE_TEXT = "free_text"
# The form field a refusal is about -> the id the error summary links to.
FIELD_IDS = {
    "reason": "f-reason",
    "category": "f-category",
    "items": "f-items",
    "text": "f-free_text-text",
    "note": "f-note",
}


def see(caller: Caller, case: cases.Case) -> None:
    people.require(caller.user, people.READERS, "read cases")
    if not people.can_see_queue(caller.user, case.queue):
        raise NotInQueue("This case is not in your queues.")


def case_view(
    request: Request,
    ref: str,
    db: Database,
    *,
    revealed: int | None = None,
    preview: str | None = None,
    notice: str | None = None,
    error: TakedownError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            case = find_case(session, ref)
            see(caller, case)
        except TakedownError as exc:
            return error_page(request, exc, caller)
        context = _context(session, caller, case, revealed)
        context.update(
            preview=preview,
            notice=notice,
            error=error.message if error else None,
            error_field=error.field if error else None,
            error_target=FIELD_IDS.get(error.field or "") if error else None,
            form=form or {},
        )
        response = page(request, "case.html", context, status=error.status if error else 200)
    if revealed is not None:
        shown = next((i for i in context["detail"]["items"] if i["id"] == revealed), None)
        source = media_source(shown["media_url"] if shown else None)
        response.headers[CSP_HEADER] = csp(img=source, media=source)
    return response


def _rows(detail: dict[str, object], key: str) -> list[dict[str, Any]]:
    """One of case_detail's lists (reports, items, decisions...), each row a dict."""
    rows = detail[key]
    if not isinstance(rows, list):
        raise TypeError(f"case detail {key!r} is a {type(rows).__name__}, not a list")
    return rows


def _context(session, caller: Caller, case: cases.Case, revealed: int | None) -> dict[str, Any]:
    detail = case_detail(session, case, caller.user)
    holder = claims.holder(case)
    case_notes = notes.notes_of(session, case)
    return {
        "caller": caller,
        "case": case,
        "detail": detail,
        "revealed": revealed,
        "clock": clocks.clock(case, utcnow()),
        "holder": holder,
        "locked": holder is not None and holder != caller.user.id,
        "claim_until": case.claim_expires_at if holder else None,
        "media": people.media_defaults(caller.user),
        "templates": messages.templates(session),
        "categories": cases.service.CATEGORIES,
        "undecided": [i for i in _rows(detail, "items") if i["state"] in cases.PROTECTING],
        "take_it_down": requests_of(session, case.id),
        "notes": case_notes,
        "can_act": caller.user.role in people.DECIDERS,
        "names": people.names(
            session,
            [
                holder,
                *(d["reviewer_id"] for d in _rows(detail, "decisions")),
                *(n.author_id for n in case_notes),
            ],
        ),
    }


_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def media_source(url: str | None) -> list[str]:
    """The CSP source that lets the one revealed item load: its origin (a `data:` URL is
    allowed already for images, and named for video); nothing for anything odd."""
    if not url:
        return []
    if url[:5].lower() == "data:":
        return ["data:"]
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and _HOST.fullmatch(parts.netloc):
        return [f"{parts.scheme.lower()}://{parts.netloc}"]
    return []
