"""The report-to-takedown loop through real HTTP, a real worker and a real PostgreSQL."""

from __future__ import annotations

from tests.e2e.helpers import decide, post_content, report, seed_family, status, uid
from tests.support import wait_for


def test_minor_report_restricts_content_and_every_repost_and_signs_webhooks(
    client, platform, receiver
):
    ids = seed_family(client, platform["api_key"])
    r = report(
        client,
        [f"https://example.social/p/{ids['repost1']}/"],
        law_enforcement_case_number="HSI-2020-0113",
    )
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["priority"] == "P0"
    assert receipt["state"] == "restricted"
    assert len(receipt["pin"]) == 8 and receipt["pin"].isdigit()

    # Restricted when the report was acknowledged: the same transaction did both.
    now = status(client, receipt["case_number"], receipt["pin"])
    assert now["hidden_items"] == 3
    assert now["content_items"] == 3

    events = wait_for(
        lambda: (
            len(receiver.events("content.restricted")) >= 3
            and receiver.events("content.restricted")
        ),
        what="restriction webhooks",
    )
    restricted = {e["data"]["content_id"] for e in events}
    assert restricted == {ids["video"], ids["repost1"], ids["repost2"]}
    assert all(e["data"]["visibility"] == "author_only" for e in events)
    assert all(not e["data"]["monetised"] and not e["data"]["shareable"] for e in events)
    receiver.verify_all()

    # A repost made after the report is held, not published.
    late = post_content(
        client, platform["api_key"], uid("late"), uid("fan"), repost_of=ids["repost2"]
    )
    assert late["verdict"] == "hold"
    assert late["visibility"] == "restricted"
    unrelated = post_content(client, platform["api_key"], uid("new"), ids["author"])
    assert unrelated["verdict"] == "allow"


def test_tampered_signature_is_rejected_by_the_receiver(client, platform, receiver):
    import pytest
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    ids = seed_family(client, platform["api_key"])
    report(client, [ids["video"]])
    wait_for(lambda: receiver.received, what="a webhook")
    message = receiver.received[0]
    headers = {k.lower(): v for k, v in message.headers.items()}
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(message.body.replace(b"restricted", b"restored"), headers)


def test_one_reviewer_cannot_dismiss_a_child_report(client, platform, receiver, reviewers):
    ids = seed_family(client, platform["api_key"])
    receipt = report(client, [ids["video"]]).json()
    case = receipt["case_number"]

    first = decide(client, reviewers[0], case, "dismiss", "looks like an adult to me")
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "pending_second_review"
    seen = status(client, case, receipt["pin"])
    assert seen["hidden_items"] == 3
    assert "second" in seen["updates"][-1]["message"]

    again = decide(client, reviewers[0], case, "dismiss", "still think so")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "second_reviewer_required"
    assert status(client, case, receipt["pin"])["hidden_items"] == 3

    second = decide(client, reviewers[2], case, "dismiss", "adult performer, verified")
    assert second.json()["state"] == "dismissed"
    final = status(client, case, receipt["pin"])
    assert final["hidden_items"] == 0
    last = final["updates"][-1]["message"]
    assert "Two different reviewers" in last and "another review" in last
    assert "no violation" not in " ".join(u["message"] for u in final["updates"]).lower()
    wait_for(lambda: len(receiver.events("content.restored")) == 3, what="restore webhooks")


def test_confirm_removes_everything_suspends_the_poster_and_blocks_reposts(
    client, platform, receiver, reviewers
):
    ids = seed_family(client, platform["api_key"])
    receipt = report(client, [ids["repost2"]]).json()
    r = decide(client, reviewers[0], receipt["case_number"], "confirm", "CSAM, victim is 13")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "confirmed"

    seen = status(client, receipt["case_number"], receipt["pin"])
    assert seen["state_label"] == "Removed"
    assert seen["removed_items"] == 3
    removed = wait_for(
        lambda: len(receiver.events("content.removed")) >= 3 and receiver.events("content.removed"),
        what="removal webhooks",
    )
    assert {e["data"]["content_id"] for e in removed} == {
        ids["video"],
        ids["repost1"],
        ids["repost2"],
    }
    suspended = wait_for(lambda: receiver.events("account.suspended"), what="suspension")
    assert ids["author"] in {e["data"]["account_id"] for e in suspended}

    again = post_content(
        client, platform["api_key"], uid("again"), uid("x"), repost_of=ids["video"]
    )
    assert again["verdict"] == "block"
    receiver.verify_all()


def test_further_reports_join_the_case_and_raise_it(client, platform, reviewers):
    ids = seed_family(client, platform["api_key"])
    low = report(
        client, [ids["video"]], reporter_role="platform_user", minor_depicted="no", age_at_time=None
    ).json()
    assert low["priority"] == "P2"
    assert low["state"] == "open"
    assert status(client, low["case_number"], low["pin"])["hidden_items"] == 0

    police = report(
        client,
        [ids["repost2"]],
        reporter_role="law_enforcement",
        minor_depicted="unsure",
        law_enforcement_case_number="CASE-77",
    ).json()
    assert police["case_number"] == low["case_number"]
    assert police["priority"] == "P0"
    assert police["state"] == "restricted"
    joined = status(client, low["case_number"], low["pin"])
    assert joined["reports"] == 2
    assert joined["hidden_items"] == 3


def test_a_dismissed_case_reopens_on_a_new_report(client, platform, reviewers):
    ids = seed_family(client, platform["api_key"])
    first = report(
        client, [ids["video"]], minor_depicted="no", reporter_role="platform_user", age_at_time=None
    ).json()
    assert decide(client, reviewers[0], first["case_number"], "dismiss").json()["state"] == (
        "dismissed"
    )
    second = report(client, [ids["video"]]).json()
    assert second["case_number"] == first["case_number"]
    assert second["state"] == "restricted"


def test_webhooks_are_retried_until_acknowledged(client, platform, receiver, db):
    from sqlalchemy import select

    from takedown.enforcement.models import WebhookDelivery

    receiver.fail_next = 3
    ids = seed_family(client, platform["api_key"])
    report(client, [ids["other"]])
    event = wait_for(lambda: receiver.events("content.restricted"), what="retried delivery")
    assert event[0]["data"]["content_id"] == ids["other"]

    def recorded() -> WebhookDelivery | None:
        # The worker commits "delivered" just after the platform has answered.
        with db.session() as session:
            found = session.scalar(
                select(WebhookDelivery).where(WebhookDelivery.platform_id == int(platform["id"]))
            )
            return found if found is not None and found.status == "delivered" else None

    delivery = wait_for(recorded, what="the delivery to be recorded")
    # Three refusals, then the acknowledged attempt.
    assert delivery.attempts == 4, delivery.attempts
    assert receiver.attempts == 4
    assert len(receiver.received) == 1
