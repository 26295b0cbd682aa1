"""One item's webhooks reach the platform in order, over real HTTP with a real worker: an
older delivery in flight is waited for, and one that fails after a newer state was made is
superseded, never retried after it."""

from __future__ import annotations

import threading

import pytest

from tests.e2e.helpers import decide, report, seed_family
from tests.enforcement.helpers import content_deliveries, deliveries_waiting_for_a_lock
from tests.support import wait_for


@pytest.mark.parametrize("answer", [503, 204], ids=["fails", "succeeds"])
def test_an_older_delivery_in_flight_never_lands_after_a_newer_one(
    client, platform, receiver, reviewers, db, answer
):
    ids = seed_family(client, platform["api_key"])
    target = ids["other"]
    in_flight, release = threading.Event(), threading.Event()

    def respond(event: dict) -> int | None:
        # The item's restriction is held in flight until the removal has been made.
        if event["type"] == "content.restricted" and event["data"]["content_id"] == target:
            in_flight.set()
            release.wait(60)
            return answer
        return None

    receiver.respond = respond
    receipt = report(client, [target]).json()
    assert receipt["state"] == "restricted"
    wait_for(in_flight.is_set, what="the restriction in flight")
    confirmed = decide(client, reviewers[0], receipt["case_number"], "confirm", "CSAM, age 13")
    assert confirmed.json()["state"] == "confirmed", confirmed.text
    # The removal's delivery waits for the restriction's attempt, not beside it.
    wait_for(lambda: deliveries_waiting_for_a_lock(db), what="the removal to wait its turn")
    assert not receiver.events("content.removed")
    release.set()

    def settled():
        found = content_deliveries(db, platform["id"], target)
        return len(found) == 2 and all(d.status != "pending" for d in found) and found

    restriction, removal = wait_for(settled, what="both deliveries settled")
    arrived = [e for e in receiver.events() if e["data"].get("content_id") == target]
    if answer == 503:
        # Failed while a newer state existed: superseded, not retried after the removal.
        assert (restriction.status, restriction.attempts) == ("superseded", 1)
        assert [e["type"] for e in arrived] == ["content.removed"]
    else:
        assert restriction.status == "delivered"
        assert [e["type"] for e in arrived] == ["content.restricted", "content.removed"]
    assert removal.status == "delivered"
    action_ids = [e["data"]["action_id"] for e in arrived]
    assert action_ids == sorted(action_ids) and len(set(action_ids)) == len(action_ids)
    assert action_ids[-1] == removal.action_id
    receiver.verify_all()


def test_no_item_gets_its_restriction_after_its_removal(client, platform, receiver, reviewers, db):
    """As measured before: every item's restriction is in flight when the removal is made,
    and then fails. Each item's events arrive in increasing action_id, ending in removal."""
    ids = seed_family(client, platform["api_key"])
    family = (ids["video"], ids["repost1"], ids["repost2"])
    held: set[str] = set()
    lock, release = threading.Lock(), threading.Event()

    def respond(event: dict) -> int | None:
        item = event["data"].get("content_id")
        if event["type"] != "content.restricted":
            return None
        with lock:
            held.add(item)
        release.wait(60)
        return 503

    receiver.respond = respond
    receipt = report(client, [ids["video"]]).json()
    wait_for(lambda: held >= set(family), what="every restriction in flight")
    decide(client, reviewers[0], receipt["case_number"], "confirm", "CSAM, age 13")
    # The removals wait for the restrictions' attempts (or, were they not ordered, arrive).
    wait_for(
        lambda: deliveries_waiting_for_a_lock(db) >= 3 or len(receiver.events()) >= 3,
        what="the removals",
    )
    release.set()
    receiver.respond = None
    wait_for(
        lambda: all(
            d.status != "pending"
            for item in family
            for d in content_deliveries(db, platform["id"], item)
        ),
        what="every delivery settled",
    )
    for item in family:
        arrived = [e for e in receiver.events() if e["data"].get("content_id") == item]
        assert [e["type"] for e in arrived] == ["content.removed"], (item, arrived)
