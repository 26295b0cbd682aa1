"""Regressions from a review: no path lets one person or one race leave a child's content up."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from takedown import matching
from tests.console.helpers import make_user
from tests.e2e.helpers import post_content, report, seed_family, uid
from tests.support import wait_for


def _vis(db, external_id: str) -> str:
    with db.session() as s:
        return s.execute(
            text("SELECT visibility FROM content_items WHERE external_id = :e"), {"e": external_id}
        ).scalar_one()


def _api(live, user) -> httpx.Client:
    return httpx.Client(
        base_url=live.url, timeout=30, headers={"authorization": f"Bearer {user['api_key']}"}
    )


def _hashed(client, key, content_id, pdq, **extra):
    body = {
        "id": content_id,
        "author_id": uid("a"),
        "media_type": "image",
        "hashes": {"pdq": [pdq]},
        **extra,
    }
    r = client.post("/v1/content", json=body, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_p0_report_naming_new_content_after_a_confirmation_opens_a_new_case(
    client, platform, live, db
):
    ids = seed_family(client, platform["api_key"])
    first = report(client, [ids["video"]]).json()["case_number"]
    with _api(live, make_user(db, "reviewer")) as api:
        api.post(
            f"/v1/cases/{first}/decisions",
            json={"decision": "confirm", "reason": "A1", "category": "csam_a1"},
        )
    second_video = uid("second-video")
    post_content(client, platform["api_key"], second_video, uid("other"))
    again = report(client, [ids["video"], second_video]).json()
    assert again["case_number"] != first and again["state"] == "restricted"
    assert _vis(db, second_video) == "restricted"


def test_a_p0_report_joining_a_case_under_rereview_restricts(client, platform, live, db):
    ids = seed_family(client, platform["api_key"])
    low = report(client, [ids["video"]], minor_depicted="unsure", age_at_time=None).json()
    with _api(live, make_user(db, "reviewer")) as api:
        api.post(
            f"/v1/cases/{low['case_number']}/decisions",
            json={"decision": "dismiss", "reason": "adult"},
        )
    client.post(
        f"/v1/reports/{low['case_number']}/rereview",
        json={"statement": "he is 13"},
        headers={"x-report-pin": low["pin"]},
    )
    police = report(
        client,
        [ids["repost1"]],
        reporter_role="parent_guardian",
        law_enforcement_case_number="PD-1",
    ).json()
    assert police["case_number"] == low["case_number"] and police["priority"] == "P0"
    assert _vis(db, ids["repost1"]) == "restricted"
    assert _vis(db, ids["video"]) == "restricted"


def test_a_confirmation_needs_a_category(client, platform, live, db):
    ids = seed_family(client, platform["api_key"])
    case = report(client, [ids["video"]]).json()["case_number"]
    with _api(live, make_user(db, "reviewer")) as api:
        r = api.post(f"/v1/cases/{case}/decisions", json={"decision": "confirm", "reason": "x"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "category_required"


def test_a_repost_of_a_review_bank_hold_is_held(client, platform, live, db):
    key, pdq = platform["api_key"], secrets.token_hex(32)
    with db.session() as s:
        bank = matching.create_bank(s, uid("review-bank"), "review")
        matching.add_entries(s, bank, [matching.EntryIn("pdq", bytes.fromhex(pdq))])
    held = wait_for(
        lambda: (r := _hashed(client, key, uid("held"), pdq))["verdict"] == "hold" and r,
        what="the bank hash to be indexed",
    )
    repost = post_content(client, key, uid("repost"), uid("fan"), repost_of=held["id"])
    assert repost["verdict"] == "hold" and repost["visibility"] == "restricted"


def test_dismissing_one_case_does_not_unhide_what_a_p0_case_protects(client, platform, live, db):
    key, pdq = platform["api_key"], secrets.token_hex(32)
    with db.session() as s:
        bank = matching.create_bank(s, uid("rb"), "review")
        matching.add_entries(s, bank, [matching.EntryIn("pdq", bytes.fromhex(pdq))])
    held = wait_for(
        lambda: (r := _hashed(client, key, uid("u"), pdq))["verdict"] == "hold" and r,
        what="the bank hash to be indexed",
    )
    original = _hashed(client, key, uid("orig"), pdq)
    p0 = report(client, [original["id"]]).json()
    assert p0["priority"] == "P0"
    with _api(live, make_user(db, "reviewer")) as api:
        r = api.post(
            f"/v1/cases/{held['case_number']}/decisions",
            json={"decision": "dismiss", "reason": "false positive"},
        )
        assert r.status_code == 200, r.text
    assert _vis(db, held["id"]) == "restricted"


def test_simultaneous_reports_share_one_case(client, platform, live):
    ids = seed_family(client, platform["api_key"])

    def one(_: int) -> str:
        with httpx.Client(base_url=live.url, timeout=30) as c:
            return report(c, [ids["video"]]).json()["case_number"]

    with ThreadPoolExecutor(4) as pool:
        assert len(set(pool.map(one, range(4)))) == 1


def test_a_copy_uploaded_during_a_report_is_restricted_soon_after(client, platform, live, db):
    key, pdq = platform["api_key"], secrets.token_hex(32)
    original = _hashed(client, key, uid("x"), pdq)
    copy_id, result = uid("copy"), {}

    def upload() -> None:
        with httpx.Client(base_url=live.url, timeout=30) as c:
            result["copy"] = _hashed(c, key, copy_id, pdq)

    racer = threading.Thread(target=upload)
    racer.start()
    report(client, [original["id"]])
    racer.join()
    wait_for(lambda: _vis(db, copy_id) == "restricted", what="the second look for copies")
