"""Login, sessions, CSRF, session fixation and brute force, over real HTTP."""

from __future__ import annotations

import httpx

from takedown.web.auth import COOKIE
from tests.console.helpers import csrf, login, make_user, post_login


def test_pages_need_a_login(live):
    with httpx.Client(base_url=live.url) as anonymous:
        for path in ("/queue", "/dashboard", "/admin/keys", "/me", "/cases/TD-AAAA-AAAA"):
            r = anonymous.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(live, db):
    user = make_user(db, "reviewer")
    with login(live.url, user) as client:
        cookie = client.cookies.jar
        assert any(c.name == COOKIE for c in cookie)
        r = post_login(client, user["username"])
        header = r.headers.get("set-cookie", "")
        assert "HttpOnly" in header and "SameSite=strict" in header.replace("Strict", "strict")
        assert client.get("/queue").status_code == 200
        client.post("/logout", data={"csrf": csrf(client)})
        client.cookies.clear()
        assert client.get("/queue").status_code == 303


def test_a_stolen_cookie_is_useless_after_logout(live, db):
    user = make_user(db, "reviewer")
    with login(live.url, user) as client:
        token = client.cookies.get(COOKIE)
        client.post("/logout", data={"csrf": csrf(client)})
    with httpx.Client(base_url=live.url, cookies={COOKIE: token}) as thief:
        assert thief.get("/queue").status_code == 303


def test_session_fixation_a_planted_cookie_is_replaced_at_login(live, db):
    user = make_user(db, "reviewer")
    with httpx.Client(base_url=live.url, cookies={COOKIE: "planted-by-attacker"}) as client:
        r = post_login(client, user["username"])
        assert r.status_code == 303
        issued = r.cookies.get(COOKIE)
        assert issued and issued != "planted-by-attacker"
    with httpx.Client(base_url=live.url, cookies={COOKIE: issued}) as owner:
        assert owner.get("/queue").status_code == 200
    with httpx.Client(base_url=live.url, cookies={COOKIE: "planted-by-attacker"}) as attacker:
        assert attacker.get("/queue").status_code == 303


def test_every_form_post_needs_the_csrf_token(live, db):
    user = make_user(db, "reviewer")
    with login(live.url, user) as client:
        r = client.post("/me", data={"blur": "1"})
        assert r.status_code == 403 and "csrf_failed" in r.text
        r = client.post("/me", data={"blur": "1", "csrf": "forged"})
        assert r.status_code == 403
        r = client.post("/me", data={"blur": "1", "csrf": csrf(client)})
        assert r.status_code == 303


def test_json_api_with_a_cookie_needs_the_csrf_header(live, db):
    user = make_user(db, "reviewer")
    with login(live.url, user) as client:
        r = client.post(
            "/v1/cases/TD-AAAA-AAAA/decisions", json={"decision": "dismiss", "reason": "x"}
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"


def test_unknown_users_and_wrong_passwords_look_the_same(live, db):
    user = make_user(db, "reviewer")
    with httpx.Client(base_url=live.url) as client:
        a = post_login(client, "nobody-here", "x" * 12)
        b = post_login(client, user["username"], "x" * 12)
    assert a.status_code == b.status_code == 401
    assert "Wrong username or password" in a.text and "Wrong username or password" in b.text


def test_open_redirect_is_refused(live, db):
    user = make_user(db, "reviewer")
    with httpx.Client(base_url=live.url) as client:
        r = post_login(client, user["username"], next="//evil.example/")
    assert r.headers["location"] == "/queue"
