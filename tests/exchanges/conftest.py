"""Fakes of the programmes on loopback, and a controllable clock for NCMEC's time windows."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from tests.exchanges.fakes import FakeNcmec, FakeStopNcii, FakeTcap
from threatexchange.exchanges.impl import ncmec_api as ncmec_impl

NCMEC_TEST_ENV = "https://exttest.cybertip.org/hashsharing"


@pytest.fixture
def fake_ncmec() -> Iterator[FakeNcmec]:
    fake = FakeNcmec(page=3)
    yield fake
    fake.close()


@pytest.fixture
def fake_stopncii() -> Iterator[FakeStopNcii]:
    fake = FakeStopNcii(page_cap=2)
    yield fake
    fake.close()


@pytest.fixture
def fake_tcap() -> Iterator[FakeTcap]:
    fake = FakeTcap(page=2)
    yield fake
    fake.close()


class Clock:
    """threatexchange's NCMEC fetch asks `time.time()` where its window ends."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock(1_760_000_000.0)
    monkeypatch.setattr(ncmec_impl, "time", found)
    return found


@pytest.fixture
def ncmec_creds(tmp_path, fake_ncmec: FakeNcmec) -> str:
    path = tmp_path / "ncmec.txt"
    path.write_text(f"{fake_ncmec.user}:{fake_ncmec.password}\n")
    return str(path)


@pytest.fixture
def stopncii_creds(tmp_path) -> str:
    path = tmp_path / "stopncii.json"
    keys = FakeStopNcii.KEYS
    path.write_text(
        json.dumps(
            {
                "fetch_function_key": keys["FetchHashes"],
                "subscription_key": FakeStopNcii.SUBSCRIPTION,
                "submit_feedback_key": keys["SubmitFeedback"],
                "submit_hashes_key": keys["SubmitHashes"],
            }
        )
    )
    return str(path)


@pytest.fixture
def tcap_creds(tmp_path, fake_tcap: FakeTcap) -> str:
    path = tmp_path / "tcap.txt"
    path.write_text(f"{fake_tcap.user}:{fake_tcap.password}")
    return str(path)


@pytest.fixture(autouse=True)
def _forget_exchanges(db) -> Iterator[None]:
    """Exchanges a test made are removed after it: their fakes are gone, and the shared
    server's other tests must not owe them feedback."""
    from takedown import exchanges

    with db.session() as session:
        before = set(exchanges.names(session))
    yield
    with db.session() as session:
        for name in set(exchanges.names(session)) - before:
            exchanges.remove(session, name, actor="test")
