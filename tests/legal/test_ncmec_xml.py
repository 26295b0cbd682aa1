"""CyberTipline XML built from real cases (made through the public API) validates against
NCMEC's XSD, and says what the reports said: no more."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import select

from takedown.cases.models import Case
from takedown.legal import categories, facts, ncmec
from takedown.legal.models import EvidenceHold, NcmecReport
from tests.legal.conftest import XSD
from tests.legal.helpers import case_id, confirm, report, upload, wait_row


def _file(client, platform, staff, category="csam_a1", **fields) -> tuple[str, NcmecReport]:  # type: ignore[no-untyped-def]
    ids = upload(client, platform["api_key"], handle=fields.pop("handle", None))
    receipt = report(client, [ids["repost"]], **fields)
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], category)
    return ids, receipt["case_number"]


def _stored(db, case_number: str) -> NcmecReport:  # type: ignore[no-untyped-def]
    # NCMEC filing is off in the test settings: the job builds, validates and keeps the XML.
    return wait_row(db, NcmecReport, case_id(db, case_number), ("not_sent", "failed"))


def test_full_report_validates_and_carries_every_fact(client, platform, staff, db):
    ids, number = _file(
        client,
        platform,
        staff,
        handle="trader_99",
        age_at_time=13,
        law_enforcement_case_number="HSI-2020-0121",
        statement="He said he would post it unless I sent more. He threatened to share it.",
        contact="me@example.org",
    )
    row = _stored(db, number)
    assert row.state == "not_sent", row.last_error
    xml = row.report_xml.encode()
    ncmec.validate(xml, XSD)
    doc = etree.fromstring(xml)
    summary = doc.find("incidentSummary")
    assert summary.findtext("incidentType") == ncmec.INCIDENT_TYPE
    assert "HSI-2020-0121" in summary.findtext("escalateToHighPriority")
    assert summary.findtext("reportAnnotations/sextortion") == "true"
    assert doc.findtext("lawEnforcement/caseNumber") == "HSI-2020-0121"
    urls = doc.xpath("//webPageIncident/url/text()")
    assert f"https://example.social/p/{ids['post']}" in urls
    info = doc.findtext("internetDetails/webPageIncident/additionalInfo")
    assert ids["media_sha256"] in info and "Industry classification: A1" in info
    assert "Publicly available: yes" in info or "Publicly available: no" in info
    users = {u.findtext("espIdentifier"): u for u in doc.iterfind("personOrUserReported")}
    poster = users[ids["author"]]
    assert poster.findtext("screenName") == "trader_99"
    assert poster.findtext("accountTemporarilyDisabled") == "true"
    victim = doc.find("victim")
    assert victim.findtext("victimPerson/age") == "13"
    assert "The reporter is the person shown." in victim.findtext("additionalInfo")
    # Never more than the reporter gave: no name, no contact, no address for the child.
    assert victim.find("victimPerson/email") is None
    assert "me@example.org" not in row.report_xml


def test_sparse_report_still_validates_without_empty_elements(client, platform, staff, db):
    """Someone who saw it, not sure of the age, no statement, no handle, no police case."""
    _, number = _file(
        client, platform, staff, category="csam_b2", reporter_role="platform_user",
        minor_depicted="unsure",
    )  # fmt: skip
    row = _stored(db, number)
    ncmec.validate(row.report_xml.encode(), XSD)
    doc = etree.fromstring(row.report_xml.encode())
    assert doc.find("victim") is None
    assert doc.find("lawEnforcement") is None
    assert doc.find("incidentSummary/escalateToHighPriority") is None
    assert doc.find("incidentSummary/reportAnnotations") is None
    assert doc.find("personOrUserReported/screenName") is None
    assert "Industry classification: B2" in doc.findtext(".//webPageIncident/additionalInfo")
    for element in doc.iter():
        assert element.text is None or element.text.strip() or len(element), element.tag


def test_file_details_from_a_real_case_validate(client, platform, staff, db):
    ids, number = _file(client, platform, staff, category="csam_a2", age_at_time=15)
    _stored(db, number)
    with db.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        found = facts.gather(session, case)
        media = found.media[0]
        document = ncmec.build_file_details(found, media, 4_564_654, "f" * 32)
    ncmec.validate(document, XSD)
    doc = etree.fromstring(document)
    hashes = {h.get("hashType"): h.text for h in doc.iterfind("originalFileHash")}
    assert hashes["SHA256"] == ids["media_sha256"] and len(hashes["MD5"]) == 32
    assert doc.findtext("industryClassification") == "A2"
    assert doc.findtext("publiclyAvailable") in ("true", "false")


def test_other_categories_are_not_reported_but_evidence_is_held(client, platform, staff, db):
    for category in (None, "other", "ncii"):
        _, number = _file(client, platform, staff, category=category)
        case = case_id(db, number)
        wait_row(db, EvidenceHold, case, ("stored",))
        with db.session() as session:
            assert session.scalar(select(NcmecReport).where(NcmecReport.case_id == case)) is None


def test_invalid_xml_is_refused_with_every_error():
    bad = b"<report><incidentSummary><incidentType>Spam</incidentType></incidentSummary></report>"
    try:
        ncmec.validate(bad, XSD)
    except Exception as exc:
        assert "incidentType" in str(exc) and "line" in str(exc)
    else:
        raise AssertionError("an invalid report validated")


def test_category_mapping_lives_in_one_place():
    assert categories.is_csam("csam_a1") and categories.is_csam("CSAM_B2")
    assert not categories.is_csam("ncii") and not categories.is_csam(None)
    assert [categories.industry_classification(f"csam_{c}") for c in ("a1", "a2", "b1", "b2")] == [
        "A1",
        "A2",
        "B1",
        "B2",
    ]
    assert categories.industry_classification("csam") is None


def test_sextortion_rule_is_explicit():
    assert ncmec.is_sextortion(["he threatened to post the video"])
    assert ncmec.is_sextortion(["This is sextortion"])
    assert ncmec.is_sextortion(["they blackmailed me"])
    assert not ncmec.is_sextortion(["I was tricked by someone pretending to be a girl", ""])
