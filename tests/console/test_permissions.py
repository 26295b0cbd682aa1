"""Every console page and reviewer API route against every role, and no login at all."""

from __future__ import annotations

import httpx
import pytest

from tests.console.helpers import csrf, login, make_user
from tests.e2e.helpers import report, seed_family

ROLES = (
    "reviewer",
    "child_safety_specialist",
    "supervisor",
    "admin",
    "auditor",
    "law_enforcement_liaison",
)
ACTORS = {"reviewer", "child_safety_specialist", "supervisor", "admin"}
DASHBOARD = {"supervisor", "admin", "auditor"}
ADMIN = {"admin"}


@pytest.fixture(scope="module")
def scene(live, db):
    """A P0 case (child-safety queue) with an item, and a user of every role."""
    from takedown.platforms import create_platform

    with db.session() as session:
        key = create_platform(session, f"perm-{id(live)}", None).api_key
    with httpx.Client(base_url=live.url) as client:
        ids = seed_family(client, key)
        number = report(client, [ids["video"]]).json()["case_number"]
        admin = make_user(db, "admin")
        item = client.get(
            f"/v1/cases/{number}", headers={"authorization": f"Bearer {admin['api_key']}"}
        ).json()
    return {
        "case": number,
        "item": item["items"][0]["id"],
        "key": key,
        "users": {role: make_user(db, role) for role in ROLES},
    }


def _page_calls(case: str, item: int):
    yield "GET", "/queue", None, set(ROLES)
    yield "GET", f"/cases/{case}", None, set(ROLES)
    yield "POST", f"/cases/{case}/claim", {}, ACTORS
    yield "POST", f"/cases/{case}/reveal/{item}", {}, ACTORS
    yield (
        "POST",
        f"/cases/{case}/decide",
        {"decision": "request_info", "reason": "need the age"},
        ACTORS,
    )
    yield (
        "POST",
        f"/cases/{case}/message",
        {"template": "still_reviewing", "value_reviewers": "two people", "action": "preview"},
        ACTORS,
    )
    yield "GET", "/me", None, set(ROLES)
    yield "GET", "/dashboard", None, DASHBOARD
    yield "GET", "/admin/keys", None, ADMIN


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(live, scene, role):
    with login(live.url, scene["users"][role]) as client:
        token = csrf(client)
        for method, path, form, allowed in _page_calls(scene["case"], scene["item"]):
            if method == "GET":
                r = client.get(path)
            else:
                r = client.post(path, data={**form, "csrf": token})
            ok = r.status_code in (200, 303, 409)  # 409: claimed by someone else
            assert ok == (role in allowed), (role, method, path, r.status_code)
            if not ok:
                assert r.status_code == 403, (role, path, r.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_api_by_role(live, scene, role):
    key = scene["users"][role]["api_key"]
    with httpx.Client(base_url=live.url) as anyone:  # a case of its own, claimed by nobody
        case = report(anyone, [seed_family(anyone, scene["key"])["video"]]).json()["case_number"]
    with httpx.Client(base_url=live.url, headers={"authorization": f"Bearer {key}"}) as client:
        assert client.get("/v1/cases").status_code == 200
        assert client.get(f"/v1/cases/{case}").status_code == 200
        claim = client.post(f"/v1/cases/{case}/claim")
        decide = client.post(
            f"/v1/cases/{case}/decisions", json={"decision": "request_info", "reason": "age?"}
        )
    expected = 200 if role in ACTORS else 403
    assert decide.status_code == expected, decide.text
    assert claim.status_code == expected, claim.text


def test_no_login_gets_401_from_the_api(live, scene):
    with httpx.Client(base_url=live.url) as client:
        for method, path in (
            ("GET", "/v1/cases"),
            ("GET", f"/v1/cases/{scene['case']}"),
            ("POST", f"/v1/cases/{scene['case']}/claim"),
        ):
            r = client.request(method, path)
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_a_reviewer_cannot_see_cases_outside_their_queues(live, db, scene):
    outsider = make_user(db, "reviewer", queues=["general"])
    headers = {"authorization": f"Bearer {outsider['api_key']}"}
    with httpx.Client(base_url=live.url, headers=headers) as client:
        listed = {c["number"] for c in client.get("/v1/cases").json()}
        assert scene["case"] not in listed
        r = client.get(f"/v1/cases/{scene['case']}")
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_in_queue"
    with login(live.url, outsider) as client:
        assert client.get(f"/cases/{scene['case']}").status_code == 403
        assert scene["case"] not in client.get("/queue").text
