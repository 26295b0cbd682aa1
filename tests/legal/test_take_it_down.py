"""TAKE IT DOWN Act requests through the API and the form; DSA Art. 16 receipts and Art. 22
priority for trusted flaggers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from takedown.audit.models import AuditEvent
from takedown.demo.media import synthetic_image
from takedown.legal.models import TakeItDownRequest
from tests.legal.helpers import case_id, confirm, post, report, uid, upload
from tests.support import wait_for

REQUEST = {"signature": "Jane Doe", "good_faith": True, "identification": "a photo of me"}


def _removed(receiver, content_id: str) -> bool:  # type: ignore[no-untyped-def]
    return any(
        r.json["type"] == "content.removed" and r.json["data"]["content_id"] == content_id
        for r in receiver.received
    )


def test_request_starts_a_48_hour_clock(client, platform, staff):
    ids = upload(client, platform["api_key"])
    receipt = report(
        client, [ids["post"]], minor_depicted="no", contact="jane@example.org",
        take_it_down=REQUEST,
    )  # fmt: skip
    received = datetime.fromisoformat(receipt["received_at"])
    due = datetime.fromisoformat(receipt["removal_due_at"])
    assert due == received + timedelta(hours=48)
    case = client.get(
        f"/v1/cases/{receipt['case_number']}",
        headers={"authorization": f"Bearer {staff['child_safety_specialist'][1]}"},
    ).json()
    assert datetime.fromisoformat(case["deadline_at"]) <= due


def test_a_request_needs_contact_and_good_faith(client, platform):
    ids = upload(client, platform["api_key"])
    body = {"content": [ids["post"]], "reporter_role": "victim", "minor_depicted": "no"}
    no_contact = client.post("/v1/reports", json={**body, "take_it_down": REQUEST})
    assert no_contact.status_code == 422
    assert no_contact.json()["error"]["field"] == "take_it_down"
    no_faith = client.post(
        "/v1/reports",
        json={**body, "take_it_down": {**REQUEST, "good_faith": False, "contact": "j@x.org"}},
    )
    assert no_faith.status_code == 422
    assert no_faith.json()["error"]["field"].startswith("take_it_down")


def test_confirmation_removes_identical_copies_and_blocks_new_ones(
    client, platform, receiver, staff, db
):
    image = synthetic_image(77)
    ids = upload(client, platform["api_key"], media=image)
    copy = uid("copy")
    body = {"id": copy, "author_id": uid("other"), "media_type": "image"}
    assert post(client, platform["api_key"], body, image)["verdict"] == "allow"
    receipt = report(
        client, [ids["post"]], minor_depicted="no", take_it_down={**REQUEST, "contact": "j@x.org"}
    )
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "ncii")
    wait_for(lambda: _removed(receiver, copy), what="the identical copy removed")
    again = {"id": uid("again"), "author_id": uid("third"), "media_type": "image"}
    assert post(client, platform["api_key"], again, image)["verdict"] == "block"
    case = case_id(db, receipt["case_number"])
    with db.session() as session:
        request = session.scalar(select(TakeItDownRequest).where(TakeItDownRequest.case_id == case))
        assert request.removed_at is not None and request.removed_at <= request.removal_due_at
        done = session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "take_it_down.removed", AuditEvent.subject_id == str(case)
            )
        )
        assert done.data["on_time"] is True


def test_the_form_takes_a_request(client, platform, db):
    page = client.get("/report")
    assert 'id="f-take_it_down"' in page.text and 'name="tid_signature"' in page.text
    ids = upload(client, platform["api_key"])
    form = {
        "content": ids["post"],
        "reporter_role": "victim",
        "minor_depicted": "no",
        "contact": "jane@example.org",
        "take_it_down": "yes",
        "tid_good_faith": "yes",
        "tid_signature": "Jane Doe",
        "tid_identification": "",
    }
    unsigned = client.post("/report", data={**form, "tid_signature": ""})
    assert unsigned.status_code == 422 and "Write your full name" in unsigned.text
    assert 'aria-describedby="e-tid_signature"' in unsigned.text
    assert 'name="take_it_down" value="yes" checked' in unsigned.text
    sent = client.post("/report", data=form)
    assert sent.status_code == 303, sent.text
    receipt = client.get(sent.headers["location"])
    assert 'id="removal-due"' in receipt.text  # the 48 hours' end, on the receipt
    number = re.search(r'id="case-number">([^<]+)<', receipt.text).group(1)
    with db.session() as session:
        request = session.scalar(
            select(TakeItDownRequest).where(TakeItDownRequest.case_id == case_id(db, number))
        )
    assert request.signature == "Jane Doe" and request.contact == "jane@example.org"


def test_receipt_confirms_the_notice_as_article_16_asks(client, platform):
    ids = upload(client, platform["api_key"])
    receipt = report(client, [ids["post"]])
    assert "Article 16" in receipt["notice"] and "automatically" in receipt["notice"]
    assert receipt["received_at"] and receipt["removal_due_at"] is None


def test_trusted_flaggers_come_first_article_22(client, platform):
    ids = upload(client, platform["api_key"])
    flagged = report(client, [ids["post"]], reporter_role="trusted_flagger", minor_depicted="no")
    other = upload(client, platform["api_key"])
    seen = report(client, [other["post"]], reporter_role="platform_user", minor_depicted="no")
    assert flagged["priority"] == "P1" and seen["priority"] == "P2"
