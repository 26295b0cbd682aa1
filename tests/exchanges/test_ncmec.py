"""NCMEC's hash sharing API through threatexchange's own client, against a loopback fake:
an incremental fetch, a fetch cut off mid-way resuming from its checkpoint, a deletion."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from tests.e2e.helpers import decide, uid
from tests.exchanges.conftest import NCMEC_TEST_ENV
from tests.exchanges.fakes import NcmecEntry
from tests.matching.helpers import check, copy_of, image, upload
from tests.support import wait_for

from takedown import exchanges
from takedown.exchanges.errors import ExchangeUnavailable
from takedown.exchanges.models import Exchange
from takedown.fingerprints import hash_bytes
from takedown.matching.models import Bank, BankEntry


def _name() -> str:
    return uid("NCMEC").upper().replace("-", "_")


def _add(db, name, fake, creds) -> None:
    with db.session() as session:
        exchanges.add(
            session,
            name,
            "ncmec",
            {"environment": NCMEC_TEST_ENV},
            actor="test",
            base_url=fake.url,
            credentials_file=creds,
        )


def _entries(fake, clock, count: int, start: int = 0, member: int = 7) -> list[NcmecEntry]:
    made = []
    for n in range(start, start + count):
        entry = NcmecEntry(
            id=f"E{n}",
            member_id=member,
            kind="image" if n % 4 else "video",
            timestamp=int(clock.now) - 3000 + n * 7,
            fingerprints={"md5": secrets.token_hex(16), "pdq": secrets.token_hex(32)},
        )
        fake.put(entry)
        made.append(entry)
    return made


def _live(db, name) -> dict[str, bool]:
    with db.session() as session:
        bank = session.query(Bank).filter_by(name=name).one()
        rows = session.query(BankEntry).filter_by(bank_id=bank.id).all()
        return {r.value.hex(): r.enabled for r in rows}


def test_incremental_fetch_with_a_deletion_and_provenance(
    db, fake_ncmec, clock, ncmec_creds, client, platform
):
    name = _name()
    _add(db, name, fake_ncmec, ncmec_creds)
    first = _entries(fake_ncmec, clock, 8)
    result = exchanges.fetch(db, name)
    assert result.up_to_date and result.keys == 8 and result.hashes == 16
    live = _live(db, name)
    assert len(live) == 16 and all(live.values())
    with db.session() as session:
        status = exchanges.status(session, name)
    assert status.checkpoint_ts == int(clock.now) - 5 and status.last_fetch_succeeded

    # Matched through the platform API, with the exchange as provenance.
    pdq = first[1].fingerprints["pdq"]
    found = wait_for(
        lambda: check(client, platform["api_key"], hashes={"pdq": [pdq]}).json()["matches"],
        what="the fetched hash in the index",
    )
    assert found[0]["bank"] == name and found[0]["source"] == "ncmec"
    assert found[0]["entry_id"] == "7-E1" and found[0]["classification"] == "A1"

    # Later: one new entry, one deleted; the next fetch starts at the checkpoint.
    clock.now += 600
    gone = dict(first[1].fingerprints)
    fake_ncmec.delete(7, "E1", int(clock.now) - 60)
    added = NcmecEntry("E100", 9, "image", int(clock.now) - 50, {"pdq": secrets.token_hex(32)})
    fake_ncmec.put(added)
    calls_before = len(fake_ncmec.calls)
    again = exchanges.fetch(db, name)
    assert again.up_to_date and again.removed == 2 and again.added == 1
    asked = [c for c in fake_ncmec.calls[calls_before:] if c.path == "/v2/entries"]
    earliest = min(datetime.strptime(c.query["from"][0], "%Y-%m-%dT%H:%M:%SZ") for c in asked)
    assert earliest.timestamp() >= status.checkpoint_ts  # never from the beginning again
    live = _live(db, name)
    assert live[gone["pdq"]] is False and live[gone["md5"]] is False
    assert live[added.fingerprints["pdq"]] is True
    assert sum(live.values()) == 15
    wait_for(
        lambda: not check(client, platform["api_key"], hashes={"pdq": [pdq]}).json()["matches"],
        what="the deleted hash to leave the index",
    )


def test_a_fetch_cut_off_mid_page_resumes_from_its_checkpoint(db, fake_ncmec, clock, ncmec_creds):
    name = _name()
    _add(db, name, fake_ncmec, ncmec_creds)
    # Dense enough that the client pages (3 per page here) instead of shrinking its window.
    for n in range(12):
        fake_ncmec.put(
            NcmecEntry(f"P{n}", 3, "image", int(clock.now) - 40 + n, {"pdq": secrets.token_hex(32)})
        )
    original = fake_ncmec.handle
    served = []

    def dies_on_the_second_page(call):
        if call.path == "/v2/entries" and "start" in call.query:
            served.append(call.query["start"][0])
            if len(served) == 1:
                return 400, "text/plain", b"the server fell over"
        return original(call)

    fake_ncmec.handle = dies_on_the_second_page
    with pytest.raises(ExchangeUnavailable):
        exchanges.fetch(db, name)
    with db.session() as session:
        row = session.query(Exchange).filter_by(name=name).one()
        assert row.last_fetch_succeeded is False and "HTTP 400" in (row.last_error or "")
        assert row.checkpoint["paging_info"]["paging_url"].startswith("/v2/entries?")
        kept = row.fetched_items
    assert 0 < kept < 12 and sum(_live(db, name).values()) == kept

    # A restart (a new fetch, as the scheduled job would run it) resumes at that page.
    clock.now += 30
    before = len(fake_ncmec.calls)
    result = exchanges.fetch(db, name)
    first_call = fake_ncmec.calls[before:][0]
    assert first_call.path == "/v2/entries" and "start" in first_call.query
    assert result.up_to_date and result.added == 12 - kept  # keys seen twice change nothing
    assert sum(_live(db, name).values()) == 12


def test_bad_credentials_are_reported_not_stored(db, fake_ncmec, clock, tmp_path):
    name = _name()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("esp-user:not-the-password")
    _add(db, name, fake_ncmec, str(wrong))
    _entries(fake_ncmec, clock, 2)
    with pytest.raises(ExchangeUnavailable):
        exchanges.fetch(db, name)
    with db.session() as session:
        status = exchanges.status(session, name)
        row = session.query(Exchange).filter_by(name=name).one()
    assert status.last_fetch_succeeded is False and "HTTP 401" in (status.last_error or "")
    assert "not-the-password" not in repr(row.__dict__)
    assert row.credentials_file == str(wrong)


def test_a_dismissal_sends_ncmec_a_downvote_for_the_matched_entry(
    db, fake_ncmec, clock, ncmec_creds, client, platform, reviewers
):
    known = image(621)
    fake_ncmec.put(
        NcmecEntry("E7", 11, "image", int(clock.now) - 100, {"pdq": hash_bytes(known).pdq})
    )
    name = _name()
    with db.session() as session:
        exchanges.add(
            session,
            name,
            "ncmec",
            {"environment": NCMEC_TEST_ENV},
            actor="test",
            action="review",
            base_url=fake_ncmec.url,
            credentials_file=ncmec_creds,
        )
    assert exchanges.fetch(db, name).added == 1
    held = wait_for(
        lambda: (
            (r := upload(client, platform["api_key"], uid("c"), uid("a"), copy_of(known)).json())[
                "verdict"
            ]
            == "hold"
            and r
        ),
        what="the upload to be held by the NCMEC bank",
    )
    dismissed = decide(client, reviewers[0], held["case_number"], "dismiss", "not what it says")
    assert dismissed.status_code == 200, dismissed.text
    path, body = wait_for(lambda: fake_ncmec.feedback, timeout=60, what="NCMEC feedback")[0]
    assert path == "/v2/entries/11/E7/PDQ/feedback"
    xml = ET.fromstring(body)
    assert xml.tag.endswith("feedbackSubmission") and xml.find("{*}negative") is not None
    assert xml.find("{*}negative/{*}reasonIds/{*}guid").text.startswith("0b1b0c3c")
    assert fake_ncmec.paths("/v2/feedback/PDQ/reasons")  # the reason was asked for first


def test_the_scheduled_job_fetches_due_exchanges_once(db, live, fake_ncmec, clock, ncmec_creds):
    from takedown.exchanges import tasks

    name = _name()
    _add(db, name, fake_ncmec, ncmec_creds)
    _entries(fake_ncmec, clock, 4)
    tasks.fetch_due(0)
    assert _jobs(db, name) == 0  # just added on the command line: not due yet
    with db.session() as session:
        row = session.query(Exchange).filter_by(name=name).one()
        row.created_at = row.created_at - timedelta(days=1)  # as if added yesterday
    tasks.fetch_due(0)  # queued in PostgreSQL; the server's worker runs it
    tasks.fetch_due(0)  # a second tick before it ran queues nothing more
    assert _jobs(db, name) == 1
    wait_for(lambda: _done(db, name), timeout=60, what="the scheduled fetch")
    assert sum(_live(db, name).values()) == 8
    tasks.fetch_due(0)  # fetched just now: not due again
    assert _jobs(db, name) == 1


def _jobs(db, name) -> int:
    from sqlalchemy import text

    with db.session() as session:
        return session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'exchanges:fetch' "
                "AND args->>'name' = :name"
            ),
            {"name": name},
        )


def _done(db, name) -> bool:
    with db.session() as session:
        status = exchanges.status(session, name)
    return status.up_to_date and status.last_fetch_succeeded


def test_a_hostile_exchange_cannot_break_the_bank(db, fake_ncmec, clock, ncmec_creds):
    """What an exchange sends is input: bad hashes are dropped, long keys and labels bounded."""
    name = _name()
    _add(db, name, fake_ncmec, ncmec_creds)
    good = secrets.token_hex(32)
    at = int(clock.now) - 100
    fake_ncmec.put(NcmecEntry("ok", 1, "image", at, {"pdq": good}))
    fake_ncmec.put(NcmecEntry("x" * 5000, 1, "image", at, {"pdq": secrets.token_hex(32)}))
    for n, bad in enumerate(["zz" * 32, "ab" * 31, "ab" * 5000, "", "0x" + "a" * 62]):
        fake_ncmec.put(NcmecEntry(f"bad{n}", 1, "image", at, {"pdq": bad, "md5": bad}))
    fake_ncmec.put(
        NcmecEntry("label", 1, "video", at, {"md5": secrets.token_hex(16)}, "C" * 10_000)
    )
    result = exchanges.fetch(db, name)
    assert result.up_to_date and result.added == 3
    live = _live(db, name)
    assert good in live and sum(live.values()) == 3
    with db.session() as session:
        rows = session.query(BankEntry).join(Bank).filter(Bank.name == name).all()
        assert max(len(r.entry_id or "") for r in rows) <= 200
        assert max(len(r.classification or "") for r in rows) <= 100
