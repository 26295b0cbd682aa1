"""Console logins: a CSRF token on the form, wrong passwords counted per client (that client
pauses) and per username (each login for it slowed, never refused), and one answer, after
one argon2 check, for an unknown user and a wrong password. Over real HTTP, on a server of
their own with small limits."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from takedown import people
from takedown.people import service as people_service
from takedown.web.auth import COOKIE, LOGIN_COOKIE
from takedown.web.live import LiveServer
from tests.console.helpers import PASSWORD, make_user, post_login

CLIENT_LIMIT = 3
USER_LIMIT = 6
SLOW_S = 1.0


@pytest.fixture(scope="module")
def limited(settings, db) -> Iterator[tuple[LiveServer, object]]:  # type: ignore[no-untyped-def]
    from takedown.web.app import create_app

    small = settings.model_copy(
        update={
            "login_client_failures": CLIENT_LIMIT,
            "login_user_failures": USER_LIMIT,
            "login_slow_seconds": SLOW_S,
        }
    )
    with LiveServer(create_app(small, db=db, run_worker=False)) as server:
        yield server, small


def _client(server: LiveServer) -> httpx.Client:
    """A browser of its own: its own cookies and its own address (x-forwarded-for)."""
    who = {"x-forwarded-for": f"client-{uuid.uuid4().hex}"}
    return httpx.Client(base_url=server.url, headers=who, timeout=30)


def _page(response: httpx.Response, username: str) -> str:
    """The page without what differs by design: the name typed and the browser's token."""
    text = response.text.replace(username, "NAME")
    return re.sub(r'name="csrf" value="[^"]+"', 'name="csrf" value="TOKEN"', text)


def test_the_login_form_needs_its_token(live, db):
    user = make_user(db, "reviewer")
    with httpx.Client(base_url=live.url, timeout=30) as browser:
        form = browser.get("/login")
        assert browser.cookies.get(LOGIN_COOKIE)
        assert "HttpOnly" in form.headers["set-cookie"]
        bare = {"username": user["username"], "password": PASSWORD}
        r = browser.post("/login", data=bare)
        assert r.status_code == 403 and "did not come from this site" in r.text
        assert COOKIE not in r.cookies
        r = browser.post("/login", data={**bare, "csrf": "forged"})
        assert r.status_code == 403
    # A token shown to one browser is worth nothing in another (no cookie to match).
    with httpx.Client(base_url=live.url, timeout=30) as victim:
        with httpx.Client(base_url=live.url, timeout=30) as attacker:
            token = attacker.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
        r = victim.post("/login", data={**bare, "csrf": token})
        assert r.status_code == 403
        assert post_login(victim, user["username"]).status_code == 303


def test_wrong_passwords_pause_that_client_never_the_account(limited, db):
    server, _ = limited
    user = make_user(db, "reviewer")
    with _client(server) as attacker:
        for _ in range(CLIENT_LIMIT):
            assert post_login(attacker, user["username"], "wrong password!").status_code == 401
        r = post_login(attacker, user["username"])  # even the right password, from here
        assert r.status_code == 429 and "Too many failed logins" in r.text
        assert int(r.headers["retry-after"]) > 0
        r = post_login(attacker, f"other-{uuid.uuid4().hex[:6]}")  # and any other name
        assert r.status_code == 429
    with _client(server) as owner:
        r = post_login(owner, user["username"])
        assert r.status_code == 303, r.text


def test_hammering_a_username_slows_it_but_its_owner_still_gets_in(limited, db):
    server, settings = limited
    user = make_user(db, "reviewer")
    bystander = make_user(db, "reviewer")
    for _ in range(USER_LIMIT // 2):  # a botnet: every client stays under its own limit
        with _client(server) as bot:
            for _ in range(2):
                assert post_login(bot, user["username"], "guess guess guess").status_code == 401
    with db.session() as session:
        assert people.login_delay(session, settings, user["username"]) == SLOW_S
        assert people.login_delay(session, settings, bystander["username"]) == 0
    with _client(server) as owner:
        started = time.monotonic()
        r = post_login(owner, user["username"])
        waited = time.monotonic() - started
    assert r.status_code == 303, r.text
    assert waited >= SLOW_S  # slowed, not refused
    with _client(server) as bot:
        started = time.monotonic()
        r = post_login(bot, user["username"], "still guessing")
        assert r.status_code == 401 and time.monotonic() - started >= SLOW_S


def test_an_unknown_user_and_a_wrong_password_look_and_cost_the_same(limited, db, monkeypatch):
    server, _ = limited
    user = make_user(db, "reviewer")
    checks: list[str] = []
    real = people_service._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            checks.append(hash_)
            return real.verify(hash_, password)

        def hash(self, password: str) -> str:
            return real.hash(password)

    people_service._dummy_hash()  # made once per process, before counting
    monkeypatch.setattr(people_service, "_hasher", Counting())
    nobody = f"nobody-{uuid.uuid4().hex[:8]}"
    answers = []
    for name in (nobody, user["username"]):
        with _client(server) as browser:
            answers.append(post_login(browser, name, "x" * 12))
    unknown, wrong = answers
    assert unknown.status_code == wrong.status_code == 401
    assert _page(unknown, nobody) == _page(wrong, user["username"])
    assert sorted(unknown.headers) == sorted(wrong.headers)
    assert len(checks) == 2 and all(h.startswith("$argon2") for h in checks)
    # An unknown name's failures count against the client as a wrong password's do.
    with _client(server) as browser:
        for _ in range(CLIENT_LIMIT):
            assert post_login(browser, nobody, "x" * 12).status_code == 401
        assert post_login(browser, user["username"]).status_code == 429
