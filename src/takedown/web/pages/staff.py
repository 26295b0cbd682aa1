"""The review console: login, the queue, the case page, decisions, reporter messages."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from takedown import audit, cases, fingerprints, people, triage
from takedown.cases import (
    ClaimedByOther,
    claims,
    clocks,
    find_case,
    item_media,
    listing,
    messages,
    notes,
    search_cases,
)
from takedown.config import Settings
from takedown.db import Database, utcnow
from takedown.errors import NotFound, TakedownError
from takedown.legal import media as media_fetch
from takedown.legal import request_case_ids, with_requests
from takedown.web.auth import (
    COOKIE,
    Caller,
    check_csrf,
    check_login_csrf,
    login_csrf,
    login_nonce,
    page_caller,
    set_login_cookie,
    set_session_cookie,
)
from takedown.web.clients import client_key
from takedown.web.deps import DatabaseDep, SettingsDep
from takedown.web.pages.case_page import FREE_TEXT, case_view, see
from takedown.web.pages.render import error_page, page

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form()]


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str = "/queue") -> Response:
    return _login_page(request, settings, next)


@router.post("/login")
async def login(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    try:
        check_login_csrf(settings, request, csrf)
    except TakedownError as exc:
        return _login_page(request, settings, next, exc, username)
    name, client = username.strip(), client_key(settings, request)
    # A username guessed too often is slowed here, on the event loop: no thread waits.
    delay = await run_in_threadpool(_login_delay, db, settings, name)
    if delay:
        await asyncio.sleep(delay)

    def work() -> str:
        with db.session() as session:
            people.logout(session, request.cookies.get(COOKIE))  # no session fixation
            return people.login(session, settings, name, password, client)[1]

    try:
        token = await run_in_threadpool(work)
    except TakedownError as exc:
        return _login_page(request, settings, next, exc, username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, token, secure=settings.public_url.startswith("https://"))
    return response


def _login_delay(db: Database, settings: Settings, username: str) -> float:
    with db.session() as session:
        return people.login_delay(session, settings, username)


def _login_page(
    request: Request,
    settings: Settings,
    next: str,
    error: TakedownError | None = None,
    username: str = "",
) -> Response:
    nonce, new = login_nonce(request)
    context = {
        "next": _safe_next(next),
        "error": error.message if error else None,
        "username": username,
        "csrf": login_csrf(settings, nonce),
    }
    response = page(request, "login.html", context, status=error.status if error else 200)
    if error is not None:
        response.headers.update(error.headers())
    if new:
        set_login_cookie(response, nonce, secure=settings.public_url.startswith("https://"))
    return response


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/queue"


@router.post("/logout")
def logout(request: Request, db: DatabaseDep, csrf: Csrf = "") -> Response:
    with db.session() as session:
        check_csrf(page_caller(session, request), csrf)
        people.logout(session, request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


PAGE_SIZE = 50


@router.get("/queue")
def queue_page(
    request: Request,
    db: DatabaseDep,
    page_no: int = Query(1, alias="page"),
    view: str = "open",
    q: str = Query("", max_length=500),
) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            people.require(caller.user, people.READERS, "read cases")
        except TakedownError as exc:
            return error_page(request, exc, caller)
        now = utcnow()
        view = view if view in listing.VIEWS else "open"
        page_no = min(max(page_no, 1), 100_000)
        found = _cases_for(session, caller, view, q, page_no)
        rows = [(c, clocks.clock(c, now), claims.holder(c)) for c in found.cases]
        names = people.names(session, (holder for _, _, holder in rows))
        supervising = caller.user.role in ("supervisor", "admin")
        context = {
            "caller": caller,
            "rows": rows,
            "names": names,
            "total": found.total,
            "page_no": page_no,
            "pages": max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            "first": found.offset + 1,
            "view": view,
            "views": listing.VIEWS,
            "q": q.strip(),
            "take_it_down": with_requests(session, [c.id for c, _, _ in rows]),
            "bursts": triage.bursts.list_bursts(session) if supervising and view == "open" else [],
        }
        return page(request, "queue.html", context)


def _cases_for(session, caller: Caller, view: str, q: str, page_no: int) -> cases.QueuePage:
    queues, offset = caller.user.queues, (page_no - 1) * PAGE_SIZE
    if q.strip():
        found = search_cases(session, q, queues)
        return cases.QueuePage(found, len(found), 0, len(found))
    if view == "open":
        return cases.queue(session, queues, limit=PAGE_SIZE, offset=offset)
    among = request_case_ids() if view == "take_it_down" else None
    return listing.case_list(session, view, queues, among=among, limit=PAGE_SIZE, offset=offset)


@router.post("/bursts/{burst_id}/{action}")
def burst_action(
    request: Request,
    burst_id: int,
    action: str,
    db: DatabaseDep,
    csrf: Csrf = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            check_csrf(caller, csrf)
            people.require(caller.user, ("supervisor", "admin"), "decide bursts")
            decide_burst(session, burst_id, action, caller.user, note)
        except TakedownError as exc:
            return error_page(request, exc, caller)
    return RedirectResponse("/queue", status_code=303)


def decide_burst(session, burst_id: int, action: str, user, note: str):
    if action == "release":
        return triage.bursts.release(session, burst_id, user, note)
    if action == "accept":
        return triage.bursts.accept(session, burst_id, user, note)
    raise NotFound(f"No burst action {action!r}.")


@router.get("/cases/{ref}")
def case_page(request: Request, ref: str, db: DatabaseDep, notice: str = "") -> Response:
    return case_view(request, ref, db, notice=NOTICES.get(notice))


NOTICES = {
    "noted": "Note saved.",
    "no_next": "Decision recorded. Nothing else is waiting in your queues.",
}


@router.get("/cases/{ref}/items/{item_id}/preview")
async def item_preview(
    request: Request, ref: str, item_id: int, db: DatabaseDep, settings: SettingsDep
) -> Response:
    """A small blurred (and greyscale, per the reviewer's settings) JPEG of an image item,
    made here from the platform's media through the SSRF-safe fetcher: the page shows it
    until a logged reveal, and the browser never gets the full picture before that."""

    def find() -> tuple[tuple[str, str] | None, dict[str, bool]]:
        with db.session() as session:
            caller = page_caller(session, request)
            case = find_case(session, ref)
            see(caller, case)
            return item_media(session, case, item_id), people.media_defaults(caller.user)

    try:
        found, prefs = await run_in_threadpool(find)
    except TakedownError as exc:
        return Response(status_code=exc.status)
    if found is None or found[1] != "image":
        return Response(status_code=404)
    data = await run_in_threadpool(
        media_fetch.load,
        found[0],
        settings.max_upload_bytes,
        timeout=10.0,
        allow_private=settings.media_fetch_private_hosts,
    )
    if data is None:
        return Response(status_code=404)
    try:
        jpeg = await run_in_threadpool(
            fingerprints.blurred_preview, data, blur=prefs["blur"], greyscale=prefs["greyscale"]
        )
    except fingerprints.FingerprintError:
        return Response(status_code=404)
    return Response(jpeg, media_type="image/jpeg")


@router.post("/cases/{ref}/claim")
def claim(request: Request, ref: str, db: DatabaseDep, csrf: Csrf = "") -> Response:
    return _act(request, ref, db, csrf, lambda s, c, case: claims.claim(s, case.id, c.user))


@router.post("/cases/{ref}/reveal/{item_id}")
def reveal(request: Request, ref: str, item_id: int, db: DatabaseDep, csrf: Csrf = "") -> Response:
    """Show one item unblurred, once, to this reviewer; the reveal is audited."""
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            check_csrf(caller, csrf)
            case = find_case(session, ref)
            see(caller, case)
            people.require(caller.user, people.DECIDERS, "reveal media")
        except TakedownError as exc:
            return error_page(request, exc, caller)
        audit.record(
            session,
            "media.revealed",
            actor=f"user:{caller.user.username}",
            subject_type="case",
            subject_id=case.id,
            data={"content_id": item_id},
        )
    return case_view(request, ref, db, revealed=item_id)


@router.post("/cases/{ref}/decide")
def decide(
    request: Request,
    ref: str,
    db: DatabaseDep,
    csrf: Csrf = "",
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    items: Annotated[list[int] | None, Form()] = None,
    selecting: Annotated[str, Form()] = "",
    then: Annotated[str, Form()] = "",
) -> Response:
    engine = request.app.state.matcher
    chosen = (items or []) if selecting else items
    kept = {"decision": decision, "reason": reason, "category": category, "items": chosen}
    following: list[str] = []

    def work(session, caller: Caller, case: cases.Case) -> None:
        people.require_decider(caller.user)
        cases.decide(
            session,
            case.id,
            caller.user,
            decision,
            reason,
            category or None,
            engine=engine,
            content_ids=chosen,
        )
        if then == "next":
            following.append(_next_case(session, caller, case))

    response = _act(request, ref, db, csrf, work, form=kept)
    engine.sync_now()
    if following and response.status_code == 303:
        return RedirectResponse(following[0], status_code=303)
    return response


def _next_case(session, caller: Caller, case: cases.Case) -> str:
    """Where "decide and open next case" goes: the next free case, claimed for this reviewer."""
    second = caller.user.role in people.SPECIALISTS
    found = listing.next_case(
        session, caller.user.queues, caller.user.id, case.id, second_reviews=second
    )
    if found is None:
        return f"/cases/{case.number}?notice=no_next"
    try:
        claims.claim(session, found.id, caller.user)
    except ClaimedByOther:  # taken a moment ago: the decision stands, the queue is next
        return "/queue"
    return f"/cases/{found.number}"


@router.post("/cases/{ref}/message")
async def message(request: Request, ref: str, db: DatabaseDep, settings: SettingsDep) -> Response:
    form = await request.form()
    kept = {k: str(v) for k, v in form.items() if k != "csrf"}
    values = {k[6:]: v for k, v in kept.items() if k.startswith("value_")}
    name, action = kept.get("template", ""), kept.get("action", "preview")

    def work() -> Response:
        with db.session() as session:
            caller = page_caller(session, request)
            try:
                check_csrf(caller, str(form.get("csrf", "")))
                case = find_case(session, ref)
                see(caller, case)
                people.require_decider(caller.user)
                text = _message_text(session, case, name, values, kept.get("text", ""))
                if action == "send":
                    messages.send(
                        session,
                        settings,
                        case,
                        text,
                        actor=f"user:{caller.user.username}",
                        report_id=_report_id(kept.get("report_id", "")),
                    )
            except TakedownError as exc:
                return case_view(request, ref, db, error=exc, form=kept)
        if action == "send":
            return case_view(request, ref, db, notice="Message sent to the reporter.")
        return case_view(request, ref, db, preview=text, form=kept)

    return await run_in_threadpool(work)


def _message_text(session, case: cases.Case, name: str, values: dict, text: str) -> str:
    if name == FREE_TEXT:
        return messages.free_text(text)
    body = messages.template(session, name).body
    return messages.render(body, {"case_number": case.number, **values})


def _report_id(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _act(request: Request, ref: str, db, csrf: str, work, form=None) -> Response:
    """Run `work` in one transaction; on a refusal nothing of it is kept but the form."""
    try:
        with db.session() as session:
            caller = page_caller(session, request)
            check_csrf(caller, csrf)
            case = find_case(session, ref)
            see(caller, case)
            people.require_decider(caller.user)
            work(session, caller, case)
            number = case.number
    except TakedownError as exc:
        return case_view(request, ref, db, error=exc, form=form)
    return RedirectResponse(f"/cases/{number}", status_code=303)


@router.post("/cases/{ref}/notes")
def add_note(
    request: Request,
    ref: str,
    db: DatabaseDep,
    csrf: Csrf = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """An internal note: staff who decide cases write them; the note is audited."""

    def work(session, caller: Caller, case: cases.Case) -> None:
        notes.add_note(session, case, caller.user, note)

    response = _act(request, ref, db, csrf, work, form={"note": note})
    if response.status_code == 303:
        response.headers["location"] += "?notice=noted#notes"
    return response


@router.get("/me")
def me(request: Request, db: DatabaseDep, saved: bool = False) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        return page(
            request,
            "me.html",
            {"caller": caller, "saved": saved, "media": people.media_defaults(caller.user)},
        )


@router.post("/me")
def save_me(
    request: Request,
    db: DatabaseDep,
    csrf: Csrf = "",
    blur: Annotated[str, Form()] = "",
    greyscale: Annotated[str, Form()] = "",
    mute: Annotated[str, Form()] = "",
) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            check_csrf(caller, csrf)
        except TakedownError as exc:
            return error_page(request, exc, caller)
        people.set_preferences(
            session, caller.user, blur=bool(blur), greyscale=bool(greyscale), mute=bool(mute)
        )
    return RedirectResponse("/me?saved=1", status_code=303)
