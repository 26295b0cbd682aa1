"""Refuse oversized bodies before they are read into memory, and JSON that would make the
parser recurse too deep or build integers of thousands of digits (a RecursionError or
Python's int-str ValueError: a 500 otherwise), before any route parses it."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("takedown.web")

JSON_MAX_DEPTH = 64
JSON_MAX_DIGITS = 100
# A string to its closing quote, or to the end when it has none; possessive, so that no
# input makes the scan backtrack (and it never restarts inside a string): linear time.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.S)
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (JSON_MAX_DIGITS + 1))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_FORMS = (b"multipart/", b"application/x-www-form-urlencoded")


def json_problem(body: bytes) -> str | None:
    """Why this JSON text must not reach a parser (nesting or a number too large), or None.

    Strings are set aside first, so brackets and digits inside them do not count; what is
    left is checked with C-speed scans, whatever the size of the body."""
    bare = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(bare):
        return f"A number in the JSON has more than {JSON_MAX_DIGITS} digits."
    only_brackets = bare.translate(None, _NOT_BRACKETS)
    if len(only_brackets) > JSON_MAX_DEPTH:  # fewer cannot nest deeper (most bodies)
        brackets = np.frombuffer(only_brackets, dtype=np.uint8)
        steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
        if int(np.cumsum(steps, dtype=np.int64).max()) > JSON_MAX_DEPTH:
            return f"The JSON is nested more than {JSON_MAX_DEPTH} levels deep."
    return None


def json_refusal(problem: str, field: str = "body") -> dict[str, object]:
    return {"error": {"code": "invalid_input", "message": problem, "field": field}}


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_bytes: int = 0,
        upload_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        # Anything not a form may be parsed as JSON (FastAPI parses a body without a type
        # as JSON too): read it whole, up to the limit, check it, then replay it.
        maybe_json = not headers.get(b"content-type", b"").lower().startswith(_FORMS)
        if declared is not None and not maybe_json:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await self._refuse(scope, send, limit)
                return
            if not message.get("more_body"):
                break
        problem = json_problem(bytes(body)) if maybe_json and body else None
        if problem is not None:
            log.warning("422 invalid_input %s %s: %s", scope.get("method"), scope["path"], problem)
            await _answer(send, 422, json_refusal(problem))
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _limit_for(self, scope: Scope) -> int:
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if scope["path"] in self.upload_paths and content_type.startswith(b"multipart/"):
            return self.upload_bytes
        return self.default_bytes

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        log.warning("413 body_too_large %s %s", scope.get("method"), scope.get("path"))
        error = {"code": "body_too_large", "message": f"Request body over {limit} bytes."}
        await _answer(send, 413, {"error": error})


async def _answer(send: Send, status: int, payload: dict[str, object]) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
