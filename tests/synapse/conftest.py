"""One real Synapse per module, with the adapter loaded, talking to the `live` Takedown."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from takedown.db import Database
from takedown.platforms import create_platform
from tests.support import LiveServer
from tests.synapse import homeserver as hs
from tests.synapse.matrix import MatrixUser, register

# The adapter's parts that do not need Synapse are tested here too (its own package).
if str(hs.ADAPTER) not in sys.path:
    sys.path.insert(0, str(hs.ADAPTER))


@dataclass
class Matrix:
    server: hs.Homeserver
    platform_id: int
    api_key: str
    webhook_secret: str
    admin: MatrixUser

    def user(self, name: str) -> MatrixUser:
        return register(self.server, f"{name}-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def matrix(
    live: LiveServer, db: Database, pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    if not hs.SYNAPSE_PYTHON.exists():
        pytest.skip("no Synapse virtualenv: run `make synapse-venv`")
    port = hs.free_synapse_port()
    with db.session() as session:
        new = create_platform(
            session, f"synapse-{uuid.uuid4().hex[:8]}", f"http://127.0.0.1:{port}/_takedown/webhook"
        )
        platform_id, api_key = new.platform.id, new.api_key
        secret = new.platform.webhook_secret
    server = hs.start(tmp_path_factory.mktemp("synapse"), pg_url, live.url, api_key, secret, port)
    try:
        yield Matrix(
            server, platform_id, api_key, secret, register(server, "moderator", admin=True)
        )
    finally:
        server.stop()
