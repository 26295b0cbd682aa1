"""A local stand-in for NCMEC's CyberTipline API, following its documented contract.

The demo and the tests file reports here; nothing ever reaches NCMEC. It checks HTTP Basic
credentials (2000 when missing, 3000 when wrong), validates `/submit` and `/fileinfo`
documents against the XSD (4100), knows which reports exist (5001) and which are finished
(5102), and can be told to fail the next calls to a path (`fail`), as a server error would."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from lxml import etree

from takedown.legal import InvalidReport, ncmec

PREFIX = "/ispws"


@dataclass
class FiledReport:
    xml: bytes
    files: dict[str, bytes] = field(default_factory=dict)
    fileinfo: dict[str, bytes] = field(default_factory=dict)
    finished: bool = False
    retracted: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class FakeCyberTipline:
    def __init__(self, username: str = "esp", password: str = "esp-password", xsd=None) -> None:
        self.username, self.password = username, password
        self.xsd: Path | None = xsd
        self.reports: dict[int, FiledReport] = {}
        self.requests: list[tuple[str, str]] = []
        self._failures: dict[str, list[tuple[int, int]]] = {}
        self._next_id = 4_564_654
        self._lock = threading.Lock()
        self.url = ""

    def __enter__(self) -> FakeCyberTipline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FakeCyberTipline:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}{PREFIX}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fail(self, path: str, times: int = 1, http_status: int = 500, code: int = 1000) -> None:
        """The next `times` calls to `path` answer `http_status` with NCMEC code `code`."""
        self._failures.setdefault(path, []).extend([(http_status, code)] * times)

    def finished(self) -> list[FiledReport]:
        return [r for r in self.reports.values() if r.finished]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.removeprefix(PREFIX)
        body = request.rfile.read(int(request.headers.get("content-length") or 0))
        with self._lock:
            self.requests.append((request.command, path))
            status, answer = self._answer(request, path, body)
        payload = answer if isinstance(answer, bytes) else answer.encode()
        request.send_response(status)
        request.send_header("content-type", "application/xml; charset=utf-8")
        request.send_header("content-length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _answer(
        self, request: BaseHTTPRequestHandler, path: str, body: bytes
    ) -> tuple[int, str | bytes]:
        auth = request.headers.get("authorization") or ""
        if not auth.lower().startswith("basic "):
            return 401, _response(2000, "Authentication required")
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if auth[6:].strip() != expected:
            return 403, _response(3000, "Not authorized")
        if self._failures.get(path):
            status, code = self._failures[path].pop(0)
            return status, _response(code, "Server error")
        route = {
            ("GET", "/status"): self._status,
            ("GET", "/xsd"): self._xsd,
            ("POST", "/submit"): self._submit,
            ("POST", "/upload"): self._upload,
            ("POST", "/fileinfo"): self._fileinfo,
            ("POST", "/finish"): self._finish,
            ("POST", "/retract"): self._retract,
        }.get((request.command, path))
        if route is None:
            return 404, _response(1000, "No such call")
        return route(request, body)

    def _status(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        return 200, _response(0, f"Remote User : {self.username}, Remote Ip : 127.0.0.1")

    def _xsd(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        if self.xsd is None:
            return 404, _response(1000, "No schema here")
        return 200, self.xsd.read_bytes()

    def _submit(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        problem = self._invalid(request, body)
        if problem:
            return 200, _response(4100, problem)
        report_id, self._next_id = self._next_id, self._next_id + 1
        self.reports[report_id] = FiledReport(xml=body)
        return 200, _response(0, "Success", reportId=report_id)

    def _upload(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        form = _multipart(request.headers.get("content-type") or "", body)
        report, problem = self._open_report(form.get("id", b"").decode())
        if problem:
            return 200, problem
        data = form.get("file")
        if data is None:
            return 200, _response(4100, "Validation failed: no file")
        file_id = secrets.token_hex(16)
        report.files[file_id] = data  # type: ignore[union-attr]
        return 200, _response(
            0, "Success", reportId=form["id"].decode(), fileId=file_id, hash=_md5(data)
        )

    def _fileinfo(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        problem = self._invalid(request, body)
        if problem:
            return 200, _response(4100, problem)
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        report, refusal = self._open_report(root.findtext("reportId") or "")
        if refusal:
            return 200, refusal
        file_id = root.findtext("fileId") or ""
        if file_id not in report.files:  # type: ignore[union-attr]
            return 200, _response(4100, f"Validation failed: no file {file_id}")
        report.fileinfo[file_id] = body  # type: ignore[union-attr]
        return 200, _response(0, "Success", reportId=root.findtext("reportId"))

    def _finish(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        report_id = _form(body)
        report, problem = self._open_report(report_id)
        if problem:
            return 200, problem
        report.finished = True  # type: ignore[union-attr]
        files = "".join(f"<fileId>{f}</fileId>" for f in report.files)  # type: ignore[union-attr]
        return 200, (
            '<?xml version="1.0" encoding="UTF-8"?><reportDoneResponse>'
            f"<responseCode>0</responseCode><reportId>{report_id}</reportId>"
            f"<files>{files}</files></reportDoneResponse>"
        )

    def _retract(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, str | bytes]:
        report_id = _form(body)
        report, problem = self._open_report(report_id)
        if problem:
            return 200, problem
        report.retracted = True  # type: ignore[union-attr]
        return 200, _response(0, "Success", reportId=report_id)

    def _open_report(self, report_id: str) -> tuple[FiledReport | None, str | None]:
        report = self.reports.get(int(report_id)) if report_id.strip().isdigit() else None
        if report is None or report.retracted:
            return None, _response(5001, "Report does not exist")
        if report.finished:
            return None, _response(5102, "Report already finished")
        return report, None

    def _invalid(self, request: BaseHTTPRequestHandler, body: bytes) -> str | None:
        if "text/xml" not in (request.headers.get("content-type") or ""):
            return "Validation failed: send text/xml"
        if self.xsd is None:
            return None
        try:
            ncmec.validate(body, self.xsd)
        except InvalidReport as exc:
            return f"Validation failed: {exc}"
        except Exception as exc:
            return f"Validation failed: not XML ({exc})"
        return None


def _response(code: int, description: str, **fields: object) -> str:
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?><reportResponse>'
        f"<responseCode>{code}</responseCode>"
        f"<responseDescription>{escape(description)}</responseDescription>{extra}"
        "</reportResponse>"
    )


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)
            parts[str(name)] = payload if isinstance(payload, bytes) else b""
    return parts


def _form(body: bytes) -> str:
    return (parse_qs(body.decode()).get("id") or [""])[0]


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
