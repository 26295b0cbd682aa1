"""A web process works on `web_threads` requests at once; the others wait their turn."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import anyio
import anyio.to_thread
import httpx

from takedown.config import Settings
from takedown.db import Database
from takedown.demo.media import synthetic_image
from takedown.web.app import create_app
from tests.support import LiveServer, wait_for


def test_the_thread_pool_is_as_large_as_configured(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"web_threads": 3}), db=db, run_worker=False)

    async def started() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(started) == 3


def test_uploads_waiting_to_be_decoded_do_not_hold_a_report_back(
    settings: Settings, db: Database, platform: dict[str, str]
) -> None:
    """Every request thread but none is taken by uploads waiting for a decode slot (all held
    here): a P0 report is still answered at once, and the uploads go on afterwards."""
    from takedown.fingerprints import service as fingerprints

    app = create_app(settings.model_copy(update={"web_threads": 2}), db=db, run_worker=False)
    with LiveServer(app) as server:
        slots = fingerprints.DECODES
        held = 0
        while slots.acquire(blocking=False):
            held += 1
        try:
            headers = {"authorization": f"Bearer {platform['api_key']}"}
            pool = ThreadPoolExecutor(4)
            uploads = [pool.submit(_upload, server.url, headers, n) for n in range(4)]
            wait_for(lambda: _waiting_for_decode(slots), what="uploads waiting to be decoded")
            item = f"item-{uuid.uuid4().hex[:8]}"
            body = {"id": item, "author_id": f"a-{item}", "media_type": "video"}
            with httpx.Client(base_url=server.url, timeout=30) as client:
                assert client.post("/v1/content", json=body, headers=headers).status_code == 200
                report = {"content": [item], "reporter_role": "victim", "minor_depicted": "yes"}
                answered = client.post("/v1/reports", json=report)
            assert answered.status_code == 201, answered.text
            assert not any(u.done() for u in uploads)  # still waiting for their turn
        finally:
            for _ in range(held):
                slots.release()
        assert [u.result(timeout=60) for u in uploads] == [200] * 4
        pool.shutdown()


def _upload(base: str, headers: dict[str, str], n: int) -> int:
    content_id = f"up-{uuid.uuid4().hex[:8]}"
    meta = {"id": content_id, "author_id": f"a-{content_id}", "media_type": "image"}
    with httpx.Client(base_url=base, timeout=60) as client:
        return client.post(
            "/v1/content",
            data={"metadata": json.dumps(meta)},
            files={"media": ("x.jpg", synthetic_image(9000 + n), "image/jpeg")},
            headers=headers,
        ).status_code


def _waiting_for_decode(slots: object) -> bool:
    waiters = getattr(getattr(slots, "_cond", None), "_waiters", ())
    return len(waiters) >= 4
