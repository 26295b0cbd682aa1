"""Reports and re-review requests that arrive while a round is under way (an uploader's
appeal, a reporter's re-review): the report is taken and joins the round, the round is not
dropped, and two requests at once open one round. (Found by an attack probe of the case
transition table: these were 500s, and before the table they silently ended the appeal.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.console.helpers import make_user
from tests.e2e.helpers import post_content, report, seed_family, uid

QUEUES = ["general", "child_safety", "appeals"]


def _api(live, user) -> httpx.Client:
    return httpx.Client(
        base_url=live.url, timeout=30, headers={"authorization": f"Bearer {user['api_key']}"}
    )


def _decide(c, case, decision, reason="reviewed", category=None, items=None):
    body: dict[str, object] = {"decision": decision, "reason": reason}
    if category:
        body["category"] = category
    if items is not None:
        body["items"] = items
    return c.post(f"/v1/cases/{case}/decisions", json=body)


def _items(c, case) -> dict[str, dict]:
    return {i["content_id"]: i for i in c.get(f"/v1/cases/{case}").json()["items"]}


def _case_under_appeal_with_a_dismissed_item(client, platform, live, db):
    """Confirmed, one appeal granted (its item reinstated: dismissed in the case), and a
    second appeal open: the case is `appealed` and holds a dismissed item."""
    ids = seed_family(client, platform["api_key"])
    case = report(client, [ids["video"]]).json()["case_number"]
    pk = {"authorization": f"Bearer {platform['api_key']}"}
    a = make_user(db, "child_safety_specialist", queues=QUEUES)
    b = make_user(db, "child_safety_specialist", queues=QUEUES)
    with _api(live, a) as A, _api(live, b) as B:
        assert _decide(A, case, "confirm", "adult nudity", "other").status_code == 200
        first = client.post("/v1/appeals", json={"content_id": ids["video"]}, headers=pk)
        assert first.status_code == 201, first.text
        assert _decide(B, case, "dismiss", "grant").json()["state"] == "confirmed"
        assert _items(B, case)[ids["video"]]["state"] == "dismissed"
        second = client.post("/v1/appeals", json={"content_id": ids["repost1"]}, headers=pk)
        assert second.status_code == 201, second.text
        assert B.get(f"/v1/cases/{case}").json()["state"] == "appealed"
    return ids, case


@pytest.mark.parametrize("take_it_down", [False, True])
def test_a_report_of_dismissed_content_during_an_appeal_is_taken(
    client, platform, live, db, take_it_down
):
    """The report (and a TAKE IT DOWN request with its 48-hour clock) is kept; the appeal
    stays under way, and the reported item waits for its own decision after it."""
    ids, case = _case_under_appeal_with_a_dismissed_item(client, platform, live, db)
    extra = {}
    if take_it_down:
        extra["take_it_down"] = {
            "signature": "Jane Doe",
            "good_faith": True,
            "identification": "the video of me",
        }
        extra["contact"] = "jane@example.org"
    r = report(client, [ids["video"]], headers={"x-forwarded-for": "198.51.100.7"}, **extra)
    assert r.status_code == 201, r.text
    if take_it_down:
        assert r.json()["removal_due_at"]
    reviewer = make_user(db, "child_safety_specialist", queues=QUEUES)
    with _api(live, reviewer) as c:
        assert c.get(f"/v1/cases/{case}").json()["state"] == "appealed"
        assert _items(c, case)[ids["video"]]["state"] == "open"
        decided = _decide(c, case, "confirm", "appeal rejected", "other")
        assert decided.status_code == 200, decided.text
        assert decided.json()["state"] != "appealed"
        assert _items(c, case)[ids["video"]]["state"] == "open"  # still its own decision


def test_a_report_of_a_new_repost_of_dismissed_content_during_an_appeal_is_taken(
    client, platform, live, db
):
    """A repost uploaded after the appeal opened: its family's dismissed root is in the
    appealed case; the report is taken the same way."""
    ids, case = _case_under_appeal_with_a_dismissed_item(client, platform, live, db)
    fresh = uid("repost3")
    post_content(client, platform["api_key"], fresh, uid("fan"), repost_of=ids["video"])
    r = report(client, [fresh], headers={"x-forwarded-for": "198.51.100.9"})
    assert r.status_code == 201, r.text
    assert r.json()["case_number"] == case and r.json()["state"] == "appealed"


def test_a_report_of_content_dismissed_during_a_rereview_is_taken(client, platform, live, db):
    """A reporter's re-review is under way and a reviewer has dismissed one of two items:
    a report of that item is taken and the re-review goes on."""
    key = platform["api_key"]
    x, y = uid("x"), uid("y")
    post_content(client, key, x, uid("author"))
    post_content(client, key, y, uid("author"))
    plain = {"reporter_role": "platform_user", "minor_depicted": "no", "age_at_time": None}
    receipt = report(client, [x, y], statement="looks bad", **plain).json()
    case, pin = receipt["case_number"], receipt["pin"]
    a = make_user(db, "child_safety_specialist")
    c = make_user(db, "child_safety_specialist", queues=QUEUES)
    with _api(live, a) as A:
        items = _items(A, case)
        both = [items[x]["id"], items[y]["id"]]
        assert _decide(A, case, "dismiss", "fine", items=both).json()["state"] == "dismissed"
    asked = client.post(
        f"/v1/reports/{case}/rereview", json={"statement": "please"}, headers={"x-report-pin": pin}
    )
    assert asked.status_code == 201, asked.text
    with _api(live, c) as C:
        _items(C, case)  # looked at
        partial = _decide(C, case, "dismiss", "x is fine", items=[items[x]["id"]])
        assert partial.json()["state"] == "rereview", partial.text
    r = report(
        client, [x], headers={"x-forwarded-for": "198.51.100.8"}, statement="still bad", **plain
    )
    assert r.status_code == 201, r.text
    with _api(live, c) as C:
        assert C.get(f"/v1/cases/{case}").json()["state"] == "rereview"


def test_concurrent_rereview_requests_open_one_round(client, platform, live, db):
    """Simultaneous requests with one PIN: the case is re-read under its lock, so one
    opens the round and the others are told it is asked already (the race is timing-
    dependent: on a quiet machine it may not happen, and then this passes either way)."""
    x = uid("x")
    post_content(client, platform["api_key"], x, uid("author"))
    receipt = report(
        client, [x], reporter_role="platform_user", minor_depicted="no", age_at_time=None
    ).json()
    case, pin = receipt["case_number"], receipt["pin"]
    a = make_user(db, "child_safety_specialist")
    with _api(live, a) as A:
        _items(A, case)
        assert _decide(A, case, "dismiss", "fine").json()["state"] == "dismissed"

    def ask(_: int) -> int:
        with httpx.Client(base_url=live.url, timeout=30) as c:
            return c.post(
                f"/v1/reports/{case}/rereview",
                json={"statement": "please"},
                headers={"x-report-pin": pin},
            ).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(ask, range(8)))
    with _api(live, a) as A:
        appeals = A.get(f"/v1/cases/{case}").json()["appeals"]
    assert codes.count(201) == 1, codes
    assert len(appeals) == 1, appeals
