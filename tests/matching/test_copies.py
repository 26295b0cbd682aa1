"""Every copy found and blocked, through the public API over real HTTP."""

from __future__ import annotations

import pytest
from tests.e2e.helpers import decide, report, uid
from tests.matching.helpers import check, copy_of, image, upload
from tests.support import wait_for

from takedown import matching
from takedown.fingerprints import hash_bytes


def _ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def test_a_report_restricts_near_duplicate_copies_from_other_accounts(
    client, platform, receiver, reviewers
):
    key = platform["api_key"]
    original = image(101)
    first, copy, unrelated = uid("orig"), uid("copy"), uid("other")
    assert _ok(upload(client, key, first, uid("trafficker"), original))["verdict"] == "allow"
    assert _ok(upload(client, key, copy, uid("burner"), copy_of(original)))["verdict"] == "allow"
    assert _ok(upload(client, key, unrelated, uid("someone"), image(202)))["verdict"] == "allow"

    receipt = report(client, [first]).json()
    assert receipt["priority"] == "P0"
    events = wait_for(
        lambda: (
            len(receiver.events("content.restricted")) >= 2
            and receiver.events("content.restricted")
        ),
        what="restrictions",
    )
    assert {e["data"]["content_id"] for e in events} == {first, copy}

    # After the report, a new copy is held at upload and joins the case.
    later = _ok(upload(client, key, uid("late"), uid("burner2"), copy_of(original, crop=0.005)))
    assert later["verdict"] == "hold"
    assert later["case_number"] == receipt["case_number"]
    assert first in later["copy_of"]

    confirmed = decide(client, reviewers[0], receipt["case_number"], "confirm")
    assert confirmed.status_code == 200, confirmed.text
    removed = wait_for(
        lambda: len(receiver.events("content.removed")) >= 3 and receiver.events("content.removed"),
        what="removals",
    )
    assert {first, copy, later["id"]} <= {e["data"]["content_id"] for e in removed}
    assert unrelated not in {e["data"]["content_id"] for e in removed}

    detail = client.get(
        f"/v1/cases/{receipt['case_number']}", headers={"authorization": f"Bearer {reviewers[0]}"}
    ).json()
    assert len(detail["accounts"]) == 3

    # Confirmed media never comes back: a fresh re-upload is blocked, with provenance.
    again = _ok(upload(client, key, uid("again"), uid("burner3"), copy_of(original, crop=0.012)))
    assert again["verdict"] == "block"
    assert again["visibility"] == "removed"
    match = again["matches"][0]
    assert match["bank"] == matching.CONFIRMED_BANK
    assert match["action"] == "block"
    assert match["distance"] <= 31
    exact = _ok(upload(client, key, uid("exact"), uid("burner4"), original))
    assert exact["verdict"] == "block"
    assert {m["signal"] for m in exact["matches"]} >= {"md5", "sha256"}
    receiver.verify_all()


def test_check_a_bare_file_or_hashes_against_a_bank(client, platform, db):
    key = platform["api_key"]
    known, other = image(303), image(304)
    fingerprint = hash_bytes(known)
    name = uid("bank")
    with db.session() as session:
        bank = matching.create_bank(session, name, "review", source="ncmec-test")
        matching.add_entries(
            session,
            bank,
            [
                matching.EntryIn(
                    "pdq", bytes.fromhex(fingerprint.pdq), entry_id="N-1", classification="A1"
                )
            ],
        )
    result = wait_for(
        lambda: _ok(check(client, key, copy_of(known)))["matches"],
        what="the bank hash to reach the index",
    )
    assert result[0]["bank"] == name and result[0]["entry_id"] == "N-1"
    assert result[0]["classification"] == "A1" and result[0]["source"] == "ncmec-test"
    assert _ok(check(client, key, copy_of(known)))["verdict"] == "hold"
    assert _ok(check(client, key, other))["verdict"] == "allow"
    by_hash = _ok(check(client, key, hashes={"pdq": [fingerprint.pdq]}))
    assert by_hash["verdict"] == "hold"

    with db.session() as session:
        matching.set_bank_enabled(session, name, False)
    wait_for(
        lambda: _ok(check(client, key, copy_of(known)))["verdict"] == "allow",
        what="the disabled bank to leave the index",
    )


def test_exact_md5_from_a_hash_list_blocks(client, platform, db):
    key = platform["api_key"]
    data = image(405)
    name = uid("md5bank")
    with db.session() as session:
        bank = matching.create_bank(session, name, "block")
        matching.add_entries(
            session,
            bank,
            [matching.EntryIn("md5", bytes.fromhex(hash_bytes(data).md5), entry_id="TID-9")],
        )
    verdict = wait_for(
        lambda: _ok(check(client, key, data))["verdict"] == "block" or None, what="md5 match"
    )
    assert verdict
    md5s = _ok(check(client, key, hashes={"md5": hash_bytes(data).md5}))
    assert md5s["verdict"] == "block" and md5s["matches"][0]["signal"] == "md5"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"not an image at all", 422, "not_media"),
        (image(7)[:4000], 422, "truncated"),
    ],
)
def test_bad_media_gets_a_clear_error(client, platform, payload, status, code):
    r = check(client, platform["api_key"], payload)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    r = upload(client, platform["api_key"], uid("bad"), uid("a"), payload)
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_check_needs_media_or_valid_hashes(client, platform):
    key = platform["api_key"]
    r = client.post("/v1/check", json={}, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "media"
    r = check(client, key, hashes={"pdq": ["zz" * 32]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    r = client.post("/v1/check", json={"hashes": {}}, headers={})
    assert r.status_code == 401


def test_oversized_upload_is_refused_before_reading(client, platform, settings):
    big = b"\xff\xd8" + b"\x00" * (settings.max_upload_bytes + 10)
    r = check(client, platform["api_key"], big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
