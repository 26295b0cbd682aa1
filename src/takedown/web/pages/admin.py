"""Supervisors' dashboard and admins' platform API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from takedown import people, platforms
from takedown.errors import InvalidInput, TakedownError
from takedown.reporting import bars, dashboard_figures
from takedown.web.auth import check_csrf, page_caller
from takedown.web.deps import DatabaseDep
from takedown.web.pages.render import error_page, page

router = APIRouter(include_in_schema=False)
DASHBOARD_ROLES = ("supervisor", "admin", "auditor")


@router.get("/dashboard")
def dashboard(request: Request, db: DatabaseDep) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            people.require(caller.user, DASHBOARD_ROLES, "see the dashboard")
        except TakedownError as exc:
            return error_page(request, exc, caller)
        data = dashboard_figures(session)
    days = data["per_day"]
    if not isinstance(days, list):
        raise TypeError(f"dashboard per_day is a {type(days).__name__}, not a list")
    charts = {
        "reports": bars("Reports per day", {d["day"]: d["reports"] for d in days}),
        "views": bars(
            "Views after the first report, by day of report",
            {d["day"]: d["views_after_report"] for d in days},
        ),
    }
    return page(request, "dashboard.html", {"caller": caller, "data": data, "charts": charts})


@router.get("/admin/keys")
def keys_page(request: Request, db: DatabaseDep) -> Response:
    return _keys(request, db)


def _keys(request: Request, db, new_secret: str | None = None) -> Response:
    with db.session() as session:
        caller = page_caller(session, request)
        try:
            people.require(caller.user, ("admin",), "manage API keys")
        except TakedownError as exc:
            return error_page(request, exc, caller)
        return page(
            request,
            "keys.html",
            {
                "caller": caller,
                "keys": platforms.keys(session),
                "platforms": platforms.list_platforms(session),
                "scopes": platforms.SCOPES,
                "new_secret": new_secret,
            },
        )


@router.post("/admin/keys")
async def create_key(request: Request, db: DatabaseDep) -> Response:
    form = await request.form()
    scopes = [str(s) for s in form.getlist("scopes")]
    try:
        with db.session() as session:
            caller = page_caller(session, request)
            check_csrf(caller, str(form.get("csrf", "")))
            people.require(caller.user, ("admin",), "manage API keys")
            raw_id = str(form.get("platform_id", ""))
            if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 10):
                raise InvalidInput("Choose a platform.", field="platform_id")
            platform = platforms.get_platform(session, int(raw_id))
            new = platforms.create_key(
                session,
                platform,
                str(form.get("name", "key")),
                scopes,
                created_by=f"user:{caller.user.username}",
            )
            secret = new.secret
    except TakedownError as exc:
        return error_page(request, exc)
    return _keys(request, db, new_secret=secret)


@router.post("/admin/keys/{key_id}/revoke")
def revoke_key(
    request: Request, key_id: int, db: DatabaseDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    try:
        with db.session() as session:
            caller = page_caller(session, request)
            check_csrf(caller, csrf)
            people.require(caller.user, ("admin",), "manage API keys")
            platforms.revoke_key(session, key_id, f"user:{caller.user.username}")
    except TakedownError as exc:
        return error_page(request, exc)
    return RedirectResponse("/admin/keys", status_code=303)
