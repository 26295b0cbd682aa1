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


@contextmanager
def login(base_url: str, user: dict) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30, follow_redirects=False) as client:
        r = client.post(
            "/login", data={"username": user["username"], "password": PASSWORD, "next": "/queue"}
        )
        assert r.status_code == 303, r.text
        yield client


def csrf(client: httpx.Client, path: str = "/me") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)
