"""Hardened edges: security headers on every answer, a crash that keeps the connection, and
/docs served from local files (no CDN), under the same Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from takedown.config import Settings
from takedown.web.errors import KeepAliveOnCrash

CSP_HEADER = "Content-Security-Policy"
DOCS_ASSETS = "/docs/assets"
# Answers that may be cached: static files, which never carry a PIN or case data.
CACHEABLE = ("/static/", f"{DOCS_ASSETS}/")


def csp(*, img: Iterable[str] = (), media: Iterable[str] = (), script: Iterable[str] = ()) -> str:
    """The policy: everything from this origin only, no inline script or style, no framing.
    A page that must show one more source (a revealed item's media) names it here."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *img],
        "media-src": ["'self'", *media],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(v))}" for name, v in directives.items())


class SecurityHeaders:
    """Adds the security headers to every HTTP answer (a route's own CSP or Cache-Control
    is kept), and `Cache-Control: no-store` to all but static files."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.policy = csp()
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(CACHEABLE)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault(CSP_HEADER, self.policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                # same-origin, not no-referrer: with no-referrer a browser sends
                # `Origin: null` on our own form posts, and POST /report checks Origin.
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, sending)


def install(app: FastAPI, settings: Settings) -> None:
    """Call after the other middleware: these wrap it (headers outermost)."""
    app.add_middleware(KeepAliveOnCrash)
    app.add_middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    _local_docs(app)


def _local_docs(app: FastAPI) -> None:
    """Swagger UI from the pinned `swagger-ui-bundle-v2` wheel (swagger-ui-dist's files),
    with its one inline script allowed by hash, not by 'unsafe-inline'."""
    assets = Path(str(swagger_ui_bundle.swagger_ui_path))
    page = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        oauth2_redirect_url=None,
    )
    html = bytes(page.body)
    inline = re.findall(rb"<script>(.*?)</script>", html, flags=re.S)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline]
    policy = csp(script=hashes)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={CSP_HEADER: policy})

    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
