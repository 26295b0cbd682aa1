"""A copy that reached the index while a P0 report was being taken is found by the
workers' resweep a moment after the report committed: one row per case, swept in batches,
durable across a crash (the row stays until its sweep commits)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from takedown import matching
from takedown.cases.views import find_case
from takedown.db.base import utcnow
from takedown.platforms import ContentIn, ContentItem, get_platform, register_content
from takedown.triage import tasks as triage_tasks
from takedown.triage.models import ResweepDue
from tests.e2e.helpers import decide, report, uid
from tests.matching.helpers import image, upload
from tests.support import wait_for


def _item(db, external_id: str) -> ContentItem:  # type: ignore[no-untyped-def]
    with db.session() as session:
        found = session.scalar(select(ContentItem).where(ContentItem.external_id == external_id))
        assert found is not None
        return found


def _copy_committed_meanwhile(db, platform_id: int, original: ContentItem) -> str:  # type: ignore[no-untyped-def]
    """What an upload committing during the report's transaction leaves: an item with the
    same fingerprints that the report's own propagation never saw."""
    copy = uid("meanwhile")
    with db.session() as session:
        item = register_content(
            session,
            get_platform(session, platform_id),
            ContentIn(external_id=copy, author_id=uid("reuploader"), media_type="image"),
        )
        matching.index_media(session, item.id, matching.stored_query(session, original.id))
    return copy


def test_a_copy_indexed_meanwhile_is_hidden_by_the_sweep(client, platform, db):
    key, original = platform["api_key"], uid("post")
    assert upload(client, key, original, uid("trafficker"), image(7_101)).status_code == 200
    number = report(client, [original]).json()["case_number"]
    copy = _copy_committed_meanwhile(db, int(platform["id"]), _item(db, original))
    assert _item(db, copy).visibility == "public"
    with db.session() as session:
        triage_tasks.resweep_later(session, find_case(session, number))
    wait_for(lambda: _item(db, copy).visibility == "restricted", what="the sweep")
    with db.session() as session:
        case = find_case(session, number)
        assert session.get(ResweepDue, case.id) is None  # swept once, row gone


def test_a_later_report_moves_the_sweep_later_never_earlier(db, client, platform):
    key, original = platform["api_key"], uid("post")
    assert upload(client, key, original, uid("author"), image(7_102)).status_code == 200
    number = report(client, [original]).json()["case_number"]
    later = utcnow() + timedelta(hours=1)
    with db.session() as session:
        case = find_case(session, number)
        session.merge(ResweepDue(case_id=case.id, due_at=later))
    with db.session() as session:
        triage_tasks.resweep_later(session, find_case(session, number))  # due in 1 s
    with db.session() as session:
        row = session.get(ResweepDue, find_case(session, number).id)
        assert row is not None and row.due_at == later
        session.delete(row)


def test_a_dismissed_case_is_not_swept_into_hiding(client, platform, db, reviewers):
    key, original = platform["api_key"], uid("post")
    assert upload(client, key, original, uid("author"), image(7_103)).status_code == 200
    number = report(client, [original]).json()["case_number"]
    for reviewer in (reviewers[0], reviewers[2]):  # a child's report: two people dismiss it
        answer = decide(client, reviewer, number, "dismiss", reason="an adult, not a child")
        assert answer.status_code == 200, answer.text
    assert _item(db, original).visibility == "public"
    copy = _copy_committed_meanwhile(db, int(platform["id"]), _item(db, original))
    with db.session() as session:
        triage_tasks.resweep_later(session, find_case(session, number))
    with db.session() as session:
        case_id = find_case(session, number).id
    wait_for(lambda: _due(db, case_id) is None, what="the sweep")
    assert _item(db, copy).visibility == "public"


def _due(db, case_id: int) -> ResweepDue | None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.get(ResweepDue, case_id)


def test_a_case_with_nothing_fingerprinted_is_dropped_unswept_unless_moved_later(
    db, client, platform
):
    """A reported item without fingerprints can have no copies: its row goes in the batch's
    one statement. A row a later report moved later is left for its own time."""
    numbers = [report(client, [_registered(db, platform)]).json()["case_number"] for _ in "ab"]
    later = utcnow() + timedelta(hours=1)
    with db.session() as session:
        first, second = (find_case(session, n).id for n in numbers)
        for case_id, due in ((first, utcnow()), (second, later)):
            session.merge(ResweepDue(case_id=case_id, due_at=due))
    with db.session() as session:
        assert triage_tasks._drop_without_fingerprints(session, [first, second]) == []
    assert _due(db, first) is None
    moved = _due(db, second)
    assert moved is not None and moved.due_at == later
    with db.session() as session:
        session.execute(delete(ResweepDue).where(ResweepDue.case_id == second))


def test_a_case_with_a_fingerprinted_item_is_kept_for_its_sweep(db, client, platform):
    key, original = platform["api_key"], uid("post")
    assert upload(client, key, original, uid("author"), image(7_104)).status_code == 200
    number = report(client, [original]).json()["case_number"]
    with db.session() as session:
        case_id = find_case(session, number).id
        assert triage_tasks._drop_without_fingerprints(session, [case_id]) == [case_id]


def _registered(db, platform) -> str:  # type: ignore[no-untyped-def]
    external_id = uid("video")
    with db.session() as session:
        register_content(
            session,
            get_platform(session, int(platform["id"])),
            ContentIn(external_id=external_id, author_id=uid("author"), media_type="video"),
        )
    return external_id
