"""Local stand-ins for the DSA Transparency Database and a platform's media server."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _serve(handler: type[BaseHTTPRequestHandler]) -> _Server:
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class FakeTransparencyDb:
    """`POST /api/v1/statement` with a Bearer token, as the Commission's API answers it:
    201 with a uuid, 401 without the token, 422 on schema errors or a known puid."""

    token: str
    schema: Path
    fail_next: int = 0
    statements: dict[str, dict] = field(default_factory=dict)
    attempts: int = 0

    def __post_init__(self) -> None:
        fake = self
        validator = jsonschema.Draft202012Validator(json.loads(self.schema.read_text()))

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.attempts += 1
                status, answer = fake._answer(self.path, self.headers, body, validator)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _answer(self, path, headers, body, validator) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
        if path != "/api/v1/statement":
            return 404, {"message": "Not Found"}
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"message": "Unauthenticated."}
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"message": "Service Unavailable"}
        statement = json.loads(body)
        errors = {
            "/".join(map(str, e.path)) or "body": [e.message]
            for e in validator.iter_errors(statement)
        }
        if errors:
            return 422, {"message": "The given data was invalid.", "errors": errors}
        known = self.statements.get(statement["puid"])
        if known:
            return 422, {
                "message": "The identifier given is not unique within this platform.",
                "errors": {"puid": ["The identifier given is not unique within this platform."]},
                "existing": {"uuid": known["uuid"]},
            }
        stored = {**statement, "uuid": str(uuid.uuid4())}
        self.statements[statement["puid"]] = stored
        return 201, stored

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class MediaServer:
    """The platform's media URLs: serves the bytes it is given, by name."""

    files: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = files.get(self.path.rsplit("/", 1)[-1])
                self.send_response(200 if data is not None else 404)
                self.send_header("content-length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = _serve(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/media"

    def add(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.url}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
