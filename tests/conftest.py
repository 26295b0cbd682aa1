"""Shared fixtures: one real PostgreSQL per test run (embedded unless a URL is given)."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from takedown.config import Settings
from takedown.db import Database
from takedown.db.roles import ensure_login_role
from takedown.people import create_user
from takedown.platforms import create_platform
from takedown.wiring import wire
from tests.support import LiveServer, SmtpSink, WebhookReceiver

wire()  # the tests drive the rooms as the app and the worker do: subscribers wired

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
METRICS_TOKEN = "test-metrics-token"
SERVICE_ROLE = "takedown_service_test"
SERVICE_PASSWORD = "service-test-password"


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database on a real server: TAKEDOWN_TEST_DATABASE_URL's, or an embedded one."""
    configured = os.environ.get("TAKEDOWN_TEST_DATABASE_URL")
    server = None
    if configured:
        admin = configured
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from takedown.db import embedded

            server = embedded.start(tmp_path_factory.mktemp("pg") / "pgdata")
        admin = server.sqlalchemy_url("postgres")
    name = f"takedown_test_{uuid.uuid4().hex[:8]}"
    engine = create_engine(_sa(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    ensure_login_role(admin, SERVICE_ROLE, password=SERVICE_PASSWORD)
    url = _with_database(_sa(admin), name)
    # Migrated before any test runs, so a test that only starts the CLI finds the schema.
    Database(Settings(database_url=_as_service(url), migrate_database_url=url)).migrate()
    yield url
    if server is not None:
        server.stop()


def _sa(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _as_service(url: str) -> str:
    """The same database, as the service's role (it owns no table)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{SERVICE_ROLE}:{SERVICE_PASSWORD}@{rest.partition('@')[2]}"


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    """A local SMTP server that keeps what it is sent (e-mails to reporters, supervisors)."""
    sink = SmtpSink()
    yield sink.start()
    sink.stop()


@pytest.fixture(scope="session")
def settings(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory, smtp_sink: SmtpSink
) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        media_fetch_private_hosts=True,  # the tests' fake media server is on loopback
        smtp_port=smtp_sink.port,
        environment="test",
        # The service connects as a role that owns no table; migrations as the owner.
        database_url=_as_service(pg_url),
        migrate_database_url=pg_url,
        data_dir=tmp_path_factory.mktemp("data"),
        webhook_backoff_base_s=0.2,
        webhook_backoff_max_s=1.0,
        exchange_backoff_base_s=0.2,
        max_body_bytes=64_000,
        # Tests pose as distinct clients with this header (values only, no traffic to them).
        client_ip_header="x-forwarded-for",
        # The shared server is everybody's: limits that bite are tested on their own server.
        client_report_limit=1_000_000,
        client_hide_cap=1_000_000,
        report_item_cap=1_000,
        report_copy_cap=1_000,
        burst_account_items=1_000_000,
        burst_platform_reports=1_000_000,
        pin_max_failures=1_000_000,
        status_lookups_per_hour=1_000_000,
        login_client_failures=1_000_000,
        login_user_failures=1_000_000,
        metrics_token=METRICS_TOKEN,
    )


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings).open()  # pg_url migrated it already
    yield database
    database.close()


@pytest.fixture(scope="session")
def live(settings: Settings, db: Database) -> Iterator[LiveServer]:
    from takedown.web.app import create_app

    with LiveServer(create_app(settings, db=db, run_worker=True)) as server:
        yield server


@pytest.fixture(scope="session")
def strict_settings(settings: Settings) -> Settings:
    """The shipped limits (rate limits, caps, burst detector), for the attacker's tests."""
    shipped = Settings.model_fields
    names = (
        "client_report_limit",
        "client_hide_cap",
        "report_item_cap",
        "report_copy_cap",
        "burst_account_items",
        "burst_platform_reports",
        "pin_max_failures",
        "status_lookups_per_hour",
        "login_client_failures",
        "login_user_failures",
    )
    return settings.model_copy(update={n: shipped[n].default for n in names})


@pytest.fixture(scope="session")
def strict(strict_settings: Settings, db: Database, live: LiveServer) -> Iterator[LiveServer]:
    """A second server on the same database with the shipped limits (`live`'s worker runs
    the jobs). Tests pose as clients with `x-forwarded-for` values made for each test."""
    from takedown.web.app import create_app

    with LiveServer(create_app(strict_settings, db=db, run_worker=False)) as server:
        yield server


@pytest.fixture
def strict_client(strict: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=strict.url, timeout=60) as c:
        yield c


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def platform(db: Database, receiver: WebhookReceiver) -> dict[str, str]:
    """A freshly registered platform whose webhooks go to `receiver`."""
    with db.session() as session:
        new = create_platform(session, f"platform-{uuid.uuid4().hex[:8]}", receiver.url)
        receiver.secret = new.platform.webhook_secret
        return {"api_key": new.api_key, "id": str(new.platform.id)}


@pytest.fixture
def reviewers(db: Database) -> list[str]:
    """API keys of two reviewers and a child-safety specialist."""
    keys = []
    with db.session() as session:
        for role in ("reviewer", "reviewer", "child_safety_specialist"):
            keys.append(create_user(session, f"{role}-{uuid.uuid4().hex[:8]}", role).api_key)
    return keys


@pytest.fixture
def db_session(db: Database):  # type: ignore[no-untyped-def]
    """A session inside a transaction that is rolled back at the end of the test."""
    assert db.engine is not None
    yield from _rolled_back(db.engine)


@pytest.fixture(scope="session")
def owner_engine(db: Database):  # type: ignore[no-untyped-def]
    """The tables' owner: what a database administrator can do, for the tamper tests."""
    engine = create_engine(db.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dba_session(owner_engine):  # type: ignore[no-untyped-def]
    """As db_session, but as the tables' owner."""
    yield from _rolled_back(owner_engine)


def _rolled_back(engine):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture(scope="session")
def demo_run(
    settings: Settings, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict, Path]:
    """One replay of the seed case per test run, shared by every test that reads it."""
    from takedown.demo.run import run_demo

    out = tmp_path_factory.mktemp("demo")
    return run_demo(settings, out_dir=out, speed=36_000, seed=7, quiet=True), out
