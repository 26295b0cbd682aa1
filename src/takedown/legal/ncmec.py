"""CyberTipline report XML, built from a confirmed case and validated against NCMEC's XSD.

Element order follows the XSD's sequences: NCMEC rejects out-of-order reports (code 4100).
IP capture events are left out: Takedown does not store IP addresses (see the README)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from takedown.config import Settings
from takedown.legal import categories
from takedown.legal.errors import InvalidReport
from takedown.legal.facts import CaseFacts, Media

INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"
SHIPPED_XSD = Path(__file__).resolve().parent / "specs" / "cybertipline.xsd"
# The rule for the sextortion annotation, kept explicit: the reporter's own words say they
# were threatened or blackmailed (a threat to share, post, send, leak or publish).
SEXTORTION = re.compile(
    r"extort|blackmail|threat\w*\s+to\s+(share|post|send|leak|publish)", re.IGNORECASE
)
RELATION = {
    "victim": "The reporter is the person shown.",
    "parent_guardian": "The reporter is a parent or guardian of the person shown.",
}


def is_sextortion(statements: list[str]) -> bool:
    return any(SEXTORTION.search(s or "") for s in statements)


def _el(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = _text(text)
    return node


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def build_report(facts: CaseFacts, settings: Settings) -> bytes:
    """The `<report>` document for /submit."""
    root = etree.Element("report")
    _incident_summary(root, facts)
    for media in facts.media:
        _web_page_incident(root, facts, media)
    _law_enforcement(root, facts)
    _reporter(root, settings)
    for account_id, account in facts.accounts.items():
        _reported_user(root, facts, account_id, account)
    for report in facts.reports:
        _victim(root, report)
    _el(root, "additionalInfo", _additional_info(facts))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _incident_summary(root: etree._Element, facts: CaseFacts) -> None:
    summary = _el(root, "incidentSummary")
    _el(summary, "incidentType", INCIDENT_TYPE)
    if facts.platform_name:
        _el(summary, "platform", facts.platform_name)
    if facts.le_case_numbers:
        _el(
            summary,
            "escalateToHighPriority",
            "A law-enforcement case exists for this child (case number "
            f"{', '.join(facts.le_case_numbers)}, given by the reporter).",
        )
    if is_sextortion([r.statement for r in facts.reports]):
        _el(_el(summary, "reportAnnotations"), "sextortion", True)
    _el(summary, "incidentDateTime", facts.first_upload())
    _el(
        summary,
        "incidentDateTimeDescription",
        f"When the earliest copy was uploaded to {facts.platform_name or 'the platform'}.",
    )


def _web_page_incident(root: etree._Element, facts: CaseFacts, media: Media) -> None:
    page = _el(_el(root, "internetDetails"), "webPageIncident")
    for item in media.items:
        if item.url:
            _el(page, "url", item.url)
    _el(page, "additionalInfo", describe_file(facts, media))


def describe_file(facts: CaseFacts, media: Media) -> str:
    """The file in words: enough for NCMEC when the file itself cannot be attached."""
    pairs = (("MD5", media.md5), ("SHA-256", media.sha256))
    hashes = ", ".join(f"{name} {value}" for name, value in pairs if value)
    classification = categories.industry_classification(facts.category)
    parts = [
        f"A {media.media_type} posted {len(media.items)} time(s) "
        f"(content ids: {', '.join(i.external_id for i in media.items)}).",
        f"Publicly available: {'yes' if media.public else 'no'}.",
        f"Hashes: {hashes}." if hashes else "No hashes: the platform did not send the file.",
    ]
    if classification:
        parts.append(f"Industry classification: {classification}.")
    return " ".join(parts)


def _law_enforcement(root: etree._Element, facts: CaseFacts) -> None:
    if not facts.le_case_numbers:
        return
    le = _el(root, "lawEnforcement")
    _el(le, "agencyName", "Not stated by the reporter")
    _el(le, "caseNumber", ", ".join(facts.le_case_numbers))
    _el(le, "reportedToLe", True)


def _reporter(root: etree._Element, settings: Settings) -> None:
    person = _el(_el(root, "reporter"), "reportingPerson")
    first, _, last = settings.ncmec_reporter_name.strip().partition(" ")
    if first:
        _el(person, "firstName", first)
    if last:
        _el(person, "lastName", last)
    if settings.ncmec_reporter_email:
        _el(person, "email", settings.ncmec_reporter_email)


def _reported_user(root: etree._Element, facts: CaseFacts, account_id: int, account) -> None:
    posts = [(ci, item) for ci, item in facts.items if item.author_id == account_id]
    user = _el(root, "personOrUserReported")
    _el(user, "espIdentifier", account.external_id)
    if facts.platform_name:
        _el(user, "espService", facts.platform_name)
    if account.handle:
        _el(user, "screenName", account.handle)
    if account.state == "suspended" and account.suspended_at:
        _el(user, "accountTemporarilyDisabled", True, disabledDate=_text(account.suspended_at))
    originals = sum(1 for _, item in posts if item.repost_of_id is None)
    _el(
        user,
        "additionalInfo",
        f"Posted {originals} upload(s) and {len(posts) - originals} repost(s) in this report. "
        "IP addresses: not recorded.",
    )


def _victim(root: etree._Element, report) -> None:
    """The child as this report describes them: never more than the reporter gave."""
    relation = RELATION.get(report.reporter_role)
    if report.age_at_time is None and relation is None:
        return
    victim = _el(root, "victim")
    person = _el(victim, "victimPerson")
    notes = []
    if report.age_at_time is not None:
        _el(person, "age", report.age_at_time)
        notes.append(f"Age {report.age_at_time} when the content was made, per the reporter.")
    if relation:
        notes.append(relation)
    _el(victim, "additionalInfo", " ".join(notes))


def _additional_info(facts: CaseFacts) -> str:
    decided = facts.decision.created_at if facts.decision else facts.case.decided_at
    return (
        f"Takedown case {facts.case.number}: {len(facts.reports)} report(s), "
        f"{len(facts.items)} item(s) in the case, confirmed by a reviewer as "
        f"{facts.category} at {_text(decided)}. IP capture events: none, "
        "the platform's Takedown does not record IP addresses."
    )


def build_file_details(facts: CaseFacts, media: Media, report_id: int, file_id: str) -> bytes:
    """The `<fileDetails>` document for /fileinfo, after the file was uploaded."""
    root = etree.Element("fileDetails")
    _el(root, "reportId", report_id)
    _el(root, "fileId", file_id)
    _el(root, "originalFileName", f"{media.items[0].external_id}.{media.media_type}")
    _el(root, "uploadedToEspTimestamp", media.created_at)
    if media.items[0].url:
        _el(root, "locationOfFile", media.items[0].url)
    _el(root, "fileViewedByEsp", True)
    _el(root, "publiclyAvailable", media.public)
    _el(root, "fileRelevance", "Reported")
    classification = categories.industry_classification(facts.category)
    if classification:
        _el(root, "industryClassification", classification)
    if media.md5:
        _el(root, "originalFileHash", media.md5, hashType="MD5")
    if media.sha256:
        _el(root, "originalFileHash", media.sha256, hashType="SHA256")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def schema_path(settings: Settings) -> Path | None:
    """The XSD: configured, the copy shipped in the package, or one fetched from NCMEC."""
    cached = settings.data_dir / "ncmec" / "cybertipline.xsd"
    for path in (settings.ncmec_xsd_path, SHIPPED_XSD, cached):
        if path is not None and path.is_file():
            return path
    return None


@functools.cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path), _safe_parser()))


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def validate(document: bytes, xsd: Path) -> None:
    """Raise InvalidReport naming every schema error."""
    schema = _schema(xsd)
    tree = etree.fromstring(document, _safe_parser())
    if not schema.validate(tree):
        log = schema.error_log  # lxml-stubs 0.5.1 do not say _ErrorLog iterates; it does
        errors = "; ".join(f"line {e.line}: {e.message}" for e in log)  # type: ignore[attr-defined]
        raise InvalidReport(f"CyberTipline XML does not validate: {errors}")
