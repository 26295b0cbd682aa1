"""Bank hygiene over real HTTP: an allowlist bank suppresses other banks' matches, a curator
disables one entry, and a hash that suddenly matches too many items is quarantined for a
supervisor (its matches listed) instead of acting on all of them."""

from __future__ import annotations

import uuid

import httpx
from tests.e2e.helpers import uid
from tests.matching.helpers import copy_of, image, upload
from tests.support import LiveServer, wait_for

from takedown import matching
from takedown.fingerprints import hash_bytes
from takedown.people import create_user


def _bank(db, action: str, picture: bytes) -> str:
    name = f"HYG_{uuid.uuid4().hex[:8].upper()}"
    with db.session() as session:
        bank = matching.create_bank(session, name, action, source="test")
        pdq = bytes.fromhex(hash_bytes(picture).pdq)
        matching.add_entries(session, bank, [matching.EntryIn("pdq", pdq, entry_id=name)])
    return name


def _verdict(client, key, picture) -> dict:
    r = upload(client, key, uid("c"), uid("a"), copy_of(picture))
    assert r.status_code == 200, r.text
    return r.json()


def _key(db, role: str, email: str | None = None) -> dict[str, str]:
    with db.session() as session:
        key = create_user(session, f"{role}-{uuid.uuid4().hex[:8]}", role, email=email).api_key
    return {"authorization": f"Bearer {key}"}


def test_an_allowlist_bank_suppresses_the_block(client, platform, db):
    picture = image(801)
    blocking = _bank(db, "block", picture)
    blocked = wait_for(
        lambda: (v := _verdict(client, platform["api_key"], picture))["verdict"] == "block" and v,
        what="the block bank in the index",
    )
    assert blocked["matches"][0]["bank"] == blocking
    allowing = _bank(db, "allow", picture)  # a known false positive
    allowed = wait_for(
        lambda: (v := _verdict(client, platform["api_key"], picture))["verdict"] == "allow" and v,
        what="the allowlist in the index",
    )
    assert [m["bank"] for m in allowed["matches"]] == [allowing]


def test_a_curator_disables_one_entry(client, platform, db):
    picture = image(802)
    name = _bank(db, "block", picture)
    curator = _key(db, "curator")
    wait_for(
        lambda: _verdict(client, platform["api_key"], picture)["verdict"] == "block",
        what="the entry in the index",
    )
    pdq = hash_bytes(picture).pdq
    found = client.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": pdq}, headers=curator
    ).json()
    entry = found[name][0]["bank_content_id"]
    off = client.put(
        f"/c/bank/{name}/content/{entry}", json={"disable_until_ts": 0}, headers=curator
    )
    assert off.status_code == 200 and off.json()["disable_until_ts"] == 0
    assert off.json()["signals"] == {"pdq": pdq}
    wait_for(
        lambda: _verdict(client, platform["api_key"], picture)["verdict"] == "allow",
        what="the disabled entry to stop matching",
    )


def test_a_flooding_hash_is_quarantined_for_a_supervisor(settings, db, live, platform, smtp_sink):
    from takedown.web.app import create_app

    picture = image(803)
    name = _bank(db, "block", picture)
    address = f"sup-{uuid.uuid4().hex[:6]}@example.org"
    supervisor = _key(db, "supervisor", email=address)
    key = platform["api_key"]
    flood = settings.model_copy(update={"flood_matches": 2, "flood_window_minutes": 60})
    server = LiveServer(create_app(flood, db=db, run_worker=False))
    with server, httpx.Client(base_url=server.url, timeout=30) as client:
        first = wait_for(
            lambda: (v := _verdict(client, key, picture))["verdict"] == "block" and v,
            what="the entry in the index",
        )
        assert first["matches"][0]["bank"] == name
        assert _verdict(client, key, picture)["verdict"] == "block"  # the 2nd distinct item
        third = _verdict(client, key, picture)  # one too many: it stops acting
        assert third["verdict"] == "allow" and third["matches"] == []
        listed = client.get("/v1/quarantines", headers=supervisor).json()
        mine = next(q for q in listed if q["bank"] == name)
        assert mine["hits"] == 3 and len(mine["matches"]) == 3
        assert third["id"] in {m["content_id"] for m in mine["matches"]}
        assert client.get("/v1/quarantines", headers=_key(db, "reviewer")).status_code == 403
        told = wait_for(lambda: smtp_sink.to(address), timeout=60, what="the supervisor's e-mail")
        assert name in told[0]["Subject"] and f"quarantine {mine['id']}" in told[0].get_content()
        # Released by the supervisor: it acts again, counting afresh.
        released = client.post(f"/v1/quarantines/{mine['id']}/release", headers=supervisor)
        assert released.json() == {"id": mine["id"], "state": "released"}
        again = client.post(f"/v1/quarantines/{mine['id']}/release", headers=supervisor)
        assert again.status_code == 409
        wait_for(
            lambda: _verdict(client, key, picture)["verdict"] == "block",
            what="the released entry to act again",
        )
