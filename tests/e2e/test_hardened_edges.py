"""Hardened edges over real HTTP: JSON that would crash a parser, keep-alive after errors,
security headers, /docs from local files, the report form's Origin check, /metrics' token
and the production check's spelling."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pydantic
import pytest
from sqlalchemy import select

from takedown.config import Settings
from takedown.platforms import ContentItem
from takedown.web.live import LiveServer
from tests.conftest import METRICS_TOKEN
from tests.e2e.helpers import report, seed_family

DEEP = 10_000
NESTED = {
    "lists": b"[" * DEEP + b"]" * DEEP,
    "objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "inside a field": b'{"id": "x", "author_id": "y", "hashes": '
    + b"[" * DEEP
    + b"]" * DEEP
    + b"}",
}
HUGE_INT = b"9" * 5_000
HUGE = {
    "top level": b'{"id": "x", "author_id": "y", "count": ' + HUGE_INT + b"}",
    "nested": b'{"id": "x", "author_id": "y", "hashes": {"pdq": [' + HUGE_INT + b"]}}",
    "negative, in a list": b'{"content": ["x"], "age_at_time": -' + HUGE_INT + b"}",
    "with an exponent": b'{"content": [' + HUGE_INT + b"e5]}",
}
JSON_ROUTES = ("/v1/content", "/v1/check", "/v1/reports")


def _invalid(response: httpx.Response, field: str = "body") -> dict:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field, error
    return error


def _as_platform(platform: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {platform['api_key']}", "content-type": "application/json"}


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize("shape", list(NESTED))
def test_deeply_nested_json_is_a_clear_422(client, platform, route, shape):
    r = client.post(route, content=NESTED[shape], headers=_as_platform(platform))
    assert "nested more than 64" in _invalid(r)["message"]


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize("where", list(HUGE))
def test_integers_of_thousands_of_digits_are_a_clear_422(client, platform, route, where):
    r = client.post(route, content=HUGE[where], headers=_as_platform(platform))
    assert "more than 100 digits" in _invalid(r)["message"]


def test_a_body_without_a_content_type_is_checked_too(client):
    r = client.post("/v1/reports", content=NESTED["lists"])
    _invalid(r)


@pytest.mark.parametrize("route", ("/v1/content", "/v1/check"))
def test_multipart_metadata_is_checked_like_a_body(client, platform, route):
    key = {"authorization": f"Bearer {platform['api_key']}"}
    for bad, problem in ((NESTED["lists"], "nested"), (HUGE["top level"], "digits")):
        r = client.post(
            route, data={"metadata": bad.decode()}, files={"media": ("a.jpg", b"x")}, headers=key
        )
        assert problem in _invalid(r, "metadata")["message"]


def test_brackets_and_digits_inside_strings_are_only_text(client):
    statement = "[" * 1000 + "{" * 1000 + "9" * 1000 + '\\"' + "]" * 10
    r = report(client, ["https://example.social/p/never-posted"], statement=statement)
    assert r.status_code == 201 and r.json()["protection"] == "unresolved", r.text


def test_the_report_forms_age_of_thousands_of_digits_is_a_form_error(client):
    form = {
        "content": "https://example.social/p/x",
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "age_at_time": "9" * 5_000,
    }
    page = client.post("/report", data=form)
    assert page.status_code == 422 and "Age" in page.text, page.text[:300]


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes = b"", **h):
    conn.request(method, path, body=body or None, headers=h)
    response = conn.getresponse()
    data = response.read()
    return response, data


def test_errors_keep_the_keep_alive_connection(live, platform):
    host = urlsplit(live.url).netloc
    conn = http.client.HTTPConnection(host, timeout=30)
    auth = {"Authorization": f"Bearer {platform['api_key']}", "Content-Type": "application/json"}
    try:
        conn.connect()
        local = conn.sock.getsockname()
        answers = [
            _request(conn, "POST", "/v1/content", NESTED["lists"], **auth),  # the JSON guard
            _request(conn, "POST", "/v1/check", HUGE["nested"], **auth),
            _request(conn, "POST", "/v1/reports", b'{"content": []}', **auth),  # validation
            _request(conn, "GET", "/v1/nothing-here"),  # 404
            _request(conn, "GET", "/v1/cases", Authorization="Bearer tdu_wrong"),  # 401
            _request(conn, "POST", "/v1/reports", b"x" * 70_000, **auth),  # 413, body sent
            _request(conn, "GET", "/healthz"),
        ]
        assert [r.status for r, _ in answers] == [422, 422, 422, 404, 401, 413, 200]
        assert all(not r.will_close for r, _ in answers)
        assert conn.sock is not None and conn.sock.getsockname() == local
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crashing(settings, db) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The app with one route that raises: a 500 must not cost the client its connection."""
    from takedown.web.app import create_app

    app = create_app(settings, db=db, run_worker=False)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom, include_in_schema=False)
    with LiveServer(app) as server:
        yield server


def test_a_500_is_json_and_keeps_the_connection(crashing):
    conn = http.client.HTTPConnection(urlsplit(crashing.url).netloc, timeout=30)
    try:
        conn.connect()
        local = conn.sock.getsockname()
        crash, body = _request(conn, "GET", "/boom")
        assert crash.status == 500 and json.loads(body)["error"]["code"] == "internal_error"
        assert crash.getheader("content-security-policy")  # headers on a crash too
        after, _ = _request(conn, "GET", "/healthz")
        assert after.status == 200 and conn.sock.getsockname() == local
    finally:
        conn.close()


# Security headers ----------------------------------------------------------------------------


def _assert_hardened(response: httpx.Response, *, cached: bool = False) -> None:
    h = response.headers
    policy = h["content-security-policy"]
    for part in ("default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"):
        assert part in policy, (response.url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] in ("same-origin", "no-referrer")
    assert h["x-frame-options"] == "DENY"
    if cached:
        assert "no-store" not in h.get("cache-control", ""), response.url
    else:
        assert h["cache-control"] == "no-store", response.url


def test_every_answer_has_the_security_headers(client, platform, reviewers):
    ids = seed_family(client, platform["api_key"])
    receipt = report(client, [ids["video"]])
    assert receipt.status_code == 201
    number, pin = receipt.json()["case_number"], receipt.json()["pin"]
    reviewer = {"authorization": f"Bearer {reviewers[0]}"}
    for response in (
        receipt,
        client.get("/report"),
        client.get("/status"),
        client.post("/status", data={"case_number": number, "pin": pin}),
        client.get(f"/v1/reports/{number}", headers={"x-report-pin": pin}),
        client.get("/v1/cases", headers=reviewer),
        client.get(f"/v1/cases/{number}", headers=reviewer),
        client.get("/login"),
        client.get("/queue"),  # a redirect to the login
        client.get("/healthz"),
        client.get("/openapi.json"),
        client.get("/docs"),
        client.get("/v1/nothing-here"),
        client.post("/v1/reports", content=NESTED["lists"]),
        client.post("/v1/reports", content=b"x" * 70_000),
        client.get(f"/v1/evidence/{number}", headers=reviewer),
    ):
        _assert_hardened(response)
    _assert_hardened(client.get("/static/site.css"), cached=True)


def test_the_receipt_page_with_the_pin_is_never_cached(client, platform):
    ids = seed_family(client, platform["api_key"])
    form = {
        "content": f"https://example.social/p/{ids['video']}",
        "reporter_role": "victim",
        "minor_depicted": "yes",
    }
    sent = client.post("/report", data=form)
    assert sent.status_code == 303  # post/redirect/get: a reload files nothing
    page = client.get(sent.headers["location"])
    assert page.status_code == 200 and 'id="pin"' in page.text
    _assert_hardened(page)


def test_the_pages_have_no_inline_script_or_style(client):
    for path in ("/report", "/status", "/login"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_docs_load_only_local_assets_under_the_policy(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("swagger-ui.css") for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200 and asset.content, url
        _assert_hardened(asset, cached=True)
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assert client.get("/redoc").status_code == 404
    # Its one inline script is allowed by its hash, nothing else inline.
    policy = docs.headers["content-security-policy"]
    for script in re.findall(r"<script>(.*?)</script>", docs.text, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_https_deployments_get_hsts(settings, db, client):
    from takedown.web.app import create_app

    secure = settings.model_copy(update={"public_url": "https://takedown.example"})
    with LiveServer(create_app(secure, db=db, run_worker=False)) as server:
        r = httpx.get(f"{server.url}/healthz")
    assert r.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in client.get("/healthz").headers  # plain http


# The report form: Origin / Referer ------------------------------------------------------------


def _form(content_id: str) -> dict[str, str]:
    return {
        "content": f"https://example.social/p/{content_id}",
        "reporter_role": "platform_user",
        "minor_depicted": "yes",
        "statement": "planted by another site",
    }


def _visibility(db, external_id: str) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        item = session.scalar(select(ContentItem).where(ContentItem.external_id == external_id))
        assert item is not None
        return item.visibility


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"referer": "https://evil.example/page.html"},
        {"origin": "http://127.0.0.1.evil.example"},
    ],
    ids=["cross-site origin", "null origin", "cross-site referer", "look-alike host"],
)
def test_a_report_form_posted_from_another_site_is_refused(client, platform, db, headers):
    ids = seed_family(client, platform["api_key"])
    page = client.post("/report", data=_form(ids["video"]), headers=headers)
    assert page.status_code == 403
    assert "another website" in page.text and "nothing was reported" in page.text
    assert "planted by another site" not in page.text  # not offered to be sent again
    assert _visibility(db, ids["video"]) == "public"


@pytest.mark.parametrize("same_site", [True, False], ids=["same origin", "no origin"])
def test_a_report_form_from_our_page_or_an_old_browser_is_taken(
    client, live, platform, db, same_site
):
    ids = seed_family(client, platform["api_key"])
    headers = {"origin": live.url, "referer": f"{live.url}/report"} if same_site else {}
    page = client.post("/report", data=_form(ids["video"]), headers=headers)
    assert page.status_code == 303, page.text[:500]
    assert _visibility(db, ids["video"]) != "public"


def test_public_url_counts_as_our_origin(client, platform, settings):
    ids = seed_family(client, platform["api_key"])
    origin = settings.public_url.rstrip("/")
    page = client.post("/report", data=_form(ids["video"]), headers={"origin": origin})
    assert page.status_code == 303


# /metrics ------------------------------------------------------------------------------------


def test_metrics_need_the_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})
    assert ok.status_code == 200 and "takedown_" in ok.text


@pytest.mark.parametrize(("environment", "status"), [("test", 404), ("development", 200)])
def test_metrics_without_a_token_exist_only_in_development(settings, db, environment, status):
    from takedown.web.app import create_app

    unset = settings.model_copy(update={"metrics_token": None, "environment": environment})
    with LiveServer(create_app(unset, db=db, run_worker=False)) as server:
        r = httpx.get(f"{server.url}/metrics", headers={"authorization": "Bearer anything"})
        unknown = httpx.get(f"{server.url}/no-such-route")
    assert r.status_code == status
    if status == 404:
        assert r.json() == unknown.json()  # indistinguishable from a route that is not there


# Settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["Production", "PRODUCTION", " production ", "production\n"])
def test_the_production_check_ignores_case_and_spaces(tmp_path, spelling):
    with pytest.raises(pydantic.ValidationError, match="TAKEDOWN_SECRET_KEY must be set"):
        Settings(environment=spelling, data_dir=tmp_path)
    key = base64.b64encode(b"k" * 32).decode()
    ok = Settings(
        environment=spelling, data_dir=tmp_path, secret_key="s" * 32, evidence_master_key=key
    )
    assert ok.environment == "production"


@pytest.mark.parametrize(
    "body",
    [b'\\"' * 700_000, b'"\\' * 700_000, b'"' + b"a" * 2_000_000, b'["' * 700_000, b"[]" * 10**6],
    ids=["escaped quotes", "quote-backslash", "unterminated", "open strings", "flat brackets"],
)
def test_the_guard_is_linear_on_hostile_text(body):
    """No input makes the string scan backtrack (a quadratic scan would hit the timeout)."""
    from takedown.web.limits import json_problem

    json_problem(body)


def test_non_ascii_tokens_are_refused_not_a_500(live, db):
    from takedown.intake.challenge import verify
    from tests.console.helpers import login, make_user

    assert verify(None, "key", 8, f"{10**12}.nonce.\u00e9t\u00e9:1") is False  # type: ignore[arg-type]
    with login(live.url, make_user(db, "reviewer")) as reviewer:
        r = reviewer.post("/me", data={"csrf": "\u00e9t\u00e9"})
        assert r.status_code == 403 and "csrf_failed" in r.text
    with httpx.Client(base_url=live.url) as browser:
        browser.get("/login")
        r = browser.post("/login", data={"username": "x", "password": "y", "csrf": "\u00e9"})
        assert r.status_code == 403
