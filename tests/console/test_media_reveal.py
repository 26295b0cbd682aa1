"""The case page sends no media before the logged reveal: until then a preview made on the
server (blurred and greyscale per the reviewer's settings), then the media itself, on that
one answer, with the media's origin added to its Content-Security-Policy."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from takedown import audit
from takedown.cases.views import find_case
from takedown.demo.media import synthetic_image
from tests.console.helpers import csrf, login, make_user
from tests.e2e.helpers import report, uid
from tests.legal.fakes import MediaServer


@pytest.fixture
def media_server() -> Iterator[MediaServer]:
    server = MediaServer()
    yield server
    server.close()


@pytest.fixture
def case_with_image(client, platform, media_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    content_id = uid("post")
    url = media_server.add(f"{content_id}.jpg", synthetic_image(7, (320, 240)))
    r = client.post(
        "/v1/content",
        json={
            "id": content_id,
            "author_id": uid("poster"),
            "media_type": "image",
            "media_url": url,
            "url": f"https://example.social/p/{content_id}",
        },
        headers={"authorization": f"Bearer {platform['api_key']}"},
    )
    assert r.status_code == 200, r.text
    receipt = report(client, [content_id])
    assert receipt.status_code == 201, receipt.text
    return {"number": receipt.json()["case_number"], "media_url": url}


def _preview_path(html: str, number: str) -> str:
    found = re.search(rf'src="(/cases/{number}/items/(\d+)/preview)"', html)
    assert found, html
    return found.group(1)


def _sharpness(jpeg: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"), dtype=np.float64)
    return float(np.abs(np.diff(pixels, axis=1)).mean())


def test_before_the_reveal_the_page_names_no_media(live, db, case_with_image):
    number, media_url = case_with_image["number"], case_with_image["media_url"]
    with login(live.url, make_user(db, "reviewer")) as reviewer:
        page = reviewer.get(f"/cases/{number}")
        assert page.status_code == 200
        assert media_url not in page.text
        assert media_url.split("/media/")[0] not in page.headers["content-security-policy"]
        preview = reviewer.get(_preview_path(page.text, number))
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
        assert preview.headers["cache-control"] == "no-store"
        picture = Image.open(io.BytesIO(preview.content))
        assert picture.width == 160 and picture.mode == "L"  # greyscale by default
        blurred = _sharpness(preview.content)
        # With blur and greyscale off in the reviewer's settings, the preview is sharp.
        assert reviewer.post("/me", data={"csrf": csrf(reviewer)}).status_code == 303
        sharp = reviewer.get(_preview_path(page.text, number))
        assert Image.open(io.BytesIO(sharp.content)).mode == "RGB"
        assert _sharpness(sharp.content) > 2 * blurred
        assert media_url not in reviewer.get(f"/cases/{number}").text  # still a preview


def test_after_the_logged_reveal_the_page_shows_the_media(live, db, case_with_image):
    number, media_url = case_with_image["number"], case_with_image["media_url"]
    with login(live.url, make_user(db, "reviewer")) as reviewer:
        page = reviewer.get(f"/cases/{number}")
        item_id = re.search(r"/items/(\d+)/preview", page.text).group(1)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        shown = reviewer.post(f"/cases/{number}/reveal/{item_id}", data={"csrf": token})
        assert shown.status_code == 200
        assert f'src="{media_url}"' in shown.text
        origin = media_url.split("/media/")[0]
        policy = shown.headers["content-security-policy"]
        assert f"img-src 'self' data: {origin}" in policy and "frame-ancestors 'none'" in policy
        assert media_url not in reviewer.get(f"/cases/{number}").text  # once, not for good
    with db.session() as session:
        case = find_case(session, number)
        events = audit.events_for(session, "case", case.id)
        assert any(e.action == "media.revealed" for e in events)


def test_previews_are_for_staff_who_can_see_the_case(live, db, case_with_image):
    number = case_with_image["number"]
    with login(live.url, make_user(db, "reviewer")) as reviewer:
        path = _preview_path(reviewer.get(f"/cases/{number}").text, number)
        item_id = int(path.split("/")[-2])
        other_item = f"/cases/{number}/items/{item_id + 10_000_000}/preview"
        assert reviewer.get(other_item).status_code == 404
    with httpx.Client(base_url=live.url) as anonymous:
        r = anonymous.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    outsider = make_user(db, "reviewer", queues=["general"])
    with login(live.url, outsider) as other:
        assert other.get(path).status_code == 403
