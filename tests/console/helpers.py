"""Logging in as staff over real HTTP, and reading CSRF tokens from pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from takedown.people import create_user

PASSWORD = "correct horse battery staple"


def make_user(db, role: str, queues: list[str] | None = None, email: str | None = None) -> dict:
    name = f"{role}-{uuid.uuid4().hex[:8]}"
    with db.session() as session:
        new = create_user(session, name, role, password=PASSWORD, queues=queues, email=email)
        return {"username": name, "api_key": new.api_key, "id": new.user.id, "role": role}


def post_login(
    client: httpx.Client, username: str, password: str = PASSWORD, **fields: str
) -> httpx.Response:
    """Post the login form as a browser does: with the token of the form it was shown."""
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    data = {"username": username, "password": password, "csrf": token.group(1), **fields}
    return client.post("/login", data=data)


@contextmanager
def login(base_url: str, user: dict) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30, follow_redirects=False) as client:
        r = post_login(client, user["username"], next="/queue")
        assert r.status_code == 303, r.text
        yield client


def csrf(client: httpx.Client, path: str = "/me") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)
