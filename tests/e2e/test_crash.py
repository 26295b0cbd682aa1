"""Kill the server with SIGKILL right after it acknowledges a report; nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import select

from takedown.enforcement.models import WebhookDelivery
from tests.e2e.helpers import report, seed_family, status
from tests.support import free_port, wait_for


@contextmanager
def serve(settings, port: int) -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_DATA_DIR": str(settings.data_dir),
        "TAKEDOWN_WEBHOOK_BACKOFF_BASE_S": "0.2",
        "TAKEDOWN_WEBHOOK_BACKOFF_MAX_S": "1",
        "TAKEDOWN_LOG_LEVEL": "WARNING",
        # Every test's loopback client shares one key: this server must not pause it.
        "TAKEDOWN_CLIENT_HIDE_CAP": "1000000",
        "TAKEDOWN_CLIENT_REPORT_LIMIT": "1000000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "takedown.cli", "serve", "--port", str(port)],
        env=env,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _healthy(port), timeout=60, what="server start")
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_sigkill_after_acknowledgement_loses_nothing(settings, db, platform, receiver):
    receiver.fail_next = 10**9  # the platform is down while the first server lives
    port = free_port()
    with (
        serve(settings, port) as proc,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        ids = seed_family(client, platform["api_key"])
        r = report(client, [ids["video"]])
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert r.status_code == 201
    receipt = r.json()

    receiver.fail_next = 0
    with (
        serve(settings, port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        seen = status(client, receipt["case_number"], receipt["pin"])
        assert seen["state"] == "restricted"
        assert seen["hidden_items"] == 3
        wait_for(
            lambda: len(receiver.events("content.restricted")) == 3,
            timeout=90,
            what="deliveries after restart",
        )
    receiver.verify_all()
    with db.session() as session:
        deliveries = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.platform_id == int(platform["id"]))
        ).all()
    assert len(deliveries) == 3
    assert {d.status for d in deliveries} == {"delivered"}


def test_audit_verify_command(settings, client, platform):
    seed_family(client, platform["api_key"])
    env = {**os.environ, "TAKEDOWN_DATABASE_URL": settings.database_url}
    out = subprocess.run(
        [sys.executable, "-m", "takedown.cli", "audit", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert '"ok": true' in out.stdout
