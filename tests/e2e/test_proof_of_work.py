"""The optional proof of work: a bare claim hides content by itself only when its sender
did the work; without it (no JavaScript) the report is still taken and queued."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from takedown import intake
from takedown.platforms import ContentItem
from takedown.web.live import LiveServer
from tests.console.test_browser import browser  # noqa: F401  (the fixture)
from tests.e2e.helpers import post_content, uid
from tests.support import wait_for

BITS = 10


@pytest.fixture(scope="module")
def pow_server(strict_settings, db, live) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    from takedown.web.app import create_app

    settings = strict_settings.model_copy(update={"report_pow_bits": BITS})
    with LiveServer(create_app(settings, db=db, run_worker=False)) as server:
        yield server


@pytest.fixture
def pow_client(pow_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pow_server.url, timeout=60) as c:
        yield c


def _bare(content: list[str], proof: str | None = None) -> dict:
    body: dict = {"content": content, "reporter_role": "platform_user", "minor_depicted": "yes"}
    if proof is not None:
        body["proof_of_work"] = proof
    return body


def _visibility(db, external_id: str) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        item = session.scalar(select(ContentItem).where(ContentItem.external_id == external_id))
        assert item is not None
        return item.visibility


def _who() -> dict[str, str]:
    return {"x-forwarded-for": f"client-{uuid.uuid4().hex}"}


def _solved(client: httpx.Client) -> str:
    challenge = client.get("/v1/reports/challenge").json()
    assert challenge["bits"] == BITS
    return f"{challenge['challenge']}:{intake.solve(challenge['challenge'], BITS)}"


def test_a_bare_claim_without_the_work_is_queued_not_hidden(pow_client, platform, db):
    post = uid("post")
    post_content(pow_client, platform["api_key"], post, uid("creator"))
    r = pow_client.post("/v1/reports", json=_bare([post]), headers=_who())
    assert r.status_code == 201 and r.json()["protection"] == "unproven"
    assert "person will look" in r.json()["message"]
    assert _visibility(db, post) == "public"


def test_the_work_done_hides_and_cannot_be_replayed(pow_client, platform, db):
    first, second = uid("post"), uid("post")
    for post in (first, second):
        post_content(pow_client, platform["api_key"], post, uid("creator"))
    proof = _solved(pow_client)
    r = pow_client.post("/v1/reports", json=_bare([first], proof), headers=_who())
    assert r.json()["protection"] == "restricted"
    assert _visibility(db, first) == "restricted"
    again = pow_client.post("/v1/reports", json=_bare([second], proof), headers=_who())
    assert again.json()["protection"] == "unproven"
    assert _visibility(db, second) == "public"
    forged = proof.rsplit(".", 1)[0] + ".0000:1"
    third = pow_client.post("/v1/reports", json=_bare([second], forged), headers=_who())
    assert third.json()["protection"] == "unproven"


def test_a_childs_age_needs_no_work(pow_client, platform, db):
    post = uid("video")
    post_content(pow_client, platform["api_key"], post, uid("trafficker"))
    body = {**_bare([post]), "reporter_role": "victim", "age_at_time": 13}
    assert pow_client.post("/v1/reports", json=body, headers=_who()).json()["protection"] == (
        "restricted"
    )


def test_the_report_form_does_the_work_in_the_browser(browser, pow_server, platform, db):  # noqa: F811
    post = uid("post")
    with httpx.Client(base_url=pow_server.url) as client:
        post_content(client, platform["api_key"], post, uid("creator"))
    # The browser's own client identity (else it shares loopback's with every other test).
    page = browser.new_page(extra_http_headers=_who())
    try:
        page.goto(f"{pow_server.url}/report")
        wait_for(lambda: ":" in page.input_value("#f-pow"), what="the proof of work")
        page.fill("#f-content", post)
        page.check("input[name=reporter_role][value=platform_user]")
        page.check("input[name=minor_depicted][value=yes]")
        page.click("button[type=submit]")
        page.wait_for_selector("text=Case number", timeout=30_000)
    finally:
        page.close()
    assert _visibility(db, post) == "restricted"
