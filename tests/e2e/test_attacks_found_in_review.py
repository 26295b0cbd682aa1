"""Attacks a second engineer found against bounded protection, each kept as a test."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from takedown import cases, legal
from takedown.legal import ncmec
from takedown.matching.models import BankEntry
from takedown.people import create_user
from takedown.platforms import Account, ContentItem
from tests.e2e.helpers import parent_with_police, post_content, report, uid
from tests.e2e.test_weaponise import (
    _as,
    _auth,
    _decide,
    _item_id,
    _reporter_client,
    _visibility,
)
from tests.matching.helpers import copy_of, image, upload
from tests.support import wait_for


def _bare(content: list[str], **more: object) -> dict:
    return {"content": content, "reporter_role": "platform_user", "minor_depicted": "yes", **more}


def _dismiss_twice(client, reviewers, case: str) -> None:  # type: ignore[no-untyped-def]
    assert _decide(client, reviewers[0], case, "dismiss").status_code == 200
    assert _decide(client, reviewers[2], case, "dismiss").status_code == 200


def test_a_new_repost_does_not_rehide_what_two_people_dismissed(client, platform, reviewers, db):
    key = platform["api_key"]
    post = uid("post")
    post_content(client, key, post, uid("creator"))
    case = report(client, [post], headers=_as(_reporter_client())).json()["case_number"]
    _dismiss_twice(client, reviewers, case)
    wait_for(lambda: _visibility(db, post) == "public", what="restored")
    repost = uid("repost")
    post_content(client, key, repost, uid("fan"), repost_of=post)
    r = client.post("/v1/reports", json=_bare([repost]), headers=_as(_reporter_client())).json()
    assert r["protection"] == "reviewed_before"
    assert _visibility(db, post) == "public" and _visibility(db, repost) == "public"
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[1])).json()
    assert detail["state"] in ("open", "restricted")  # back in the queue, not left dismissed
    with db.session() as session:
        assert case in {c.number for c in cases.queue(session, None, limit=100_000).cases}


def test_a_burst_opened_in_advance_does_not_swallow_a_police_report(strict_client, platform, db):
    key = platform["api_key"]
    trafficker = uid("trafficker")
    decoys = [uid("decoy") for _ in range(8)]
    for decoy in decoys:
        post_content(strict_client, key, decoy, trafficker)
    for n in range(0, 8, 2):  # the trafficker reports his own posts to open a burst
        strict_client.post(
            "/v1/reports", json=_bare(decoys[n : n + 2]), headers=_as(_reporter_client())
        )
    video = uid("video")
    post_content(strict_client, key, video, trafficker)
    genuine = parent_with_police(strict_client, [video], headers=_as(_reporter_client())).json()
    assert _visibility(db, video) == "restricted"
    with db.session() as session:
        row = session.scalar(select(cases.Case).where(cases.Case.number == genuine["case_number"]))
        assert row is not None and row.burst_id is None
        assert row.number in {c.number for c in cases.queue(session, None, limit=100_000).cases}


def test_copies_of_a_piggybacked_item_wait_for_their_own_look(
    client, platform, reviewers, db, settings
):
    key = platform["api_key"]
    picture = image(6_004_242)
    video, meme, exact, near = uid("video"), uid("meme"), uid("exact"), uid("near")
    fans = [uid("fan"), uid("fan")]
    assert upload(client, key, video, uid("trafficker"), image(6_004_243)).status_code == 200
    assert upload(client, key, meme, uid("creator"), picture).status_code == 200
    assert upload(client, key, exact, fans[0], picture).status_code == 200
    assert upload(client, key, near, fans[1], copy_of(picture)).status_code == 200
    case = report(client, [video], headers=_as(_reporter_client())).json()["case_number"]
    report(client, [video, meme], headers=_as(_reporter_client()))  # claims age 13
    wait_for(lambda: _visibility(db, near) == "restricted", what="the copy held")
    assert _decide(client, reviewers[0], case, "confirm").status_code == 200
    assert _visibility(db, exact) != "removed" and _visibility(db, near) != "removed"
    with db.session() as session:
        row = session.scalar(select(cases.Case).where(cases.Case.number == case))
        xml = ncmec.build_report(legal.facts.gather(session, row), settings).decode()
        ids = dict(
            session.execute(
                select(ContentItem.external_id, ContentItem.id).where(
                    ContentItem.external_id.in_([exact, near])
                )
            ).all()
        )
        banked = set(session.scalars(select(BankEntry.entry_id)))
    assert not any(f in xml for f in fans)
    assert not {f"content:{ids[exact]}", f"content:{ids[near]}"} & banked


def test_a_new_round_does_not_let_the_first_dismisser_be_the_second(
    client, platform, reviewers, db
):
    key = platform["api_key"]
    video, other = uid("video"), uid("post")
    post_content(client, key, video, uid("trafficker"))
    post_content(client, key, other, uid("creator"))
    specialist = reviewers[2]
    case = report(client, [video], headers=_as(_reporter_client())).json()["case_number"]
    detail = client.get(f"/v1/cases/{case}", headers=_auth(specialist)).json()
    v = _item_id(detail, video)
    assert _decide(client, specialist, case, "dismiss", items=[v]).status_code == 200
    report(client, [other], headers=_as(_reporter_client()))  # unrelated: its own case
    # A report that opens a new round on this case (new information about it):
    report(client, [video], headers=_as(_reporter_client()))
    again = _decide(client, specialist, case, "dismiss", items=[v])
    assert again.status_code == 409, again.text
    assert _visibility(db, video) == "restricted"


def test_the_resweep_keeps_the_copy_cap(strict_client, strict_settings, platform, db):
    key = platform["api_key"]
    picture = image(6_005_001)
    meme = uid("meme")
    assert upload(strict_client, key, meme, uid("creator"), picture).status_code == 200
    copies = [uid("copy") for _ in range(strict_settings.report_copy_cap + 4)]
    for copy in copies:
        assert upload(strict_client, key, copy, uid("fan"), picture).status_code == 200
    strict_client.post("/v1/reports", json=_bare([meme]), headers=_as(_reporter_client()))
    with db.session() as session:
        row = session.scalar(select(ContentItem).where(ContentItem.external_id == meme))
        assert row is not None
    time.sleep(2.5)  # past the resweep (scheduled 1 s after the report)
    hidden = sum(_visibility(db, c) == "restricted" for c in copies)
    assert hidden <= strict_settings.report_copy_cap


def test_a_flood_of_claimed_ages_does_not_bury_a_police_report(strict_client, platform, db):
    key = platform["api_key"]
    flood = []
    for _ in range(25):
        post = uid("post")
        post_content(strict_client, key, post, uid("creator"))
        r = report(
            strict_client, [post], reporter_role="platform_user", headers=_as(_reporter_client())
        )
        flood.append(r.json()["case_number"])
    video = uid("video")
    post_content(strict_client, key, video, uid("trafficker"))
    genuine = parent_with_police(strict_client, [video], headers=_as(_reporter_client())).json()[
        "case_number"
    ]
    with db.session() as session:
        order = [c.number for c in cases.queue(session, None, limit=100_000).cases]
    assert order.index(genuine) < min(order.index(c) for c in flood)


def test_sixty_parallel_reports_get_no_500(strict, platform):
    key = platform["api_key"]
    posts = [uid("post") for _ in range(60)]
    with httpx.Client(base_url=strict.url, timeout=60) as c:
        for post in posts:
            post_content(c, key, post, uid("creator"))

    def send(post: str) -> int:
        with httpx.Client(base_url=strict.url, timeout=60) as c:
            return report(c, [post], headers=_as(_reporter_client())).status_code

    with ThreadPoolExecutor(60) as pool:
        codes = list(pool.map(send, posts))
    assert 500 not in codes
    assert set(codes) <= {201, 503}
    assert codes.count(201) >= 30


def test_successful_lookups_are_bounded_and_audited_once(
    strict_client, strict_settings, platform, db
):
    post = uid("post")
    post_content(strict_client, platform["api_key"], post, uid("creator"))
    me = _as(_reporter_client())
    receipt = report(strict_client, [post], headers=me).json()
    url = f"/v1/reports/{receipt['case_number']}"
    headers = {"x-report-pin": receipt["pin"], **me}
    codes = [
        strict_client.get(url, headers=headers).status_code
        for _ in range(strict_settings.status_lookups_per_hour + 1)
    ]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429
    from takedown.audit.models import AuditEvent

    with db.session() as session:
        row = session.scalar(select(cases.Case).where(cases.Case.number == receipt["case_number"]))
        views = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "case.status_viewed",
                AuditEvent.subject_id == str(row.id),
            )
        ).all()
    assert len(views) == 1


def test_hostile_values_give_clear_errors_not_500(client, platform):
    post = uid("post")
    post_content(client, platform["api_key"], post, uid("creator"))
    form = {
        "content": post,
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "age_at_time": "²",
    }
    assert client.post("/report", data=form, headers=_as(_reporter_client())).status_code == 422
    mixed = report(client, ["https://[::1/p/x", post], headers=_as(_reporter_client()))
    assert mixed.status_code == 201
    forged = _bare([post], proof_of_work="².a.b:1")
    assert (
        client.post("/v1/reports", json=forged, headers=_as(_reporter_client())).status_code == 201
    )


def test_a_link_with_another_query_does_not_name_a_registered_item(client, platform, db):
    key = platform["api_key"]
    host = f"{uid('video')}.example"
    item = uid("watch")
    r = client.post(
        "/v1/content",
        json={"id": item, "author_id": uid("creator"), "url": f"https://{host}/watch?v={item}"},
        headers=_auth(key),
    )
    assert r.status_code == 200, r.text
    other = report(
        client, [f"https://{host}/watch?v=SOMETHING-ELSE"], headers=_as(_reporter_client())
    )
    assert other.status_code in (404, 422) or other.json().get("protection") == "unresolved"
    assert _visibility(db, item) == "public"
    same = report(client, [f"https://{host}/watch?v={item}"], headers=_as(_reporter_client()))
    assert same.status_code == 201 and _visibility(db, item) == "restricted"


def test_re_reporting_dismissed_content_does_not_push_the_deadline(client, platform, reviewers, db):
    key = platform["api_key"]
    video, other = uid("video"), uid("post")
    post_content(client, key, video, uid("trafficker"))
    post_content(client, key, other, uid("trafficker2"))
    case = report(client, [video], headers=_as(_reporter_client())).json()["case_number"]
    report(client, [other], headers=_as(_reporter_client()))  # joins? no: its own case
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()
    before = detail["deadline_at"]
    # a second item in the same case, dismissed by two people, then re-reported
    third = uid("post")
    post_content(client, key, third, uid("creator"))
    report(client, [video, third], headers=_as(_reporter_client()))
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()
    t = _item_id(detail, third)
    client.get(f"/v1/cases/{case}", headers=_auth(reviewers[2]))
    assert _decide(client, reviewers[0], case, "dismiss", items=[t]).status_code == 200
    assert _decide(client, reviewers[2], case, "dismiss", items=[t]).status_code == 200
    for _ in range(3):
        report(client, [third], headers=_as(_reporter_client()))
    after = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()["deadline_at"]
    assert after <= before


def test_whoever_reports_first_cannot_get_an_innocent_account_suspended(
    client, platform, reviewers, db, settings
):
    key = platform["api_key"]
    video, innocent_post = uid("video"), uid("post")
    trafficker, innocent = uid("trafficker"), uid("creator")
    post_content(client, key, video, trafficker)
    post_content(client, key, innocent_post, innocent)
    case = report(client, [video, innocent_post], headers=_as(_reporter_client())).json()[
        "case_number"
    ]
    report(
        client,
        [video],
        reporter_role="parent_guardian",
        law_enforcement_case_number="PD-1",
        headers=_as(_reporter_client()),
    )
    blind = _decide(client, reviewers[0], case, "confirm")
    assert blind.status_code == 422 and blind.json()["error"]["code"] == "no_items_selected"
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()
    assert (
        _decide(client, reviewers[0], case, "confirm", items=[_item_id(detail, video)]).status_code
        == 200
    )
    with db.session() as session:
        account = session.scalar(select(Account).where(Account.external_id == innocent))
        assert account is not None and account.state == "active"
        row = session.scalar(select(cases.Case).where(cases.Case.number == case))
        xml = ncmec.build_report(legal.facts.gather(session, row), settings).decode()
    assert innocent not in xml and trafficker in xml


def test_a_made_up_police_number_rehides_at_most_once(client, platform, reviewers, db):
    key = platform["api_key"]
    post = uid("post")
    post_content(client, key, post, uid("creator"))
    case = report(client, [post], headers=_as(_reporter_client())).json()["case_number"]
    _dismiss_twice(client, reviewers, case)
    police = {"reporter_role": "law_enforcement", "law_enforcement_case_number": "X-1"}
    first = report(client, [post], headers=_as(_reporter_client()), **police).json()
    assert first["protection"] == "restricted"
    detail = client.get(f"/v1/cases/{case}", headers=_auth(reviewers[0])).json()
    client.get(f"/v1/cases/{case}", headers=_auth(reviewers[2]))
    p = _item_id(detail, post)
    assert _decide(client, reviewers[0], case, "dismiss", items=[p]).status_code == 200
    assert _decide(client, reviewers[2], case, "dismiss", items=[p]).status_code == 200
    wait_for(lambda: _visibility(db, post) == "public", what="restored again")
    for role in ("parent_guardian", "ngo", "law_enforcement"):
        again = {"reporter_role": role, "law_enforcement_case_number": "X-2"}
        got = report(client, [post], headers=_as(_reporter_client()), **again).json()
        assert got["protection"] == "reviewed_before", (role, got)
    assert _visibility(db, post) == "public"


def test_supervisor_sees_nothing_of_other_staff_roles(strict_client, db):
    with db.session() as session:
        reviewer = create_user(session, uid("rev"), "reviewer").api_key
    assert strict_client.get("/v1/bursts", headers=_auth(reviewer)).status_code == 403
