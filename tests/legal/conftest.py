"""Fixtures of the legal tests: staff with the roles that may open evidence, and fakes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from takedown.config import Settings
from takedown.db import Database
from takedown.demo.fake_ncmec import FakeCyberTipline
from takedown.legal import dsa, ncmec
from takedown.people import create_user
from tests.legal.fakes import MediaServer

XSD = ncmec.SHIPPED_XSD
SCHEMA = dsa.SHIPPED_SCHEMA


@pytest.fixture
def staff(db: Database) -> dict[str, tuple[str, str]]:
    """role -> (username, API key) for a specialist, a liaison, an admin and a reviewer."""
    out = {}
    with db.session() as session:
        for role in ("child_safety_specialist", "law_enforcement_liaison", "admin", "reviewer"):
            name = f"{role}-{uuid.uuid4().hex[:8]}"
            out[role] = (name, create_user(session, name, role).api_key)
    return out


@pytest.fixture
def fake_ncmec() -> Iterator[FakeCyberTipline]:
    with FakeCyberTipline("esp-test", "esp-secret", xsd=XSD) as fake:
        yield fake


@pytest.fixture
def ncmec_settings(settings: Settings, fake_ncmec: FakeCyberTipline) -> Settings:
    return settings.model_copy(
        update={
            "ncmec_enabled": True,
            "ncmec_base_url": fake_ncmec.url,
            "ncmec_username": "esp-test",
            "ncmec_password": "esp-secret",
            "ncmec_reporter_email": "safety@example.social",
            # A retry is enqueued an hour out: the tests' own worker (filing off) leaves it.
            "legal_backoff_base_s": 3600.0,
        }
    )


@pytest.fixture
def media_server() -> Iterator[MediaServer]:
    server = MediaServer()
    yield server
    server.close()
