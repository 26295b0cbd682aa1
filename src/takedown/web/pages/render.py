"""Jinja2 templates shared by every page, and the small helpers templates use."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from takedown.cases.messages import placeholders
from takedown.errors import TakedownError

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["placeholders"] = placeholders


def page(request: Request, name: str, context: dict[str, object], status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, exc: TakedownError, caller: object = None) -> Response:
    return page(request, "error.html", {"error": exc, "caller": caller}, status=exc.status)
