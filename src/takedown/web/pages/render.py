"""Jinja2 templates shared by every page, and the small helpers templates use."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from takedown import i18n
from takedown.cases import placeholders
from takedown.errors import TakedownError

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["placeholders"] = placeholders
# The reporter's pages are translated (gettext, see takedown.i18n); the language of the
# page being rendered is this context variable's (English for the console).
_locale: ContextVar[str] = ContextVar("takedown_locale", default=i18n.DEFAULT)
LANG_COOKIE = "td_lang"
YEAR_S = 365 * 24 * 3600


def _gettext(message: str) -> str:
    return i18n.translations(_locale.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(_locale.get()).ngettext(singular, plural, n)


templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=_gettext, ngettext=_ngettext, newstyle=True
)
# Text stored or configured (a stored update, a help resource): translated when the
# catalogue knows it, never formatted and never trusted as markup.
templates.env.filters["known"] = lambda text: _gettext(str(text)) if text else ""


def locale_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return i18n.negotiate(chosen, request.headers.get("accept-language"))


def public_page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A reporter's page in their language (?lang= > cookie > Accept-Language)."""
    locale = locale_of(request)
    token = _locale.set(locale)
    try:
        response = templates.TemplateResponse(
            request,
            name,
            {**context, "locale": locale, "languages": i18n.LANGUAGES},
            status_code=status,
            headers=headers,
        )
    finally:
        _locale.reset(token)
    response.headers["Content-Language"] = locale
    chosen = request.query_params.get("lang", "")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, chosen, max_age=YEAR_S, samesite="lax", httponly=True)
    return response


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, exc: TakedownError, caller: object = None) -> Response:
    return page(request, "error.html", {"error": exc, "caller": caller}, status=exc.status)
