"""Evidence: sealed at rest (read the raw files), opened only by the right roles and audited,
exported with SHA-256 sums, held a year, extended, and purged when a moved clock says so."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from typer.testing import CliRunner

from takedown.audit.models import AuditEvent
from takedown.cli import app as cli
from takedown.demo.media import synthetic_image
from takedown.legal import preservation
from takedown.legal.evidence import EvidenceStore
from takedown.legal.models import EvidenceHold
from tests.legal.helpers import case_id, confirm, report, upload, wait_row

STATEMENT = "It is me in the picture, I was 14 when he took it."


@pytest.fixture
def sealed(client, platform, staff, db, settings, media_server):  # type: ignore[no-untyped-def]
    """A confirmed case whose evidence the worker sealed, media included (a media_url)."""
    data = synthetic_image(21)
    url = media_server.add("evidence.jpg", data)
    ids = upload(client, platform["api_key"], media=data, media_url=url, handle="holder")
    receipt = report(client, [ids["post"]], age_at_time=14, statement=STATEMENT)
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "csam_b1")
    case = case_id(db, receipt["case_number"])
    hold = wait_row(db, EvidenceHold, case, ("stored",))
    return {"ids": ids, "number": receipt["case_number"], "case": case, "hold": hold, "data": data}


def test_raw_storage_holds_no_plaintext(sealed, settings):
    folder = settings.data_dir / "evidence" / sealed["hold"].directory
    raw = b"".join(p.read_bytes() for p in sorted(folder.iterdir()))
    assert {p.name for p in folder.iterdir()} == {
        "key.wrapped",
        "record.json.enc",
        f"media-{preservation.safe_name(sealed['ids']['post'])}.bin.enc",
    }
    for secret in (
        sealed["number"].encode(),
        STATEMENT.encode(),
        sealed["ids"]["author"].encode(),
        sealed["ids"]["media_sha256"].encode(),
        b'"reports"',
        sealed["data"][200:264],  # any 64 bytes of the image itself
    ):
        assert secret not in raw
    key = (settings.data_dir / "evidence-master.key").read_bytes()
    assert key not in raw and base64.b64decode(key) not in raw


def test_roles_and_audited_opening(sealed, client, staff, db):
    for role in ("child_safety_specialist", "law_enforcement_liaison", "admin"):
        opened = client.get(
            f"/v1/evidence/{sealed['number']}",
            headers={"authorization": f"Bearer {staff[role][1]}"},
        )
        assert opened.status_code == 200, opened.text
        body = opened.json()
        assert body["record"]["case"]["number"] == sealed["number"]
        assert STATEMENT in [r["statement"] for r in body["record"]["reports"]]
        assert "pin_hash" not in body["record"]["reports"][0]
        media = next(f for f in body["files"] if f["name"].startswith("media-"))
        assert media["sha256"] == hashlib.sha256(sealed["data"]).hexdigest()
    refused = client.get(
        f"/v1/evidence/{sealed['number']}",
        headers={"authorization": f"Bearer {staff['reviewer'][1]}"},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "evidence_forbidden"
    with db.session() as session:
        openings = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "evidence.opened",
                AuditEvent.subject_id == str(sealed["case"]),
            )
        ).all()
    assert {e.actor for e in openings} == {
        f"user:{staff[r][0]}"
        for r in ("child_safety_specialist", "law_enforcement_liaison", "admin")
    }


def test_export_bundle_has_a_manifest_of_sha256_sums(
    sealed, staff, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("TAKEDOWN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAKEDOWN_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "bundle"
    username = staff["law_enforcement_liaison"][0]
    result = CliRunner().invoke(
        cli, ["evidence", "export", sealed["number"], "--out", str(out), "--as", username]
    )
    assert result.exit_code == 0, result.output
    folder = out / sealed["number"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["exported_by"] == username and manifest["files"]
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert sorted(sums) == sorted(f"{e['sha256']}  {e['name']}" for e in manifest["files"])
    media = next(e for e in manifest["files"] if e["name"].startswith("media-"))
    assert (folder / media["name"]).read_bytes() == sealed["data"]
    refused = CliRunner().invoke(
        cli,
        ["evidence", "export", sealed["number"], "--out", str(tmp_path / "x"), "--as",
         staff["reviewer"][0]],
    )  # fmt: skip
    assert refused.exit_code != 0 and not (tmp_path / "x").exists()


def test_files_cannot_move_between_cases(tmp_path):
    store = EvidenceStore(tmp_path, b"k" * 32)
    store.write("case-a", {"record.json": b"a"})
    store.write("case-b", {"record.json": b"b"})
    (tmp_path / "case-a" / "record.json.enc").write_bytes(
        (tmp_path / "case-b" / "record.json.enc").read_bytes()
    )
    with pytest.raises(InvalidTag):
        store.read_all("case-a")
    with pytest.raises(InvalidTag):
        EvidenceStore(tmp_path, b"x" * 32).read_all("case-b")


def test_hold_is_a_year_and_extends_but_never_shortens(sealed, client, staff):
    hold = sealed["hold"]
    assert hold.held_until - hold.held_from >= timedelta(days=365)
    headers = {"authorization": f"Bearer {staff['law_enforcement_liaison'][1]}"}
    later = (hold.held_until + timedelta(days=180)).isoformat()
    extended = client.post(
        f"/v1/evidence/{sealed['number']}/hold",
        json={"until": later, "reason": "HSI preservation request 2026-77"},
        headers=headers,
    )
    assert extended.status_code == 200, extended.text
    shorter = client.post(
        f"/v1/evidence/{sealed['number']}/hold",
        json={"until": hold.held_from.isoformat(), "reason": "no"},
        headers=headers,
    )
    assert shorter.status_code == 409 and shorter.json()["error"]["code"] == "hold_not_shortened"


def test_expiry_and_purge_with_a_moved_clock(sealed, db_session, settings, tmp_path):
    """The store is re-sealed into a private data dir, and the database work is rolled back,
    so purging with a clock a year ahead touches no other test's evidence."""
    private = settings.model_copy(update={"data_dir": tmp_path})
    hold = db_session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == sealed["case"]))
    hold.state = "pending"
    preservation.preserve(db_session, private, sealed["case"])
    folder = tmp_path / "evidence" / hold.directory
    assert folder.is_dir()
    until = hold.held_until

    purged = preservation.purge_expired(db_session, private, now=until - timedelta(days=1))
    assert sealed["number"] not in purged and folder.is_dir()

    purged = preservation.purge_expired(db_session, private, now=until + timedelta(seconds=1))
    assert sealed["number"] in purged
    assert not folder.exists() and hold.state == "purged" and hold.purged_at is not None
    event = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "evidence.purged", AuditEvent.subject_id == str(sealed["case"])
        )
    )
    assert event is not None and event.actor == "system"


def test_an_extended_hold_outlives_its_first_expiry(sealed, db_session, settings, tmp_path, staff):
    private = settings.model_copy(update={"data_dir": tmp_path})
    hold = db_session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == sealed["case"]))
    hold.state = "pending"
    preservation.preserve(db_session, private, sealed["case"])
    first_end = hold.held_until
    liaison = preservation.find_user(db_session, staff["law_enforcement_liaison"][0])
    case = preservation.cases.get_case(db_session, sealed["case"])
    preservation.extend_hold(
        db_session, case, first_end + timedelta(days=90), "LE request", liaison
    )
    purged = preservation.purge_expired(db_session, private, now=first_end + timedelta(days=1))
    assert sealed["number"] not in purged and (tmp_path / "evidence" / hold.directory).is_dir()


def test_production_needs_an_evidence_key(tmp_path):
    from takedown.config import Settings
    from takedown.legal.evidence import master_key

    with pytest.raises(ValueError, match="EVIDENCE"):
        Settings(environment="production", secret_key="s" * 32, data_dir=tmp_path)
    key = base64.b64encode(b"m" * 32).decode()
    configured = Settings(
        environment="production", secret_key="s" * 32, data_dir=tmp_path, evidence_master_key=key
    )
    assert master_key(configured) == b"m" * 32
    missing = Settings(
        environment="production",
        secret_key="s" * 32,
        data_dir=tmp_path,
        evidence_key_file=tmp_path / "none.key",
    )
    with pytest.raises(RuntimeError, match="does not exist"):
        master_key(missing)
    with pytest.raises(RuntimeError, match="32 bytes"):
        master_key(Settings(environment="test", data_dir=tmp_path, evidence_master_key="c2hvcnQ="))
    assert not (tmp_path / "evidence-master.key").exists()  # production never makes one


def test_evidence_stays_within_the_openers_queues(sealed, client, db):
    from tests.console.helpers import make_user

    outsider = make_user(db, "law_enforcement_liaison", queues=["general"])
    refused = client.get(
        f"/v1/evidence/{sealed['number']}",
        headers={"authorization": f"Bearer {outsider['api_key']}"},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "evidence_forbidden"
