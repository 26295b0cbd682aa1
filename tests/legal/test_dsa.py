"""DSA statements of reasons from real restrictions and removals: in the platform's webhooks,
valid against the Transparency Database's schema, and sent to a local fake of its API."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from takedown import enforcement
from takedown.legal import dsa, transparency_db
from takedown.legal.errors import SubmissionError
from takedown.legal.models import StatementOfReasons
from takedown.platforms import ContentIn, create_platform, register_content
from tests.legal.conftest import SCHEMA
from tests.legal.fakes import FakeTransparencyDb
from tests.legal.helpers import case_id, confirm, report, upload
from tests.support import wait_for

# From the DSA Transparency Database's test fixtures.
EXAMPLE = Path(__file__).parent / "data" / "example_statement.json"


def _statements(receiver, kind: str, content_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        r.json["data"]["statement_of_reasons"]
        for r in receiver.received
        if r.json["type"] == kind and r.json["data"]["content_id"] == content_id
    ]


def _one(receiver, kind: str, content_id: str) -> dict:  # type: ignore[no-untyped-def]
    return wait_for(lambda: _statements(receiver, kind, content_id), what=kind)[0]


def test_restriction_and_removal_statements_reach_the_account(client, platform, receiver, staff):
    ids = upload(client, platform["api_key"])
    receipt = report(client, [ids["repost"]], age_at_time=12)
    restricted = _one(receiver, "content.restricted", ids["repost"])
    dsa.validate(restricted, SCHEMA)
    assert restricted["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert restricted["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert restricted["source_type"] == "SOURCE_ARTICLE_16"
    assert restricted["automated_detection"] == "No"  # named in the notice
    assert restricted["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert _one(receiver, "content.restricted", ids["post"])["automated_detection"] == "Yes"

    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "csam_a1")
    removed = _one(receiver, "content.removed", ids["repost"])
    dsa.validate(removed, SCHEMA)
    assert removed["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert removed["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "2011/93/EU" in removed["illegal_content_legal_ground"]
    assert removed["category_specification"] == ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"]
    assert removed["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert removed["content_type"] == ["CONTENT_TYPE_IMAGE"]
    text = json.dumps([restricted, removed])
    assert ids["author"] not in text and receipt["case_number"] not in text  # no personal data


@pytest.mark.parametrize(
    ("role", "minor", "category", "media_type", "source", "ground"),
    [
        ("trusted_flagger", "no", None, "text", "SOURCE_TRUSTED_FLAGGER", "INCOMPATIBLE"),
        ("law_enforcement", "yes", "ncii", "other", "SOURCE_TYPE_OTHER_NOTIFICATION", "ILLEGAL"),
        ("platform_user", "unsure", "other", "video", "SOURCE_ARTICLE_16", "INCOMPATIBLE"),
    ],
)
def test_every_kind_of_notice_gives_a_valid_statement(
    client, platform, receiver, staff, role, minor, category, media_type, source, ground
):
    ids = upload(client, platform["api_key"], media_type=media_type)
    receipt = report(client, [ids["post"]], reporter_role=role, minor_depicted=minor)
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], category)
    removed = _one(receiver, "content.removed", ids["post"])
    dsa.validate(removed, SCHEMA)
    assert removed["source_type"] == source
    assert removed["decision_ground"] == f"DECISION_GROUND_{ground}_CONTENT"
    if media_type == "other":
        assert removed["content_type"] == ["CONTENT_TYPE_OTHER"]
        assert removed["content_type_other"] == "other"


def test_an_upload_blocked_on_the_platforms_own_initiative(db_session):
    platform = create_platform(db_session, f"p-{uuid.uuid4().hex[:8]}", None).platform
    uid = f"c-{uuid.uuid4().hex}"
    item = register_content(db_session, platform, ContentIn(uid, f"author-{uid}"))
    enforcement.remove_content(
        db_session, item, case_id=None, actor="system", reason="matches known media"
    )
    row = db_session.scalars(
        select(StatementOfReasons).order_by(StatementOfReasons.id.desc()).limit(1)
    ).one()
    assert uid not in json.dumps(row.body)
    dsa.validate(row.body, SCHEMA)
    assert row.body["source_type"] == "SOURCE_VOLUNTARY"
    assert row.body["automated_detection"] == "Yes"
    assert "matches media" in row.body["decision_facts"]


def test_a_broken_statement_is_refused_with_its_errors():
    with pytest.raises(Exception, match="decision_ground"):
        dsa.validate({"puid": "x", "decision_ground": "DECISION_GROUND_NOPE"}, SCHEMA)
    example = json.loads((EXAMPLE).read_text())
    dsa.validate(example, SCHEMA)


def test_client_retries_and_treats_a_known_puid_as_sent():
    fake = FakeTransparencyDb(token="tok", schema=SCHEMA, fail_next=1)
    statement = json.loads((EXAMPLE).read_text())
    api = transparency_db.TransparencyDbClient(fake.url, "tok", retry_delay_s=0.001)
    first = api.submit(statement)
    assert first and fake.attempts == 2  # a 503, then the retry
    assert api.submit(statement) == first  # sent before a crash: counts as sent
    with pytest.raises(SubmissionError) as invalid:
        api.submit({**statement, "puid": "other", "category": "NOPE"})
    assert invalid.value.code == 422 and not invalid.value.retryable
    wrong = transparency_db.TransparencyDbClient(fake.url, "nope", retry_delay_s=0.001)
    with pytest.raises(SubmissionError) as refused:
        wrong.submit(statement)
    assert refused.value.code == 401 and not refused.value.retryable
    api.close()
    wrong.close()
    fake.close()


def test_statements_of_a_case_are_sent_when_enabled(client, platform, staff, db, settings):
    ids = upload(client, platform["api_key"])
    receipt = report(client, [ids["post"]])
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "csam_a2")
    case = case_id(db, receipt["case_number"])

    def local():  # type: ignore[no-untyped-def]
        with db.session() as session:
            rows = dsa.statements_for_case(session, case)
            return rows if rows and all(r.state == "local" for r in rows) else None

    rows = wait_for(local, what="statements kept locally")  # the database is off by default
    fake = FakeTransparencyDb(token="secret-token", schema=SCHEMA)
    enabled = settings.model_copy(
        update={"dsa_enabled": True, "dsa_base_url": fake.url, "dsa_token": "secret-token"}
    )
    transparency_db.send(db, enabled, [r.id for r in rows])
    fake.close()
    with db.session() as session:
        sent = dsa.statements_for_case(session, case)
    assert {r.state for r in sent} == {"sent"}
    assert {r.puid for r in sent} == set(fake.statements)
    assert all(r.transparency_uuid == fake.statements[r.puid]["uuid"] for r in sent)
