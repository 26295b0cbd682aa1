"""The console keeps up with reviewers (issue 11, item 6), over real HTTP: form state kept
on errors, "decide and open next case", claims that lock the form for others, TAKE IT DOWN
banners and their queue, the police tag from the first report, free-text messages, search,
the closed, escalated and second-review views, internal notes, a readable timeline."""

from __future__ import annotations

import hashlib
import re
import uuid

import httpx
from sqlalchemy import select

from takedown import fingerprints
from takedown.audit.models import AuditEvent
from takedown.cases.models import CaseNote, Report
from takedown.cases.views import find_case
from takedown.demo.media import synthetic_image
from tests.console.helpers import csrf, login, make_user
from tests.e2e.helpers import post_content, report, seed_family, status, uid
from tests.legal.helpers import upload

TIDA = {"signature": "Jane Doe", "good_faith": True, "identification": "a photo of me"}


def _case(client: httpx.Client, platform: dict, **fields: object) -> str:
    ids = seed_family(client, platform["api_key"])
    r = report(client, [ids["video"]], headers={"x-forwarded-for": uid("10.9")}, **fields)
    assert r.status_code == 201, r.text
    return r.json()["case_number"]


def _adult_case(client: httpx.Client, platform: dict, **fields: object) -> dict:
    content = uid("post")
    post_content(client, platform["api_key"], content, uid("poster"))
    body = {"reporter_role": "victim", "minor_depicted": "no", "contact": "jane@example.org"}
    r = report(client, [content], **{**body, **fields})
    assert r.status_code == 201, r.text
    return {**r.json(), "content": content}


def _post(client: httpx.Client, path: str, **data: object) -> httpx.Response:
    return client.post(path, data={"csrf": csrf(client, path.rsplit("/", 1)[0]), **data})


def _checked(html: str, value: str) -> bool:
    return re.search(rf'name="decision" value="{value}"[^>]*\bchecked', html) is not None


def test_a_refused_decision_keeps_the_choice_reason_and_items(client, platform, live, db):
    number = _case(client, platform)
    reviewer = make_user(db, "reviewer")
    with login(live.url, reviewer) as staff:
        page = staff.get(f"/cases/{number}").text
        item = re.search(r'name="items" value="(\d+)"', page).group(1)
        # A confirmation without a category is refused: nothing chosen may be lost.
        typed = "Age 13 in the statement & police number <given>."
        r = _post(staff, f"/cases/{number}/decide", decision="confirm", reason=typed,
                  items=item, selecting="1")  # fmt: skip
        assert r.status_code == 422
        assert 'id="error"' in r.text and 'href="#f-category">Go to the field' in r.text
        assert re.search(r'id="f-category" name="category" aria-invalid="true"', r.text)
        assert _checked(r.text, "confirm") and not _checked(r.text, "dismiss")
        assert "Age 13 in the statement &amp; police number &lt;given&gt;.</textarea>" in r.text
        assert re.search(rf'name="items" value="{item}"[^>]*checked', r.text)
        # The attacker's side: what a reviewer typed is escaped, never markup.
        assert "<given>" not in r.text


def test_message_values_survive_a_preview_and_an_unfilled_send(client, platform, live, db):
    number = _case(client, platform)
    with login(live.url, make_user(db, "reviewer")) as staff:
        path = f"/cases/{number}/message"
        shown = _post(staff, path, template="need_more_information", action="preview",
                      value_question="Where did you see it?")  # fmt: skip
        assert "Where did you see it?" in shown.text
        assert 'name="value_question" value="Where did you see it?"' in shown.text
        unfilled = _post(staff, path, template="need_more_information", action="send")
        assert unfilled.status_code == 422 and "Fill in: question" in unfilled.text


def test_free_text_reaches_only_its_reporter(client, platform, live, db):
    ids = seed_family(client, platform["api_key"])
    first = report(client, [ids["video"]], headers={"x-forwarded-for": uid("10.8")}).json()
    second = report(client, [ids["repost1"]], headers={"x-forwarded-for": uid("10.7")}).json()
    assert first["case_number"] == second["case_number"]
    number = first["case_number"]
    with login(live.url, make_user(db, "reviewer")) as staff:
        page = staff.get(f"/cases/{number}").text
        to = re.findall(r'id="f-free_text-to".*?<option value="(\d+)"', page, re.S)[0]
        empty = _post(staff, f"/cases/{number}/message", template="free_text", action="send",
                      report_id=to, text="   ")  # fmt: skip
        assert empty.status_code == 422 and "Write the message first." in empty.text
        words = "Thank you. We have hidden it and a specialist is looking now."
        sent = _post(staff, f"/cases/{number}/message", template="free_text", action="send",
                     report_id=to, text=words)  # fmt: skip
        assert "Message sent to the reporter." in sent.text
        # A report of another case is never a recipient, whatever the form says.
        other = report(client, [seed_family(client, platform["api_key"])["video"]]).json()
        with db.session() as session:
            stranger = find_case(session, other["case_number"]).id
            foreign = session.scalar(select(Report.id).where(Report.case_id == stranger))
        fields = {"template": "free_text", "action": "send", "text": "for someone else"}
        misdirected = _post(staff, f"/cases/{number}/message", report_id=str(foreign), **fields)
        assert misdirected.status_code == 422
        assert "Choose which reporter the message is for." in misdirected.text
    assert "for someone else" not in str(status(client, other["case_number"], other["pin"]))
    seen = [u["message"] for u in status(client, number, first["pin"])["updates"]]
    unseen = [u["message"] for u in status(client, number, second["pin"])["updates"]]
    assert words in seen and words not in unseen


def test_a_claim_shows_and_locks_the_form_for_others(client, platform, live, db):
    number = _case(client, platform)
    holder, other = make_user(db, "reviewer"), make_user(db, "reviewer")
    with login(live.url, holder) as a, login(live.url, other) as b:
        assert _post(a, f"/cases/{number}/claim").status_code == 303
        mine = a.get(f"/cases/{number}").text
        assert 'id="locked"' not in mine and "claimed by you" in mine
        theirs = b.get(f"/cases/{number}").text
        assert 'id="locked"' in theirs and f"{holder['username']} is working on this case" in theirs
        assert '<fieldset class="locker" disabled>' in theirs
        assert "Claim this case" not in theirs
        # The lock is the server's, not only the page's: a forged post is refused.
        forged = _post(b, f"/cases/{number}/decide", decision="escalate", reason="mine now")
        assert forged.status_code == 409 and "Another reviewer" in forged.text


def test_decide_and_open_next_case_claims_the_next_one(client, platform, live, db):
    reviewer, other = make_user(db, "reviewer"), make_user(db, "reviewer")
    first, _waiting = _case(client, platform), _case(client, platform)
    with login(live.url, reviewer) as staff:
        r = _post(staff, f"/cases/{first}/decide", decision="escalate",
                  reason="needs a specialist", then="next")  # fmt: skip
        assert r.status_code == 303
        target = r.headers["location"]
        assert target.startswith("/cases/TD-") and first not in target
        assert "claimed by you" in staff.get(target).text
    held = target.rsplit("/", 1)[1]
    later, _more = _case(client, platform), _case(client, platform)  # after the claim
    with login(live.url, other) as them:
        r2 = _post(them, f"/cases/{later}/decide", decision="escalate",
                   reason="specialist please", then="next")  # fmt: skip
        assert r2.status_code == 303
        assert held not in r2.headers["location"] and later not in r2.headers["location"]
        # Whoever holds a claim is never sent to a second review they cannot do.
        landed = them.get(r2.headers["location"]).text
        assert "Pending second review</strong>" not in landed


def test_take_it_down_case_has_its_banner_deadline_and_queue(client, platform, live, db):
    receipt = _adult_case(client, platform, take_it_down=TIDA)
    number = receipt["case_number"]
    with db.session() as session:
        assert find_case(session, number).queue == "take_it_down"
    with login(live.url, make_user(db, "reviewer")) as staff:
        page = staff.get(f"/cases/{number}").text
        assert 'id="take-it-down"' in page and "within 48 hours" in page
        due = receipt["removal_due_at"][:16]
        assert re.search(rf'id="removal-due"><time datetime="{re.escape(due)}', page)
        view = staff.get("/queue?view=take_it_down").text
        assert number in view and "TAKE IT DOWN" in view
        assert number not in staff.get("/queue?view=closed").text
    # A reviewer limited to the general queue no longer sees it; nothing else moved.
    with login(live.url, make_user(db, "reviewer", queues=["general"])) as general:
        assert general.get(f"/cases/{number}").status_code == 403


def test_police_tag_from_the_first_report(client, platform, live, db):
    number = _case(client, platform, law_enforcement_case_number="HSI-2020-0113")
    with login(live.url, make_user(db, "reviewer")) as staff:
        assert 'id="police-tag"' in staff.get(f"/cases/{number}").text
        found = staff.get("/queue", params={"q": number}).text
        assert re.search(rf"{number}</a></td>\s*<td>.*?tag police", found, re.S)


def test_search_by_case_content_account_handle_and_hash(client, platform, live, db):
    ids = seed_family(client, platform["api_key"])
    number = report(client, [ids["repost1"]]).json()["case_number"]
    image = synthetic_image(uuid.uuid4().int % 2**31)  # benign, generated
    handle = uid("@handle")
    pictured = upload(client, platform["api_key"], media=image, handle=handle)
    hashed = report(client, [pictured["post"]]).json()["case_number"]
    with login(live.url, make_user(db, "reviewer")) as staff:
        for q, want in (
            (number, number),
            (number.lower(), number),
            (ids["repost1"], number),
            (ids["author"], number),
            (f"https://example.social/p/{ids['video']}", number),
            (handle, hashed),
            (hashlib.md5(image).hexdigest(), hashed),
            (hashlib.sha256(image).hexdigest().upper(), hashed),
            (fingerprints.image_pdq(image).hex, hashed),
        ):
            found = staff.get("/queue", params={"q": q}).text
            assert want in found, q
        assert "No case matches." in staff.get("/queue", params={"q": uid("nothing")}).text
    # Search never shows a case outside one's queues.
    with login(live.url, make_user(db, "reviewer", queues=["general"])) as general:
        assert number not in general.get("/queue", params={"q": ids["repost1"]}).text


def test_hostile_search_text_is_bounded_and_escaped(client, live, db):
    with login(live.url, make_user(db, "reviewer")) as staff:
        odd = staff.get("/queue", params={"q": "<script>x</script>' OR 1=1 --"})
        assert odd.status_code == 200 and "<script>x" not in odd.text
        assert staff.get("/queue", params={"q": "a" * 501}).status_code == 422
        assert staff.get("/queue", params={"q": "\x00"}).status_code == 200
        assert staff.get("/queue", params={"view": "nonsense"}).status_code == 200


def test_closed_escalated_and_second_review_views(client, platform, live, db):
    reviewer = make_user(db, "reviewer")
    escalated, dismissed = _case(client, platform), _case(client, platform)
    closed = _adult_case(client, platform)["case_number"]
    with login(live.url, reviewer) as staff:
        _post(staff, f"/cases/{escalated}/decide", decision="escalate", reason="age unclear")
        _post(staff, f"/cases/{dismissed}/decide", decision="dismiss", reason="not a minor")
        _post(staff, f"/cases/{closed}/decide", decision="dismiss", reason="not what it says")
        assert escalated in staff.get("/queue?view=escalated").text
        pending = staff.get("/queue?view=pending_second_review").text
        assert dismissed in pending and escalated not in pending
        done = staff.get("/queue?view=closed").text
        assert closed in done and escalated not in done


def test_internal_notes_are_kept_audited_and_never_shown_to_the_reporter(
    client, platform, live, db
):
    ids = seed_family(client, platform["api_key"])
    receipt = report(client, [ids["video"]]).json()
    number = receipt["case_number"]
    words = "Same uploader as TD-OLD case; checked with the police liaison."
    with login(live.url, make_user(db, "reviewer")) as staff:
        empty = _post(staff, f"/cases/{number}/notes", note="  ")
        assert empty.status_code == 422 and "Write the note first." in empty.text
        saved = _post(staff, f"/cases/{number}/notes", note=words)
        assert saved.status_code == 303 and "notice=noted" in saved.headers["location"]
        page = staff.get(f"/cases/{number}").text
        assert words in page and "Internal note added" in page
    with login(live.url, make_user(db, "auditor")) as auditor:
        refused = _post(auditor, f"/cases/{number}/notes", note="auditors only read")
        assert refused.status_code == 403
    # Someone whose queues do not hold the case can neither read nor write its notes.
    with login(live.url, make_user(db, "reviewer", queues=["general"])) as outsider:
        assert outsider.get(f"/cases/{number}").status_code == 403
        token = csrf(outsider, "/me")
        sneaked = outsider.post(f"/cases/{number}/notes", data={"csrf": token, "note": "hi"})
        assert sneaked.status_code == 403
    with db.session() as session:
        case = find_case(session, number)
        notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)))
        events = list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "case.noted", AuditEvent.subject_id == str(case.id)
                )
            )
        )
    assert [n.body for n in notes] == [words] and len(events) == 1
    assert words not in str(status(client, number, receipt["pin"]))


def test_timeline_in_words_and_times_for_local_display(client, platform, live, db):
    number = _case(client, platform)
    with login(live.url, make_user(db, "reviewer")) as staff:
        page = staff.get(f"/cases/{number}").text
    timeline = page.split('id="h-timeline"', 1)[1]
    assert "Report received" in timeline and "report.received" not in timeline
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">[^<]+ UTC</time>', timeline)
    assert '<script src="/static/localtime.js" defer></script>' in page
