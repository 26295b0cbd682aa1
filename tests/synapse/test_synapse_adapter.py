"""The Synapse adapter against a real Synapse (its own virtualenv, on loopback) and the
real Takedown server: upload check, reports in, signed actions out. Nothing here is a fake
of Synapse; the attacker's tests sit beside the victim's."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from takedown import cases, platforms
from takedown.db import Database
from takedown.demo.media import image_variant, synthetic_image
from takedown.enforcement.webhooks import body_for, signed_headers
from tests.e2e.helpers import decide
from tests.support import LiveServer, wait_for
from tests.synapse import homeserver as hs
from tests.synapse.conftest import Matrix
from tests.synapse.matrix import MatrixUser, register

CHILD = "This picture shows a child being abused"


def _quarantined(admin: MatrixUser, mxc: str) -> bool:
    return bool(admin.media_info(mxc)["quarantined_by"])


def _gone(admin: MatrixUser, mxc: str) -> bool:
    server, media_id = mxc.removeprefix("mxc://").split("/", 1)
    return admin.call("GET", f"/_synapse/admin/v1/media/{server}/{media_id}").status_code == 404


def _item(db: Database, platform_id: int, external_id: str) -> platforms.ContentItem | None:
    with db.session() as session:
        item = platforms.by_external_id(session, platform_id, external_id)
        if item is not None:
            session.expunge(item)
        return item


def _author(db: Database, item: platforms.ContentItem) -> str:
    with db.session() as session:
        return platforms.get_account(session, item.author_id).external_id


def _case_number(db: Database, platform_id: int, external_id: str) -> str | None:
    with db.session() as session:
        item = platforms.by_external_id(session, platform_id, external_id)
        case = cases.case_for_content(session, [item]) if item else None
        return case.number if case else None


def _post_image(user: MatrixUser, room: str, data: bytes, **extra: object) -> tuple[str, str]:
    upload = user.upload(data)
    assert upload.status_code == 200, upload.text
    mxc = upload.json()["content_uri"]
    return mxc, user.send_image(room, mxc, **extra)


def test_a_report_in_matrix_quarantines_then_confirmation_redacts_deactivates_and_blocks(
    matrix: Matrix, client: httpx.Client, db: Database, reviewers: list[str]
) -> None:
    admin = matrix.admin
    uploader, reporter, mirror = matrix.user("uploader"), matrix.user("reporter"), matrix.user("m")
    room = uploader.create_room()
    reporter.join(room)
    image = synthetic_image(1301)

    mxc, event_id = _post_image(uploader, room, image)
    media = _item(db, matrix.platform_id, mxc)
    assert media is not None, "the upload check registered the upload with Takedown"
    assert _author(db, media) == uploader.user_id
    assert reporter.download(mxc).status_code == 200

    reported = time.monotonic()
    reporter.report(room, event_id, CHILD)
    wait_for(lambda: _quarantined(admin, mxc), timeout=60, what="quarantine")
    print(f"\nreport in Synapse to quarantine: {time.monotonic() - reported:.3f} s")
    assert reporter.download(mxc).status_code == 404

    number = _case_number(db, matrix.platform_id, event_id)
    assert number is not None
    case = client.get(f"/v1/cases/{number}", headers={"authorization": f"Bearer {reviewers[0]}"})
    assert case.status_code == 200, case.text
    text = json.dumps(case.json())
    assert reporter.user_id in text and CHILD in text

    # During the review a mirrored copy is held: uploaded, then quarantined.
    held = mirror.upload(image_variant(image, crop=0.0))
    assert held.status_code == 200, held.text
    wait_for(lambda: _quarantined(admin, held.json()["content_uri"]), what="held copy")

    decision = decide(client, reviewers[0], number, "confirm", "child sexual abuse, confirmed")
    assert decision.status_code == 200, decision.text
    wait_for(lambda: reporter.room_event(room, event_id)["content"] == {}, what="redaction")
    assert reporter.room_event(room, event_id)["unsigned"]["redacted_because"]
    wait_for(lambda: uploader.whoami().status_code == 401, what="deactivation")
    wait_for(lambda: _gone(admin, mxc), what="media deleted")

    refused = mirror.upload(image_variant(image))
    # Synapse answers every refusal by a spam checker so: 400, "Bad content".
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "Bad content"
    assert reporter.whoami().status_code == 200


def _signed(matrix: Matrix, kind: str, data: dict, *, secret: str | None = None,
            sent_at: datetime | None = None) -> tuple[str, dict[str, str]]:  # fmt: skip
    at = sent_at or datetime.now(UTC)
    body = body_for(kind, at, data)
    headers = signed_headers(secret or matrix.webhook_secret, f"msg_{time.time_ns()}", at, body)
    return body, headers


def _deliver(matrix: Matrix, body: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(matrix.server.webhook_url, content=body, headers=headers, timeout=30)


def test_unsigned_badly_signed_or_stale_webhooks_are_refused(matrix: Matrix) -> None:
    owner = matrix.user("owner")
    room = owner.create_room()
    mxc, _ = _post_image(owner, room, synthetic_image(1302))
    data = {"content_id": mxc, "author_id": owner.user_id, "action_id": 10**12}

    body, headers = _signed(matrix, "content.restricted", data)
    unsigned = {"content-type": "application/json"}
    assert _deliver(matrix, body, unsigned).status_code == 401
    forged = _signed(matrix, "content.restricted", data, secret="whsec_" + "QUJD" * 8)
    assert _deliver(matrix, *forged).status_code == 401
    tampered = body.replace(str(10**12), str(10**12 + 1))
    assert _deliver(matrix, tampered, headers).status_code == 401
    stale = _signed(
        matrix, "content.restricted", data, sent_at=datetime.now(UTC) - timedelta(hours=1)
    )
    assert _deliver(matrix, *stale).status_code == 401

    assert not _quarantined(matrix.admin, mxc)
    assert owner.download(mxc).status_code == 200


def test_a_replayed_or_late_action_does_not_undo_a_newer_one(matrix: Matrix) -> None:
    owner = matrix.user("owner")
    room = owner.create_room()
    mxc, _ = _post_image(owner, room, synthetic_image(1303))
    base = 2 * 10**12
    item = {"content_id": mxc, "author_id": owner.user_id}
    restored_old = _signed(matrix, "content.restored", {**item, "action_id": base + 1})
    restricted = _signed(matrix, "content.restricted", {**item, "action_id": base + 2})

    first = _deliver(matrix, *restricted)
    assert first.status_code == 200 and first.json()["applied"] is True
    assert _quarantined(matrix.admin, mxc)
    late = _deliver(matrix, *restored_old)  # an older action that arrives after
    assert late.status_code == 200 and late.json()["applied"] is False
    replay = _deliver(matrix, *restricted)  # the same message again
    assert replay.status_code == 200 and replay.json()["applied"] is False
    assert _quarantined(matrix.admin, mxc)

    newer = _signed(matrix, "content.restored", {**item, "action_id": base + 3})
    assert _deliver(matrix, *newer).json()["applied"] is True
    assert not _quarantined(matrix.admin, mxc)


def test_a_report_cannot_get_another_users_unrelated_media_quarantined(
    matrix: Matrix, db: Database
) -> None:
    admin = matrix.admin
    victim, mallory, accomplice = matrix.user("victim"), matrix.user("mal"), matrix.user("acc")
    room = victim.create_room()
    mallory.join(room)
    accomplice.join(room)
    victims, _ = _post_image(victim, room, synthetic_image(1304))

    text = mallory.send(room, {"msgtype": "m.text", "body": f"look {victims}", "url": victims})
    own, decoy = _post_image(mallory, room, synthetic_image(1305), info={"thumbnail_url": victims})
    accomplice.report(room, text, f"{CHILD}: {victims}")
    accomplice.report(room, decoy, f"{CHILD}: {victims}")

    wait_for(lambda: _quarantined(admin, own), timeout=60, what="the reported media")
    assert not _quarantined(admin, victims)
    assert victim.download(victims).status_code == 200
    item = _item(db, matrix.platform_id, victims)
    assert item is not None and item.visibility == "public"
    assert _case_number(db, matrix.platform_id, text) is None


def _reports_in_case(client: httpx.Client, key: str, number: str) -> int:
    case = client.get(f"/v1/cases/{number}", headers={"authorization": f"Bearer {key}"})
    assert case.status_code == 200, case.text
    return len(case.json()["reports"])


def test_the_poller_remembers_its_place_across_a_restart(
    matrix: Matrix, client: httpx.Client, db: Database, reviewers: list[str]
) -> None:
    owner, reporter = matrix.user("owner"), matrix.user("reporter")
    room = owner.create_room()
    reporter.join(room)
    _, first = _post_image(owner, room, synthetic_image(1306))
    reporter.report(room, first, "spam")
    number = wait_for(lambda: _case_number(db, matrix.platform_id, first), what="first filed")
    assert _reports_in_case(client, reviewers[0], number) == 1

    token = _state(matrix)["bot_token"]
    matrix.server.restart()
    _, second = _post_image(owner, room, synthetic_image(1307))
    reporter.report(room, second, "spam again")
    wait_for(lambda: _case_number(db, matrix.platform_id, second), what="second filed")
    assert _reports_in_case(client, reviewers[0], number) == 1
    assert _state(matrix)["bot_token"] == token  # the admin token is reused, not piled up


def _state(matrix: Matrix) -> dict:
    return json.loads((matrix.server.directory / "takedown-state.json").read_text())


def test_while_takedown_does_not_answer_uploads_fail_as_configured_and_reports_wait(
    live: LiveServer, db: Database, pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Takedown accepts connections and never answers: after `timeout_s` an upload is
    refused (the default, fail closed) or let through (`fail_open`); a report made
    meanwhile waits, and is filed (and acted on) once Takedown answers again."""
    port = hs.free_synapse_port()
    with db.session() as session:
        new = platforms.create_platform(
            session, f"synapse-{time.time_ns()}", f"http://127.0.0.1:{port}/_takedown/webhook"
        )
        key, secret = new.api_key, new.platform.webhook_secret
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # never accepted: every request waits for its timeout
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        directory = tmp_path_factory.mktemp("synapse-silent")
        server = hs.start(directory, pg_url, url, key, secret, port, extra=("--timeout", "1"))
        try:
            uploader, reporter = register(server, "uploader"), register(server, "reporter")
            admin = register(server, "moderator", admin=True)
            image = synthetic_image(1308)
            assert uploader.upload(image).status_code == 400  # fail closed

            server.restart("--fail-open")
            room = uploader.create_room()
            reporter.join(room)
            mxc, event_id = _post_image(uploader, room, image)
            reporter.report(room, event_id, CHILD)
            wait_for(lambda: "report poll stopped" in server.log(), what="a failed poll")
            assert not _quarantined(admin, mxc)

            server.restart("--takedown-url", live.url)
            wait_for(lambda: _quarantined(admin, mxc), timeout=120, what="the late report")
        finally:
            server.stop()
    assert "upload check of" in server.log()


def test_a_user_who_took_the_adapters_name_is_never_made_admin(matrix: Matrix) -> None:
    squatter = matrix.user("takedown")
    localpart = squatter.user_id[1:].split(":")[0]
    try:
        matrix.server.restart("--bot-localpart", localpart)
        wait_for(lambda: "is not an admin" in matrix.server.log(), what="the refusal")
        user = matrix.admin.ok("GET", f"/_synapse/admin/v2/users/{squatter.user_id}")
        assert user["admin"] is False
    finally:
        matrix.server.restart("--bot-localpart", "takedown")
