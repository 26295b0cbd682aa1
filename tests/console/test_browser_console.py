"""The console in Debian's Chromium (issue 11, item 6): a refused decision keeps what the
reviewer chose, "decide and open next case", a TAKE IT DOWN banner with its deadline in
local time, search by content id, and axe-core over every console page."""

from __future__ import annotations

import re

from tests.axe import assert_no_axe_violations
from tests.console.helpers import make_user
from tests.console.test_browser import SHOTS, _log_in, watch_csp
from tests.e2e.helpers import post_content, report, seed_family, uid

TIDA = {"signature": "Jane Doe", "good_faith": True, "identification": "a photo of me"}


def _child_case(client, platform) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    ids = seed_family(client, platform["api_key"])
    r = report(client, [ids["video"]], headers={"x-forwarded-for": uid("10.6")})
    assert r.status_code == 201, r.text
    return r.json()["case_number"], ids["video"]


def _console(browser, live, user):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, live, user)
    return context, page


def test_a_refused_decision_keeps_decision_and_reason(browser, live, db, client, platform):
    number, _ = _child_case(client, platform)
    context, page = _console(browser, live, make_user(db, "reviewer"))
    violations = watch_csp(page)
    page.goto(f"{live.url}/cases/{number}")
    page.check("input[name=decision][value=confirm]")
    reason = "Victim is 13; the statement and the police number match."
    page.fill("#f-reason", reason)
    page.click("#decide")  # no category: refused
    page.wait_for_selector("#error")
    assert "categor" in page.inner_text("#error").lower()
    assert page.is_checked("input[name=decision][value=confirm]")
    assert page.input_value("#f-reason") == reason
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error'")
    page.screenshot(path=SHOTS / "console-error-kept.png", full_page=True)
    page.select_option("#f-category", "csam_a1")
    page.click("#decide")
    page.wait_for_selector("#case-state")
    assert page.inner_text("#case-state") == "Confirmed"
    assert violations == []
    context.close()


def test_decide_and_open_next_case(browser, live, db, client, platform):
    number, _ = _child_case(client, platform)
    _child_case(client, platform)  # something waits after it
    context, page = _console(browser, live, make_user(db, "reviewer"))
    page.goto(f"{live.url}/cases/{number}")
    page.check("input[name=decision][value=escalate]")
    page.fill("#f-reason", "Age unclear: a specialist should look.")
    page.click("#decide-next")
    page.wait_for_url(re.compile(r".*/cases/TD-[A-Z0-9-]+$"))
    assert page.inner_text("#case-number") != number
    assert "claimed by you" in page.inner_text("#claim")
    context.close()


def test_take_it_down_banner_and_deadline_in_local_time(browser, live, db, client, platform):
    content = uid("post")
    post_content(client, platform["api_key"], content, uid("poster"))
    receipt = report(
        client, [content], reporter_role="victim", minor_depicted="no",
        contact="jane@example.org", take_it_down=TIDA,
    ).json()  # fmt: skip
    context = browser.new_context(timezone_id="America/Chicago")
    page = context.new_page()
    _log_in(page, live, make_user(db, "reviewer"))
    page.goto(f"{live.url}/queue?view=take_it_down")
    page.click(f"text={receipt['case_number']}")
    page.wait_for_selector("#take-it-down")
    assert "TAKE IT DOWN Act request" in page.inner_text("#take-it-down")
    due = page.locator("#removal-due time")
    assert due.get_attribute("datetime").startswith(receipt["removal_due_at"][:16])
    page.wait_for_selector("#removal-due time[data-local='1']")
    shown = due.inner_text()
    assert "UTC" not in shown and re.search(r"C[SD]T", shown), shown
    assert "UTC" in due.get_attribute("title")
    page.screenshot(path=SHOTS / "console-take-it-down.png", full_page=True)
    context.close()


def test_search_finds_a_case_by_content_id(browser, live, db, client, platform):
    number, content = _child_case(client, platform)
    context, page = _console(browser, live, make_user(db, "reviewer"))
    page.fill("#f-search", content)
    page.press("#f-search", "Enter")
    page.wait_for_selector("table.queue")
    links = page.locator("table.queue .case-link")
    assert links.count() == 1 and links.first.inner_text() == number
    page.screenshot(path=SHOTS / "console-search.png", full_page=True)
    context.close()


def test_every_console_page_has_no_axe_violations(browser, live, db, client, platform):
    number, content = _child_case(client, platform)
    admin = make_user(db, "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live.url}/login")
    assert_no_axe_violations(page, what="/login")
    _log_in(page, live, admin)
    pages = [
        "/queue",
        "/queue?view=take_it_down",
        "/queue?view=escalated",
        "/queue?view=pending_second_review",
        "/queue?view=closed",
        f"/queue?q={content}",
        f"/queue?q={uid('nothing')}",
        f"/cases/{number}",
        "/dashboard",
        "/admin/keys",
        "/me",
        "/cases/TD-NONE-NONE",  # the error page
    ]
    for path in pages:
        page.goto(f"{live.url}{path}")
        assert_no_axe_violations(page, what=path)
    # The case page after a refused decision, a preview and a note, and a locked one.
    page.goto(f"{live.url}/cases/{number}")
    page.check("input[name=decision][value=confirm]")
    page.fill("#f-reason", "checking the error state")
    page.click("#decide")
    page.wait_for_selector("#error")
    assert_no_axe_violations(page, what="case page with an error")
    page.fill("#f-free_text-text", "We are looking at it now.")
    page.locator("#free-text button[value=preview]").click()
    page.wait_for_selector("#message-preview")
    assert_no_axe_violations(page, what="case page with a preview")
    page.fill("#f-note", "checked the account's other posts")
    page.click("#add-note")
    page.wait_for_selector("text=Note saved.")
    assert_no_axe_violations(page, what="case page with a note")
    other = browser.new_context().new_page()
    _log_in(other, live, make_user(db, "reviewer"))
    page.click("text=Claim this case")
    other.goto(f"{live.url}/cases/{number}")
    other.wait_for_selector("#locked")
    assert_no_axe_violations(other, what="a case claimed by someone else")
    other.context.close()
    context.close()
