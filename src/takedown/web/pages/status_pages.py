"""The reporter's private status page: their own report's thread, what was done to the
content, and their answers (reply, another review, withdraw). The case number and PIN open
it once; then an encrypted cookie scoped to /status keeps it open for half an hour, and
every action posts back and redirects (post/redirect/get)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from takedown import intake
from takedown.errors import TakedownError
from takedown.i18n import N_
from takedown.intake import conversation
from takedown.web.clients import client_key, from_other_site
from takedown.web.deps import DatabaseDep, SettingsDep
from takedown.web.pages import sealed
from takedown.web.pages.form_errors import CROSS_SITE
from takedown.web.pages.render import public_page

router = APIRouter(include_in_schema=False)
CONFIRM_WITHDRAW = N_("Tick the box to confirm that you want to withdraw your report.")


@router.get("/status", response_class=HTMLResponse)
def status_form(
    request: Request, db: DatabaseDep, settings: SettingsDep, case: str = ""
) -> Response:
    opened = sealed.get(settings, request, sealed.STATUS)
    if opened is None:
        return public_page(request, "status.html", {"case_number": case})
    return _show(request, db, settings, opened["case_number"], opened["pin"])


@router.post("/status", response_class=HTMLResponse)
def status_open(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    case_number: Annotated[str, Form(max_length=100)] = "",
    pin: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if from_other_site(settings, request):  # nobody opens a case in someone else's browser
        context = {"case_number": "", "error": CROSS_SITE["message"]}
        return public_page(request, "status.html", context, 403)
    try:
        with db.session() as session:
            case, _ = intake.reporter_of(
                session, settings, case_number, pin, client=client_key(settings, request)
            )
    except TakedownError as exc:
        context = {"case_number": case_number, "error": exc.message}
        return public_page(request, "status.html", context, exc.status, exc.headers())
    response = RedirectResponse("/status", status_code=303)
    sealed.put(settings, response, sealed.STATUS, {"case_number": case.number, "pin": pin.strip()})
    return response


@router.post("/status/close", response_class=HTMLResponse)
def status_close() -> Response:
    response = RedirectResponse("/status", status_code=303)
    sealed.drop(response, sealed.STATUS)
    return response


@router.post("/status/reply", response_class=HTMLResponse)
def status_reply(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    reply: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    return _act(
        request,
        db,
        settings,
        lambda s, c, p, k: conversation.reply(s, settings, c, p, reply, client=k),
    )


@router.post("/status/rereview", response_class=HTMLResponse)
def status_rereview(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    statement: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    return _act(
        request,
        db,
        settings,
        lambda s, c, p, k: conversation.rereview(s, settings, c, p, statement, client=k),
    )


@router.post("/status/withdraw", response_class=HTMLResponse)
def status_withdraw(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if confirm != "yes":
        opened = sealed.get(settings, request, sealed.STATUS)
        if opened is None:
            return RedirectResponse("/status", status_code=303)
        return _show(
            request, db, settings, opened["case_number"], opened["pin"], CONFIRM_WITHDRAW, 422
        )
    return _act(
        request, db, settings, lambda s, c, p, k: conversation.withdraw(s, settings, c, p, client=k)
    )


def _act(request: Request, db, settings, action) -> Response:
    """Run `action(session, case_number, pin, client)` for the opened case, then show it."""
    opened = sealed.get(settings, request, sealed.STATUS)
    if opened is None:
        return RedirectResponse("/status", status_code=303)  # expired: open it again
    case_number, pin = opened["case_number"], opened["pin"]
    if from_other_site(settings, request):
        return _show(request, db, settings, case_number, pin, CROSS_SITE["message"], 403)
    try:
        with db.session() as session:
            action(session, case_number, pin, client_key(settings, request))
    except TakedownError as exc:
        return _show(request, db, settings, case_number, pin, exc.message, exc.status)
    return RedirectResponse("/status#updates", status_code=303)


def _show(
    request: Request,
    db,
    settings,
    case_number: str,
    pin: str,
    error: str = "",
    status: int = 200,
) -> Response:
    client = client_key(settings, request)
    try:
        with db.session() as session:
            found = intake.reporter_view(session, settings, case_number, pin, client=client)
    except TakedownError as exc:
        response = public_page(request, "status.html", {"error": exc.message}, exc.status)
        sealed.drop(response, sealed.STATUS)
        return response
    context = {"view": found, "error": error, "help": settings.help_resources}
    return public_page(request, "status.html", context, status)
