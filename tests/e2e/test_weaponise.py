"""The attacker's tests, each next to the victim's: anonymous reports must not hide,
remove, suspend, bank or name to NCMEC anything a reviewer did not confirm."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from takedown import cases, legal
from takedown.cases.models import Report
from takedown.legal import ncmec
from takedown.matching.models import BankEntry
from takedown.people import create_user
from takedown.platforms import Account, ContentItem
from tests.e2e.helpers import parent_with_police, post_content, report, uid
from tests.matching.helpers import copy_of, image, upload
from tests.support import wait_for


def _as(client_name: str) -> dict[str, str]:
    return {"x-forwarded-for": client_name}


def _auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def _visibility(db, external_id: str) -> str:  # type: ignore[no-untyped-def]
    with db.session() as session:
        item = session.scalar(select(ContentItem).where(ContentItem.external_id == external_id))
        assert item is not None
        return item.visibility


def _decide(client: httpx.Client, key: str, case: str, decision: str, **body: object):  # type: ignore[no-untyped-def]
    payload = {"decision": decision, "reason": "looked at every item", **body}
    if decision == "confirm":
        payload.setdefault("category", "csam_a1")
    return client.post(f"/v1/cases/{case}/decisions", json=payload, headers=_auth(key))


def _item_id(detail: dict, external_id: str) -> int:
    return next(i["id"] for i in detail["items"] if i["content_id"] == external_id)


def _reporter_client() -> str:
    return f"client-{uuid.uuid4().hex[:12]}"


def test_piggybacked_items_are_not_removed_suspended_banked_or_reported(
    client, platform, reviewers, db, settings
):
    key = platform["api_key"]
    trafficker, innocent = uid("trafficker"), uid("creator")
    video, other = uid("video"), uid("innocent-post")
    assert upload(client, key, video, trafficker, image(5_000_811)).status_code == 200
    assert upload(client, key, other, innocent, image(5_000_812)).status_code == 200
    # The victim's report, then the attacker's naming the same video plus innocent content.
    genuine = report(client, [video], headers=_as(_reporter_client())).json()
    attack = client.post(
        "/v1/reports",
        json={
            "content": [video, other],
            "reporter_role": "parent_guardian",
            "minor_depicted": "yes",
            "age_at_time": 13,
            "law_enforcement_case_number": "FAKE-1",
        },
        headers=_as(_reporter_client()),
    ).json()
    assert attack["case_number"] == genuine["case_number"]
    case = genuine["case_number"]

    # Deciding the case as a whole confirms what the first report brought in, nothing more.
    assert _decide(client, reviewers[0], case, "confirm").status_code == 200
    wait_for(lambda: _visibility(db, video) == "removed", what="the video removed")
    assert _visibility(db, other) != "removed"
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()
    late = next(i for i in detail["items"] if i["content_id"] == other)
    assert late["needs_look"] and late["state"] == "open"
    with db.session() as session:
        account = session.scalar(select(Account).where(Account.external_id == innocent))
        assert account is not None and account.state == "active"
        banked = set(session.scalars(select(BankEntry.entry_id)))
        ids = {
            c.external_id: c.id
            for c in session.scalars(
                select(ContentItem).where(ContentItem.external_id.in_([video, other]))
            )
        }
        assert f"content:{ids[video]}" in banked and f"content:{ids[other]}" not in banked
        row = session.scalar(select(cases.Case).where(cases.Case.number == case))
        xml = ncmec.build_report(legal.facts.gather(session, row), settings).decode()
    assert trafficker in xml and innocent not in xml and other not in xml


def test_a_late_item_is_decided_only_after_a_look_and_by_two_people(
    client, platform, reviewers, db
):
    key = platform["api_key"]
    video, other = uid("video"), uid("innocent-post")
    post_content(client, key, video, uid("trafficker"))
    post_content(client, key, other, uid("creator"))
    case = report(client, [video], headers=_as(_reporter_client())).json()["case_number"]
    report(client, [video, other], headers=_as(_reporter_client()))
    assert _visibility(db, other) == "restricted"  # hidden within the attacker's bounds
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[2])).json()
    late = _item_id(detail, other)

    # Another reviewer, who never opened the case, cannot decide the late item blind.
    blind = _decide(client, reviewers[1], case, "dismiss", items=[late])
    assert blind.status_code == 409 and blind.json()["error"]["code"] == "item_not_looked_at"
    client.get(f"/v1/cases/{case}", headers=_auth(reviewers[1]))
    assert _decide(client, reviewers[1], case, "dismiss", items=[late]).status_code == 200
    assert _visibility(db, other) == "restricted"  # one person is not enough for a P0 item
    assert _decide(client, reviewers[2], case, "dismiss", items=[late]).status_code == 200
    wait_for(lambda: _visibility(db, other) == "public", what="the innocent post restored")
    assert _visibility(db, video) == "restricted"  # the genuine item is still protected


def test_one_request_naming_fifty_items_hides_only_its_cap(
    strict_client, strict_settings, platform, db
):
    key = platform["api_key"]
    posts = [uid("post") for _ in range(50)]
    for post in posts:
        post_content(strict_client, key, post, uid("author"))
    receipt = report(strict_client, posts, headers=_as(_reporter_client()))
    assert receipt.status_code == 201, receipt.text
    body = receipt.json()
    assert body["protection"] == "limited" and "person will look" in body["message"]
    hidden = [p for p in posts if _visibility(db, p) == "restricted"]
    assert len(hidden) == strict_settings.report_item_cap
    # Nothing is dropped: all fifty are in the case for a person to review.
    detail_items = _case_items(db, body["case_number"])
    assert len(detail_items) == 50


def _case_items(db, number: str) -> list[int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        row = session.scalar(select(cases.Case).where(cases.Case.number == number))
        return [ci.content_id for ci, _ in cases.items_of(session, row)]


def test_a_flood_against_one_creator_is_bounded_flagged_and_released(
    strict_client, strict_settings, platform, db
):
    key = platform["api_key"]
    creator = uid("creator")
    posts = [uid("post") for _ in range(30)]
    for post in posts:
        post_content(strict_client, key, post, creator)
    with db.session() as session:
        supervisor = create_user(session, uid("supervisor"), "supervisor").api_key
    attacker = _reporter_client()
    answers = [
        report(strict_client, [post], headers=_as(attacker)).json()["protection"] for post in posts
    ]
    hidden = [p for p in posts if _visibility(db, p) == "restricted"]
    assert len(hidden) < strict_settings.burst_account_items
    assert "burst" in answers and all(a in ("restricted", "burst") for a in answers)
    bursts = strict_client.get("/v1/bursts", headers=_auth(supervisor)).json()
    mine = next(b for b in bursts if b["target"] == creator)
    assert mine["hidden_items"] == len(hidden) and mine["reports"] >= 1
    # Burst cases are one supervisor item, not thirty rows in the reviewers' queue.
    with db.session() as session:
        numbers = {c.number for c in cases.queue(session, None, limit=500).cases}
    assert not numbers & set(mine["cases"])

    released = strict_client.post(
        f"/v1/bursts/{mine['id']}/release", json={"note": "brigade"}, headers=_auth(supervisor)
    )
    assert released.status_code == 200, released.text
    assert all(_visibility(db, p) == "public" for p in posts)


def test_a_client_past_its_hourly_limits_is_told_and_nothing_is_lost(
    strict_client, strict_settings, platform, db
):
    key = platform["api_key"]
    attacker = _reporter_client()
    posts = [uid("post") for _ in range(strict_settings.client_hide_cap + 3)]
    for post in posts:
        post_content(strict_client, key, post, uid("author"))  # many authors: no burst
    protections = [
        report(strict_client, [p], headers=_as(attacker)).json()["protection"] for p in posts
    ]
    assert protections.count("restricted") == strict_settings.client_hide_cap
    assert protections[-1] == "paused"
    with db.session() as session:
        stored = session.scalars(
            select(Report.protection).where(Report.client_key.is_not(None))
        ).all()
    assert stored.count("paused") >= 3
    # A genuine victim on another connection is still protected at once.
    mine = uid("video")
    post_content(strict_client, key, mine, uid("trafficker"))
    assert (
        report(strict_client, [mine], headers=_as(_reporter_client())).json()["protection"]
        == "restricted"
    )


def test_reports_past_the_hourly_limit_get_429_with_retry_after(
    strict_client, strict_settings, platform
):
    key = platform["api_key"]
    post = uid("post")
    post_content(strict_client, key, post, uid("author"))
    attacker = _reporter_client()
    body = {"content": [post], "reporter_role": "platform_user", "minor_depicted": "no"}
    codes = [
        strict_client.post("/v1/reports", json=body, headers=_as(attacker)).status_code
        for _ in range(strict_settings.client_report_limit + 1)
    ]
    assert codes[:-1] == [201] * strict_settings.client_report_limit
    refused = strict_client.post("/v1/reports", json=body, headers=_as(attacker))
    assert refused.status_code == 429 and refused.headers["retry-after"]
    assert refused.json()["error"]["code"] == "too_many_reports"


def test_a_genuine_report_after_a_flood_is_seen_first(strict_client, platform, db):
    key = platform["api_key"]
    flood = []
    for n in range(40):
        post = uid("post")
        post_content(strict_client, key, post, uid("creator"))
        bare = {"content": [post], "reporter_role": "platform_user", "minor_depicted": "yes"}
        r = strict_client.post("/v1/reports", json=bare, headers=_as(f"bot-{uuid.uuid4()}-{n}"))
        flood.append(r.json()["case_number"])
    video = uid("video")
    post_content(strict_client, key, video, uid("trafficker"))
    genuine = parent_with_police(strict_client, [video], headers=_as(_reporter_client())).json()[
        "case_number"
    ]
    with db.session() as session:
        specialist = create_user(session, uid("spec"), "child_safety_specialist").api_key
    order, offset = [], 0
    while True:
        page = strict_client.get(
            "/v1/cases", params={"limit": 100, "offset": offset}, headers=_auth(specialist)
        )
        order += [c["number"] for c in page.json()]
        offset += 100
        if offset >= int(page.headers["x-total-count"]):
            break
    assert genuine in order and set(flood) <= set(order)
    assert order.index(genuine) < min(order.index(c) for c in flood)


def test_a_two_person_dismissal_is_not_undone_by_a_bare_report(client, platform, reviewers, db):
    key = platform["api_key"]
    post = uid("post")
    post_content(client, key, post, uid("creator"))
    case = report(client, [post], headers=_as(_reporter_client())).json()["case_number"]
    assert _decide(client, reviewers[0], case, "dismiss").status_code == 200
    assert _decide(client, reviewers[2], case, "dismiss").status_code == 200
    wait_for(lambda: _visibility(db, post) == "public", what="restored after two reviewers")

    again = report(client, [post], headers=_as(_reporter_client())).json()
    assert again["case_number"] == case and again["protection"] == "reviewed_before"
    assert _visibility(db, post) == "public"
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[1])).json()
    assert detail["state"] in ("open", "restricted") and detail["round"] == 1
    assert next(i for i in detail["items"] if i["content_id"] == post)["state"] == "open"
    # A new round counts its own dismissals: one reviewer is not enough again.
    assert (
        _decide(client, reviewers[1], case, "dismiss", items=[_item_id(detail, post)]).status_code
        == 200
    )
    assert client.get(f"/v1/cases/{case}", headers=_auth(reviewers[1])).json()["state"] == (
        "pending_second_review"
    )


def test_new_evidence_after_a_dismissal_hides_again(client, platform, reviewers, db):
    key = platform["api_key"]
    post = uid("post")
    post_content(client, key, post, uid("creator"))
    case = report(client, [post], headers=_as(_reporter_client())).json()["case_number"]
    _decide(client, reviewers[0], case, "dismiss")
    _decide(client, reviewers[2], case, "dismiss")
    wait_for(lambda: _visibility(db, post) == "public", what="restored")
    police = report(
        client,
        [post],
        reporter_role="law_enforcement",
        law_enforcement_case_number="HSI-2020-77",
        headers=_as(_reporter_client()),
    ).json()
    assert police["protection"] == "restricted"
    assert _visibility(db, post) == "restricted"


def test_a_trusted_flagger_is_not_capped(strict_client, strict_settings, platform, db):
    key = platform["api_key"]
    with db.session() as session:
        from takedown.platforms import create_key
        from takedown.platforms.models import Platform

        row = session.get(Platform, int(platform["id"]))
        flagger = create_key(session, row, "hotline", ["flagger"]).secret
    posts = [uid("post") for _ in range(strict_settings.report_item_cap + 2)]
    for post in posts:
        post_content(strict_client, key, post, uid("author"))
    r = report(
        strict_client,
        posts,
        reporter_role="trusted_flagger",
        headers={**_as(_reporter_client()), **_auth(flagger)},
    )
    assert r.status_code == 201 and r.json()["protection"] == "restricted"
    assert all(_visibility(db, p) == "restricted" for p in posts)


def test_a_flood_against_the_traffickers_account_does_not_bury_the_genuine_case(
    strict_client, strict_settings, platform, db
):
    key = platform["api_key"]
    trafficker = uid("trafficker")
    video = uid("video")
    post_content(strict_client, key, video, trafficker)
    genuine = report(
        strict_client,
        [video],
        reporter_role="parent_guardian",
        law_enforcement_case_number="PD-2020-0113",
        headers=_as(_reporter_client()),
    ).json()["case_number"]
    attacker = _reporter_client()
    for _ in range(strict_settings.burst_account_items + 2):
        post = uid("post")
        post_content(strict_client, key, post, trafficker)
        report(strict_client, [post, video], headers=_as(attacker))
    with db.session() as session:
        page = cases.queue(session, None, limit=10_000)
        numbers = {c.number for c in page.cases}
    assert genuine in numbers
    assert _visibility(db, video) == "restricted"


def test_a_bare_claim_holds_other_authors_copies_for_a_look_of_their_own(
    client, platform, reviewers, db
):
    key = platform["api_key"]
    meme = image(5_000_913)
    original, reposted = uid("meme"), uid("meme-copy")
    assert upload(client, key, original, uid("creator"), meme).status_code == 200
    assert upload(client, key, reposted, uid("other"), copy_of(meme)).status_code == 200
    bare = {"content": [original], "reporter_role": "platform_user", "minor_depicted": "yes"}
    case = client.post("/v1/reports", json=bare, headers=_as(_reporter_client())).json()[
        "case_number"
    ]
    wait_for(lambda: _visibility(db, reposted) == "restricted", what="the copy held")
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()
    held = next(i for i in detail["items"] if i["content_id"] == reposted)
    assert held["needs_look"] and held["reason"] == "copy" and held["match_distance"] is not None
    assert held["hidden_by_report_id"] == detail["reports"][0]["id"]
    # Confirming the reported item leaves the other author's copy to its own decision.
    assert _decide(client, reviewers[0], case, "confirm").status_code == 200
    assert _visibility(db, reposted) == "restricted"
    assert (
        next(
            i
            for i in client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()["items"]
            if i["content_id"] == reposted
        )["state"]
        == "open"
    )
