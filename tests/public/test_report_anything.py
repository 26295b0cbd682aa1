"""Report anything: a link the platform never registered (with or without https://), a
username, or only where it was seen. Such a report is taken and queued for a person; the
platform is asked (`report.unresolved`) and attaches what it found, which is then protected
at once under the rules of a report that named it. The attacker's side: none of it hides or
names anything on its own, and a flood makes bounded work."""

from __future__ import annotations

from sqlalchemy import func, select

from takedown.enforcement.models import Action
from takedown.platforms import create_platform
from tests.e2e.helpers import uid
from tests.public.helpers import (
    as_client,
    auth,
    child_report,
    deliveries_for,
    register,
    reports_of,
    visibility,
)
from tests.support import wait_for


def test_a_link_without_https_the_platform_never_registered_is_found_and_hidden(
    client, platform, receiver, db
):
    key, host = platform["api_key"], f"{uid('social')}.example"
    register(client, key, host)  # the platform serves this host
    later = uid("post")

    r = child_report(client, [f"{host}/p/{later}"], headers=as_client(uid("child")))

    assert r.status_code == 201, r.text
    receipt = r.json()
    assert (receipt["priority"], receipt["protection"]) == ("P0", "unresolved")
    assert receipt["unresolved"] == 1 and receipt["decision_due_at"]
    asked = wait_for(lambda: receiver.events("report.unresolved"), what="report.unresolved")
    data = asked[0]["data"]
    assert data["case_number"] == receipt["case_number"]
    assert data["refs"] == [f"https://{host}/p/{later}"]
    receiver.verify_all()  # signed like every other webhook

    register(client, key, host, later)
    attached = client.post(
        f"/v1/reports/{data['case_number']}/content",
        json={"report_id": data["report_id"], "content_ids": [later]},
        headers=auth(key),
    )

    assert attached.status_code == 200, attached.text
    assert attached.json()["protection"] == "restricted"
    assert visibility(client, key, later) == "restricted"
    wait_for(lambda: receiver.events("content.restricted"), what="content.restricted")
    status = client.get(
        f"/v1/reports/{receipt['case_number']}", headers={"x-report-pin": receipt["pin"]}
    ).json()
    assert status["hidden_items"] == 1
    assert any("We found the content" in u["message"] for u in status["updates"])


def test_a_report_with_only_a_description_is_queued_for_a_person(client, db):
    r = client.post(
        "/v1/reports",
        json={
            "reporter_role": "platform_user",
            "minor_depicted": "yes",
            "where_seen": "a group chat called 'year 8', last night, posted by @someone",
        },
        headers=as_client(uid("witness")),
    )

    assert r.status_code == 201, r.text
    assert r.json()["protection"] == "unresolved" and r.json()["priority"] == "P0"
    (report,) = reports_of(db, r.json()["case_number"])
    assert report.where_seen.startswith("a group chat") and report.item_ids == []


def test_nothing_at_all_is_a_plain_error_on_the_content_field(client):
    r = client.post("/v1/reports", json={"reporter_role": "victim", "minor_depicted": "yes"})

    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_input"
    assert "where you saw it" in str(error)


def test_attaching_needs_the_platform_that_was_asked_and_its_own_content(client, platform, db):
    key, host = platform["api_key"], f"{uid('social')}.example"
    mine = register(client, key, host)
    receipt = child_report(client, [f"https://{host}/p/{uid('gone')}"]).json()
    (report,) = reports_of(db, receipt["case_number"])
    url = f"/v1/reports/{receipt['case_number']}/content"
    body = {"report_id": report.id, "content_ids": [mine]}

    assert client.post(url, json=body).status_code == 401
    with db.session() as session:
        from takedown.platforms import create_platform

        other = create_platform(session, uid("other-platform"), None)
        other_key = other.api_key
    register(client, other_key, f"{uid('elsewhere')}.example", "theirs-" + mine)
    refused = client.post(url, json=body, headers=auth(other_key))
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_report"
    foreign = {"report_id": report.id, "content_ids": ["theirs-" + mine]}
    refused = client.post(url, json=foreign, headers=auth(key))
    assert refused.json()["error"]["code"] == "unknown_content"
    assert visibility(client, other_key, "theirs-" + mine) == "public"

    named = child_report(client, [f"https://{host}/p/{mine}"]).json()
    (named_report,) = reports_of(db, named["case_number"])
    again = client.post(
        f"/v1/reports/{named['case_number']}/content",
        json={"report_id": named_report.id, "content_ids": [mine]},
        headers=auth(key),
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_find"


def test_a_flood_of_no_link_reports_hides_nothing_and_makes_bounded_work(
    strict_client, strict_settings, db, smtp_sink
):
    attacker, contact = as_client(uid("flood")), f"{uid('victim')}@example.org"
    receipts = []
    for n in range(12):
        r = strict_client.post(
            "/v1/reports",
            json={
                "reporter_role": "victim",
                "minor_depicted": "yes",
                "age_at_time": 13,
                "content": [f"@innocent_creator_{n}", f"https://{uid('x')}.example/p/{n}"],
                "contact": contact,
            },
            headers=attacker,
        )
        assert r.status_code == 201, r.text
        receipts.append(r.json())

    assert {r["protection"] for r in receipts} == {"unresolved"}
    cases = {r["case_number"] for r in receipts}
    assert len(cases) == strict_settings.client_unresolved_cases  # the rest joined the latest
    report_ids = [rep.id for case in cases for rep in reports_of(db, case)]
    assert len(report_ids) == 12
    with db.session() as session:
        actions = session.scalar(
            select(func.count()).where(Action.actor.in_([f"report:{i}" for i in report_ids]))
        )
    assert actions == 0  # nothing hidden, nobody suspended
    asked = deliveries_for(db, report_ids)
    assert asked <= strict_settings.client_unresolved_cases * 10  # one per case and platform
    assert smtp_sink.to(contact) == []  # nobody was mailed


def test_a_link_the_platform_never_registered_on_its_own_host_hides_nothing(client, platform, db):
    key, host = platform["api_key"], f"{uid('social')}.example"
    known = register(client, key, host)

    r = child_report(client, [f"https://{host}/p/{known}-but-another"])

    assert r.status_code == 201 and r.json()["protection"] == "unresolved"
    assert visibility(client, key, known) == "public"


def test_content_attached_later_is_hidden_within_the_reports_own_caps(
    strict_client, strict_settings, platform, db
):
    key, host = platform["api_key"], f"{uid('social')}.example"
    register(strict_client, key, host)
    bare = strict_client.post(  # a bare claim: no age, no contact, no police number
        "/v1/reports",
        json={
            "content": [f"{host}/p/{uid('x')}"],
            "reporter_role": "victim",
            "minor_depicted": "yes",
        },
        headers=as_client(uid("bare")),
    ).json()
    (report,) = reports_of(db, bare["case_number"])
    found = [register(strict_client, key, host) for _ in range(strict_settings.report_item_cap + 2)]

    r = strict_client.post(
        f"/v1/reports/{bare['case_number']}/content",
        json={"report_id": report.id, "content_ids": found},
        headers=auth(key),
    )

    assert r.status_code == 200, r.text
    assert r.json()["protection"] == "limited"
    shown = [visibility(strict_client, key, cid) for cid in found]
    assert shown.count("restricted") == strict_settings.report_item_cap
    assert shown.count("public") == 2  # queued for a person, not hidden


def test_a_report_naming_known_and_unknown_links_hides_the_known_and_asks_for_the_rest(
    client, platform, receiver
):
    key, host = platform["api_key"], f"{uid('social')}.example"
    known, unknown = register(client, key, host), uid("unknown")
    form = {
        "content": f"https://{host}/p/{known}\n{host}/p/{unknown}",
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "age_at_time": "13",
    }

    sent = client.post("/report", data=form, headers=as_client(uid("child")))
    receipt = client.get(sent.headers["location"])

    assert "We do not know some of what you told us about yet" in receipt.text
    assert visibility(client, key, known) == "restricted"
    asked = wait_for(lambda: receiver.events("report.unresolved"), what="report.unresolved")
    assert asked[0]["data"]["refs"] == [f"https://{host}/p/{unknown}"]


def test_the_platform_serving_the_link_is_asked_however_many_platforms_there_are(
    client, receiver, db
):
    from takedown.intake.finding import MAX_PLATFORMS
    from takedown.platforms import create_platform

    with db.session() as session:
        for _ in range(100 + MAX_PLATFORMS):  # older platforms that serve other hosts
            create_platform(session, uid("older"), None)
        newest = create_platform(session, uid("newest"), receiver.url)
        key = newest.api_key
    host = f"{uid('social')}.example"
    register(client, key, host)

    r = child_report(client, [f"{host}/p/{uid('unknown')}"])

    assert r.json()["protection"] == "unresolved"
    asked = wait_for(lambda: receiver.events("report.unresolved"), what="report.unresolved")
    assert asked[0]["data"]["case_number"] == r.json()["case_number"]


def test_naming_a_real_post_beside_unknown_refs_does_not_unbound_the_asking(
    strict_client, strict_settings, platform, db
):
    """The attacker's variant of the flood: each report also names a registered post, so it
    joins that post's case; asking every platform stays bounded per client all the same."""
    key, attacker = platform["api_key"], as_client(uid("fanout"))
    with db.session() as session:  # enough platforms that each broadcast reaches ten
        for _ in range(10):
            create_platform(session, uid("other-platform"), "http://127.0.0.1:9/hooks")
    known = register(strict_client, key, f"{uid('social')}.example")
    report_ids = []
    for n in range(12):
        r = child_report(
            strict_client,
            [known, f"@someone_else_{n}"],
            where_seen=f"@someone_else_{n} posts it",
            headers=attacker,
        )
        assert r.status_code == 201, r.text
        report_ids += [rep.id for rep in reports_of(db, r.json()["case_number"])]
    broadcasts = deliveries_for(db, sorted(set(report_ids)))
    assert broadcasts <= strict_settings.client_unresolved_cases * 10  # 10: MAX_PLATFORMS
