"""The reporter's pages in Debian's Chromium on a phone-sized page, each checked with
axe-core and under the Content-Security-Policy: a link the platform never registered, no
link at all, Spanish from Accept-Language, the receipt with help and the case's deadline,
a reload that files nothing, a reply to a request for information, and a withdrawal."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.axe import assert_no_axe_violations
from tests.console.test_browser import SHOTS, browser, watch_csp  # noqa: F401
from tests.e2e.helpers import uid
from tests.public.helpers import auth, child_report, register, reports_of

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _client() -> dict[str, str]:
    """Each browser its own client (the server trusts x-forwarded-for in the tests)."""
    return {"x-forwarded-for": uid("phone")}


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(**PHONE, locale="en-GB", extra_http_headers=_client())
    page = context.new_page()
    page.csp = watch_csp(page)  # type: ignore[attr-defined]
    yield page
    assert page.csp == []  # type: ignore[attr-defined]
    context.close()


def _checked(page, what: str) -> None:  # type: ignore[no-untyped-def]
    assert_no_axe_violations(page, what=what)
    page.screenshot(path=str(SHOTS / f"public-{what}.png"), full_page=True)


def _fill_child_report(page, content: str = "", where_seen: str = "") -> None:  # type: ignore[no-untyped-def]
    if content:
        page.fill("#f-content", content)
    if where_seen:
        page.fill("#f-where_seen", where_seen)
    page.check("input[name=reporter_role][value=victim]")
    page.check("input[name=minor_depicted][value=yes]")
    page.fill("#f-age_at_time", "13")


def _case_on_page(page) -> str:  # type: ignore[no-untyped-def]
    return page.inner_text("#case-number").strip()


def test_a_link_the_platform_never_registered_on_a_phone(phone, live, platform, db):
    host = f"{uid('social')}.example"
    register_with = httpx.Client(base_url=live.url)
    register(register_with, platform["api_key"], host)
    phone.goto(f"{live.url}/report")
    _checked(phone, "report-form")

    _fill_child_report(phone, content=f"{host}/p/{uid('never-registered')}")
    phone.click("button[type=submit]")

    phone.wait_for_url(re.compile(r"/receipt$"))
    case = _case_on_page(phone)
    assert "we do not know this content yet" in phone.inner_text("main")
    deadline = phone.get_attribute("#deadline time", "datetime")
    with db.session() as session:
        from sqlalchemy import select

        from takedown.cases import Case

        real = session.scalar(select(Case.deadline_at).where(Case.number == case))
    assert deadline == real.isoformat()
    text = phone.inner_text("main")
    assert "It is not your fault" in text and "Do not pay" in text
    assert phone.locator("a", has_text="NCMEC CyberTipline").count() == 1
    assert phone.locator("a", has_text="Take It Down").count() == 1
    _checked(phone, "receipt")

    phone.reload()  # a reload shows the same receipt and files nothing
    assert _case_on_page(phone) == case
    assert len(reports_of(db, case)) == 1
    register_with.close()


def test_a_report_with_no_link_on_a_phone(phone, live, db):
    phone.goto(f"{live.url}/report")
    _fill_child_report(phone, where_seen="In a group chat at school, posted by @someone")
    phone.click("button[type=submit]")

    phone.wait_for_url(re.compile(r"/receipt$"))
    (report,) = reports_of(db, _case_on_page(phone))
    assert report.where_seen.startswith("In a group chat") and report.item_ids == []
    assert phone.is_visible("#deadline")


def test_a_report_in_spanish_from_accept_language(browser, live, db):  # noqa: F811
    context = browser.new_context(**PHONE, locale="es-ES", extra_http_headers=_client())
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(f"{live.url}/report")
    assert page.get_attribute("html", "lang") == "es"
    assert page.inner_text("h1") == "Reportar contenido"

    page.click("button[type=submit]")  # nothing filled in
    # The answer is a new page: wait for it, then for its autofocus (fails if it never comes).
    page.wait_for_selector("#errors")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'errors'")
    summary = page.inner_text("#errors")
    assert "Revisa estos campos" in summary and "dónde lo viste" in summary
    assert page.get_attribute("#f-age_at_time", "aria-invalid") is None
    assert page.get_attribute("input[name=reporter_role] >> nth=0", "aria-invalid") == "true"
    _checked(page, "report-errors-es")

    _fill_child_report(page, content=f"https://{uid('h')}.example/p/{uid('x')}")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/receipt$"))
    assert page.inner_text("h1") == "Recibimos tu reporte"
    assert "No es tu culpa" in page.inner_text("main")
    _checked(page, "receipt-es")

    page.click("form[action='/status'] button")  # "Ver qué pasa"
    page.wait_for_selector("#updates")
    assert "Recibimos tu reporte" in page.inner_text("#updates + ol")
    _checked(page, "status-es")
    (report,) = reports_of(db, _case_on_page(page))
    assert report.locale == "es"
    assert violations == []
    context.close()


def test_a_reply_to_a_request_for_information_then_a_withdraw(phone, live, platform, reviewers, db):
    api = httpx.Client(base_url=live.url)
    host = f"{uid('social')}.example"
    post = register(api, platform["api_key"], host)
    receipt = child_report(api, [f"https://{host}/p/{post}"]).json()
    (report,) = reports_of(db, receipt["case_number"])
    question = "Do you know who first sent it?"
    r = api.post(
        f"/v1/cases/{receipt['case_number']}/decisions",
        json={"decision": "request_info", "reason": question, "report_id": report.id},
        headers=auth(reviewers[2]),
    )
    assert r.status_code == 200, r.text

    phone.goto(f"{live.url}/status")
    _checked(phone, "status-form")
    phone.fill("#f-case_number", receipt["case_number"])
    phone.fill("#f-pin", receipt["pin"])
    phone.click("button[type=submit]")
    phone.wait_for_selector(".update-request_info")
    assert question in phone.inner_text(".update-request_info")
    phone.wait_for_selector("time[data-local]")  # local times (the static script ran)
    _checked(phone, "status-question")

    answer = f"A boy in my class, {uid('name')}"
    phone.fill("#f-reply", answer)
    phone.click("form[action='/status/reply'] button")
    phone.wait_for_selector(".update-reply")
    assert answer in phone.inner_text(".update-reply")
    case = api.get(f"/v1/cases/{receipt['case_number']}", headers=auth(reviewers[2])).json()
    assert [x["text"] for x in case["reports"][0]["replies"]] == [answer]

    phone.click("form[action='/status/withdraw'] button")  # not ticked: asked to confirm
    assert "Tick the box" in phone.inner_text("#errors")
    _checked(phone, "status-withdraw-unconfirmed")
    phone.check("#f-confirm")
    phone.click("form[action='/status/withdraw'] button")
    phone.wait_for_selector("#withdrawn")
    assert phone.locator("#f-reply").count() == 0
    (after,) = reports_of(db, receipt["case_number"])
    assert after.withdrawn_at is not None
    _checked(phone, "status-withdrawn")
    api.close()


def test_the_other_public_pages_pass_axe(phone, live):
    phone.goto(f"{live.url}/receipt")  # no receipt (none filed here)
    assert phone.inner_text("h1") == "No receipt to show"
    _checked(phone, "receipt-none")
    phone.goto(f"{live.url}/status")
    phone.fill("#f-case_number", "TD-NOPE")
    phone.fill("#f-pin", "12345678")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#errors")
    _checked(phone, "status-not-found")
    phone.goto(f"{live.url}/report?lang=es")
    assert phone.inner_text("h1") == "Reportar contenido"
    phone.goto(f"{live.url}/status")  # the switcher's choice is kept (cookie)
    assert phone.inner_text("h1") == "Consultar un reporte"
    _checked(phone, "status-form-es")
