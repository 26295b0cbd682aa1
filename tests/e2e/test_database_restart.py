"""PostgreSQL stops and starts under a running `takedown serve`: clients get a fast 503
with Retry-After, /readyz says what is wrong, nothing acknowledged is lost, and webhook
delivery resumes by itself."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from takedown.config import Settings
from takedown.db import Database
from takedown.platforms import create_platform
from tests.e2e.helpers import post_content, report, uid
from tests.e2e.test_crash import serve
from tests.support import WebhookReceiver, free_port, wait_for


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[object]:
    """A PostgreSQL of this test's own: stopping it touches no other test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from takedown.db import embedded

        server = embedded.start(tmp_path / "pgdata")
    engine = create_engine(server.sqlalchemy_url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('CREATE DATABASE "takedown"'))
    engine.dispose()
    yield server
    server.stop()


@contextmanager
def receiver_closed(receiver: WebhookReceiver) -> Iterator[None]:
    try:
        yield
    finally:
        receiver.close()


def _readyz(base: str) -> httpx.Response | None:
    try:
        return httpx.get(f"{base}/readyz", timeout=5)
    except httpx.HTTPError:
        return None


def test_a_database_restart_heals_by_itself(own_postgres, tmp_path):
    url = own_postgres.sqlalchemy_url("takedown")  # type: ignore[attr-defined]
    settings = Settings(environment="test", database_url=url, data_dir=tmp_path / "data")
    db = Database(settings).open()
    db.migrate()
    receiver = WebhookReceiver()
    with db.session() as session:
        new = create_platform(session, uid("platform"), receiver.url)
        receiver.secret, key = new.platform.webhook_secret, new.api_key
    db.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve(settings, port), receiver_closed(receiver):
        wait_for(
            lambda: (r := _readyz(base)) is not None and r.status_code == 200,
            timeout=90,
            what="ready",
        )
        with httpx.Client(base_url=base, timeout=30) as client:
            before = uid("video")
            post_content(client, key, before, uid("trafficker"))
            first = report(client, [before], headers={"x-forwarded-for": "victim-1"})
            assert first.status_code == 201

            own_postgres.stop()  # type: ignore[attr-defined]
            down = report(client, [before], headers={"x-forwarded-for": "victim-2"})
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "service_unavailable"
            assert int(down.headers["retry-after"]) > 0
            assert client.get("/healthz").status_code == 200
            not_ready = wait_for(
                lambda: (r := _readyz(base)) is not None and r.status_code == 503 and r,
                what="/readyz to say the database is away",
            )
            failing = {c["name"] for c in not_ready.json()["checks"] if not c["ok"]}
            assert "database" in failing

            own_postgres.start_again()  # type: ignore[attr-defined]
            wait_for(
                lambda: (r := _readyz(base)) is not None and r.status_code == 200,
                timeout=90,
                what="ready again without a restart of the service",
            )
            after = uid("video")
            post_content(client, key, after, uid("trafficker"))
            again = report(client, [after], headers={"x-forwarded-for": "victim-3"})
            assert again.status_code == 201, again.text
        # Deliveries of both acknowledged reports arrive: the worker healed by itself.
        wait_for(
            lambda: (
                {before, after}
                <= {e["data"]["content_id"] for e in receiver.events("content.restricted")}
            ),
            timeout=150,
            what="webhooks after the restart",
        )
        receiver.verify_all()
