"""Loopback stand-ins for the hash-sharing programmes, following their published shapes as
python-threatexchange's clients speak them (nothing here reaches a real programme):

- NCMEC's hash sharing API v2: `/v2/status`, `/v2/entries` (from/to, paging by `next`,
  deleted entries), `/v2/feedback/{type}/reasons`, `PUT /v2/entries/{esp}/{id}/{type}/feedback`;
  HTTP Basic.
- StopNCII: `FetchHashes` (startTimestamp, pageSize, nextPageToken, hasMoreRecords,
  nextSetTimestamp), `SubmitFeedback`, `SubmitHashes`; function keys and a subscription key.
- Tech Against Terrorism's TCAP: `token-auth/tcap/` and `api/hash-list/v2/all` (order, after,
  offset paging, `checkpoint`).

The hashes are random bytes or hashes of benign generated images; nothing depicts anyone.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

NCMEC_NS = "https://hashsharing.ncmec.org/hashsharing/v2"
_DATE = "%Y-%m-%dT%H:%M:%SZ"


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class FakeServer:
    """A loopback HTTP server; subclasses answer `handle(call) -> (status, type, body)`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail: dict[str, int] = {}  # path prefix -> status to answer the next calls with
        self.fail_times: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                call = Call(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                owner.calls.append(call)
                status, kind, body = owner._answer(call)
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _answer(self, call: Call) -> tuple[int, str, bytes]:
        for prefix, status in list(self.fail.items()):
            if call.path.startswith(prefix) and self.fail_times.get(prefix, 0) > 0:
                self.fail_times[prefix] -= 1
                return status, "text/plain", b"failing on purpose"
        return self.handle(call)

    def fail_next(self, prefix: str, times: int = 1, status: int = 400) -> None:
        self.fail[prefix], self.fail_times[prefix] = status, times

    def handle(self, call: Call) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix)]


def _json(status: int, data: object) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(data).encode()


# -- NCMEC --------------------------------------------------------------------------------


@dataclass
class NcmecEntry:
    id: str
    member_id: int
    kind: str  # image, video
    timestamp: int
    fingerprints: dict[str, str] = field(default_factory=dict)
    classification: str | None = "A1"
    deleted: bool = False


class FakeNcmec(FakeServer):
    """NCMEC's hash sharing API as threatexchange's NCMECHashAPI calls it (base URL + /v2)."""

    def __init__(self, user: str = "esp-user", password: str = "esp-pass", page: int = 1000):
        self.user, self.password, self.page = user, password, page
        self.entries: dict[tuple[int, str], NcmecEntry] = {}
        self.feedback: list[tuple[str, bytes]] = []
        super().__init__()

    def put(self, entry: NcmecEntry) -> None:
        self.entries[entry.member_id, entry.id] = entry

    def delete(self, member_id: int, entry_id: str, timestamp: int) -> None:
        entry = self.entries[member_id, entry_id]
        entry.deleted, entry.timestamp, entry.fingerprints = True, timestamp, {}

    def handle(self, call: Call) -> tuple[int, str, bytes]:
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if call.headers.get("authorization") != f"Basic {expected}":
            return 401, "text/plain", b"unauthorized"
        if call.path == "/v2/status":
            return self._xml('<status><member id="42">Takedown test ESP</member></status>')
        if call.path == "/v2/entries" and call.method == "GET":
            return self._entries(call.query)
        if call.path.startswith("/v2/feedback/") and call.path.endswith("/reasons"):
            return self._xml(
                "<feedbackReasons><availableFeedbackReasons>"
                '<reason guid="0b1b0c3c-1111-4a4a-9e9e-000000000001" name="Not CSAM"/>'
                "</availableFeedbackReasons></feedbackReasons>"
            )
        if call.path.startswith("/v2/entries/") and call.path.endswith("/feedback"):
            ET.fromstring(call.body)  # a well-formed feedbackSubmission, or a 500 here
            self.feedback.append((call.path, call.body))
            return 200, "application/xml", b""
        return 404, "text/plain", b"no such endpoint"

    def _xml(self, inner: str) -> tuple[int, str, bytes]:
        body = f'<?xml version="1.0" encoding="UTF-8"?>{inner}'.replace(
            "<status>", f'<status xmlns="{NCMEC_NS}">', 1
        )
        return 200, "application/xml", body.encode()

    def _entries(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        # The client formats times with the local clock and a Z; read them the same way.
        start_ts = int(datetime.strptime(query["from"][0], _DATE).timestamp())
        end_ts = int(datetime.strptime(query["to"][0], _DATE).timestamp())
        found = sorted(
            (e for e in self.entries.values() if start_ts <= e.timestamp <= end_ts),
            key=lambda e: (e.member_id, e.id),
        )
        start = int(query.get("start", ["0"])[0])
        size = int(query.get("size", [str(self.page)])[0])
        page = found[start : start + size]
        sections = []
        for kind in ("image", "video"):
            mine = [e for e in page if e.kind == kind]
            if not mine:
                continue
            newest = datetime.fromtimestamp(max(e.timestamp for e in mine)).strftime(_DATE)
            rows = "".join(self._entry(e) for e in mine)
            sections.append(
                f'<{kind}s count="{len(mine)}" maxTimestamp="{newest}">{rows}</{kind}s>'
            )
        paging = ""
        if start + size < len(found):
            nxt = (
                f"/v2/entries?from={query['from'][0]}&to={query['to'][0]}"
                f"&start={start + size}&size={size}&max={len(found)}"
            )
            paging = f"<paging><next>{escape(nxt)}</next></paging>"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="{NCMEC_NS}">'
            f"{''.join(sections)}{paging}</queryResult>"
        )
        return 200, "application/xml", body.encode()

    @staticmethod
    def _entry(e: NcmecEntry) -> str:
        tag = ("deleted" + e.kind.capitalize()) if e.deleted else e.kind
        member = f'<member id="{e.member_id}">ESP {e.member_id}</member>'
        if e.deleted:
            return f"<{tag}><id>{e.id}</id>{member}</{tag}>"
        prints = "".join(f"<{k}>{v}</{k}>" for k, v in e.fingerprints.items())
        cls = f"<classification>{e.classification}</classification>" if e.classification else ""
        return f"<{tag}><id>{e.id}</id>{member}{cls}<fingerprints>{prints}</fingerprints></{tag}>"


# -- StopNCII -----------------------------------------------------------------------------


class FakeStopNcii(FakeServer):
    """StopNCII's hash API (`/v1/FetchHashes`, `/v1/SubmitFeedback`, `/v1/SubmitHashes`)."""

    KEYS: ClassVar[dict[str, str]] = {
        "FetchHashes": "fetch-key",
        "SubmitFeedback": "feedback-key",
        "SubmitHashes": "hashes-key",
    }
    SUBSCRIPTION = "subscription-key"
    TYPES: ClassVar[set[str]] = {"Unknown", "ImagePDQ", "VideoMD5", "VideoTMK", "Text", "URL"}
    FEEDBACK: ClassVar[set[str]] = {
        "Unknown",
        "None",
        "QualityUnknown",
        "PendingReview",
        "Blocked",
        "NotBlocked",
    }

    def __init__(self, page_cap: int = 800, delay_s: float = 0.0):
        self.page_cap, self.delay_s = page_cap, delay_s
        self.records: dict[str, dict] = {}
        self.feedback: list[dict] = []
        self.submitted: list[dict] = []
        super().__init__()

    def put(self, hash_value: str, ts: int, status: str = "Active", kind: str = "ImagePDQ"):
        self.records[hash_value] = {
            "lastModtimestamp": ts,
            "signalType": kind,
            "hashValue": hash_value,
            "hashStatus": status,
            "caseNumbers": {f"case-{hash_value[:6]}": status},
            "CSPFeedbacks": [],
        }

    def handle(self, call: Call) -> tuple[int, str, bytes]:
        endpoint = call.path.removeprefix("/v1/")
        if endpoint not in self.KEYS:
            return 404, "text/plain", b"no such function"
        if (
            call.headers.get("x-functions-key") != self.KEYS[endpoint]
            or call.headers.get("ocp-apim-subscription-key") != self.SUBSCRIPTION
        ):
            return _json(401, {"error": "bad function or subscription key"})
        if endpoint == "FetchHashes":
            return self._fetch(call.query)
        body = json.loads(call.body or b"{}")
        if endpoint == "SubmitFeedback":
            rows = body.get("hashFeedbacks", [])
            if body.get("count") != len(rows) or any(
                r.get("feedbackValue") not in self.FEEDBACK for r in rows
            ):
                return _json(400, {"error": "bad feedback"})
            self.feedback.extend(rows)
            return _json(200, {})
        rows = body.get("hashRecords", [])
        if body.get("count") != len(rows) or any(
            r.get("signalType") not in self.TYPES for r in rows
        ):
            return _json(400, {"error": "bad hash records"})
        self.submitted.extend(rows)
        return _json(200, {})

    def _fetch(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        since = int(query.get("startTimestamp", ["0"])[0])
        size = min(int(query.get("pageSize", ["800"])[0]), self.page_cap)
        offset = int(query.get("nextPageToken", ["0"])[0] or 0)
        found = sorted(
            (r for r in self.records.values() if r["lastModtimestamp"] >= since),
            key=lambda r: (r["lastModtimestamp"], r["hashValue"]),
        )
        page = found[offset : offset + size]
        more = offset + size < len(found)
        # Where a fetch cut off after this page may safely start again: this page's newest
        # while more follow, the whole set's newest at the end.
        newest = max((r["lastModtimestamp"] for r in (page if more else found)), default=since)
        time.sleep(self.delay_s)
        return _json(
            200,
            {
                "count": len(page),
                "nextPageToken": str(offset + size) if more else None,
                "nextSetTimestamp": newest,
                "hasMoreRecords": more,
                "hashRecords": page,
            },
        )


# -- Tech Against Terrorism (TCAP) ----------------------------------------------------------


class FakeTcap(FakeServer):
    """TCAP's token endpoint and hash list v2, as TATHashListAPI calls them."""

    def __init__(self, user: str = "tcap-user", password: str = "tcap-pass", page: int = 2):
        self.user, self.password, self.page = user, password, page
        self.token = "tcap-token-" + base64.b16encode(user.encode()).decode()
        self.results: list[dict] = []
        super().__init__()

    def put(self, id_: int, digest: str, updated: float, deleted: bool = False, algo: str = "PDQ"):
        self.results = [r for r in self.results if r["id"] != id_]
        self.results.append(
            {
                "hash_digest": digest,
                "algorithm": algo,
                "ideology": "islamist",
                "file_type": "jpg",
                "deleted": deleted,
                "updated_on": updated,
                "created_on": "2024-01-01T00:00:00Z",
                "id": id_,
            }
        )

    def handle(self, call: Call) -> tuple[int, str, bytes]:
        if call.path == "/token-auth/tcap/" and call.method == "POST":
            form = parse_qs(call.body.decode())
            if form.get("username") == [self.user] and form.get("password") == [self.password]:
                return _json(200, {"token": self.token, "user": {"username": self.user}})
            return _json(400, {"error": "Unable to log in with provided credentials."})
        if call.path == "/api/hash-list/v2/all":
            if call.headers.get("authorization") != f"Bearer {self.token}":
                return _json(401, {"error": "Invalid token."})
            return self._list(call.query)
        return 404, "text/plain", b"not found"

    def _list(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        after = (query.get("after") or [""])[0]
        key: Callable[[dict], tuple[float, int]] = lambda r: (r["updated_on"], r["id"])  # noqa: E731
        found = sorted(self.results, key=key)
        if after:
            ts, _, last = after.partition(",")
            found = [r for r in found if key(r) > (float(ts), int(last))]
        offset = int((query.get("offset") or ["0"])[0])
        limit = int((query.get("limit") or [str(self.page)])[0])
        page = found[offset : offset + limit]
        more = offset + limit < len(found)
        checkpoint = f"{page[-1]['updated_on']},{page[-1]['id']}" if page else after
        return _json(
            200,
            {
                "count": len(found),
                "next": f"limit={limit}&offset={offset + limit}" if more else None,
                "previous": None,
                "checkpoint": checkpoint,
                "results": page,
            },
        )
