"""The whole loop in a real headless Chromium: a victim reports without an account, a
reviewer works the queue, and the victim sees the outcome. Screenshots go to
test-artifacts/screenshots (not committed)."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from tests.console.helpers import PASSWORD, make_user
from tests.e2e.helpers import post_content, uid
from tests.support import wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def watch_csp(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Console messages about Content-Security-Policy violations on this page."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def _benign_png() -> str:
    picture = Image.new("RGB", (64, 48), "#6fa8dc")
    ImageDraw.Draw(picture).ellipse((8, 8, 40, 40), fill="#f6b26b")
    out = io.BytesIO()
    picture.quantize(8).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _content_with_media(live, platform) -> str:
    content_id = uid("video")
    with httpx.Client(base_url=live.url) as client:
        r = client.post(
            "/v1/content",
            json={
                "id": content_id,
                "author_id": uid("trafficker"),
                "media_type": "image",
                "media_url": _benign_png(),
                "url": f"https://example.social/p/{content_id}",
            },
            headers={"authorization": f"Bearer {platform['api_key']}"},
        )
        assert r.status_code == 200, r.text
        post_content(client, platform["api_key"], uid("repost"), uid("fan"), repost_of=content_id)
    return content_id


def _file_report(page, live, content_id: str) -> tuple[str, str]:
    page.goto(f"{live.url}/report")
    page.fill("#f-content", f"https://example.social/p/{content_id}")
    page.check("input[name=reporter_role][value=victim]")
    page.check("input[name=minor_depicted][value=yes]")
    page.fill("#f-age_at_time", "13")
    page.fill("#f-law_enforcement_case_number", "HSI-2020-0113")
    page.fill("#f-statement", "These are of me. I was 13.")
    page.screenshot(path=SHOTS / "report-form.png", full_page=True)
    page.click("button[type=submit]")
    page.wait_for_selector("#case-number")
    return page.inner_text("#case-number"), page.inner_text("#pin")


def _log_in(page, live, user: dict) -> None:
    page.goto(f"{live.url}/login")
    page.fill("#f-username", user["username"])
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))


@pytest.fixture
def empty_queue(db):
    """Close the cases earlier tests left open, so "top of the queue" means this report."""
    from sqlalchemy import text

    with db.session() as session:
        session.execute(
            text(
                "UPDATE cases SET state = 'dismissed' WHERE state IN "
                "('open', 'restricted', 'pending_second_review', 'appealed', "
                "'rereview')"
            )
        )


def test_victim_reports_reviewer_confirms_victim_sees_outcome(
    browser, live, db, platform, empty_queue
):
    content_id = _content_with_media(live, platform)
    victim = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = victim.new_page()
    violations = watch_csp(page)
    case_number, pin = _file_report(page, live, content_id)
    page.screenshot(path=SHOTS / "receipt.png", full_page=True)

    reviewer = browser.new_context(viewport={"width": 1280, "height": 900})
    console = reviewer.new_page()
    violations += watch_csp(console)
    _log_in(console, live, make_user(db, "reviewer"))
    first_row = console.locator("table.queue tbody tr").first
    assert first_row.locator(".case-link").inner_text() == case_number
    assert "left" in first_row.locator(".clock").inner_text()
    console.screenshot(path=SHOTS / "queue.png", full_page=True)

    first_row.locator(".case-link").click()
    console.wait_for_selector("#case-state")
    # Before a reveal the browser gets a preview made (and blurred) on the server, and the
    # page names no media URL: nothing to unblur with the developer tools.
    image = console.locator("td.media img.preview").first
    assert "/preview" in image.get_attribute("src")
    wait_for(lambda: image.evaluate("el => el.complete && el.naturalWidth > 0"), what="preview")
    assert image.evaluate("el => el.naturalWidth") == 160
    assert "data:image" not in console.content()
    console.screenshot(path=SHOTS / "case.png", full_page=True)

    console.check("input[name=decision][value=confirm]")
    console.select_option("#f-category", "csam_a1")
    console.fill("#f-reason", "Victim is 13; police case given; content matches statement.")
    console.click("#decide")
    console.wait_for_selector("#case-state")
    assert console.inner_text("#case-state") == "Confirmed"

    page.goto(f"{live.url}/status")
    page.fill("#f-case_number", case_number)
    page.fill("#f-pin", pin)
    page.click("button[type=submit]")
    assert page.inner_text("#state") == "Removed"
    page.screenshot(path=SHOTS / "status-removed.png", full_page=True)
    assert violations == []
    victim.close()
    reviewer.close()


def test_one_reviewer_cannot_dismiss_a_child_report_in_the_console(browser, live, db, platform):
    content_id = _content_with_media(live, platform)
    context = browser.new_context()
    page = context.new_page()
    case_number, _pin = _file_report(page, live, content_id)
    _log_in(page, live, make_user(db, "reviewer"))
    page.goto(f"{live.url}/cases/{case_number}")
    page.check("input[name=decision][value=dismiss]")
    page.fill("#f-reason", "I do not think this is a minor.")
    page.click("#decide")
    page.wait_for_selector("#case-state")
    assert page.inner_text("#case-state") == "Pending second review"
    assert "restricted" in page.locator("table.items").inner_text()
    page.screenshot(path=SHOTS / "pending-second-review.png", full_page=True)
    context.close()


def test_revealing_media_is_a_logged_click(browser, live, db, platform):
    from takedown import audit
    from takedown.cases.views import find_case

    content_id = _content_with_media(live, platform)
    context = browser.new_context()
    page = context.new_page()
    violations = watch_csp(page)
    case_number, _ = _file_report(page, live, content_id)
    _log_in(page, live, make_user(db, "reviewer"))
    page.goto(f"{live.url}/cases/{case_number}")
    assert "data:image" not in page.content()
    page.click("text=Reveal (logged)")
    page.wait_for_selector("td.media img.revealed")
    revealed = page.locator("td.media img.revealed").first
    assert revealed.get_attribute("src").startswith("data:image/png")
    wait_for(lambda: revealed.evaluate("el => el.complete"), what="the revealed media")
    assert revealed.evaluate("el => el.naturalWidth") == 64  # the media itself, allowed by CSP
    with db.session() as session:
        case = find_case(session, case_number)
        actions = [e.action for e in audit.events_for(session, "case", case.id)]
    assert "media.revealed" in actions
    assert violations == []
    context.close()
