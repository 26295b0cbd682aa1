"""StopNCII through threatexchange's client against a loopback fake: paged FetchHashes from
the checkpoint, a withdrawn case leaving the bank, feedback after a reviewer's decision
(retried when StopNCII fails), and confirmed hashes shared back only when switched on."""

from __future__ import annotations

import secrets

from tests.e2e.helpers import decide, uid
from tests.matching.helpers import copy_of, image, upload
from tests.support import wait_for

from takedown import exchanges
from takedown.exchanges.models import ExchangeOutbox
from takedown.fingerprints import hash_bytes
from takedown.matching.models import Bank, BankEntry


def _name() -> str:
    return uid("SNCII").upper().replace("-", "_")


def _add(db, name, fake, creds, **options) -> None:
    with db.session() as session:
        exchanges.add(
            session,
            name,
            "stop_ncii",
            {},
            actor="test",
            action="review",
            base_url=fake.url + "/v1",
            credentials_file=creds,
            **options,
        )


def _live(db, name) -> dict[str, bool]:
    with db.session() as session:
        bank = session.query(Bank).filter_by(name=name).one()
        return {
            r.value.hex(): r.enabled
            for r in session.query(BankEntry).filter_by(bank_id=bank.id).all()
        }


def test_paged_incremental_fetch_and_a_withdrawn_case(db, fake_stopncii, stopncii_creds):
    name = _name()
    _add(db, name, fake_stopncii, stopncii_creds)
    hashes = [secrets.token_hex(32) for _ in range(5)]
    for n, value in enumerate(hashes):
        fake_stopncii.put(value, 1000 + n)
    result = exchanges.fetch(db, name)
    assert result.up_to_date and result.pages == 3 and result.added == 5
    tokens = [c.query.get("nextPageToken") for c in fake_stopncii.paths("/v1/FetchHashes")]
    assert tokens == [None, ["2"], ["4"]]  # followed nextPageToken to the end

    fake_stopncii.put(hashes[0], 2000, status="Withdrawn")
    fake_stopncii.put(fresh := secrets.token_hex(32), 2001)
    before = len(fake_stopncii.calls)
    again = exchanges.fetch(db, name)
    assert fake_stopncii.calls[before].query["startTimestamp"] == ["1004"]  # the checkpoint
    assert again.removed == 1 and again.added == 1
    live = _live(db, name)
    assert live[hashes[0]] is False and live[fresh] is True and sum(live.values()) == 5


def test_feedback_after_a_decision_and_sharing_back(
    db, fake_stopncii, stopncii_creds, client, platform, reviewers
):
    known = image(611)
    pdq = hash_bytes(known).pdq
    fake_stopncii.put(pdq, 1500)
    name = _name()
    _add(db, name, fake_stopncii, stopncii_creds, share_back=True)
    assert exchanges.fetch(db, name).added == 1
    fake_stopncii.fail_next("/v1/SubmitFeedback", times=1, status=503)

    held = wait_for(
        lambda: (
            (r := upload(client, platform["api_key"], uid("c"), uid("a"), copy_of(known)).json())[
                "verdict"
            ]
            == "hold"
            and r
        ),
        what="the upload to be held by the StopNCII bank",
    )
    assert held["matches"][0]["source"] == "stop_ncii"
    confirmed = decide(client, reviewers[0], held["case_number"], "confirm", category="ncii")
    assert confirmed.status_code == 200, confirmed.text

    sent = wait_for(lambda: fake_stopncii.feedback, timeout=60, what="feedback to StopNCII")
    assert sent == [{"tags": [], "feedbackValue": "Blocked", "hashValue": pdq}]
    shared = wait_for(lambda: fake_stopncii.submitted, timeout=60, what="a shared hash")
    assert shared[0]["signalType"] == "ImagePDQ" and shared[0]["hashValue"] != ""
    rows = wait_for(lambda: _settled(db, held), what="the outbox rows to be sent")
    feedback = next(r for r in rows if r["kind"] == "feedback")
    assert feedback["attempts"] == 2 and feedback["exchange"] == name  # the 503 was retried
    assert sorted(r["kind"] for r in rows) == ["feedback", "share"]
    detail = client.get(
        f"/v1/cases/{held['case_number']}", headers={"authorization": f"Bearer {reviewers[0]}"}
    ).json()
    assert {c["kind"]: c["state"] for c in detail["exchange_calls"]} == {
        "feedback": "sent",
        "share": "sent",
    }
    actions = {e["action"] for e in detail["timeline"]}
    assert {"exchange.feedback_sent", "exchange.share_sent"} <= actions  # audited, on the case


def test_nothing_is_shared_back_unless_switched_on(
    db, fake_stopncii, stopncii_creds, client, platform, reviewers
):
    known = image(612)
    fake_stopncii.put(hash_bytes(known).pdq, 1500)
    name = _name()
    _add(db, name, fake_stopncii, stopncii_creds)  # share_back defaults to off
    exchanges.fetch(db, name)
    held = wait_for(
        lambda: (
            (r := upload(client, platform["api_key"], uid("c"), uid("a"), copy_of(known)).json())[
                "verdict"
            ]
            == "hold"
            and r
        ),
        what="the upload to be held",
    )
    assert decide(client, reviewers[0], held["case_number"], "confirm").status_code == 200
    wait_for(lambda: fake_stopncii.feedback, timeout=60, what="feedback")
    assert fake_stopncii.submitted == []
    with db.session() as session:
        kinds = {
            r.kind for r in session.query(ExchangeOutbox).filter_by(case_id=_case_id(session, held))
        }
    assert kinds == {"feedback"}


def _settled(db, held: dict) -> list[dict] | None:
    with db.session() as session:
        rows = exchanges.for_case(session, _case_id(session, held))
    return rows if rows and all(r["state"] == "sent" for r in rows) else None


def _case_id(session, held: dict) -> int:
    from takedown.cases.models import Case

    return session.query(Case).filter_by(number=held["case_number"]).one().id
