"""A client for NCMEC's CyberTipline reporting API (ISPWS), as documented by NCMEC.

Calls: `GET /status`, `GET /xsd`, `POST /submit` (report XML), `POST /upload` (multipart
`id` + `file`), `POST /fileinfo` (fileDetails XML), `POST /finish` and `POST /retract`
(form `id`). HTTP Basic credentials. Answers are `<reportResponse>` or
`<reportDoneResponse>` with a `responseCode`: 0 success, 1000 server error, 2000
authentication required, 3000 not authorized, 4100 validation failed, 5001 report does not
exist, 5102 report already finished. Network errors, HTTP 5xx and 1000 are retried here
with doubling delays; the others are final."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from lxml import etree

from takedown.legal.errors import SubmissionError

log = logging.getLogger(__name__)

SUCCESS = 0
SERVER_ERROR = 1000
AUTH_REQUIRED = 2000
NOT_AUTHORIZED = 3000
VALIDATION_FAILED = 4100
NO_SUCH_REPORT = 5001
ALREADY_FINISHED = 5102
RETRYABLE = {SERVER_ERROR}
XML = {"content-type": "text/xml; charset=utf-8"}
MAX_RESPONSE_BYTES = 1_000_000


@dataclass
class Answer:
    code: int
    description: str
    report_id: int | None = None
    file_id: str | None = None
    hash: str | None = None
    files: list[str] | None = None


class CyberTiplineClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 30.0,
        attempts: int = 3,
        retry_delay_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=(username, password),
            timeout=timeout,
            follow_redirects=False,
        )
        self.attempts, self.retry_delay_s, self.sleep = attempts, retry_delay_s, sleep

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CyberTiplineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def status(self) -> str:
        return self._call("GET", "/status").description

    def xsd(self) -> bytes:
        response = self._send("GET", "/xsd", {})
        if response.status_code != 200:
            raise SubmissionError(f"/xsd: HTTP {response.status_code}", retryable=True)
        return response.content

    def submit(self, report_xml: bytes) -> int:
        answer = self._call("POST", "/submit", content=report_xml, headers=XML)
        if answer.report_id is None:
            raise SubmissionError("/submit answered without a reportId", retryable=True)
        return answer.report_id

    def upload(self, report_id: int, filename: str, data: bytes) -> tuple[str, str | None]:
        """Attach one file; NCMEC answers its file id and the MD5 it computed."""
        answer = self._call(
            "POST",
            "/upload",
            data={"id": str(report_id)},
            files={"file": (filename, data, "application/octet-stream")},
        )
        if not answer.file_id:
            raise SubmissionError("/upload answered without a fileId", retryable=True)
        return answer.file_id, answer.hash

    def fileinfo(self, file_details_xml: bytes) -> None:
        self._call("POST", "/fileinfo", content=file_details_xml, headers=XML)

    def finish(self, report_id: int) -> list[str]:
        return self._call("POST", "/finish", data={"id": str(report_id)}).files or []

    def retract(self, report_id: int) -> None:
        self._call("POST", "/retract", data={"id": str(report_id)})

    def _call(self, method: str, path: str, **kwargs: object) -> Answer:
        delay = self.retry_delay_s
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(method, path, kwargs)
            except SubmissionError as exc:
                if not exc.retryable or attempt == self.attempts:
                    raise
                log.warning("CyberTipline %s attempt %d failed (%s); retrying", path, attempt, exc)
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _once(self, method: str, path: str, kwargs: dict[str, object]) -> Answer:
        response = self._send(method, path, kwargs)
        answer = _parse(response.content) if response.content else None
        if answer is None:
            retryable = response.status_code >= 500 or response.status_code == 429
            raise SubmissionError(
                f"{path}: HTTP {response.status_code} without an NCMEC answer",
                retryable=retryable,
            )
        if answer.code != SUCCESS:
            raise SubmissionError(
                f"{path}: NCMEC {answer.code} {answer.description}",
                retryable=answer.code in RETRYABLE,
                code=answer.code,
            )
        return answer

    def _send(self, method: str, path: str, kwargs: dict[str, object]) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise SubmissionError(f"{path}: {type(exc).__name__}: {exc}", retryable=True) from exc
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise SubmissionError(f"{path}: answer too large", retryable=False)
        return response


def _parse(body: bytes) -> Answer | None:
    """Read `<reportResponse>`/`<reportDoneResponse>`; None if it is neither."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None
    doctype = root.getroottree().docinfo.doctype  # type: ignore[union-attr]  # lxml-stubs lack it
    if doctype or root.tag not in (
        "reportResponse",
        "reportDoneResponse",
    ):
        return None
    code = root.findtext("responseCode")
    if code is None or not code.strip().lstrip("-").isdigit():
        return None
    report_id = root.findtext("reportId")
    return Answer(
        code=int(code),
        description=root.findtext("responseDescription") or "",
        report_id=int(report_id) if report_id and report_id.strip().isdigit() else None,
        file_id=root.findtext("fileId"),
        hash=root.findtext("hash"),
        files=[f.text or "" for f in root.iterfind("files/fileId")],
    )
