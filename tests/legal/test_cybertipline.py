"""The CyberTipline client and the filing job against a local fake of NCMEC's documented API
(never NCMEC itself), including its error codes, a failure and a retry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from takedown.cases.models import Case
from takedown.demo.media import synthetic_image
from takedown.legal import facts, filing, ncmec
from takedown.legal.cybertipline_client import CyberTiplineClient
from takedown.legal.errors import SubmissionError
from takedown.legal.models import EvidenceHold, NcmecReport
from tests.legal.conftest import XSD
from tests.legal.helpers import case_id, confirm, report, upload, wait_row


def _client(fake, password: str = "esp-secret") -> CyberTiplineClient:  # type: ignore[no-untyped-def]
    return CyberTiplineClient(fake.url, "esp-test", password, retry_delay_s=0.001)


def _confirmed_case(client, platform, staff, db, **upload_args) -> tuple[dict, int]:  # type: ignore[no-untyped-def]
    ids = upload(client, platform["api_key"], handle="poster", **upload_args)
    receipt = report(client, [ids["post"]], age_at_time=14, statement="It is me.")
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "csam_a1")
    case = case_id(db, receipt["case_number"])
    row = wait_row(db, NcmecReport, case, ("not_sent",))  # filing is off in the test settings
    return ids, row.id


def _sample_report(client, platform, staff, db) -> bytes:  # type: ignore[no-untyped-def]
    _, report_id = _confirmed_case(client, platform, staff, db)
    with db.session() as session:
        return session.get(NcmecReport, report_id).report_xml.encode()


def test_round_trip_with_a_server_error_retried(client, platform, staff, db, fake_ncmec):
    xml = _sample_report(client, platform, staff, db)
    fake_ncmec.fail("/submit", times=1, http_status=500, code=1000)
    with _client(fake_ncmec) as api:
        assert "esp-test" in api.status()
        report_id = api.submit(xml)
        file_id, md5 = api.upload(report_id, "benign.jpg", synthetic_image(3))
        with db.session() as session:
            case = session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
            found = facts.gather(session, case)
        details = ncmec.build_file_details(found, found.media[0], report_id, file_id)
        api.fileinfo(details)
        assert api.finish(report_id) == [file_id]
    assert fake_ncmec.requests.count(("POST", "/submit")) == 2  # the failure, then the retry
    filed = fake_ncmec.reports[report_id]
    assert filed.finished and filed.xml == xml and file_id in filed.fileinfo
    assert md5 and len(md5) == 32


def test_documented_error_codes_are_final(client, platform, staff, db, fake_ncmec):
    xml = _sample_report(client, platform, staff, db)
    with _client(fake_ncmec, password="wrong") as api, pytest.raises(SubmissionError) as wrong:
        api.submit(xml)
    assert wrong.value.code == 3000 and not wrong.value.retryable
    with _client(fake_ncmec) as api:
        with pytest.raises(SubmissionError) as invalid:
            api.submit(b"<report><incidentSummary/></report>")
        assert invalid.value.code == 4100 and not invalid.value.retryable
        report_id = api.submit(xml)
        api.finish(report_id)
        for call in (api.finish, api.retract):
            with pytest.raises(SubmissionError) as finished:
                call(report_id)
            assert finished.value.code == 5102
        with pytest.raises(SubmissionError) as missing:
            api.retract(1)
        assert missing.value.code == 5001
    assert len(fake_ncmec.finished()) == 1


def test_no_credentials_is_2000(fake_ncmec):
    import httpx

    response = httpx.post(f"{fake_ncmec.url}/submit", content=b"<report/>")
    assert response.status_code == 401 and b"<responseCode>2000<" in response.content


def test_server_errors_are_retried_then_given_up(fake_ncmec):
    fake_ncmec.fail("/status", times=5, http_status=503, code=1000)
    with _client(fake_ncmec) as api, pytest.raises(SubmissionError) as failed:
        api.status()
    assert failed.value.retryable and failed.value.code == 1000
    assert fake_ncmec.requests.count(("GET", "/status")) == 3


def test_job_files_with_the_file_after_a_failed_attempt(
    client, platform, staff, db, fake_ncmec, ncmec_settings, media_server
):
    """/finish fails past the client's retries: the job keeps NCMEC's report id, tries
    again later, retracts the unfinished report first and files once."""
    data = synthetic_image(11)
    ids, report_id = _confirmed_case(
        client, platform, staff, db, media=data, media_url=media_server.add("a.jpg", data)
    )
    fake_ncmec.fail("/finish", times=3)
    api = _client(fake_ncmec)
    assert filing.file_report(db, ncmec_settings, report_id, api) == "pending"
    with db.session() as session:
        row = session.get(NcmecReport, report_id)
        first = row.ncmec_report_id
        assert first is not None and "NCMEC 1000" in row.last_error and row.next_attempt_at
    assert filing.file_report(db, ncmec_settings, report_id, api) == "filed"
    api.close()
    assert fake_ncmec.reports[first].retracted
    (filed,) = fake_ncmec.finished()
    with db.session() as session:
        row = session.get(NcmecReport, report_id)
        assert row.ncmec_report_id != first and fake_ncmec.reports[row.ncmec_report_id] is filed
        assert row.report_xml.encode() == filed.xml
        (sent,) = row.files
        assert list(filed.files.values()) == [data]
        assert filed.fileinfo[sent["file_id"]] == sent["file_details_xml"].encode()
        hold = session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == row.case_id))
        assert hold.held_until >= row.filed_at + timedelta(days=365)
    details = etree.fromstring(sent["file_details_xml"].encode())
    assert {h.get("hashType") for h in details.iterfind("originalFileHash")} == {"MD5", "SHA256"}
    assert details.findtext("originalFileHash[@hashType='SHA256']") == ids["media_sha256"]
    ncmec.validate(sent["file_details_xml"].encode(), XSD)


def test_an_attempt_that_did_finish_is_not_filed_twice(
    client, platform, staff, db, fake_ncmec, ncmec_settings
):
    """A crash after /finish, before the state was kept: NCMEC's 5102 proves it was filed."""
    _, report_id = _confirmed_case(client, platform, staff, db)
    with db.session() as session:
        xml = session.get(NcmecReport, report_id).report_xml.encode()
    with _client(fake_ncmec) as api:
        earlier = api.submit(xml)
        api.finish(earlier)
    with db.session() as session:
        row = session.get(NcmecReport, report_id)
        row.state, row.ncmec_report_id = "pending", earlier
    assert filing.file_report(db, ncmec_settings, report_id, _client(fake_ncmec)) == "filed"
    assert len(fake_ncmec.reports) == 1
    with db.session() as session:
        assert session.get(NcmecReport, report_id).ncmec_report_id == earlier


def test_terminal_errors_fail_the_report_and_say_why(
    client, platform, staff, db, fake_ncmec, ncmec_settings
):
    _, report_id = _confirmed_case(client, platform, staff, db)
    wrong = ncmec_settings.model_copy(update={"ncmec_password": "wrong"})
    assert filing.file_report(db, wrong, report_id) == "failed"
    with db.session() as session:
        assert "NCMEC 3000" in session.get(NcmecReport, report_id).last_error


def test_a_filing_whose_job_was_lost_is_queued_again(client, platform, staff, db):
    from datetime import timedelta

    from sqlalchemy import text

    from takedown.db.base import utcnow
    from takedown.legal.tasks import sweep_pending
    from tests.e2e.helpers import report as e2e_report
    from tests.e2e.helpers import seed_family

    ids = seed_family(client, platform["api_key"])
    number = e2e_report(client, [ids["video"]]).json()["case_number"]
    confirm(client, staff["child_safety_specialist"][1], number, "csam_a1")
    with db.session() as session:
        session.execute(
            text(
                "UPDATE ncmec_reports SET state = 'pending', next_attempt_at = NULL, "
                "created_at = :t WHERE case_id = (SELECT id FROM cases WHERE number = :n)"
            ),
            {"t": utcnow() - timedelta(hours=1), "n": number},
        )
        before = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'legal:submit_ncmec' "
                "AND lock = (SELECT 'ncmec:' || id FROM cases WHERE number = :n)"
            ),
            {"n": number},
        ).scalar_one()
    assert sweep_pending(0) >= 1
    with db.session() as session:
        after = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'legal:submit_ncmec' "
                "AND lock = (SELECT 'ncmec:' || id FROM cases WHERE number = :n)"
            ),
            {"n": number},
        ).scalar_one()
    assert after == before + 1
