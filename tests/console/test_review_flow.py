"""Decisions beyond confirm/dismiss, claims, reporter messages and e-mail, appeals, deadline
alerts, the dashboard and API keys, through the public API and pages over real HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import text

from takedown.db.base import utcnow
from tests.console.helpers import csrf, login, make_user
from tests.e2e.helpers import post_content, report, seed_family, status, uid
from tests.support import wait_for


def _api(live, user) -> httpx.Client:
    return httpx.Client(
        base_url=live.url, timeout=30, headers={"authorization": f"Bearer {user['api_key']}"}
    )


def _decide(client, case, decision, reason="reviewed", category=None):
    body = {"decision": decision, "reason": reason}
    if category:
        body["category"] = category
    return client.post(f"/v1/cases/{case}/decisions", json=body)


def test_escalation_needs_a_specialist(client, platform, live, db):
    case = report(client, [seed_family(client, platform["api_key"])["video"]]).json()
    reviewer, specialist = make_user(db, "reviewer"), make_user(db, "child_safety_specialist")
    with _api(live, reviewer) as r_api, _api(live, specialist) as s_api:
        assert _decide(r_api, case["case_number"], "escalate", "unsure of age").status_code == 200
        refused = _decide(r_api, case["case_number"], "confirm", "ok", "csam_a2")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "specialist_required"
        done = _decide(s_api, case["case_number"], "confirm", "minor, A2", "csam_a2")
        assert done.json()["state"] == "confirmed" and done.json()["category"] == "csam_a2"


def test_a_claim_keeps_others_off(client, platform, live, db):
    case = report(client, [seed_family(client, platform["api_key"])["video"]]).json()
    first, second = make_user(db, "reviewer"), make_user(db, "reviewer")
    with _api(live, first) as a, _api(live, second) as b:
        assert a.post(f"/v1/cases/{case['case_number']}/claim").status_code == 200
        taken = b.post(f"/v1/cases/{case['case_number']}/claim")
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "claimed_by_other"
        assert a.post(f"/v1/cases/{case['case_number']}/claim").status_code == 200  # extend
        blocked = _decide(b, case["case_number"], "escalate", "not mine to decide")
        assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "claimed_by_other"
        assert _decide(a, case["case_number"], "escalate", "needs a specialist").status_code == 200


def test_messages_need_every_placeholder_and_reach_status_page_and_email(
    client, platform, live, db, smtp_sink
):
    ids = seed_family(client, platform["api_key"])
    address = f"{uid('mum')}@example.org"
    case = report(client, [ids["video"]], reporter_role="parent_guardian", contact=address).json()
    # Someone else reports the same content (it could be the uploader, fishing).
    other = report(client, [ids["repost1"]], reporter_role="platform_user").json()
    assert other["case_number"] == case["case_number"]
    with login(live.url, make_user(db, "reviewer")) as browser:
        token = csrf(browser, f"/cases/{case['case_number']}")
        page = browser.get(f"/cases/{case['case_number']}").text
        to = re.search(r'<option value="(\d+)">report 1: parent guardian', page).group(1)
        url = f"/cases/{case['case_number']}/message"
        blank = browser.post(
            url,
            data={
                "csrf": token,
                "template": "need_more_information",
                "value_question": " ",
                "action": "send",
            },
        )
        assert blank.status_code == 422 and "Fill in: question" in blank.text
        question = "How old was your son when this was made?"
        preview = browser.post(
            url,
            data={
                "csrf": token,
                "template": "need_more_information",
                "value_question": question,
                "action": "preview",
            },
        )
        assert preview.status_code == 200 and "Preview:</strong> Thank you" in preview.text
        assert not smtp_sink.to(address)
        sent = browser.post(
            url,
            data={
                "csrf": token,
                "template": "need_more_information",
                "value_question": question,
                "action": "send",
                "report_id": to,
            },
        )
        assert sent.status_code == 200 and "Message sent" in sent.text
    updates = status(client, case["case_number"], case["pin"])["updates"]
    assert question in updates[-1]["message"]
    others = status(client, other["case_number"], other["pin"])["updates"]
    assert all(question not in u["message"] for u in others)
    mail = wait_for(lambda: smtp_sink.to(address), what="the e-mail")
    assert question in mail[0].get_content() and case["case_number"] in mail[0]["Subject"]


def test_uploader_appeal_goes_to_two_other_specialists_and_restores_only_that_item(
    client, platform, receiver, live, db
):
    ids = seed_family(client, platform["api_key"])
    case = report(client, [ids["video"]]).json()["case_number"]
    queues = ["general", "child_safety", "appeals"]
    first = make_user(db, "reviewer", queues=queues)
    second = make_user(db, "child_safety_specialist")
    third = make_user(db, "child_safety_specialist")
    with _api(live, first) as a, _api(live, second) as b, _api(live, third) as c:
        assert _decide(a, case, "confirm", "minor", "csam_b1").status_code == 200
        appeal = client.post(
            "/v1/appeals",
            json={"content_id": ids["video"], "statement": "this is an adult actor"},
            headers={"authorization": f"Bearer {platform['api_key']}"},
        )
        assert appeal.status_code == 201, appeal.text
        assert appeal.json()["state"] == "appealed"
        same = _decide(a, case, "dismiss", "still fine by me")
        assert same.status_code == 409
        assert same.json()["error"]["code"] == "second_reviewer_required"
        listed = {c["number"]: c for c in b.get("/v1/cases").json()}
        assert listed[case]["queue"] == "appeals"
        one = _decide(b, case, "dismiss", "verified adult; grant the appeal")
        assert one.json()["state"] == "appealed"  # CSAM: a second specialist must agree
        assert b.get(f"/v1/cases/{case}").json()["appeals"][0]["state"] == "open"
        two = _decide(c, case, "dismiss", "agree: verified adult")
        assert two.json()["state"] == "confirmed"  # the rest of the case stays removed
        detail = b.get(f"/v1/cases/{case}").json()
    assert detail["appeals"][0]["state"] == "granted"
    restored = wait_for(lambda: receiver.events("content.restored"), what="restore webhook")
    assert {e["data"]["content_id"] for e in restored} == {ids["video"]}
    states = {i["content_id"]: i["visibility"] for i in detail["items"]}
    assert states[ids["video"]] == "public"
    assert states[ids["repost1"]] == states[ids["repost2"]] == "removed"


def test_appeals_close_after_six_months(client, platform, live, db):
    ids = seed_family(client, platform["api_key"])
    case = report(client, [ids["video"]]).json()["case_number"]
    with _api(live, make_user(db, "reviewer")) as a:
        _decide(a, case, "confirm", "minor", "csam_a1")
    with db.session() as session:
        session.execute(
            text("UPDATE content_items SET removed_at = :t WHERE external_id = :i"),
            {"t": utcnow() - timedelta(days=190), "i": ids["video"]},
        )
    late = client.post(
        "/v1/appeals",
        json={"content_id": ids["video"]},
        headers={"authorization": f"Bearer {platform['api_key']}"},
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "not_appealable"


def test_reporter_asks_for_another_review(client, platform, live, db):
    ids = seed_family(client, platform["api_key"])
    case = report(
        client, [ids["video"]], reporter_role="platform_user", minor_depicted="no", age_at_time=None
    ).json()
    first, second = (
        make_user(db, "reviewer", queues=["general", "appeals"]),
        make_user(db, "child_safety_specialist"),
    )
    with _api(live, first) as a, _api(live, second) as b:
        assert _decide(a, case["case_number"], "dismiss", "not a violation").status_code == 200
        asked = client.post(
            f"/v1/reports/{case['case_number']}/rereview",
            json={"statement": "It is me and I was 15."},
            headers={"x-report-pin": case["pin"]},
        )
        assert asked.status_code == 201 and asked.json()["state"] == "rereview"
        assert _decide(a, case["case_number"], "confirm", "ok", "csam_a1").status_code == 409
        assert _decide(b, case["case_number"], "confirm", "minor", "csam_a1").status_code == 200
    assert status(client, case["case_number"], case["pin"])["state_label"] == "Removed"


def test_supervisors_are_alerted_before_a_deadline(client, platform, live, db, smtp_sink):
    from takedown.cases.tasks import alert_deadlines

    address = f"{uid('sup')}@example.org"
    make_user(db, "supervisor", email=address)
    case = report(client, [seed_family(client, platform["api_key"])["video"]]).json()
    with db.session() as session:
        session.execute(
            text("UPDATE cases SET deadline_at = :t WHERE number = :n"),
            {"t": utcnow() + timedelta(minutes=5), "n": case["case_number"]},
        )
    assert alert_deadlines(0) >= 1
    assert alert_deadlines(0) == 0  # once per case
    mail = wait_for(
        lambda: [m for m in smtp_sink.to(address) if case["case_number"] in m["Subject"]],
        what="alert e-mail",
    )
    assert "Deadline near" in mail[0]["Subject"]


def test_dashboard_shows_figures_and_charts(client, platform, live, db):
    report(client, [seed_family(client, platform["api_key"])["video"]])
    with login(live.url, make_user(db, "supervisor")) as browser:
        page = browser.get("/dashboard")
    assert page.status_code == 200
    assert page.text.count("<svg") == 2
    assert re.search(r'id="at-risk">\d+<', page.text)


def test_admin_manages_scoped_keys_shown_once(client, platform, live, db):
    with login(live.url, make_user(db, "admin")) as browser:
        token = csrf(browser, "/admin/keys")
        page = browser.post(
            "/admin/keys",
            data={
                "csrf": token,
                "platform_id": platform["id"],
                "name": "upload-checker",
                "scopes": "check",
            },
        )
        secret = re.search(r'id="new-secret">([^<]+)<', page.text).group(1)
        assert secret not in browser.get("/admin/keys").text  # shown once
        headers = {"authorization": f"Bearer {secret}"}
        scoped = client.post("/v1/check", json={"hashes": {"md5": "0" * 32}}, headers=headers)
        assert scoped.status_code == 200
        wrong_scope = client.post(
            "/v1/content", json={"id": uid("x"), "author_id": "a"}, headers=headers
        )
        assert wrong_scope.status_code == 403
        row = next(r for r in page.text.split("<tr>") if f"<code>{secret[:8]}…" in r)
        key_id = re.search(r"/admin/keys/(\d+)/revoke", row).group(1)
        revoked = browser.post(f"/admin/keys/{key_id}/revoke", data={"csrf": token})
        assert revoked.status_code == 303, revoked.text[:300]
    assert (
        client.post("/v1/check", json={"hashes": {"md5": "0" * 32}}, headers=headers).status_code
        == 401
    )


def test_a_p0_dismissal_needs_a_specialist_as_second_reviewer(client, platform, live, db):
    case = report(client, [seed_family(client, platform["api_key"])["video"]]).json()
    one, two = make_user(db, "reviewer"), make_user(db, "reviewer")
    with _api(live, one) as a, _api(live, two) as b:
        assert _decide(a, case["case_number"], "dismiss").json()["state"] == (
            "pending_second_review"
        )
        junior = _decide(b, case["case_number"], "dismiss")
        assert junior.status_code == 403
        assert junior.json()["error"]["code"] == "specialist_required"
    assert status(client, case["case_number"], case["pin"])["hidden_items"] == 3
    post_content(client, platform["api_key"], uid("x"), uid("y"))
