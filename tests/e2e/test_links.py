"""Links resolve only on their own platform; a bare id on several platforms is never
resolved across them."""

from __future__ import annotations

import httpx
import pytest

from takedown.platforms import create_platform
from tests.e2e.helpers import report, uid


@pytest.fixture
def two_platforms(db) -> list[dict[str, str]]:
    """Two platforms, each with its own host; neither has a webhook endpoint."""
    made = []
    with db.session() as session:
        for name in ("a", "b"):
            new = create_platform(session, uid(f"platform-{name}"), None)
            made.append({"api_key": new.api_key, "host": f"{uid(name)}.example"})
    return made


def _register(client: httpx.Client, platform: dict[str, str], content_id: str) -> str:
    url = f"https://{platform['host']}/p/{content_id}"
    body = {"id": content_id, "author_id": uid("poster"), "url": url, "media_type": "video"}
    r = client.post("/v1/content", json=body, headers=_auth(platform))
    assert r.status_code == 200, r.text
    return url


def _visibility(client: httpx.Client, platform: dict[str, str], content_id: str) -> str:
    r = client.post(f"/v1/content/{content_id}/views", json={"count": 1}, headers=_auth(platform))
    assert r.status_code == 200, r.text
    return r.json()["visibility"]


def _auth(platform: dict[str, str]) -> dict[str, str]:
    return {"authorization": f"Bearer {platform['api_key']}"}


def _refused(response: httpx.Response) -> None:
    """Named nothing: taken for a person and the platform to find, nothing hidden."""
    assert response.status_code == 201, response.text
    assert response.json()["protection"] == "unresolved"


def test_a_link_on_one_platform_does_not_name_the_other_platforms_item(client, two_platforms):
    a, b = two_platforms
    _register(client, a, uid("a-post"))
    b_id = uid("b-post")
    _register(client, b, b_id)

    _refused(report(client, [f"https://{a['host']}/p/{b_id}"]))

    assert _visibility(client, b, b_id) == "public"


def test_a_link_on_an_unknown_host_names_nothing(client, two_platforms):
    _, b = two_platforms
    b_id = uid("b-post")
    _register(client, b, b_id)

    _refused(report(client, [f"https://{uid('elsewhere')}.example/watch/{b_id}"]))

    assert _visibility(client, b, b_id) == "public"


def test_a_bare_id_on_two_platforms_is_not_resolved_to_either(client, two_platforms):
    shared = uid("same-id")
    for platform in two_platforms:
        _register(client, platform, shared)

    r = report(client, [shared])

    assert r.status_code in (201, 404, 422), r.text  # queued for a person, or refused
    assert [_visibility(client, p, shared) for p in two_platforms] == ["public", "public"]


def test_a_registered_link_and_a_link_on_its_own_host_still_resolve(client, two_platforms):
    a, b = two_platforms
    a_id, b_id = uid("a-post"), uid("b-post")
    _register(client, a, a_id)
    _register(client, b, b_id)

    by_url = report(client, [f"HTTPS://{a['host'].upper()}/p/{a_id}/"])
    by_host = report(client, [f"https://{b['host']}/videos/{b_id}?share=1"])

    assert by_url.status_code == 201, by_url.text
    assert by_host.status_code == 201, by_host.text
    assert _visibility(client, a, a_id) == "restricted"
    assert _visibility(client, b, b_id) == "restricted"
