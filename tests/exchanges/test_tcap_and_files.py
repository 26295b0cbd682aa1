"""TCAP (Tech Against Terrorism) through threatexchange's client against a loopback fake, and
the local-file exchange (fetch, and sharing confirmed hashes back into the file)."""

from __future__ import annotations

import secrets

import pytest
from tests.e2e.helpers import decide, uid
from tests.matching.helpers import copy_of, image, upload
from tests.support import wait_for

from takedown import exchanges
from takedown.exchanges.errors import BadExchangeConfig
from takedown.fingerprints import hash_bytes
from takedown.matching.models import Bank, BankEntry


def _name(prefix: str) -> str:
    return uid(prefix).upper().replace("-", "_")


def _live(db, name) -> dict[str, bool]:
    with db.session() as session:
        bank = session.query(Bank).filter_by(name=name).one()
        return {
            r.value.hex(): r.enabled
            for r in session.query(BankEntry).filter_by(bank_id=bank.id).all()
        }


def test_tcap_token_paging_checkpoint_and_deletion(db, fake_tcap, tcap_creds):
    name = _name("TCAP")
    with db.session() as session:
        exchanges.add(
            session, name, "tat", {}, actor="test", base_url=fake_tcap.url,
            credentials_file=tcap_creds,
        )  # fmt: skip
    digests = [secrets.token_hex(32) for _ in range(5)]
    for n, digest in enumerate(digests):
        fake_tcap.put(n + 1, digest, 1_700_000_000.0 + n)
    fake_tcap.put(99, secrets.token_hex(16), 1_700_000_010.0, algo="MD5")  # an image MD5: not used
    result = exchanges.fetch(db, name)
    assert result.up_to_date and result.pages == 3 and result.added == 5
    assert (
        len(fake_tcap.paths("/token-auth/tcap/")) == 3
    )  # a token for each page, as TCAP's client does

    fake_tcap.put(2, digests[1], 1_700_000_100.0, deleted=True)
    before = len(fake_tcap.calls)
    again = exchanges.fetch(db, name)
    listed = [c for c in fake_tcap.calls[before:] if c.path == "/api/hash-list/v2/all"]
    assert listed[0].query["after"] == ["1700000010.0,99"]  # from the checkpoint
    assert again.removed == 1
    live = _live(db, name)
    assert live[digests[1]] is False and sum(live.values()) == 4


def test_local_file_fetch_and_share_back(db, tmp_path, client, platform, reviewers):
    known = image(631)
    listed = tmp_path / "hashes.txt"
    listed.write_text(f"pdq {hash_bytes(known).pdq}\npdq {secrets.token_hex(32)}\nnot-a-hash\n")
    name = _name("FILE")
    with db.session() as session:
        exchanges.add(
            session, name, "local_file", {"filename": str(listed)}, actor="test",
            action="review", share_back=True,
        )  # fmt: skip
    assert exchanges.fetch(db, name).added == 2
    # A line removed from the file is gone from the bank at the next fetch.
    dropped = listed.read_text().splitlines()[1]
    listed.write_text(listed.read_text().replace(dropped + "\n", ""))
    again = exchanges.fetch(db, name)
    assert again.removed == 1 and again.up_to_date
    assert _live(db, name)[dropped.split()[1]] is False
    other = image(632)
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
    lines = wait_for(
        lambda: (t := listed.read_text().splitlines()) and len(t) > 2 and t,
        timeout=60,
        what="the confirmed hash appended to the file",
    )
    assert lines[-1].startswith("pdq ") and len(lines[-1]) == 4 + 64
    assert hash_bytes(other).pdq not in listed.read_text()


def test_config_and_names_follow_the_rules(db):
    with db.session() as session, pytest.raises(BadExchangeConfig):
        exchanges.add(session, "lower_case", "local_file", {"filename": "/x"}, actor="test")
    with db.session() as session, pytest.raises(BadExchangeConfig):
        exchanges.add(session, _name("NC"), "ncmec", {"environment": "https://evil.example"},
                      actor="test")  # fmt: skip
    with db.session() as session, pytest.raises(BadExchangeConfig):
        exchanges.add(session, _name("NOPE"), "no_such_api", {}, actor="test")
