"""A private, two-way status page: each reporter reads their own thread only; a request
for information reaches the reporter it names, and their answer reaches the reviewers;
replying and withdrawing need the PIN; the receipt is post/redirect/get and never cached."""

from __future__ import annotations

import re

from tests.e2e.helpers import uid
from tests.public.helpers import as_client, auth, child_report, register, reports_of, thread_of


def _two_reporters(client, platform):  # type: ignore[no-untyped-def]
    key, host = platform["api_key"], f"{uid('social')}.example"
    post = register(client, key, host)
    link = [f"https://{host}/p/{post}"]
    teen = child_report(client, link, headers=as_client(uid("teen"))).json()
    parent = child_report(
        client,
        link,
        headers=as_client(uid("parent")),
        reporter_role="parent_guardian",
        contact="parent@example.org",
        take_it_down={"signature": "A Parent", "good_faith": True},
    ).json()
    assert teen["case_number"] == parent["case_number"]
    return teen, parent


def _status(client, receipt):  # type: ignore[no-untyped-def]
    r = client.get(
        f"/v1/reports/{receipt['case_number']}", headers={"x-report-pin": receipt["pin"]}
    )
    assert r.status_code == 200, r.text
    return [u["message"] for u in r.json()["updates"]]


def test_one_reporter_never_reads_another_reporters_messages(client, platform, reviewers, db):
    teen, parent = _two_reporters(client, platform)
    teen_report, parent_report = reports_of(db, teen["case_number"])
    question = f"Which account sent it to you? {uid('q')}"
    asked = client.post(
        f"/v1/cases/{teen['case_number']}/decisions",
        json={"decision": "request_info", "reason": question, "report_id": teen_report.id},
        headers=auth(reviewers[2]),
    )
    assert asked.status_code == 200, asked.text

    answer = f"It was @someone {uid('a')}"
    r = client.post(
        f"/v1/reports/{teen['case_number']}/replies",
        json={"text": answer},
        headers={"x-report-pin": teen["pin"]},
    )
    assert r.status_code == 201, r.text

    teen_reads, parent_reads = _status(client, teen), _status(client, parent)
    assert question in teen_reads and answer in teen_reads
    assert question not in parent_reads and answer not in parent_reads
    assert not any("TAKE IT DOWN" in m for m in teen_reads)  # the parent's request
    assert any("TAKE IT DOWN" in m for m in parent_reads)
    seen = client.get(f"/v1/cases/{teen['case_number']}", headers=auth(reviewers[2])).json()
    by_id = {rep["id"]: rep for rep in seen["reports"]}
    assert [x["text"] for x in by_id[teen_report.id]["replies"]] == [answer]
    assert by_id[parent_report.id]["replies"] == []


def test_reply_and_withdraw_need_the_pin(client, platform, db):
    teen, _ = _two_reporters(client, platform)
    (teen_report, _) = reports_of(db, teen["case_number"])
    url = f"/v1/reports/{teen['case_number']}"
    for wrong in ("", "00000000", str(int(teen["pin"]) ^ 1).zfill(len(teen["pin"]))):
        r = client.post(f"{url}/replies", json={"text": "hi"}, headers={"x-report-pin": wrong})
        assert r.status_code == 404 and r.json()["error"]["code"] == "case_not_found"
        r = client.post(f"{url}/withdraw", headers={"x-report-pin": wrong})
        assert r.status_code == 404
    assert "hi" not in thread_of(db, teen_report.id)
    (after, _) = reports_of(db, teen["case_number"])
    assert after.withdrawn_at is None

    r = client.post(f"{url}/withdraw", headers={"x-report-pin": teen["pin"]})
    assert r.status_code == 200, r.text
    (after, _) = reports_of(db, teen["case_number"])
    assert after.withdrawn_at is not None
    again = client.post(f"{url}/replies", json={"text": "x"}, headers={"x-report-pin": teen["pin"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "report_withdrawn"


def test_the_receipt_is_post_redirect_get_and_never_cached(client, platform, db):
    key, host = platform["api_key"], f"{uid('social')}.example"
    post = register(client, key, host)
    form = {
        "content": f"{host}/p/{post}",
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "age_at_time": "13",
    }
    sent = client.post("/report", data=form)
    assert sent.status_code == 303 and sent.headers["location"] == "/receipt"
    first = client.get("/receipt")
    again = client.get("/receipt")  # a reload

    assert first.headers["cache-control"] == "no-store"
    case = re.search(r'id="case-number">([^<]+)<', first.text).group(1)
    assert case in again.text
    assert len(reports_of(db, case)) == 1  # the reload filed nothing
    assert 'id="deadline"' in first.text and "It is not your fault" in first.text
    cookie = sent.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/receipt" in cookie
    pin = re.search(r'id="pin">(\d+)<', first.text).group(1)
    assert pin not in cookie  # sealed, not readable


def test_a_form_error_names_its_field_in_plain_words(client):
    r = client.post(
        "/report",
        data={"content": "", "reporter_role": "", "minor_depicted": "", "age_at_time": "abc"},
    )

    assert r.status_code == 422
    page = r.text
    assert "Input should be" not in page
    assert 'aria-invalid="true" aria-describedby="e-age_at_time"' in page
    assert 'id="e-age_at_time"' in page and "Write the age as a number" in page
    assert 'id="e-content"' in page and "tell us where you saw it" in page
    assert 'id="errors" autofocus' in page


def test_another_review_from_the_status_page(client, platform, reviewers, db):
    key, host = platform["api_key"], f"{uid('social')}.example"
    post = register(client, key, host)
    receipt = child_report(
        client, [f"https://{host}/p/{post}"], minor_depicted="no", reporter_role="platform_user"
    ).json()
    assert receipt["priority"] == "P2"
    dismissed = client.post(
        f"/v1/cases/{receipt['case_number']}/decisions",
        json={"decision": "dismiss", "reason": "not against the rules"},
        headers=auth(reviewers[0]),
    )
    assert dismissed.json()["state"] == "dismissed", dismissed.text
    with_pin = {"case_number": receipt["case_number"], "pin": receipt["pin"]}
    opened = client.post("/status", data=with_pin)
    assert opened.status_code == 303
    cookie = opened.headers["set-cookie"]
    assert "Path=/status" in cookie and "HttpOnly" in cookie and receipt["pin"] not in cookie
    page = client.get("/status")
    assert page.headers["cache-control"] == "no-store"
    assert 'action="/status/rereview"' in page.text and "One reviewer looked" in page.text

    asked = client.post("/status/rereview", data={"statement": "It is me, I was 12"})

    assert asked.status_code == 303
    page = client.get("/status")
    assert "You asked for another review" in page.text
    assert 'action="/status/rereview"' not in page.text  # asked once
    (report,) = reports_of(db, receipt["case_number"])
    state = client.get(
        f"/v1/reports/{receipt['case_number']}", headers={"x-report-pin": receipt["pin"]}
    ).json()["state"]
    assert state == "rereview"
    assert any("another review" in m for m in thread_of(db, report.id))


def test_one_report_asks_for_another_review_once(client, platform, reviewers, db):
    """The victim's second look is granted; asking again and again (keeping reviewers on
    one anonymous report for ever) is refused with a clear answer, and changes nothing."""
    key, host = platform["api_key"], f"{uid('social')}.example"
    post = register(client, key, host)
    receipt = child_report(
        client, [f"https://{host}/p/{post}"], minor_depicted="no", reporter_role="platform_user"
    ).json()
    number, pin = receipt["case_number"], {"x-report-pin": receipt["pin"]}

    def dismiss(reviewer: str) -> None:
        r = client.post(
            f"/v1/cases/{number}/decisions",
            json={"decision": "dismiss", "reason": "not against the rules"},
            headers=auth(reviewer),
        )
        assert r.json()["state"] == "dismissed", r.text

    dismiss(reviewers[0])
    first = client.post(f"/v1/reports/{number}/rereview", json={"statement": "look"}, headers=pin)
    assert first.status_code == 201 and first.json()["state"] == "rereview", first.text
    dismiss(reviewers[2])  # re-reviews are the appeals queue's

    again = client.post(f"/v1/reports/{number}/rereview", json={"statement": "again"}, headers=pin)

    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "not_appealable"
    assert "new report" in again.json()["error"]["message"]
    assert client.get(f"/v1/reports/{number}", headers=pin).json()["state"] == "dismissed"


def test_the_status_actions_need_the_opened_case_and_our_own_page(client, platform, db, live):
    teen, _ = _two_reporters(client, platform)
    (teen_report, _) = reports_of(db, teen["case_number"])
    with_pin = {"case_number": teen["case_number"], "pin": teen["pin"]}

    assert client.post("/status/reply", data={"reply": "no cookie"}).status_code == 303
    elsewhere = {"origin": "https://evil.example"}
    planted = client.post("/status", data=with_pin, headers=elsewhere)
    assert planted.status_code == 403 and "td_status" not in planted.headers.get("set-cookie", "")
    client.post("/status", data=with_pin)
    cross = client.post(
        "/status/reply",
        data={"reply": "from elsewhere"},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    closed = client.post("/status/close")
    assert closed.status_code == 303
    assert client.post("/status/reply", data={"reply": "after close"}).status_code == 303
    thread = thread_of(db, teen_report.id)
    assert not any(t in thread for t in ("no cookie", "from elsewhere", "after close"))


def test_the_reviewer_reads_the_answer_and_the_withdrawal_on_the_case(client, platform, db, live):
    from tests.console.helpers import login, make_user

    teen, _ = _two_reporters(client, platform)
    answer = f"He is in my class {uid('a')}"
    pin = {"x-report-pin": teen["pin"]}
    url = f"/v1/reports/{teen['case_number']}"
    assert client.post(f"{url}/replies", json={"text": answer}, headers=pin).status_code == 201
    assert client.post(f"{url}/withdraw", headers=pin).status_code == 200
    specialist = make_user(db, "child_safety_specialist")

    with login(live.url, specialist) as console:
        page = console.get(f"/cases/{teen['case_number']}")

    assert page.status_code == 200, page.text[:300]
    assert answer in page.text and "Withdrawn by the reporter" in page.text
